//! Catalogue pages: search, the solution page and form, the provider's own list and the
//! authority's review queue, an enterprise's recommendations, contact requests and demand.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use dengta_domain::money::Fen;
use dengta_domain::role::Role;
use serde::Deserialize;

use super::fmt::{Fmt, stars};
use super::{Msg, PAGE_SIZE, render, render_form};
use crate::app::catalogue::{
    self as cat, ContactView, DemandRow, ItemInput, Matches, SceneTarget, SearchQuery, SolutionInput, SubIndustryDemand,
};
use crate::app::records::SubIndustryRow;
use crate::app::records::{ItemRow, SolutionRow};
use crate::app::{App, AppError};
use crate::ctx::Ctx;
use crate::error::HttpError;
use crate::form::{Pairs, all_ids, one, refusal};
use crate::layout::Layout;

pub fn yuan(fen: i64) -> String {
    Fen(fen).to_string()
}

fn scene_names(s: &SolutionRow, scenes: &[(String, String)]) -> Vec<(String, String)> {
    s.scenes_text
        .split_whitespace()
        .filter_map(|p| p.split_once(':'))
        .map(|(id, lv)| {
            let name = scenes.iter().find(|x| x.0 == id).map(|x| x.1.clone()).unwrap_or_else(|| id.to_owned());
            (name, format!("L{lv}"))
        })
        .collect()
}

// ---- search ------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "solutions.html")]
struct SearchPage {
    l: Layout,
    x: Fmt,
    q: SearchQuery,
    rows: Vec<SolutionRow>,
    scenes: Vec<(String, String)>,
    next: Option<String>,
    error: Option<String>,
}

/// (id, name) of each tag in a solution's `tags_text`, in the list's order.
fn tag_names(text: &str) -> Vec<(String, String)> {
    let Ok(list) = cat::tags() else { return Vec::new() };
    let on: Vec<&str> = text.split_whitespace().collect();
    list.tags.iter().filter(|t| on.contains(&t.id.as_str())).map(|t| (t.id.clone(), t.name.clone())).collect()
}

/// (id, name, chosen) of every tag of the closed list.
fn tag_options(chosen: &[&str]) -> Vec<(String, String, bool)> {
    let Ok(list) = cat::tags() else { return Vec::new() };
    list.tags.iter().map(|t| (t.id.clone(), t.name.clone(), chosen.contains(&t.id.as_str()))).collect()
}

impl SearchPage {
    fn tags_of(&self, s: &SolutionRow) -> Vec<(String, String)> {
        tag_names(&s.tags_text)
    }
    fn tag_options(&self) -> Vec<(String, String, bool)> {
        tag_options(&[self.q.tag.as_deref().unwrap_or("")])
    }
    fn scenes_of(&self, s: &SolutionRow) -> Vec<(String, String)> {
        scene_names(s, &self.scenes)
    }
    fn v<'a>(&self, o: &'a Option<String>) -> &'a str {
        o.as_deref().unwrap_or("")
    }
}

pub async fn search(State(app): State<App>, ctx: Ctx, Query(q): Query<SearchQuery>) -> Result<Response, HttpError> {
    let scenes = cat::scene_catalogue()?;
    let (rows, next, error) = match cat::search(&app, &q, PAGE_SIZE).await {
        Ok((rows, next)) => (rows, next, None),
        Err(e) => (Vec::new(), None, Some(refusal(&ctx, e)?)),
    };
    let next = next.map(|id| {
        let keep = serde_urlencoded::to_string(SearchQuery { after: Some(id), ..q.clone() }).unwrap_or_default();
        format!("/solutions?{keep}")
    });
    let failed = error.is_some();
    render_form(
        &SearchPage {
            x: Fmt::new(&ctx),
            l: Layout::new(&ctx, "solutions.title", &[("/solutions", "nav.solutions")]),
            q,
            rows,
            scenes,
            next,
            error,
        },
        failed,
    )
}

// ---- one solution ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "solution.html")]
struct SolutionPage {
    l: Layout,
    x: Fmt,
    s: SolutionRow,
    items: Vec<ItemRow>,
    scenes: Vec<(String, String)>,
    is_owner: bool,
    is_officer: bool,
    is_enterprise: bool,
    notice: Option<&'static str>,
    error: Option<String>,
}

impl SolutionPage {
    fn tags(&self) -> Vec<(String, String)> {
        tag_names(&self.s.tags_text)
    }
}

