//! The provider pool (服务商库): application, expert review with conflict declarations,
//! 公示 with objections, admission within quotas, and the lifecycle of warnings,
//! rectification, removal and appeal. Every step is a transition of the domain's state
//! machine, written with compare-and-set, logged as a provider event and audited.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use dengta_domain::policy::{self, Action};
use dengta_domain::provider::ProviderKind;
use dengta_domain::provider::lifecycle::{self, Guard, ProviderAction, ProviderState};
use dengta_domain::provider::rubric::Rubric;
use dengta_domain::region::RegionCode;
use dengta_domain::role::{Principal, Role};
use serde::{Deserialize, Serialize};

use super::accounts::validate_password;
use super::audit::{Outcome, record};
use super::identifiers::{parse_uscc, region_path};
use super::objections::ObjectionForm;
use super::{Actor, App, AppError, AppResult, check};
use crate::db::providers::{self as store, AssignmentRow, ProviderRow, ReviewRow, SubIndustryRow};
use crate::db::{self, Conn, now_ms};

const DAY_MS: i64 = 86_400_000;

/// The pool rules (data/rules/provider-pool.toml).
#[derive(Debug, Deserialize)]
pub struct PoolRules {
    pub version: String,
    pub publicity_days: i64,
    pub quotas: BTreeMap<String, i64>,
}

static POOL_RULES: LazyLock<Result<PoolRules, String>> =
    LazyLock::new(|| toml::from_str(include_str!("../../../data/rules/provider-pool.toml")).map_err(|e| e.to_string()));

static RUBRICS: LazyLock<Result<Vec<Rubric>, String>> =
    LazyLock::new(|| Rubric::builtin_set().map_err(|e| e.to_string()));

pub fn pool_rules() -> AppResult<&'static PoolRules> {
    POOL_RULES.as_ref().map_err(|e| AppError::Internal(format!("provider-pool.toml: {e}")))
}

/// Every rubric the platform ships, the default first.
pub fn rubrics() -> AppResult<&'static [Rubric]> {
    RUBRICS.as_deref().map_err(|e| AppError::Internal(format!("rubric: {e}")))
}

/// The default rubric: admission, and a periodic evaluation unless another is chosen.
pub fn rubric() -> AppResult<&'static Rubric> {
    rubrics()?.first().ok_or_else(|| AppError::Internal("no rubric".into()))
}

/// The rubric a review was started with (its sheets are scored and combined by it).
pub fn rubric_of(review: &ReviewRow) -> AppResult<&'static Rubric> {
    rubrics()?
        .iter()
        .find(|r| r.id() == review.rubric_id && i64::from(r.version()) == review.rubric_version)
        .ok_or_else(|| {
            AppError::Internal(format!("rubric {} v{} not shipped", review.rubric_id, review.rubric_version))
        })
}

/// A rubric the officer names (by id); none is the default; an unknown one is refused.
pub fn chosen_rubric(id: Option<&str>) -> AppResult<&'static Rubric> {
    match id.map(str::trim).filter(|s| !s.is_empty()) {
        None => rubric(),
        Some(id) => rubrics()?.iter().find(|r| r.id() == id).ok_or_else(|| {
            let known: Vec<&str> = rubrics().map(|all| all.iter().map(Rubric::id).collect()).unwrap_or_default();
            AppError::invalid("error.rubric_unknown", format!("{id}（{}）", known.join("、")))
        }),
    }
}

fn quota(kind: &str) -> AppResult<i64> {
    Ok(pool_rules()?.quotas.get(kind).copied().unwrap_or(0))
}

fn region_of(code: &str) -> AppResult<RegionCode> {
    RegionCode::parse(code).map_err(|e| AppError::Internal(e.to_string()))
}

fn state_of(p: &ProviderRow) -> AppResult<ProviderState> {
    ProviderState::parse(&p.status).ok_or_else(|| AppError::Internal(format!("provider state {}", p.status)))
}

fn principal(actor: &Actor) -> AppResult<&Principal> {
    actor.principal.as_ref().ok_or(AppError::Unauthenticated)
}

/// Loads a provider the caller may act on (`Update`) or see (`Read`).
async fn load(c: &mut impl Conn, p: &Principal, id: i64, action: Action) -> AppResult<ProviderRow> {
    let pr = store::get(c, id).await?.ok_or(AppError::NotFound)?;
    check(policy::provider(p, action, pr.id, &region_of(&pr.region_code)?))?;
    Ok(pr)
}

