//! Pilot programmes (城市试点) and the pilot-enterprise pool (试点企业库): programme rules
//! are versioned data files; an enterprise applies to a programme, its eligibility is checked
//! against the rules with every failed rule named, then the district and the city review, a
//! 公示 period with objections follows, and the enterprise is listed. Every step is a transition
//! of the domain's state machine, written with compare-and-set, kept as history and audited.

use std::sync::OnceLock;

use dengta_domain::duties::Step as Duty;
use dengta_domain::policy::{self, Action};
use dengta_domain::programme::eligibility::{self, EnterpriseFacts};
use dengta_domain::programme::rules::Programme;
use dengta_domain::programme::workflow::{self, EnrolmentAction, EnrolmentActor, EnrolmentGuard, EnrolmentState};
use dengta_domain::region::RegionCode;
use dengta_domain::role::{Principal, Role};

use super::audit::{Outcome, record};
use super::{Actor, App, AppError, AppResult, check};
use crate::db::programmes::{self as store, EnrolmentRow, StepRow};
use crate::db::{self, Conn};

/// The programme files in force: those built in and those a region adds in `programmes_dir`,
/// read once at start (with the directory they were read from).
static PROGRAMMES: OnceLock<(String, Result<Files, String>)> = OnceLock::new();

/// Each programme in force with the text of its file (recorded with every version).
type Files = Vec<(Programme, &'static str)>;

/// Reads and checks the built-in programme files and those of `dir` (`*.toml`, in name order).
/// A file in `dir` may replace a built-in programme with a later version of it (a city changing
/// its rules without a new binary); any other repeated id, or a faulty file, is refused with
/// the file named.
fn read_all(dir: &str) -> Result<Files, String> {
    let mut files: Vec<(String, &'static str)> =
        dengta_domain::programme::rules::BUILTIN_FILES.iter().map(|(f, t)| ((*f).to_owned(), *t)).collect();
    if !dir.is_empty() {
        let entries = std::fs::read_dir(dir).map_err(|e| format!("programmes_dir {dir}: {e}"))?;
        let mut paths: Vec<std::path::PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        for path in paths {
            let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            // Read once per process and kept for its life, like the built-in files.
            files.push((path.display().to_string(), Box::leak(text.into_boxed_str())));
        }
    }
    let builtin = dengta_domain::programme::rules::BUILTIN_FILES.len();
    let mut all: Files = Vec::new();
    for (n, (file, text)) in files.into_iter().enumerate() {
        let p = Programme::from_toml(text).map_err(|e| format!("{file}: {e}"))?;
        match all.iter().position(|(o, _)| o.id() == p.id()) {
            None => all.push((p, text)),
            Some(at) if n >= builtin && at < builtin && p.version() > all[at].0.version() => all[at] = (p, text),
            Some(at) => {
                return Err(format!(
                    "{file}: programme {} is already defined (v{}); a file may only replace a built-in programme with a later version",
                    p.id(),
                    all[at].0.version()
                ));
            }
        }
    }
    // Across the files: no city joins a batch that excludes the batch it already ran.
    let batches = dengta_domain::programme::rules::Batches::builtin().map_err(|e| e.to_string())?;
    batches.check(&all.iter().map(|(p, _)| p).collect::<Vec<_>>()).map_err(|e| e.to_string())?;
    Ok(all)
}

/// Reads the programme files once for this process: the built-in ones and those of `dir`.
/// Called at start; a second call with another directory is refused.
pub fn load_programmes(dir: &str) -> AppResult<usize> {
    let (read_from, loaded) = PROGRAMMES.get_or_init(|| (dir.to_owned(), read_all(dir)));
    if read_from != dir {
        return Err(AppError::Internal(format!(
            "the programme files were read from “{read_from}” already, not “{dir}”"
        )));
    }
    loaded.as_ref().map(Vec::len).map_err(|e| AppError::Internal(format!("programme rules: {e}")))
}

fn loaded() -> AppResult<&'static [(Programme, &'static str)]> {
    // Without a start (a unit of work on its own), the built-in files.
    let (_, all) = PROGRAMMES.get_or_init(|| (String::new(), read_all("")));
    all.as_deref().map_err(|e| AppError::Internal(format!("programme rules: {e}")))
}

pub fn programmes() -> AppResult<Vec<&'static Programme>> {
    Ok(loaded()?.iter().map(|(p, _)| p).collect())
}

pub fn programme(id: &str) -> AppResult<&'static Programme> {
    programmes()?.into_iter().find(|p| p.id() == id).ok_or_else(|| AppError::invalid("error.programme_unknown", id))
}

