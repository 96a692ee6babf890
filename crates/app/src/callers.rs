//! Callers remembered for a moment: who a session or an API token belongs to, so that a
//! request does not read the session, the user and the token again when the same caller came a
//! moment ago (two of a page's ten statements, one of a JSON read's two).
//!
//! An entry is used only while (1) the access epoch it was read at is still current — any
//! change of an account, a session's end or a token's revocation in this process moves it
//! (`db::access`), so such a change takes effect on the very next request — (2) it is younger
//! than [`REMEMBER_MS`], which bounds how long a change made by another server of the same
//! database goes unseen, and (3) the session or token it came from has not expired.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

/// How long an entry may be used without reading the store again.
pub const REMEMBER_MS: i64 = 2_000;

/// Entries kept at most; when full, the oldest half is forgotten.
const CAPACITY: usize = 20_000;

pub struct Remembered<V> {
    entries: Mutex<HashMap<String, Entry<V>>>,
}

struct Entry<V> {
    value: V,
    epoch: u64,
    at: i64,
    /// When the session or token ends (or must be read again to be kept alive).
    until: i64,
}

impl<V> Default for Remembered<V> {
    fn default() -> Self {
        Remembered { entries: Mutex::new(HashMap::new()) }
    }
}

impl<V: Clone> Remembered<V> {
    /// The value kept under `key`, if it may still be used at `now`.
    pub fn get(&self, key: &str, now: i64) -> Option<V> {
        let epoch = dengta_db::access::epoch();
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let e = entries.get(key)?;
        (e.epoch == epoch && now < e.at + REMEMBER_MS && now < e.until).then(|| e.value.clone())
    }

    /// Keeps `value`, read from the store at access epoch `epoch` (taken before the read).
    pub fn put(&self, key: &str, value: V, epoch: u64, now: i64, until: i64) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= CAPACITY {
            let mut ages: Vec<i64> = entries.values().map(|e| e.at).collect();
            ages.sort_unstable();
            let cut = ages[ages.len() / 2];
            entries.retain(|_, e| e.at > cut);
        }
        entries.insert(key.to_owned(), Entry { value, epoch, at: now, until });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_lasts_until_its_time_or_an_access_change() {
        let r = Remembered::<u32>::default();
        let e = dengta_db::access::epoch();
        r.put("k", 7, e, 1_000, 10_000);
        assert_eq!(r.get("k", 1_500), Some(7));
        assert_eq!(r.get("k", 1_000 + REMEMBER_MS), None, "older than REMEMBER_MS");
        r.put("k", 7, e, 1_000, 1_200);
        assert_eq!(r.get("k", 1_300), None, "its session ended");
        r.put("k", 7, e.wrapping_sub(1), 1_000, 10_000);
        assert_eq!(r.get("k", 1_100), None, "read at an older access epoch");
    }
}
