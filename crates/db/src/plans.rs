//! Query plans: a recorder of the statements the application runs and a checker of their plans.
//!
//! Every query method calls [`record`] before it runs a statement. While a capture is on
//! ([`start_capture`], used by tests) it keeps each distinct SQL text with the arguments of its
//! first run; when it is off, as it always is in production, it costs one relaxed atomic load.
//! [`explain`] asks the engine for a statement's plan with the same arguments, and
//! [`full_scans`] picks out the plan steps that read a whole large table.
//!
//! The capture is process-wide: it sees every statement run in the process while it is on (the
//! test runner, nextest, runs each test in a process of its own).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use sqlx::{AssertSqlSafe, Postgres, Row as _};

use super::{Arg, Db, DbError, DbResult};

static CAPTURE: AtomicBool = AtomicBool::new(false);
static STATEMENTS: AtomicU64 = AtomicU64::new(0);
static CAPTURED: Mutex<Vec<Captured>> = Mutex::new(Vec::new());

/// A distinct statement seen during a capture.
#[derive(Clone, Debug)]
pub struct Captured {
    pub sql: String,
    /// The arguments of its first run.
    pub args: Vec<Arg>,
    /// How many times it ran during the capture.
    pub runs: u64,
}

/// Notes a statement about to run: counted always (one relaxed add), kept only while a
/// capture is on.
#[inline]
pub fn record(sql: &str, args: &[Arg]) {
    STATEMENTS.fetch_add(1, Ordering::Relaxed);
    if CAPTURE.load(Ordering::Relaxed) {
        keep(sql, args);
    }
}

#[cold]
fn keep(sql: &str, args: &[Arg]) {
    let mut all = CAPTURED.lock().unwrap_or_else(PoisonError::into_inner);
    match all.iter_mut().find(|c| c.sql == sql) {
        Some(c) => c.runs += 1,
        None => all.push(Captured { sql: sql.to_owned(), args: args.to_vec(), runs: 1 }),
    }
}

/// Statements this process has run since it started: the benchmark divides its difference
/// by the requests served to know how many statements a request costs.
pub fn statements_run() -> u64 {
    STATEMENTS.load(Ordering::Relaxed)
}

/// Starts recording statements, forgetting any recorded before.
pub fn start_capture() {
    CAPTURED.lock().unwrap_or_else(PoisonError::into_inner).clear();
    CAPTURE.store(true, Ordering::SeqCst);
}

/// Stops recording and returns the distinct statements seen, in the order first seen.
pub fn take_captured() -> Vec<Captured> {
    CAPTURE.store(false, Ordering::SeqCst);
    std::mem::take(&mut *CAPTURED.lock().unwrap_or_else(PoisonError::into_inner))
}

/// Whether a statement has a plan worth checking: queries and data changes, not transaction
/// control, settings or DDL.
pub fn explainable(sql: &str) -> bool {
    let first = sql.trim_start().split(|c: char| !c.is_ascii_alphabetic()).next().unwrap_or("");
    ["SELECT", "INSERT", "UPDATE", "DELETE", "WITH"].iter().any(|k| first.eq_ignore_ascii_case(k))
}

