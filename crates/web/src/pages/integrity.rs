//! Integrity flags (诚信预警) raised on projects, for the officers who clear them.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::directory::split_page;
use super::fmt::Fmt;
use super::fmt::flag_kind_label;
use super::{PAGE_SIZE, render};
use crate::app::records::FlagRow;
use crate::app::{App, integrity};
use crate::ctx::Ctx;
use crate::error::HttpError;
use crate::layout::Layout;

// ---- integrity flags ---------------------------------------------------------------------

#[derive(Template)]
#[template(path = "integrity.html")]
struct IntegrityPage {
    l: Layout,
    x: Fmt,
    rows: Vec<FlagRow>,
    cleared: bool,
    next: Option<String>,
}

impl IntegrityPage {
    fn kind(&self, code: &str) -> String {
        flag_kind_label(code)
    }
}

#[derive(Deserialize, Default)]
pub struct FlagQuery {
    before: Option<i64>,
    cleared: Option<String>,
}

pub async fn flags(State(app): State<App>, ctx: Ctx, Query(q): Query<FlagQuery>) -> Result<Response, HttpError> {
    let cleared = matches!(q.cleared.as_deref(), Some("1" | "true"));
    let rows = integrity::list(&app, ctx.principal()?, cleared, q.before.unwrap_or(i64::MAX), PAGE_SIZE + 1).await?;
    let (rows, next) = split_page(rows, |r| r.id);
    let c = if cleared { "1" } else { "0" };
    render(&IntegrityPage {
        l: Layout::new(&ctx, "money.integrity_title", &[("/integrity", "nav.integrity")]),
        x: Fmt::new(&ctx),
        rows,
        cleared,
        next: next.map(|id| format!("/integrity?before={id}&cleared={c}")),
    })
}
