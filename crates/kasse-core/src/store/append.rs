//! Appending to the journal: one event (or a queue of them, group-committed under one
//! fsync), checked by the reducer and written with the sale's row and the chain's head in one
//! `BEGIN IMMEDIATE` transaction; opening a local sale with its next merchant reference.

use super::*;

impl Store {
    /// Appends one event to a sale's journal and updates its view, in one transaction.
    ///
    /// The first event of a sale must be `sale_opened` or `imported`; later events are checked
    /// with [`Sale::validate`]. `at` is stored in UTC milliseconds.
    ///
    /// **Group commit**: when several threads append at once, the one that gets the connection
    /// commits every append queued meanwhile, and those queued while it writes, in one
    /// transaction (each in its own savepoint, so a refused event does not affect the others),
    /// sharing one fsync. Each call still returns only once its own event is committed
    /// (durably, under [`Durability::Full`]).
    pub fn append(&self, sale_id: &str, event: &LogEvent, at: OffsetDateTime) -> Result<Appended> {
        self.writable()?;
        // What does not depend on the journal is done before queueing, so that concurrent
        // writers do it at the same time (a failure here is reported by the append itself).
        let prepared = blob::prepare(sale_id, event).ok();
        let mut q = lock_ignoring_poison(&self.queue);
        let id = q.next_id;
        q.next_id += 1;
        q.waiting.push(QueuedAppend {
            id,
            sale_id: sale_id.to_owned(),
            event: event.clone(),
            at,
            prepared,
        });
        loop {
            if let Some(done) = q.done.remove(&id) {
                return done;
            }
            if q.leader {
                // Another thread is committing; it publishes and signals when done.
                q = self
                    .committed
                    .wait(q)
                    .unwrap_or_else(PoisonError::into_inner);
                continue;
            }
            // Become the leader: commit everything queued, ours included.
            q.leader = true;
            drop(q);
            let mut leader = Leader {
                store: self,
                taken: Vec::new(),
                results: Vec::new(),
            };
            let mut conn = self.lock();
            // Take what queued up while we waited for the connection, and while we write.
            let taken = &mut leader.taken;
            let take = || {
                let batch = std::mem::take(&mut lock_ignoring_poison(&self.queue).waiting);
                taken.extend(batch.iter().map(|b| b.id));
                batch
            };
            leader.results = commit_batch(&mut conn, &self.views, take);
            drop(conn);
            drop(leader); // publishes the results and signals
            q = lock_ignoring_poison(&self.queue);
        }
    }

