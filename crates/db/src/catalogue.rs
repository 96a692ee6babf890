//! The 小快轻准 solution catalogue: solutions with their price items, scene, industry
//! and n-gram index rows; contact requests from enterprises to providers.

use super::providers::IN_POOL;
use super::{Arg, Conn, DbResult, now_ms};
use crate::args;

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
pub struct SolutionRow {
    pub id: i64,
    pub provider_id: i64,
    pub provider_name: String,
    pub provider_stars: i64,
    pub provider_region: String,
    pub provider_status: String,
    pub name: String,
    pub description: String,
    pub is_xkqz: bool,
    pub price_fen: i64,
    pub delivery_days: i64,
    pub deployment: String,
    pub cloud_layer: String,
    /// `scene:level` pairs separated by spaces.
    pub scenes_text: String,
    /// GB/T 4754 codes separated by spaces; empty = every industry.
    pub industries_text: String,
    /// Sub-industry ids separated by spaces.
    pub sub_industries_text: String,
    /// Tag ids (data/rules/solution-tags.toml) separated by spaces.
    pub tags_text: String,
    pub status: String,
    pub review_note: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub published_at: Option<i64>,
    pub version: i64,
}

const COLS: &str = "s.id, s.provider_id, p.name AS provider_name, p.stars AS provider_stars, \
     p.region_code AS provider_region, p.status AS provider_status, s.name, s.description, s.is_xkqz, s.price_fen, \
     s.delivery_days, s.deployment, s.cloud_layer, s.scenes_text, s.industries_text, s.sub_industries_text, s.tags_text, s.status, \
     s.review_note, s.created_at, s.updated_at, s.published_at, s.version";
const FROM: &str = "solutions s JOIN providers p ON p.id = s.provider_id";

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
#[schemars(rename = "SolutionItem")]
pub struct ItemRow {
    pub seq: i64,
    pub name: String,
    pub unit: String,
    pub price_fen: i64,
}

/// The editable content of a solution, already validated.
pub struct SolutionData<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub is_xkqz: bool,
    pub delivery_days: i64,
    pub deployment: &'a str,
    pub cloud_layer: &'a str,
    pub items: &'a [(String, String, i64)],
    pub scenes: &'a [(String, u8)],
    pub industries: &'a [String],
    pub sub_industries: &'a [i64],
    pub terms: &'a [String],
    /// Tag ids from the closed list, sorted, no repeats.
    pub tags: &'a [String],
}

impl SolutionData<'_> {
    fn price(&self) -> i64 {
        self.items.iter().map(|i| i.2).sum()
    }
    fn scenes_text(&self) -> String {
        self.scenes.iter().map(|(s, l)| format!("{s}:{l}")).collect::<Vec<_>>().join(" ")
    }
    fn sub_text(&self) -> String {
        self.sub_industries.iter().map(i64::to_string).collect::<Vec<_>>().join(" ")
    }
}

pub async fn insert(c: &mut impl Conn, provider_id: i64, d: &SolutionData<'_>, is_demo: bool) -> DbResult<i64> {
    let now = now_ms();
    let id = c
        .scalar(
            "INSERT INTO solutions (provider_id, name, description, is_xkqz, price_fen, delivery_days, deployment, \
             cloud_layer, scenes_text, industries_text, sub_industries_text, all_industries, status, is_demo, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'draft', $13, $14, $14) RETURNING id",
            args![
                provider_id,
                d.name,
                d.description,
                d.is_xkqz,
                d.price(),
                d.delivery_days,
                d.deployment,
                d.cloud_layer,
                d.scenes_text(),
                d.industries.join(" "),
                d.sub_text(),
                d.industries.is_empty(),
                is_demo,
                now
            ],
        )
        .await?;
    write_children(c, id, d).await?;
    Ok(id)
}

