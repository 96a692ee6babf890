//! The audit administrator's search and integrity check.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use dengta_domain::policy::{self, Action};
use serde::Deserialize;

use super::{PAGE_SIZE, render};
use crate::app::{App, AppError, audit, check};
use crate::ctx::Ctx;
use crate::error::HttpError;
use crate::layout::Layout;

#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct AuditQuery {
    pub user: Option<String>,
    pub action: Option<String>,
    /// YYYY-MM-DD (Beijing time)
    #[schemars(schema_with = "dengta_domain::schema::date")]
    pub from: Option<String>,
    #[schemars(schema_with = "dengta_domain::schema::date")]
    pub to: Option<String>,
    pub before: Option<i64>,
}

/// Beijing time (UTC+8) of a millisecond timestamp.
pub fn beijing(ms: i64) -> String {
    let offset = time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC);
    time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .map(|t| t.to_offset(offset))
        .ok()
        .and_then(|t| t.format(time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]")).ok())
        .unwrap_or_default()
}

/// Start of a Beijing calendar day in ms.
pub fn day_start_ms(s: &str) -> Option<i64> {
    let d = time::Date::parse(s.trim(), time::macros::format_description!("[year]-[month]-[day]")).ok()?;
    let offset = time::UtcOffset::from_hms(8, 0, 0).ok()?;
    Some((d.midnight().assume_offset(offset).unix_timestamp_nanos() / 1_000_000) as i64)
}

pub async fn query(app: &App, ctx: &Ctx, q: &AuditQuery) -> Result<Vec<audit::AuditRow>, AppError> {
    check(policy::audit_trail(ctx.principal()?, Action::List))?;
    let from_ms = match q.from.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(day_start_ms(s).ok_or(AppError::invalid("error.bad_request", s))?),
        None => None,
    };
    let to_ms = match q.to.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(day_start_ms(s).ok_or(AppError::invalid("error.bad_request", s))? + 86_400_000),
        None => None,
    };
    let search = audit::Search {
        username: q.user.as_deref().map(str::trim),
        action: q.action.as_deref().map(str::trim),
        from_ms,
        to_ms,
        before_seq: q.before.unwrap_or(i64::MAX),
        limit: PAGE_SIZE + 1,
    };
    audit::search(app, ctx.principal()?, &search).await
}

pub struct AuditLine {
    pub r: audit::AuditRow,
    pub time: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    l: Layout,
    rows: Vec<AuditLine>,
    q: AuditQuery,
    next: Option<String>,
    verdict: Option<(bool, String)>,
}

fn page_of(
    ctx: &Ctx,
    mut rows: Vec<audit::AuditRow>,
    q: AuditQuery,
    verdict: Option<(bool, String)>,
) -> Result<Response, HttpError> {
    let next = if rows.len() as i64 > PAGE_SIZE {
        rows.truncate(PAGE_SIZE as usize);
        rows.last().map(|r| {
            let keep = |k: &str, v: &Option<String>| {
                v.as_deref().map(|v| format!("&{k}={}", super::directory::urlencode(v))).unwrap_or_default()
            };
            format!(
                "/audit?before={}{}{}{}{}",
                r.seq,
                keep("user", &q.user),
                keep("action", &q.action),
                keep("from", &q.from),
                keep("to", &q.to)
            )
        })
    } else {
        None
    };
    render(&AuditPage {
        l: Layout::new(ctx, "audit.title", &[("/audit", "nav.audit")]),
        rows: rows.into_iter().map(|r| AuditLine { time: beijing(r.at_ms), r }).collect(),
        q,
        next,
        verdict,
    })
}

pub async fn search(State(app): State<App>, ctx: Ctx, Query(q): Query<AuditQuery>) -> Result<Response, HttpError> {
    let rows = query(&app, &ctx, &q).await?;
    // The auditor's own reading is on the record too (三员 oversee each other).
    let noted = audit::Search {
        username: q.user.as_deref(),
        action: q.action.as_deref(),
        from_ms: None,
        to_ms: None,
        before_seq: 0,
        limit: 0,
    };
    audit::note_search(&app, &ctx.actor(), &noted).await?;
    page_of(&ctx, rows, q, None)
}

/// The chain's head as a file for the audit administrator to keep outside the system;
/// `dengta audit verify --anchor FILE` later proves nothing before it was rewritten.
pub async fn anchor(State(app): State<App>, ctx: Ctx) -> Result<Response, HttpError> {
    let a = audit::anchor(&app, &ctx.actor()).await?;
    let body = serde_json::to_vec_pretty(&a).map_err(|e| AppError::Internal(e.to_string()))?;
    let name = format!("dengta-audit-anchor-{}.json", a.seq);
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/json".to_owned()),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        body,
    )
        .into_response())
}

pub async fn verify(State(app): State<App>, ctx: Ctx) -> Result<Response, HttpError> {
    let verdict = match audit::verify_for(&app, ctx.principal()?).await? {
        Ok(n) => (true, format!("{} {n}", ctx.t("audit.verify_ok"))),
        Err(e) => (false, format!("{} {e}", ctx.t("audit.verify_bad"))),
    };
    let q = AuditQuery::default();
    let rows = query(&app, &ctx, &q).await?;
    page_of(&ctx, rows, q, Some(verdict))
}
