//! Figure group 5, the app: cold start to a usable UI under Xvfb, idle memory (PSS of the app and its WebKit
//! processes) after a sale, both against a blank Tauri window built and measured the same way;
//! the release binary's size.
//!
//! **How "usable" is detected.** The bench reads pixels straight from the X server every 10 ms
//! (GetImage on the root window; no screenshots, no WebDriver, nothing in the app changed).
//! Three moments are recorded from `exec`: the window is *mapped* (a top-level window ≥ 200×200
//! is viewable); the *first frame* of the page (the header's DEMO badge, `#d9480f`, is painted:
//! Kasse's JavaScript has mounted the Sell screen); and the UI is *usable*: the quick-item cards
//! (`#ffffff`, left of x = 560 on the row y = 110) are painted. Kasse draws those only once
//! `app_info` and `settings_get` came back over IPC, a moment before it sets
//! `body[data-ready="1"]`: the cashier can tap an item. The blank app's static page has a badge
//! and a card of the same colours at the same places, so both apps are detected by the same code
//! (for the blank window all three moments are its first paint).
//!
//! **Memory after a sale.** Once usable, the bench types a sale on Kasse's keypad with xdotool
//! (`1 2 5 Enter F2`), pays it as the customer through the in-process demo sandbox's control
//! endpoints (found through the app's listening socket), waits for the Paid screen, lets the app
//! idle, and sums `Pss` of `/proc/PID/smaps_rollup` over the app and its descendants. The blank
//! window idles as long after it became usable.
//!
//! **Compositing.** The figures with targets launch each app as shipped: Kasse turns WebKit's
//! accelerated compositing off where there is no GPU render node (`src-tauri/src/lib.rs`), the
//! blank window keeps WebKit's default. Two diagnosis rounds (full run only) compare like with
//! like: compositing off in both, and on in both (`KASSE_WEBKIT_COMPOSITING=on`).

use std::collections::HashMap;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::common::{fmt_value, median, ms, noise, Goal, Section};
use crate::x11::{rgb, Rgb, Screen, Xvfb};

/// The DEMO badge (`--demo`): in the first frame of the mounted page.
const BADGE: Rgb = rgb(0xd9480f);
/// The quick-item cards (`--surface`), drawn once the settings came back over IPC.
const CARD: Rgb = rgb(0xffffff);
/// Where the cards are looked for: one screen row through them, from the left edge.
const CARDS_ROW: i16 = 110;
const CARDS_WIDTH: u16 = 560;
/// Kasse's `--ok-bg`: the big circle behind the Paid screen's check mark (nothing on the Sell
/// or Charge screens has it).
const PAID: Rgb = rgb(0xd9f2df);

#[derive(Debug, Clone)]
pub struct Opts {
    pub quick: bool,
    pub kasse_bin: PathBuf,
    pub blank_bin: PathBuf,
    pub out: PathBuf,
}

/// A launched app in its own process group; the group is ended when dropped.
struct AppProc {
    child: Child,
}

