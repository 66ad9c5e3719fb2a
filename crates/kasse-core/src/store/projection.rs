//! The `sales` projection checked against, and rebuilt from, the journal it is derived from
//! (the same reducer that maintains it on append).

use super::*;

/// A sale whose stored view differs from the replay of its events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectionMismatch {
    /// The sale.
    pub sale_id: String,
    /// What differs: field names, or `missing_row` (events but no sale row), `no_events` (a sale
    /// row without events), `unreplayable: …` (the events do not make a sale).
    pub differences: Vec<String>,
}

/// The result of [`Store::check_projection`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectionReport {
    /// Sales compared.
    pub sales: u64,
    /// The ones that differ.
    pub mismatches: Vec<ProjectionMismatch>,
}

impl ProjectionReport {
    /// No differences.
    pub fn ok(&self) -> bool {
        self.mismatches.is_empty()
    }
}

impl Store {
    /// A sale's view replayed from its events (`None` when it has no events).
    pub fn rebuild_sale(&self, sale_id: &str) -> Result<Option<Sale>> {
        let events = self.events(sale_id)?;
        if events.is_empty() {
            return Ok(None);
        }
        Sale::rebuild(sale_id, events.iter().map(|e| (&e.event, e.at)))
            .map(Some)
            .map_err(|source| StoreError::Rejected {
                sale_id: sale_id.to_owned(),
                source,
            })
    }

    /// Replays every sale's events and compares with the stored view.
    pub fn check_projection(&self) -> Result<ProjectionReport> {
        self.read_snapshot(|conn| {
            let mut report = ProjectionReport {
                sales: 0,
                mismatches: Vec::new(),
            };
            // Merge-join the sale rows (by id) with the replayed journal (by sale id).
            let mut stmt =
                conn.prepare(&format!("SELECT {SALE_COLUMNS} FROM sales ORDER BY id"))?;
            let mut rows = stmt.query([])?;
            let mut next_stored = move || -> Result<Option<(Sale, i64)>> {
                match rows.next()? {
                    None => Ok(None),
                    Some(r) => Ok(Some((sale_from_row(r)?, r.get(21)?))),
                }
            };
            let mut stored = next_stored()?;
            let mismatch = |report: &mut ProjectionReport, id: String, d: Vec<String>| {
                report.sales += 1;
                if !d.is_empty() {
                    report.mismatches.push(ProjectionMismatch {
                        sale_id: id,
                        differences: d,
                    });
                }
            };
            replay_each(conn, |group| {
                // Sale rows without events sort before this sale.
                while let Some((s, _)) = stored.take_if(|(s, _)| s.id < group.sale_id) {
                    mismatch(&mut report, s.id, vec!["no_events".into()]);
                    stored = next_stored()?;
                }
                let here = stored.take_if(|(s, _)| s.id == group.sale_id);
                if here.is_some() {
                    stored = next_stored()?;
                }
                let differences = match (&group.rebuilt, here) {
                    (_, None) => vec!["missing_row".to_owned()],
                    (Err(e), Some(_)) => vec![format!("unreplayable: {e}")],
                    (Ok(rebuilt), Some((view, last_seq))) => {
                        let mut d = diff(&view, rebuilt);
                        if last_seq != group.last_seq {
                            d.push("last_seq".into());
                        }
                        d
                    }
                };
                mismatch(&mut report, group.sale_id, differences);
                Ok(())
            })?;
            while let Some((s, _)) = stored {
                mismatch(&mut report, s.id, vec!["no_events".into()]);
                stored = next_stored()?;
            }
            Ok(report)
        })
    }

    /// Re-derives every sale row from the journal (after a reducer change, or to repair a
    /// projection that [`Store::check_projection`] found different). Returns the number of
    /// sales written. The journal is not touched.
    pub fn rebuild_projection(&self) -> Result<u64> {
        self.write(|tx| {
            tx.execute("DELETE FROM sales", [])?;
            let mut n = 0u64;
            replay_each(tx, |group| {
                let sale = group.rebuilt.map_err(|source| StoreError::Rejected {
                    sale_id: group.sale_id.clone(),
                    source,
                })?;
                write_sale(tx, &sale, None, group.last_seq)
                    .map_err(|e| map_constraint(e, Some(&sale), None))?;
                n += 1;
                Ok(())
            })?;
            Ok(n)
        })
    }
}

/// Field-by-field comparison of a stored view with a rebuilt one.
pub(super) fn diff(stored: &Sale, rebuilt: &Sale) -> Vec<String> {
    let mut d = Vec::new();
    macro_rules! cmp {
        ($($f:ident),*) => {
            $(if stored.$f != rebuilt.$f { d.push(stringify!($f).to_owned()); })*
        };
    }
    cmp!(
        merchant_reference,
        counter,
        session_id,
        transaction_id,
        checkout_url,
        expires_at,
        currency,
        amount,
        vat_amount,
        order,
        status,
        captured,
        refunded,
        created_at,
        updated_at,
        origin,
        payment_product,
        last_error,
        operations,
        pending_ops
    );
    d
}

/// One sale's replay.
pub(super) struct ReplayedSale {
    sale_id: String,
    last_seq: i64,
    rebuilt: std::result::Result<Sale, SaleError>,
}

/// Streams the journal grouped by sale (ordered by sale id, then seq), replays each sale and
/// hands it to `f`.
pub(super) fn replay_each(
    conn: &Connection,
    mut f: impl FnMut(ReplayedSale) -> Result<()>,
) -> Result<()> {
    let mut stmt = conn.prepare(
        "SELECT sale_id, seq, at, data, blob, blob_at FROM events INDEXED BY events_sale
         ORDER BY sale_id, seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut current: Option<ReplayedSale> = None;
    let mut blobs = BlobReader::default();
    while let Some(r) = rows.next()? {
        let sale_id: String = r.get(0)?;
        if sale_id == COUNTER_STREAM {
            continue; // the counter's own stream makes no sale
        }
        let seq: i64 = r.get(1)?;
        let at = time_col(r, 2, &format!("events row {seq}"))?;
        blobs.clear_if_over(1024);
        let data = blobs.canonical(conn, seq, r.get(3)?, blob_cols(r, 4)?)?;
        let event = decode_event(seq, &data)?;
        match current.as_mut() {
            Some(cur) if cur.sale_id == sale_id => {
                cur.last_seq = seq;
                if let Ok(s) = cur.rebuilt.as_mut() {
                    s.apply(&event, at);
                }
            }
            _ => {
                if let Some(done) = current.take() {
                    f(done)?;
                }
                current = Some(ReplayedSale {
                    rebuilt: Sale::open(&sale_id, &event, at),
                    sale_id,
                    last_seq: seq,
                });
            }
        }
    }
    if let Some(done) = current {
        f(done)?;
    }
    Ok(())
}
