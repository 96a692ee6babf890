//! Enterprise records (the foundation's slice of 一企一档).

use super::{Conn, DbResult, now_ms};
use crate::args;

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize)]
pub struct EnterpriseRow {
    pub id: i64,
    pub uscc: String,
    pub name: String,
    pub region_code: String,
    pub industry_code: String,
    pub legal_rep: Option<String>,
    pub contact_phone: Option<String>,
    pub created_at: i64,
    pub uscc_legacy_reason: Option<String>,
    pub address: Option<String>,
    pub above_scale: bool,
    pub srdi_tier: String,
    pub size_class: Option<String>,
    pub size_year: Option<i64>,
    pub cloud_verified: bool,
    pub serious_dishonesty: bool,
    pub pi_collected_at: Option<i64>,
    pub version: i64,
}

const COLS: &str = "id, uscc, name, region_code, industry_code, legal_rep, contact_phone, created_at, \
     uscc_legacy_reason, address, above_scale, srdi_tier, size_class, size_year, cloud_verified, serious_dishonesty, \
     pi_collected_at, version";

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
    let now = now_ms();
    c.scalar(
        "INSERT INTO enterprises (uscc, name, region_code, industry_code, legal_rep, contact_phone, is_demo, created_at, \
         pi_collected_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8) RETURNING id",
        args![e.uscc, e.name, e.region_code, e.industry_code, e.legal_rep, e.contact_phone, e.is_demo, now],
    )
    .await
}

/// The editable part of a record, written with a compare-and-set on `version`.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct EnterpriseFields {
    pub uscc: String,
    pub uscc_legacy_reason: Option<String>,
    pub name: String,
    pub region_code: String,
    pub industry_code: String,
    pub address: Option<String>,
    pub legal_rep: Option<String>,
    pub contact_phone: Option<String>,
    pub above_scale: bool,
    pub srdi_tier: String,
}

impl EnterpriseRow {
    pub fn fields(&self) -> EnterpriseFields {
        EnterpriseFields {
            uscc: self.uscc.clone(),
            uscc_legacy_reason: self.uscc_legacy_reason.clone(),
            name: self.name.clone(),
            region_code: self.region_code.clone(),
            industry_code: self.industry_code.clone(),
            address: self.address.clone(),
            legal_rep: self.legal_rep.clone(),
            contact_phone: self.contact_phone.clone(),
            above_scale: self.above_scale,
            srdi_tier: self.srdi_tier.clone(),
        }
    }
}

/// Inserts a full record (authority registration, import).
pub async fn insert_fields(c: &mut impl Conn, f: &EnterpriseFields) -> DbResult<i64> {
    let now = now_ms();
    c.scalar(
        "INSERT INTO enterprises (uscc, uscc_legacy_reason, name, region_code, industry_code, address, legal_rep, \
         contact_phone, above_scale, srdi_tier, created_at, updated_at, pi_collected_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $11) RETURNING id",
        args![
            &f.uscc,
            f.uscc_legacy_reason.clone(),
            &f.name,
            &f.region_code,
            &f.industry_code,
            f.address.clone(),
            f.legal_rep.clone(),
            f.contact_phone.clone(),
            f.above_scale,
            &f.srdi_tier,
            now
        ],
    )
    .await
}

/// Inserts many records with multi-row statements; returns (code, id) pairs.
pub async fn insert_many(c: &mut impl Conn, rows: &[EnterpriseFields]) -> DbResult<Vec<(String, i64)>> {
    const PER: usize = 100;
    let now = now_ms();
    let mut out = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(PER) {
        let mut sql = String::from(
            "INSERT INTO enterprises (uscc, uscc_legacy_reason, name, region_code, industry_code, address, legal_rep, \
             contact_phone, above_scale, srdi_tier, created_at, updated_at, pi_collected_at) VALUES ",
        );
        let mut a: Vec<super::Arg> = Vec::with_capacity(chunk.len() * 11 + 1);
        a.push(now.into());
        for (i, f) in chunk.iter().enumerate() {
            let b = a.len();
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, $1, $1, $1)",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7,
                b + 8,
                b + 9,
                b + 10
            ));
            a.extend(args![
                &f.uscc,
                f.uscc_legacy_reason.clone(),
                &f.name,
                &f.region_code,
                &f.industry_code,
                f.address.clone(),
                f.legal_rep.clone(),
                f.contact_phone.clone(),
                f.above_scale,
                &f.srdi_tier
            ]);
        }
        sql.push_str(" RETURNING uscc, id");
        let got: Vec<(String, i64)> = c.fetch_all(&sql, a).await?;
        out.extend(got);
    }
    Ok(out)
}

/// Writes the fields if the record is still at `version`; false if someone else changed it.
pub async fn update_fields(c: &mut impl Conn, id: i64, version: i64, f: &EnterpriseFields) -> DbResult<bool> {
    let n = c
        .execute(
            "UPDATE enterprises SET uscc = $3, uscc_legacy_reason = $4, name = $5, region_code = $6, industry_code = $7, \
             address = $8, legal_rep = $9, contact_phone = $10, above_scale = $11, srdi_tier = $12, updated_at = $13, \
             pi_collected_at = CASE WHEN $9 IS NULL AND $10 IS NULL THEN NULL ELSE $13 END, version = version + 1 WHERE id = $1 AND version = $2",
            args![
                id, version, &f.uscc, f.uscc_legacy_reason.clone(), &f.name, &f.region_code, &f.industry_code,
                f.address.clone(), f.legal_rep.clone(), f.contact_phone.clone(), f.above_scale, &f.srdi_tier, now_ms()
            ],
        )
        .await?;
    Ok(n == 1)
}

