//! The 小快轻准 catalogue: providers publish solutions after an authority's review; anyone
//! signed in searches them (Chinese n-gram search with filters); an enterprise gets solutions
//! ranked against the gaps of its latest assessment with the reasons spelled out; it may ask a
//! provider to contact it, and its contact details travel only with its separate consent.
//! Providers see demand as aggregate gap counts, never enterprise identities.

use std::sync::LazyLock;

use dengta_domain::catalogue::matching::{self, Candidate, EnterpriseNeed, MatchWeights, Ranking, SceneGap};
use dengta_domain::catalogue::search;
use dengta_domain::catalogue::tags::TagList;
use dengta_domain::money::Fen;
use dengta_domain::policy::{self, Action};
use dengta_domain::provider::lifecycle::ProviderState;
use dengta_domain::region::RegionCode;
use dengta_domain::role::{Principal, Role};
use serde::{Deserialize, Serialize};

use super::assessments::{self as asm, Kind};
use super::audit::{Outcome, record, record_alone};
use super::identifiers::region_path;
use super::{Actor, App, AppError, AppResult, check};
use crate::db::catalogue::{self as store, ContactRow, ItemRow, SolutionRow};
use crate::db::enterprises::EnterpriseRow;
use crate::db::{self, Conn};

static WEIGHTS: LazyLock<Result<MatchWeights, String>> =
    LazyLock::new(|| MatchWeights::builtin().map_err(|e| e.to_string()));

fn weights() -> AppResult<&'static MatchWeights> {
    WEIGHTS.as_ref().map_err(|e| AppError::Internal(format!("matching.toml: {e}")))
}

fn region_of(code: &str) -> AppResult<RegionCode> {
    RegionCode::parse(code).map_err(|e| AppError::Internal(e.to_string()))
}

fn principal(actor: &Actor) -> AppResult<&Principal> {
    actor.principal.as_ref().ok_or(AppError::Unauthenticated)
}

/// Every prefix of a GB/T 4754 code ("C3411" → C, C34, C341, C3411): the codes a solution may
/// name to apply to it.
pub fn industry_prefixes(code: &str) -> Vec<String> {
    let code = code.trim().to_ascii_uppercase();
    let mut out = Vec::new();
    for n in [1, 3, 4, 5] {
        if code.len() >= n && code.is_char_boundary(n) {
            out.push(code[..n].to_owned());
        }
    }
    out.dedup();
    out
}

// ---- solutions ----------------------------------------------------------------

/// A solution as submitted by a form or the API.
#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
pub struct SolutionInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub is_xkqz: bool,
    #[serde(default)]
    pub delivery_days: i64,
    #[serde(default)]
    pub deployment: String,
    #[serde(default)]
    pub cloud_layer: String,
    /// Price items: name, unit, price in yuan ("12000.00") or fen via `price_fen`.
    #[serde(default)]
    pub items: Vec<ItemInput>,
    /// Target scenes: scene id → the level the solution lifts it to (1–4).
    #[serde(default)]
    pub scenes: Vec<SceneTarget>,
    /// GB/T 4754 codes at any level; empty = every industry.
    #[serde(default)]
    pub industries: Vec<String>,
    #[serde(default)]
    pub sub_industries: Vec<i64>,
    /// Tags from the closed list (`GET /api/v1/solution-tags`), e.g. "ai", "llm".
    #[serde(default)]
    #[schemars(schema_with = "tags_schema")]
    pub tags: Vec<String>,
}

static TAGS: LazyLock<Result<TagList, String>> = LazyLock::new(|| TagList::builtin().map_err(|e| e.to_string()));

/// The closed list of catalogue tags, loaded once.
pub fn tags() -> AppResult<&'static TagList> {
    TAGS.as_ref().map_err(|e| AppError::Internal(format!("solution tags: {e}")))
}

fn tag_ids() -> Vec<String> {
    tags().map(|l| l.tags.iter().map(|t| t.id.clone()).collect()).unwrap_or_default()
}

fn tags_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": "array", "items": { "type": "string", "enum": tag_ids() }, "uniqueItems": true })
}

fn tag_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": "string", "enum": tag_ids() })
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
pub struct ItemInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub price: String,
    #[serde(default)]
    pub price_fen: Option<i64>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
pub struct SceneTarget {
    pub scene: String,
    pub level: u8,
}

struct Validated {
    name: String,
    description: String,
    items: Vec<(String, String, i64)>,
    scenes: Vec<(String, u8)>,
    industries: Vec<String>,
    sub_industries: Vec<i64>,
    terms: Vec<String>,
    tags: Vec<String>,
}

