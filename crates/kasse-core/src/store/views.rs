//! The sale views the latest appends committed, by sale id and the journal seq they end at:
//! the next append to the same sale starts from its view instead of reading and decoding the
//! sale's row again. A view is found only under the `last_seq` the row says now, so an append
//! by another process (or handle) is a miss, never a stale view; views are added only after
//! their commit, so a rolled-back append leaves none behind.

use std::collections::{HashMap, VecDeque};

use crate::sale::Sale;

/// How many sales' views are kept (the sales being served at a few counters).
const CAPACITY: usize = 256;

#[derive(Default)]
pub(crate) struct Views {
    by_id: HashMap<String, (i64, Sale)>,
    /// Ids, oldest first, to evict.
    order: VecDeque<String>,
}

impl Views {
    /// The view of `sale_id` as of journal row `last_seq`, if kept.
    pub fn get(&self, sale_id: &str, last_seq: i64) -> Option<Sale> {
        match self.by_id.get(sale_id) {
            Some((seq, sale)) if *seq == last_seq => Some(sale.clone()),
            _ => None,
        }
    }

    /// Keeps a committed view.
    pub fn put(&mut self, last_seq: i64, sale: &Sale) {
        if self
            .by_id
            .insert(sale.id.clone(), (last_seq, sale.clone()))
            .is_none()
        {
            self.order.push_back(sale.id.clone());
            while self.order.len() > CAPACITY {
                if let Some(old) = self.order.pop_front() {
                    self.by_id.remove(&old);
                }
            }
        }
    }
}
