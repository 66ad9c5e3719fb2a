//! Checkpoints off the writer's path: a file log's connection does not checkpoint the WAL
//! itself (SQLite would, inside the commit that crosses 1,000 pages, making that append wait
//! for the copy and its fsyncs); a thread of the store does, with a connection of its own,
//! every [`INTERVAL`]. A `PASSIVE` checkpoint never blocks a writer; the next append after a
//! complete one starts the WAL from its beginning again, so the file stays small.

use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;

use super::lock_ignoring_poison;

/// How often the WAL is checkpointed.
pub(crate) const INTERVAL: Duration = Duration::from_millis(100);

/// The checkpointing thread; stopped (after a last checkpoint) when dropped.
pub(crate) struct Checkpointer {
    stop: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts checkpointing the log at `path`.
    pub fn start(path: PathBuf, busy_timeout: Duration) -> Checkpointer {
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("kasse-checkpoint".into())
            .spawn(move || run(&path, busy_timeout, &flag))
            .ok();
        if thread.is_none() {
            tracing::warn!("no checkpoint thread: the WAL is checkpointed when the log closes");
        }
        Checkpointer { stop, thread }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        *lock_ignoring_poison(&self.stop.0) = true;
        self.stop.1.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn run(path: &PathBuf, busy_timeout: Duration, stop: &(Mutex<bool>, Condvar)) {
    let conn = match Connection::open(path).and_then(|c| {
        c.busy_timeout(busy_timeout)?;
        Ok(c)
    }) {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "no checkpoint connection: the WAL grows until the log closes");
            return;
        }
    };
    let mut stopped = lock_ignoring_poison(&stop.0);
    loop {
        drop(stopped);
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::debug!(error = %e, "checkpoint skipped");
        }
        stopped = lock_ignoring_poison(&stop.0);
        if *stopped {
            return;
        }
        stopped = stop
            .1
            .wait_timeout(stopped, INTERVAL)
            .map_or_else(|e| e.into_inner().0, |(g, _)| g);
        if *stopped {
            return;
        }
    }
}
