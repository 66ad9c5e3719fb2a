//! `kasse-cli report x|z`: the core's day report of the local log; a Z report closes the open
//! period through the core's guard.

use clap::Subcommand;

use crate::config;
use crate::pins::read_pin;

#[derive(Debug, Subcommand)]
pub(crate) enum ReportCommand {
    /// The running report: the open period (since the last Z report), or the dates given.
    X {
        /// Start (YYYY-MM-DD or RFC 3339; default: where the last Z report ended).
        #[arg(long)]
        from: Option<String>,
        /// End (a date includes that day; default: now).
        #[arg(long)]
        to: Option<String>,
    },
    /// The closing report: closes the open period, so what follows belongs to the next one
    /// (the manager's PIN once one is set).
    Z {
        /// Read the manager's PIN from the first line of standard input.
        #[arg(long)]
        pin_stdin: bool,
    },
}

/// `kasse-cli report …`: the core's day report on the local log; a Z through the core's guard.
pub(crate) fn report(
    store: &kasse_core::store::Store,
    command: ReportCommand,
    currency: &str,
    json: bool,
) -> anyhow::Result<kasse_core::report::DayReport> {
    use kasse_core::clock::{Clock as _, SystemClock};
    use kasse_core::report;
    use kasse_core::staff::Guarded;
    let now = SystemClock.now();
    let open = report::open_period(store)?;
    Ok(match command {
        ReportCommand::X { from, to } => {
            let from = from.map(|f| config::parse_date(&f)).transpose()?;
            let to = to.map(|t| parse_end(&t)).transpose()?;
            let (from, to) = open.x_period(from, to, now);
            report::day_report(store, from, to, false, currency)?
        }
        ReportCommand::Z { pin_stdin } => {
            let pin = read_pin(pin_stdin)?;
            let allowed = kasse_core::access::guard(store, Guarded::CloseDay, pin.as_deref(), now)?;
            warn_uncaptured(store, json)?;
            report::close_period(store, &allowed, open.start(), now, currency, now)?
        }
    })
}

/// Before a Z report (once allowed): the authorisations nobody will capture unless someone
/// does, named on stderr, as `{"warning":{"code":"uncaptured","message","references"}}` with
/// `--json` (the report closes the day all the same; their money is not in it until captured).
fn warn_uncaptured(store: &kasse_core::store::Store, json: bool) -> anyhow::Result<()> {
    let open = store.uncaptured_sales()?;
    if open.is_empty() {
        return Ok(());
    }
    let named: Vec<String> = open
        .iter()
        .map(|s| format!("{} ({} {})", s.merchant_reference, s.amount, s.currency))
        .collect();
    let message = format!(
        "{} authorised payment(s) not captured, capture or void them: {}",
        open.len(),
        named.join(", ")
    );
    if json {
        let references: Vec<&str> = open.iter().map(|s| s.merchant_reference.as_str()).collect();
        eprintln!(
            "{}",
            serde_json::json!({"warning": {"code": "uncaptured", "message": message, "references": references}})
        );
    } else {
        eprintln!("warning: {message}");
    }
    Ok(())
}

/// The end of a period: a date includes that day (up to the next midnight).
fn parse_end(s: &str) -> anyhow::Result<time::OffsetDateTime> {
    let t = config::parse_date(s)?;
    let plain_date = time::Date::parse(
        s.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .is_ok();
    Ok(match plain_date {
        true => t + time::Duration::days(1),
        false => t,
    })
}