/// Whether the provider account `p` acts for was admitted to the pool (see
/// [`ProviderState::admitted`]); an account without a provider never was.
pub async fn admitted(app: &App, p: &Principal) -> AppResult<bool> {
    let Some(id) = p.provider_id else { return Ok(false) };
    let mut c = app.db.clone();
    match store::get(&mut c, id).await? {
        Some(pr) => Ok(state_of(&pr)?.admitted()),
        None => Ok(false),
    }
}

// ---- application ------------------------------------------------------------

#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[schemars(rename = "ProviderApplication")]
pub struct Application {
    #[serde(default)]
    pub username: String,
    #[serde(default, skip_serializing)]
    pub password: String,
    #[serde(default)]
    pub uscc: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub founded_year: Option<i64>,
    #[serde(default)]
    pub sub_industries: Vec<i64>,
    #[serde(default)]
    pub qualifications: String,
    #[serde(default)]
    pub cases: String,
    #[serde(default)]
    pub attachments: String,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_phone: String,
    /// The account subsidies and fees are paid to (compared with clients' accounts).
    #[serde(default)]
    pub bank_account: String,
}

fn text(v: &str, max: usize, key: &'static str) -> AppResult<String> {
    let t = v.trim();
    if t.is_empty() || t.chars().count() > max {
        return Err(AppError::invalid(key, t));
    }
    Ok(t.to_owned())
}

/// Sub-industries a provider registered in `region` may serve: those defined on its path.
pub async fn sub_industries_for(app: &App, region: &str) -> AppResult<Vec<SubIndustryRow>> {
    let mut c = app.db.clone();
    Ok(store::sub_industries_on_path(&mut c, &region_path(region)).await?)
}

/// A provider applies to the pool: the provider record (state 已申请) and its own account.
pub async fn apply(app: &App, f: &Application, request_id: &str) -> AppResult<i64> {
    let username = f.username.trim();
    if !(3..=64).contains(&username.len()) || !username.chars().all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c))
    {
        return Err(AppError::invalid("error.username_invalid", username));
    }
    validate_password(app.settings.security.min_password_length, &f.password)?;
    // An applicant cannot give the authority's reason for a check-character exception.
    let (uscc, _) = parse_uscc(&f.uscc, "").map_err(|e| match e {
        AppError::Invalid { key: "error.uscc_check", detail } => AppError::invalid("error.uscc", detail),
        e => e,
    })?;
    let name = text(&f.name, 100, "error.provider_name")?;
    let kind = ProviderKind::parse(&f.kind).ok_or_else(|| AppError::invalid("error.provider_kind", &f.kind))?;
    let qualifications = text(&f.qualifications, 4000, "error.qualifications")?;
    let cases = f.cases.trim().chars().take(8000).collect::<String>();
    let attachments = f.attachments.trim().chars().take(2000).collect::<String>();
    if let Some(y) = f.founded_year
        && !(1949..=2100).contains(&y)
    {
        return Err(AppError::invalid("error.founded_year", y.to_string()));
    }
    let phone = f.contact_phone.trim();
    if !phone.is_empty() && !dengta_domain::enterprise::profile::valid_phone(phone) {
        return Err(AppError::invalid("error.phone", phone));
    }
    let bank: String = f.bank_account.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    if !bank.is_empty() && (!(8..=30).contains(&bank.len()) || !bank.chars().all(|c| c.is_ascii_digit())) {
        return Err(AppError::invalid("error.bank_account", f.bank_account.trim()));
    }
    if f.sub_industries.is_empty() {
        return Err(AppError::invalid("error.sub_industry_required", ""));
    }
    let hash = app.hasher.hash(&f.password).await?;
    let mut tx = app.db.begin().await?;
    let region = super::claims::claim_region(&mut tx, uscc.region_code()).await?;
    let allowed = store::sub_industries_on_path(&mut tx, &region_path(&region)).await?;
    for id in &f.sub_industries {
        if !allowed.iter().any(|s| s.id == *id) {
            return Err(AppError::invalid("error.sub_industry_unknown", id.to_string()));
        }
    }
    if store::by_uscc(&mut tx, uscc.as_str()).await?.is_some() {
        return Err(AppError::Conflict("error.provider_exists"));
    }
    let contact = f.contact_name.trim();
    let id = store::insert_application(
        &mut tx,
        &store::NewApplication {
            uscc: uscc.as_str(),
            name: &name,
            region_code: &region,
            kind: kind.code(),
            founded_year: f.founded_year,
            qualifications: &qualifications,
            cases: &cases,
            attachments: &attachments,
            contact_name: (!contact.is_empty()).then_some(contact),
            contact_phone: (!phone.is_empty()).then_some(phone),
            bank_account: (!bank.is_empty()).then_some(bank.as_str()),
        },
    )
    .await?;
    let mut subs = f.sub_industries.clone();
    subs.sort_unstable();
    subs.dedup();
    store::set_provider_sub_industries(&mut tx, id, &subs).await?;
    let user_id = db::users::insert(
        &mut tx,
        &db::users::NewUser {
            username,
            display_name: &name,
            password_hash: &hash,
            role: Role::Provider.code(),
            region_code: &region,
            enterprise_id: None,
            provider_id: Some(id),
            is_demo: false,
        },
    )
    .await
    .map_err(|e| match e {
        db::DbError::Conflict(_) => AppError::Conflict("error.username_taken"),
        e => e.into(),
    })?;
    let actor = Actor::anonymous(username, request_id);
    store::add_event(
        &mut tx,
        &store::NewEvent {
            provider_id: id,
            action: "apply",
            from_state: "",
            to_state: ProviderState::Applied.code(),
            reason: "",
            deadline_at: None,
            actor: username,
        },
    )
    .await?;
    let detail = format!("{} {} user:{user_id}", uscc.as_str(), kind.code());
    record(&mut tx, &actor, "provider.apply", &format!("provider:{id}"), Outcome::Ok, &detail).await?;
    tx.commit().await?;
    Ok(id)
}

