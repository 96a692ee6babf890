//! Storage: one `Db` over SQLite (the default, a file) and PostgreSQL (production).
//!
//! Repositories write portable SQL with `$n` placeholders, which both engines
//! accept, and bind values through [`Arg`]. Rows derive `sqlx::FromRow` (PostgreSQL)
//! and `serde::Deserialize` (SQLite, by column name); [`Row`] asks for both. This module
//! is the only place that knows which engine is underneath: SQLite runs in the
//! caller's thread ([`sqlite`]), PostgreSQL through sqlx's asynchronous pool.

pub mod acceptance;
pub mod access;
pub mod assessments;
pub mod audit;
pub mod cases;
pub mod catalogue;
pub mod chains;
pub mod changes;
pub mod dashboard;
pub mod data_products;
pub mod duties;
pub mod enterprise_file;
pub mod enterprises;
pub mod equipment;
pub mod events;
pub mod imports;
pub mod instruments;
pub mod leases;
pub mod ledger;
pub mod meta;
pub mod outbound;
pub mod outcomes;
pub mod programmes;
pub mod projects;
pub mod providers;
pub mod regions;
pub mod rounds;
pub mod satisfaction;
pub mod sessions;
pub mod sqlite;
pub mod subsidies;
pub mod tokens;
pub mod totp;
pub mod users;
pub mod workbench;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{AssertSqlSafe, FromRow, Postgres, Transaction};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("record not found")]
    NotFound,
    #[error("conflict with existing data ({0})")]
    Conflict(String),
    #[error("the record was changed by someone else")]
    Stale,
    /// The database cannot be reached (stopped, restarting, network) or no connection became
    /// free in time: the request is answered 503 with Retry-After, and the pool reconnects by
    /// itself once the database is back.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Sqlx(sqlx::Error),
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
    #[error("a row does not fit its type: {0}")]
    Decode(String),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database url: {0}")]
    BadUrl(String),
}

impl From<sqlx::Error> for DbError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => DbError::NotFound,
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                DbError::Conflict(d.constraint().unwrap_or("unique").to_owned())
            }
            _ if unavailable(&e) => DbError::Unavailable(e.to_string()),
            _ => DbError::Sqlx(e),
        }
    }
}

/// Errors that say the database is out of reach rather than that the statement was wrong.
fn unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => true,
        sqlx::Error::WorkerCrashed => true,
        // PostgreSQL: connection exceptions (08…), shutting down (57P01–57P03), too many
        // connections (53300), and a write reaching a server that is read-only for now (25006:
        // an old primary restarting, or a standby not yet promoted during a failover).
        sqlx::Error::Database(d) => d.code().is_some_and(|c| {
            c.starts_with("08") || matches!(c.as_ref(), "57P01" | "57P02" | "57P03" | "53300" | "25006")
        }),
        _ => false,
    }
}

pub type DbResult<T> = Result<T, DbError>;

/// A value bound to a `$n` placeholder. Nulls carry their type because
/// PostgreSQL needs one.
#[derive(Clone, Debug)]
pub enum Arg {
    I64(i64),
    Str(String),
    Bool(bool),
    NullI64,
    NullStr,
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::I64(v)
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Str(v.to_owned())
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Str(v)
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Arg::Str(v.clone())
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Arg::Bool(v)
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Arg::NullI64, Arg::I64)
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        v.map_or(Arg::NullStr, Arg::Str)
    }
}
impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Self {
        v.map_or(Arg::NullStr, |s| Arg::Str(s.to_owned()))
    }
}

/// Builds a `Vec<Arg>` from values of mixed types.
#[macro_export]
macro_rules! args {
    () => { Vec::<$crate::Arg>::new() };
    ($($v:expr),+ $(,)?) => { vec![$($crate::Arg::from($v)),+] };
}

/// A row type that decodes on both engines.
pub trait Row: for<'r> FromRow<'r, PgRow> + serde::de::DeserializeOwned + Send + Unpin {}
impl<T> Row for T where T: for<'r> FromRow<'r, PgRow> + serde::de::DeserializeOwned + Send + Unpin {}

macro_rules! bind_args {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                Arg::I64(v) => q.bind(v),
                Arg::Str(v) => q.bind(v),
                Arg::Bool(v) => q.bind(v),
                Arg::NullI64 => q.bind(None::<i64>),
                Arg::NullStr => q.bind(None::<String>),
            };
        }
        q
    }};
}

// After `bind_args!`, which it uses.
pub mod plans;

