//! What `kasse-cli` prints: JSON Lines with `--json`, plain text otherwise. Errors go to
//! stderr, results to stdout.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use kasse_core::link::LinkStatus;
use kasse_core::money::format_minor_code as money;
use kasse_core::qr::TerminalStyle;
use kasse_core::report::DayReport;
use kasse_core::sale::{OpState, Sale, SaleStatus};
use kasse_core::store::{
    Anchor, Integrity, JournalBroken, JournalReport, PrintedHead, ProjectionReport,
};
use kasse_core::{Charge, SaleDetail, SyncReport};
use serde_json::{json, Value};

/// The output mode.
#[derive(Debug, Clone, Copy)]
pub struct Out {
    pub(crate) json: bool,
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// `2026-11-24 20:44:43Z`: seconds are enough for a person, and the columns line up.
fn short_time(t: time::OffsetDateTime) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]Z");
    t.to_offset(time::UtcOffset::UTC)
        .format(&fmt)
        .unwrap_or_default()
}

/// The one-line shape of a sale (DESIGN.md §4.3).
pub fn sale_json(s: &Sale) -> Value {
    json!({
        "transaction_id": s.transaction_id,
        "session_id": s.session_id,
        "merchant_reference": s.merchant_reference,
        "status": s.status,
        "amount": s.amount,
        "captured": s.captured,
        "refunded": s.refunded,
        "currency": s.currency,
        "created_at": rfc3339(s.created_at),
        // Operations without a final outcome: in flight at Dintero (it will happen; do not ask
        // again) or with an outcome still being checked. Empty for most sales.
        "pending": s.pending_operations().map(|o| json!({
            "kind": o.kind,
            "state": o.state,
            "amount": o.amount,
            "reference": o.reference,
        })).collect::<Vec<_>>(),
    })
}

impl Out {
    pub fn new(json: bool) -> Out {
        Out { json }
    }

    pub(crate) fn line(&self, v: &Value) -> std::io::Result<()> {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{v}")?;
        stdout.flush()
    }

    pub(crate) fn text(&self, s: &str) -> std::io::Result<()> {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{s}")?;
        stdout.flush()
    }

    /// Text written as it is (a file's contents: CSV), in JSON mode too.
    pub(crate) fn raw(&self, s: &str) -> std::io::Result<()> {
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(s.as_bytes())?;
        stdout.flush()
    }

    /// An X or Z report (DESIGN.md §4.3: `vat` rows are net of refunds).
    pub fn report(&self, r: &DayReport) -> std::io::Result<()> {
        if self.json {
            let mut v = json!({
                "period": {"from": rfc3339(r.from), "to": rfc3339(r.to)},
                "sales": r.sales,
                "failed_attempts": r.failed_attempts,
                "captured": r.captured,
                "refunded": r.refunded,
                "net": r.net,
                "open_authorisations": r.open_authorisations,
                "vat": r.by_vat.iter().map(|l| json!({
                    "rate": l.vat,
                    "gross": l.gross,
                    "vat": l.vat_amount,
                })).collect::<Vec<_>>(),
            });
            if r.closing {
                v["z_number"] = json!(r.z_number);
                v["journal_head"] = json!(r.journal_head);
            }
            return self.line(&v);
        }
        let c = &r.currency;
        let title = match r.z_number {
            Some(n) => format!("Z report no. {n}"),
            None => "X report".to_owned(),
        };
        let mut t = format!("{title}  {} – {}\n", short_time(r.from), short_time(r.to));
        let rows = [
            ("Sales", r.sales.to_string()),
            ("Failed attempts", r.failed_attempts.to_string()),
            ("Captured", money(r.captured, c)),
            ("Refunded", money(r.refunded, c)),
            ("Net", money(r.net, c)),
            ("Open authorisations", money(r.open_authorisations, c)),
        ];
        for (name, value) in rows {
            t.push_str(&format!("{name:<20} {value:>16}\n"));
        }
        for l in &r.by_vat {
            t.push_str(&format!(
                "VAT {:<16} {:>16}  VAT {}\n",
                format!("{} %", l.vat),
                money(l.gross, c),
                money(l.vat_amount, c)
            ));
        }
        if r.other_currency_sales > 0 {
            t.push_str(&format!(
                "{} sales in other currencies are not in these figures\n",
                r.other_currency_sales
            ));
        }
        if let Some(head) = &r.journal_head {
            t.push_str(&format!("{:<20} {head}\n", "Journal head"));
        }
        self.text(t.trim_end())
    }