// ---- reading ----------------------------------------------------------------

/// Everything the provider page shows.
pub struct ProviderFile {
    pub provider: ProviderRow,
    pub state: ProviderState,
    pub sub_industries: Vec<SubIndustryRow>,
    pub events: Vec<store::EventRow>,
    pub reviews: Vec<(ReviewRow, Vec<AssignmentRow>)>,
    pub objections: Vec<store::ObjectionRow>,
    /// Acceptance outcomes of its projects: pass rate, rework, time to acceptance.
    pub outcomes: crate::db::acceptance::OutcomeRow,
    /// The enterprises' satisfaction with its service, as the reader may see it (none publicly).
    pub satisfaction: Option<super::scorecard::ProviderSatisfaction>,
}

pub async fn file(app: &App, p: &Principal, id: i64) -> AppResult<ProviderFile> {
    let mut c = app.db.clone();
    let provider = load(&mut c, p, id, Action::Read).await?;
    let mut f = file_of(&mut c, provider).await?;
    f.satisfaction = Some(super::scorecard::of_provider(&mut c, p, id).await?);
    // The reviewed provider never learns who reviewed it; it sees the combined result.
    if !super::need_to_know::may_see(p, None, dengta_domain::disclosure::Field::ExpertIdentity)? {
        for (_, a) in &mut f.reviews {
            a.clear();
        }
    }
    Ok(f)
}

async fn file_of(c: &mut impl Conn, provider: ProviderRow) -> AppResult<ProviderFile> {
    let id = provider.id;
    let state = state_of(&provider)?;
    let mut reviews = Vec::new();
    for r in store::reviews_of(c, id).await? {
        let a = store::assignments_of_review(c, r.id).await?;
        reviews.push((r, a));
    }
    Ok(ProviderFile {
        state,
        sub_industries: store::provider_sub_industries(c, id).await?,
        events: store::events(c, id).await?,
        objections: store::objections_of(c, "provider", id).await?,
        outcomes: crate::db::acceptance::outcomes(c, id).await?,
        satisfaction: None,
        reviews,
        provider,
    })
}

/// The public page of a provider: only once it reached 公示 (an application under review is private).
pub async fn public_file(app: &App, id: i64) -> AppResult<ProviderFile> {
    let mut c = app.db.clone();
    let provider = store::get(&mut c, id).await?.ok_or(AppError::NotFound)?;
    let state = state_of(&provider)?;
    if matches!(state, ProviderState::Applied | ProviderState::Reviewing)
        || (state == ProviderState::Rejected && provider.publicity_ends_at.is_none())
    {
        return Err(AppError::NotFound);
    }
    let mut f = file_of(&mut c, provider).await?;
    // Expert names and sheets stay internal; the public sees the combined result.
    for (_, a) in &mut f.reviews {
        a.clear();
    }
    Ok(f)
}

/// Providers in the pool and under 公示, for the public portal.
pub async fn public_list(app: &App, after: i64, limit: i64) -> AppResult<Vec<ProviderRow>> {
    let mut c = app.db.clone();
    let f = store::ListFilter { in_pool: true, ..Default::default() };
    Ok(store::list(&mut c, &("0".into(), "9".into()), &f, after, limit).await?)
}

pub async fn publicised(app: &App) -> AppResult<Vec<ProviderRow>> {
    let mut c = app.db.clone();
    Ok(store::publicised(&mut c, 200).await?)
}