/// The 16 scenes of the current manufacturing instrument: (id, name).
pub fn scene_catalogue() -> AppResult<Vec<(String, String)>> {
    let inst = asm::latest_instrument("mfg-2024")?;
    Ok(inst.scenes().iter().map(|s| (s.id.clone(), s.name.clone())).collect())
}

fn validate(f: &SolutionInput, allowed_subs: &[i64]) -> AppResult<Validated> {
    let name = f.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::invalid("error.solution_name", name));
    }
    let description = f.description.trim();
    if description.is_empty() || description.chars().count() > 5000 {
        return Err(AppError::invalid("error.solution_description", ""));
    }
    if !(1..=3650).contains(&f.delivery_days) {
        return Err(AppError::invalid("error.delivery_days", f.delivery_days.to_string()));
    }
    if !["saas", "on_premises", "hybrid"].contains(&f.deployment.as_str()) {
        return Err(AppError::invalid("error.deployment", &f.deployment));
    }
    if !["iaas", "paas", "saas", "none"].contains(&f.cloud_layer.as_str()) {
        return Err(AppError::invalid("error.cloud_layer", &f.cloud_layer));
    }
    let mut items = Vec::new();
    for it in f.items.iter().filter(|i| !(i.name.trim().is_empty() && i.price.trim().is_empty())) {
        let iname = it.name.trim();
        if iname.is_empty() || iname.chars().count() > 100 {
            return Err(AppError::invalid("error.item_name", iname));
        }
        let fen = match it.price_fen {
            Some(f) => f,
            None => Fen::parse_yuan(&it.price).map_err(|e| AppError::invalid("error.item_price", e.to_string()))?.0,
        };
        if !(0..=10_000_000_000).contains(&fen) {
            return Err(AppError::invalid("error.item_price", it.price.clone()));
        }
        let unit = if it.unit.trim().is_empty() { "套".to_owned() } else { it.unit.trim().chars().take(20).collect() };
        items.push((iname.to_owned(), unit, fen));
    }
    if items.is_empty() {
        return Err(AppError::invalid("error.items_required", ""));
    }
    let known = scene_catalogue()?;
    let mut scenes: Vec<(String, u8)> = Vec::new();
    for s in &f.scenes {
        if !known.iter().any(|(id, _)| *id == s.scene) {
            return Err(AppError::invalid("error.scene_unknown", &s.scene));
        }
        if !(1..=4).contains(&s.level) {
            return Err(AppError::invalid("error.scene_level", s.level.to_string()));
        }
        if scenes.iter().any(|(id, _)| *id == s.scene) {
            return Err(AppError::invalid("error.scene_twice", &s.scene));
        }
        scenes.push((s.scene.clone(), s.level));
    }
    if scenes.is_empty() {
        return Err(AppError::invalid("error.scenes_required", ""));
    }
    let list = dengta_domain::codes::industries::IndustryList::embedded();
    let mut industries = Vec::new();
    for c in &f.industries {
        let c = c.trim().to_ascii_uppercase();
        if c.is_empty() {
            continue;
        }
        if list.get(&c).is_none() {
            return Err(AppError::invalid("error.industry_unknown", c));
        }
        industries.push(c);
    }
    industries.sort();
    industries.dedup();
    let mut sub_industries = f.sub_industries.clone();
    sub_industries.sort_unstable();
    sub_industries.dedup();
    if let Some(bad) = sub_industries.iter().find(|s| !allowed_subs.contains(s)) {
        return Err(AppError::invalid("error.sub_industry_unknown", bad.to_string()));
    }
    let mut text = format!("{name}\n{description}");
    for (n, _, _) in &items {
        text.push('\n');
        text.push_str(n);
    }
    Ok(Validated {
        terms: search::index_terms(&text),
        name: name.to_owned(),
        description: description.to_owned(),
        items,
        scenes,
        industries,
        sub_industries,
        tags: tags()?.parse(&f.tags).map_err(|t| AppError::invalid("error.tag_unknown", t))?,
    })
}

fn data<'a>(v: &'a Validated, f: &'a SolutionInput) -> store::SolutionData<'a> {
    store::SolutionData {
        name: &v.name,
        description: &v.description,
        is_xkqz: f.is_xkqz,
        delivery_days: f.delivery_days,
        deployment: &f.deployment,
        cloud_layer: &f.cloud_layer,
        items: &v.items,
        scenes: &v.scenes,
        industries: &v.industries,
        sub_industries: &v.sub_industries,
        terms: &v.terms,
        tags: &v.tags,
    }
}