/// Replaces the content of a draft or rejected solution (compare-and-set).
pub async fn update(c: &mut impl Conn, id: i64, version: i64, d: &SolutionData<'_>) -> DbResult<bool> {
    let n = c
        .execute(
            "UPDATE solutions SET name = $1, description = $2, is_xkqz = $3, price_fen = $4, delivery_days = $5, \
             deployment = $6, cloud_layer = $7, scenes_text = $8, industries_text = $9, sub_industries_text = $10, \
             all_industries = $11, status = 'draft', updated_at = $12, version = version + 1 \
             WHERE id = $13 AND version = $14 AND status IN ('draft', 'rejected')",
            args![
                d.name,
                d.description,
                d.is_xkqz,
                d.price(),
                d.delivery_days,
                d.deployment,
                d.cloud_layer,
                d.scenes_text(),
                d.industries.join(" "),
                d.sub_text(),
                d.industries.is_empty(),
                now_ms(),
                id,
                version
            ],
        )
        .await?;
    if n != 1 {
        return Ok(false);
    }
    for t in ["solution_items", "solution_scenes", "solution_industries", "solution_terms", "solution_tags"] {
        c.execute(&format!("DELETE FROM {t} WHERE solution_id = $1"), args![id]).await?;
    }
    write_children(c, id, d).await?;
    Ok(true)
}

async fn write_children(c: &mut impl Conn, id: i64, d: &SolutionData<'_>) -> DbResult<()> {
    c.execute("UPDATE solutions SET tags_text = $1 WHERE id = $2", args![d.tags.join(" "), id]).await?;
    for tag in d.tags {
        c.execute("INSERT INTO solution_tags (tag, solution_id) VALUES ($1, $2)", args![tag, id]).await?;
    }
    for (i, (name, unit, price)) in d.items.iter().enumerate() {
        c.execute(
            "INSERT INTO solution_items (solution_id, seq, name, unit, price_fen) VALUES ($1, $2, $3, $4, $5)",
            args![id, i as i64 + 1, name, unit, *price],
        )
        .await?;
    }
    for (scene, level) in d.scenes {
        c.execute(
            "INSERT INTO solution_scenes (solution_id, scene, level) VALUES ($1, $2, $3)",
            args![id, scene, i64::from(*level)],
        )
        .await?;
    }
    for code in d.industries {
        c.execute("INSERT INTO solution_industries (solution_id, code) VALUES ($1, $2)", args![id, code]).await?;
    }
    // Terms go in as multi-row inserts: a description yields a few hundred.
    for chunk in d.terms.chunks(200) {
        let mut sql = String::from("INSERT INTO solution_terms (term, solution_id) VALUES ");
        let mut a: Vec<Arg> = Vec::with_capacity(chunk.len() * 2);
        for (i, t) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("(${}, ${})", 2 * i + 1, 2 * i + 2));
            a.push(t.into());
            a.push(id.into());
        }
        c.execute(&sql, a).await?;
    }
    Ok(())
}

pub async fn get(c: &mut impl Conn, id: i64) -> DbResult<Option<SolutionRow>> {
    c.fetch_optional(&format!("SELECT {COLS} FROM {FROM} WHERE s.id = $1"), args![id]).await
}

pub async fn items(c: &mut impl Conn, id: i64) -> DbResult<Vec<ItemRow>> {
    c.fetch_all("SELECT seq, name, unit, price_fen FROM solution_items WHERE solution_id = $1 ORDER BY seq", args![id])
        .await
}

pub async fn set_status(
    c: &mut impl Conn,
    id: i64,
    version: i64,
    from: &[&str],
    to: &str,
    note: &str,
) -> DbResult<bool> {
    let list = from.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", ");
    let published = if to == "published" { ", published_at = $5" } else { "" };
    let mut a = args![to, note, id, version];
    if to == "published" {
        a.push(now_ms().into());
    }
    let n = c
        .execute(
            &format!(
                "UPDATE solutions SET status = $1, review_note = $2, version = version + 1{published} \
                 WHERE id = $3 AND version = $4 AND status IN ({list})"
            ),
            a,
        )
        .await?;
    if n != 1 {
        return Ok(false);
    }
    // The matching rows exist exactly while the solution is published.
    c.execute("DELETE FROM solution_match WHERE solution_id = $1", args![id]).await?;
    if to == "published" {
        c.execute(
            "INSERT INTO solution_match (scene, level, solution_id, provider_id, price_fen, is_xkqz, all_industries, \
             sub_industries_text) SELECT ss.scene, ss.level, s.id, s.provider_id, s.price_fen, s.is_xkqz, \
             s.all_industries, s.sub_industries_text FROM solution_scenes ss JOIN solutions s ON s.id = ss.solution_id \
             WHERE s.id = $1",
            args![id],
        )
        .await?;
    }
    Ok(true)
}

/// One target scene of a published solution (see `solution_match`).
#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize)]
pub struct MatchRow {
    pub solution_id: i64,
    pub scene: String,
    pub level: i64,
    pub price_fen: i64,
    pub is_xkqz: bool,
    pub all_industries: bool,
    pub sub_industries_text: String,
    pub provider_id: i64,
}

