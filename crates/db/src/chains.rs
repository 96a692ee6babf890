//! Chain and cluster projects (链式 / 面状): the chain, its participating SMEs (one line of the
//! frame each, with the SME's own project) and what the cohort's acceptance and awards are.

use super::{Conn, DbResult, now_ms};
use crate::args;

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
#[schemars(rename = "Chain")]
pub struct ChainRow {
    pub id: i64,
    pub programme_id: String,
    pub region_code: String,
    pub kind: String,
    pub name: String,
    pub park: String,
    pub lead_enterprise_id: i64,
    pub lead_enterprise_name: String,
    pub lead_project_id: i64,
    pub provider_id: i64,
    pub provider_name: String,
    pub target_members: Option<i64>,
    pub target_l2_pct: Option<i64>,
    pub status: String,
    pub members: i64,
    /// Participants whose acceptance passed, and of them those rated ≥二级 on site.
    pub accepted: i64,
    pub accepted_l2: i64,
    pub created_at: i64,
    pub decided_at: Option<i64>,
    pub version: i64,
}

const COLS: &str = "c.id, c.programme_id, c.region_code, c.kind, c.name, c.park, c.lead_enterprise_id, \
     e.name AS lead_enterprise_name, c.lead_project_id, c.provider_id, p.name AS provider_name, c.target_members, \
     c.target_l2_pct, c.status, \
     CAST((SELECT COUNT(*) FROM chain_members m WHERE m.chain_id = c.id) AS BIGINT) AS members, \
     CAST((SELECT COUNT(*) FROM chain_members m JOIN acceptances a ON a.project_id = m.project_id \
       WHERE m.chain_id = c.id AND a.status = 'accepted') AS BIGINT) AS accepted, \
     CAST((SELECT COUNT(*) FROM chain_members m JOIN acceptances a ON a.project_id = m.project_id \
       JOIN assessments s ON s.id = a.onsite_assessment_id \
       WHERE m.chain_id = c.id AND a.status = 'accepted' AND s.level >= 2) AS BIGINT) AS accepted_l2, \
     c.created_at, c.decided_at, c.version";
const FROM: &str =
    "chains c JOIN enterprises e ON e.id = c.lead_enterprise_id JOIN providers p ON p.id = c.provider_id";

pub struct NewChain<'a> {
    pub programme_id: &'a str,
    pub region_code: &'a str,
    pub kind: &'a str,
    pub name: &'a str,
    pub park: &'a str,
    pub lead_enterprise_id: i64,
    pub lead_project_id: i64,
    pub provider_id: i64,
    pub target_members: Option<i64>,
    pub target_l2_pct: Option<i64>,
    pub created_by: &'a str,
}

pub async fn insert(c: &mut impl Conn, n: &NewChain<'_>) -> DbResult<i64> {
    c.scalar(
        "INSERT INTO chains (programme_id, region_code, kind, name, park, lead_enterprise_id, lead_project_id, \
         provider_id, target_members, target_l2_pct, status, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'forming', $11, $12) RETURNING id",
        args![
            n.programme_id,
            n.region_code,
            n.kind,
            n.name,
            n.park,
            n.lead_enterprise_id,
            n.lead_project_id,
            n.provider_id,
            n.target_members,
            n.target_l2_pct,
            n.created_by,
            now_ms()
        ],
    )
    .await
}

pub async fn get(c: &mut impl Conn, id: i64) -> DbResult<Option<ChainRow>> {
    c.fetch_optional(&format!("SELECT {COLS} FROM {FROM} WHERE c.id = $1"), args![id]).await
}

/// Chains a caller may see: those an enterprise leads or takes part in, those a provider
/// delivers, or those in a region subtree.
pub async fn list(
    c: &mut impl Conn,
    enterprise_id: Option<i64>,
    provider_id: Option<i64>,
    bounds: &(String, String),
) -> DbResult<Vec<ChainRow>> {
    match (enterprise_id, provider_id) {
        (Some(e), _) => {
            c.fetch_all(
                &format!(
                    "SELECT {COLS} FROM {FROM} WHERE c.lead_enterprise_id = $1 OR c.id IN \
                     (SELECT chain_id FROM chain_members WHERE enterprise_id = $1) ORDER BY c.id DESC LIMIT 200"
                ),
                args![e],
            )
            .await
        }
        (None, Some(p)) => {
            c.fetch_all(
                &format!("SELECT {COLS} FROM {FROM} WHERE c.provider_id = $1 ORDER BY c.id DESC LIMIT 200"),
                args![p],
            )
            .await
        }
        (None, None) => {
            c.fetch_all(
                &format!(
                    "SELECT {COLS} FROM {FROM} WHERE c.region_code BETWEEN $1 AND $2 ORDER BY c.id DESC LIMIT 200"
                ),
                args![&bounds.0, &bounds.1],
            )
            .await
        }
    }
}

