//! A sale made on Kasse's keypad before its memory is measured: typed with xdotool, paid as the
//! customer through the in-process demo sandbox's control endpoints (found through the app's
//! listening socket), until the Paid screen shows.

use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use super::process::listening_ports;
use super::screen::{count, PAID};
use crate::common::{fmt_value, ms};
use crate::x11::Screen;

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

/// Blocking HTTP for the few control calls (a small runtime of its own), with the access
/// token the control endpoints require.
struct Http {
    rt: tokio::runtime::Runtime,
    client: reqwest::Client,
    token: String,
}

impl Http {
    fn new(base: &str) -> Result<Http> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let client = reqwest::Client::builder().no_proxy().build()?;
        let token = rt.block_on(crate::common::access_token(&client, base))?;
        Ok(Http { rt, client, token })
    }

    fn get_json(&self, url: &str) -> Result<serde_json::Value> {
        self.rt.block_on(async {
            Ok(self
                .client
                .get(url)
                .bearer_auth(&self.token)
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
                .bearer_auth(&self.token)
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
pub(super) fn make_sale(screen: &Screen, display: &str, pid: u32) -> Result<String> {
    let port = *listening_ports(pid)
        .first()
        .context("the demo sandbox's port was not found")?;
    let base = format!("http://127.0.0.1:{port}");
    let http = Http::new(&base)?;
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
