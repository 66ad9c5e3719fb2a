//! A list query resolved: statuses deduplicated, times in milliseconds, the cursor decoded,
//! and the filters as SQL conditions with their parameters.

use std::collections::BTreeSet;

use rusqlite::types::Value as SqlValue;

use super::cursor::decode_cursor;
use super::term::Search;
use super::{AmountFilter, ListQuery, StoreError};
use crate::clock::unix_ms;
use crate::sale::SaleStatus;

/// SQL fragments with their `?` parameters, in order.
#[derive(Default)]
pub(super) struct Sql {
    pub(super) text: String,
    pub(super) params: Vec<SqlValue>,
}

impl Sql {
    pub(super) fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }
    pub(super) fn param(&mut self, v: impl Into<SqlValue>) -> &mut Self {
        self.text.push('?');
        self.params.push(v.into());
        self
    }
    /// `?, ?, …`: one parameter per value, for an `IN (…)` list.
    pub(super) fn params<V: Into<SqlValue>>(
        &mut self,
        values: impl IntoIterator<Item = V>,
    ) -> &mut Self {
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.param(v);
        }
        self
    }
    pub(super) fn append(&mut self, other: Sql) {
        self.text.push_str(&other.text);
        self.params.extend(other.params);
    }
}

/// Which filters are residual (checked row by row) in a given strategy.
#[derive(Clone, Copy)]
pub(super) struct Residual {
    pub(super) status: bool,
    pub(super) search: bool,
    pub(super) amount: bool,
}

pub(super) struct Resolved {
    pub(super) statuses: Vec<SaleStatus>,
    pub(super) from: Option<i64>,
    pub(super) to: Option<i64>,
    pub(super) amount: Option<AmountFilter>,
    pub(super) search: Option<Search>,
    pub(super) cursor: Option<(i64, i64)>,
    pub(super) limit: i64,
}

impl Resolved {
    pub(super) fn new(q: &ListQuery) -> Result<Resolved, StoreError> {
        let statuses: BTreeSet<SaleStatus> = q.statuses.iter().copied().collect();
        Ok(Resolved {
            statuses: statuses.into_iter().collect(),
            from: q.created_from.map(unix_ms),
            to: q.created_to.map(unix_ms),
            amount: q.amount,
            search: q.search.as_deref().and_then(Search::new),
            cursor: q.cursor.as_deref().map(decode_cursor).transpose()?,
            limit: q.effective_limit(),
        })
    }

    /// Whether the candidates come from the search (`Some(true)`) or an amount range
    /// (`Some(false)`); `None`: no candidates, no probes, one statement.
    pub(super) fn candidates(&self) -> Option<bool> {
        if self.search.is_some() {
            Some(true)
        } else if matches!(self.amount, Some(AmountFilter::Range { .. })) {
            Some(false)
        } else {
            None
        }
    }

    /// ` AND …` for the residual filters, the date range and the cursor.
    pub(super) fn conditions(&self, r: Residual) -> Sql {
        let mut s = Sql::default();
        if let Some(from) = self.from {
            s.push(" AND created_at >= ").param(from);
        }
        if let Some(to) = self.to {
            s.push(" AND created_at < ").param(to);
        }
        if let Some((ms, rowid)) = self.cursor {
            s.push(" AND (created_at, rowid) < (")
                .param(ms)
                .push(", ")
                .param(rowid)
                .push(")");
        }
        if r.status && !self.statuses.is_empty() {
            s.push(" AND status IN (")
                .params(self.statuses.iter().map(|st| st.as_str().to_owned()))
                .push(")");
        }
        if r.amount {
            match self.amount {
                Some(AmountFilter::Exact(a)) => {
                    s.push(" AND amount = ").param(a);
                }
                Some(AmountFilter::Range { min, max }) => {
                    if let Some(min) = min {
                        s.push(" AND amount >= ").param(min);
                    }
                    if let Some(max) = max {
                        s.push(" AND amount <= ").param(max);
                    }
                }
                None => {}
            }
        }
        if r.search {
            if let Some(search) = &self.search {
                s.push(" AND (");
                for (i, (col, _, from, to)) in search.ranges.iter().enumerate() {
                    if i > 0 {
                        s.push(" OR ");
                    }
                    s.push("(").push(col).push(" >= ").param(from.clone());
                    if let Some(to) = to {
                        s.push(" AND ").push(col).push(" < ").param(to.clone());
                    }
                    s.push(")");
                }
                if let Some(a) = search.amount {
                    s.push(" OR amount = ").param(a);
                }
                s.push(")");
            }
        }
        s
    }
}
