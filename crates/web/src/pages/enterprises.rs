//! The enterprise file pages: the filtered list, registration, the file page
//! (identity, size history, credit flags, cloud records, change history) and
//! the forms that change it.

use super::render_form;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use dengta_domain::enterprise::profile::{CreditKind, SrdiTier, size_from_code};
use dengta_domain::role::Role;
use serde::Deserialize;

use super::directory::{split_page, urlencode};
use super::{Msg, PAGE_SIZE, render};
use crate::app::directory::{self, EnterpriseFilters, EnterpriseView};
use crate::app::enterprises::{self as ent, CreditForm, EnterpriseFile, EnterpriseInput, SizeForm};
use crate::app::{App, AppError};
use crate::ctx::Ctx;
use crate::error::HttpError;
use crate::form::error_text;
use crate::layout::Layout;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(flatten)]
    pub filters: EnterpriseFilters,
    pub after: Option<i64>,
}

pub fn size_label(code: Option<&str>) -> &'static str {
    code.and_then(size_from_code).map(|c| c.label()).unwrap_or("—")
}

pub fn srdi_label(code: &str) -> &'static str {
    SrdiTier::from_code(code).map(|t| t.label()).unwrap_or("—")
}

/// The query string of the current filters (for paging and export links).
pub fn filter_query(f: &EnterpriseFilters) -> String {
    let pairs = [
        ("name", &f.name),
        ("industry", &f.industry),
        ("size_class", &f.size_class),
        ("cloud", &f.cloud),
        ("srdi", &f.srdi),
        ("region", &f.region),
    ];
    pairs
        .iter()
        .filter_map(|(k, v)| v.as_deref().filter(|v| !v.is_empty()).map(|v| format!("{k}={}", urlencode(v))))
        .collect::<Vec<_>>()
        .join("&")
}

#[derive(Template)]
#[template(path = "enterprises.html")]
struct ListPage {
    l: Layout,
    rows: Vec<EnterpriseView>,
    f: EnterpriseFilters,
    query: String,
    next: Option<String>,
    paged: bool,
    can_register: bool,
    error: Option<String>,
    sizes: Vec<(&'static str, &'static str)>,
    tiers: Vec<(&'static str, &'static str)>,
}

fn size_options() -> Vec<(&'static str, &'static str)> {
    vec![("medium", "中型"), ("small", "小型"), ("micro", "微型"), ("not_sme", "非中小企业")]
}

fn tier_options() -> Vec<(&'static str, &'static str)> {
    SrdiTier::ALL.iter().map(|t| (t.code(), t.label())).collect()
}

pub async fn list(State(app): State<App>, ctx: Ctx, Query(q): Query<ListQuery>) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    let (rows, error) =
        match directory::list_enterprises(&app, p, &q.filters, q.after.unwrap_or(0), PAGE_SIZE + 1).await {
            Ok(rows) => (rows, None),
            Err(AppError::Invalid { key, detail }) => (Vec::new(), Some(format!("{} {detail}", ctx.t(key)))),
            Err(e) => return Err(e.into()),
        };
    let (rows, next) = split_page(rows, |e| e.id);
    let query = filter_query(&q.filters);
    render(&ListPage {
        l: Layout::new(&ctx, "enterprises.title", &[("/enterprises", "nav.enterprises")]),
        next: next.map(|id| format!("/enterprises?{query}&after={id}")),
        paged: q.after.is_some(),
        can_register: p.role == Role::Officer,
        rows,
        f: q.filters,
        query,
        error,
        sizes: size_options(),
        tiers: tier_options(),
    })
}

#[derive(Template)]
#[template(path = "enterprise_form.html")]
struct FormPage {
    l: Layout,
    action: String,
    f: EnterpriseInput,
    version: i64,
    error: Option<String>,
    officer: bool,
    tiers: Vec<(&'static str, &'static str)>,
    /// Where to ask for the personal data unmasked (an audited read), when it is masked.
    reveal_href: Option<String>,
}

fn form_page(
    ctx: &Ctx,
    action: String,
    f: EnterpriseInput,
    version: i64,
    error: Option<String>,
) -> Result<Response, HttpError> {
    let is_new = version == 0;
    let title = if is_new { "enterprises.new" } else { "enterprises.edit" };
    let l = Layout::new(ctx, title, &[("/enterprises", "nav.enterprises"), (&action, title)]);
    let officer = ctx.principal.as_ref().is_some_and(|p| p.role == Role::Officer);
    let failed = error.is_some();
    // Masked personal data on an edit form can be revealed (audited) like on the file page.
    let reveal_href = (!is_new && (f.legal_rep.contains('*') || f.contact_phone.contains('*')))
        .then(|| format!("{action}?personal=1"));
    render_form(&FormPage { l, action, f, version, error, officer, tiers: tier_options(), reveal_href }, failed)
}

