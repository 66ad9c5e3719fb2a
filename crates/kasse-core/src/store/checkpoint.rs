//! What Kasse does when its log was changed outside it: it opens read-only, naming the row.
//!
//! At every start [`Store::check_at_start`] reads only the journal rows added since the last
//! sound check (its checkpoint, [`JOURNAL_CHECKED_KEY`]) and the checkpoint row again, so its
//! cost does not grow with the log. [`Store::check_all`] reads everything (every row, the
//! checkpoint, every sale against its events): the app runs it in the background, `kasse-cli
//! journal verify` on request. A problem found by either refuses every write from then on, in
//! this store and in those [`Store::reopen`] made from it, and is recorded
//! ([`JOURNAL_BROKEN_KEY`]) so that later starts stay read-only until a full check finds the log
//! sound again (restored from a backup, or its sales rebuilt from a sound journal).

use super::*;

/// Setting: why the log is read-only (a [`JournalBroken`]), until a full check finds it sound.
pub const JOURNAL_BROKEN_KEY: &str = "journal.broken";

/// Why the log is read-only: the first thing found changed outside Kasse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "broken", rename_all = "snake_case")]
pub enum JournalBroken {
    /// A journal row was edited, removed or inserted (from row `seq` on).
    #[error("{problem}")]
    Row {
        /// The first row that does not hold.
        seq: i64,
        /// What is wrong with it, in words.
        problem: String,
    },
    /// A sale's stored row is not what its journal makes.
    #[error("the stored row of sale {sale_id} differs from its journal ({})", differences.join(", "))]
    Sale {
        /// The sale.
        sale_id: String,
        /// The fields that differ (as in [`ProjectionMismatch`]).
        differences: Vec<String>,
    },
}

impl JournalBroken {
    /// The journal problem, as the reason to stop writing.
    pub fn from_problem(p: &JournalProblem) -> JournalBroken {
        JournalBroken::Row {
            seq: p.seq(),
            problem: p.to_string(),
        }
    }

    /// The journal row named, if a row is at fault.
    pub fn seq(&self) -> Option<i64> {
        match self {
            JournalBroken::Row { seq, .. } => Some(*seq),
            JournalBroken::Sale { .. } => None,
        }
    }

    /// The sale named, if a sale row is at fault.
    pub fn sale_id(&self) -> Option<&str> {
        match self {
            JournalBroken::Row { .. } => None,
            JournalBroken::Sale { sale_id, .. } => Some(sale_id),
        }
    }

    /// What to do about it.
    pub fn fix(&self) -> &'static str {
        match self {
            JournalBroken::Row { .. } => {
                "keep this computer as it is and restore kasse.sqlite from a backup (or tell \
                 whoever looks after the accounts); `kasse-cli journal verify` gives the full report"
            }
            JournalBroken::Sale { .. } => {
                "`kasse-cli journal rebuild` rewrites the sales from the journal; `kasse-cli \
                 journal verify` gives the full report"
            }
        }
    }
}

impl JournalProblem {
    /// The first row the problem is about (for removed rows, the first one missing).
    pub fn seq(&self) -> i64 {
        match self {
            JournalProblem::HashMismatch { seq, .. } | JournalProblem::Malformed { seq, .. } => {
                *seq
            }
            JournalProblem::Gap { after, .. } => after.saturating_add(1),
            JournalProblem::HeadMismatch { head, last } => {
                let at = |h: &Option<JournalHead>| h.as_ref().map_or(0, |h| h.seq);
                at(head).min(at(last)).saturating_add(1)
            }
        }
    }
}

/// What [`Store::check_all`] found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Integrity {
    /// The chain, every row, and the checkpoint the start-up checks rely on.
    pub journal: JournalReport,
    /// Every sale against its events.
    pub projection: ProjectionReport,
    /// Why the log is now read-only; `None`: it is sound and writable.
    pub broken: Option<JournalBroken>,
}

