//! SQLite, embedded: statements run on the caller's own thread.
//!
//! SQLite is a library, not a server: a statement on a warm page cache takes microseconds, so
//! handing each one to a worker thread and waiting for its answer (what an async driver does)
//! cost more than the statement itself: a write of twenty statements paid forty thread hops.
//! Here a connection is taken from a small pool, the statement is prepared once per connection
//! (cached) and runs where the caller is, and a transaction keeps one connection from `BEGIN`
//! to `COMMIT`, so a whole transaction is one unit on one connection with no hop at all.
//!
//! Writers take turns in an async queue before `BEGIN IMMEDIATE` (in order, without polling
//! SQLite's busy handler); readers never wait, as write-ahead logging lets them read the last
//! committed state beside the writer.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags, Statement};
use serde::de::DeserializeOwned;
use sqlx::migrate::{MigrateError, Migrator};

use super::{Arg, DbError, DbResult};

/// How often the background checkpointer folds the write-ahead log into the file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

/// Pages of write-ahead log after which a committing writer checkpoints by itself: a backstop
/// for when the background checkpointer cannot keep up (SQLite's default is 1000).
const WRITER_CHECKPOINT_PAGES: i64 = 20_000;

/// Prepared statements kept per connection: more than the application's distinct statements
/// on any one path, so a warm connection prepares nothing.
const STATEMENT_CACHE: usize = 512;

/// A pool of connections to one database file.
#[derive(Clone)]
pub struct Pool {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    max_idle: usize,
    /// Writers queue here for their turn; see the module comment.
    writers: Arc<tokio::sync::Mutex<()>>,
    closed: std::sync::atomic::AtomicBool,
    /// Page cache per connection, in KiB.
    cache_kib: std::sync::atomic::AtomicI64,
}

/// The page cache of each connection unless raised for bulk work: 8 MiB (SQLite's default is
/// 2 MB) keeps the upper levels of big indexes in memory and bounds the server's memory (a
/// few connections); the OS page cache holds the rest of the file.
const CACHE_KIB: i64 = 8 * 1024;

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("sqlite::Pool").field("path", &self.inner.path).finish()
    }
}

impl Pool {
    /// Opens the file (creating it if needed) and checks that it can be written.
    pub fn open(path: &Path, max_connections: u32) -> DbResult<Pool> {
        let first = open_connection(path, CACHE_KIB)?;
        let pool = Pool {
            inner: Arc::new(Inner {
                path: path.to_owned(),
                idle: Mutex::new(vec![first]),
                max_idle: max_connections.max(1) as usize,
                writers: Arc::default(),
                closed: Default::default(),
                cache_kib: std::sync::atomic::AtomicI64::new(CACHE_KIB),
            }),
        };
        pool.start_checkpointer()?;
        Ok(pool)
    }

