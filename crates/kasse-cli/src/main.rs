//! `kasse-cli`: Kasse from a terminal (contract: DESIGN.md §4.3).
//!
//! A thin shell: it parses arguments, builds a [`kasse_core::Kasse`] from flags and environment,
//! calls one engine method and prints the result as text or JSON Lines.

mod args;
mod catalog;
mod config;
mod output;
mod pins;
mod receipt;
mod report;
mod support;

use std::io::{Read, Write};
use std::process::ExitCode;

use anyhow::Context;
use clap::{CommandFactory, Parser};
use kasse_core::money::Quantity;
use kasse_core::sale::SaleStatus;
use kasse_core::store::{Integrity, ListQuery, StoreError};
use kasse_core::{CoreError, RefundSpec, SaleDetail};

use args::{Cli, Command, JournalCommand};
use output::Out;
use pins::read_pin;
use support::SupportCommand;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // With --json a usage error is one JSON line too; otherwise clap's own text (with the
        // usage), and --help / --version as usual.
        Err(e) if e.use_stderr() && std::env::args().any(|a| a == "--json") => {
            let text = e.to_string();
            let first = text.lines().next().unwrap_or_default();
            return Out::new(true).fail("usage", first.trim_start_matches("error: "));
        }
        Err(e) => e.exit(),
    };
    let out = Out::new(cli.json);
    // Completions and manual pages touch no data directory (a package build runs them).
    if let Command::Support(
        c @ (SupportCommand::Completions { .. } | SupportCommand::Manpage { .. }),
    ) = cli.command
    {
        return match support::run(c, Cli::command(), None, false, &out) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
            Err(e) => out.fail_with(error_code(&e), &format!("{e:#}"), error_details(&e)),
        };
    }
    config::init_tracing(cli.data_dir.as_deref(), cli.demo);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return out.fail("internal", &format!("could not start the runtime: {e}")),
    };
    match runtime.block_on(run(cli, &out)) {
        Ok(code) => code,
        // The reader went away (`kasse-cli transactions | head`): nothing left to tell it.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => out.fail_with(error_code(&e), &format!("{e:#}"), error_details(&e)),
    }
}

/// What a PIN refusal adds to `{"error":{…}}`: the tries left, or until when it is locked.
fn error_details(e: &anyhow::Error) -> serde_json::Map<String, serde_json::Value> {
    let mut details = serde_json::Map::new();
    match e.downcast_ref::<CoreError>() {
        Some(CoreError::PinWrong { tries_left }) => {
            details.insert("tries_left".into(), (*tries_left).into());
        }
        Some(CoreError::PinLocked { until, seconds }) => {
            let until = until
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default();
            details.insert("locked_until".into(), until.into());
            details.insert("seconds".into(), (*seconds).into());
        }
        _ => {}
    }
    details
}