    /// Appends one event like [`Store::append`], but commits it **without waiting for the disk**
    /// (`synchronous=NORMAL` for this one commit, then back to the store's policy).
    ///
    /// The event survives a process crash (the WAL is in the OS page cache, and SQLite never
    /// corrupts the file); only a power cut or OS crash before the next fsync'd commit can lose
    /// it, and any later commit under [`Durability::Full`] fsyncs the WAL with it. Use it only
    /// for an event whose loss the engine already recovers from: the charge's
    /// `session_created` (the intent before it is fsync'd, and a sale with an intent but no
    /// session is looked up by its merchant reference), so the cashier waits for one fsync per
    /// charge instead of two. Never for an intent.
    pub fn append_without_fsync(
        &self,
        sale_id: &str,
        event: &LogEvent,
        at: OffsetDateTime,
    ) -> Result<Appended> {
        self.writable()?;
        if self.path.is_none() || self.options.durability != Durability::Full {
            return self.append(sale_id, event, at);
        }
        let mut conn = self.lock();
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        let appended = (|| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let appended = append_in(&tx, &self.views, sale_id, event, at, None)?;
            tx.commit()?;
            appended.keep_view(&self.views);
            Ok(appended)
        })();
        // Restore FULL whatever happened: a connection left at NORMAL would silently weaken
        // every later commit. If even that fails, the connection is not trusted any more.
        // (Setting a pragma fails only on misuse or out of memory; the error says so.)
        if let Err(e) = conn.pragma_update(None, "synchronous", "FULL") {
            tracing::error!(error = %e, "could not restore synchronous=FULL after a commit");
            return Err(e.into());
        }
        appended
    }

    /// Appends several events (of one or more sales, in order) in one transaction: all or
    /// nothing, one fsync.
    pub fn append_many<'a, I>(&self, events: I) -> Result<Vec<Appended>>
    where
        I: IntoIterator<Item = (&'a str, &'a LogEvent, OffsetDateTime)>,
    {
        let appended: Vec<Appended> = self.write(|tx| {
            events
                .into_iter()
                .map(|(sale_id, ev, at)| append_in(tx, &self.views, sale_id, ev, at, None))
                .collect()
        })?;
        for a in &appended {
            a.keep_view(&self.views);
        }
        Ok(appended)
    }

    /// Opens a local sale: allocates the next merchant reference of `new.counter` for the day of
    /// `at` (in `at`'s own offset: pass local time for local days) and appends
    /// [`LogEvent::SaleOpened`], in one transaction. Call it **before** creating the session.
    pub fn open_sale(&self, sale_id: &str, new: &NewSale, at: OffsetDateTime) -> Result<Appended> {
        check_counter(&new.counter)?;
        let appended = self.write(|tx| {
            let day = at.date();
            let mut reference;
            loop {
                let seq = bump_sequence(tx, &new.counter, day)?;
                reference = format_merchant_reference(&new.counter, day, seq);
                // Skip a number somebody already used by hand (e.g. an earlier append).
                let taken: Option<i64> = tx
                    .prepare_cached(
                        "SELECT 1 FROM sales WHERE merchant_reference = ?1 AND origin = 'local'",
                    )?
                    .query_row([&reference], |r| r.get(0))
                    .optional()?;
                if taken.is_none() {
                    break;
                }
            }
            let ev = LogEvent::SaleOpened {
                merchant_reference: reference,
                counter: new.counter.clone(),
                currency: new.currency.clone(),
                amount: new.amount,
                vat_amount: new.vat_amount,
                order: new.order.clone(),
                auto_capture: new.auto_capture,
            };
            append_in(tx, &self.views, sale_id, &ev, at, None)
        })?;
        appended.keep_view(&self.views);
        Ok(appended)
    }

    /// Allocates the next sequence number of `counter` on `day` (1, 2, …), in its own
    /// transaction. [`Store::open_sale`] does this itself.
    pub fn next_sequence(&self, counter: &str, day: Date) -> Result<u32> {
        check_counter(counter)?;
        self.write(|tx| bump_sequence(tx, counter, day))
    }
}

pub(super) fn check_counter(counter: &str) -> Result<()> {
    if counter.trim().is_empty() || counter.len() > 32 || counter.chars().any(char::is_control) {
        return Err(StoreError::InvalidInput {
            field: "counter",
            reason: format!("{counter:?}: 1 to 32 characters, no control characters"),
        });
    }
    Ok(())
}

pub(super) fn bump_sequence(tx: &Transaction<'_>, counter: &str, day: Date) -> Result<u32> {
    let day = format!(
        "{:04}{:02}{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    );
    let last: i64 = tx
        .prepare_cached(
            "INSERT INTO reference_counters (counter, day, last) VALUES (?1, ?2, 1)
             ON CONFLICT (counter, day) DO UPDATE SET last = last + 1
             RETURNING last",
        )?
        .query_row(params![counter, day], |r| r.get(0))?;
    u32::try_from(last).map_err(|e| corrupt("reference_counters.last", e))
}

/// An [`Store::append`] waiting for its commit.
pub(super) struct QueuedAppend {
    id: u64,
    sale_id: String,
    event: LogEvent,
    at: OffsetDateTime,
    prepared: Option<blob::Prepared>,
}

/// The group-commit state, behind [`Store::queue`].
#[derive(Default)]
pub(super) struct AppendQueue {
    next_id: u64,
    /// Appends not yet taken by a leader.
    waiting: Vec<QueuedAppend>,
    /// Results not yet picked up, by append id.
    done: std::collections::HashMap<u64, Result<Appended>>,
    /// A thread is committing.
    leader: bool,
}

/// The committing thread's duty, done on drop (also when unwinding from a panic): publish a
/// result for every append it took (an error for those it never committed), step down, wake the
/// waiters.
pub(super) struct Leader<'a> {
    store: &'a Store,
    taken: Vec<u64>,
    results: Vec<Result<Appended>>,
}

