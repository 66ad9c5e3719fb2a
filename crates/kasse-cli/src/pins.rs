//! `kasse-cli pin …` and the PINs guarded commands read: from standard input, never echoed
//! at a terminal; every rule is the core's (`kasse_core::access`).

use anyhow::Context;
use clap::Subcommand;
use kasse_core::CoreError;

use crate::output::Out;

#[derive(Debug, Subcommand)]
pub(crate) enum PinCommand {
    /// Set (or change) a PIN. The new PIN is read from standard input (asked twice on a
    /// terminal); once a manager PIN is set, changing PINs needs it: with --pin-stdin the
    /// manager's PIN is the first line and the new PIN the next.
    Set {
        /// `manager` or `cashier`.
        #[arg(long)]
        role: kasse_core::staff::Role,
        /// Whose PIN (default: the role's name).
        #[arg(long)]
        name: Option<String>,
        /// Read the manager's PIN from the first line of standard input.
        #[arg(long)]
        pin_stdin: bool,
    },
    /// Remove a PIN (the manager's PIN, from standard input with --pin-stdin).
    Remove {
        /// Whose PIN.
        name: String,
        /// Read the manager's PIN from the first line of standard input.
        #[arg(long)]
        pin_stdin: bool,
    },
    /// Discounts up to this percentage need no manager PIN (0: every discount needs it).
    /// Needs the manager's PIN (--pin-stdin).
    DiscountLimit {
        /// A percentage, up to 2 decimals (`10`, `12.5`).
        percent: kasse_core::money::Percent,
        /// Read the manager's PIN from the first line of standard input.
        #[arg(long)]
        pin_stdin: bool,
    },
    /// Who has a PIN, and the refund limit.
    List,
}

/// The staff PIN from the first line of standard input, with `--pin-stdin` (not echoed when
/// that is a terminal).
pub(crate) fn read_pin(pin_stdin: bool) -> anyhow::Result<Option<String>> {
    if !pin_stdin {
        return Ok(None);
    }
    Ok(Some(read_secret_line("Staff PIN")?))
}

/// One line of standard input; at a terminal, asked for with `prompt` and read without echo.
fn read_secret_line(prompt: &str) -> anyhow::Result<String> {
    use std::io::IsTerminal as _;
    if std::io::stdin().is_terminal() {
        let line = rpassword::prompt_password(format!("{prompt}: "))
            .context("reading a PIN from the terminal")?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    read_line(&mut std::io::stdin().lock())
}

/// One line of `input`, without its line ending.
fn read_line(input: &mut impl std::io::BufRead) -> anyhow::Result<String> {
    let mut line = String::new();
    input
        .read_line(&mut line)
        .context("reading a PIN from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// `kasse-cli pin …`: the roster through the core's guard, on the local log.
pub(crate) fn pin(
    store: &kasse_core::store::Store,
    command: PinCommand,
    out: &Out,
) -> anyhow::Result<()> {
    use kasse_core::access;
    use kasse_core::clock::{Clock as _, SystemClock};
    use kasse_core::staff::Guarded;
    use std::io::IsTerminal as _;
    let now = || SystemClock.now();
    let manager_pin = |pin_stdin: bool| -> anyhow::Result<access::Allowed> {
        let pin = read_pin(pin_stdin)?;
        Ok(access::guard(
            store,
            Guarded::Settings,
            pin.as_deref(),
            now(),
        )?)
    };
    match command {
        PinCommand::Set {
            role,
            name,
            pin_stdin,
        } => {
            let allowed = manager_pin(pin_stdin)?;
            let terminal = std::io::stdin().is_terminal();
            let new = read_secret_line("New PIN (4 to 8 digits)")?;
            if terminal && read_secret_line("The same PIN again")? != new {
                return Err(
                    CoreError::input("pin", "the two PINs differ; nothing was changed").into(),
                );
            }
            let name = name.unwrap_or_else(|| role.as_str().to_owned());
            access::set_pin(store, &allowed, &name, role, &new, now())?;
            out.pin_changed(&name, "set")?;
        }
        PinCommand::Remove { name, pin_stdin } => {
            let allowed = manager_pin(pin_stdin)?;
            if !access::remove_pin(store, &allowed, &name, now())? {
                return Err(CoreError::NotFound(name).into());
            }
            out.pin_changed(&name, "removed")?;
        }
        PinCommand::DiscountLimit { percent, pin_stdin } => {
            let allowed = manager_pin(pin_stdin)?;
            access::set_discount_limit(store, &allowed, percent.hundredths(), now())?;
            out.note(&format!(
                "discounts above {percent} % now need the manager's PIN"
            ));
        }
        PinCommand::List => {
            out.staff(&access::staff(store)?, access::refund_limit(store)?)?;
        }
    }
    Ok(())
}