    pub fn charge(&self, c: &Charge) -> std::io::Result<()> {
        let currency = c.order.currency.code();
        if self.json {
            let mut line = json!({
                "session_id": c.session_id,
                "url": c.url,
                "merchant_reference": c.sale.merchant_reference,
                "amount": c.order.amount,
                "vat_amount": c.order.vat_amount,
                "currency": currency,
            });
            if let Some(link) = &c.link {
                line["link"] = json!({"channel": "sms", "to": link.to, "status": link.status});
            }
            return self.line(&line);
        }
        let headline = match &c.link {
            Some(link) => match link.status {
                LinkStatus::Sent => format!("Payment link sent by SMS to {}:", link.to),
                LinkStatus::Skipped | LinkStatus::Failed => format!(
                    "The SMS to {} was not sent ({}): read the link to the customer, or cancel:",
                    link.to,
                    serde_json::to_value(link.status).unwrap_or_default().as_str().unwrap_or("")
                ),
                LinkStatus::Unknown => format!(
                    "Payment link asked for by SMS to {} (Dintero did not say whether it was sent):",
                    link.to
                ),
            },
            None => {
                // Colour escapes force dark-on-light whatever the terminal's theme; into a file
                // or a pipe (or with NO_COLOR) the plain blocks are drawn instead.
                let style =
                    if std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
                        TerminalStyle::Ansi
                    } else {
                        TerminalStyle::LightBackground
                    };
                let qr = kasse_core::qr::qr_terminal_with(&c.url, style).unwrap_or_default();
                format!("{qr}\nScan to pay")
            }
        };
        let parked = if c.link.is_some() {
            " · parked: the payment is followed until the customer pays"
        } else {
            ""
        };
        self.text(&format!(
            "{headline} {} (VAT {}), reference {}\n{}\nsession {} · open until {}{parked}",
            money(c.order.amount, currency),
            money(c.order.vat_amount, currency),
            c.sale.merchant_reference,
            c.url,
            c.session_id,
            short_time(c.expires_at),
        ))
    }

    pub fn progress(&self, s: &Sale) -> std::io::Result<()> {
        if self.json {
            return self.line(&json!({
                "session_id": s.session_id,
                "status": s.status,
                "transaction_id": s.transaction_id,
            }));
        }
        let what = match s.status {
            SaleStatus::Creating => "creating the checkout…".to_owned(),
            SaleStatus::Waiting => "waiting for the customer".to_owned(),
            SaleStatus::Paying => "the customer is paying…".to_owned(),
            SaleStatus::OnHold => "the payment is on hold at Dintero…".to_owned(),
            SaleStatus::Unknown => {
                "Dintero's answer was lost; looking for the checkout…".to_owned()
            }
            SaleStatus::Authorized => {
                format!(
                    "PAID: {} authorised (kasse-cli capture {} takes the money)",
                    money(s.amount, &s.currency),
                    s.merchant_reference
                )
            }
            st if st.is_paid() => format!(
                "PAID: {} ({})",
                money(s.amount, &s.currency),
                st.as_str().replace('_', " ")
            ),
            SaleStatus::Declined => "NOT PAID: the card was declined".to_owned(),
            SaleStatus::Failed => "NOT PAID: the payment failed".to_owned(),
            SaleStatus::Cancelled => "NOT PAID: the checkout was cancelled".to_owned(),
            SaleStatus::Expired => "NOT PAID: the checkout expired".to_owned(),
            SaleStatus::ChargeFailed => "NOT PAID: the checkout could not be created".to_owned(),
            other => other.as_str().replace('_', " "),
        };
        self.text(&format!("{}  {what}", s.merchant_reference))
    }

    pub fn sale(&self, s: &Sale) -> std::io::Result<()> {
        if self.json {
            return self.line(&sale_json(s));
        }
        self.text(&text_row(s))
    }

    /// One page of sales; `first` says it is the first page (an empty first page says so).
    pub fn sales(&self, sales: &[Sale], first: bool) -> std::io::Result<()> {
        if !self.json && first && sales.is_empty() {
            return self.text("no sales match");
        }
        for s in sales {
            self.sale(s)?;
        }
        Ok(())
    }

    /// A hint for a person: on stderr in text mode (so it never mixes with results), not at
    /// all with `--json`.
    /// Who has a PIN, and the refund limit (minor units; 0: every refund needs the manager).
    pub fn staff(
        &self,
        staff: &[(String, kasse_core::staff::Role)],
        refund_limit: i64,
    ) -> std::io::Result<()> {
        let mut stdout = std::io::stdout().lock();
        if self.json {
            let staff: Vec<Value> = staff
                .iter()
                .map(|(name, role)| json!({"name": name, "role": role}))
                .collect();
            return writeln!(
                stdout,
                "{}",
                json!({"staff": staff, "refund_limit": refund_limit})
            );
        }
        if staff.is_empty() {
            writeln!(
                stdout,
                "no PINs: nothing is guarded (kasse-cli pin set --role manager)"
            )?;
        }
        for (name, role) in staff {
            writeln!(stdout, "{name}  {}", role.as_str())?;
        }
        writeln!(
            stdout,
            "refund limit: {refund_limit} (minor units; 0: every refund needs the manager)"
        )
    }

    /// A PIN set or removed (never the PIN).
    pub fn pin_changed(&self, name: &str, what: &str) -> std::io::Result<()> {
        let mut stdout = std::io::stdout().lock();
        if self.json {
            writeln!(stdout, "{}", json!({"pin": {"name": name, "done": what}}))
        } else {
            writeln!(stdout, "{name}: PIN {what}")
        }
    }

    pub fn note(&self, text: &str) {
        if !self.json {
            let _ = writeln!(std::io::stderr().lock(), "{text}");
        }
    }

    pub fn detail(&self, d: &SaleDetail) -> std::io::Result<()> {
        if self.json {
            let mut v = sale_json(&d.sale);
            v["vat_amount"] = json!(d.sale.vat_amount);
            v["lines"] = d
                .order
                .as_ref()
                .map(|o| serde_json::to_value(&o.lines).unwrap_or(Value::Null))
                .unwrap_or(Value::Null);
            v["operations"] = serde_json::to_value(&d.sale.operations).unwrap_or(Value::Null);
            v["events"] = Value::Array(
                d.events
                    .iter()
                    .map(|e| {
                        let mut ev = serde_json::to_value(&e.event).unwrap_or(Value::Null);
                        ev["seq"] = json!(e.seq);
                        ev["at"] = json!(rfc3339(e.at));
                        ev
                    })
                    .collect(),
            );
            return self.line(&v);
        }
        let mut out = text_row(&d.sale);
        if let Some(o) = &d.order {
            for l in &o.lines {
                out.push_str(&format!(
                    "\n  line {}: {} × {} ({} VAT {}%) = {}",
                    l.line_id,
                    l.quantity,
                    l.description,
                    money(l.unit_price, &d.sale.currency),
                    l.vat,
                    money(l.amount, &d.sale.currency)
                ));
            }
        }
        for op in &d.sale.operations {
            out.push_str(&format!(
                "\n  {} {} {}: {}{}",
                op.kind,
                op.reference,
                op.amount
                    .map(|a| money(a, &d.sale.currency))
                    .unwrap_or_else(|| "(all)".into()),
                match (op.state, op.applied) {
                    (OpState::Reconciled, Some(true)) => "done (confirmed afterwards)",
                    (OpState::Reconciled, _) => "not done (confirmed afterwards)",
                    (OpState::Requested | OpState::Unknown, _) =>
                        "OUTCOME NOT KNOWN YET (kasse-cli sync settles it once Dintero can no longer act on it, within a minute)",
                    (OpState::InFlight, _) =>
                        "ACCEPTED BY DINTERO, BEING PROCESSED (it will happen; kasse-cli show or sync reads its completion)",
                    (OpState::Succeeded, _) => "done",
                    (OpState::Failed, _) => "refused",
                },
                op.error
                    .as_deref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default()
            ));
        }
        for e in &d.events {
            out.push_str(&format!(
                "\n  {}  #{} {}",
                short_time(e.at),
                e.seq,
                e.event.kind()
            ));
            if let kasse_core::sale::LogEvent::StatusObserved { status, source, .. } = &e.event {
                out.push_str(&format!(" → {status} ({source})"));
            }
            if let Some(op) = e.event.op_id().and_then(|id| d.sale.operation(id)) {
                out.push_str(&format!(" [{} {}]", op.kind, op.reference));
            }
        }
        self.text(&out)
    }

    /// The sync report, and how many sales are still open (waiting for a customer).
    pub fn sync(&self, r: &SyncReport, open: u32) -> std::io::Result<()> {
        if self.json {
            let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
            v["open"] = json!(open);
            return self.line(&v);
        }
        self.text(&format!(
            "read {} transactions from Dintero: {} imported, {} updated; {} pending operations settled; {} still waiting for a customer",
            r.seen,
            r.imported,
            r.updated,
            r.reconciled,
            if open == 1 {
                "1 sale".to_owned()
            } else {
                format!("{open} sales")
            }
        ))
    }

    pub fn journal(
        &self,
        j: &JournalReport,
        p: &ProjectionReport,
        anchor: Option<(&PrintedHead, &Anchor)>,
        broken: Option<&JournalBroken>,
        ok: bool,
    ) -> std::io::Result<()> {
        let head = j.head.as_ref().map(|h| h.printed().to_string());
        if self.json {
            let anchor = anchor.map(|(h, a)| json!({"head": h.to_string(), "result": a}));
            return self.line(&json!({
                "journal": j,
                "projection": p,
                "head": head,
                "anchor": anchor,
                "read_only": broken,
                "ok": ok,
            }));
        }
        let mut s = format!(
            "journal: {} rows, {}",
            j.rows,
            if j.ok {
                "chain intact"
            } else {
                "PROBLEMS FOUND"
            }
        );
        for problem in &j.problems {
            s.push_str(&format!("\n  {problem}"));
        }
        if let Some(head) = head {
            s.push_str(&format!("\nhead: {head} (the chain head to write down)"));
        }
        match anchor {
            Some((h, Anchor::Holds)) if j.ok => s.push_str(&format!(
                "\nprinted head {h}: holds, nothing up to row {} changed since",
                h.seq
            )),
            Some((h, Anchor::Holds)) => s.push_str(&format!(
                "\nprinted head {h}: row {} still has that hash, but the chain is broken (above)",
                h.seq
            )),
            Some((h, Anchor::Differs { found })) => s.push_str(&format!(
                "\nprinted head {h}: DOES NOT HOLD, row {} now has hash {}: the journal up to it was rewritten",
                h.seq,
                &found[..found.len().min(12)]
            )),
            Some((h, Anchor::Missing)) => s.push_str(&format!(
                "\nprinted head {h}: DOES NOT HOLD, there is no row {} (rows were removed, or the head is from another log)",
                h.seq
            )),
            None => {}
        }
        s.push_str(&format!(
            "\nsales: {} checked against their events, {}",
            p.sales,
            if p.ok() {
                "all match"
            } else {
                "MISMATCHES FOUND"
            }
        ));
        for m in &p.mismatches {
            s.push_str(&format!(
                "\n  sale {}: {}",
                m.sale_id,
                m.differences.join(", ")
            ));
        }
        if let Some(why) = broken {
            s.push_str(&format!(
                "\nKasse is READ-ONLY until this is fixed: {}",
                why.fix()
            ));
        }
        self.text(&s)
    }

    /// `journal rebuild`: how many sales were rewritten, and the check after it.
    pub fn rebuilt(&self, sales: u64, after: &Integrity) -> std::io::Result<()> {
        if self.json {
            return self.line(&json!({
                "rebuilt": sales,
                "projection": after.projection,
                "read_only": after.broken,
                "ok": after.broken.is_none(),
            }));
        }
        let mut s = format!("sales: {sales} rebuilt from the journal");
        match &after.broken {
            None => s.push_str("; the log checks out and Kasse can write again"),
            Some(why) => s.push_str(&format!("; still READ-ONLY: {why}. {}", why.fix())),
        }
        self.text(&s)
    }

    /// `diagnostics`: the zip written, what it holds, and whether the journal checked out.
    pub fn diagnostics(
        &self,
        w: &kasse_core::support::diagnostics::Written,
    ) -> std::io::Result<()> {
        if self.json {
            return self.line(&json!({ "diagnostics": w }));
        }
        let journal = if w.journal_ok {
            "the journal checks out"
        } else {
            "the journal check found problems (see journal-verify.json)"
        };
        self.text(&format!(
            "diagnostics written to {} ({}); {journal}",
            w.path.display(),
            w.files.join(", ")
        ))
    }

    /// Prints an error on stderr and returns the failing exit code.
    pub fn fail(&self, code: &str, message: &str) -> ExitCode {
        self.fail_with(code, message, serde_json::Map::new())
    }

    /// [`Out::fail`] with more fields beside `code` and `message` under `--json` (a PIN
    /// refusal's `tries_left`, `locked_until` and `seconds`).
    pub fn fail_with(
        &self,
        code: &str,
        message: &str,
        details: serde_json::Map<String, serde_json::Value>,
    ) -> ExitCode {
        let mut stderr = std::io::stderr().lock();
        if self.json {
            let mut error = details;
            error.insert("code".into(), json!(code));
            error.insert("message".into(), json!(message));
            let _ = writeln!(stderr, "{}", json!({ "error": error }));
        } else {
            let _ = writeln!(stderr, "error: {message}");
        }
        ExitCode::FAILURE
    }
}

fn text_row(s: &Sale) -> String {
    let mut row = format!(
        "{}  {:<20} {:>14}  captured {:>12}  refunded {:>12}  {}  {}",
        short_time(s.created_at),
        s.status.as_str(),
        money(s.amount, &s.currency),
        money(s.captured, &s.currency),
        money(s.refunded, &s.currency),
        s.merchant_reference,
        s.transaction_id.as_deref().unwrap_or("-"),
    );
    for o in s.pending_operations() {
        let amount = o
            .amount
            .map(|a| format!(" of {}", money(a, &s.currency)))
            .unwrap_or_default();
        row.push_str(&match o.state {
            OpState::InFlight => format!(
                "\n    {}{amount} accepted by Dintero, being processed: it will happen, do not ask again",
                o.kind
            ),
            _ => format!(
                "\n    {}{amount}: outcome being checked with Dintero (kasse-cli sync settles it)",
                o.kind
            ),
        });
    }
    row
}
