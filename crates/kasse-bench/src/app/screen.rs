//! When an app is usable, read from the screen: the bench polls pixels straight from the X
//! server every 10 ms (GetImage on the root window; no screenshots, no WebDriver, nothing in the
//! app changed) and records three moments from `exec`: the window is *mapped* (a top-level
//! window of at least 200×200 is viewable); the page's *first frame* (the header's DEMO badge is
//! painted: Kasse's JavaScript has mounted the Sell screen); and *usable* (the quick-item cards
//! are painted, which Kasse draws once `app_info` and `settings_get` came back over IPC, a moment
//! before it sets `body[data-ready="1"]`). The blank app's static page has a badge and a card of
//! the same colours at the same places, so one detector serves both apps.

use std::time::{Duration, Instant};

use anyhow::{bail, Result};

use super::process::AppProc;
use crate::common::ms;
use crate::x11::{rgb, Rgb, Screen};

/// The DEMO badge (`--demo`): in the first frame of the mounted page.
const BADGE: Rgb = rgb(0xd9480f);
/// The quick-item cards (`--surface`), drawn once the settings came back over IPC.
const CARD: Rgb = rgb(0xffffff);
/// Where the cards are looked for: one screen row through them, from the left edge.
const CARDS_ROW: i16 = 110;
const CARDS_WIDTH: u16 = 560;
/// Kasse's `--ok-bg`: the big circle behind the Paid screen's check mark (nothing on the Sell
/// or Charge screens has it).
pub(super) const PAID: Rgb = rgb(0xd9f2df);

/// What one launch measured.
#[derive(Debug, Default, Clone)]
pub(super) struct Launch {
    pub(super) mapped_ms: Option<f64>,
    pub(super) painted_ms: Option<f64>,
    pub(super) usable_ms: f64,
    pub(super) pss_kb: Option<u64>,
    pub(super) processes: Vec<(String, u64)>,
    pub(super) sale: Option<String>,
}

/// How many pixels have colour `c`.
pub(super) fn count(px: &[Rgb], c: Rgb) -> usize {
    px.iter().filter(|p| **p == c).count()
}

/// Polls the screen from `t0` until the badge shows; records the three moments.
pub(super) fn wait_usable(screen: &Screen, t0: Instant, app: &mut AppProc) -> Result<Launch> {
    wait_until(screen, t0, app, Duration::from_secs(30))
}

/// [`wait_usable`], giving up after `limit`.
pub(super) fn wait_until(
    screen: &Screen,
    t0: Instant,
    app: &mut AppProc,
    limit: Duration,
) -> Result<Launch> {
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
