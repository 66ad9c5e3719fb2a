//! The apps under test as processes: each launched in its own process group (ended, WebKit
//! processes included, when dropped), with WebKit's compositing chosen per launch; and what
//! `/proc` tells about them (descendants, memory, the ports they listen on).

use std::collections::HashMap;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

/// WebKit's accelerated compositing in a launch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Compositing {
    /// Each app decides: Kasse turns it off where there is no GPU render node, the
    /// blank window keeps WebKit's default (on). What a user gets.
    AsShipped,
    /// Off in both (`WEBKIT_DISABLE_COMPOSITING_MODE=1`): a diagnosis.
    Off,
    /// On in both (`KASSE_WEBKIT_COMPOSITING=on` for Kasse): a diagnosis.
    On,
}

/// A launched app in its own process group; the group is ended when dropped.
pub(super) struct AppProc {
    pub(super) child: Child,
}

impl AppProc {
    pub(super) fn launch(
        bin: &Path,
        display: &str,
        data_dir: &Path,
        log: &Path,
        compositing: Compositing,
    ) -> Result<AppProc> {
        // WebKit keeps local storage (the UI's theme choice, …) and its caches under the XDG
        // data and cache homes: one private home for the whole bench run, so that what a user
        // did in their own Kasse (dark mode) cannot change what is measured, while launches
        // after the first still find WebKit's caches as a counter's second start would.
        let home = data_dir.parent().unwrap_or(data_dir).join("webkit-home");
        let log = std::fs::File::create(log)?;
        let mut cmd = Command::new(bin);
        cmd.env_remove("WEBKIT_DISABLE_COMPOSITING_MODE")
            .env_remove("KASSE_WEBKIT_COMPOSITING");
        match compositing {
            Compositing::AsShipped => {}
            Compositing::Off => {
                cmd.env("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
            }
            // Only Kasse reads it; the blank window keeps WebKit's default, which is on.
            Compositing::On => {
                cmd.env("KASSE_WEBKIT_COMPOSITING", "on");
            }
        }
        let child = cmd
            .env("DISPLAY", display)
            .env("KASSE_DEMO", "1")
            .env("KASSE_DATA_DIR", data_dir)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("TAURI_WEBVIEW_AUTOMATION")
            .stdout(log.try_clone()?)
            .stderr(log)
            .process_group(0)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        Ok(AppProc { child })
    }

    pub(super) fn pid(&self) -> u32 {
        self.child.id()
    }

    fn signal_group(&self, sig: &str) {
        kasse_e2e::signal_group(self.child.id(), sig);
    }
}

impl Drop for AppProc {
    fn drop(&mut self) {
        let pgid = self.child.id();
        self.signal_group("TERM");
        let _ = self.child.wait();
        // The WebKit processes are in the same group; wait until all of them are gone.
        let deadline = Instant::now() + Duration::from_secs(5);
        while !group_members(pgid).is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        if !group_members(pgid).is_empty() {
            self.signal_group("KILL");
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// `(pid, ppid, pgrp, state)` of every process.
fn processes() -> Vec<(u32, u32, u32, char)> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // The command name is in parentheses and may contain spaces.
            let rest = &stat[stat.rfind(')')? + 2..];
            let mut f = rest.split_whitespace();
            let state = f.next()?.chars().next()?;
            let ppid = f.next()?.parse().ok()?;
            let pgrp = f.next()?.parse().ok()?;
            Some((pid, ppid, pgrp, state))
        })
        .collect()
}

/// Live (non-zombie) processes of a process group.
fn group_members(pgid: u32) -> Vec<u32> {
    processes()
        .into_iter()
        .filter(|&(_, _, g, s)| g == pgid && s != 'Z')
        .map(|(p, ..)| p)
        .collect()
}

/// A process and all its live descendants.
fn tree(root: u32) -> Vec<u32> {
    let procs = processes();
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for &(pid, ppid, _, state) in &procs {
        if state != 'Z' {
            children.entry(ppid).or_default().push(pid);
        }
    }
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        if let Some(c) = children.get(&out[i]) {
            out.extend(c);
        }
        i += 1;
    }
    out
}

fn comm(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

/// `Pss` of a process in kB.
fn pss_kb(pid: u32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    text.lines()
        .find(|l| l.starts_with("Pss:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

/// Loopback ports the process listens on (the demo sandbox).
pub(super) fn listening_ports(pid: u32) -> Vec<u16> {
    let mut inodes = Vec::new();
    if let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) {
        for fd in fds.flatten() {
            if let Ok(target) = std::fs::read_link(fd.path()) {
                let t = target.to_string_lossy();
                if let Some(inode) = t.strip_prefix("socket:[").and_then(|s| s.strip_suffix(']')) {
                    inodes.push(inode.to_owned());
                }
            }
        }
    }
    let Ok(tcp) = std::fs::read_to_string(format!("/proc/{pid}/net/tcp")) else {
        return Vec::new();
    };
    tcp.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let (local, state, inode) = (f.get(1)?, f.get(3)?, f.get(9)?);
            if *state != "0A" || !inodes.iter().any(|i| i == inode) {
                return None;
            }
            u16::from_str_radix(local.rsplit(':').next()?, 16).ok()
        })
        .collect()
}

/// `Pss` of a process and its descendants in kB: the total and each process by name.
pub(super) fn measure_memory(pid: u32) -> (u64, Vec<(String, u64)>) {
    let mut total = 0;
    let mut parts = Vec::new();
    for p in tree(pid) {
        if let Some(kb) = pss_kb(p) {
            total += kb;
            parts.push((comm(p), kb));
        }
    }
    (total, parts)
}