async fn provider_subs(c: &mut impl Conn, provider_id: i64) -> AppResult<Vec<i64>> {
    Ok(db::providers::provider_sub_industries(c, provider_id).await?.into_iter().map(|s| s.id).collect())
}

/// A provider in the pool drafts a solution.
pub async fn create(app: &App, actor: &Actor, f: &SolutionInput) -> AppResult<i64> {
    let p = principal(actor)?;
    let provider_id = match (p.role, p.provider_id) {
        (Role::Provider, Some(id)) => id,
        _ => return Err(AppError::Forbidden),
    };
    let mut tx = app.db.begin().await?;
    let pr = db::providers::get(&mut tx, provider_id).await?.ok_or(AppError::NotFound)?;
    check(policy::solution(p, Action::Create, pr.id, &region_of(&pr.region_code)?, false))?;
    if !ProviderState::parse(&pr.status).is_some_and(ProviderState::in_pool) {
        return Err(AppError::Conflict("error.provider_not_in_pool"));
    }
    let v = validate(f, &provider_subs(&mut tx, pr.id).await?)?;
    let id = store::insert(&mut tx, pr.id, &data(&v, f), false).await?;
    record(&mut tx, actor, "solution.create", &format!("solution:{id}"), Outcome::Ok, &v.name).await?;
    tx.commit().await?;
    Ok(id)
}

/// Demo data: a solution stored and published at once.
pub async fn insert_published_demo(tx: &mut db::Tx, provider_id: i64, f: &SolutionInput) -> AppResult<i64> {
    let v = validate(f, &provider_subs(tx, provider_id).await?)?;
    let id = store::insert(tx, provider_id, &data(&v, f), true).await?;
    if !store::set_status(tx, id, 1, &["draft"], "published", "").await? {
        return Err(AppError::Internal(format!("demo solution {id}")));
    }
    Ok(id)
}

/// The provider edits a draft or rejected solution (back to draft).
pub async fn update(app: &App, actor: &Actor, id: i64, version: i64, f: &SolutionInput) -> AppResult<()> {
    let p = principal(actor)?;
    let mut tx = app.db.begin().await?;
    let s = load(&mut tx, p, id, Action::Update).await?;
    if p.role != Role::Provider {
        return Err(AppError::Forbidden);
    }
    let v = validate(f, &provider_subs(&mut tx, s.provider_id).await?)?;
    let version = if version == 0 { s.version } else { version };
    if !store::update(&mut tx, id, version, &data(&v, f)).await? {
        return Err(AppError::Conflict("error.solution_not_editable"));
    }
    record(&mut tx, actor, "solution.update", &format!("solution:{id}"), Outcome::Ok, &v.name).await?;
    tx.commit().await?;
    Ok(())
}

async fn load(c: &mut impl Conn, p: &Principal, id: i64, action: Action) -> AppResult<SolutionRow> {
    let s = store::get(c, id).await?.ok_or(AppError::NotFound)?;
    let visible =
        s.status == "published" && ProviderState::parse(&s.provider_status).is_some_and(ProviderState::in_pool);
    check(policy::solution(
        p,
        action,
        s.provider_id,
        &region_of(&s.provider_region)?,
        visible && action == Action::Read,
    ))?;
    Ok(s)
}

pub async fn get(app: &App, p: &Principal, id: i64) -> AppResult<(SolutionRow, Vec<ItemRow>)> {
    let mut c = app.db.clone();
    let s = load(&mut c, p, id, Action::Read).await?;
    let items = store::items(&mut c, id).await?;
    Ok((s, items))
}