/// Records the programme versions in force (each record names the version it was decided under).
pub async fn sync_programmes(app: &App) -> AppResult<usize> {
    load_programmes(&app.settings.programmes_dir)?;
    let all = loaded()?;
    let mut c = app.db.clone();
    for (p, text) in all {
        let v = store::ProgrammeVersion {
            id: p.id(),
            version: i64::from(p.version()),
            name: p.name(),
            level: p.level().code(),
            region_code: p.region(),
            fingerprint: p.fingerprint(),
            body: text,
        };
        store::record_programme(&mut c, &v).await?;
        // Programme rules ship in the binary. A server of an older binary next to newer ones (a
        // rolling upgrade gone half-way) would compute money by rules the others have replaced:
        // it refuses to start instead, naming the programme.
        for (version, fingerprint) in store::programme_versions(&mut c, p.id()).await? {
            if version > v.version {
                return Err(AppError::Internal(format!(
                    "programme {} v{version} is in the database but this binary carries v{}: run the newer binary",
                    p.id(),
                    v.version
                )));
            }
            if version == v.version && fingerprint != v.fingerprint {
                return Err(AppError::Internal(format!(
                    "programme {} v{version} in the database differs from this binary's (fingerprint {} ≠ {})",
                    p.id(),
                    fingerprint,
                    v.fingerprint
                )));
            }
        }
    }
    Ok(all.len())
}

/// Programmes whose region contains the given one (an enterprise may sit in several at once).
pub fn programmes_for(region: &RegionCode) -> AppResult<Vec<&'static Programme>> {
    Ok(programmes()?.into_iter().filter(|p| p.region_code().contains(region)).collect())
}

fn region_of(code: &str) -> AppResult<RegionCode> {
    RegionCode::parse(code).map_err(|e| AppError::Internal(e.to_string()))
}

fn principal(actor: &Actor) -> AppResult<&Principal> {
    actor.principal.as_ref().ok_or(AppError::Unauthenticated)
}

/// The facts the eligibility rules look at, gathered from the enterprise file.
pub async fn facts(c: &mut impl Conn, enterprise_id: i64, programme_id: &str) -> AppResult<EnterpriseFacts> {
    let e = db::enterprises::get(c, enterprise_id).await?.ok_or(AppError::NotFound)?;
    let mut funded_elsewhere = Vec::new();
    for other in store::enrolments_of_enterprise(c, enterprise_id).await? {
        if other.programme_id != programme_id && store::funded(c, other.id).await? {
            funded_elsewhere
                .push(programme(&other.programme_id).map_or(other.programme_id.clone(), |p| p.name().to_owned()));
        }
    }
    let mut has_baseline = false;
    for kind in ["self", "onsite"] {
        has_baseline |= db::assessments::latest_submitted(c, enterprise_id, kind, 0).await?.is_some();
    }
    Ok(EnterpriseFacts {
        region_code: e.region_code.clone(),
        industry_code: e.industry_code.clone(),
        size_class: e.size_class.clone(),
        above_scale: e.above_scale,
        serious_dishonesty: e.serious_dishonesty,
        funded_elsewhere,
        has_baseline_assessment: has_baseline,
    })
}

/// The enterprise applies to a programme; eligibility is checked and stored with the application.
pub async fn apply(app: &App, actor: &Actor, programme_id: &str, enterprise_id: i64) -> AppResult<i64> {
    let p = principal(actor)?;
    if p.role != Role::Enterprise {
        return Err(AppError::Forbidden);
    }
    let mut tx = app.db.begin().await?;
    let e = db::enterprises::get(&mut tx, enterprise_id).await?.ok_or(AppError::NotFound)?;
    check(policy::enterprise(p, Action::Update, e.id, &region_of(&e.region_code)?))?;
    let prog = programme(programme_id)?;
    if !prog.region_code().contains(&region_of(&e.region_code)?) {
        return Err(AppError::invalid("error.programme_region", prog.name()));
    }
    let f = facts(&mut tx, e.id, prog.id()).await?;
    let outcomes = eligibility::check(prog, &f);
    let ok = eligibility::eligible(&outcomes);
    let json = serde_json::to_string(&outcomes).map_err(|err| AppError::Internal(err.to_string()))?;
    let sub = prog.sub_industry_of(&e.industry_code).map(|s| s.name.clone());
    let id = store::insert_enrolment(
        &mut tx,
        &store::NewEnrolment {
            programme_id: prog.id(),
            programme_version: i64::from(prog.version()),
            enterprise_id: e.id,
            region_code: &e.region_code,
            sub_industry: sub.as_deref(),
            eligibility_json: &json,
            eligible: ok,
            applied_by: &actor.name,
        },
    )
    .await
    .map_err(|err| match err {
        db::DbError::Conflict(_) => AppError::Conflict("error.already_enrolled"),
        err => err.into(),
    })?;
    store::add_step(
        &mut tx,
        &store::NewStep {
            subject: "enrolment",
            subject_id: id,
            action: "apply",
            from_state: "",
            to_state: "applied",
            reason: &eligibility::failures_zh(&outcomes),
            flagged: false,
            actor: &actor.name,
        },
    )
    .await?;
    let detail = format!("{} v{} eligible={ok}", prog.id(), prog.version());
    record(&mut tx, actor, "enrolment.apply", &format!("enrolment:{id}"), Outcome::Ok, &detail).await?;
    tx.commit().await?;
    Ok(id)
}