impl Drop for Leader<'_> {
    fn drop(&mut self) {
        let mut q = lock_ignoring_poison(&self.store.queue);
        let mut results = std::mem::take(&mut self.results).into_iter();
        for id in self.taken.drain(..) {
            let r = results.next().unwrap_or_else(|| {
                Err(StoreError::CommitFailed(
                    "the writing thread panicked".into(),
                ))
            });
            q.done.insert(id, r);
        }
        q.leader = false;
        self.store.committed.notify_all();
    }
}

/// The most appends one commit takes: writers that keep queueing cannot hold it back longer.
pub(super) const MAX_BATCH: usize = 256;

/// Commits queued appends in one transaction, one result each, in the order `take` gave them.
///
/// `take` hands over what is queued (its first answer must not be empty); it is asked again
/// after each round of writes, and what queued up meanwhile joins the same commit, until it
/// answers nothing or [`MAX_BATCH`] is reached. Its writers already waited for this commit's
/// sync, so they share it instead of waiting for the next one. Each append is in its own
/// savepoint (a refused event does not fail the others), except a lone first one: if that is
/// refused, nothing more is taken and nothing is committed.
pub(super) fn commit_batch(
    conn: &mut Connection,
    views: &Mutex<views::Views>,
    mut take: impl FnMut() -> Vec<QueuedAppend>,
) -> Vec<Result<Appended>> {
    let mut batch = take();
    let mut tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => return fail_all(batch.len(), &e.into()),
    };
    let mut results: Vec<Result<Appended>> = Vec::with_capacity(batch.len());
    if let [only] = &mut batch[..] {
        let prepared = only.prepared.take();
        let r = append_in(&tx, views, &only.sale_id, &only.event, only.at, prepared);
        let refused = r.is_err();
        results.push(r);
        if refused {
            // Nothing to keep (the event may have written part of itself): no commit, no
            // fsync; whatever queued meanwhile waits for the next leader.
            drop(tx);
            return results;
        }
        batch = take();
    }
    while !batch.is_empty() {
        for q in &mut batch {
            results.push(append_in_savepoint(&mut tx, views, q));
        }
        if results.len() >= MAX_BATCH {
            break;
        }
        batch = take();
    }
    if results.iter().all(Result::is_err) {
        drop(tx);
        return results;
    }
    match tx.commit() {
        Ok(()) => {
            for a in results.iter().flatten() {
                a.keep_view(views);
            }
            results
        }
        Err(e) => fail_all(results.len(), &e.into()),
    }
}

/// One queued append in a savepoint of `tx`: undone alone if refused.
fn append_in_savepoint(
    tx: &mut Transaction<'_>,
    views: &Mutex<views::Views>,
    q: &mut QueuedAppend,
) -> Result<Appended> {
    let mut sp = tx.savepoint()?;
    match append_in(&sp, views, &q.sale_id, &q.event, q.at, q.prepared.take()) {
        Ok(a) => sp.commit().map(|()| a).map_err(StoreError::from),
        Err(e) => {
            // Undo this event only; the savepoint is released on drop.
            sp.rollback().ok();
            Err(e)
        }
    }
}

/// `n` results of a commit that failed.
fn fail_all(n: usize, e: &StoreError) -> Vec<Result<Appended>> {
    (0..n)
        .map(|_| match e {
            // Still typed: the caller can say "try again" rather than "failed".
            StoreError::Busy => Err(StoreError::Busy),
            e => Err(StoreError::CommitFailed(e.to_string())),
        })
        .collect()
}