impl Store {
    /// Why writes are refused, if they are.
    pub fn read_only(&self) -> Option<JournalBroken> {
        lock_ignoring_poison(&self.read_only).clone()
    }

    /// `Err(JournalBroken)` when writes are refused.
    pub(super) fn writable(&self) -> Result<()> {
        match self.read_only() {
            Some(why) => Err(StoreError::JournalBroken(why)),
            None => Ok(()),
        }
    }

    /// Refuses every write from now on (here and in the stores reopened from this one), and
    /// records why, so the next start is read-only too.
    /// (Each shell says it in its own way: nothing is logged here.)
    pub fn refuse_writes(&self, why: JournalBroken) {
        *lock_ignoring_poison(&self.read_only) = Some(why.clone());
        let recorded = settings::to_value(&why)
            .and_then(|v| settings::set(&self.lock(), JOURNAL_BROKEN_KEY, &v));
        if let Err(e) = recorded {
            tracing::warn!(error = %e, "could not record that the log is read-only");
        }
    }

    /// Another connection to the same file, read-only whenever this one is (a background check,
    /// a second engine).
    pub fn reopen(&self) -> Result<Store> {
        let path = self.path.as_ref().ok_or_else(|| StoreError::InvalidInput {
            field: "store",
            reason: "an in-memory log cannot be opened twice".into(),
        })?;
        Ok(Store::open_with(path, self.options.clone())?.read_only_with(self))
    }

    /// This store, read-only whenever `other` is (e.g. the in-memory log of demo mode, beside
    /// a file log found changed).
    pub fn read_only_with(mut self, other: &Store) -> Store {
        self.read_only = other.read_only.clone();
        self
    }

    /// The check at every start: the journal rows added since the last sound check and the
    /// checkpoint row ([`Store::check_journal`]), and whether an earlier check left the log
    /// read-only. Returns why the log is read-only, if it is; writes are then refused.
    pub fn check_at_start(&self) -> Result<Option<JournalBroken>> {
        let report = self.check_journal()?;
        let found = match report.problems.first() {
            Some(p) => Some(JournalBroken::from_problem(p)),
            None => self.setting_as::<JournalBroken>(JOURNAL_BROKEN_KEY)?,
        };
        if let Some(why) = &found {
            self.refuse_writes(why.clone());
        }
        Ok(found.or_else(|| self.read_only()))
    }

    /// Every journal row, the checkpoint the start-up checks rely on still holding, and every
    /// sale against its events. Problems make the log read-only ([`Store::refuse_writes`]); a
    /// sound log is writable again, and forgets an earlier finding.
    pub fn check_all(&self) -> Result<Integrity> {
        let journal = self.verify_with_checkpoint()?;
        let projection = self.check_projection()?;
        let broken = match (journal.problems.first(), projection.mismatches.first()) {
            (Some(p), _) => Some(JournalBroken::from_problem(p)),
            (None, Some(m)) => Some(JournalBroken::Sale {
                sale_id: m.sale_id.clone(),
                differences: m.differences.clone(),
            }),
            (None, None) => None,
        };
        match &broken {
            Some(why) => self.refuse_writes(why.clone()),
            None => {
                settings::delete(&self.lock(), JOURNAL_BROKEN_KEY)?;
                *lock_ignoring_poison(&self.read_only) = None;
            }
        }
        Ok(Integrity {
            journal,
            projection,
            broken,
        })
    }

    /// [`Store::verify_journal`], with the problems of the checkpoint row if it no longer
    /// holds (a chain rewritten in full verifies, but not against the hash checked before).
    pub(super) fn verify_with_checkpoint(&self) -> Result<JournalReport> {
        let mut journal = self.verify_journal()?;
        if let Some(since) = self.setting_as::<JournalHead>(JOURNAL_CHECKED_KEY)? {
            for p in self.verify_journal_after(Some(&since))?.problems {
                if !journal.problems.contains(&p) {
                    journal.problems.push(p);
                    journal.ok = false;
                }
            }
        }
        Ok(journal)
    }
}