/// An enrolment with its eligibility checks and history.
pub struct EnrolmentFile {
    pub row: EnrolmentRow,
    pub programme: &'static Programme,
    pub outcomes: Vec<OutcomeView>,
    pub steps: Vec<StepRow>,
}

/// A stored eligibility check as read back for display.
#[derive(Clone, Debug, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
#[schemars(rename = "EligibilityOutcome")]
pub struct OutcomeView {
    pub rule: String,
    pub passed: bool,
    pub explanation: String,
}

impl OutcomeView {
    pub fn label(&self) -> &'static str {
        eligibility::EligibilityRule::parse(&self.rule).map_or("", |r| r.label_zh())
    }
}

async fn load(c: &mut impl Conn, p: &Principal, id: i64, action: Action) -> AppResult<EnrolmentRow> {
    let r = store::enrolment(c, id).await?.ok_or(AppError::NotFound)?;
    check(policy::enterprise(p, action, r.enterprise_id, &region_of(&r.region_code)?))?;
    Ok(r)
}

pub async fn file(app: &App, p: &Principal, id: i64) -> AppResult<EnrolmentFile> {
    let mut c = app.db.clone();
    let row = load(&mut c, p, id, Action::Read).await?;
    let outcomes = serde_json::from_str(&row.eligibility_json).unwrap_or_default();
    Ok(EnrolmentFile {
        programme: programme(&row.programme_id)?,
        steps: store::steps(&mut c, "enrolment", id).await?,
        outcomes,
        row,
    })
}

/// Enrolments the caller may see: an enterprise its own, an officer its subtree.
pub async fn list(
    app: &App,
    p: &Principal,
    status: Option<&str>,
    after: i64,
    limit: i64,
) -> AppResult<Vec<EnrolmentRow>> {
    let mut c = app.db.clone();
    match (p.role, p.enterprise_id) {
        (Role::Enterprise, Some(e)) => Ok(store::enrolments_of_enterprise(&mut c, e).await?),
        (Role::Officer, _) => Ok(store::enrolments_in(&mut c, &p.region.subtree_bounds(), status, after, limit).await?),
        _ => Err(AppError::Forbidden),
    }
}

/// A requested enrolment step.
#[derive(Clone, Debug, Default, serde::Deserialize, schemars::JsonSchema)]
#[schemars(rename = "EnrolmentStep")]
pub struct Step {
    #[schemars(schema_with = "dengta_domain::schema::enrolment_action")]
    pub action: String,
    #[serde(default)]
    pub reason: String,
    /// The version the caller saw (compare-and-set); 0 = current.
    #[serde(default)]
    pub version: i64,
}

/// One review step by an officer: the district's first review, the city's review (an override
/// of a failed rule needs a reason and is flagged), 公示, listing, removal.
pub async fn step(app: &App, actor: &Actor, id: i64, s: &Step) -> AppResult<EnrolmentState> {
    let p = principal(actor)?;
    let mut tx = app.db.begin().await?;
    let row = load(&mut tx, p, id, Action::Update).await?;
    if p.role != Role::Officer {
        return Err(AppError::Forbidden);
    }
    if s.version != 0 && s.version != row.version {
        return Err(AppError::Conflict("error.stale"));
    }
    let action =
        EnrolmentAction::parse(s.action.trim()).ok_or_else(|| AppError::invalid("error.bad_request", &s.action))?;
    let prog = programme(&row.programme_id)?;
    if !EnrolmentActor::may(action, &p.region, &region_of(&row.region_code)?, prog.region_code()) {
        return Err(AppError::invalid(
            "error.enrolment_actor",
            EnrolmentActor::allowed(action).iter().map(|a| a.label_zh()).collect::<Vec<_>>().join("、"),
        ));
    }
    let reason = s.reason.trim();
    let to = apply_step(&app.settings, &mut tx, actor, &row, action, reason).await?;
    tx.commit().await?;
    Ok(to)
}

