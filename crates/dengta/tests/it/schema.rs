//! One schema on two engines: the SQLite and PostgreSQL migrations must produce the same
//! tables, the same columns (name, kind of value, nullability) and the same named indexes,
//! so that one code path really serves both stores.

use std::collections::BTreeMap;

use dengta::db::Db;

use crate::support::{Store, fresh_database};

/// Table → column → (kind, nullable).
type Columns = BTreeMap<String, BTreeMap<String, (String, bool)>>;

/// The kind of value a declared type holds, the same word on both engines.
fn kind(declared: &str) -> String {
    let t = declared.to_ascii_lowercase();
    let k = if t.contains("int") || t.contains("serial") {
        "integer"
    } else if t.contains("char") || t.contains("text") || t.contains("clob") {
        "text"
    } else if t.contains("bool") {
        "boolean"
    } else if t.contains("real") || t.contains("double") || t.contains("float") || t.contains("numeric") {
        "real"
    } else if t.contains("blob") || t.contains("bytea") {
        "bytes"
    } else {
        return t;
    };
    k.to_owned()
}

const SKIP: &[&str] = &["_sqlx_migrations"];

async fn sqlite_schema(db: &Db) -> (Columns, BTreeMap<String, String>) {
    let tables: Vec<(String,)> = db
        .fetch_all(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
            vec![],
        )
        .await
        .unwrap();
    let mut cols = Columns::new();
    for (t,) in tables.into_iter().filter(|(t,)| !SKIP.contains(&t.as_str())) {
        let rows: Vec<(String, String, bool, bool)> = db
            .fetch_all(&format!("SELECT name, type, \"notnull\" <> 0, pk <> 0 FROM pragma_table_info('{t}')"), vec![])
            .await
            .unwrap();
        let entry = cols.entry(t).or_default();
        for (name, ty, notnull, pk) in rows {
            // A primary key is never null, whether or not SQLite's declaration says so.
            entry.insert(name, (kind(&ty), !(notnull || pk)));
        }
    }
    let indexes: Vec<(String, String)> = db
        .fetch_all(
            "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name",
            vec![],
        )
        .await
        .unwrap();
    (cols, indexes.into_iter().collect())
}

async fn postgres_schema(db: &Db) -> (Columns, BTreeMap<String, String>) {
    let rows: Vec<(String, String, String, bool)> = db
        .fetch_all(
            "SELECT table_name::TEXT, column_name::TEXT, data_type::TEXT, is_nullable = 'YES' \
             FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position",
            vec![],
        )
        .await
        .unwrap();
    let mut cols = Columns::new();
    for (t, name, ty, nullable) in rows.into_iter().filter(|r| !SKIP.contains(&r.0.as_str())) {
        cols.entry(t).or_default().insert(name, (kind(&ty), nullable));
    }
    // Indexes created by name, not those behind a primary-key or unique constraint.
    let indexes: Vec<(String, String)> = db
        .fetch_all(
            "SELECT indexname::TEXT, tablename::TEXT FROM pg_indexes WHERE schemaname = 'public' \
             AND indexname NOT IN (SELECT conname FROM pg_constraint) ORDER BY indexname",
            vec![],
        )
        .await
        .unwrap();
    (cols, indexes.into_iter().filter(|(_, t)| !SKIP.contains(&t.as_str())).collect())
}

/// Differences between two column maps, one line each, for a readable failure.
fn differences(a: &Columns, b: &Columns) -> Vec<String> {
    let mut out = Vec::new();
    for (t, ca) in a {
        let Some(cb) = b.get(t) else {
            out.push(format!("table {t}: only on SQLite"));
            continue;
        };
        for (c, va) in ca {
            match cb.get(c) {
                None => out.push(format!("{t}.{c}: only on SQLite")),
                Some(vb) if vb != va => out.push(format!("{t}.{c}: SQLite {va:?}, PostgreSQL {vb:?}")),
                _ => {}
            }
        }
        for c in cb.keys().filter(|c| !ca.contains_key(*c)) {
            out.push(format!("{t}.{c}: only on PostgreSQL"));
        }
    }
    for t in b.keys().filter(|t| !a.contains_key(*t)) {
        out.push(format!("table {t}: only on PostgreSQL"));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    let dir = tempfile::tempdir().unwrap();
    let lite = Db::connect(&fresh_database(Store::Sqlite, dir.path()).await, 2).await.unwrap();
    lite.migrate().await.unwrap();
    let pg = Db::connect(&fresh_database(Store::Postgres, dir.path()).await, 2).await.unwrap();
    pg.migrate().await.unwrap();

    let (lite_cols, lite_idx) = sqlite_schema(&lite).await;
    let (pg_cols, pg_idx) = postgres_schema(&pg).await;
    assert!(lite_cols.len() > 20, "the schema was read: {} tables", lite_cols.len());
    let diff = differences(&lite_cols, &pg_cols);
    assert!(diff.is_empty(), "the two engines' schemas differ:\n{}", diff.join("\n"));
    assert_eq!(lite_idx, pg_idx, "named indexes (name → table) differ between SQLite and PostgreSQL");
}

/// A PostgreSQL-compatible engine without advisory locks: the migrations run without one, to
/// the same schema, and running them again changes nothing.
mod without_the_advisory_lock {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let dir = tempfile::tempdir().unwrap();
        let locked = Db::connect(&fresh_database(Store::Postgres, dir.path()).await, 2).await.unwrap();
        locked.migrate().await.unwrap();
        let unlocked = Db::connect(&fresh_database(Store::Postgres, dir.path()).await, 2).await.unwrap();
        unlocked.migrate_with(false).await.unwrap();
        unlocked.migrate_with(false).await.unwrap();
        assert_eq!(postgres_schema(&locked).await, postgres_schema(&unlocked).await);
    }
}
