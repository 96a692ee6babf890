//! A small keyed rate limiter (token bucket per key) with bounded memory: when the table is
//! full, keys whose bucket has refilled are dropped, then the least recently seen. Used for
//! login attempts (per address, per account) and the public forms (per address).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Keys kept at most per limiter (an address or a name each: a few hundred kilobytes).
pub const MAX_KEYS: usize = 10_000;

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    seen: Instant,
}

/// `capacity` events per `period` for each key, in bursts of up to `capacity`.
pub struct Limiter {
    capacity: f64,
    per_second: f64,
    max_keys: usize,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl Limiter {
    /// A limiter of `capacity` per `period`; `capacity == 0` lets everything through.
    pub fn new(capacity: u32, period: Duration) -> Limiter {
        Limiter::with_max_keys(capacity, period, MAX_KEYS)
    }

    pub fn with_max_keys(capacity: u32, period: Duration, max_keys: usize) -> Limiter {
        let secs = period.as_secs_f64().max(0.001);
        Limiter {
            capacity: f64::from(capacity),
            per_second: f64::from(capacity) / secs,
            max_keys: max_keys.max(1),
            buckets: Mutex::default(),
        }
    }

    /// Takes one event for `key`: `Ok(())`, or `Err(seconds)` to wait before the next is allowed.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        self.check_at(key, Instant::now())
    }

    fn check_at(&self, key: &str, now: Instant) -> Result<(), u64> {
        if self.capacity <= 0.0 {
            return Ok(());
        }
        // A poisoned lock only means another request panicked mid-update; the map is still usable.
        let mut map = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if !map.contains_key(key) && map.len() >= self.max_keys {
            self.evict(&mut map, now);
        }
        let b = map.entry(key.to_owned()).or_insert(Bucket { tokens: self.capacity, seen: now });
        let refill = now.saturating_duration_since(b.seen).as_secs_f64() * self.per_second;
        b.tokens = (b.tokens + refill).min(self.capacity);
        b.seen = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - b.tokens) / self.per_second).ceil().max(1.0) as u64)
        }
    }

    /// Drops keys that have refilled (they would start full anyway), then, if still full, the
    /// least recently seen one.
    fn evict(&self, map: &mut HashMap<String, Bucket>, now: Instant) {
        let full = |b: &Bucket| b.tokens + now.saturating_duration_since(b.seen).as_secs_f64() * self.per_second;
        map.retain(|_, b| full(b) < self.capacity);
        if map.len() >= self.max_keys
            && let Some(oldest) = map.iter().min_by_key(|(_, b)| b.seen).map(|(k, _)| k.clone())
        {
            map.remove(&oldest);
        }
    }

    pub fn len(&self) -> usize {
        self.buckets.lock().map(|m| m.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_the_burst_then_names_the_wait() {
        let l = Limiter::new(3, Duration::from_secs(60));
        let t = Instant::now();
        for _ in 0..3 {
            assert_eq!(l.check_at("a", t), Ok(()));
        }
        assert_eq!(l.check_at("a", t), Err(20));
        // Another key has its own bucket.
        assert_eq!(l.check_at("b", t), Ok(()));
        // One event back after a third of the period.
        assert_eq!(l.check_at("a", t + Duration::from_secs(20)), Ok(()));
        assert!(l.check_at("a", t + Duration::from_secs(20)).is_err());
    }

    #[test]
    fn zero_capacity_means_no_limit() {
        let l = Limiter::new(0, Duration::from_secs(60));
        assert!((0..1000).all(|_| l.check("a").is_ok()));
        assert!(l.is_empty());
    }

    #[test]
    fn memory_is_bounded_by_evicting_old_keys() {
        let l = Limiter::with_max_keys(2, Duration::from_secs(3600), 100);
        let t = Instant::now();
        for i in 0..10_000 {
            let _ = l.check_at(&format!("addr-{i}"), t + Duration::from_millis(i));
        }
        assert!(l.len() <= 100, "{}", l.len());
        // A key that is still limited survives eviction of idle ones only while it is recent.
        let l = Limiter::with_max_keys(1, Duration::from_secs(3600), 2);
        assert!(l.check_at("hot", t).is_ok());
        assert!(l.check_at("x", t + Duration::from_secs(1)).is_ok());
        assert!(l.check_at("y", t + Duration::from_secs(2)).is_ok());
        assert!(l.len() <= 2);
    }
}
