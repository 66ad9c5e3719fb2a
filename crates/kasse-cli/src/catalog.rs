//! `kasse-cli catalog import|export`: the shop's products as a spreadsheet's CSV; the reading,
//! the checks and the guard are the core's (`kasse_core::catalog`).

use anyhow::Context;
use clap::Subcommand;
use kasse_core::catalog::ImportReport;
use serde_json::json;

use crate::output::Out;
use crate::pins::read_pin;

#[derive(Debug, Subcommand)]
pub(crate) enum CatalogCommand {
    /// Add and update products from a CSV file (header `sku,name,gtin,price,vat,unit,category`,
    /// `,` or `;` separated, price in major units with `.` or `,`): upserts by SKU in one
    /// transaction and lists the rows it refused (the manager's PIN once one is set).
    Import {
        /// The CSV file (`-` for standard input).
        file: String,
        /// Read the manager's PIN from the first line of standard input.
        #[arg(long)]
        pin_stdin: bool,
    },
    /// Write every product as CSV to standard output (the columns import reads).
    Export,
}

pub(crate) fn catalog(
    store: &kasse_core::store::Store,
    command: CatalogCommand,
    currency: kasse_core::money::Currency,
    out: &Out,
) -> anyhow::Result<()> {
    use kasse_core::clock::{Clock as _, SystemClock};
    use kasse_core::staff::Guarded;
    match command {
        CatalogCommand::Import { file, pin_stdin } => {
            let pin = read_pin(pin_stdin)?;
            let bytes = match file.as_str() {
                "-" => {
                    let mut b = Vec::new();
                    std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut b)
                        .context("reading the catalogue from standard input")?;
                    b
                }
                path => std::fs::read(path).with_context(|| format!("reading {path}"))?,
            };
            let now = SystemClock.now();
            let allowed = kasse_core::access::guard(store, Guarded::Settings, pin.as_deref(), now)?;
            let report = kasse_core::products::import(store, &allowed, &bytes, currency, now)?;
            print_import(out, &report)?;
        }
        CatalogCommand::Export => {
            let csv = kasse_core::catalog::csv::export(&store.products()?, currency);
            out.raw(&csv)?;
        }
    }
    Ok(())
}

fn print_import(out: &Out, r: &ImportReport) -> std::io::Result<()> {
    if out.json {
        let rejected: Vec<_> = r
            .rejected
            .iter()
            .map(|x| json!({"line": x.line, "reason": x.reason, "code": x.code}))
            .collect();
        return out.line(&json!({
            "added": r.added,
            "updated": r.updated,
            "unchanged": r.unchanged,
            "rejected": rejected,
        }));
    }
    let mut text = format!(
        "{} added, {} updated, {} unchanged",
        r.added, r.updated, r.unchanged
    );
    if r.rejected.is_empty() {
        text.push_str(", no rows refused");
    } else {
        text.push_str(&format!(
            ", {} rows refused (fix them and import the file again):",
            r.rejected.len()
        ));
        for x in &r.rejected {
            text.push_str(&format!("\n  line {}: {}", x.line, x.reason));
        }
    }
    out.text(&text)
}