    /// Checkpoints in a thread of its own, so that a committing request does not copy the log
    /// into the file and wait for its fsync (SQLite's automatic checkpoint runs inside the
    /// `COMMIT` that crosses the threshold). A passive checkpoint never blocks readers or the
    /// writer; the thread ends when the pool is closed or dropped.
    fn start_checkpointer(&self) -> DbResult<()> {
        let conn = open_connection(&self.inner.path, CACHE_KIB)?;
        let pool = Arc::downgrade(&self.inner);
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(CHECKPOINT_EVERY);
                    match pool.upgrade() {
                        Some(p) if !p.closed.load(std::sync::atomic::Ordering::SeqCst) => {}
                        _ => return,
                    }
                    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                }
            })
            .map_err(|e| DbError::Unavailable(format!("cannot start the checkpointer: {e}")))?;
        Ok(())
    }

    /// A connection for reads outside a transaction: an idle one, or a new one.
    pub fn get(&self) -> DbResult<Pooled> {
        let idle = self.inner.idle.lock().unwrap_or_else(PoisonError::into_inner).pop();
        let conn = match idle {
            Some(c) => c,
            None => open_connection(&self.inner.path, self.cache_kib())?,
        };
        Ok(Pooled { conn: Some(conn), pool: self.inner.clone() })
    }

    fn cache_kib(&self) -> i64 {
        self.inner.cache_kib.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Gives every connection a page cache of `mib` MiB (a bulk import into a big file: its
    /// random index inserts otherwise read and rewrite the same pages over and over).
    pub fn set_page_cache_mib(&self, mib: i64) -> DbResult<()> {
        self.inner.cache_kib.store(mib * 1024, std::sync::atomic::Ordering::Relaxed);
        for c in self.inner.idle.lock().unwrap_or_else(PoisonError::into_inner).iter() {
            c.execute_batch(&format!("PRAGMA cache_size = -{}", mib * 1024))?;
        }
        Ok(())
    }

    /// Waits for the writers' turn, then starts a write transaction on a connection of its own.
    pub async fn begin(&self) -> DbResult<Tx> {
        let turn = self.inner.writers.clone().lock_owned().await;
        let conn = self.get()?;
        conn.execute_batch("BEGIN IMMEDIATE")?;
        Ok(Tx { conn, open: true, _turn: turn })
    }

    /// A connection inside a deferred read transaction: every statement on it sees the
    /// same snapshot, and the WAL read lock is taken once, at the first read.
    pub fn snapshot(&self) -> DbResult<Snapshot> {
        let conn = self.get()?;
        conn.execute_batch("BEGIN DEFERRED")?;
        Ok(Snapshot { conn })
    }

    /// Folds the write-ahead log into the file and closes every idle connection.
    pub fn close(&self) {
        self.inner.closed.store(true, std::sync::atomic::Ordering::SeqCst);
        let idle = std::mem::take(&mut *self.inner.idle.lock().unwrap_or_else(PoisonError::into_inner));
        if let Some(c) = idle.first() {
            let _ = c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        }
        drop(idle);
    }

    /// Applies the migrations not yet applied, each in a transaction of its own, recorded in
    /// the same table and form as before (`_sqlx_migrations`), so existing files carry on.
    pub async fn migrate(&self, migrator: &Migrator) -> DbResult<()> {
        let _turn = self.inner.writers.clone().lock_owned().await;
        let conn = self.get()?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS _sqlx_migrations (
                version BIGINT PRIMARY KEY,
                description TEXT NOT NULL,
                installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
                success BOOLEAN NOT NULL,
                checksum BLOB NOT NULL,
                execution_time BIGINT NOT NULL
            )",
        )?;
        for m in migrator.iter().filter(|m| !m.migration_type.is_down_migration()) {
            conn.execute_batch("BEGIN IMMEDIATE")?;
            let applied = (|| -> DbResult<()> {
                let done: Option<(Vec<u8>, bool)> = conn
                    .prepare("SELECT checksum, success FROM _sqlx_migrations WHERE version = ?1")?
                    .query_row([m.version], |r| Ok((r.get(0)?, r.get(1)?)))
                    .map(Some)
                    .or_else(|e| if e == rusqlite::Error::QueryReturnedNoRows { Ok(None) } else { Err(e) })?;
                match done {
                    Some((_, false)) => Err(MigrateError::Dirty(m.version).into()),
                    Some((sum, true)) if sum != *m.checksum => Err(MigrateError::VersionMismatch(m.version).into()),
                    Some(_) => Ok(()),
                    None => {
                        let start = Instant::now();
                        conn.execute_batch(m.sql.as_str())?;
                        conn.execute(
                            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
                             VALUES (?1, ?2, TRUE, ?3, ?4)",
                            rusqlite::params![
                                m.version,
                                m.description.as_ref(),
                                m.checksum.as_ref(),
                                start.elapsed().as_nanos() as i64
                            ],
                        )?;
                        Ok(())
                    }
                }
            })();
            match applied {
                Ok(()) => conn.execute_batch("COMMIT")?,
                Err(e) => {
                    let _ = conn.execute_batch("ROLLBACK");
                    return Err(e);
                }
            }
        }
        Ok(())
    }
}

/// A connection borrowed from the pool; it goes back when dropped.
pub struct Pooled {
    conn: Option<Connection>,
    pool: Arc<Inner>,
}

impl std::ops::Deref for Pooled {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        // Only `drop` takes the connection out.
        self.conn.as_ref().expect("a pooled connection is present until dropped")
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        if !conn.is_autocommit() || self.pool.closed.load(std::sync::atomic::Ordering::SeqCst) {
            return; // closed, or left inside a transaction: not fit to lend again
        }
        let mut idle = self.pool.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < self.pool.max_idle {
            idle.push(conn);
        }
    }
}

/// A write transaction: one connection and the writers' turn, from `BEGIN IMMEDIATE` until
/// [`Tx::commit`]; dropped without a commit, it rolls back.
pub struct Tx {
    conn: Pooled,
    open: bool,
    _turn: tokio::sync::OwnedMutexGuard<()>,
}

impl Tx {
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    pub fn commit(mut self) -> DbResult<()> {
        self.conn.execute_batch("COMMIT")?;
        self.open = false;
        Ok(())
    }
}

/// See [`Pool::snapshot`]; ends its read transaction when dropped.
pub struct Snapshot {
    conn: Pooled,
}

impl Snapshot {
    pub fn conn(&self) -> &Connection {
        &self.conn
    }
}

impl Drop for Snapshot {
    fn drop(&mut self) {
        // A failed end leaves the connection inside a transaction, and `Pooled` then does not
        // lend it again.
        let _ = self.conn.execute_batch("COMMIT");
    }
}

