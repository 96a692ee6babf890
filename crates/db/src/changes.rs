//! The change epoch: a process-wide counter that moves with every write — each statement run
//! outside a transaction, each commit. What is derived from the data and kept in memory (the
//! workbench's counts per user) keeps the epoch it was read at and is read again once it moved.

use std::sync::atomic::{AtomicU64, Ordering};

static EPOCH: AtomicU64 = AtomicU64::new(0);

/// The current epoch.
pub fn epoch() -> u64 {
    EPOCH.load(Ordering::SeqCst)
}

pub(crate) fn bump() {
    EPOCH.fetch_add(1, Ordering::SeqCst);
}
