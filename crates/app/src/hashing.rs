//! Password hashing with a bound: argon2id needs ~19 MiB per hash, so at most
//! `security.max_concurrent_hashes` run at once, on as many dedicated threads (their
//! allocator arenas are reused, so the memory stays flat however many requests arrive).
//! A caller waits for a slot up to `security.hash_wait_ms`, then is told to come back later.

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use tokio::sync::{Semaphore, oneshot};

use super::{AppError, AppResult};

type Job = Box<dyn FnOnce() + Send>;

/// Seconds a client is asked to wait (Retry-After) when every slot stayed busy.
pub const BUSY_RETRY_SECS: u64 = 2;

pub struct Hasher {
    permits: Arc<Semaphore>,
    wait: Duration,
    threads: usize,
    /// Started on first use, so an `App` that never hashes starts no thread.
    jobs: Mutex<Option<Sender<Job>>>,
}

/// glibc raises its mmap threshold after the first large block is freed, and from then on
/// keeps argon2's 19 MiB blocks in its heaps: measured, five logins left the server at 143 MB.
/// A fixed threshold (which turns the dynamic one off) makes every such block an mmap that is
/// returned on free, so the peak is the hashes in flight and no more.
fn return_large_blocks_to_the_os() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        // SAFETY: mallopt only changes an allocator setting; it is called once, before the
        // hashing threads exist, and takes plain integers.
        ONCE.call_once(|| unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        });
    }
}

impl Hasher {
    pub fn new(max_concurrent: usize, wait: Duration) -> Hasher {
        return_large_blocks_to_the_os();
        let n = max_concurrent.max(1);
        Hasher { permits: Arc::new(Semaphore::new(n)), wait, threads: n, jobs: Mutex::new(None) }
    }

    fn sender(&self) -> AppResult<Sender<Job>> {
        let mut slot = self.jobs.lock().map_err(|_| AppError::Internal("hasher lock poisoned".into()))?;
        if let Some(s) = slot.as_ref() {
            return Ok(s.clone());
        }
        let (tx, rx) = channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..self.threads {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("dengta-hash-{i}"))
                .spawn(move || worker(&rx))
                .map_err(|e| AppError::Internal(format!("hash thread: {e}")))?;
        }
        *slot = Some(tx.clone());
        Ok(tx)
    }

    /// Runs `f` on a hashing thread once a slot is free, or answers `Busy`.
    async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
        let permit = match tokio::time::timeout(self.wait, self.permits.clone().acquire_owned()).await {
            Ok(Ok(p)) => p,
            Ok(Err(_)) => return Err(AppError::Internal("hasher closed".into())),
            Err(_) => return Err(AppError::Busy { retry_after: BUSY_RETRY_SECS }),
        };
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(f());
        });
        self.sender()?.send(job).map_err(|_| AppError::Internal("hash thread gone".into()))?;
        let out = result.await.map_err(|_| AppError::Internal("hash job dropped".into()));
        drop(permit);
        out
    }

    /// A PHC string for `password` (argon2id, the crate's recommended parameters).
    pub async fn hash(&self, password: &str) -> AppResult<String> {
        let pw = password.to_owned();
        self.run(move || {
            Argon2::default()
                .hash_password(pw.as_bytes())
                .map(|h| h.to_string())
                .map_err(|e| AppError::Internal(format!("hash: {e}")))
        })
        .await?
    }

    /// Whether `password` matches `hash`. The parameters come from the stored string, so
    /// hashes made with other parameters stay verifiable.
    pub async fn verify(&self, password: &str, hash: &str) -> AppResult<bool> {
        let (pw, h) = (password.to_owned(), hash.to_owned());
        self.run(move || Argon2::default().verify_password(pw.as_bytes(), h.as_str()).is_ok()).await
    }
}

fn worker(rx: &Mutex<Receiver<Job>>) {
    loop {
        let job = match rx.lock() {
            Ok(r) => r.recv(),
            Err(_) => return,
        };
        match job {
            Ok(job) => job(),
            // Every sender dropped: the App is gone.
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_busy_slots_answer_busy() {
        let h = Hasher::new(1, Duration::from_millis(0));
        let hash = h.hash("Secret#2026").await.unwrap();
        assert!(h.verify("Secret#2026", &hash).await.unwrap());
        assert!(!h.verify("secret#2026", &hash).await.unwrap());
        // Hold the only slot: the next caller is told to come back.
        let held = h.permits.clone().acquire_owned().await.unwrap();
        assert!(matches!(h.hash("x").await, Err(AppError::Busy { retry_after: BUSY_RETRY_SECS })));
        drop(held);
        assert!(h.hash("Secret#2026").await.is_ok());
    }
}