pub async fn new_form(ctx: Ctx) -> Result<Response, HttpError> {
    let f = EnterpriseInput { srdi_tier: "none".into(), ..Default::default() };
    form_page(&ctx, "/enterprises/new".into(), f, 0, None)
}

pub async fn create(State(app): State<App>, ctx: Ctx, Form(f): Form<EnterpriseInput>) -> Result<Response, HttpError> {
    match ent::register(&app, &ctx.actor(), &f).await {
        Ok(id) => Ok(Redirect::to(&format!("/enterprises/{id}?msg=enterprises.created")).into_response()),
        Err(AppError::Invalid { key, detail }) => {
            form_page(&ctx, "/enterprises/new".into(), f, 0, Some(error_text(&ctx, key, &detail)))
        }
        Err(AppError::Conflict(key)) => form_page(&ctx, "/enterprises/new".into(), f, 0, Some(ctx.t(key).to_owned())),
        Err(e) => Err(e.into()),
    }
}

fn input_of(e: &crate::app::records::EnterpriseRow) -> EnterpriseInput {
    EnterpriseInput {
        uscc: e.uscc.clone(),
        legacy_reason: e.uscc_legacy_reason.clone().unwrap_or_default(),
        name: e.name.clone(),
        region: e.region_code.clone(),
        industry: e.industry_code.clone(),
        address: e.address.clone().unwrap_or_default(),
        legal_rep: e.legal_rep.clone().unwrap_or_default(),
        contact_phone: e.contact_phone.clone().unwrap_or_default(),
        above_scale: e.above_scale.then(|| "on".to_owned()),
        srdi_tier: e.srdi_tier.clone(),
    }
}

pub async fn edit_form(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(personal): Query<crate::form::Personal>,
) -> Result<Response, HttpError> {
    let e = ent::for_edit(&app, &ctx.actor(), id, personal.reveal()).await?;
    form_page(&ctx, format!("/enterprises/{id}/edit"), input_of(&e), e.version, None)
}

#[derive(Deserialize)]
pub struct EditForm {
    #[serde(flatten)]
    f: EnterpriseInput,
    #[serde(default)]
    version: String,
}

pub async fn update(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<EditForm>,
) -> Result<Response, HttpError> {
    ent::ensure_visible(&app, ctx.principal()?, id).await?;
    let version: i64 = form.version.parse().map_err(|_| AppError::invalid("error.bad_request", "version"))?;
    let action = format!("/enterprises/{id}/edit");
    match ent::update(&app, &ctx.actor(), id, version, &form.f).await {
        Ok(()) => Ok(Redirect::to(&format!("/enterprises/{id}?msg=enterprises.saved")).into_response()),
        Err(AppError::Invalid { key, detail }) => {
            form_page(&ctx, action, form.f, version, Some(error_text(&ctx, key, &detail)))
        }
        Err(AppError::Conflict(key)) => form_page(&ctx, action, form.f, version, Some(ctx.t(key).to_owned())),
        Err(e) => Err(e.into()),
    }
}

pub struct HistoryLine {
    pub time: String,
    pub username: String,
    pub action: String,
    pub changes: Vec<(String, String, String)>,
}

/// Field-by-field differences of two JSON objects: (field, before, after).
pub fn diff(before: &str, after: &str) -> Vec<(String, String, String)> {
    let b: serde_json::Map<String, serde_json::Value> = serde_json::from_str(before).unwrap_or_default();
    let a: serde_json::Map<String, serde_json::Value> = serde_json::from_str(after).unwrap_or_default();
    let show = |v: Option<&serde_json::Value>| match v {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    };
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter().filter(|k| a.get(*k) != b.get(*k)).map(|k| (k.clone(), show(b.get(k)), show(a.get(k)))).collect()
}

#[derive(Template)]
#[template(path = "enterprise.html")]
struct FilePage {
    l: Layout,
    f: EnterpriseFile,
    notice: Option<&'static str>,
    error: Option<String>,
    officer: bool,
    own: bool,
    history: Vec<HistoryLine>,
    credit_kinds: Vec<(&'static str, &'static str)>,
    /// Personal data is shown unmasked (and the view was audited).
    revealed: bool,
    /// Connected devices and their KPIs (设备上云).
    eq: super::equipment::EquipmentView,
}