/// The query methods, generated once for the pool and once for a transaction: SQLite runs
/// the statement here, on the connection `$lite` names; PostgreSQL awaits it on `$pe`.
macro_rules! query_methods {
    ([$($recv:tt)+] $sqlite:pat => $lite:expr, $pg:pat => $pe:expr) => {
        pub async fn fetch_all<T: Row>($($recv)+ self, sql: &str, args: Vec<Arg>) -> DbResult<Vec<T>> {
            plans::record(sql, &args);
            match self {
                $sqlite => sqlite::fetch_all(&$lite, sql, &args),
                $pg => {
                    let q = sqlx::query_as::<Postgres, T>(AssertSqlSafe(sql.to_owned()));
                    Ok(bind_args!(q, args).fetch_all($pe).await?)
                }
            }
        }

        pub async fn fetch_optional<T: Row>($($recv)+ self, sql: &str, args: Vec<Arg>) -> DbResult<Option<T>> {
            plans::record(sql, &args);
            match self {
                $sqlite => sqlite::fetch_optional(&$lite, sql, &args),
                $pg => {
                    let q = sqlx::query_as::<Postgres, T>(AssertSqlSafe(sql.to_owned()));
                    Ok(bind_args!(q, args).fetch_optional($pe).await?)
                }
            }
        }

        pub async fn fetch_one<T: Row>($($recv)+ self, sql: &str, args: Vec<Arg>) -> DbResult<T> {
            self.fetch_optional(sql, args).await?.ok_or(DbError::NotFound)
        }

        /// Runs a statement and returns the number of rows it touched.
        pub async fn execute($($recv)+ self, sql: &str, args: Vec<Arg>) -> DbResult<u64> {
            plans::record(sql, &args);
            let n = match self {
                $sqlite => sqlite::execute(&$lite, sql, &args)?,
                $pg => {
                    let q = sqlx::query::<Postgres>(AssertSqlSafe(sql.to_owned()));
                    bind_args!(q, args).execute($pe).await?.rows_affected()
                }
            };
            if access::changes_access(sql) {
                self.access_changed();
            }
            self.wrote();
            Ok(n)
        }

        /// A single `BIGINT` value (counts, ids, sums cast to BIGINT).
        pub async fn scalar($($recv)+ self, sql: &str, args: Vec<Arg>) -> DbResult<i64> {
            let (v,): (i64,) = self.fetch_one(sql, args).await?;
            Ok(v)
        }
    };
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection pool on one of the two engines.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(sqlite::Pool),
    Postgres(PgPool),
}

impl Db {
    /// Opens (creating if needed) the database named by `url`:
    /// `sqlite://path/to/file.db`, a bare file path, or `postgres://…`.
    pub async fn connect(url: &str, max_connections: u32) -> DbResult<Db> {
        Db::connect_with(url, max_connections, Duration::from_secs(10)).await
    }

    /// Like [`Db::connect`], with how long a PostgreSQL caller waits for a free connection
    /// before [`DbError::Unavailable`]. SQLite lends a connection at once (opening one when
    /// none is idle); its writers wait for their turn in order, which is load, not an outage.
    pub async fn connect_with(url: &str, max_connections: u32, acquire_timeout: Duration) -> DbResult<Db> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(max_connections)
                .acquire_timeout(acquire_timeout)
                .connect_with(opts)
                .await?;
            return Ok(Db::Postgres(pool));
        }
        let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
        if path.is_empty() || path.contains(":memory:") {
            return Err(DbError::BadUrl(url.to_owned()));
        }
        if let Some(dir) = Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| DbError::Sqlx(sqlx::Error::Io(e)))?;
        }
        Ok(Db::Sqlite(sqlite::Pool::open(Path::new(path), max_connections)?))
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(..) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    pub async fn migrate(&self) -> DbResult<()> {
        self.migrate_with(true).await
    }

    /// Applies the migrations; `lock` takes PostgreSQL's advisory lock so that two servers
    /// starting together do not both migrate. A PostgreSQL-compatible engine without advisory
    /// locks (some domestic distributions) runs them with `lock` off — then start one server
    /// first (setting `database_migration_lock`). SQLite serializes through its write lock.
    pub async fn migrate_with(&self, lock: bool) -> DbResult<()> {
        match self {
            Db::Sqlite(p) => p.migrate(&SQLITE_MIGRATIONS).await?,
            Db::Postgres(p) => {
                let mut m = sqlx::migrate!("./migrations/postgres");
                m.set_locking(lock);
                m.run(p).await?
            }
        }
        Ok(())
    }

    /// Starts a transaction. SQLite takes the write lock at once (`BEGIN
    /// IMMEDIATE`) so a reader never fails upgrading to a writer mid-way.
    pub async fn begin(&self) -> DbResult<Tx> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin().await?, false),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?, false),
        })
    }

    /// One connection for a request's reads, so a page that runs several statements takes
    /// the pool once and (SQLite) sees one snapshot under one read lock instead of a lock per
    /// statement. Reads only: a write goes through [`Db::begin`].
    pub async fn read(&self) -> DbResult<Read> {
        Ok(match self {
            Db::Sqlite(p) => Read::Sqlite(p.snapshot()?),
            Db::Postgres(p) => Read::Postgres(p.acquire().await?),
        })
    }

    /// A bigger page cache for bulk work in this process (SQLite; PostgreSQL's cache is the
    /// server's).
    pub fn set_page_cache_mib(&self, mib: i64) -> DbResult<()> {
        match self {
            Db::Sqlite(p) => p.set_page_cache_mib(mib),
            Db::Postgres(_) => Ok(()),
        }
    }

    pub async fn close(&self) {
        match self {
            // Folds the write-ahead log into the file now; the last connection to close
            // would do the same, but this also empties it when another process holds one.
            Db::Sqlite(p) => p.close(),
            Db::Postgres(p) => p.close().await,
        }
    }

    /// A statement outside a transaction is committed when it returns.
    fn access_changed(&self) {
        access::bump();
    }

    fn wrote(&self) {
        changes::bump();
    }

    query_methods!([&] Db::Sqlite(p) => *p.get()?, Db::Postgres(p) => p);
}

