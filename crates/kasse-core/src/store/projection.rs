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
            let mut stmt = conn.prepare(&format!(
                "SELECT {SALE_COLUMNS}, journal_key FROM sales ORDER BY journal_key"
            ))?;
            let mut rows = stmt.query([])?;
            let mut next_stored = move || -> Result<Option<(Sale, i64, Option<i64>)>> {
                match rows.next()? {
                    None => Ok(None),
                    Some(r) => Ok(Some((sale_from_row(r)?, r.get(21)?, r.get(25)?))),
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
                // (A row claiming this sale's key under another id too: it has no events.)
                while let Some((s, ..)) = stored.take_if(|(s, _, key)| {
                    key.is_none_or(|k| k < group.key)
                        || (*key == Some(group.key) && s.id != group.sale_id)
                }) {
                    mismatch(&mut report, s.id, vec!["no_events".into()]);
                    stored = next_stored()?;
                }
                let here =
                    stored.take_if(|(s, _, key)| *key == Some(group.key) && s.id == group.sale_id);
                if here.is_some() {
                    stored = next_stored()?;
                }
                let differences = match (&group.rebuilt, here) {
                    (_, None) => vec!["missing_row".to_owned()],
                    (Err(e), Some(_)) => vec![format!("unreplayable: {e}")],
                    (Ok(rebuilt), Some((view, last_seq, _))) => {
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
            while let Some((s, ..)) = stored {
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
        self.write(|tx| rebuild_in(tx))
    }
}

/// Migration 6's step: the card of every sale whose events show one, into the card columns
/// added by its SQL (the rest of each row is what it was).
pub(crate) fn fill_cards(tx: &Connection) -> Result<()> {
    replay_each(tx, |group| {
        if let Ok(Sale {
            id, card: Some(c), ..
        }) = &group.rebuilt
        {
            tx.execute(
                "UPDATE sales SET card_brand = ?2, card_last4 = ?3 WHERE id = ?1",
                params![id, c.brand, c.last4],
            )?;
        }
        Ok(())
    })
}

/// Replaces every sale row with the replay of its events; the number of sales written.
pub(super) fn rebuild_in(tx: &Connection) -> Result<u64> {
    tx.execute("DELETE FROM sales", [])?;
    let mut n = 0u64;
    replay_each(tx, |group| {
        let sale = group.rebuilt.map_err(|source| StoreError::Rejected {
            sale_id: group.sale_id.clone(),
            source,
        })?;
        write_sale(
            tx,
            &sale,
            None,
            group.last_seq,
            group.key,
            group.order_in_journal,
        )
        .map_err(|e| map_constraint(e, Some(&sale), None))?;
        n += 1;
        Ok(())
    })?;
    Ok(n)
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
        card,
        last_error,
        operations,
        pending_ops,
        auto_capture
    );
    d
}

/// One sale's replay.
pub(super) struct ReplayedSale {
    sale_id: String,
    /// Its journal key (the seq of its opening row).
    key: i64,
    /// Its order is its opening row's blob.
    order_in_journal: bool,
    last_seq: i64,
    rebuilt: std::result::Result<Sale, SaleError>,
}

/// Streams the journal grouped by sale (ordered by journal key, then seq), replays each sale
/// and hands it to `f`.
pub(super) fn replay_each(
    conn: &Connection,
    mut f: impl FnMut(ReplayedSale) -> Result<()>,
) -> Result<()> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {} FROM journal INDEXED BY journal_sale ORDER BY sale, seq",
        row::row_columns(conn)?
    ))?;
    let mut rows = stmt.query([])?;
    let mut current: Option<ReplayedSale> = None;
    let mut blobs = BlobReader::default();
    let mut ids = row::SaleIds::default();
    while let Some(r) = rows.next()? {
        let mut raw = row::RawRow::read(r, conn, &mut blobs)?;
        let (seq, key) = (raw.seq, raw.sale);
        if key == row::COUNTER_KEY {
            continue; // the counter's own stream makes no sale
        }
        let at = time_ms(raw.at, &format!("journal row {seq}"))?;
        blobs.clear_if_over(1024);
        let data = raw.canonical(conn, &mut blobs)?;
        let event = decode_event(seq, &data)?;
        match current.as_mut() {
            Some(cur) if cur.key == key => {
                cur.last_seq = seq;
                if let Ok(s) = cur.rebuilt.as_mut() {
                    s.apply(&event, at);
                }
            }
            _ => {
                if let Some(done) = current.take() {
                    f(done)?;
                }
                // A sale whose opening row is gone cannot be named or replayed: its group is
                // reported (unreplayable), not an error of the whole check.
                let sale_id = match raw.sale_id {
                    Some(id) => id,
                    None => ids
                        .get(conn, key)
                        .unwrap_or_else(|_| format!("(journal row {key})")),
                };
                current = Some(ReplayedSale {
                    order_in_journal: matches!(event, LogEvent::SaleOpened { .. })
                        && raw.blob.is_some(),
                    rebuilt: Sale::open(&sale_id, &event, at),
                    sale_id,
                    key,
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
