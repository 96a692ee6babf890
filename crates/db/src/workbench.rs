//! The workbench's reads: the records of one queue in a caller's scope, the caller's own recent
//! steps, and the facts of an enterprise's journey. Each is one statement on an index that
//! starts with the state or the owner (migration 0019), so a workbench costs a statement per
//! queue whatever the size of the region.

use super::{Conn, DbResult};
use crate::{Arg, args};

/// One record waiting in a queue.
#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize)]
pub struct ItemRow {
    pub id: i64,
    /// What the link opens: "enrolment", "project", "subsidy", "provider", "solution",
    /// "review" or "claims", and its id.
    pub target: String,
    pub target_id: i64,
    /// Whom it is about (an enterprise or a provider).
    pub about: String,
    /// What it is (a project's title, a subsidy's stage, a flag's kind …).
    pub detail: String,
    pub region_code: String,
    /// The programme (enrolments, projects, acceptances, subsidies), else "".
    pub programme_id: String,
    /// When the record came into its state.
    pub since: i64,
    pub deadline: Option<i64>,
}

/// The records a queue is read for.
#[derive(Clone, Copy, Debug)]
pub enum Scope<'a> {
    /// A region's subtree: (lowest code, highest code).
    Region(&'a (String, String)),
    Enterprise(i64),
    Provider(i64),
    /// An expert's own assignments (user id).
    Expert(i64),
}

/// What a queue reads: the records of `table` in `state`, with an extra condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Enrolments,
    Projects,
    /// Projects whose diagnosis was handed in (`true`) or not yet (`false`).
    ProjectsDiagnosis(bool),
    /// Projects past their due date (milliseconds now).
    ProjectsOverdue(i64),
    Acceptances,
    /// Accepted projects whose enterprise has not rated its provider's service.
    AcceptancesUnrated,
    Subsidies,
    Objections,
    IntegrityFlags,
    Claims,
    Providers,
    Solutions,
    Reviews,
    Chains,
}

/// When a workflow record came into its state: its last step, else its creation.
fn since(subject: &str, alias: &str, created: &str) -> String {
    format!(
        "COALESCE((SELECT MAX(w.at) FROM workflow_events w WHERE w.subject = '{subject}' AND w.subject_id = {alias}.id), \
         {created})"
    )
}