impl AppProc {
    fn launch(
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

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn signal_group(&self, sig: &str) {
        let _ = Command::new("kill")
            .args(["-s", sig, "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
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
fn listening_ports(pid: u32) -> Vec<u16> {
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

/// What one launch measured.
#[derive(Debug, Default, Clone)]
struct Launch {
    mapped_ms: Option<f64>,
    painted_ms: Option<f64>,
    usable_ms: f64,
    pss_kb: Option<u64>,
    processes: Vec<(String, u64)>,
    sale: Option<String>,
}

fn count(px: &[Rgb], c: Rgb) -> usize {
    px.iter().filter(|p| **p == c).count()
}

/// Polls the screen from `t0` until the badge shows; records the three moments.
fn wait_usable(screen: &Screen, t0: Instant, app: &mut AppProc) -> Result<Launch> {
    wait_until(screen, t0, app, Duration::from_secs(30))
}

fn wait_until(screen: &Screen, t0: Instant, app: &mut AppProc, limit: Duration) -> Result<Launch> {
    let mut l = Launch::default();
    let deadline = t0 + limit;
    loop {
        let now = t0.elapsed();
        if l.mapped_ms.is_none() && screen.window_mapped()? {
            l.mapped_ms = Some(ms(now));
        }
        let mut badge = 0;
        for y in [18, 27, 36] {
            badge += count(&screen.pixels(0, y, screen.width, 1)?, BADGE);
        }
        if badge >= 60 {
            if l.painted_ms.is_none() {
                l.painted_ms = Some(ms(now));
            }
            if count(&screen.pixels(0, CARDS_ROW, CARDS_WIDTH, 1)?, CARD) >= 150 {
                l.usable_ms = ms(now);
                return Ok(l);
            }
        }
        if let Some(status) = app.child.try_wait()? {
            bail!("the app exited before its UI was usable ({status})");
        }
        if Instant::now() > deadline {
            bail!(
                "no usable UI within {} s: window mapped at {:?} ms, first frame (the header's DEMO badge, #d9480f) at {:?} ms, but the quick-item cards (#ffffff at y={CARDS_ROW}, x<{CARDS_WIDTH}) never appeared",
                limit.as_secs(),
                l.mapped_ms,
                l.painted_ms
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn xdotool(display: &str, args: &[&str]) -> Result<()> {
    let status = Command::new("xdotool")
        .args(args)
        .env("DISPLAY", display)
        .status()
        .context("xdotool is needed (apt-get install xdotool; `cargo xtask bench` installs it)")?;
    if !status.success() {
        bail!("xdotool {args:?} failed");
    }
    Ok(())
}

/// Blocking HTTP for the few control calls (a small runtime of its own).
struct Http {
    rt: tokio::runtime::Runtime,
    client: reqwest::Client,
}

impl Http {
    fn new() -> Result<Http> {
        Ok(Http {
            rt: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?,
            client: reqwest::Client::builder().no_proxy().build()?,
        })
    }

    fn get_json(&self, url: &str) -> Result<serde_json::Value> {
        self.rt.block_on(async {
            Ok(self
                .client
                .get(url)
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?)
        })
    }

    fn post_json(&self, url: &str, body: &str) -> Result<()> {
        self.rt.block_on(async {
            self.client
                .post(url)
                .header("content-type", "application/json")
                .body(body.to_owned())
                .send()
                .await?
                .error_for_status()?;
            Ok(())
        })
    }
}

/// Sells NOK 125 on the keypad, pays it as the customer, waits for the Paid screen.
fn make_sale(screen: &Screen, display: &str, pid: u32) -> Result<String> {
    let http = Http::new()?;
    let port = *listening_ports(pid)
        .first()
        .context("the demo sandbox's port was not found")?;
    let base = format!("http://127.0.0.1:{port}");
    let mut session = None;
    for attempt in 0..3 {
        // Focus the window with a click on empty page background, clear, type, charge.
        xdotool(display, &["mousemove", "300", "600", "click", "1"])?;
        std::thread::sleep(Duration::from_millis(100));
        if attempt > 0 {
            xdotool(display, &["key", "Escape", "Escape"])?;
        }
        xdotool(display, &["key", "1", "2", "5", "Return"])?;
        std::thread::sleep(Duration::from_millis(300));
        xdotool(display, &["key", "F2"])?;
        let deadline = Instant::now() + Duration::from_secs(5);
        while session.is_none() && Instant::now() < deadline {
            let sessions: serde_json::Value = http.get_json(&format!("{base}/_sim/sessions"))?;
            session = sessions
                .as_array()
                .and_then(|a| a.last())
                .and_then(|s| s["id"].as_str())
                .map(str::to_owned);
            std::thread::sleep(Duration::from_millis(100));
        }
        if session.is_some() {
            break;
        }
    }
    let Some(session) = session else {
        bail!("no checkout session after typing a sale and F2, three times (keyboard input did not reach the app?)");
    };
    http.post_json(&format!("{base}/_sim/sessions/{session}/visit"), "{}")?;
    http.post_json(
        &format!("{base}/_sim/sessions/{session}/pay"),
        &format!(r#"{{"card":"{}"}}"#, crate::common::CARD_OK),
    )?;
    let t = Instant::now();
    loop {
        let px = screen.pixels(0, 0, screen.width, screen.height)?;
        if count(&px, PAID) > 20_000 {
            return Ok(format!(
                "sale of NOK 125.00 paid, Paid screen shown {} ms after the payment",
                fmt_value(ms(t.elapsed()))
            ));
        }
        if t.elapsed() > Duration::from_secs(10) {
            return Ok("sale paid; the Paid screen was not detected within 10 s".to_owned());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn measure_memory(pid: u32) -> (u64, Vec<(String, u64)>) {
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

/// WebKit's accelerated compositing in a launch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compositing {
    /// Each app decides: Kasse turns it off where there is no GPU render node (as here), the
    /// blank window keeps WebKit's default (on). What a user gets.
    AsShipped,
    /// Off in both (`WEBKIT_DISABLE_COMPOSITING_MODE=1`): a diagnosis.
    Off,
    /// On in both (`KASSE_WEBKIT_COMPOSITING=on` for Kasse): a diagnosis.
    On,
}

/// Launches apps on one display and measures them.
struct Launcher<'a> {
    xvfb: &'a Xvfb,
    screen: &'a Screen,
    out: &'a Path,
    compositing: Compositing,
}

impl Launcher<'_> {
    fn one(
        &self,
        name: &str,
        bin: &Path,
        screenshot: bool,
        memory: Option<Duration>,
    ) -> Result<Launch> {
        let (xvfb, screen, out) = (self.xvfb, self.screen, self.out);
        let data = tempfile::Builder::new()
            .prefix(&format!("app-{name}-"))
            .tempdir_in(out.join("tmp"))?;
        let log = out.join(format!("app-{name}.log"));
        let t0 = Instant::now();
        let mut app = AppProc::launch(bin, &xvfb.display, data.path(), &log, self.compositing)?;
        let mut l = match wait_usable(screen, t0, &mut app) {
            Ok(l) => l,
            Err(e) => {
                let _ = screen.save_ppm(&out.join(format!("app-{name}-failed.ppm")));
                return Err(e);
            }
        };
        if let Some(idle) = memory {
            // Kasse makes a sale first; the blank window has nothing to sell.
            if name == "kasse" {
                l.sale = Some(make_sale(screen, &xvfb.display, app.pid())?);
            }
            std::thread::sleep(idle);
            let (kb, parts) = measure_memory(app.pid());
            l.pss_kb = Some(kb);
            l.processes = parts;
        }
        if screenshot {
            let _ = screen.save_ppm(&out.join(format!("app-{name}.ppm")));
        }
        drop(app);
        // Let the machine settle between launches.
        std::thread::sleep(Duration::from_millis(500));
        Ok(l)
    }

    /// `runs` rounds of one Kasse and one blank launch, alternating which goes first; the
    /// rounds from `start_runs` on also measure memory.
    fn rounds(
        &self,
        opts: &Opts,
        runs: usize,
        start_runs: usize,
        idle: Duration,
    ) -> Result<(Vec<Launch>, Vec<Launch>)> {
        let mut kasse = Vec::new();
        let mut blank = Vec::new();
        for run in 0..runs {
            let memory = (run >= start_runs).then_some(idle);
            let last = run + 1 == runs && self.compositing == Compositing::AsShipped;
            let order = if run % 2 == 0 {
                [true, false]
            } else {
                [false, true]
            };
            for is_kasse in order {
                if is_kasse {
                    kasse.push(self.one("kasse", &opts.kasse_bin, last, memory)?);
                } else {
                    blank.push(self.one("blank", &opts.blank_bin, last, memory)?);
                }
            }
        }
        Ok((kasse, blank))
    }
}

/// Size of a stripped copy of a binary, MB (10^6 bytes).
fn stripped_mb(bin: &Path, out: &Path) -> Result<(f64, f64)> {
    let raw = std::fs::metadata(bin)?.len() as f64 / 1e6;
    let copy = out.join("tmp").join("stripped-copy");
    std::fs::copy(bin, &copy)?;
    let ok = Command::new("strip")
        .arg("--strip-all")
        .arg(&copy)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    let stripped = if ok {
        std::fs::metadata(&copy)?.len() as f64 / 1e6
    } else {
        raw
    };
    let _ = std::fs::remove_file(&copy);
    Ok((raw, stripped))
}

pub fn run(opts: &Opts) -> Result<Section> {
    for b in [&opts.kasse_bin, &opts.blank_bin] {
        if !b.exists() {
            bail!("{} is missing (cargo xtask bench builds it)", b.display());
        }
    }
    std::fs::create_dir_all(opts.out.join("tmp"))?;
    // A fresh private WebKit home for this run (see AppProc::launch).
    let _ = std::fs::remove_dir_all(opts.out.join("tmp").join("webkit-home"));
    let xvfb = Xvfb::start()?;
    let screen = {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match Screen::connect(&xvfb.display) {
                Ok(s) => break s,
                Err(e) if Instant::now() > deadline => return Err(e),
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    };
    // Start-only launches, then launches that also measure memory (their starts count too).
    let (start_runs, memory_runs) = if opts.quick { (3, 2) } else { (10, 5) };
    let idle = Duration::from_secs(if opts.quick { 3 } else { 8 });
    let runs = start_runs + memory_runs;
    let launcher = Launcher {
        xvfb: &xvfb,
        screen: &screen,
        out: &opts.out,
        compositing: Compositing::AsShipped,
    };
    // One warm-up launch each (page cache, fontconfig cache), not counted.
    launcher.one("kasse", &opts.kasse_bin, false, None)?;
    launcher.one("blank", &opts.blank_bin, false, None)?;
    let (kasse, blank) = launcher.rounds(opts, runs, start_runs, idle)?;
    // Diagnosis (full run only): the same with WebKit's accelerated compositing off in both,
    // then on in both.
    let diagnosis = |compositing| -> Result<Option<(Vec<Launch>, Vec<Launch>)>> {
        if opts.quick {
            return Ok(None);
        }
        let l = Launcher {
            compositing,
            ..launcher
        };
        Ok(Some(l.rounds(opts, 4, 0, idle)?))
    };
    let flat = diagnosis(Compositing::Off)?;
    let layered = diagnosis(Compositing::On)?;
    let med = |v: &[Launch], f: &dyn Fn(&Launch) -> Option<f64>| -> f64 {
        let xs: Vec<f64> = v.iter().filter_map(f).collect();
        if xs.is_empty() {
            f64::NAN
        } else {
            median(&xs)
        }
    };
    let list = |v: &[Launch], f: &dyn Fn(&Launch) -> Option<f64>| -> String {
        v.iter()
            .filter_map(f)
            .map(|x| format!("{x:.0}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let k_usable = med(&kasse, &|l| Some(l.usable_ms));
    let b_usable = med(&blank, &|l| Some(l.usable_ms));
    let k_painted = med(&kasse, &|l| l.painted_ms);
    let b_painted = med(&blank, &|l| l.painted_ms);
    let k_mapped = med(&kasse, &|l| l.mapped_ms);
    let b_mapped = med(&blank, &|l| l.mapped_ms);
    let k_mem = med(&kasse, &|l| l.pss_kb.map(|kb| kb as f64 / 1000.0));
    let b_mem = med(&blank, &|l| l.pss_kb.map(|kb| kb as f64 / 1000.0));
    let breakdown = |v: &[Launch]| -> String {
        v.last()
            .map(|l| {
                l.processes
                    .iter()
                    .map(|(c, kb)| format!("{c} {:.0} MB", *kb as f64 / 1000.0))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    };
    let (k_raw, k_stripped) = stripped_mb(&opts.kasse_bin, &opts.out)?;
    let (_, b_stripped) = stripped_mb(&opts.blank_bin, &opts.out)?;

    let mut s = Section::new("5. The app");
    let gpu = std::fs::read_dir("/dev/dri").is_ok_and(|d| {
        d.flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    });
    let how = format!(
        "{runs} launches each after one warm-up ({memory_runs} of them also measuring memory), alternating, private Xvfb 1280×800×24, KASSE_DEMO=1 with a fresh KASSE_DATA_DIR, pixels polled every 10 ms from exec; warm page cache (process cold start, not disk cold); each app as shipped: Kasse turns WebKit's accelerated compositing off where there is no GPU render node ({}), the blank window keeps WebKit's default (on); {}",
        if gpu { "this machine has one: on" } else { "none here: off" },
        noise()
    );
    s.target(
        "app.start.usable_ms",
        "Cold start to usable UI under Xvfb (median)",
        k_usable,
        "ms",
        Goal::at_most(1000.0, "≤ 1,000 ms"),
        format!(
            "Kasse usable (Sell screen with its quick items) at {} ms; window mapped {}, first frame of the page {} ms (medians). Runs: {}. {how}",
            fmt_value(k_usable),
            fmt_value(k_mapped),
            fmt_value(k_painted),
            list(&kasse, &|l| Some(l.usable_ms))
        ),
    );
    s.target(
        "app.start.ratio",
        "Cold start to usable UI ÷ blank Tauri window (medians)",
        k_usable / b_usable,
        "×",
        Goal::at_most(1.2, "≤ 1.2×"),
        format!(
            "blank window usable (its static page painted) at {} ms (runs: {}), mapped {} ms. First frame alone: Kasse {} ms vs blank {} ms ({:.2}×)",
            fmt_value(b_usable),
            list(&blank, &|l| Some(l.usable_ms)),
            fmt_value(b_mapped),
            fmt_value(k_painted),
            fmt_value(b_painted),
            k_painted / b_painted
        ),
    );
    s.target(
        "app.memory.ratio",
        "Idle memory after a sale (PSS, app + WebKit) ÷ blank window (medians)",
        k_mem / b_mem,
        "×",
        Goal::at_most(1.2, "≤ 1.2×"),
        format!(
            "Kasse {} MB (runs: {}; last: {}) vs blank {} MB (runs: {}; last: {}); PSS from /proc/PID/smaps_rollup summed over the app and its descendants, {} s idle after the Paid screen (blank: after its page). {}",
            fmt_value(k_mem),
            list(&kasse, &|l| l.pss_kb.map(|kb| kb as f64 / 1000.0)),
            breakdown(&kasse),
            fmt_value(b_mem),
            list(&blank, &|l| l.pss_kb.map(|kb| kb as f64 / 1000.0)),
            breakdown(&blank),
            idle.as_secs(),
            kasse.last().and_then(|l| l.sale.clone()).unwrap_or_default()
        ),
    );
    s.context(
        "app.memory.kasse_mb",
        "Idle memory after a sale, Kasse (PSS, median)",
        k_mem,
        "MB",
        "MB = 10^6 bytes (/proc reports kB)",
    );
    for (key, label, runs) in [
        (
            "no_compositing",
            "with WEBKIT_DISABLE_COMPOSITING_MODE=1 (both apps)",
            &flat,
        ),
        (
            "compositing",
            "with compositing on (both apps: KASSE_WEBKIT_COMPOSITING=on)",
            &layered,
        ),
    ] {
        let Some((fk, fb)) = runs else { continue };
        let fk_usable = med(fk, &|l| Some(l.usable_ms));
        let fb_usable = med(fb, &|l| Some(l.usable_ms));
        let fk_mem = med(fk, &|l| l.pss_kb.map(|kb| kb as f64 / 1000.0));
        let fb_mem = med(fb, &|l| l.pss_kb.map(|kb| kb as f64 / 1000.0));
        s.context(
            &format!("app.{key}.start_ratio"),
            &format!("Diagnosis: start ratio {label}"),
            fk_usable / fb_usable,
            "×",
            format!(
                "Kasse usable {} ms vs blank {} ms (medians of {} launches each; runs: {} / {})",
                fmt_value(fk_usable),
                fmt_value(fb_usable),
                fk.len(),
                list(fk, &|l| Some(l.usable_ms)),
                list(fb, &|l| Some(l.usable_ms))
            ),
        );
        s.context(
            &format!("app.{key}.memory_ratio"),
            &format!("Diagnosis: memory ratio {label}"),
            fk_mem / fb_mem,
            "×",
            format!(
                "Kasse {} MB (last: {}) vs blank {} MB (last: {})",
                fmt_value(fk_mem),
                breakdown(fk),
                fmt_value(fb_mem),
                breakdown(fb)
            ),
        );
    }
    s.target(
        "app.binary.stripped_mb",
        "Release binary, stripped",
        k_stripped,
        "MB",
        Goal::at_most(20.0, "≤ 20 MB"),
        format!(
            "target/release/kasse is {k_raw:.1} MB as built (profile release strips it already; `strip --strip-all` of a copy gives {k_stripped:.1} MB); the blank window's binary, same profile: {b_stripped:.1} MB. UI embedded"
        ),
    );
    Ok(s)
}

/// `kasse-bench probe --bin B`: the start timeline of any Tauri binary, for diagnosis (what the
/// app figures detect, printed per launch; gives up on the badge after 10 s).
pub fn probe(bin: &Path, runs: usize, out: &Path) -> Result<()> {
    std::fs::create_dir_all(out.join("tmp"))?;
    let xvfb = Xvfb::start()?;
    std::thread::sleep(Duration::from_millis(300));
    let screen = Screen::connect(&xvfb.display)?;
    for run in 0..runs {
        let data = tempfile::Builder::new()
            .prefix("probe-")
            .tempdir_in(out.join("tmp"))?;
        let t0 = Instant::now();
        let mut app = AppProc::launch(
            bin,
            &xvfb.display,
            data.path(),
            &out.join("probe.log"),
            Compositing::AsShipped,
        )?;
        match wait_until(&screen, t0, &mut app, Duration::from_secs(10)) {
            Ok(l) => println!(
                "run {run}: mapped {:?} ms, painted {:?} ms, usable {:.0} ms",
                l.mapped_ms, l.painted_ms, l.usable_ms
            ),
            Err(e) => println!("run {run}: {e:#}"),
        }
        let _ = screen.save_ppm(&out.join("probe.ppm"));
        drop(app);
        std::thread::sleep(Duration::from_millis(500));
    }
    Ok(())
}