/// The core of every append (inside a write transaction); `prepared`: the event's
/// [`blob::prepare`], if done already.
pub(super) fn append_in(
    tx: &Connection,
    views: &Mutex<views::Views>,
    sale_id: &str,
    event: &LogEvent,
    at: OffsetDateTime,
    prepared: Option<blob::Prepared>,
) -> Result<Appended> {
    if sale_id.trim().is_empty() || sale_id.len() > 200 {
        return Err(StoreError::InvalidInput {
            field: "sale id",
            reason: "1 to 200 characters".into(),
        });
    }
    if sale_id == COUNTER_STREAM || event.is_counter_event() {
        return Err(StoreError::InvalidInput {
            field: "sale id",
            reason: format!("{COUNTER_STREAM:?} and its events are the counter's, not a sale's"),
        });
    }
    let at = normalize(at);
    let rejected = |source| StoreError::Rejected {
        sale_id: sale_id.to_owned(),
        source,
    };
    // Where the sale's row stands; its view from the last commit if that is where it stands.
    let row: Option<(i64, Option<i64>)> = tx
        .prepare_cached("SELECT last_seq, journal_key FROM sales WHERE id = ?1")?
        .query_row([sale_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let before = match row {
        None => None,
        Some((last_seq, _)) => match lock_ignoring_poison(views).get(sale_id, last_seq) {
            Some(view) => Some(view),
            None => query_one_sale(tx, "id = ?1", sale_id)?,
        },
    };
    let sale = match &before {
        None if event.is_opening() => Sale::open(sale_id, event, at).map_err(rejected)?,
        None => return Err(StoreError::SaleNotFound(sale_id.to_owned())),
        Some(_) if event.is_opening() => return Err(StoreError::SaleExists(sale_id.to_owned())),
        Some(b) => {
            b.validate(event).map_err(rejected)?;
            let mut s = b.clone();
            s.apply(event, at);
            s
        }
    };

    let key = match (&before, row) {
        (Some(_), Some((_, Some(key)))) => Some(key),
        (Some(_), _) => row::sale_key(tx, sale_id)?,
        (None, _) => None,
    };
    let chained = chain_in(tx, sale_id, key, event, at, prepared, Some(&sale))?;
    let order_in_journal = matches!(event, LogEvent::SaleOpened { .. }) && chained.blob;
    write_sale(
        tx,
        &sale,
        before.as_ref(),
        chained.seq,
        chained.key,
        order_in_journal,
    )
    .map_err(|e| map_constraint(e, Some(&sale), Some(event)))?;
    Ok(Appended {
        seq: chained.seq,
        hash: chained.hash,
        sale,
    })
}

/// What [`chain_in`] wrote.
pub(super) struct Chained {
    pub seq: i64,
    pub hash: String,
    /// The row's journal key (its stream's).
    pub key: i64,
    /// Its large value went to a blob.
    pub blob: bool,
}

/// Writes one journal row onto the chain and moves the head (inside a write transaction):
/// a sale's event ([`append_in`], with its view; `key` `None` for the sale's first) or the
/// counter's ([`COUNTER_STREAM`]).
pub(super) fn chain_in(
    tx: &Connection,
    sale_id: &str,
    key: Option<i64>,
    event: &LogEvent,
    at: OffsetDateTime,
    prepared: Option<blob::Prepared>,
    sale: Option<&Sale>,
) -> Result<Chained> {
    let stored = blob::store_event(tx, sale_id, key, event, prepared)?;
    let (last_seq, prev_hash) = journal::last_row(tx)?;
    let seq = last_seq + 1;
    let key = key.unwrap_or(seq);
    let at_ms = unix_ms(at);
    let op_id = event.op_id();
    let hash = journal::row_hash(
        &prev_hash,
        seq,
        sale_id,
        at_ms,
        event.kind(),
        op_id,
        &stored.canonical,
    );
    row::insert(
        tx,
        &row::NewRow {
            seq,
            sale: key,
            at: at_ms,
            sale_id: (key == seq).then_some(sale_id),
            intent: op_id.filter(|_| matches!(event, LogEvent::OperationRequested { .. })),
            body: &stored.body,
            dict: stored.dict,
            blob: stored.blob,
            hash: &hash,
        },
    )
    .map_err(|e| map_constraint(e, sale, Some(event)))?;
    tx.prepare_cached(
        "INSERT INTO journal_head (id, seq, hash) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
    )?
    .execute(params![seq, hash])?;
    Ok(Chained {
        seq,
        hash,
        key,
        blob: stored.blob.is_some(),
    })
}

/// Inserts a sale row (`before` = `None`) or updates it. An update sets only the columns that
/// changed (plus `updated_at`, `last_seq`, the unindexed card and auto-capture, which the statement's last
/// parameters always name), so SQLite rewrites only the indexes on those
/// columns: most events touch no sales index at all. `order_in_journal`: the sale's order is
/// its opening row's blob, not copied into the row.
pub(super) fn write_sale(
    tx: &Connection,
    s: &Sale,
    before: Option<&Sale>,
    last_seq: i64,
    journal_key: i64,
    order_in_journal: bool,
) -> rusqlite::Result<()> {
    // The JSON columns as stored (compressed from a size on); unchanged ones are not written.
    let json = |v: &dyn erased::ToJson| {
        let failed = |e: StoreError| rusqlite::Error::ToSqlConversionFailure(Box::new(e));
        v.to_json()
            .map_err(|e| failed(e.into()))
            .and_then(|text| blob::pack_json(text).map_err(failed))
    };
    let nothing = rusqlite::types::Value::Null;
    let ops_changed = before.is_none_or(|b| b.operations != s.operations);
    let ops = if ops_changed {
        json(&s.operations)?
    } else {
        nothing.clone()
    };
    // The stored URL may be a key read around the session id: rewritten when either changes.
    let url_changed =
        before.is_none_or(|b| b.checkout_url != s.checkout_url || b.session_id != s.session_id);
    let url = if url_changed {
        checkout_url::stored(tx, s.checkout_url.as_deref(), s.session_id.as_deref())?
    } else {
        nothing.clone()
    };
    // The order is read from the opening row's blob when it is one (SALE_COLUMNS).
    let order = match before {
        None if order_in_journal => rusqlite::types::Value::Blob(Vec::new()),
        None => json(&s.order)?,
        Some(_) => nothing,
    };
    let sql: std::borrow::Cow<'static, str> = match before {
        None => "INSERT INTO sales (id, merchant_reference, counter, session_id, transaction_id,
            checkout_url, expires_at, currency, amount, vat_amount, status, captured, refunded,
            created_at, updated_at, origin, payment_product, last_error, pending_ops, operations,
            order_json, last_seq, journal_key, card_brand, card_last4, auto_capture)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
            ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26)"
            .into(),
        Some(b) => {
            let mut sql = String::from(
                "UPDATE sales SET updated_at = ?15, last_seq = ?22, \
                 journal_key = coalesce(journal_key, ?23), card_brand = ?24, card_last4 = ?25, \
                 auto_capture = ?26",
            );
            let mut set = |changed: bool, col: &str, param: u8| {
                if changed {
                    sql.push_str(&format!(", {col} = ?{param}"));
                }
            };
            set(b.session_id != s.session_id, "session_id", 4);
            set(b.transaction_id != s.transaction_id, "transaction_id", 5);
            set(url_changed, "checkout_url", 6);
            set(b.expires_at != s.expires_at, "expires_at", 7);
            set(b.status != s.status, "status", 11);
            set(b.captured != s.captured, "captured", 12);
            set(b.refunded != s.refunded, "refunded", 13);
            set(
                b.payment_product != s.payment_product,
                "payment_product",
                17,
            );
            set(b.last_error != s.last_error, "last_error", 18);
            set(b.pending_ops != s.pending_ops, "pending_ops", 19);
            set(ops_changed, "operations", 20);
            // The rest never changes after the opening event.
            sql.push_str(" WHERE id = ?1");
            sql.into()
        }
    };
    tx.prepare_cached(&sql)?.execute(params![
        s.id,
        s.merchant_reference,
        s.counter,
        s.session_id,
        s.transaction_id,
        url,
        s.expires_at.map(unix_ms),
        s.currency,
        s.amount,
        s.vat_amount,
        s.status.as_str(),
        s.captured,
        s.refunded,
        unix_ms(s.created_at),
        unix_ms(s.updated_at),
        s.origin.as_str(),
        s.payment_product,
        s.last_error,
        s.pending_ops,
        ops,
        order,
        last_seq,
        journal_key,
        s.card.as_ref().and_then(|c| c.brand.as_deref()),
        s.card.as_ref().and_then(|c| c.last4.as_deref()),
        s.auto_capture.map(|a| a.as_str()),
    ])?;
    Ok(())
}

