//! Reading sales and their journals: by id, session, transaction, reference or operation,
//! the open ones, the pending operations, lists and totals.

use super::*;

impl Store {
    fn one_sale(&self, where_clause: &str, param: &str) -> Result<Option<Sale>> {
        let conn = self.lock();
        query_one_sale(&conn, where_clause, param)
    }

    /// A sale by Kasse id.
    pub fn sale(&self, id: &str) -> Result<Option<Sale>> {
        self.one_sale("id = ?1", id)
    }

    /// A sale by Dintero session id.
    pub fn sale_by_session(&self, session_id: &str) -> Result<Option<Sale>> {
        self.one_sale("session_id = ?1", session_id)
    }

    /// A sale by Dintero transaction id.
    pub fn sale_by_transaction(&self, transaction_id: &str) -> Result<Option<Sale>> {
        self.one_sale("transaction_id = ?1", transaction_id)
    }

    /// A sale by merchant reference: the local one if any, else the newest imported one.
    pub fn sale_by_reference(&self, reference: &str) -> Result<Option<Sale>> {
        self.one_sale(
            "merchant_reference = ?1 ORDER BY origin = 'local' DESC, created_at DESC",
            reference,
        )
    }

    /// The sale owning an operation.
    pub fn sale_by_operation(&self, op_id: &str) -> Result<Option<Sale>> {
        self.one_sale(
            "id = (SELECT o.sale_id FROM journal i JOIN journal o ON o.seq = i.sale
                   WHERE i.intent = ?1)",
            op_id,
        )
    }

    /// A sale by transaction id, session id, merchant reference or Kasse id (in that order).
    pub fn find(&self, id_or_reference: &str) -> Result<Option<Sale>> {
        let key = id_or_reference.trim();
        if key.is_empty() {
            return Ok(None);
        }
        if let Some(s) = self.sale_by_transaction(key)? {
            return Ok(Some(s));
        }
        if let Some(s) = self.sale_by_session(key)? {
            return Ok(Some(s));
        }
        if let Some(s) = self.sale_by_reference(key)? {
            return Ok(Some(s));
        }
        self.sale(key)
    }

    /// A sale's events, in order.
    pub fn events(&self, sale_id: &str) -> Result<Vec<StoredEvent>> {
        let conn = self.lock();
        sale_events(&conn, sale_id)
    }

    /// Every sale the watcher must follow (status open), oldest first.
    pub fn open_sales(&self) -> Result<Vec<Sale>> {
        let conn = self.lock();
        let sql = format!(
            "SELECT {SALE_COLUMNS} FROM sales INDEXED BY sales_open
             WHERE status IN ('creating', 'waiting', 'paying', 'on_hold', 'unknown')
             ORDER BY created_at"
        );
        query_sales(&conn, &sql, [])
    }

    /// The sales the watcher follows ([`Sale::is_followed`]), oldest first: the open ones, and
    /// the authorised ones whose auto-capture has neither shown nor failed.
    pub fn followed_sales(&self) -> Result<Vec<Sale>> {
        let mut sales = self.open_sales()?;
        sales.extend(
            self.authorized_sales()?
                .into_iter()
                .filter(Sale::is_followed),
        );
        sales.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(sales)
    }

    /// The authorisations someone must capture by hand (or void): authorised sales whose
    /// capture nobody asked Dintero for, or whose auto-capture failed ([`Sale::uncaptured`]),
    /// oldest first.
    pub fn uncaptured_sales(&self) -> Result<Vec<Sale>> {
        Ok(self
            .authorized_sales()?
            .into_iter()
            .filter(|s| s.uncaptured().is_some_and(|u| u.needs_staff()))
            .collect())
    }

    fn authorized_sales(&self) -> Result<Vec<Sale>> {
        let conn = self.lock();
        let sql = format!(
            "SELECT {SALE_COLUMNS} FROM sales INDEXED BY sales_authorized
             WHERE status = 'authorized' ORDER BY created_at"
        );
        query_sales(&conn, &sql, [])
    }

    /// Every operation without a final outcome (an intent whose outcome was never written, or an
    /// unknown outcome), with its sale, oldest sale first: to reconcile on start.
    pub fn pending_operations(&self) -> Result<Vec<PendingOperation>> {
        let conn = self.lock();
        let sql = format!(
            "SELECT {SALE_COLUMNS} FROM sales INDEXED BY sales_pending
             WHERE pending_ops > 0 ORDER BY created_at"
        );
        let sales = query_sales(&conn, &sql, [])?;
        Ok(sales
            .into_iter()
            .flat_map(|sale| {
                let ops: Vec<Operation> = sale.pending_operations().cloned().collect();
                ops.into_iter().map(move |operation| PendingOperation {
                    sale: sale.clone(),
                    operation,
                })
            })
            .collect())
    }

    /// One page of the transaction list.
    pub fn list(&self, query: &ListQuery) -> Result<Page> {
        list::list(&self.lock(), query)
    }

    /// The plan [`Store::list`] would use for `query` (diagnostics, tests, benchmarks).
    pub fn explain_list(&self, query: &ListQuery) -> Result<QueryPlan> {
        list::explain(&self.lock(), query)
    }

    /// Totals of the sales created in `[from, to)`, per status and currency, and per payment
    /// product for paid sales.
    pub fn totals(&self, from: OffsetDateTime, to: OffsetDateTime) -> Result<Totals> {
        list::totals(&self.lock(), from, to)
    }

    /// The sales a report of `[from, to)` must look at, oldest first: created before `to`, and
    /// changed since `from` or in a status that may hold an authorisation open (`open`). The
    /// rest cannot have moved money in the period nor hold any open at its end, so they are not
    /// read, let alone decoded.
    pub fn report_candidates(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
        open: &[crate::sale::SaleStatus],
    ) -> Result<Vec<Sale>> {
        let conn = self.lock();
        let statuses: Vec<String> = open.iter().map(|s| format!("'{}'", s.as_str())).collect();
        let sql = format!(
            "SELECT {SALE_COLUMNS} FROM sales
             WHERE created_at < ?1 AND (updated_at >= ?2 OR status IN ({}))
             ORDER BY created_at, id",
            if statuses.is_empty() {
                "NULL".to_owned()
            } else {
                statuses.join(", ")
            }
        );
        query_sales(&conn, &sql, params![unix_ms(to), unix_ms(from)])
    }

    /// Number of sales.
    pub fn count_sales(&self) -> Result<i64> {
        Ok(self
            .lock()
            .query_row("SELECT count(*) FROM sales", [], |r| r.get(0))?)
    }
}