/// Solution transitions: the provider submits (draft → submitted) and withdraws; an officer
/// over the provider's region publishes or rejects (with a note) and may withdraw.
pub async fn decide(app: &App, actor: &Actor, id: i64, action: &str, note: &str) -> AppResult<String> {
    let p = principal(actor)?;
    let note = note.trim();
    let mut tx = app.db.begin().await?;
    let s = load(&mut tx, p, id, Action::Update).await?;
    let (from, to): (&[&str], &str) = match (p.role, action) {
        (Role::Provider, "submit") => (&["draft"], "submitted"),
        (Role::Provider, "withdraw") => (&["draft", "submitted", "published"], "withdrawn"),
        (Role::Officer, "publish") => (&["submitted"], "published"),
        (Role::Officer, "reject") => (&["submitted"], "rejected"),
        (Role::Officer, "withdraw") => (&["published"], "withdrawn"),
        // A step of the other party's is not this caller's to take.
        (Role::Provider | Role::Officer, "submit" | "publish" | "reject") => return Err(AppError::Forbidden),
        (Role::Provider | Role::Officer, _) => return Err(AppError::invalid("error.bad_request", action)),
        _ => return Err(AppError::Forbidden),
    };
    if (to == "rejected" || (p.role == Role::Officer && to == "withdrawn")) && note.is_empty() {
        return Err(AppError::invalid("error.reason_required", ""));
    }
    if to == "published" && !ProviderState::parse(&s.provider_status).is_some_and(ProviderState::in_pool) {
        return Err(AppError::Conflict("error.provider_not_in_pool"));
    }
    if !store::set_status(&mut tx, id, s.version, from, to, note).await? {
        return Err(AppError::Conflict("error.solution_state"));
    }
    let detail = format!("{} → {to} {note}", s.status);
    record(&mut tx, actor, &format!("solution.{action}"), &format!("solution:{id}"), Outcome::Ok, &detail).await?;
    tx.commit().await?;
    Ok(to.to_owned())
}

pub async fn mine(app: &App, p: &Principal) -> AppResult<Vec<SolutionRow>> {
    let id = match (p.role, p.provider_id) {
        (Role::Provider, Some(id)) => id,
        _ => return Err(AppError::Forbidden),
    };
    let mut c = app.db.clone();
    Ok(store::of_provider(&mut c, id, 500).await?)
}

pub async fn awaiting_review(app: &App, p: &Principal) -> AppResult<Vec<SolutionRow>> {
    if p.role != Role::Officer {
        return Err(AppError::Forbidden);
    }
    let mut c = app.db.clone();
    Ok(store::submitted_in(&mut c, &p.region.subtree_bounds(), 500).await?)
}

/// Catalogue search parameters.
#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
pub struct SearchQuery {
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub scene: Option<String>,
    #[serde(default)]
    #[schemars(schema_with = "dengta_domain::schema::industry")]
    pub industry: Option<String>,
    /// Yuan.
    #[serde(default)]
    #[schemars(schema_with = "dengta_domain::schema::yuan")]
    pub max_price: Option<String>,
    #[serde(default)]
    #[schemars(regex(pattern = r"^[0-9]{1,9}$"), length(min = 1, max = 9))]
    pub min_stars: Option<String>,
    #[serde(default)]
    #[schemars(schema_with = "dengta_domain::schema::flag")]
    pub xkqz: Option<String>,
    /// Only solutions with this tag.
    #[serde(default)]
    #[schemars(schema_with = "tag_schema")]
    pub tag: Option<String>,
    #[serde(default)]
    #[schemars(range(min = 0))]
    pub after: Option<i64>,
}

fn opt(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Searches published solutions; `Ok((rows, next_after))`.
pub async fn search(app: &App, q: &SearchQuery, limit: i64) -> AppResult<(Vec<SolutionRow>, Option<i64>)> {
    let text = opt(&q.q).unwrap_or("");
    let mut f = store::Search { terms: search::query_terms(text), ..Default::default() };
    if !text.is_empty() && f.terms.is_empty() {
        return Ok((Vec::new(), None));
    }
    f.scene = opt(&q.scene).map(str::to_owned);
    if let Some(ind) = opt(&q.industry) {
        if dengta_domain::codes::industries::IndustryList::embedded().get(&ind.to_ascii_uppercase()).is_none() {
            return Err(AppError::invalid("error.industry_unknown", ind));
        }
        f.industry_prefixes = industry_prefixes(ind);
    }
    if let Some(p) = opt(&q.max_price) {
        f.max_price = Some(Fen::parse_yuan(p).map_err(|e| AppError::invalid("error.item_price", e.to_string()))?.0);
    }
    if let Some(s) = opt(&q.min_stars) {
        f.min_stars = Some(s.parse::<i64>().map_err(|_| AppError::invalid("error.bad_request", s))?);
    }
    f.xkqz_only = opt(&q.xkqz).is_some_and(|v| v == "1" || v == "true" || v == "on");
    if let Some(tag) = opt(&q.tag) {
        tags()?.get(tag).ok_or_else(|| AppError::invalid("error.tag_unknown", tag))?;
        f.tag = Some(tag.to_owned());
    }
    let mut c = app.read().await?;
    let rows = store::search(&mut c, &f, q.after.unwrap_or(0), limit + 1).await?;
    let more = rows.len() as i64 > limit;
    let last = rows.iter().take(limit as usize).next_back().map(|r| r.id);
    // The index narrows by n-grams; the final word is a substring check.
    let rows: Vec<SolutionRow> = rows
        .into_iter()
        .take(limit as usize)
        .filter(|r| text.is_empty() || search::matches(text, &format!("{}\n{}", r.name, r.description)))
        .collect();
    Ok((rows, if more { last } else { None }))
}

// ---- matching -----------------------------------------------------------------

/// A ranked recommendation with its solution row, for display.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Match {
    pub solution: SolutionRow,
    pub score: u32,
    pub reasons_zh: Vec<String>,
    pub reasons_en: Vec<String>,
    pub reasons: Vec<matching::Reason>,
}