/// Experts the officer may assign.
pub async fn experts(app: &App, p: &Principal) -> AppResult<Vec<(i64, String, String)>> {
    if p.role != Role::Officer {
        return Err(AppError::Forbidden);
    }
    let mut c = app.db.clone();
    Ok(db::users::experts_for(&mut c, &p.region.subtree_bounds(), &region_path(p.region.as_str())).await?)
}

// ---- transitions ------------------------------------------------------------

/// A requested lifecycle step.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "ProviderStep")]
pub struct Step {
    #[schemars(schema_with = "dengta_domain::schema::provider_action")]
    pub action: String,
    #[serde(default)]
    pub reason: String,
    /// Rectification deadline, `YYYY-MM-DD` (Beijing time; the end of that day).
    #[serde(default)]
    pub deadline: String,
    /// Experts to assign when a review starts.
    #[serde(default)]
    pub experts: Vec<i64>,
    /// The version the caller saw (compare-and-set); 0 = current.
    #[serde(default)]
    pub version: i64,
}

/// The end of a Beijing calendar day, in ms.
pub fn parse_deadline(s: &str) -> AppResult<Option<i64>> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let d = time::Date::parse(s, &fmt).map_err(|_| AppError::invalid("error.date", s))?;
    let offset = time::UtcOffset::from_hms(8, 0, 0).map_err(|e| AppError::Internal(e.to_string()))?;
    let end = d.with_hms(23, 59, 59).map_err(|e| AppError::Internal(e.to_string()))?.assume_offset(offset);
    Ok(Some(end.unix_timestamp() * 1000))
}

/// The 公示 period: the configured override, else the pool rules' days.
pub(crate) fn publicity_ms(s: &crate::config::Settings) -> AppResult<i64> {
    match s.providers.publicity_seconds {
        n if n > 0 => Ok(n * 1000),
        _ => Ok(pool_rules()?.publicity_days * DAY_MS),
    }
}

fn holds_quota(state: ProviderState, appeal_from: Option<ProviderState>) -> bool {
    state.in_pool() || (state == ProviderState::Appealing && appeal_from.is_some_and(ProviderState::in_pool))
}

/// Applies one lifecycle step. Officers over the provider's region take every step but
/// the appeal, which is the provider's own.
pub async fn step(app: &App, actor: &Actor, id: i64, s: &Step) -> AppResult<ProviderState> {
    let p = principal(actor)?;
    let mut tx = app.db.begin().await?;
    // Scope first: an object outside it does not exist for the caller, whatever the request says.
    let pr = load(&mut tx, p, id, Action::Update).await?;
    let action =
        ProviderAction::parse(s.action.trim()).ok_or_else(|| AppError::invalid("error.bad_request", &s.action))?;
    let allowed_role = if action.by_provider() { Role::Provider } else { Role::Officer };
    if p.role != allowed_role {
        return Err(AppError::Forbidden);
    }
    if action == ProviderAction::Evaluate {
        // Stars come only from a closed evaluation review.
        return Err(AppError::invalid("error.evaluate_by_review", ""));
    }
    if s.version != 0 && s.version != pr.version {
        return Err(AppError::Conflict("error.stale"));
    }
    let deadline = parse_deadline(&s.deadline)?;
    let to = apply_step(&app.settings, &mut tx, actor, &pr, action, s.reason.trim(), deadline, &s.experts).await?;
    tx.commit().await?;
    Ok(to)
}