mod erased {
    /// Serializes to JSON text without making `write_sale` generic.
    pub(super) trait ToJson {
        fn to_json(&self) -> Result<String, serde_json::Error>;
    }
    impl<T: serde::Serialize> ToJson for T {
        fn to_json(&self) -> Result<String, serde_json::Error> {
            serde_json::to_string(self)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queued(id: u64, sale_id: &str, event: LogEvent) -> QueuedAppend {
        QueuedAppend {
            id,
            sale_id: sale_id.to_owned(),
            event,
            at: OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000),
            prepared: None,
        }
    }

    fn note(text: &str) -> LogEvent {
        LogEvent::Note { text: text.into() }
    }

    /// A store with sales `a` and `b`, and a second connection to its file.
    fn two_sales() -> (tempfile::TempDir, Store, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kasse.sqlite");
        let store = Store::open(&path).unwrap();
        let at = OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
        for id in ["a", "b"] {
            store.open_sale(id, &small_sale(), at).unwrap();
        }
        let other = Connection::open(&path).unwrap();
        (dir, store, other)
    }

    fn rows(conn: &Connection) -> i64 {
        conn.query_row("SELECT count(*) FROM journal", [], |r| r.get(0))
            .unwrap()
    }

    /// [`commit_batch`] on the store's connection, taking from `take` (given which time the
    /// queue is asked, from 1); the results, and how many times the queue was asked.
    fn commit(
        store: &Store,
        mut take: impl FnMut(u64) -> Vec<QueuedAppend>,
    ) -> (Vec<Result<Appended>>, u64) {
        let mut asked = 0;
        let results = commit_batch(&mut store.lock(), &store.views, || {
            asked += 1;
            take(asked)
        });
        (results, asked)
    }