/// The plan of a statement run with `args`, one line per step, children indented under their
/// parent. Nothing is executed; statements that are not [`explainable`] give no lines.
///
/// SQLite: the `detail` of `EXPLAIN QUERY PLAN`, with a table's name put before its alias
/// ("SCAN enterprises AS e"). An `INSERT … VALUES … RETURNING` into a parent table lists a scan
/// of every child table whose foreign key is not indexed: the check of the new row against
/// pending violations, which SQLite jumps over (`FkIfZero`) unless the statement has already
/// counted one; such lines end in [`FK_CHECK`].
///
/// PostgreSQL: `EXPLAIN (FORMAT JSON)` with sequential scans disabled, so that a table that is
/// small in a test does not make the planner prefer one where an index serves; each node as
/// "Seq Scan on t", "Index Scan using i on t [Index Cond: …]", "Insert on t", ….
pub async fn explain(db: &Db, sql: &str, args: Vec<Arg>) -> DbResult<Vec<String>> {
    if !explainable(sql) {
        return Ok(Vec::new());
    }
    match db {
        Db::Sqlite(_) => {
            let rows: Vec<(i64, i64, i64, String)> = db.fetch_all(&format!("EXPLAIN QUERY PLAN {sql}"), args).await?;
            let children = match inserted_table(sql) {
                Some(t) => {
                    let names: Vec<(String,)> = db
                        .fetch_all(
                            "SELECT DISTINCT m.name FROM sqlite_master m, pragma_foreign_key_list(m.name) f \
                             WHERE m.type = 'table' AND f.\"table\" = $1",
                            vec![Arg::from(t)],
                        )
                        .await?;
                    names.into_iter().map(|(n,)| n).collect()
                }
                None => Vec::new(),
            };
            Ok(sqlite_lines(&rows, &aliases(sql), &children))
        }
        Db::Postgres(pool) => {
            let mut tx = pool.begin().await?;
            sqlx::query("SET LOCAL enable_seqscan = off").execute(&mut *tx).await?;
            let q = sqlx::query::<Postgres>(AssertSqlSafe(format!("EXPLAIN (FORMAT JSON) {sql}")));
            let row = bind_args!(q, args).fetch_one(&mut *tx).await?;
            // The column is of type `json`, whose wire form is its text.
            let text: String = row.try_get_unchecked(0)?;
            tx.rollback().await?;
            pg_lines(&text)
        }
    }
}

/// The steps of a plan (lines from [`explain`]) that read the whole of one of `large_tables`:
/// SQLite `SCAN t` (also `USING INDEX` / `USING COVERING INDEX`, which visit every row too) and
/// an automatic index or Bloom filter built by reading t; PostgreSQL `Seq Scan on t`. Searches
/// by index, index and bitmap scans are fine, and so is SQLite's foreign-key check of a new
/// parent row (see [`explain`]).
pub fn full_scans(lines: &[String], large_tables: &[&str]) -> Vec<String> {
    lines.iter().filter(|l| scanned_table(l).is_some_and(|t| large_tables.contains(&t))).cloned().collect()
}

/// The table a plan step reads in full, if it does.
fn scanned_table(line: &str) -> Option<&str> {
    fn first_word(s: &str) -> Option<&str> {
        s.split_whitespace().next()
    }
    let l = line.trim_start();
    if l.ends_with(FK_CHECK) {
        return None;
    }
    if let Some(rest) = l.strip_prefix("SCAN ") {
        return first_word(rest);
    }
    if let Some(rest) = l.strip_prefix("SEARCH ")
        && rest.contains(" AUTOMATIC ")
    {
        return first_word(rest);
    }
    if let Some(rest) = l.strip_prefix("BLOOM FILTER ON ") {
        return first_word(rest);
    }
    if let Some(rest) = l.strip_prefix("Seq Scan on ") {
        return first_word(rest);
    }
    None
}

/// Marks SQLite's foreign-key check of a new parent row in a plan line.
pub const FK_CHECK: &str = " [foreign-key check of the new row: runs only after a violation]";

/// The table of an `INSERT … VALUES` (not `INSERT … SELECT`).
fn inserted_table(sql: &str) -> Option<String> {
    let t = tokens(sql);
    let is = |i: usize, w: &str| t.get(i).is_some_and(|x| x.eq_ignore_ascii_case(w));
    (is(0, "INSERT") && is(1, "INTO") && !t.iter().any(|x| x.eq_ignore_ascii_case("SELECT")))
        .then(|| t.get(2).cloned())
        .flatten()
}

/// SQLite's plan rows (id, parent, notused, detail) as indented lines, aliases resolved, the
/// top-level scans of `fk_children` (tables referring to the table inserted into) marked.
fn sqlite_lines(
    rows: &[(i64, i64, i64, String)],
    aliases: &HashMap<String, String>,
    fk_children: &[String],
) -> Vec<String> {
    let mut depth: HashMap<i64, usize> = HashMap::new();
    rows.iter()
        .map(|(id, parent, _, detail)| {
            let d = depth.get(parent).map_or(0, |p| p + 1);
            depth.insert(*id, d);
            let mut line = format!("{}{}", "  ".repeat(d), resolve_alias(detail, aliases));
            let scanned = detail.strip_prefix("SCAN ").and_then(|r| r.split_whitespace().next());
            if d == 0 && scanned.is_some_and(|t| fk_children.iter().any(|c| c == t)) {
                line.push_str(FK_CHECK);
            }
            line
        })
        .collect()
}