/// The transition itself, inside the caller's transaction.
#[allow(clippy::too_many_arguments)]
async fn apply_step(
    settings: &crate::config::Settings,
    tx: &mut db::Tx,
    actor: &Actor,
    pr: &ProviderRow,
    action: ProviderAction,
    reason: &str,
    deadline: Option<i64>,
    experts: &[i64],
) -> AppResult<ProviderState> {
    let from = state_of(pr)?;
    let now = now_ms();
    let appeal_from = pr.appeal_from.as_deref().and_then(ProviderState::parse);
    let review_passed = store::reviews_of(tx, pr.id)
        .await?
        .into_iter()
        .find(|r| r.purpose == "admission" && r.status == "closed")
        .and_then(|r| r.passed);
    let guard = Guard {
        now_ms: now,
        publicity_ends_ms: pr.publicity_ends_at,
        open_objections: u32::try_from(store::open_objections(tx, "provider", pr.id).await?).unwrap_or(u32::MAX),
        review_passed,
        appeal_from,
        has_reason: !reason.is_empty(),
        deadline_ms: deadline,
    };
    let to = lifecycle::transition(from, action, &guard).map_err(crate::refused)?;

    if action == ProviderAction::StartReview {
        start_review(tx, actor, pr, "admission", experts, rubric()?).await?;
    }
    // Quota places follow membership of the pool.
    let next_appeal_from = match action {
        ProviderAction::Appeal => Some(from),
        _ => None,
    };
    let before = holds_quota(from, appeal_from);
    let after = holds_quota(to, next_appeal_from);
    if !before && after {
        take_places(tx, pr).await?;
    } else if before && !after {
        for si in store::provider_sub_industries(tx, pr.id).await? {
            store::release_quota(tx, si.id, &pr.kind).await?;
        }
    }
    let publicity_ends_at = match action {
        ProviderAction::Publicise => Some(now + publicity_ms(settings)?),
        _ => pr.publicity_ends_at,
    };
    let rectify_deadline = match to {
        ProviderState::Rectifying => deadline.or(pr.rectify_deadline),
        ProviderState::Appealing => pr.rectify_deadline,
        _ => None,
    };
    let change = store::StateChange {
        status: to.code(),
        publicity_ends_at,
        appeal_from: next_appeal_from.map(ProviderState::code),
        rectify_deadline,
    };
    if !store::set_state(tx, pr.id, pr.version, &change).await? {
        return Err(AppError::Conflict("error.stale"));
    }
    store::add_event(
        tx,
        &store::NewEvent {
            provider_id: pr.id,
            action: action.code(),
            from_state: from.code(),
            to_state: to.code(),
            reason,
            deadline_at: deadline,
            actor: &actor.name,
        },
    )
    .await?;
    let detail = format!("{} → {} {reason}", from.code(), to.code());
    record(tx, actor, &format!("provider.{}", action.code()), &format!("provider:{}", pr.id), Outcome::Ok, &detail)
        .await?;
    Ok(to)
}

/// Takes a quota place in every sub-industry the provider serves, or fails naming the full one.
async fn take_places(tx: &mut db::Tx, pr: &ProviderRow) -> AppResult<()> {
    let q = quota(&pr.kind)?;
    for si in store::provider_sub_industries(tx, pr.id).await? {
        if !store::take_quota(tx, si.id, &pr.kind, q).await? {
            let kind = ProviderKind::parse(&pr.kind).map_or_else(|| pr.kind.clone(), |k| k.label_zh().to_owned());
            return Err(AppError::invalid("error.quota_full", format!("{}（{kind}，名额 {q}）", si.name)));
        }
    }
    Ok(())
}

async fn start_review(
    tx: &mut db::Tx,
    actor: &Actor,
    pr: &ProviderRow,
    purpose: &str,
    experts: &[i64],
    rubric: &Rubric,
) -> AppResult<i64> {
    let p = principal(actor)?;
    let mut ids = experts.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.len() < rubric.min_experts() {
        return Err(AppError::invalid("error.experts_needed", rubric.min_experts().to_string()));
    }
    let eligible = db::users::experts_for(tx, &p.region.subtree_bounds(), &region_path(p.region.as_str())).await?;
    for id in &ids {
        if !eligible.iter().any(|e| e.0 == *id) {
            return Err(AppError::invalid("error.expert_unknown", id.to_string()));
        }
    }
    if store::open_review(tx, pr.id).await?.is_some() {
        return Err(AppError::Conflict("error.review_open"));
    }
    let review_id =
        store::insert_review(tx, pr.id, purpose, rubric.id(), i64::from(rubric.version()), &actor.name).await?;
    for id in &ids {
        store::assign_expert(tx, review_id, *id).await?;
    }
    let detail = format!("{purpose} {} v{} experts {ids:?}", rubric.id(), rubric.version());
    record(tx, actor, "review.start", &format!("review:{review_id}"), Outcome::Ok, &detail).await?;
    Ok(review_id)
}

/// Starts a periodic evaluation of a provider in the pool with the rubric the officer chose
/// (by id; the default without one).
pub async fn start_evaluation(
    app: &App,
    actor: &Actor,
    id: i64,
    experts: &[i64],
    rubric_id: Option<&str>,
) -> AppResult<i64> {
    let p = principal(actor)?;
    if p.role != Role::Officer {
        return Err(AppError::Forbidden);
    }
    let rubric = chosen_rubric(rubric_id)?;
    let mut tx = app.db.begin().await?;
    let pr = load(&mut tx, p, id, Action::Update).await?;
    if !state_of(&pr)?.in_pool() {
        // Only a provider in the pool is evaluated: any other state conflicts with the request.
        return Err(AppError::invalid("error.state", ProviderState::parse(&pr.status).map_or("", |s| s.label_zh())));
    }
    let rid = start_review(&mut tx, actor, &pr, "evaluation", experts, rubric).await?;
    tx.commit().await?;
    Ok(rid)
}

