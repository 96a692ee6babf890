//! Provider pages, scoped by the caller's role and region, and list helpers.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;

use super::{PAGE_SIZE, render};
use crate::app::directory;
use crate::app::{App, AppError};
use crate::db::providers::ProviderRow;
use crate::web::ctx::Ctx;
use crate::web::layout::Layout;

/// Keeps one page and returns the key to continue after, if there is more.
pub fn split_page<T>(mut rows: Vec<T>, key: impl Fn(&T) -> i64) -> (Vec<T>, Option<i64>) {
    if rows.len() as i64 > PAGE_SIZE {
        rows.truncate(PAGE_SIZE as usize);
        let next = rows.last().map(key);
        (rows, next)
    } else {
        (rows, None)
    }
}

pub fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).map(|x| x.trim_start_matches('=').to_owned()).unwrap_or_default()
}

#[derive(Template)]
#[template(path = "providers.html")]
struct ProvidersPage {
    l: Layout,
    rows: Vec<ProviderRow>,
    next: Option<String>,
}

pub async fn providers(State(app): State<App>, ctx: Ctx, Query(q): Query<super::Page>) -> Result<Response, AppError> {
    let p = ctx.principal()?;
    let rows = directory::list_providers(&app, p, q.after.unwrap_or(0), PAGE_SIZE + 1).await?;
    let (rows, next) = split_page(rows, |r| r.id);
    render(&ProvidersPage {
        l: Layout::new(&ctx, "providers.title", &[("/providers", "nav.providers")]),
        rows,
        next: next.map(|id| format!("/providers?after={id}")),
    })
}

#[derive(Template)]
#[template(path = "provider.html")]
struct ProviderPage {
    l: Layout,
    p: ProviderRow,
}

pub async fn provider(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, AppError> {
    let pr = directory::get_provider(&app, ctx.principal()?, id).await?;
    let href = format!("/providers/{id}");
    let l = Layout::titled(&ctx, pr.name.clone(), &[("/providers", "nav.providers"), (&href, &pr.name)]);
    render(&ProviderPage { l, p: pr })
}
