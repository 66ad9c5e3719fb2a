//! The engine's guarded actions that are not operations: the Z report and the CSV export,
//! each through [`crate::access::guard`] with the PIN given; and the guard itself, asked of the
//! store that keeps the PINs ([`super::KasseConfig::staff`]) at the engine's clock. Refund and
//! void are guarded inside their operation (`ops/`), once the amount is known and before the
//! intent is logged, so a refusal sends nothing.

use time::OffsetDateTime;

use super::Kasse;
use crate::access::{self, Allowed};
use crate::error::CoreError;
use crate::report::{self, DayReport};
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

    /// The X report (running, anyone) or, with `closing`, the Z report that closes the day
    /// (the manager's PIN).
    pub fn day_report(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
        closing: bool,
        currency: &str,
        pin: Option<&str>,
    ) -> Result<DayReport, CoreError> {
        if closing {
            self.guard(Guarded::CloseDay, pin)?;
        }
        report::day_report(&self.inner.store, from, to, closing, currency)
    }

    /// The period's sales as CSV: an export of the journal's sales (the manager's PIN).
    pub fn export_csv(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
        pin: Option<&str>,
    ) -> Result<String, CoreError> {
        self.guard(Guarded::JournalExport, pin)?;
        report::csv(&self.inner.store, from, to)
    }
}