/// Compare-and-set of the chain's state (and, on a decision, when it was made).
pub async fn set_state(c: &mut impl Conn, id: i64, version: i64, status: &str, decided: bool) -> DbResult<bool> {
    let decided_at = decided.then(now_ms);
    let n = c
        .execute(
            "UPDATE chains SET status = $1, decided_at = COALESCE($2, decided_at), version = version + 1 \
             WHERE id = $3 AND version = $4",
            args![status, decided_at, id, version],
        )
        .await?;
    Ok(n == 1)
}

/// Takes the chain for a new member: bumps its version only while it is still forming, so joins
/// and a submission are serialised and a join after the submission finds nothing to take.
pub async fn take_open(c: &mut impl Conn, id: i64) -> DbResult<bool> {
    let n =
        c.execute("UPDATE chains SET version = version + 1 WHERE id = $1 AND status = 'forming'", args![id]).await?;
    Ok(n == 1)
}

pub struct NewMember<'a> {
    pub chain_id: i64,
    pub programme_id: &'a str,
    pub enterprise_id: i64,
    pub project_id: i64,
    pub joined_by: &'a str,
}

/// Adds a line to the frame; its number is the next one of the chain. Returns it.
pub async fn add_member(c: &mut impl Conn, m: &NewMember<'_>) -> DbResult<i64> {
    c.scalar(
        "INSERT INTO chain_members (chain_id, line_no, programme_id, enterprise_id, project_id, joined_by, joined_at) \
         VALUES ($1, (SELECT COALESCE(MAX(line_no), 0) + 1 FROM chain_members WHERE chain_id = $1), $2, $3, $4, $5, $6) \
         RETURNING line_no",
        args![m.chain_id, m.programme_id, m.enterprise_id, m.project_id, m.joined_by, now_ms()],
    )
    .await
}

/// One participating SME: its line, its project and how far its acceptance and award are.
#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
#[schemars(rename = "ChainMember")]
pub struct MemberRow {
    pub line_no: i64,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub project_id: i64,
    pub project_status: String,
    /// The SME's contract total: its line of the frame.
    pub contract_total_fen: Option<i64>,
    pub acceptance_status: Option<String>,
    /// The level of the on-site assessment its acceptance rests on.
    pub onsite_level: Option<i64>,
    /// Granted to the SME (every subsidy of its project not cancelled).
    pub sme_fen: i64,
    /// Held back from the SME's award for the lead.
    pub lead_fen: i64,
}

pub async fn members(c: &mut impl Conn, chain_id: i64) -> DbResult<Vec<MemberRow>> {
    c.fetch_all(
        "SELECT m.line_no, m.enterprise_id, e.name AS enterprise_name, m.project_id, j.status AS project_status, \
         j.contract_total_fen, a.status AS acceptance_status, s.level AS onsite_level, \
         CAST(COALESCE((SELECT SUM(amount_fen) FROM subsidies WHERE project_id = m.project_id AND status <> 'cancelled'), 0) AS BIGINT) AS sme_fen, \
         CAST(COALESCE((SELECT SUM(chain_lead_fen) FROM subsidies WHERE project_id = m.project_id AND status <> 'cancelled'), 0) AS BIGINT) AS lead_fen \
         FROM chain_members m JOIN enterprises e ON e.id = m.enterprise_id JOIN projects j ON j.id = m.project_id \
         LEFT JOIN acceptances a ON a.project_id = m.project_id \
         LEFT JOIN assessments s ON s.id = a.onsite_assessment_id \
         WHERE m.chain_id = $1 ORDER BY m.line_no",
        args![chain_id],
    )
    .await
}

/// How a project belongs to a chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Lead(i64),
    Member(i64),
}

pub async fn part_of(c: &mut impl Conn, project_id: i64) -> DbResult<Option<Part>> {
    if let Some(id) =
        c.fetch_optional::<(i64,)>("SELECT id FROM chains WHERE lead_project_id = $1", args![project_id]).await?
    {
        return Ok(Some(Part::Lead(id.0)));
    }
    Ok(c.fetch_optional::<(i64,)>("SELECT chain_id FROM chain_members WHERE project_id = $1", args![project_id])
        .await?
        .map(|r| Part::Member(r.0)))
}

/// Whether the enterprise already takes part in (or leads) a chain of the programme.
pub async fn enterprise_engaged(c: &mut impl Conn, programme_id: &str, enterprise_id: i64) -> DbResult<bool> {
    let n = c
        .scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM chain_members WHERE programme_id = $1 AND enterprise_id = $2",
            args![programme_id, enterprise_id],
        )
        .await?;
    Ok(n > 0)
}

/// Chains still forming in any of the programmes.
pub async fn forming_in(c: &mut impl Conn, programmes: &[String]) -> DbResult<Vec<ChainRow>> {
    let mut out = Vec::new();
    for p in programmes {
        let rows: Vec<ChainRow> = c
            .fetch_all(
                &format!("SELECT {COLS} FROM {FROM} WHERE c.programme_id = $1 AND c.status = 'forming' ORDER BY c.id DESC LIMIT 50"),
                args![p],
            )
            .await?;
        out.extend(rows);
    }
    Ok(out)
}