/// Rows of published solutions that lift one of the gap scenes above its current level, apply
/// to the industry (general, or naming one of `industry_prefixes`) and fit the budget; read
/// through the (scene, level) and industry-code indexes.
pub async fn match_rows(
    c: &mut impl Conn,
    gaps: &[(String, u8)],
    industry_prefixes: &[String],
    budget: Option<i64>,
) -> DbResult<Vec<MatchRow>> {
    if gaps.is_empty() {
        return Ok(Vec::new());
    }
    let mut a: Vec<Arg> = Vec::new();
    let mut ors = Vec::new();
    for (scene, current) in gaps {
        a.push(scene.into());
        a.push(i64::from(*current).into());
        ors.push(format!("(m.scene = ${} AND m.level > ${})", a.len() - 1, a.len()));
    }
    let mut sql = format!(
        "SELECT m.solution_id, m.scene, m.level, m.price_fen, m.is_xkqz, m.all_industries, m.sub_industries_text, \
         m.provider_id FROM solution_match m WHERE ({})",
        ors.join(" OR ")
    );
    let start = a.len();
    for code in industry_prefixes {
        a.push(code.into());
    }
    let marks: Vec<String> = (start + 1..=a.len()).map(|i| format!("${i}")).collect();
    if marks.is_empty() {
        sql.push_str(" AND m.all_industries");
    } else {
        sql.push_str(&format!(
            " AND (m.all_industries OR m.solution_id IN (SELECT solution_id FROM solution_industries WHERE code IN ({})))",
            marks.join(", ")
        ));
    }
    if let Some(b) = budget {
        a.push(b.into());
        sql.push_str(&format!(" AND m.price_fen <= ${}", a.len()));
    }
    c.fetch_all(&sql, a).await
}

/// Rating and region of the providers among `ids` that are in the pool.
pub async fn pool_providers(c: &mut impl Conn, ids: &[i64]) -> DbResult<Vec<(i64, i64, String)>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let rows: Vec<(i64, i64, String)> = c
            .fetch_all(
                &format!(
                    "SELECT id, stars, region_code FROM providers WHERE id IN ({}) AND status IN {IN_POOL}",
                    marks.join(", ")
                ),
                chunk.iter().map(|i| Arg::from(*i)).collect(),
            )
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