/// "SCAN e USING INDEX i" → "SCAN enterprises AS e USING INDEX i" when `e` aliases enterprises.
fn resolve_alias(detail: &str, aliases: &HashMap<String, String>) -> String {
    for prefix in ["SCAN ", "SEARCH ", "BLOOM FILTER ON "] {
        if let Some(rest) = detail.strip_prefix(prefix) {
            let (name, tail) = rest.split_once(' ').map_or((rest, ""), |(n, t)| (n, t));
            if let Some(table) = aliases.get(name) {
                let sep = if tail.is_empty() { "" } else { " " };
                return format!("{prefix}{table} AS {name}{sep}{tail}");
            }
        }
    }
    detail.to_owned()
}

/// Table aliases of a statement (`FROM enterprises e`, `JOIN users AS u`): alias → table.
fn aliases(sql: &str) -> HashMap<String, String> {
    const NOT_ALIAS: &[&str] = &[
        "WHERE",
        "ON",
        "JOIN",
        "LEFT",
        "RIGHT",
        "INNER",
        "OUTER",
        "CROSS",
        "FULL",
        "NATURAL",
        "GROUP",
        "ORDER",
        "LIMIT",
        "OFFSET",
        "USING",
        "SET",
        "UNION",
        "EXCEPT",
        "INTERSECT",
        "RETURNING",
        "HAVING",
        "WINDOW",
        "VALUES",
        "SELECT",
        "FOR",
        "INDEXED",
        "NOT",
        "AND",
        "OR",
    ];
    let tokens = tokens(sql);
    let is_name = |t: &str| t.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
    let mut out = HashMap::new();
    let mut i = 0;
    while i < tokens.len() {
        let kw = tokens[i].to_ascii_uppercase();
        i += 1;
        if kw != "FROM" && kw != "JOIN" {
            continue;
        }
        // A list of `table [AS] alias` items separated by commas.
        while let Some(table) = tokens.get(i).filter(|t| is_name(t)) {
            i += 1;
            let mut alias = None;
            if tokens.get(i).is_some_and(|t| t.eq_ignore_ascii_case("AS")) {
                alias = tokens.get(i + 1);
                i += 2;
            } else if let Some(t) =
                tokens.get(i).filter(|t| is_name(t) && !NOT_ALIAS.contains(&&*t.to_ascii_uppercase()))
            {
                alias = Some(t);
                i += 1;
            }
            if let Some(a) = alias {
                out.insert(a.clone(), table.clone());
            }
            if tokens.get(i).is_some_and(|t| t == ",") {
                i += 1;
            } else {
                break;
            }
        }
    }
    out
}

/// Words, numbers, parameters and single punctuation characters of a statement; string
/// literals are skipped.
fn tokens(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            // A literal ends at a quote not followed by another ('' is an escaped quote).
            while let Some(d) = chars.next() {
                if d == '\'' {
                    if chars.peek() == Some(&'\'') {
                        chars.next();
                    } else {
                        break;
                    }
                }
            }
        } else if c.is_alphanumeric() || c == '_' || c == '$' {
            let mut w = String::from(c);
            while let Some(&d) = chars.peek().filter(|d| d.is_alphanumeric() || **d == '_' || **d == '$') {
                w.push(d);
                chars.next();
            }
            out.push(w);
        } else if !c.is_whitespace() {
            out.push(c.to_string());
        }
    }
    out
}

/// PostgreSQL's JSON plan as indented lines.
fn pg_lines(text: &str) -> DbResult<Vec<String>> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| DbError::Decode(e.to_string()))?;
    let mut out = Vec::new();
    if let Some(plan) = v.get(0).and_then(|x| x.get("Plan")) {
        flatten(plan, 0, &mut out);
    }
    Ok(out)
}

