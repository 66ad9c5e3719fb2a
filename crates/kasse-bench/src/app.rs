//! Figure group 5, the app: cold start to a usable UI under Xvfb and idle memory after a sale
//! (PSS of the app and its WebKit processes), each against a blank Tauri window launched and
//! measured the same way, and the release binary's size. Kasse and the blank window alternate
//! launch by launch, so a slow moment of the machine falls on both. The figures with targets
//! launch each app as shipped; the full run adds two diagnosis rounds that compare like with
//! like (WebKit's accelerated compositing off in both, then on in both).

mod figures;
mod process;
mod sale;
mod screen;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Result};

use crate::common::{self, Section};
use crate::x11::Screen;
use kasse_e2e::Display;
use process::{measure_memory, AppProc, Compositing};
use screen::{wait_until, wait_usable, Launch};

#[derive(Debug, Clone)]
pub struct Opts {
    pub quick: bool,
    pub kasse_bin: PathBuf,
    pub blank_bin: PathBuf,
    pub out: PathBuf,
}

/// What the launches measured: the rounds as shipped, and the diagnosis rounds (full run only)
/// with compositing off in both apps (`flat`) and on in both (`layered`).
struct Measured {
    kasse: Vec<Launch>,
    blank: Vec<Launch>,
    flat: Option<(Vec<Launch>, Vec<Launch>)>,
    layered: Option<(Vec<Launch>, Vec<Launch>)>,
    /// Launches of each app in the rounds as shipped, `memory_runs` of them measuring memory.
    runs: usize,
    memory_runs: usize,
    /// How long each app idles before its memory is read.
    idle: Duration,
}

/// Launches apps on one display and measures them.
struct Launcher<'a> {
    xvfb: &'a Display,
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
        let data = common::scratch_dir(out, &format!("app-{name}-"))?;
        let log = out.join(format!("app-{name}.log"));
        let t0 = Instant::now();
        let mut app = AppProc::launch(bin, &xvfb.name, data.path(), &log, self.compositing)?;
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
                l.sale = Some(sale::make_sale(screen, &xvfb.name, app.pid())?);
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

pub fn run(opts: &Opts) -> Result<Section> {
    for b in [&opts.kasse_bin, &opts.blank_bin] {
        if !b.exists() {
            bail!("{} is missing (cargo xtask bench builds it)", b.display());
        }
    }
    std::fs::create_dir_all(opts.out.join("tmp"))?;
    // A fresh private WebKit home for this run (see AppProc::launch).
    let _ = std::fs::remove_dir_all(opts.out.join("tmp").join("webkit-home"));
    let xvfb = Display::start()?;
    let screen = {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match Screen::connect(&xvfb.name) {
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
    figures::section(
        opts,
        &Measured {
            kasse,
            blank,
            flat,
            layered,
            runs,
            memory_runs,
            idle,
        },
    )
}

/// `kasse-bench probe --bin B`: the start timeline of any Tauri binary, for diagnosis (what the
/// app figures detect, printed per launch; gives up on the badge after 10 s).
pub fn probe(bin: &Path, runs: usize, out: &Path) -> Result<()> {
    std::fs::create_dir_all(out.join("tmp"))?;
    let xvfb = Display::start()?;
    std::thread::sleep(Duration::from_millis(300));
    let screen = Screen::connect(&xvfb.name)?;
    for run in 0..runs {
        let data = common::scratch_dir(out, "probe-")?;
        let t0 = Instant::now();
        let mut app = AppProc::launch(
            bin,
            &xvfb.name,
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