/// The `code` of `{"error":{"code","message"}}`: the engine's own codes, `storage` for the log,
/// `not_configured` / `invalid_input` for the configuration.
fn error_code(e: &anyhow::Error) -> &'static str {
    if let Some(c) = e.downcast_ref::<CoreError>() {
        return c.code();
    }
    match e.downcast_ref::<StoreError>() {
        Some(StoreError::JournalBroken(_)) => return "journal_broken",
        Some(_) => return "storage",
        None => {}
    }
    match e.downcast_ref::<config::ConfigError>() {
        Some(config::ConfigError::NoCredentials { .. }) => "not_configured",
        Some(_) => "invalid_input",
        None => "error",
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

async fn run(cli: Cli, out: &Out) -> anyhow::Result<ExitCode> {
    let json = cli.json;
    // These read only the log: no credentials needed, and they work offline.
    match cli.command {
        Command::Transactions {
            status,
            since,
            search,
            limit,
        } => {
            let log = config::open_log(cli.data_dir.as_deref(), cli.demo)?;
            warn_if_journal_altered(&log.store, json);
            let mut query = ListQuery::new();
            for s in status {
                query = query.status(parse_status(&s)?);
            }
            if let Some(since) = since {
                query = query.created(Some(config::parse_date(&since)?), None);
            }
            if let Some(search) = search {
                query = query.search(search);
            }
            let limit = limit.max(1);
            let mut shown = 0u32;
            let mut cursor = None;
            loop {
                let page = log
                    .store
                    .list(&query.clone().limit((limit - shown).min(500)).after(cursor))?;
                shown += u32::try_from(page.items.len()).unwrap_or(u32::MAX);
                out.sales(&page.items, shown == 0)?;
                cursor = page.next_cursor;
                if cursor.is_none() {
                    break;
                }
                if shown >= limit {
                    out.note(&format!(
                        "showing the newest {shown}; there are more (--limit N shows more)"
                    ));
                    break;
                }
            }
            return Ok(ExitCode::SUCCESS);
        }
        Command::Show { id } => {
            let log = config::open_log(cli.data_dir.as_deref(), cli.demo)?;
            warn_if_journal_altered(&log.store, json);
            let sale = log
                .store
                .find(&id)?
                .ok_or_else(|| CoreError::NotFound(id.clone()))?;
            let events = log.store.events(&sale.id)?;
            let order = serde_json::from_value(sale.order.clone()).ok();
            out.detail(&SaleDetail {
                sale,
                order,
                events,
            })?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::Journal {
            command: JournalCommand::Verify { head },
        } => {
            let log = config::open_log(cli.data_dir.as_deref(), cli.demo)?;
            let Integrity {
                journal,
                projection,
                broken,
            } = log.store.check_all()?;
            let anchor = head
                .as_ref()
                .map(|h| log.store.anchor(h).map(|a| (h, a)))
                .transpose()?;
            let holds = anchor
                .as_ref()
                .is_none_or(|(_, a)| *a == kasse_core::store::Anchor::Holds);
            let ok = journal.ok && projection.ok() && holds;
            out.journal(
                &journal,
                &projection,
                anchor.as_ref().map(|(h, a)| (*h, a)),
                broken.as_ref(),
                ok,
            )?;
            return Ok(journal_exit(ok));
        }
        Command::Journal {
            command: JournalCommand::Rebuild,
        } => {
            let log = config::open_log(cli.data_dir.as_deref(), cli.demo)?;
            let (rebuilt, after) = log.store.repair_projection()?;
            out.rebuilt(rebuilt, &after)?;
            return Ok(journal_exit(after.broken.is_none()));
        }
        Command::Pin { command } => {
            let log = config::open_log(cli.data_dir.as_deref(), cli.demo)?;
            pins::pin(&log.store, command, out)?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::Receipt { command } => {
            let log = config::open_log(cli.data_dir.as_deref(), cli.demo)?;
            receipt::receipt(&log.store, command, out)?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::Catalog { command } => {
            let log = config::open_log(cli.data_dir.as_deref(), cli.demo)?;
            let currency = config::currency(&config::Env::from_process())?;
            catalog::catalog(&log.store, command, currency, out)?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::Support(command) => {
            support::run(
                command,
                Cli::command(),
                cli.data_dir.as_deref(),
                cli.demo,
                out,
            )?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::Report { command } => {
            let log = config::open_log(cli.data_dir.as_deref(), cli.demo)?;
            let currency = config::currency(&config::Env::from_process())?;
            out.report(&report::report(
                &log.store,
                command,
                currency.code(),
                out.json,
            )?)?;
            return Ok(ExitCode::SUCCESS);
        }
        _ => {}
    }

    let env = config::Env::from_process();
    let opened = config::open(cli.data_dir.as_deref(), cli.demo, cli.lan, &env).await?;
    let kasse = &opened.kasse;
    match cli.command {
        Command::Charge {
            order,
            wait,
            sms,
            pin_stdin,
        } => {
            if pin_stdin && order == "-" {
                anyhow::bail!("--pin-stdin reads standard input: give the order as a file");
            }
            // The number is checked before anything is read or logged.
            let phone = sms
                .as_deref()
                .map(kasse_core::phone::PhoneNumber::parse)
                .transpose()
                .map_err(CoreError::from)?;
            let pin = read_pin(pin_stdin)?;
            let text = read_order(&order)?;
            let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
                CoreError::from(kasse_core::order::OrderError::InvalidJson {
                    message: e.to_string(),
                })
            })?;
            let input = kasse_core::products::resolve_order(kasse.store(), &value)?;
            let charge = match &phone {
                Some(phone) => {
                    kasse
                        .send_link(&input, phone, pin.as_deref(), &new_key())
                        .await?
                }
                None => kasse.charge_with_pin(&input, pin.as_deref()).await?,
            };
            out.charge(&charge)?;
            if wait {
                return follow(kasse, &charge.sale.id, out).await;
            }
            out.note(&format!(
                "kasse-cli wait {} follows the payment; kasse-cli cancel {} withdraws it",
                charge.sale.merchant_reference, charge.sale.merchant_reference
            ));
        }
        Command::Wait { id } => {
            let sale = kasse.find(&id)?;
            return follow(kasse, &sale.id, out).await;
        }
        Command::Cancel { id } => {
            let sale = kasse.cancel(&id).await?;
            out.sale(&sale)?;
        }
        Command::Capture { id, amount, key } => {
            let sale = kasse
                .capture_once(&id, amount, &key.unwrap_or_else(new_key))
                .await?;
            out.sale(&sale)?;
        }
        Command::Void {
            id,
            amount: _,
            key,
            pin_stdin,
        } => {
            let pin = read_pin(pin_stdin)?;
            let sale = kasse
                .void_once(&id, &key.unwrap_or_else(new_key), pin.as_deref())
                .await?;
            out.sale(&sale)?;
        }
        Command::Refund {
            id,
            amount,
            line,
            reason,
            key,
            pin_stdin,
        } => {
            let pin = read_pin(pin_stdin)?;
            let spec = if !line.is_empty() {
                RefundSpec::Lines(
                    line.iter()
                        .map(|l| parse_line(l))
                        .collect::<Result<_, _>>()?,
                )
            } else if let Some(a) = amount {
                RefundSpec::Amount(a)
            } else {
                RefundSpec::Full
            };
            let sale = kasse
                .refund_once(
                    &id,
                    spec,
                    reason,
                    &key.unwrap_or_else(new_key),
                    pin.as_deref(),
                )
                .await?;
            out.sale(&sale)?;
        }
        Command::Sync { days } => {
            let report = kasse.sync(days).await?;
            // No watcher outlives this process: one look at every sale still open, so a
            // checkout cancelled or expired meanwhile shows as such.
            let mut open = 0u32;
            for sale in kasse.store().open_sales()? {
                match kasse.refresh(&sale.id).await {
                    Ok(s) if !s.is_open() => {}
                    Ok(_) => open += 1,
                    Err(e) => {
                        tracing::warn!(sale = %sale.merchant_reference, error = %e, "could not look at an open sale");
                        open += 1;
                    }
                }
            }
            out.sync(&report, open)?;
        }
        Command::Transactions { .. }
        | Command::Show { .. }
        | Command::Journal { .. }
        | Command::Report { .. }
        | Command::Catalog { .. }
        | Command::Receipt { .. }
        | Command::Pin { .. }
        | Command::Support(_) => {
            unreachable!("answered from the log above")
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The start-up check of the journal (the rows added since the last sound check; cheap), for
/// the commands that only read: a log changed outside Kasse is reported on stderr, naming the
/// row, and the command still shows what it reads. (The commands that write are refused.)
fn warn_if_journal_altered(store: &kasse_core::store::Store, json: bool) {
    let (code, message) = match store.check_at_start() {
        Ok(None) => return,
        Ok(Some(why)) => ("journal_broken", StoreError::JournalBroken(why).to_string()),
        Err(e) => (
            "journal_unchecked",
            format!("the sales journal could not be checked: {e}"),
        ),
    };
    let mut stderr = std::io::stderr().lock();
    let _ = if json {
        writeln!(
            stderr,
            "{}",
            serde_json::json!({"warning": {"code": code, "message": message}})
        )
    } else {
        writeln!(stderr, "warning: {message}")
    };
}

/// Exit code of `charge --wait` / `wait` when the payment did not go through.
const EXIT_NOT_PAID: u8 = 3;
/// `journal verify` and `journal rebuild`: 0 for a sound log, [`EXIT_JOURNAL`] otherwise.
fn journal_exit(sound: bool) -> ExitCode {
    if sound {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_JOURNAL)
    }
}

/// Exit code of `journal verify` when it found a problem.
const EXIT_JOURNAL: u8 = 4;

/// Follows a sale to its end; exit 0 when paid (authorised or captured), 3 otherwise.
async fn follow(kasse: &kasse_core::Kasse, sale_id: &str, out: &Out) -> anyhow::Result<ExitCode> {
    let mut last: Option<SaleStatus> = None;
    let sale = kasse
        .wait_settled(sale_id, |s| {
            if last != Some(s.status) {
                last = Some(s.status);
                let _ = out.progress(s);
            }
        })
        .await?;
    Ok(if sale.status.is_paid() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_NOT_PAID)
    })
}

fn read_order(source: &str) -> anyhow::Result<String> {
    if source == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("reading the order from standard input")?;
        Ok(s)
    } else {
        std::fs::read_to_string(source).map_err(|e| {
            config::ConfigError::Invalid {
                name: "--order",
                message: format!("cannot read the order file {source}: {e}"),
            }
            .into()
        })
    }
}

fn parse_status(s: &str) -> Result<SaleStatus, CoreError> {
    if let Ok(status) = s.parse::<SaleStatus>() {
        return Ok(status);
    }
    let upper = s.to_ascii_uppercase();
    let mapped = SaleStatus::from_dintero(&upper);
    if mapped != SaleStatus::Unknown || upper == "UNKNOWN" {
        return Ok(mapped);
    }
    Err(CoreError::InvalidInput {
        field: "--status".into(),
        message: format!(
            "unknown status {s:?}; use one of waiting, paying, authorized, captured, partially_captured, partially_refunded, refunded, voided, declined, failed, cancelled, expired"
        ),
    })
}

fn parse_line(spec: &str) -> Result<(String, Quantity), CoreError> {
    let bad = |why: &str| CoreError::InvalidInput {
        field: "--line".into(),
        message: format!("{why} (got {spec:?}); write LINE_ID:QUANTITY, e.g. --line 2:1"),
    };
    let (id, qty) = spec
        .split_once(':')
        .ok_or_else(|| bad("missing the quantity"))?;
    if id.trim().is_empty() {
        return Err(bad("missing the line id"));
    }
    let qty: Quantity = qty
        .trim()
        .parse()
        .map_err(|e| bad(&format!("the quantity {e}")))?;
    Ok((id.trim().to_owned(), qty))
}

/// A fresh idempotency key: each invocation without `--key` is a new request.
fn new_key() -> String {
    use kasse_core::clock::IdSource as _;
    kasse_core::clock::RandomIds.new_id()
}