pub async fn by_uscc(c: &mut impl Conn, uscc: &str) -> DbResult<Option<EnterpriseRow>> {
    c.fetch_optional(&format!("SELECT {COLS} FROM enterprises WHERE uscc = $1"), args![uscc]).await
}

pub async fn set_size(c: &mut impl Conn, id: i64, class: &str, year: i64) -> DbResult<()> {
    c.execute(
        "UPDATE enterprises SET size_class = $2, size_year = $3, version = version + 1 WHERE id = $1 \
         AND (size_year IS NULL OR size_year <= $3)",
        args![id, class, year],
    )
    .await?;
    Ok(())
}

pub async fn set_flag(c: &mut impl Conn, id: i64, column: Flag, value: bool) -> DbResult<()> {
    let sql = match column {
        Flag::CloudVerified => "UPDATE enterprises SET cloud_verified = $2 WHERE id = $1",
        Flag::SeriousDishonesty => "UPDATE enterprises SET serious_dishonesty = $2 WHERE id = $1",
    };
    c.execute(sql, args![id, value]).await?;
    Ok(())
}

#[derive(Clone, Copy, Debug)]
pub enum Flag {
    CloudVerified,
    SeriousDishonesty,
}

/// Clears personal fields collected before `cutoff` (retention limit).
pub async fn purge_personal(c: &mut impl Conn, cutoff: i64) -> DbResult<u64> {
    c.execute(
        "UPDATE enterprises SET legal_rep = NULL, contact_phone = NULL, pi_collected_at = NULL \
         WHERE pi_collected_at IS NOT NULL AND pi_collected_at < $1",
        args![cutoff],
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
    /// Name substring, or a code prefix when it looks like a 统一社会信用代码.
    pub name: Option<&'a str>,
    /// Normalised GB/T 4754 code prefix ("C36" covers every code below 大类 36).
    pub industry: Option<&'a str>,
    pub size_class: Option<&'a str>,
    pub cloud_verified: Option<bool>,
    /// Minimum 专精特新 tier code list to accept (e.g. ["srdi","little_giant"]).
    pub srdi: Option<&'a str>,
    pub after_id: i64,
    pub limit: i64,
}

pub async fn list(c: &mut impl Conn, f: &ListFilter<'_>) -> DbResult<Vec<EnterpriseRow>> {
    // A leaf region (a county) is one code: equality lets the (region_code, id) index return
    // the page already in id order, O(log n + page), instead of sorting the whole county.
    let (mut sql, mut a) = if f.bounds.0 == f.bounds.1 {
        (format!("SELECT {COLS} FROM enterprises WHERE region_code = $1 AND id > $2"), args![&f.bounds.0, f.after_id])
    } else {
        (
            format!("SELECT {COLS} FROM enterprises WHERE region_code BETWEEN $1 AND $2 AND id > $3"),
            args![&f.bounds.0, &f.bounds.1, f.after_id],
        )
    };
    if let Some(id) = f.only_id {
        a.push(id.into());
        sql.push_str(&format!(" AND id = ${}", a.len()));
    }
    if let Some(n) = f.name.map(str::trim).filter(|n| !n.is_empty()) {
        let code_like = n.len() >= 6 && n.chars().all(|c| c.is_ascii_alphanumeric());
        if code_like {
            a.push(format!("{}%", escape_like(&n.to_ascii_uppercase())).into());
            sql.push_str(&format!(" AND uscc LIKE ${} ESCAPE '\\'", a.len()));
        } else {
            a.push(format!("%{}%", escape_like(n)).into());
            sql.push_str(&format!(" AND name LIKE ${} ESCAPE '\\'", a.len()));
        }
    }
    if let Some(i) = f.industry.map(str::trim).filter(|i| !i.is_empty()) {
        a.push(format!("{}%", escape_like(i)).into());
        sql.push_str(&format!(" AND industry_code LIKE ${} ESCAPE '\\'", a.len()));
    }
    if let Some(sc) = f.size_class.filter(|s| !s.is_empty()) {
        a.push(sc.into());
        sql.push_str(&format!(" AND size_class = ${}", a.len()));
    }
    if let Some(cv) = f.cloud_verified {
        a.push(cv.into());
        sql.push_str(&format!(" AND cloud_verified = ${}", a.len()));
    }
    if let Some(t) = f.srdi.filter(|s| !s.is_empty()) {
        a.push(t.into());
        sql.push_str(&format!(" AND srdi_tier = ${}", a.len()));
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

/// Takes the enterprise's row until the transaction ends (a row lock on PostgreSQL; SQLite's
/// writer already holds the database), so that changes to one enterprise take turns.
pub async fn lock(c: &mut impl Conn, id: i64) -> DbResult<()> {
    c.execute("UPDATE enterprises SET version = version WHERE id = $1", args![id]).await?;
    Ok(())
}