async fn solution_page(
    app: &App,
    ctx: &Ctx,
    id: i64,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    let (s, items) = cat::get(app, p, id).await?;
    let scenes = scene_names(&s, &cat::scene_catalogue()?);
    let href = format!("/solutions/{id}");
    let name = s.name.clone();
    let failed = error.is_some();
    render_form(
        &SolutionPage {
            x: Fmt::new(ctx),
            l: Layout::titled(ctx, name.clone(), &[("/solutions", "nav.solutions"), (&href, &name)]),
            is_owner: p.role == Role::Provider && p.provider_id == Some(s.provider_id),
            is_officer: p.role == Role::Officer,
            is_enterprise: p.role == Role::Enterprise,
            s,
            items,
            scenes,
            notice,
            error,
        },
        failed,
    )
}

pub async fn show(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(m): Query<Msg>,
) -> Result<Response, HttpError> {
    solution_page(&app, &ctx, id, m.text(ctx.lang), None).await
}

pub async fn decide(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> Result<Response, HttpError> {
    match cat::decide(&app, &ctx.actor(), id, &one(&f, "action"), &one(&f, "note")).await {
        Ok(_) => Ok(Redirect::to(&format!("/solutions/{id}?msg=common.done")).into_response()),
        Err(e) => {
            let msg = refusal(&ctx, e)?;
            solution_page(&app, &ctx, id, None, Some(msg)).await
        }
    }
}

// ---- the form ------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "solution_form.html")]
struct FormPage {
    l: Layout,
    x: Fmt,
    action: String,
    f: SolutionInput,
    version: i64,
    scenes: Vec<(String, String)>,
    subs: Vec<SubIndustryRow>,
    error: Option<String>,
}

impl FormPage {
    fn tag_options(&self) -> Vec<(String, String, bool)> {
        tag_options(&self.f.tags.iter().map(String::as_str).collect::<Vec<_>>())
    }
    fn level_of(&self, scene: &str) -> u8 {
        self.f.scenes.iter().find(|s| s.scene == scene).map_or(0, |s| s.level)
    }
    fn item(&self, i: &usize) -> ItemInput {
        self.f.items.get(*i).cloned().unwrap_or_default()
    }
    fn has_sub(&self, id: &i64) -> bool {
        self.f.sub_industries.contains(id)
    }
    fn deployments(&self) -> &'static [&'static str] {
        &["saas", "on_premises", "hybrid"]
    }
    fn layers(&self) -> &'static [&'static str] {
        &["saas", "paas", "iaas", "none"]
    }
}

fn input_of(f: &Pairs) -> SolutionInput {
    let names: Vec<&String> = f.iter().filter(|(k, _)| k == "item_name").map(|(_, v)| v).collect();
    let units: Vec<&String> = f.iter().filter(|(k, _)| k == "item_unit").map(|(_, v)| v).collect();
    let prices: Vec<&String> = f.iter().filter(|(k, _)| k == "item_price").map(|(_, v)| v).collect();
    let items = names
        .iter()
        .enumerate()
        .map(|(i, n)| ItemInput {
            name: (*n).clone(),
            unit: units.get(i).map(|s| (*s).clone()).unwrap_or_default(),
            price: prices.get(i).map(|s| (*s).clone()).unwrap_or_default(),
            price_fen: None,
        })
        .collect();
    let scenes = f
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("scene_").map(|id| (id, v)))
        .filter_map(|(id, v)| {
            v.trim().parse::<u8>().ok().filter(|l| *l > 0).map(|level| SceneTarget { scene: id.to_owned(), level })
        })
        .collect();
    SolutionInput {
        name: one(f, "name"),
        description: one(f, "description"),
        is_xkqz: one(f, "is_xkqz") == "on",
        delivery_days: one(f, "delivery_days").trim().parse().unwrap_or(0),
        deployment: one(f, "deployment"),
        cloud_layer: one(f, "cloud_layer"),
        items,
        scenes,
        industries: one(f, "industries")
            .split(|c: char| c.is_whitespace() || c == ',' || c == '，')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        sub_industries: all_ids(f, "sub_industry"),
        tags: f.iter().filter(|(k, _)| k == "tag").map(|(_, v)| v.clone()).collect(),
    }
}

async fn form_page(
    app: &App,
    ctx: &Ctx,
    action: String,
    f: SolutionInput,
    version: i64,
    error: Option<String>,
) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    let subs = match p.provider_id {
        Some(id) => crate::app::providers::sub_industries_of(app, id).await?,
        None => Vec::new(),
    };
    let failed = error.is_some();
    let title = if version == 0 { "solutions.new" } else { "solutions.edit" };
    render_form(
        &FormPage {
            x: Fmt::new(ctx),
            l: Layout::new(ctx, title, &[("/my/solutions", "nav.my_solutions")]),
            action,
            f,
            version,
            scenes: cat::scene_catalogue()?,
            subs,
            error,
        },
        failed,
    )
}

