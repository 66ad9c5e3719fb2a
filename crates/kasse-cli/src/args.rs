//! The command line `kasse-cli` takes (clap): every subcommand, flag and help text. main.rs
//! runs them; the manual pages and completions are generated from these definitions.

use clap::{Parser, Subcommand};

use crate::pins::PinCommand;
use crate::report::ReportCommand;
use crate::support::SupportCommand;

/// Kasse from a terminal: charge, follow, capture, void, refund, list and sync sales made
/// through Dintero Checkout.
#[derive(Debug, Parser)]
#[command(
    name = "kasse-cli",
    version = kasse_build_info::VERSION_LINE,
    about,
    long_about = None,
    after_help = "Exit codes: 0 done; 1 error (one line on stderr); 3 the payment did not go through \
(charge --wait, wait); 4 journal verify found a problem.\n\
PINs: once a manager PIN is set (kasse-cli pin set --role manager), void and refunds above the \
manager's limit need a PIN: pass --pin-stdin and write it on standard input.\n\
Credentials: KASSE_ACCOUNT_ID, KASSE_CLIENT_ID, KASSE_CLIENT_SECRET; KASSE_API_URL points at a \
sandbox. transactions, show and journal verify read only the local log."
)]
pub(crate) struct Cli {
    /// Where the sales log lives (default: $XDG_DATA_HOME/kasse).
    #[arg(long, env = "KASSE_DATA_DIR", global = true)]
    pub(crate) data_dir: Option<std::path::PathBuf>,
    /// Run against an in-process Dintero simulator (nothing is kept between runs).
    #[arg(long, global = true)]
    pub(crate) demo: bool,
    /// With --demo: the simulator listens on this computer's LAN address and the QR carries
    /// it, so a phone on the same network can pay.
    #[arg(long, global = true, requires = "demo")]
    pub(crate) lan: bool,
    /// Print JSON Lines (one object per line) instead of text.
    #[arg(long, global = true)]
    pub(crate) json: bool,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Create a checkout for an order and show it as a QR code.
    Charge {
        /// The order as JSON, from a file or `-` for standard input.
        #[arg(long)]
        order: String,
        /// Then follow the payment until it settles.
        #[arg(long)]
        wait: bool,
        /// A phone order: send the checkout link by SMS to this number (8 digits for a
        /// Norwegian number, else + and the country code). The sale then waits as a parked
        /// payment; `kasse-cli wait REFERENCE` follows it.
        #[arg(long, value_name = "PHONE")]
        sms: Option<String>,
        /// Read the manager's PIN from the first line of standard input, for discounts above
        /// the manager's limit (the order then comes from a file).
        #[arg(long)]
        pin_stdin: bool,
    },
    /// Follow a payment until it settles.
    Wait {
        /// Session id (or transaction id, or merchant reference).
        id: String,
    },
    /// Cancel a checkout that has not been paid.
    Cancel {
        /// Session id (or transaction id, or merchant reference).
        id: String,
    },
    /// List sales, newest first.
    Transactions {
        /// Only this status (e.g. captured, authorized, refunded; Dintero's names work too).
        #[arg(long)]
        status: Vec<String>,
        /// Only sales made on or after this date (YYYY-MM-DD or RFC 3339).
        #[arg(long)]
        since: Option<String>,
        /// Reference, transaction or session id prefix, or an amount in minor units.
        #[arg(long)]
        search: Option<String>,
        /// At most this many sales.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Show a sale with its events.
    Show {
        /// Transaction id, session id or merchant reference.
        id: String,
    },
    /// Capture an authorised payment (all of it, or an amount).
    Capture {
        /// Transaction id, session id or merchant reference.
        id: String,
        /// Amount in minor units (øre, cents).
        #[arg(long)]
        amount: Option<i64>,
        /// Idempotency key: the same key again gets the first request's result and sends
        /// nothing (a script that retries a command passes the same key; default: a new one).
        #[arg(long)]
        key: Option<String>,
    },
    /// Void an authorised, uncaptured payment.
    Void {
        /// Transaction id, session id or merchant reference.
        id: String,
        /// Accepted for symmetry; a void always releases the whole authorisation.
        #[arg(long, hide = true)]
        amount: Option<i64>,
        /// Idempotency key: the same key again gets the first request's result and sends
        /// nothing (a script that retries a command passes the same key; default: a new one).
        #[arg(long)]
        key: Option<String>,
        /// Read the staff PIN from the first line of standard input (needed once a manager
        /// PIN is set).
        #[arg(long)]
        pin_stdin: bool,
    },
    /// Refund a captured payment: all of it, an amount, or lines.
    Refund {
        /// Transaction id, session id or merchant reference.
        id: String,
        /// Amount in minor units (øre, cents).
        #[arg(long, conflicts_with = "line")]
        amount: Option<i64>,
        /// A line and quantity to refund, e.g. `--line 2:1` (repeatable).
        #[arg(long, value_name = "LINE_ID:QTY")]
        line: Vec<String>,
        /// Why (shown in Dintero's backoffice).
        #[arg(long)]
        reason: Option<String>,
        /// Idempotency key: the same key again gets the first request's result and sends
        /// nothing (a script that retries a command passes the same key; default: a new one).
        #[arg(long)]
        key: Option<String>,
        /// Read the staff PIN from the first line of standard input (needed once a manager
        /// PIN is set).
        #[arg(long)]
        pin_stdin: bool,
    },
    /// Settle pending sessions and operations, import transactions from Dintero, look at every
    /// sale still waiting.
    Sync {
        /// On the first sync, look back this many days.
        #[arg(long, default_value_t = kasse_core::app::FIRST_SYNC_DAYS)]
        days: i64,
    },
    /// The tamper-evident journal.
    Journal {
        #[command(subcommand)]
        command: JournalCommand,
    },
    /// Day reports: X (running) and Z (closes the open period), the figures the app's Day
    /// screen shows.
    Report {
        #[command(subcommand)]
        command: ReportCommand,
    },
    /// Receipts: print one on a receipt printer, or save it as PDF.
    Receipt {
        #[command(subcommand)]
        command: crate::receipt::ReceiptCommand,
    },
    /// The shop's products: import and export as CSV.
    Catalog {
        #[command(subcommand)]
        command: crate::catalog::CatalogCommand,
    },
    /// Staff PINs: the manager's guards void, refunds above the refund limit, settings, the Z
    /// report and exports.
    Pin {
        #[command(subcommand)]
        command: PinCommand,
    },
    #[command(flatten)]
    Support(SupportCommand),
}

#[derive(Debug, Subcommand)]
pub(crate) enum JournalCommand {
    /// Check the hash chain and that every sale matches its events (a log found sound is
    /// writable again; one with problems stays read-only).
    Verify {
        /// A chain head as printed on an X or Z report (SEQ:HASH): also prove that nothing up
        /// to that row was changed since it was printed.
        #[arg(long, value_name = "SEQ:HASH")]
        head: Option<kasse_core::store::PrintedHead>,
    },
    /// Rewrite every sale from the journal (when a sale's stored row was changed and the
    /// journal itself is sound), then check everything again.
    Rebuild,
}