pub(super) fn query_sales<P: rusqlite::Params>(
    conn: &Connection,
    sql: &str,
    p: P,
) -> Result<Vec<Sale>> {
    query_rows(conn, sql, p, sale_from_row)
}

/// Every row `sql` selects with `p`, each read by `from_row` (a sale, a product).
pub(super) fn query_rows<T, P: rusqlite::Params>(
    conn: &Connection,
    sql: &str,
    p: P,
    from_row: fn(&Row<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(p)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(from_row(row)?);
    }
    Ok(out)
}

pub(super) fn query_one_sale(
    conn: &Connection,
    where_clause: &str,
    param: &str,
) -> Result<Option<Sale>> {
    let sql = format!("SELECT {SALE_COLUMNS} FROM sales WHERE {where_clause} LIMIT 1");
    Ok(query_sales(conn, &sql, [param])?.into_iter().next())
}

pub(super) fn decode_event(seq: i64, data: &str) -> Result<LogEvent> {
    serde_json::from_str(data).map_err(|e| corrupt(&format!("journal row {seq}"), e))
}

pub(super) fn sale_events(conn: &Connection, sale_id: &str) -> Result<Vec<StoredEvent>> {
    let Some(key) = row::sale_key(conn, sale_id)? else {
        return Ok(Vec::new());
    };
    // Sorted here, not by an ORDER BY: with one, SQLite re-prepares the statement each time ?1
    // takes a new value (its plan depends on it).
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {} FROM journal WHERE sale = ?1",
        row::ROW_COLUMNS
    ))?;
    let mut rows = stmt.query([key])?;
    let mut blobs = BlobReader::default();
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let mut raw = row::RawRow::read(r, conn, &mut blobs)?;
        let seq = raw.seq;
        let data = raw.canonical(conn, &mut blobs)?;
        out.push(StoredEvent {
            seq,
            sale_id: sale_id.to_owned(),
            at: time_ms(raw.at, &format!("journal row {seq}"))?,
            event: decode_event(seq, &data)?,
            hash: raw.hash_hex(),
        });
    }
    out.sort_unstable_by_key(|e| e.seq);
    Ok(out)
}