/// The need behind the matches, for display.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Matches {
    pub enterprise_id: i64,
    pub assessment_id: Option<i64>,
    pub level: Option<String>,
    pub gaps: Vec<SceneGap>,
    pub budget: Option<Fen>,
    pub matches: Vec<Match>,
    pub examined: usize,
    pub excluded: usize,
}

/// How many gap scenes (weakest first, binding first) the candidate query looks at.
const GAP_SCENES: usize = 6;

/// The latest submitted assessment that speaks for the enterprise: on-site, else self, else provider.
async fn latest_assessment(c: &mut impl Conn, enterprise_id: i64) -> AppResult<Option<db::assessments::AssessmentRow>> {
    for k in [Kind::Onsite, Kind::SelfAssessment, Kind::Provider] {
        if let Some(a) = db::assessments::latest_submitted(c, enterprise_id, k.code(), 0).await? {
            return Ok(Some(a));
        }
    }
    Ok(None)
}

/// Scene gaps of a scored assessment: every scene below L4, binding first, lowest first.
pub fn gaps_of(
    inst: &dengta_domain::assessment::Instrument,
    r: &dengta_domain::assessment::ScoreResult,
) -> Vec<SceneGap> {
    use dengta_domain::assessment::improvements::{Step, improvements};
    let steps = improvements(inst, r).unwrap_or_default();
    let mut gaps: Vec<SceneGap> = r
        .scenes
        .iter()
        .filter(|s| s.level.as_u8() < 4)
        .map(|s| SceneGap {
            scene: s.id.clone(),
            name: s.name.clone(),
            binding: s.binding,
            current: s.level.as_u8(),
            helps_next_level: steps.iter().any(|i| {
                matches!(&i.step, Step::Scene { scene, .. } if *scene == s.id)
                    && (i.helps_next_level || i.reaches_next_level)
            }),
        })
        .collect();
    gaps.sort_by_key(|g| (!g.binding, g.current, !g.helps_next_level));
    gaps
}

/// Candidates from the matching rows: only the gap scenes each solution lifts, only the industry
/// codes that apply to the enterprise (empty when the solution is general), only providers in
/// the pool.
fn candidates_of(rows: &[store::MatchRow], hits: &[(i64, String)], providers: &[(i64, i64, String)]) -> Vec<Candidate> {
    use std::collections::{BTreeMap, HashMap};
    let pool: HashMap<i64, (i64, &str)> =
        providers.iter().map(|(id, stars, region)| (*id, (*stars, region.as_str()))).collect();
    let mut codes: HashMap<i64, Vec<String>> = HashMap::new();
    for (id, code) in hits {
        codes.entry(*id).or_default().push(code.clone());
    }
    let mut by_id: BTreeMap<i64, Candidate> = BTreeMap::new();
    for r in rows {
        let Some((stars, region)) = pool.get(&r.provider_id) else { continue };
        let c = by_id.entry(r.solution_id).or_insert_with(|| Candidate {
            solution_id: r.solution_id,
            name: String::new(),
            provider_id: r.provider_id,
            provider_name: String::new(),
            provider_stars: u8::try_from((*stars).clamp(0, 5)).unwrap_or(0),
            provider_region: (*region).to_owned(),
            price: Fen(r.price_fen),
            is_xkqz: r.is_xkqz,
            delivery_days: 0,
            scenes: Vec::new(),
            industries: if r.all_industries { Vec::new() } else { codes.remove(&r.solution_id).unwrap_or_default() },
            sub_industries: r.sub_industries_text.split_whitespace().filter_map(|v| v.parse().ok()).collect(),
        });
        c.scenes.push((r.scene.clone(), u8::try_from(r.level.clamp(0, 4)).unwrap_or(0)));
    }
    by_id.into_values().collect()
}