/// An open transaction: the same query methods, committed explicitly and
/// rolled back when dropped.
pub enum Tx {
    /// The transaction holds its turn in the write queue until it is committed or dropped.
    /// The flag notes that it changed who may do what (see [`access`]).
    Sqlite(sqlite::Tx, bool),
    Postgres(Transaction<'static, Postgres>, bool),
}

impl Tx {
    pub async fn commit(self) -> DbResult<()> {
        let changed = match self {
            Tx::Sqlite(t, changed) => {
                t.commit()?;
                changed
            }
            Tx::Postgres(t, changed) => {
                t.commit().await?;
                changed
            }
        };
        // Again after the commit: a caller read between the statement and the commit saw the
        // old state and may have remembered it under the first bump.
        if changed {
            access::bump();
        }
        changes::bump();
        Ok(())
    }

    fn access_changed(&mut self) {
        access::bump();
        match self {
            Tx::Sqlite(_, changed) | Tx::Postgres(_, changed) => *changed = true,
        }
    }

    /// What a transaction writes counts once it is committed.
    fn wrote(&mut self) {}

    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(..) => Backend::Sqlite,
            Tx::Postgres(..) => Backend::Postgres,
        }
    }

    query_methods!([&mut] Tx::Sqlite(t, _) => t.conn(), Tx::Postgres(t, _) => &mut **t);
}

/// A connection held for a request's reads (see [`Db::read`]); given back when dropped.
pub enum Read {
    Sqlite(sqlite::Snapshot),
    Postgres(PoolConnection<Postgres>),
}

impl Read {
    pub fn backend(&self) -> Backend {
        match self {
            Read::Sqlite(..) => Backend::Sqlite,
            Read::Postgres(..) => Backend::Postgres,
        }
    }

    /// Reads only by contract; a statement that changes anything still raises the epochs.
    fn access_changed(&self) {
        access::bump();
    }

    fn wrote(&self) {
        changes::bump();
    }

    query_methods!([&mut] Read::Sqlite(s) => s.conn(), Read::Postgres(c) => &mut **c);
}

/// Milliseconds since the Unix epoch: how every timestamp is stored (BIGINT on
/// both engines, so precision and ordering are identical).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or_default()
}

/// What repositories take: the pool for a single statement, or an open
/// transaction when several must land together.
pub trait Conn: Send {
    fn backend(&self) -> Backend;
    fn fetch_all<T: Row>(&mut self, sql: &str, args: Vec<Arg>) -> impl Future<Output = DbResult<Vec<T>>> + Send;
    fn fetch_optional<T: Row>(&mut self, sql: &str, args: Vec<Arg>)
    -> impl Future<Output = DbResult<Option<T>>> + Send;
    fn fetch_one<T: Row>(&mut self, sql: &str, args: Vec<Arg>) -> impl Future<Output = DbResult<T>> + Send;
    fn execute(&mut self, sql: &str, args: Vec<Arg>) -> impl Future<Output = DbResult<u64>> + Send;
    fn scalar(&mut self, sql: &str, args: Vec<Arg>) -> impl Future<Output = DbResult<i64>> + Send;
}

macro_rules! impl_conn {
    ($t:ty) => {
        impl Conn for $t {
            fn backend(&self) -> Backend {
                <$t>::backend(self)
            }
            fn fetch_all<T: Row>(
                &mut self,
                sql: &str,
                args: Vec<Arg>,
            ) -> impl Future<Output = DbResult<Vec<T>>> + Send {
                <$t>::fetch_all(self, sql, args)
            }
            fn fetch_optional<T: Row>(
                &mut self,
                sql: &str,
                args: Vec<Arg>,
            ) -> impl Future<Output = DbResult<Option<T>>> + Send {
                <$t>::fetch_optional(self, sql, args)
            }
            fn fetch_one<T: Row>(&mut self, sql: &str, args: Vec<Arg>) -> impl Future<Output = DbResult<T>> + Send {
                <$t>::fetch_one(self, sql, args)
            }
            fn execute(&mut self, sql: &str, args: Vec<Arg>) -> impl Future<Output = DbResult<u64>> + Send {
                <$t>::execute(self, sql, args)
            }
            fn scalar(&mut self, sql: &str, args: Vec<Arg>) -> impl Future<Output = DbResult<i64>> + Send {
                <$t>::scalar(self, sql, args)
            }
        }
    };
}
impl_conn!(Db);
impl_conn!(Tx);
impl_conn!(Read);