/// The sales columns, in the order [`sale_from_row`] reads them. A sale whose order is its
/// opening row's blob (a sale opened here, since migration 5) keeps no copy of it in its row
/// (an empty BLOB in `order_json`): the blob is compressed exactly as a projection column is
/// (store/blob.rs), so it is read in its place. A checkout URL stored as the key of the URL
/// around its session id (store/checkout_url.rs) is put back together.
pub(crate) const SALE_COLUMNS: &str = "id, merchant_reference, counter, session_id, \
    transaction_id, CASE WHEN typeof(checkout_url) = 'blob' THEN \
    (SELECT u.prefix || sales.session_id || u.suffix FROM checkout_urls u \
    WHERE u.key = sales.checkout_url) ELSE checkout_url END, expires_at, currency, amount, vat_amount, status, captured, \
    refunded, created_at, updated_at, origin, payment_product, last_error, pending_ops, \
    operations, coalesce(nullif(order_json, x''), (SELECT zstd FROM blobs WHERE id = \
    (SELECT blob FROM journal WHERE seq = sales.journal_key))), last_seq, card_brand, \
    card_last4, auto_capture";

/// The card columns as a sale's card (`None` when both are empty).
fn card_of_row(brand: Option<String>, last4: Option<String>) -> Option<CardSeen> {
    (brand.is_some() || last4.is_some()).then_some(CardSeen { brand, last4 })
}

/// Reads a sale from a row selected with [`SALE_COLUMNS`].
pub(crate) fn sale_from_row(row: &Row<'_>) -> Result<Sale> {
    let id: String = row.get(0)?;
    let what = |col: &str| format!("sales.{col} of {id}");
    let parse_enum = |e: ParseEnumError| corrupt(&format!("sale {id}"), e);
    let expires_at = match row.get::<_, Option<i64>>(6)? {
        None => None,
        Some(ms) => {
            Some(from_unix_ms(ms).ok_or_else(|| corrupt(&what("expires_at"), "out of range"))?)
        }
    };
    let status: String = row.get(10)?;
    let origin: String = row.get(15)?;
    let pending: i64 = row.get(18)?;
    let auto_capture = match row.get::<_, Option<String>>(24)? {
        Some(a) => Some(a.parse().map_err(parse_enum)?),
        None => None,
    };
    let ops = blob::unpack_json(row.get_ref(19)?, &what("operations"))?;
    let order = blob::unpack_json(row.get_ref(20)?, &what("order_json"))?;
    Ok(Sale {
        merchant_reference: row.get(1)?,
        counter: row.get(2)?,
        session_id: row.get(3)?,
        transaction_id: row.get(4)?,
        checkout_url: row.get(5)?,
        expires_at,
        currency: row.get(7)?,
        amount: row.get(8)?,
        vat_amount: row.get(9)?,
        status: status.parse().map_err(parse_enum)?,
        captured: row.get(11)?,
        refunded: row.get(12)?,
        created_at: time_col(row, 13, &what("created_at"))?,
        updated_at: time_col(row, 14, &what("updated_at"))?,
        origin: origin.parse().map_err(parse_enum)?,
        payment_product: row.get(16)?,
        card: card_of_row(row.get(22)?, row.get(23)?),
        last_error: row.get(17)?,
        pending_ops: u32::try_from(pending).map_err(|e| corrupt(&what("pending_ops"), e))?,
        operations: serde_json::from_str(&ops).map_err(|e| corrupt(&what("operations"), e))?,
        order: serde_json::from_str(&order).map_err(|e| corrupt(&what("order_json"), e))?,
        auto_capture,
        id,
    })
}
