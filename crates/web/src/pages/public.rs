//! The public portal (no login): an index of what the programme publishes, the published typical
//! cases and 小灯塔 enterprises, and the open-data page that explains every published field.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use dengta_domain::programme::cases::CaseKind;
use serde::Deserialize;

use super::fmt::Fmt;
use super::render;
use crate::app::App;
use crate::app::records::CaseRow;
use crate::ctx::Ctx;
use crate::error::HttpError;
use crate::layout::Layout;

#[derive(Template)]
#[template(path = "front.html")]
struct FrontPage {
    l: Layout,
    x: Fmt,
    f: crate::app::front::Front,
    /// Share of assessed enterprises at 二级 or above, and of the cloud target reached (percent).
    ge2_pct: String,
    cloud_pct: String,
    chart: String,
}

fn pct(part: i64, whole: i64) -> String {
    if whole <= 0 { "—".to_owned() } else { format!("{:.1}%", part as f64 * 100.0 / whole as f64) }
}

/// `/`: the front page for visitors; a signed-in person goes to their workbench.
pub async fn front(State(app): State<App>, ctx: Ctx) -> Result<Response, HttpError> {
    if ctx.principal.is_some() {
        return Ok(axum::response::IntoResponse::into_response(axum::response::Redirect::to("/home")));
    }
    let f = crate::app::front::front(&app).await?;
    let l = Layout::new(&ctx, "front.title", &[]);
    let points: Vec<dengta_domain::chart::Point> = f
        .months
        .iter()
        .map(|(m, _, filed, _)| dengta_domain::chart::Point { label: m.clone(), value: *filed as f64 })
        .collect();
    let chart = if f.months.iter().all(|(_, e, fi, a)| *e == 0 && *fi == 0 && *a == 0) {
        String::new()
    } else {
        dengta_domain::chart::line(l.t("front.chart_filed"), &points)
    };
    let h = &f.headline;
    render(&FrontPage {
        ge2_pct: pct(h.level_ge2, h.assessed),
        cloud_pct: h.cloud_target.map(|t| pct(h.cloud, t)).unwrap_or_else(|| "—".to_owned()),
        chart,
        x: Fmt::new(&ctx),
        f,
        l,
    })
}

#[derive(Template)]
#[template(path = "public_portal.html")]
struct Portal {
    l: Layout,
}

pub async fn portal(ctx: Ctx) -> Result<Response, HttpError> {
    render(&Portal { l: Layout::new(&ctx, "public.portal_title", &[("/public", "public.portal_title")]) })
}

#[derive(Template)]
#[template(path = "public_cases.html")]
struct Cases {
    l: Layout,
    x: Fmt,
    heading: String,
    rows: Vec<CaseRow>,
}

#[derive(Deserialize, Default)]
pub struct KindQuery {
    kind: Option<String>,
}

pub async fn cases(State(app): State<App>, ctx: Ctx, Query(q): Query<KindQuery>) -> Result<Response, HttpError> {
    let kind = q.kind.as_deref().and_then(CaseKind::parse).unwrap_or(CaseKind::TypicalCase);
    let rows = crate::app::cases::published(&app, kind, 200).await?;
    let key = format!("cases.{}", kind.code());
    let l = Layout::new(&ctx, &key, &[("/public", "public.portal_title")]);
    render(&Cases { heading: l.t(&key).to_owned(), x: Fmt::new(&ctx), rows, l })
}

#[derive(Template)]
#[template(path = "open_data.html")]
struct OpenData {
    l: Layout,
    fields: Vec<(&'static str, String)>,
}

/// The published fields and what they mean (the OCDS mapping of a transformation project).
const FIELDS: &[(&str, &str)] = &[
    ("ocid", "open.f_ocid"),
    ("parties[].identifier", "open.f_parties"),
    ("parties[].roles", "open.f_roles"),
    ("buyer", "open.f_buyer"),
    ("planning.rationale", "open.f_rationale"),
    ("awards[].value / contracts[].value", "open.f_value"),
    ("contracts[].dateSigned", "open.f_signed"),
    ("contracts[].items[]", "open.f_items"),
    ("contracts[].implementation.milestones[]", "open.f_milestones"),
    ("contracts[].implementation.transactions[]", "open.f_transactions"),
    ("x_dengta.filingNumber", "open.f_filing"),
    ("x_dengta.projectStatus", "open.f_status"),
];

pub async fn open_data(ctx: Ctx) -> Result<Response, HttpError> {
    let l = Layout::new(&ctx, "open.title", &[("/public", "public.portal_title")]);
    let fields = FIELDS.iter().map(|(f, k)| (*f, l.t(k).to_owned())).collect();
    render(&OpenData { fields, l })
}