async fn apply_step(
    settings: &crate::config::Settings,
    tx: &mut db::Tx,
    actor: &Actor,
    row: &EnrolmentRow,
    action: EnrolmentAction,
    reason: &str,
) -> AppResult<EnrolmentState> {
    let from =
        EnrolmentState::parse(&row.status).ok_or_else(|| AppError::Internal(format!("enrolment {}", row.status)))?;
    // Duties first: whoever may not take this step hears that rule, whatever the state.
    let duty = match action {
        EnrolmentAction::DistrictApprove | EnrolmentAction::DistrictReject => Some(Duty::EnrolmentDistrictReview),
        EnrolmentAction::CityApprove | EnrolmentAction::CityReject => Some(Duty::EnrolmentCityReview),
        _ => None,
    };
    if let Some(step) = duty {
        super::duties::take(tx, actor, step, &[("enrolment", row.id)]).await?;
    }
    let now = db::now_ms();
    let open = db::providers::open_objections(tx, "enrolment", row.id).await?;
    let overriding = action == EnrolmentAction::CityApprove && !row.eligible && !reason.is_empty();
    let guard = EnrolmentGuard {
        now_ms: now,
        publicity_ends_ms: row.publicity_ends_at,
        open_objections: u32::try_from(open).unwrap_or(u32::MAX),
        eligible: row.eligible,
        override_reason: overriding,
        has_reason: !reason.is_empty(),
    };
    let to = workflow::transition(from, action, &guard).map_err(crate::refused)?;
    let publicity_ends_at = match action {
        EnrolmentAction::Publicise => Some(now + super::providers::publicity_ms(settings)?),
        _ => row.publicity_ends_at,
    };
    let override_reason = if overriding { Some(reason) } else { row.override_reason.as_deref() };
    let change = store::EnrolmentChange { status: to.code(), override_reason, publicity_ends_at };
    if !store::set_enrolment_state(tx, row.id, row.version, &change).await? {
        return Err(AppError::Conflict("error.stale"));
    }
    store::add_step(
        tx,
        &store::NewStep {
            subject: "enrolment",
            subject_id: row.id,
            action: action.code(),
            from_state: from.code(),
            to_state: to.code(),
            reason,
            flagged: overriding,
            actor: &actor.name,
        },
    )
    .await?;
    let detail = format!("{} → {} {reason}", from.code(), to.code());
    record(tx, actor, &format!("enrolment.{}", action.code()), &format!("enrolment:{}", row.id), Outcome::Ok, &detail)
        .await?;
    if overriding {
        // An override of a failed entry rule is an exception the audit administrator reviews.
        let failed = row.eligibility_json.clone();
        record(
            tx,
            actor,
            "enrolment.override",
            &format!("enrolment:{}", row.id),
            Outcome::Ok,
            &format!("{reason} {failed}"),
        )
        .await?;
    }
    Ok(to)
}

/// Anyone may object while an enrolment is under 公示.
pub async fn object(app: &App, actor: &Actor, id: i64, f: &super::objections::ObjectionForm) -> AppResult<i64> {
    let mut tx = app.db.begin().await?;
    let row = store::enrolment(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let open =
        row.status == EnrolmentState::Publicised.code() && row.publicity_ends_at.is_some_and(|e| db::now_ms() <= e);
    if !open {
        return Err(AppError::Conflict("error.not_in_publicity"));
    }
    let oid = super::objections::lodge(&mut tx, actor, "enrolment", id, f).await?;
    tx.commit().await?;
    Ok(oid)
}

/// The city upholds (the enterprise is removed from the pool) or dismisses an objection.
pub async fn resolve_objection(
    app: &App,
    actor: &Actor,
    id: i64,
    objection_id: i64,
    uphold: bool,
    reason: &str,
) -> AppResult<()> {
    let p = principal(actor)?;
    let mut tx = app.db.begin().await?;
    let row = load(&mut tx, p, id, Action::Update).await?;
    let prog = programme(&row.programme_id)?;
    if !EnrolmentActor::may(
        EnrolmentAction::UpholdObjection,
        &p.region,
        &region_of(&row.region_code)?,
        prog.region_code(),
    ) {
        return Err(AppError::Forbidden);
    }
    super::objections::decide(&mut tx, actor, "enrolment", id, objection_id, uphold, reason).await?;
    if uphold {
        apply_step(&app.settings, &mut tx, actor, &row, EnrolmentAction::UpholdObjection, reason.trim()).await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn objections(app: &App, id: i64) -> AppResult<Vec<db::providers::ObjectionRow>> {
    let mut c = app.db.clone();
    Ok(db::providers::objections_of(&mut c, "enrolment", id).await?)
}

/// The public pool: enterprises under 公示 and listed (name, industry, region only).
pub async fn public_pool(app: &App, status: EnrolmentState, after: i64, limit: i64) -> AppResult<Vec<EnrolmentRow>> {
    let mut c = app.db.clone();
    Ok(store::public_enrolments(&mut c, status.code(), after, limit).await?)
}
