//! Enterprise records (the foundation's slice of 一企一档).

use super::{Conn, DbResult, now_ms};
use crate::args;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EnterpriseRow {
    pub id: i64,
    pub uscc: String,
    pub name: String,
    pub region_code: String,
    pub industry_code: String,
    pub legal_rep: Option<String>,
    pub contact_phone: Option<String>,
    pub created_at: i64,
}

const COLS: &str = "id, uscc, name, region_code, industry_code, legal_rep, contact_phone, created_at";

pub struct NewEnterprise<'a> {
    pub uscc: &'a str,
    pub name: &'a str,
    pub region_code: &'a str,
    pub industry_code: &'a str,
    pub legal_rep: Option<&'a str>,
    pub contact_phone: Option<&'a str>,
    pub is_demo: bool,
}

pub async fn insert(c: &mut impl Conn, e: &NewEnterprise<'_>) -> DbResult<i64> {
    c.scalar(
        "INSERT INTO enterprises (uscc, name, region_code, industry_code, legal_rep, contact_phone, is_demo, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        args![e.uscc, e.name, e.region_code, e.industry_code, e.legal_rep, e.contact_phone, e.is_demo, now_ms()],
    )
    .await
}

pub async fn get(c: &mut impl Conn, id: i64) -> DbResult<Option<EnterpriseRow>> {
    c.fetch_optional(&format!("SELECT {COLS} FROM enterprises WHERE id = $1"), args![id]).await
}

/// Filters for the enterprise list; the region bounds always apply.
pub struct ListFilter<'a> {
    pub bounds: &'a (String, String),
    /// Restrict to one enterprise (an enterprise user's own record).
    pub only_id: Option<i64>,
    /// Name substring.
    pub name: Option<&'a str>,
    pub after_id: i64,
    pub limit: i64,
}

pub async fn list(c: &mut impl Conn, f: &ListFilter<'_>) -> DbResult<Vec<EnterpriseRow>> {
    let mut sql = format!("SELECT {COLS} FROM enterprises WHERE region_code BETWEEN $1 AND $2 AND id > $3");
    let mut a = args![&f.bounds.0, &f.bounds.1, f.after_id];
    if let Some(id) = f.only_id {
        a.push(id.into());
        sql.push_str(&format!(" AND id = ${}", a.len()));
    }
    if let Some(n) = f.name.filter(|n| !n.is_empty()) {
        a.push(format!("%{}%", escape_like(n)).into());
        sql.push_str(&format!(" AND name LIKE ${} ESCAPE '\\'", a.len()));
    }
    a.push(f.limit.into());
    sql.push_str(&format!(" ORDER BY id LIMIT ${}", a.len()));
    c.fetch_all(&sql, a).await
}

/// Escapes LIKE wildcards so user text matches literally.
pub fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

pub async fn any_non_demo(c: &mut impl Conn) -> DbResult<bool> {
    Ok(c.scalar("SELECT COUNT(*) FROM enterprises WHERE is_demo = FALSE", args![]).await? > 0)
}