/// Ranks the catalogue for one enterprise (its own user or an officer over it).
pub async fn matches(
    app: &App,
    p: &Principal,
    enterprise_id: i64,
    budget: Option<Fen>,
    limit: usize,
) -> AppResult<Matches> {
    let mut c = app.db.clone();
    let e: EnterpriseRow = db::enterprises::get(&mut c, enterprise_id).await?.ok_or(AppError::NotFound)?;
    check(policy::enterprise(p, Action::Read, e.id, &region_of(&e.region_code)?))?;
    let Some(a) = latest_assessment(&mut c, e.id).await? else {
        return Ok(Matches {
            enterprise_id,
            assessment_id: None,
            level: None,
            gaps: Vec::new(),
            budget,
            matches: Vec::new(),
            examined: 0,
            excluded: 0,
        });
    };
    asm::sync_instruments(&mut c).await?;
    let inst = asm::frozen_instrument(&a)?;
    let result = asm::result_of(&a).ok_or_else(|| AppError::Internal(format!("assessment {} has no result", a.id)))?;
    let gaps = gaps_of(inst, &result);
    let looked: Vec<(String, u8)> = gaps.iter().take(GAP_SCENES).map(|g| (g.scene.clone(), g.current)).collect();
    let prefixes = industry_prefixes(&e.industry_code);
    let rows = store::match_rows(&mut c, &looked, &prefixes, budget.map(|b| b.0)).await?;
    let mut ids: Vec<i64> = rows.iter().filter(|r| !r.all_industries).map(|r| r.solution_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let hits = store::industry_hits(&mut c, &prefixes, &ids).await?;
    let mut provider_ids: Vec<i64> = rows.iter().map(|r| r.provider_id).collect();
    provider_ids.sort_unstable();
    provider_ids.dedup();
    let providers = store::pool_providers(&mut c, &provider_ids).await?;
    let subs: Vec<i64> = db::providers::sub_industries_on_path(&mut c, &region_path(&e.region_code))
        .await?
        .into_iter()
        .filter(|s| s.codes.split_whitespace().any(|code| e.industry_code.starts_with(code)))
        .map(|s| s.id)
        .collect();
    let need = EnterpriseNeed {
        industry_code: e.industry_code.clone(),
        sub_industries: subs,
        region_code: e.region_code.clone(),
        gaps: gaps.iter().take(GAP_SCENES).cloned().collect(),
        budget,
    };
    let candidates = candidates_of(&rows, &hits, &providers);
    let Ranking { recommendations, excluded } = matching::rank(&need, &candidates, weights()?, limit);
    let top: Vec<i64> = recommendations.iter().map(|r| r.solution_id).collect();
    let full = store::by_ids(&mut c, &top).await?;
    let matches = recommendations
        .into_iter()
        .filter_map(|r| {
            full.iter().find(|s| s.id == r.solution_id).map(|s| Match {
                solution: s.clone(),
                score: r.score,
                reasons_zh: r.reasons.iter().map(matching::Reason::zh).collect(),
                reasons_en: r.reasons.iter().map(matching::Reason::en).collect(),
                reasons: r.reasons,
            })
        })
        .collect();
    Ok(Matches {
        enterprise_id,
        assessment_id: Some(a.id),
        level: Some(result.level.name.clone()),
        gaps,
        budget,
        matches,
        examined: candidates.len(),
        excluded: excluded.len(),
    })
}

// ---- contact requests ------------------------------------------------------------

/// The enterprise asks a provider in the pool to contact it.
pub async fn request_contact(
    app: &App,
    actor: &Actor,
    provider_id: i64,
    solution_id: Option<i64>,
    message: &str,
) -> AppResult<i64> {
    let p = principal(actor)?;
    let enterprise_id = match (p.role, p.enterprise_id) {
        (Role::Enterprise, Some(id)) => id,
        _ => return Err(AppError::Forbidden),
    };
    let message: String = message.trim().chars().take(1000).collect();
    let mut tx = app.db.begin().await?;
    let pr = db::providers::get(&mut tx, provider_id).await?.ok_or(AppError::NotFound)?;
    if !ProviderState::parse(&pr.status).is_some_and(ProviderState::in_pool) {
        return Err(AppError::NotFound);
    }
    if let Some(sid) = solution_id {
        let s = store::get(&mut tx, sid).await?.ok_or(AppError::NotFound)?;
        if s.provider_id != provider_id || s.status != "published" {
            return Err(AppError::NotFound);
        }
    }
    let id = store::upsert_contact(&mut tx, enterprise_id, provider_id, solution_id, &message, &actor.name).await?;
    record(
        &mut tx,
        actor,
        "contact.request",
        &format!("contact:{id}"),
        Outcome::Ok,
        &format!("provider:{provider_id}"),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The enterprise gives or revokes its consent to share its contact details with that provider.
pub async fn consent(app: &App, actor: &Actor, id: i64, give: bool) -> AppResult<()> {
    let p = principal(actor)?;
    if p.role != Role::Enterprise {
        return Err(AppError::Forbidden);
    }
    let mut tx = app.db.begin().await?;
    let r = store::contact(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    check(policy::contact_request(p, r.enterprise_id, r.provider_id))?;
    if !give && !r.consented() {
        return Err(AppError::Conflict("error.no_consent"));
    }
    store::set_consent(&mut tx, id, give).await?;
    let action = if give { "contact.consent" } else { "contact.revoke" };
    record(&mut tx, actor, action, &format!("contact:{id}"), Outcome::Ok, &format!("provider:{}", r.provider_id))
        .await?;
    tx.commit().await?;
    Ok(())
}

/// A contact request as its reader may see it: the contact details only for the provider with
/// live consent, or for the enterprise itself.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "ContactRequest")]
pub struct ContactView {
    #[serde(flatten)]
    pub row: ContactRow,
    pub consented: bool,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
}

pub async fn contacts(app: &App, actor: &Actor) -> AppResult<Vec<ContactView>> {
    let p = principal(actor)?;
    let mut c = app.db.clone();
    let rows = match (p.role, p.enterprise_id, p.provider_id) {
        (Role::Enterprise, Some(e), _) => store::contacts_of_enterprise(&mut c, e).await?,
        (Role::Provider, _, Some(pid)) => store::contacts_of_provider(&mut c, pid, 500).await?,
        _ => return Err(AppError::Forbidden),
    };
    let shown: Vec<i64> = rows.iter().filter(|r| r.consented()).map(|r| r.enterprise_id).collect();
    if p.role == Role::Provider && !shown.is_empty() {
        // A provider reading consented personal data is audited like any personal-data read.
        let detail = format!("enterprises {shown:?}");
        record_alone(&app.db, actor, "contact.read", "contacts", Outcome::Ok, &detail).await?;
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let consented = row.consented();
            let show = consented || p.role == Role::Enterprise;
            ContactView {
                contact_name: if show { row.contact_name.clone() } else { None },
                contact_phone: if show { row.contact_phone.clone() } else { None },
                consented,
                row,
            }
        })
        .collect())
}

// ---- demand signals ---------------------------------------------------------------

/// Cells under this many enterprises are shown as "<3", so that no single enterprise can be
/// told apart in a small county or industry.
pub const SUPPRESS_BELOW: i64 = 3;

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct DemandRow {
    /// GB/T 4754 division (大类), e.g. "C34".
    pub division: String,
    pub division_name: String,
    pub scene: String,
    pub scene_name: String,
    /// `None` when suppressed (fewer than [`SUPPRESS_BELOW`]).
    pub enterprises: Option<i64>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct SubIndustryDemand {
    pub sub_industry: String,
    pub scene: String,
    pub scene_name: String,
    pub enterprises: Option<i64>,
}

/// Weak scenes (未开展 or L1 in the latest self-assessment) counted per industry division and
/// scene at one region node, from roll-ups kept when assessments are submitted.
pub async fn demand(app: &App, p: &Principal, region: &str) -> AppResult<(Vec<DemandRow>, Vec<SubIndustryDemand>)> {
    if !matches!(p.role, Role::Provider | Role::Officer) {
        return Err(AppError::Forbidden);
    }
    let region =
        RegionCode::parse(region.trim()).map_err(|e| AppError::invalid("error.region_unknown", e.to_string()))?;
    let mut c = app.db.clone();
    let rows = store::gap_rollups(&mut c, region.as_str()).await?;
    let scenes = scene_catalogue()?;
    let inds = dengta_domain::codes::industries::IndustryList::embedded();
    let mut out = Vec::new();
    for (metric, value) in &rows {
        let Some(rest) = metric.strip_prefix("e.gap:") else { continue };
        let Some((scene, division)) = rest.rsplit_once(':') else { continue };
        out.push(DemandRow {
            division: division.to_owned(),
            division_name: inds.get(division).map(|i| i.name.clone()).unwrap_or_default(),
            scene: scene.to_owned(),
            scene_name: scenes.iter().find(|s| s.0 == scene).map(|s| s.1.clone()).unwrap_or_else(|| scene.to_owned()),
            enterprises: (*value >= SUPPRESS_BELOW).then_some(*value),
        });
    }
    out.sort_by(|a, b| b.enterprises.cmp(&a.enterprises).then(a.division.cmp(&b.division)).then(a.scene.cmp(&b.scene)));
    let mut by_sub = Vec::new();
    for si in db::providers::sub_industries_on_path(&mut c, &region_path(region.as_str())).await? {
        let divisions: Vec<String> = si.codes.split_whitespace().map(|c| c.chars().take(3).collect()).collect();
        for (scene, name) in &scenes {
            let n: i64 = rows
                .iter()
                .filter(|(m, _)| divisions.iter().any(|d| *m == format!("e.gap:{scene}:{d}")))
                .map(|(_, v)| *v)
                .sum();
            if n > 0 {
                by_sub.push(SubIndustryDemand {
                    sub_industry: si.name.clone(),
                    scene: scene.clone(),
                    scene_name: name.clone(),
                    enterprises: (n >= SUPPRESS_BELOW).then_some(n),
                });
            }
        }
    }
    by_sub.sort_by(|a, b| a.sub_industry.cmp(&b.sub_industry).then(b.enterprises.cmp(&a.enterprises)));
    Ok((out, by_sub))
}

// ---- supply gaps ------------------------------------------------------------------------

/// One weak scene of one industry division against what the catalogue offers for it: where
/// demand is strong and supply short, a city can fund providers to build 小快轻准 products
/// (财办建〔2024〕23号).
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct SupplyGap {
    pub division: String,
    pub division_name: String,
    pub scene: String,
    pub scene_name: String,
    /// Enterprises of the region whose latest self-assessment rates the scene below 二级.
    pub enterprises: i64,
    /// Published solutions for the scene that serve the division (or every industry).
    pub solutions: i64,
    /// Of those, 小快轻准 products.
    pub xkqz_solutions: i64,
    /// Lowest and median price of those solutions, in fen; None without any.
    pub price_min_fen: Option<i64>,
    pub price_median_fen: Option<i64>,
    /// Enterprises per solution on offer, plus one: the higher, the shorter the supply.
    pub gap_index: f64,
}

/// Whether a solution's industry code covers a division (a section, the division, or a
/// class or group inside it).
fn covers(code: &str, division: &str) -> bool {
    division.starts_with(code) || code.starts_with(division)
}

/// The region's weak scenes ranked by how short the catalogue's supply is for them. Cells under
/// [`SUPPRESS_BELOW`] enterprises are left out, as on the demand page.
pub async fn supply_gaps(app: &App, p: &Principal, region: &str) -> AppResult<Vec<SupplyGap>> {
    if p.role != Role::Officer {
        return Err(AppError::Forbidden);
    }
    let (demand, _) = demand(app, p, region).await?;
    let mut c = app.db.clone();
    let mut by_scene: std::collections::BTreeMap<String, Vec<store::SceneSupply>> = Default::default();
    let mut out = Vec::new();
    for d in demand {
        let Some(enterprises) = d.enterprises else { continue };
        if !by_scene.contains_key(&d.scene) {
            by_scene.insert(d.scene.clone(), store::scene_supply(&mut c, &d.scene).await?);
        }
        let offer: Vec<&store::SceneSupply> = by_scene[&d.scene]
            .iter()
            .filter(|s| s.all_industries || s.codes.split_whitespace().any(|code| covers(code, &d.division)))
            .collect();
        let mut prices: Vec<i64> = offer.iter().map(|s| s.price_fen).collect();
        prices.sort_unstable();
        let solutions = i64::try_from(offer.len()).unwrap_or(i64::MAX);
        out.push(SupplyGap {
            division: d.division,
            division_name: d.division_name,
            scene: d.scene,
            scene_name: d.scene_name,
            enterprises,
            solutions,
            xkqz_solutions: i64::try_from(offer.iter().filter(|s| s.is_xkqz).count()).unwrap_or(i64::MAX),
            price_min_fen: prices.first().copied(),
            price_median_fen: prices.get(prices.len() / 2).copied(),
            gap_index: (enterprises as f64 * 10.0 / (solutions as f64 + 1.0)).round() / 10.0,
        });
    }
    out.sort_by(|a, b| {
        b.gap_index.total_cmp(&a.gap_index).then(b.enterprises.cmp(&a.enterprises)).then(a.division.cmp(&b.division))
    });
    Ok(out)
}

#[cfg(test)]
mod supply_tests {
    #[test]
    fn an_industry_code_covers_its_division_from_above_and_below() {
        assert!(super::covers("C", "C34") && super::covers("C34", "C34") && super::covers("C3484", "C34"));
        assert!(!super::covers("C35", "C34") && !super::covers("I", "C34"));
    }
}
