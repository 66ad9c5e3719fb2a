//! The `sales` projection against its journal around writes: a sale's stored row is checked
//! before an operation decides on money from it, and the whole projection can be rewritten
//! from a sound journal (`kasse-cli journal rebuild`).

use super::*;

impl Store {
    /// Before an operation that decides from a sale's stored row (capture, void, refund,
    /// cancel): writes must be allowed, and the row must still be what its events make. A row
    /// changed outside Kasse makes the log read-only, naming the sale. Both are read in one
    /// snapshot, so a concurrent append is never taken for a change.
    pub fn check_sale(&self, sale_id: &str) -> Result<()> {
        self.writable()?;
        let differences = self.read_snapshot(|conn| {
            let stored = query_one_sale(conn, "id = ?1", sale_id)?;
            let events = sale_events(conn, sale_id)?;
            let rebuilt = (!events.is_empty())
                .then(|| Sale::rebuild(sale_id, events.iter().map(|e| (&e.event, e.at))));
            Ok(match (stored, rebuilt) {
                (None, None) => Vec::new(),
                (Some(_), None) => vec!["no_events".to_owned()],
                (None, Some(_)) => vec!["missing_row".to_owned()],
                (Some(_), Some(Err(e))) => vec![format!("unreplayable: {e}")],
                (Some(s), Some(Ok(r))) => projection::diff(&s, &r),
            })
        })?;
        if differences.is_empty() {
            return Ok(());
        }
        let why = JournalBroken::Sale {
            sale_id: sale_id.to_owned(),
            differences,
        };
        self.refuse_writes(why.clone());
        Err(StoreError::JournalBroken(why))
    }

    /// Rewrites every sale from the journal, when the journal itself is sound (else refuses,
    /// naming the row: sales rebuilt from a changed journal would be wrong too), then checks
    /// everything again ([`Store::check_all`]: a sound log is writable again). Returns the
    /// number of sales written and that check.
    pub fn repair_projection(&self) -> Result<(u64, Integrity)> {
        let journal = self.verify_with_checkpoint()?;
        if let Some(p) = journal.problems.first() {
            let why = JournalBroken::from_problem(p);
            self.refuse_writes(why.clone());
            return Err(StoreError::JournalBroken(why));
        }
        let n = self.write_unchecked(|tx| projection::rebuild_in(tx))?;
        Ok((n, self.check_all()?))
    }
}