/// The statement of a source up to its scope condition, and the column the scope applies to
/// for (region, enterprise, provider, expert).
fn statement(source: Source) -> (String, [&'static str; 4]) {
    match source {
        Source::Enrolments => (
            format!(
                "SELECT n.id, 'enrolment' AS target, n.id AS target_id, e.name AS about, n.programme_id AS detail, \
                 n.region_code, n.programme_id, {} AS since, n.publicity_ends_at AS deadline \
                 FROM enrolments n JOIN enterprises e ON e.id = n.enterprise_id WHERE n.status = $1",
                since("enrolment", "n", "n.created_at")
            ),
            ["n.region_code", "n.enterprise_id", "", ""],
        ),
        Source::Projects | Source::ProjectsDiagnosis(_) | Source::ProjectsOverdue(_) => {
            let (join, cond) = match source {
                Source::ProjectsDiagnosis(true) => {
                    (" JOIN project_docs d ON d.project_id = p.id", " AND d.diagnosis_submitted = TRUE")
                }
                Source::ProjectsDiagnosis(false) => {
                    (" LEFT JOIN project_docs d ON d.project_id = p.id", " AND COALESCE(d.diagnosis_submitted, FALSE) = FALSE")
                }
                _ => ("", ""),
            };
            (
                format!(
                    "SELECT p.id, 'project' AS target, p.id AS target_id, e.name AS about, p.title AS detail, \
                     p.region_code, p.programme_id, {} AS since, p.due_at AS deadline \
                     FROM projects p JOIN enterprises e ON e.id = p.enterprise_id{join} WHERE p.status = $1{cond}",
                    since("project", "p", "p.created_at")
                ),
                ["p.region_code", "p.enterprise_id", "p.provider_id", ""],
            )
        }
        Source::Acceptances | Source::AcceptancesUnrated => {
            let cond = if source == Source::AcceptancesUnrated {
                " AND NOT EXISTS (SELECT 1 FROM satisfaction_evaluations v WHERE v.project_id = a.project_id)"
            } else {
                ""
            };
            (
                format!(
                    "SELECT a.id, 'project' AS target, a.project_id AS target_id, e.name AS about, p.title AS detail, \
                     a.region_code, p.programme_id, {} AS since, CAST(NULL AS BIGINT) AS deadline \
                     FROM acceptances a JOIN projects p ON p.id = a.project_id JOIN enterprises e ON e.id = a.enterprise_id \
                     WHERE a.status = $1{cond}",
                    since("acceptance", "a", "a.applied_at")
                ),
                ["a.region_code", "a.enterprise_id", "a.provider_id", ""],
            )
        }
        Source::Subsidies => (
            format!(
                "SELECT s.id, 'subsidy' AS target, s.id AS target_id, e.name AS about, s.stage AS detail, \
                 s.region_code, s.programme_id, {} AS since, s.publicity_ends_at AS deadline \
                 FROM subsidies s JOIN enterprises e ON e.id = s.enterprise_id WHERE s.status = $1",
                since("subsidy", "s", "s.created_at")
            ),
            ["s.region_code", "s.enterprise_id", "", ""],
        ),
        // An objection's region is its subject's.
        Source::Objections => (
            "SELECT o.id, o.subject AS target, o.subject_id AS target_id, \
             COALESCE(se.name, ne.name, v.name, '') AS about, o.body AS detail, \
             COALESCE(s.region_code, n.region_code, v.region_code, '') AS region_code, '' AS programme_id, \
             o.created_at AS since, CAST(NULL AS BIGINT) AS deadline \
             FROM objections o \
             LEFT JOIN subsidies s ON o.subject = 'subsidy' AND s.id = o.subject_id \
             LEFT JOIN enterprises se ON se.id = s.enterprise_id \
             LEFT JOIN enrolments n ON o.subject = 'enrolment' AND n.id = o.subject_id \
             LEFT JOIN enterprises ne ON ne.id = n.enterprise_id \
             LEFT JOIN providers v ON o.subject = 'provider' AND v.id = o.subject_id \
             WHERE o.status = $1"
                .to_owned(),
            ["COALESCE(s.region_code, n.region_code, v.region_code, '')", "", "", ""],
        ),
        Source::IntegrityFlags => (
            "SELECT f.id, 'project' AS target, f.project_id AS target_id, e.name AS about, f.kind AS detail, \
             f.region_code, p.programme_id, f.created_at AS since, CAST(NULL AS BIGINT) AS deadline \
             FROM integrity_flags f JOIN projects p ON p.id = f.project_id JOIN enterprises e ON e.id = p.enterprise_id \
             WHERE f.status = $1"
                .to_owned(),
            ["f.region_code", "", "", ""],
        ),
        Source::Claims => (
            "SELECT c.id, 'claims' AS target, c.id AS target_id, c.name AS about, c.uscc AS detail, c.region_code, \
             '' AS programme_id, c.created_at AS since, CAST(NULL AS BIGINT) AS deadline \
             FROM enterprise_claims c WHERE c.status = $1"
                .to_owned(),
            ["c.region_code", "", "", ""],
        ),
        Source::Providers => (
            "SELECT v.id, 'provider' AS target, v.id AS target_id, v.name AS about, v.kind AS detail, v.region_code, \
             '' AS programme_id, COALESCE((SELECT MAX(x.at) FROM provider_events x WHERE x.provider_id = v.id), \
             v.created_at) AS since, CAST(NULL AS BIGINT) AS deadline FROM providers v WHERE v.status = $1"
                .to_owned(),
            ["v.region_code", "", "", ""],
        ),
        Source::Solutions => (
            "SELECT s.id, 'solution' AS target, s.id AS target_id, v.name AS about, s.name AS detail, v.region_code, \
             '' AS programme_id, s.updated_at AS since, CAST(NULL AS BIGINT) AS deadline \
             FROM solutions s JOIN providers v ON v.id = s.provider_id WHERE s.status = $1"
                .to_owned(),
            ["v.region_code", "", "", ""],
        ),
        // A chain is the lead's (enterprise scope) and its provider's.
        Source::Chains => (
            format!(
                "SELECT c.id, 'chain' AS target, c.id AS target_id, e.name AS about, c.name AS detail, \
                 c.region_code, c.programme_id, {} AS since, CAST(NULL AS BIGINT) AS deadline \
                 FROM chains c JOIN enterprises e ON e.id = c.lead_enterprise_id WHERE c.status = $1",
                since("chain", "c", "c.created_at")
            ),
            ["c.region_code", "c.lead_enterprise_id", "c.provider_id", ""],
        ),
        Source::Reviews => (
            "SELECT r.id, 'review' AS target, r.id AS target_id, v.name AS about, rv.purpose AS detail, v.region_code, \
             '' AS programme_id, rv.created_at AS since, CAST(NULL AS BIGINT) AS deadline \
             FROM review_experts r JOIN reviews rv ON rv.id = r.review_id JOIN providers v ON v.id = rv.provider_id \
             WHERE rv.status = $1 AND r.submitted_at IS NULL AND r.conflict <> 'declared'"
                .to_owned(),
            ["", "", "", "r.expert_user_id"],
        ),
    }
}

/// The records of `source` in `state` within `scope`, oldest first, at most `limit`. A scope
/// the source has no owner column for reads nothing.
pub async fn items(
    c: &mut impl Conn,
    source: Source,
    state: &str,
    scope: Scope<'_>,
    limit: i64,
) -> DbResult<Vec<ItemRow>> {
    let (sql, [region, enterprise, provider, expert]) = statement(source);
    let mut values = args![state];
    let mut next = |v: Arg| {
        values.push(v);
        format!("${}", values.len())
    };
    let cond = match scope {
        Scope::Region((lo, hi)) if !region.is_empty() => {
            format!("{region} BETWEEN {} AND {}", next(lo.into()), next(hi.into()))
        }
        Scope::Enterprise(id) if !enterprise.is_empty() => format!("{enterprise} = {}", next(id.into())),
        Scope::Provider(id) if !provider.is_empty() => format!("{provider} = {}", next(id.into())),
        Scope::Expert(id) if !expert.is_empty() => format!("{expert} = {}", next(id.into())),
        _ => return Ok(Vec::new()),
    };
    let overdue = match source {
        Source::ProjectsOverdue(now) => format!(" AND p.due_at < {}", next(now.into())),
        _ => String::new(),
    };
    let limit = next(limit.into());
    c.fetch_all(&format!("{sql} AND {cond}{overdue} ORDER BY 1 LIMIT {limit}"), values).await
}

/// A step the caller took (已办).
#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize)]
pub struct DoneRow {
    pub id: i64,
    pub subject: String,
    pub subject_id: i64,
    pub action: String,
    pub to_state: String,
    pub at: i64,
}

/// The caller's latest workflow steps, newest first.
pub async fn done(c: &mut impl Conn, username: &str, limit: i64) -> DbResult<Vec<DoneRow>> {
    c.fetch_all(
        "SELECT id, subject, subject_id, action, to_state, at FROM workflow_events WHERE actor = $1 \
         ORDER BY id DESC LIMIT $2",
        args![username, limit],
    )
    .await
}

/// What an enterprise's journey is made of, in one statement.
#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize)]
pub struct JourneyRow {
    pub assessed: i64,
    pub enrolment: Option<String>,
    pub project: Option<String>,
    pub acceptance: Option<String>,
    pub paid: i64,
}

pub async fn journey(c: &mut impl Conn, enterprise_id: i64) -> DbResult<JourneyRow> {
    c.fetch_one(
        "SELECT \
         CAST(CASE WHEN EXISTS (SELECT 1 FROM assessments WHERE enterprise_id = $1 AND status = 'submitted') \
         THEN 1 ELSE 0 END AS BIGINT) AS assessed, \
         (SELECT status FROM enrolments WHERE enterprise_id = $1 ORDER BY id DESC LIMIT 1) AS enrolment, \
         (SELECT status FROM projects WHERE enterprise_id = $1 AND status <> 'cancelled' ORDER BY id DESC LIMIT 1) \
         AS project, \
         (SELECT status FROM acceptances WHERE enterprise_id = $1 ORDER BY id DESC LIMIT 1) AS acceptance, \
         CAST(CASE WHEN EXISTS (SELECT 1 FROM subsidies WHERE enterprise_id = $1 AND status = 'paid') \
         THEN 1 ELSE 0 END AS BIGINT) AS paid",
        args![enterprise_id],
    )
    .await
}
