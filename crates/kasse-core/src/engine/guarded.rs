//! The engine's guarded actions that are not operations: the Z report and the CSV export,
//! each through [`crate::access::guard`] with the PIN given and journaled in the counter's
//! stream naming who did it (after the report or the CSV is made and, for a file, written, so a failure
//! leaves no trace of something that did not happen); and the guard itself, asked of the
//! store that keeps the PINs ([`super::KasseConfig::staff`]) at the engine's clock. Refund and
//! void are guarded inside their operation (`ops/`), once the amount is known and before the
//! intent is logged, so a refusal sends nothing.

use std::path::Path;

use time::OffsetDateTime;

use super::Kasse;
use crate::access::{self, Allowed};
use crate::clock::normalize;
use crate::error::CoreError;
use crate::report::{self, CsvFile, DayReport};
use crate::sale::LogEvent;
use crate::staff::Guarded;
use crate::store::Store;

impl Kasse {
    /// The store that keeps the staff PINs and the lockout.
    pub fn staff_store(&self) -> &Store {
        self.inner
            .config
            .staff
            .as_deref()
            .unwrap_or(&self.inner.store)
    }

    /// The engine's time (its injected clock), for a shell that changes PINs or settings.
    pub fn now(&self) -> OffsetDateTime {
        self.inner.clock.now()
    }

    /// Decides `action` with `pin` now (a wrong PIN counts towards the lock).
    pub fn guard(&self, action: Guarded, pin: Option<&str>) -> Result<Allowed, CoreError> {
        access::guard(self.staff_store(), action, pin, self.inner.clock.now())
    }

    /// The X report (running, anyone) of `[from, to)` or, with `closing`, the Z report that
    /// closes the open period up to `to` and now at the latest (the manager's PIN), journaled
    /// as [`LogEvent::DayClosed`] naming who closed it ([`report::close_period`]).
    pub fn day_report(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
        closing: bool,
        currency: &str,
        pin: Option<&str>,
    ) -> Result<DayReport, CoreError> {
        if !closing {
            return report::day_report(&self.inner.store, from, to, false, currency);
        }
        let allowed = self.guard(Guarded::CloseDay, pin)?;
        let now = self.inner.clock.now();
        report::close_period(&self.inner.store, &allowed, from, to, currency, now)
    }

    /// The period's sales as CSV: an export of the journal's sales (the manager's PIN),
    /// journaled as [`LogEvent::JournalExported`] naming who exported them.
    pub fn export_csv(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
        pin: Option<&str>,
    ) -> Result<String, CoreError> {
        self.export(from, to, pin, |csv, _| Ok(csv))
    }

    /// [`Kasse::export_csv`] written to `path` (absolute: the file the person chose), journaled
    /// only once the file is written ([`report::write_file`]; a file that cannot be written is
    /// [`CoreError::FileWrite`] and leaves no trace).
    pub fn export_csv_file(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
        path: &Path,
        pin: Option<&str>,
    ) -> Result<CsvFile, CoreError> {
        self.export(from, to, pin, |csv, rows| {
            let path = report::write_file(path, &csv)?;
            Ok(CsvFile { path, rows })
        })
    }

    /// The guarded export: the CSV made, handed to `deliver`, then journaled.
    fn export<T>(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
        pin: Option<&str>,
        deliver: impl FnOnce(String, u32) -> Result<T, CoreError>,
    ) -> Result<T, CoreError> {
        let allowed = self.guard(Guarded::JournalExport, pin)?;
        let (csv, rows) = report::csv_rows(&self.inner.store, from, to)?;
        let delivered = deliver(csv, rows)?;
        let exported = LogEvent::JournalExported {
            actor: allowed.expect(Guarded::JournalExport)?.clone(),
            from: normalize(from),
            to: normalize(to),
            rows,
        };
        self.journal_counter_event(&exported)?;
        Ok(delivered)
    }

    /// Writes a guarded action's event in the counter's stream of the journal, now.
    fn journal_counter_event(&self, event: &LogEvent) -> Result<(), CoreError> {
        let now = self.inner.clock.now();
        self.inner.store.journal_counter_event(event, now)?;
        Ok(())
    }
}