    #[test]
    fn appends_queued_while_the_leader_writes_join_its_commit() {
        let (_dir, store, other) = two_sales();
        let before = rows(&other);
        let mut rounds = vec![
            vec![queued(1, "a", note("first"))],
            // Queued while the first was written: one refused (no such sale), two kept.
            vec![
                queued(2, "b", note("second")),
                queued(3, "nobody", note("refused")),
                queued(4, "a", note("third")),
            ],
        ]
        .into_iter();
        let (results, asked) = commit(&store, |_| {
            // Nothing of the batch is visible elsewhere before its one commit.
            assert_eq!(rows(&other), before);
            rounds.next().unwrap_or_default()
        });
        // Taken until the queue was empty: two rounds and the empty answer.
        assert_eq!(asked, 3);
        assert_eq!(results.len(), 4);
        assert!(results[0].is_ok() && results[1].is_ok() && results[3].is_ok());
        assert!(matches!(results[2], Err(StoreError::SaleNotFound(_))));
        assert_eq!(rows(&other), before + 3);
        let seqs: Vec<i64> = results.iter().flatten().map(|a| a.seq).collect();
        assert_eq!(seqs, [before + 1, before + 2, before + 3]);
        assert!(store.verify_journal().unwrap().ok);
    }

    #[test]
    fn a_lone_refused_append_takes_nothing_more_and_commits_nothing() {
        let (_dir, store, other) = two_sales();
        let before = rows(&other);
        let (results, asked) = commit(&store, |asked| match asked {
            1 => vec![queued(1, "nobody", note("refused"))],
            _ => vec![queued(2, "a", note("would have joined"))],
        });
        assert_eq!(asked, 1);
        assert_eq!(results.len(), 1);
        assert!(results[0].is_err());
        assert_eq!(rows(&other), before);
    }

    #[test]
    fn a_commit_takes_at_most_max_batch_appends() {
        let (_dir, store, other) = two_sales();
        let before = rows(&other);
        // A queue that never empties.
        let (results, _) = commit(&store, |n| vec![queued(n, "a", note("again"))]);
        assert_eq!(results.len(), MAX_BATCH);
        assert_eq!(rows(&other), before + MAX_BATCH as i64);
    }
}