/// Adds an expert to the open review (e.g. after another declared a conflict).
pub async fn add_expert(app: &App, actor: &Actor, id: i64, expert: i64) -> AppResult<()> {
    let p = principal(actor)?;
    if p.role != Role::Officer {
        return Err(AppError::Forbidden);
    }
    let mut tx = app.db.begin().await?;
    let pr = load(&mut tx, p, id, Action::Update).await?;
    let review = store::open_review(&mut tx, pr.id).await?.ok_or(AppError::Conflict("error.no_open_review"))?;
    let eligible = db::users::experts_for(&mut tx, &p.region.subtree_bounds(), &region_path(p.region.as_str())).await?;
    if !eligible.iter().any(|e| e.0 == expert) {
        return Err(AppError::invalid("error.expert_unknown", expert.to_string()));
    }
    store::assign_expert(&mut tx, review.id, expert).await.map_err(|e| match e {
        db::DbError::Conflict(_) => AppError::Conflict("error.expert_assigned"),
        e => e.into(),
    })?;
    record(
        &mut tx,
        actor,
        "review.add_expert",
        &format!("review:{}", review.id),
        Outcome::Ok,
        &format!("user:{expert}"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Closes the open review: combines the sheets by the rubric's rule, then publicises or
/// rejects an application, or sets the stars of a provider in the pool.
pub async fn finish_review(app: &App, actor: &Actor, id: i64) -> AppResult<ReviewRow> {
    let p = principal(actor)?;
    if p.role != Role::Officer {
        return Err(AppError::Forbidden);
    }
    let mut tx = app.db.begin().await?;
    let pr = load(&mut tx, p, id, Action::Update).await?;
    let review = store::open_review(&mut tx, pr.id).await?.ok_or(AppError::Conflict("error.no_open_review"))?;
    let rubric = rubric_of(&review)?;
    let sheets = store::assignments_of_review(&mut tx, review.id).await?;
    let waiting = sheets.iter().filter(|a| a.conflict != "declared" && a.submitted_at.is_none()).count();
    if waiting > 0 {
        return Err(AppError::invalid("error.review_waiting", waiting.to_string()));
    }
    let totals: Vec<u32> = sheets
        .iter()
        .filter(|a| a.conflict == "none")
        .filter_map(|a| a.total.and_then(|t| u32::try_from(t).ok()))
        .collect();
    let combined = rubric.combine(&totals).map_err(|e| AppError::invalid("error.review_combine", e.to_string()))?;
    let closing = store::Closing {
        combined_hundredths: combined.hundredths,
        passed: combined.passed,
        stars: i64::from(combined.stars),
        explanation: &combined.explanation,
    };
    if !store::close_review(&mut tx, review.id, review.version, &closing).await? {
        return Err(AppError::Conflict("error.stale"));
    }
    record(&mut tx, actor, "review.finish", &format!("review:{}", review.id), Outcome::Ok, &combined.explanation)
        .await?;
    if review.purpose == "admission" {
        let action = if combined.passed { ProviderAction::Publicise } else { ProviderAction::RejectApplication };
        apply_step(&app.settings, &mut tx, actor, &pr, action, &combined.explanation, None, &[]).await?;
        store::set_rating(&mut tx, pr.id, combined.hundredths, i64::from(combined.stars)).await?;
    } else {
        let from = state_of(&pr)?;
        let to = lifecycle::transition(from, ProviderAction::Evaluate, &Guard { now_ms: now_ms(), ..Guard::default() })
            .map_err(crate::refused)?;
        store::set_rating(&mut tx, pr.id, combined.hundredths, i64::from(combined.stars)).await?;
        store::add_event(
            &mut tx,
            &store::NewEvent {
                provider_id: pr.id,
                action: ProviderAction::Evaluate.code(),
                from_state: from.code(),
                to_state: to.code(),
                reason: &combined.explanation,
                deadline_at: None,
                actor: &actor.name,
            },
        )
        .await?;
    }
    let row = store::review(&mut tx, review.id).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(row)
}

// ---- the expert's side ------------------------------------------------------

/// An expert's assignment with what it needs to score.
pub struct Sheet {
    pub assignment: AssignmentRow,
    pub review: ReviewRow,
    pub provider: ProviderRow,
    pub sub_industries: Vec<SubIndustryRow>,
    pub scores: BTreeMap<String, u32>,
    /// The rubric the review was started with.
    pub rubric: &'static Rubric,
    /// The platform's record of the provider, shown beside the criteria.
    pub scorecard: super::scorecard::Scorecard,
}

async fn own_assignment(c: &mut impl Conn, p: &Principal, id: i64) -> AppResult<AssignmentRow> {
    let a = store::assignment(c, id).await?.ok_or(AppError::NotFound)?;
    check(policy::review_sheet(p, a.expert_user_id))?;
    Ok(a)
}

pub async fn my_sheets(app: &App, p: &Principal) -> AppResult<Vec<(AssignmentRow, ProviderRow, ReviewRow)>> {
    if p.role != Role::Expert {
        return Err(AppError::Forbidden);
    }
    let mut c = app.db.clone();
    let mut out = Vec::new();
    for a in store::assignments_of_expert(&mut c, p.user_id, 200).await? {
        let r = store::review(&mut c, a.review_id).await?.ok_or(AppError::NotFound)?;
        let pr = store::get(&mut c, r.provider_id).await?.ok_or(AppError::NotFound)?;
        out.push((a, pr, r));
    }
    Ok(out)
}

pub async fn sheet(app: &App, p: &Principal, id: i64) -> AppResult<Sheet> {
    let mut c = app.db.clone();
    let assignment = own_assignment(&mut c, p, id).await?;
    let review = store::review(&mut c, assignment.review_id).await?.ok_or(AppError::NotFound)?;
    let provider = store::get(&mut c, review.provider_id).await?.ok_or(AppError::NotFound)?;
    let scores = assignment.scores_json.as_deref().and_then(|j| serde_json::from_str(j).ok()).unwrap_or_default();
    Ok(Sheet {
        rubric: rubric_of(&review)?,
        scorecard: super::scorecard::scorecard(&mut c, provider.id).await?,
        sub_industries: store::provider_sub_industries(&mut c, provider.id).await?,
        assignment,
        review,
        provider,
        scores,
    })
}

/// The expert declares a conflict of interest (recused) or none.
pub async fn declare(app: &App, actor: &Actor, id: i64, conflict: bool, note: &str) -> AppResult<()> {
    let p = principal(actor)?;
    let note = note.trim();
    let mut tx = app.db.begin().await?;
    let a = own_assignment(&mut tx, p, id).await?;
    if conflict && note.is_empty() {
        return Err(AppError::invalid("error.conflict_note", ""));
    }
    if a.conflict != "pending" {
        return Err(AppError::Conflict("error.already_declared"));
    }
    let r = store::review(&mut tx, a.review_id).await?.ok_or(AppError::NotFound)?;
    if r.status != "open" {
        return Err(AppError::Conflict("error.review_closed"));
    }
    let value = if conflict { "declared" } else { "none" };
    if !store::declare(&mut tx, a.id, a.version, value, note).await? {
        return Err(AppError::Conflict("error.stale"));
    }
    record(
        &mut tx,
        actor,
        "review.declare",
        &format!("review:{}", a.review_id),
        Outcome::Ok,
        &format!("{value} {note}"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The expert's scores against the rubric; once submitted they are final.
pub async fn score(app: &App, actor: &Actor, id: i64, scores: &BTreeMap<String, u32>) -> AppResult<u32> {
    let p = principal(actor)?;
    let mut tx = app.db.begin().await?;
    let a = own_assignment(&mut tx, p, id).await?;
    if a.conflict != "none" {
        return Err(AppError::Conflict("error.declare_first"));
    }
    if a.submitted_at.is_some() {
        return Err(AppError::Conflict("error.already_scored"));
    }
    let r = store::review(&mut tx, a.review_id).await?.ok_or(AppError::NotFound)?;
    let total = rubric_of(&r)?.score_sheet(scores).map_err(|e| AppError::invalid("error.scores", e.to_string()))?;
    if r.status != "open" {
        return Err(AppError::Conflict("error.review_closed"));
    }
    let json = serde_json::to_string(scores).map_err(|e| AppError::Internal(e.to_string()))?;
    if !store::submit_scores(&mut tx, a.id, a.version, &json, i64::from(total)).await? {
        return Err(AppError::Conflict("error.stale"));
    }
    record(&mut tx, actor, "review.score", &format!("review:{}", a.review_id), Outcome::Ok, &total.to_string()).await?;
    tx.commit().await?;
    Ok(total)
}

// ---- 公示 objections ----------------------------------------------------------

/// Anyone may object while a provider is under 公示.
pub async fn object(app: &App, actor: &Actor, id: i64, f: &ObjectionForm) -> AppResult<i64> {
    let mut tx = app.db.begin().await?;
    let pr = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let open = state_of(&pr)? == ProviderState::Publicised && pr.publicity_ends_at.is_some_and(|e| now_ms() <= e);
    if !open {
        return Err(AppError::Conflict("error.not_in_publicity"));
    }
    let oid = super::objections::lodge(&mut tx, actor, "provider", id, f).await?;
    tx.commit().await?;
    Ok(oid)
}

/// The officer upholds (the application is rejected) or dismisses an objection, with a reason.
pub async fn resolve_objection(
    app: &App,
    actor: &Actor,
    objection_id: i64,
    uphold: bool,
    reason: &str,
) -> AppResult<()> {
    let p = principal(actor)?;
    if p.role != Role::Officer {
        return Err(AppError::Forbidden);
    }
    let reason = reason.trim();
    let mut tx = app.db.begin().await?;
    let o = store::objection(&mut tx, objection_id).await?.ok_or(AppError::NotFound)?;
    if o.subject != "provider" {
        return Err(AppError::NotFound);
    }
    let pr = load(&mut tx, p, o.subject_id, Action::Update).await?;
    if reason.is_empty() {
        return Err(AppError::invalid("error.reason_required", ""));
    }
    let status = if uphold { "upheld" } else { "dismissed" };
    if !store::resolve_objection(&mut tx, o.id, o.version, status, reason, &actor.name).await? {
        return Err(AppError::Conflict("error.objection_resolved"));
    }
    record(
        &mut tx,
        actor,
        "objection.resolve",
        &format!("objection:{}", o.id),
        Outcome::Ok,
        &format!("{status} {reason}"),
    )
    .await?;
    if uphold {
        apply_step(&app.settings, &mut tx, actor, &pr, ProviderAction::UpholdObjection, reason, None, &[]).await?;
    }
    tx.commit().await?;
    Ok(())
}

// ---- sub-industries -----------------------------------------------------------

/// An officer defines a pilot sub-industry for its region: a name over GB/T 4754 codes.
pub async fn add_sub_industry(app: &App, actor: &Actor, name: &str, codes: &str) -> AppResult<i64> {
    let p = principal(actor)?;
    if p.role != Role::Officer {
        return Err(AppError::Forbidden);
    }
    let name = text(name, 50, "error.sub_industry_name")?;
    let mut list = Vec::new();
    for code in codes.split(|c: char| c.is_whitespace() || c == ',' || c == '，' || c == '、').filter(|s| !s.is_empty())
    {
        let c = code.trim().to_ascii_uppercase();
        if dengta_domain::codes::industries::IndustryList::embedded().get(&c).is_none() {
            return Err(AppError::invalid("error.industry_unknown", c));
        }
        list.push(c);
    }
    if list.is_empty() {
        return Err(AppError::invalid("error.industry_unknown", codes));
    }
    list.sort();
    list.dedup();
    let mut tx = app.db.begin().await?;
    let id = store::insert_sub_industry(&mut tx, p.region.as_str(), &name, &list.join(" "), false).await.map_err(
        |e| match e {
            db::DbError::Conflict(_) => AppError::Conflict("error.sub_industry_exists"),
            e => e.into(),
        },
    )?;
    record(
        &mut tx,
        actor,
        "sub_industry.create",
        &format!("sub_industry:{id}"),
        Outcome::Ok,
        &format!("{name} {}", list.join(" ")),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn sub_industries_in_scope(app: &App, p: &Principal) -> AppResult<Vec<SubIndustryRow>> {
    let mut c = app.db.clone();
    let mut rows = store::sub_industries_on_path(&mut c, &region_path(p.region.as_str())).await?;
    for r in store::sub_industries_in(&mut c, &p.region.subtree_bounds()).await? {
        if !rows.iter().any(|x| x.id == r.id) {
            rows.push(r);
        }
    }
    Ok(rows)
}

/// Quota use of each sub-industry the provider serves: (sub-industry, used, quota).
pub async fn quota_use(app: &App, pr: &ProviderRow, subs: &[SubIndustryRow]) -> AppResult<Vec<(String, i64, i64)>> {
    let mut c = app.db.clone();
    let q = quota(&pr.kind)?;
    let mut out = Vec::new();
    for s in subs {
        out.push((s.name.clone(), store::quota_used(&mut c, s.id, &pr.kind).await?, q));
    }
    Ok(out)
}

/// Whether objection `objection_id` was raised against provider `provider_id` (a request names both).
pub async fn objection_against(app: &App, provider_id: i64, objection_id: i64) -> AppResult<bool> {
    Ok(db::providers::objection(&mut app.db.clone(), objection_id).await?.is_some_and(|o| o.subject_id == provider_id))
}

/// Sub-industries of every region: an applicant's region is known only from its code.
pub async fn all_sub_industries(app: &App) -> AppResult<Vec<db::providers::SubIndustryRow>> {
    Ok(db::providers::sub_industries_in(&mut app.db.clone(), &("0".into(), "9".into())).await?)
}

/// The sub-industries a provider serves.
pub async fn sub_industries_of(app: &App, provider_id: i64) -> AppResult<Vec<db::providers::SubIndustryRow>> {
    Ok(db::providers::provider_sub_industries(&mut app.db.clone(), provider_id).await?)
}