fn flatten(node: &serde_json::Value, depth: usize, out: &mut Vec<String>) {
    let s = |k: &str| node.get(k).and_then(serde_json::Value::as_str);
    let mut line = "  ".repeat(depth);
    match (s("Node Type"), s("Operation")) {
        (Some("ModifyTable"), Some(op)) => line.push_str(op),
        (Some(t), _) => line.push_str(t),
        (None, _) => line.push('?'),
    }
    if let Some(i) = s("Index Name") {
        line.push_str(&format!(" using {i}"));
    }
    if let Some(r) = s("Relation Name") {
        line.push_str(&format!(" on {r}"));
        if let Some(a) = s("Alias").filter(|a| *a != r) {
            line.push_str(&format!(" {a}"));
        }
    }
    for key in ["Index Cond", "Recheck Cond", "Filter"] {
        if let Some(c) = s(key) {
            line.push_str(&format!(" [{key}: {c}]"));
        }
    }
    out.push(line);
    for child in node.get("Plans").and_then(serde_json::Value::as_array).into_iter().flatten() {
        flatten(child, depth + 1, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LARGE: &[&str] = &["enterprises", "assessments", "users"];

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_owned).collect()
    }

    #[test]
    fn sqlite_scans_are_caught_and_searches_are_not() {
        let plan = lines(
            "SEARCH enterprises USING INDEX enterprises_region (region_code>? AND region_code<?)
SEARCH enterprises USING INTEGER PRIMARY KEY (rowid=?)
SCAN regions
SCAN assessments
SCAN enterprises USING COVERING INDEX enterprises_industry
  SCAN users USING INDEX users_region
SEARCH assessments USING AUTOMATIC COVERING INDEX (enterprise_id=?)
USE TEMP B-TREE FOR ORDER BY
SCAN CONSTANT ROW",
        );
        assert_eq!(
            full_scans(&plan, LARGE),
            vec![
                "SCAN assessments",
                "SCAN enterprises USING COVERING INDEX enterprises_industry",
                "  SCAN users USING INDEX users_region",
                "SEARCH assessments USING AUTOMATIC COVERING INDEX (enterprise_id=?)",
            ]
        );
    }

    #[test]
    fn sqlite_aliases_resolve_to_their_tables() {
        let sql = "SELECT e.id FROM enterprises e, regions r JOIN assessments AS a ON a.enterprise_id = e.id \
                   LEFT JOIN users u ON u.enterprise_id = e.id WHERE e.name = 'FROM x y' AND e.id > $1";
        let a = aliases(sql);
        assert_eq!(a.get("e").map(String::as_str), Some("enterprises"));
        assert_eq!(a.get("a").map(String::as_str), Some("assessments"));
        assert_eq!(a.get("u").map(String::as_str), Some("users"));
        assert_eq!(a.get("r").map(String::as_str), Some("regions"));
        assert!(!a.contains_key("y"), "inside a literal: {a:?}");
        assert!(aliases("SELECT id FROM enterprises WHERE id = $1").is_empty());
        let rows = vec![
            (2, 0, 0, "SCAN e".to_owned()),
            (5, 2, 0, "SEARCH a USING INDEX assessments_enterprise (enterprise_id=?)".to_owned()),
            (9, 0, 0, "SCAN u USING INDEX users_region".to_owned()),
        ];
        let plan = sqlite_lines(&rows, &a, &[]);
        assert_eq!(
            plan,
            vec![
                "SCAN enterprises AS e",
                "  SEARCH assessments AS a USING INDEX assessments_enterprise (enterprise_id=?)",
                "SCAN users AS u USING INDEX users_region",
            ]
        );
        assert_eq!(full_scans(&plan, LARGE), vec!["SCAN enterprises AS e", "SCAN users AS u USING INDEX users_region"]);
    }

    #[test]
    fn postgres_json_plans_flatten_and_seq_scans_are_caught() {
        let json = r#"[{"Plan": {"Node Type": "Limit", "Plans": [
            {"Node Type": "Nested Loop", "Join Type": "Inner", "Plans": [
                {"Node Type": "Index Scan", "Relation Name": "enterprises", "Alias": "e",
                 "Index Name": "enterprises_pkey", "Index Cond": "(id > $3)"},
                {"Node Type": "Seq Scan", "Relation Name": "assessments", "Alias": "assessments",
                 "Filter": "(kind = 'self'::text)"},
                {"Node Type": "Bitmap Heap Scan", "Relation Name": "users", "Alias": "u",
                 "Recheck Cond": "(region_code = $1)", "Plans": [
                    {"Node Type": "Bitmap Index Scan", "Index Name": "users_region", "Index Cond": "(region_code = $1)"}
                ]},
                {"Node Type": "Index Only Scan", "Relation Name": "enterprises", "Alias": "x",
                 "Index Name": "enterprises_region", "Filter": "(id > 0)"},
                {"Node Type": "Seq Scan", "Relation Name": "regions", "Alias": "regions"}
            ]}
        ]}}]"#;
        let plan = pg_lines(json).unwrap();
        assert_eq!(
            plan,
            vec![
                "Limit",
                "  Nested Loop",
                "    Index Scan using enterprises_pkey on enterprises e [Index Cond: (id > $3)]",
                "    Seq Scan on assessments [Filter: (kind = 'self'::text)]",
                "    Bitmap Heap Scan on users u [Recheck Cond: (region_code = $1)]",
                "      Bitmap Index Scan using users_region [Index Cond: (region_code = $1)]",
                "    Index Only Scan using enterprises_region on enterprises x [Filter: (id > 0)]",
                "    Seq Scan on regions",
            ]
        );
        assert_eq!(full_scans(&plan, LARGE), vec!["    Seq Scan on assessments [Filter: (kind = 'self'::text)]"]);
        let insert = r#"[{"Plan": {"Node Type": "ModifyTable", "Operation": "Insert", "Relation Name": "users",
            "Alias": "users", "Plans": [{"Node Type": "Result"}]}}]"#;
        assert_eq!(pg_lines(insert).unwrap(), vec!["Insert on users", "  Result"]);
    }

    #[test]
    fn sqlite_foreign_key_checks_of_a_new_parent_row_are_not_scans() {
        assert_eq!(
            inserted_table("INSERT INTO enterprises (uscc) VALUES ($1) RETURNING id").as_deref(),
            Some("enterprises")
        );
        assert_eq!(inserted_table("INSERT INTO t (a) SELECT a FROM u"), None);
        assert_eq!(inserted_table("UPDATE enterprises SET name = $1"), None);
        let rows = vec![(9, 0, 0, "SCAN users".to_owned()), (12, 0, 0, "SCAN assessments".to_owned())];
        let plan = sqlite_lines(&rows, &HashMap::new(), &["users".to_owned()]);
        assert_eq!(plan[0], format!("SCAN users{FK_CHECK}"));
        assert_eq!(full_scans(&plan, LARGE), vec!["SCAN assessments"]);
    }

    #[test]
    fn only_plain_statements_are_explained() {
        for sql in [
            "SELECT 1",
            "  insert into t VALUES (1)",
            "UPDATE t SET a = 1",
            "DELETE FROM t",
            "WITH x AS (SELECT 1) SELECT * FROM x",
        ] {
            assert!(explainable(sql), "{sql}");
        }
        for sql in [
            "BEGIN IMMEDIATE",
            "COMMIT",
            "SAVEPOINT a",
            "PRAGMA optimize",
            "SET LOCAL x = 1",
            "CREATE INDEX i ON t(a)",
            "ANALYZE",
        ] {
            assert!(!explainable(sql), "{sql}");
        }
    }

    #[test]
    fn the_recorder_keeps_distinct_statements_only_while_on() {
        record("SELECT 0", &[]);
        start_capture();
        record("SELECT $1", &[Arg::I64(1)]);
        record("SELECT $1", &[Arg::I64(2)]);
        record("SELECT 2", &[]);
        let got = take_captured();
        record("SELECT 3", &[]);
        assert_eq!(
            got.iter().map(|c| (c.sql.as_str(), c.runs)).collect::<Vec<_>>(),
            vec![("SELECT $1", 2), ("SELECT 2", 1)]
        );
        assert!(matches!(got[0].args[..], [Arg::I64(1)]), "the first run's arguments");
        assert!(take_captured().is_empty());
    }
}