impl Drop for Tx {
    fn drop(&mut self) {
        if self.open {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

fn open_connection(path: &Path, cache_kib: i64) -> DbResult<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let c = Connection::open_with_flags(path, flags)?;
    // A writer from another process (a CLI command beside the server) is waited for.
    c.busy_timeout(Duration::from_secs(10))?;
    c.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
    c.execute_batch(&format!(
        "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -{cache_kib}; \
         PRAGMA temp_store = MEMORY;"
    ))?;
    c.query_row(&format!("PRAGMA wal_autocheckpoint = {WRITER_CHECKPOINT_PAGES}"), [], |_| Ok(()))?;
    c.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(c)
}

/// The statement with its `$n` placeholders written `?n`, which SQLite numbers exactly n (it
/// numbers `$n` in order of first appearance, and finding a `$n` parameter's number by name is a
/// linear search: binding a 10,000-parameter multi-row insert that way took longer than running
/// it). Text inside quotes is left alone.
fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quote: Option<char> = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) => {
                out.push('?');
                continue;
            }
            None => {}
        }
        out.push(c);
    }
    out
}

/// Binds `args` in order: parameter `?n` is `args[n - 1]`.
fn bind(stmt: &mut Statement<'_>, args: &[Arg]) -> DbResult<()> {
    let wanted = stmt.parameter_count();
    if args.len() != wanted {
        return Err(DbError::Decode(format!("statement wants {wanted} arguments, {} given", args.len())));
    }
    for (i, arg) in args.iter().enumerate() {
        let i = i + 1;
        match arg {
            Arg::I64(v) => stmt.raw_bind_parameter(i, v)?,
            Arg::Str(v) => stmt.raw_bind_parameter(i, v.as_str())?,
            Arg::Bool(v) => stmt.raw_bind_parameter(i, v)?,
            Arg::NullI64 | Arg::NullStr => stmt.raw_bind_parameter(i, rusqlite::types::Null)?,
        }
    }
    Ok(())
}

fn decode<T: DeserializeOwned>(row: &rusqlite::Row<'_>, columns: &[String]) -> DbResult<T> {
    serde_rusqlite::from_row_with_columns(row, columns).map_err(|e| DbError::Decode(e.to_string()))
}

pub fn fetch_all<T: DeserializeOwned>(conn: &Connection, sql: &str, args: &[Arg]) -> DbResult<Vec<T>> {
    let mut stmt = conn.prepare_cached(&numbered(sql))?;
    bind(&mut stmt, args)?;
    let columns = serde_rusqlite::columns_from_statement(&stmt);
    let mut rows = stmt.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(decode(row, &columns)?);
    }
    Ok(out)
}

pub fn fetch_optional<T: DeserializeOwned>(conn: &Connection, sql: &str, args: &[Arg]) -> DbResult<Option<T>> {
    let mut stmt = conn.prepare_cached(&numbered(sql))?;
    bind(&mut stmt, args)?;
    let columns = serde_rusqlite::columns_from_statement(&stmt);
    let mut rows = stmt.raw_query();
    // A data change with RETURNING makes all its changes at the first step.
    match rows.next()? {
        Some(row) => Ok(Some(decode(row, &columns)?)),
        None => Ok(None),
    }
}

/// Runs a statement to its end and returns the number of rows it changed.
pub fn execute(conn: &Connection, sql: &str, args: &[Arg]) -> DbResult<u64> {
    let mut stmt = conn.prepare_cached(&numbered(sql))?;
    bind(&mut stmt, args)?;
    let mut rows = stmt.raw_query();
    while rows.next()?.is_some() {}
    drop(rows);
    Ok(if stmt.readonly() { 0 } else { conn.changes() })
}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match &e {
            rusqlite::Error::QueryReturnedNoRows => DbError::NotFound,
            rusqlite::Error::SqliteFailure(f, msg)
                if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
            {
                DbError::Conflict(msg.clone().unwrap_or_else(|| "unique".to_owned()))
            }
            rusqlite::Error::SqliteFailure(f, _)
                if matches!(
                    f.code,
                    ErrorCode::DatabaseBusy
                        | ErrorCode::DatabaseLocked
                        | ErrorCode::CannotOpen
                        | ErrorCode::SystemIoFailure
                ) =>
            {
                DbError::Unavailable(e.to_string())
            }
            _ => DbError::Sqlite(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::numbered;

    #[test]
    fn placeholders_are_numbered_outside_quotes() {
        assert_eq!(numbered("SELECT a FROM t WHERE b = $2 AND c = $1"), "SELECT a FROM t WHERE b = ?2 AND c = ?1");
        assert_eq!(numbered("VALUES ($10, $11)"), "VALUES (?10, ?11)");
        assert_eq!(numbered("SELECT '$1', \"$2\", $3, '$.x' || $4"), "SELECT '$1', \"$2\", ?3, '$.x' || ?4");
        assert_eq!(numbered("SELECT 'it''s $1' || $1"), "SELECT 'it''s $1' || ?1");
        assert_eq!(numbered("SELECT $a"), "SELECT $a");
    }
}