pub async fn new_form(State(app): State<App>, ctx: Ctx) -> Result<Response, HttpError> {
    let f =
        SolutionInput { deployment: "saas".into(), cloud_layer: "saas".into(), is_xkqz: true, ..Default::default() };
    form_page(&app, &ctx, "/solutions/new".into(), f, 0, None).await
}

pub async fn create(State(app): State<App>, ctx: Ctx, Form(f): Form<Pairs>) -> Result<Response, HttpError> {
    let input = input_of(&f);
    match cat::create(&app, &ctx.actor(), &input).await {
        Ok(id) => Ok(Redirect::to(&format!("/solutions/{id}?msg=common.done")).into_response()),
        Err(e) => {
            let msg = refusal(&ctx, e)?;
            form_page(&app, &ctx, "/solutions/new".into(), input, 0, Some(msg)).await
        }
    }
}

pub async fn edit_form(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, HttpError> {
    let (s, items) = cat::get(&app, ctx.principal()?, id).await?;
    let f = SolutionInput {
        name: s.name.clone(),
        description: s.description.clone(),
        is_xkqz: s.is_xkqz,
        delivery_days: s.delivery_days,
        deployment: s.deployment.clone(),
        cloud_layer: s.cloud_layer.clone(),
        items: items
            .iter()
            .map(|i| ItemInput {
                name: i.name.clone(),
                unit: i.unit.clone(),
                price: Fen(i.price_fen).to_string().replace(',', ""),
                price_fen: None,
            })
            .collect(),
        scenes: s
            .scenes_text
            .split_whitespace()
            .filter_map(|p| p.split_once(':'))
            .filter_map(|(sc, l)| l.parse().ok().map(|level| SceneTarget { scene: sc.to_owned(), level }))
            .collect(),
        industries: s.industries_text.split_whitespace().map(str::to_owned).collect(),
        sub_industries: s.sub_industries_text.split_whitespace().filter_map(|v| v.parse().ok()).collect(),
        tags: s.tags_text.split_whitespace().map(str::to_owned).collect(),
    };
    form_page(&app, &ctx, format!("/solutions/{id}/edit"), f, s.version, None).await
}

pub async fn update(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> Result<Response, HttpError> {
    let input = input_of(&f);
    let version = one(&f, "version").trim().parse().unwrap_or(0);
    match cat::update(&app, &ctx.actor(), id, version, &input).await {
        Ok(()) => Ok(Redirect::to(&format!("/solutions/{id}?msg=common.done")).into_response()),
        Err(e) => {
            let msg = refusal(&ctx, e)?;
            form_page(&app, &ctx, format!("/solutions/{id}/edit"), input, version, Some(msg)).await
        }
    }
}

// ---- lists: the provider's own, the review queue ---------------------------------------------------

#[derive(Template)]
#[template(path = "solution_list.html")]
struct ListPage {
    l: Layout,
    x: Fmt,
    rows: Vec<SolutionRow>,
    own: bool,
}

pub async fn mine(State(app): State<App>, ctx: Ctx) -> Result<Response, HttpError> {
    let rows = cat::mine(&app, ctx.principal()?).await?;
    render(&ListPage {
        x: Fmt::new(&ctx),
        l: Layout::new(&ctx, "nav.my_solutions", &[("/my/solutions", "nav.my_solutions")]),
        rows,
        own: true,
    })
}

pub async fn review_queue(State(app): State<App>, ctx: Ctx) -> Result<Response, HttpError> {
    let rows = cat::awaiting_review(&app, ctx.principal()?).await?;
    render(&ListPage {
        x: Fmt::new(&ctx),
        l: Layout::new(&ctx, "nav.solution_review", &[("/solutions/review", "nav.solution_review")]),
        rows,
        own: false,
    })
}

// ---- recommendations --------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "matches.html")]
struct MatchesPage {
    l: Layout,
    x: Fmt,
    m: Matches,
    budget: String,
    is_enterprise: bool,
    error: Option<String>,
}

impl MatchesPage {
    fn level_text(&self, l: &u8) -> String {
        match (*l, self.l.lang.code()) {
            (0, "en") => "not started".to_owned(),
            (0, _) => "未开展".to_owned(),
            (n, _) => format!("L{n}"),
        }
    }
}

#[derive(Deserialize, Default)]
pub struct BudgetQuery {
    budget: Option<String>,
}

async fn matches_page(app: &App, ctx: &Ctx, enterprise_id: i64, q: &BudgetQuery) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    let raw = q.budget.clone().unwrap_or_default();
    let (budget, error) = match raw.trim() {
        "" => (None, None),
        b => match Fen::parse_yuan(b) {
            Ok(f) if f.0 > 0 => (Some(f), None),
            Ok(_) => (None, Some(ctx.t("error.budget").to_owned())),
            Err(e) => (None, Some(format!("{}：{e}", ctx.t("error.budget")))),
        },
    };
    let m = cat::matches(app, p, enterprise_id, budget, 20).await?;
    let failed = error.is_some();
    render_form(
        &MatchesPage {
            x: Fmt::new(ctx),
            l: Layout::new(ctx, "matches.title", &[("/my/matches", "nav.matches")]),
            m,
            budget: raw,
            is_enterprise: p.role == Role::Enterprise,
            error,
        },
        failed,
    )
}

pub async fn my_matches(State(app): State<App>, ctx: Ctx, Query(q): Query<BudgetQuery>) -> Result<Response, HttpError> {
    let id = ctx.principal()?.enterprise_id.ok_or(AppError::NotFound)?;
    matches_page(&app, &ctx, id, &q).await
}

pub async fn enterprise_matches(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<BudgetQuery>,
) -> Result<Response, HttpError> {
    matches_page(&app, &ctx, id, &q).await
}

// ---- contact requests ----------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "contacts.html")]
struct ContactsPage {
    l: Layout,
    rows: Vec<ContactView>,
    is_enterprise: bool,
    notice: Option<&'static str>,
    error: Option<String>,
}

async fn contacts_page(
    app: &App,
    ctx: &Ctx,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    let rows = cat::contacts(app, &ctx.actor()).await?;
    let failed = error.is_some();
    render_form(
        &ContactsPage {
            l: Layout::new(ctx, "contacts.title", &[("/contacts", "nav.contacts")]),
            rows,
            is_enterprise: p.role == Role::Enterprise,
            notice,
            error,
        },
        failed,
    )
}

pub async fn contacts(State(app): State<App>, ctx: Ctx, Query(m): Query<Msg>) -> Result<Response, HttpError> {
    contacts_page(&app, &ctx, m.text(ctx.lang), None).await
}

pub async fn request_contact(State(app): State<App>, ctx: Ctx, Form(f): Form<Pairs>) -> Result<Response, HttpError> {
    let provider_id = one(&f, "provider_id").trim().parse().unwrap_or(0);
    let solution_id = one(&f, "solution_id").trim().parse().ok();
    match cat::request_contact(&app, &ctx.actor(), provider_id, solution_id, &one(&f, "message")).await {
        Ok(_) => Ok(Redirect::to("/contacts?msg=contacts.sent").into_response()),
        Err(e) => {
            let msg = refusal(&ctx, e)?;
            contacts_page(&app, &ctx, None, Some(msg)).await
        }
    }
}

pub async fn consent(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> Result<Response, HttpError> {
    let give = one(&f, "give") == "yes";
    match cat::consent(&app, &ctx.actor(), id, give).await {
        Ok(()) => Ok(Redirect::to("/contacts?msg=common.done").into_response()),
        Err(e) => {
            let msg = refusal(&ctx, e)?;
            contacts_page(&app, &ctx, None, Some(msg)).await
        }
    }
}

// ---- demand -----------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "demand.html")]
struct DemandPage {
    l: Layout,
    region: String,
    rows: Vec<DemandRow>,
    subs: Vec<SubIndustryDemand>,
    /// For an officer: the weak scenes ranked by how short the catalogue's supply is.
    gaps: Option<Vec<cat::SupplyGap>>,
    error: Option<String>,
}

impl DemandPage {
    fn yuan(&self, fen: &Option<i64>) -> String {
        fen.map_or_else(|| "—".to_owned(), |f| dengta_domain::money::Fen(f).to_string())
    }
}

#[derive(Deserialize, Default)]
pub struct RegionQuery {
    region: Option<String>,
}

pub async fn demand(State(app): State<App>, ctx: Ctx, Query(q): Query<RegionQuery>) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    let region = q.region.clone().filter(|r| !r.trim().is_empty()).unwrap_or_else(|| p.region.to_string());
    let (rows, subs, error) = match cat::demand(&app, p, &region).await {
        Ok((r, s)) => (r, s, None),
        Err(e) => (Vec::new(), Vec::new(), Some(refusal(&ctx, e)?)),
    };
    let gaps = match (p.role, &error) {
        (dengta_domain::role::Role::Officer, None) => Some(cat::supply_gaps(&app, p, &region).await?),
        _ => None,
    };
    let failed = error.is_some();
    render_form(
        &DemandPage {
            l: Layout::new(&ctx, "demand.title", &[("/demand", "nav.demand")]),
            region,
            rows,
            subs,
            gaps,
            error,
        },
        failed,
    )
}

/// Stars as text for templates.
pub fn stars_text(n: &i64) -> String {
    stars(*n)
}