impl FilePage {
    fn size_label(&self, code: &str) -> &'static str {
        size_label(Some(code))
    }
    fn credit_label(&self, code: &str) -> &'static str {
        CreditKind::from_code(code).map(|k| k.label()).unwrap_or("—")
    }
    fn current_size(&self) -> &'static str {
        size_label(self.f.e.size_class.as_deref())
    }
    fn srdi(&self) -> &'static str {
        srdi_label(&self.f.e.srdi_tier)
    }
    fn yuan(&self, fen: &Option<i64>) -> String {
        fen.map(|f| dengta_domain::money::Fen(f).to_string()).unwrap_or_default()
    }
    fn cloud_label(&self, kind: &str, code: &str) -> &'static str {
        use dengta_domain::enterprise::cloud::{CloudCategory, CloudLayer, CloudStatus};
        match kind {
            "layer" => CloudLayer::parse(code).map(|v| v.label()),
            "category" => CloudCategory::parse(code).map(|v| v.label()),
            _ => CloudStatus::parse(code).map(|v| v.label()),
        }
        .unwrap_or("—")
    }
}

async fn file_page(
    app: &App,
    ctx: &Ctx,
    id: i64,
    notice: Option<&'static str>,
    error: Option<String>,
    reveal: bool,
) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    let f = ent::file(app, &ctx.actor(), id, reveal).await?;
    let href = format!("/enterprises/{id}");
    let l = Layout::titled(ctx, f.e.name.clone(), &[("/enterprises", "nav.enterprises"), (&href, &f.e.name)]);
    let history = f
        .history
        .iter()
        .map(|h| HistoryLine {
            time: super::audit::beijing(h.at_ms),
            username: h.username.clone(),
            action: h.action.clone(),
            changes: diff(&h.before_json, &h.after_json),
        })
        .collect();
    let failed = error.is_some();
    let eq = super::equipment::of_enterprise(app, p, id, ctx.lang).await?;
    render_form(
        &FilePage {
            eq,
            l,
            officer: p.role == Role::Officer,
            own: p.enterprise_id == Some(id),
            notice,
            error,
            history,
            credit_kinds: CreditKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
            revealed: reveal,
            f,
        },
        failed,
    )
}

pub async fn show(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(msg): Query<Msg>,
    Query(personal): Query<crate::form::Personal>,
) -> Result<Response, HttpError> {
    file_page(&app, &ctx, id, msg.text(ctx.lang), None, personal.reveal()).await
}

/// After a form on the file page: back to it, or the page again with the error.
async fn after(app: &App, ctx: &Ctx, id: i64, result: Result<(), AppError>) -> Result<Response, HttpError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/enterprises/{id}?msg=enterprises.saved")).into_response()),
        Err(AppError::Invalid { key, detail }) => {
            file_page(app, ctx, id, None, Some(error_text(ctx, key, &detail)), false).await
        }
        Err(AppError::Conflict(key)) => file_page(app, ctx, id, None, Some(ctx.t(key).to_owned()), false).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn add_size(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<SizeForm>,
) -> Result<Response, HttpError> {
    let r = ent::record_size(&app, &ctx.actor(), id, &f).await.map(|_| ());
    after(&app, &ctx, id, r).await
}

pub async fn add_credit(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<CreditForm>,
) -> Result<Response, HttpError> {
    let r = ent::add_credit(&app, &ctx.actor(), id, &f).await;
    after(&app, &ctx, id, r).await
}

#[derive(Deserialize)]
pub struct RemoveCredit {
    #[serde(default)]
    flag_id: String,
    #[serde(default)]
    removed_on: String,
}

pub async fn remove_credit(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<RemoveCredit>,
) -> Result<Response, HttpError> {
    ent::ensure_visible(&app, ctx.principal()?, id).await?;
    let flag: i64 = f.flag_id.parse().map_err(|_| AppError::invalid("error.bad_request", "flag_id"))?;
    let r = ent::remove_credit(&app, &ctx.actor(), id, flag, &f.removed_on).await;
    after(&app, &ctx, id, r).await
}

pub async fn report_cloud(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<crate::app::cloud::CloudForm>,
) -> Result<Response, HttpError> {
    let r = crate::app::cloud::report(&app, &ctx.actor(), id, &f).await.map(|_| ());
    after(&app, &ctx, id, r).await
}

#[derive(Deserialize)]
pub struct CloudDecision {
    #[serde(default)]
    record_id: String,
    #[serde(default)]
    decision: String,
}

pub async fn decide_cloud(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<CloudDecision>,
) -> Result<Response, HttpError> {
    ent::ensure_visible(&app, ctx.principal()?, id).await?;
    let record: i64 = f.record_id.parse().map_err(|_| AppError::invalid("error.bad_request", "record_id"))?;
    let d =
        crate::app::cloud::Decision::parse(&f.decision).ok_or(AppError::invalid("error.bad_request", "decision"))?;
    let r = crate::app::cloud::decide(&app, &ctx.actor(), id, record, d).await.map(|_| ());
    after(&app, &ctx, id, r).await
}