/// (solution, code) for the given solutions naming one of these industry codes.
pub async fn industry_hits(c: &mut impl Conn, codes: &[String], ids: &[i64]) -> DbResult<Vec<(i64, String)>> {
    let mut out = Vec::new();
    if codes.is_empty() {
        return Ok(out);
    }
    for chunk in ids.chunks(500) {
        let mut a: Vec<Arg> = codes.iter().map(Arg::from).collect();
        let code_marks: Vec<String> = (1..=a.len()).map(|i| format!("${i}")).collect();
        let start = a.len();
        a.extend(chunk.iter().map(|i| Arg::from(*i)));
        let id_marks: Vec<String> = (start + 1..=a.len()).map(|i| format!("${i}")).collect();
        let rows: Vec<(i64, String)> = c
            .fetch_all(
                &format!(
                    "SELECT solution_id, code FROM solution_industries WHERE code IN ({}) AND solution_id IN ({})",
                    code_marks.join(", "),
                    id_marks.join(", ")
                ),
                a,
            )
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

/// Full rows of the given solutions.
pub async fn by_ids(c: &mut impl Conn, ids: &[i64]) -> DbResult<Vec<SolutionRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    c.fetch_all(
        &format!("SELECT {COLS} FROM {FROM} WHERE s.id IN ({})", marks.join(", ")),
        ids.iter().map(|i| Arg::from(*i)).collect(),
    )
    .await
}

/// Search filters over published solutions of providers in the pool.
#[derive(Clone, Debug, Default)]
pub struct Search {
    /// Every one of these n-gram terms must be indexed for the solution.
    pub terms: Vec<String>,
    pub scene: Option<String>,
    /// Prefixes of the industry code: a solution applies when one of its codes is among them,
    /// or when it applies to every industry.
    pub industry_prefixes: Vec<String>,
    pub max_price: Option<i64>,
    pub min_stars: Option<i64>,
    pub provider_id: Option<i64>,
    pub xkqz_only: bool,
    /// A tag the solution carries.
    pub tag: Option<String>,
}

impl Search {
    fn clauses(&self, sql: &mut String, a: &mut Vec<Arg>) {
        if !self.terms.is_empty() {
            let start = a.len();
            for t in &self.terms {
                a.push(t.into());
            }
            let marks: Vec<String> = (start + 1..=a.len()).map(|i| format!("${i}")).collect();
            a.push((self.terms.len() as i64).into());
            sql.push_str(&format!(
                " AND s.id IN (SELECT solution_id FROM solution_terms WHERE term IN ({}) GROUP BY solution_id \
                 HAVING COUNT(*) = ${})",
                marks.join(", "),
                a.len()
            ));
        }
        if let Some(scene) = &self.scene {
            a.push(scene.into());
            sql.push_str(&format!(" AND s.id IN (SELECT solution_id FROM solution_scenes WHERE scene = ${})", a.len()));
        }
        if !self.industry_prefixes.is_empty() {
            let start = a.len();
            for t in &self.industry_prefixes {
                a.push(t.into());
            }
            let marks: Vec<String> = (start + 1..=a.len()).map(|i| format!("${i}")).collect();
            sql.push_str(&format!(
                " AND (s.all_industries OR s.id IN (SELECT solution_id FROM solution_industries WHERE code IN ({})))",
                marks.join(", ")
            ));
        }
        if let Some(p) = self.max_price {
            a.push(p.into());
            sql.push_str(&format!(" AND s.price_fen <= ${}", a.len()));
        }
        if let Some(s) = self.min_stars {
            a.push(s.into());
            sql.push_str(&format!(" AND p.stars >= ${}", a.len()));
        }
        if let Some(id) = self.provider_id {
            a.push(id.into());
            sql.push_str(&format!(" AND s.provider_id = ${}", a.len()));
        }
        if self.xkqz_only {
            sql.push_str(" AND s.is_xkqz");
        }
        if let Some(tag) = &self.tag {
            a.push(tag.into());
            sql.push_str(&format!(" AND s.id IN (SELECT solution_id FROM solution_tags WHERE tag = ${})", a.len()));
        }
    }
}

/// Published solutions matching the filters, keyset-paged by id.
pub async fn search(c: &mut impl Conn, f: &Search, after_id: i64, limit: i64) -> DbResult<Vec<SolutionRow>> {
    let mut sql =
        format!("SELECT {COLS} FROM {FROM} WHERE s.status = 'published' AND p.status IN {IN_POOL} AND s.id > $1");
    let mut a: Vec<Arg> = args![after_id];
    f.clauses(&mut sql, &mut a);
    a.push(limit.into());
    sql.push_str(&format!(" ORDER BY s.id LIMIT ${}", a.len()));
    c.fetch_all(&sql, a).await
}

/// A provider's own solutions in any state.
pub async fn of_provider(c: &mut impl Conn, provider_id: i64, limit: i64) -> DbResult<Vec<SolutionRow>> {
    c.fetch_all(
        &format!("SELECT {COLS} FROM {FROM} WHERE s.provider_id = $1 ORDER BY s.id DESC LIMIT $2"),
        args![provider_id, limit],
    )
    .await
}

/// Solutions awaiting an authority's review, from providers in a region subtree.
pub async fn submitted_in(c: &mut impl Conn, bounds: &(String, String), limit: i64) -> DbResult<Vec<SolutionRow>> {
    c.fetch_all(
        &format!(
            "SELECT {COLS} FROM {FROM} WHERE s.status = 'submitted' AND p.region_code BETWEEN $1 AND $2 \
             ORDER BY s.id LIMIT $3"
        ),
        args![&bounds.0, &bounds.1, limit],
    )
    .await
}

// ---- contact requests -----------------------------------------------------

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
#[schemars(rename = "ContactRequestRow")]
pub struct ContactRow {
    pub id: i64,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub enterprise_region: String,
    pub industry_code: String,
    pub provider_id: i64,
    pub provider_name: String,
    pub solution_id: Option<i64>,
    pub message: String,
    pub consent_at: Option<i64>,
    pub consent_revoked_at: Option<i64>,
    #[serde(skip_serializing)]
    #[schemars(skip)]
    pub contact_name: Option<String>,
    #[serde(skip_serializing)]
    #[schemars(skip)]
    pub contact_phone: Option<String>,
    pub created_at: i64,
    pub version: i64,
}

impl ContactRow {
    pub fn consented(&self) -> bool {
        self.consent_at.is_some() && self.consent_revoked_at.is_none()
    }
}

const CONTACT_COLS: &str = "r.id, r.enterprise_id, e.name AS enterprise_name, e.region_code AS enterprise_region, \
     e.industry_code, r.provider_id, p.name AS provider_name, r.solution_id, r.message, r.consent_at, \
     r.consent_revoked_at, e.legal_rep AS contact_name, e.contact_phone, r.created_at, r.version";
const CONTACT_FROM: &str =
    "contact_requests r JOIN enterprises e ON e.id = r.enterprise_id JOIN providers p ON p.id = r.provider_id";

/// Creates the request, or reopens an existing one with the new message.
pub async fn upsert_contact(
    c: &mut impl Conn,
    enterprise_id: i64,
    provider_id: i64,
    solution_id: Option<i64>,
    message: &str,
    by: &str,
) -> DbResult<i64> {
    c.scalar(
        "INSERT INTO contact_requests (enterprise_id, provider_id, solution_id, message, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (enterprise_id, provider_id) DO UPDATE SET \
         message = EXCLUDED.message, solution_id = EXCLUDED.solution_id, version = contact_requests.version + 1 \
         RETURNING id",
        args![enterprise_id, provider_id, solution_id, message, by, now_ms()],
    )
    .await
}

pub async fn contact(c: &mut impl Conn, id: i64) -> DbResult<Option<ContactRow>> {
    c.fetch_optional(&format!("SELECT {CONTACT_COLS} FROM {CONTACT_FROM} WHERE r.id = $1"), args![id]).await
}

pub async fn contacts_of_enterprise(c: &mut impl Conn, enterprise_id: i64) -> DbResult<Vec<ContactRow>> {
    c.fetch_all(
        &format!("SELECT {CONTACT_COLS} FROM {CONTACT_FROM} WHERE r.enterprise_id = $1 ORDER BY r.id DESC LIMIT 200"),
        args![enterprise_id],
    )
    .await
}

pub async fn contacts_of_provider(c: &mut impl Conn, provider_id: i64, limit: i64) -> DbResult<Vec<ContactRow>> {
    c.fetch_all(
        &format!("SELECT {CONTACT_COLS} FROM {CONTACT_FROM} WHERE r.provider_id = $1 ORDER BY r.id DESC LIMIT $2"),
        args![provider_id, limit],
    )
    .await
}

/// Gives (`true`) or revokes consent.
pub async fn set_consent(c: &mut impl Conn, id: i64, give: bool) -> DbResult<()> {
    let sql = if give {
        "UPDATE contact_requests SET consent_at = $1, consent_revoked_at = NULL, version = version + 1 WHERE id = $2"
    } else {
        "UPDATE contact_requests SET consent_revoked_at = $1, version = version + 1 WHERE id = $2 AND consent_at IS NOT NULL"
    };
    c.execute(sql, args![now_ms(), id]).await?;
    Ok(())
}

/// Gap counts at one region node: the dashboard roll-ups `e.gap:{scene}:{division}`.
pub async fn gap_rollups(c: &mut impl Conn, region_code: &str) -> DbResult<Vec<(String, i64)>> {
    c.fetch_all(
        "SELECT metric, value FROM rollups WHERE region_code = $1 AND metric >= 'e.gap:' AND metric < 'e.gap;' \
         AND value > 0",
        args![region_code],
    )
    .await
}

/// A published solution for a scene, as the supply-gap analysis counts it.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct SceneSupply {
    pub solution_id: i64,
    pub price_fen: i64,
    pub is_xkqz: bool,
    pub all_industries: bool,
    /// Its GB/T 4754 codes, space-separated.
    pub codes: String,
}

/// Every published solution for a scene (once, whatever levels it targets), with its codes.
pub async fn scene_supply(c: &mut impl Conn, scene: &str) -> DbResult<Vec<SceneSupply>> {
    c.fetch_all(
        "SELECT m.solution_id, MIN(m.price_fen) AS price_fen, MAX(CASE WHEN m.is_xkqz THEN 1 ELSE 0 END) = 1 AS is_xkqz, \
         MAX(CASE WHEN m.all_industries THEN 1 ELSE 0 END) = 1 AS all_industries, \
         COALESCE((SELECT s.industries_text FROM solutions s WHERE s.id = m.solution_id), '') AS codes \
         FROM solution_match m WHERE m.scene = $1 GROUP BY m.solution_id ORDER BY m.solution_id",
        args![scene],
    )
    .await
}
