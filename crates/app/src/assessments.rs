//! Digital-level assessments (数字化水平评测): drafts, the truthfulness pledge, submission and
//! scoring with the instrument version frozen at creation, the result, and the links between
//! successive assessments.
//!
//! Who may do what (the enterprise's own user, an authority officer in scope):
//! - kind `self` (企业自评): created, saved and submitted by the enterprise user for its own enterprise;
//! - kind `provider` (服务商初评) and `onsite` (现场评定): by an officer whose region contains the
//!   enterprise. Providers are not yet linked to the enterprises they serve, so a provider's
//!   preliminary rating is recorded by the officer; provider users have no access here yet.
//! - every kind is readable by the enterprise itself and by officers in scope.
//!
//! An on-site rating whose level differs from the latest submitted self-assessment needs a reason
//! (`adjust_reason`); a new on-site or provider draft starts from the latest self-assessment's
//! answers made with the same instrument version, so the assessor confirms or adjusts them.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{LazyLock, RwLock};

use dengta_domain::assessment::{Answers, Instrument, ScoreResult, builtin_instruments, improvements, score};
use dengta_domain::policy::{self, Action};
use dengta_domain::region::RegionCode;
use dengta_domain::role::{Principal, Role};
use serde::Serialize;

use super::audit::{Outcome, record};
use super::{Actor, App, AppError, AppResult, check};
use crate::db::assessments::{self as store, AssessmentRow, NewDraft, Submission};
use crate::db::enterprises::EnterpriseRow;
use crate::db::{self, Conn, enterprise_file as file};

/// The statement a submitter signs (真实性承诺); stored with the assessment.
pub const PLEDGE_TEXT: &str =
    "本单位（本人）承诺：所填报的评测信息和数据真实、准确、完整，并可提供相应佐证材料；如有虚假，愿承担相应责任。";

/// The instrument versions in force: the shipped ones plus those an
/// administrator published (loaded from the database at start, added on
/// publication). Entries are never removed or replaced, so references live
/// as long as the process.
static INSTRUMENTS: LazyLock<Result<RwLock<Vec<&'static Instrument>>, String>> = LazyLock::new(|| {
    builtin_instruments()
        .map(|v| RwLock::new(v.into_iter().map(|i| &*Box::leak(Box::new(i))).collect()))
        .map_err(|e| e.to_string())
});

/// Every instrument version in force.
pub fn instruments() -> AppResult<Vec<&'static Instrument>> {
    let lock = INSTRUMENTS.as_ref().map_err(|e| AppError::Internal(format!("instruments: {e}")))?;
    Ok(lock.read().map_err(|_| AppError::Internal("instrument registry poisoned".into()))?.clone())
}

/// Adds a version to the registry unless the same id and version is there.
/// Returns false when it was already present.
pub fn register_instrument(inst: Instrument) -> AppResult<bool> {
    let lock = INSTRUMENTS.as_ref().map_err(|e| AppError::Internal(format!("instruments: {e}")))?;
    let mut all = lock.write().map_err(|_| AppError::Internal("instrument registry poisoned".into()))?;
    if all.iter().any(|i| i.id() == inst.id() && i.version() == inst.version()) {
        return Ok(false);
    }
    all.push(Box::leak(Box::new(inst)));
    Ok(true)
}

/// How many published versions this process has loaded. The database's count only grows
/// (versions are never removed or replaced), so a different count means a server of the same
/// database published one since.
static PUBLISHED_SEEN: AtomicI64 = AtomicI64::new(-1);

/// Brings the registry up to date with the versions published on any server of this database:
/// one count of a small table per call, and a load only when it changed. Every use case that
/// picks or reads an instrument version calls it first, so a version published on one server
/// is in force on all of them from the next request on, without a restart.
pub async fn sync_instruments(c: &mut impl Conn) -> AppResult<usize> {
    let count = crate::db::instruments::count(c).await?;
    if count == PUBLISHED_SEEN.load(Ordering::Acquire) {
        return Ok(0);
    }
    let mut n = 0;
    for row in crate::db::instruments::all(c).await? {
        let name: &'static str = Box::leak(row.file_name.clone().into_boxed_str());
        let inst = Instrument::from_toml(name, &row.body).map_err(|e| AppError::Internal(e.to_string()))?;
        if inst.fingerprint() != row.fingerprint {
            return Err(AppError::Internal(format!(
                "published instrument {} v{} changed",
                row.instrument_id, row.version
            )));
        }
        if register_instrument(inst)? {
            n += 1;
        }
    }
    // What was read is at least `count` rows; a version published meanwhile is loaded next time.
    PUBLISHED_SEEN.store(count, Ordering::Release);
    Ok(n)
}

/// Every instrument version in force on any server of this database.
pub async fn in_force(app: &App) -> AppResult<Vec<&'static Instrument>> {
    sync_instruments(&mut app.db.clone()).await?;
    instruments()
}

/// Loads the published versions from the database (at start).
pub async fn load_published(app: &App) -> AppResult<usize> {
    sync_instruments(&mut app.db.clone()).await
}

/// Publishes a new instrument version from an uploaded data file
/// (system administrator). The file is validated in full; an existing id and
/// version is never replaced.
pub async fn publish_instrument(
    app: &App,
    actor: &Actor,
    file_name: &str,
    body: &str,
) -> AppResult<&'static Instrument> {
    let p = actor.principal.as_ref().ok_or(AppError::Unauthenticated)?;
    if p.role != dengta_domain::role::Role::SysAdmin {
        return Err(AppError::Forbidden);
    }
    let name: &'static str = Box::leak(file_name.to_owned().into_boxed_str());
    let inst =
        Instrument::from_toml(name, body).map_err(|e| AppError::invalid("error.instrument_file", e.to_string()))?;
    if instruments()?.iter().any(|i| i.id() == inst.id() && i.version() == inst.version()) {
        return Err(AppError::invalid("error.instrument_exists", format!("{} v{}", inst.id(), inst.version())));
    }
    let row = crate::db::instruments::InstrumentRow {
        instrument_id: inst.id().to_owned(),
        version: i64::from(inst.version()),
        file_name: file_name.to_owned(),
        body: body.to_owned(),
        fingerprint: inst.fingerprint().to_owned(),
        published_by: actor.name.clone(),
        published_at: 0,
    };
    let mut tx = app.db.begin().await?;
    crate::db::instruments::insert(&mut tx, &row).await.map_err(|e| match e {
        crate::db::DbError::Conflict(_) => {
            AppError::invalid("error.instrument_exists", format!("{} v{}", row.instrument_id, row.version))
        }
        e => e.into(),
    })?;
    let object = format!("instrument:{}:v{}", row.instrument_id, row.version);
    record(&mut tx, actor, "instrument.publish", &object, Outcome::Ok, &row.fingerprint).await?;
    tx.commit().await?;
    register_instrument(inst)?;
    latest_version(&row.instrument_id, row.version)
}

fn latest_version(id: &str, version: i64) -> AppResult<&'static Instrument> {
    instruments()?
        .into_iter()
        .find(|i| i.id() == id && i64::from(i.version()) == version)
        .ok_or_else(|| AppError::Internal("published instrument missing".into()))
}

/// The highest version of an instrument id.
pub fn latest_instrument(id: &str) -> AppResult<&'static Instrument> {
    instruments()?
        .into_iter()
        .filter(|i| i.id() == id)
        .max_by_key(|i| i.version())
        .ok_or_else(|| AppError::invalid("error.instrument_unknown", id))
}

/// Exactly the version an assessment was created with; its fingerprint must still match.
pub fn frozen_instrument(row: &AssessmentRow) -> AppResult<&'static Instrument> {
    let inst = instruments()?
        .into_iter()
        .find(|i| i.id() == row.instrument_id && i64::from(i.version()) == row.instrument_version)
        .ok_or_else(|| AppError::invalid("error.instrument_unknown", &row.instrument_id))?;
    if inst.fingerprint() != row.instrument_fingerprint {
        return Err(AppError::invalid(
            "error.instrument_changed",
            format!("{} v{}", row.instrument_id, row.instrument_version),
        ));
    }
    Ok(inst)
}

/// The instrument that suits an industry (GB/T 4754 code): the first whose industries match, the
/// general one otherwise.
pub fn default_instrument(industry_code: &str) -> AppResult<&'static Instrument> {
    let section = industry_code.chars().next().unwrap_or('?');
    let all = instruments()?;
    all.iter()
        .copied()
        .find(|i| !i.industries().is_empty() && i.applies_to_section(section))
        .or_else(|| all.iter().copied().find(|i| i.industries().is_empty()))
        .or(all.first().copied())
        .ok_or_else(|| AppError::Internal("no instruments".into()))
        // The newest published version of that instrument.
        .and_then(|i| latest_instrument(i.id()))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 企业自评
    SelfAssessment,
    /// 服务商初评
    Provider,
    /// 现场评定
    Onsite,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::SelfAssessment, Kind::Provider, Kind::Onsite];

    pub fn code(self) -> &'static str {
        match self {
            Kind::SelfAssessment => "self",
            Kind::Provider => "provider",
            Kind::Onsite => "onsite",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == s)
    }

    /// The i18n key of the kind's name.
    pub fn label_key(self) -> &'static str {
        match self {
            Kind::SelfAssessment => "assessments.kind_self",
            Kind::Provider => "assessments.kind_provider",
            Kind::Onsite => "assessments.kind_onsite",
        }
    }
}

/// The kinds a principal may author.
pub fn kinds_for(p: &Principal) -> Vec<Kind> {
    match p.role {
        Role::Enterprise => vec![Kind::SelfAssessment],
        Role::Officer => vec![Kind::Provider, Kind::Onsite],
        _ => Vec::new(),
    }
}

fn may_author(p: &Principal, kind: &str) -> bool {
    kinds_for(p).iter().any(|k| k.code() == kind)
}

/// Whether `p` may still change this assessment (a draft of a kind it authors).
pub fn can_edit(p: &Principal, row: &AssessmentRow) -> bool {
    row.status == "draft" && may_author(p, &row.kind)
}

fn region_of(code: &str) -> AppResult<RegionCode> {
    RegionCode::parse(code).map_err(|e| AppError::Internal(e.to_string()))
}

/// The enterprise, if the caller may act on it. Every use case here passes through this first, so
/// it also brings the instrument registry up to date (see [`sync_instruments`]).
async fn enterprise(c: &mut impl Conn, p: &Principal, id: i64, action: Action) -> AppResult<EnterpriseRow> {
    sync_instruments(c).await?;
    let e = db::enterprises::get(c, id).await?.ok_or(AppError::NotFound)?;
    check(policy::enterprise(p, action, id, &region_of(&e.region_code)?))?;
    Ok(e)
}

/// An assessment and its enterprise, if the caller may read the enterprise.
async fn load(c: &mut impl Conn, p: &Principal, id: i64) -> AppResult<(AssessmentRow, EnterpriseRow)> {
    let a = store::get(c, id).await?.ok_or(AppError::NotFound)?;
    let e = enterprise(c, p, a.enterprise_id, Action::Read).await?;
    Ok((a, e))
}

fn principal(actor: &Actor) -> AppResult<&Principal> {
    actor.principal.as_ref().ok_or(AppError::Unauthenticated)
}

/// The stored answers (an unreadable value counts as empty, which scoring then reports).
pub fn answers_of(row: &AssessmentRow) -> Answers {
    serde_json::from_str(&row.answers_json).unwrap_or_default()
}

pub fn result_of(row: &AssessmentRow) -> Option<ScoreResult> {
    row.result_json.as_deref().and_then(|s| serde_json::from_str(s).ok())
}

/// The result as returned by the API and the CLI: the score result, its level trace and the
/// ranked improvement steps (serialized as it stands, without an intermediate JSON tree).
#[derive(Serialize, schemars::JsonSchema)]
pub struct FullResult {
    #[serde(flatten)]
    pub result: ScoreResult,
    pub trace: Vec<String>,
    pub improvements: Vec<dengta_domain::assessment::Improvement>,
}

pub fn full_result(inst: &Instrument, r: ScoreResult) -> FullResult {
    let (trace, improvements) = (r.trace(), improvements(inst, &r).unwrap_or_default());
    FullResult { result: r, trace, improvements }
}

/// Scores answers, with every problem as one clear error.
pub fn score_answers(inst: &Instrument, answers: &Answers) -> AppResult<ScoreResult> {
    score(inst, answers).map_err(|e| AppError::invalid("error.assessment_answers", e.to_string()))
}

/// Starts a draft of `kind`, or returns the open one (so "start" also resumes).
pub async fn start(app: &App, actor: &Actor, enterprise_id: i64, kind: &str, instrument_id: &str) -> AppResult<i64> {
    let p = principal(actor)?;
    let mut tx = app.db.begin().await?;
    let e = enterprise(&mut tx, p, enterprise_id, Action::Update).await?;
    let kind = Kind::parse(kind).ok_or(AppError::invalid("error.assessment_kind", kind))?;
    if !may_author(p, kind.code()) {
        return Err(AppError::Forbidden);
    }
    if let Some(d) = store::open_draft(&mut tx, enterprise_id, kind.code()).await? {
        return Ok(d.id);
    }
    let inst = if instrument_id.trim().is_empty() {
        default_instrument(&e.industry_code)?
    } else {
        latest_instrument(instrument_id.trim())?
    };
    // An assessor starts from the enterprise's own latest answers to the same instrument version.
    let mut answers = "{}".to_owned();
    if kind != Kind::SelfAssessment
        && let Some(s) = store::latest_submitted(&mut tx, enterprise_id, Kind::SelfAssessment.code(), 0).await?
        && s.instrument_id == inst.id()
        && s.instrument_version == i64::from(inst.version())
    {
        answers = s.answers_json;
    }
    let id = store::insert_draft(
        &mut tx,
        &NewDraft {
            enterprise_id,
            instrument_id: inst.id(),
            instrument_version: i64::from(inst.version()),
            instrument_fingerprint: inst.fingerprint(),
            kind: kind.code(),
            answers_json: &answers,
            created_by: &actor.name,
        },
    )
    .await
    .map_err(|e| match e {
        db::DbError::Conflict(_) => AppError::Conflict("error.stale"),
        e => e.into(),
    })?;
    let detail = format!("{} {} v{}", kind.code(), inst.id(), inst.version());
    record(&mut tx, actor, "assessment.start", &format!("assessment:{id}"), Outcome::Ok, &detail).await?;
    tx.commit().await?;
    Ok(id)
}

/// Saves a draft's answers (complete or not); `version` guards against lost updates. Returns the
/// new version.
pub async fn save(app: &App, actor: &Actor, id: i64, version: i64, answers: &Answers) -> AppResult<i64> {
    let p = principal(actor)?;
    let mut tx = app.db.begin().await?;
    let (a, _) = load(&mut tx, p, id).await?;
    if !can_edit(p, &a) {
        return Err(AppError::Forbidden);
    }
    let json = serde_json::to_string(answers).map_err(|e| AppError::Internal(e.to_string()))?;
    if !store::save_answers(&mut tx, id, version, &json).await? {
        return Err(AppError::Conflict("error.stale"));
    }
    tx.commit().await?;
    Ok(version + 1)
}

/// What a submission carries besides the answers.
pub struct Pledge<'a> {
    /// The submitter ticked the 真实性承诺.
    pub confirmed: bool,
    /// Required for an on-site rating whose level differs from the latest self-assessment.
    pub adjust_reason: &'a str,
}

/// Everything checked and computed before a submission is written.
struct Prepared {
    submission_json: (String, String),
    result: ScoreResult,
    previous: Option<AssessmentRow>,
    adjust_reason: Option<String>,
}

async fn prepare(
    c: &mut impl Conn,
    enterprise_id: i64,
    kind: Kind,
    except: i64,
    inst: &Instrument,
    answers: &Answers,
    pledge: &Pledge<'_>,
) -> AppResult<Prepared> {
    if !pledge.confirmed {
        return Err(AppError::invalid("error.pledge_required", ""));
    }
    let result = score_answers(inst, answers)?;
    let reason = pledge.adjust_reason.trim();
    let adjust_reason = (!reason.is_empty()).then(|| reason.to_owned());
    if kind == Kind::Onsite
        && adjust_reason.is_none()
        && let Some(s) = store::latest_submitted(c, enterprise_id, Kind::SelfAssessment.code(), except).await?
        && s.level != Some(i64::from(result.level.rank))
    {
        return Err(AppError::invalid(
            "error.adjust_reason_required",
            format!("{} → {}", level_name(s.level), result.level.name),
        ));
    }
    let previous = store::latest_submitted(c, enterprise_id, kind.code(), except).await?;
    let answers_json = serde_json::to_string(answers).map_err(|e| AppError::Internal(e.to_string()))?;
    let result_json = serde_json::to_string(&result).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Prepared { submission_json: (answers_json, result_json), result, previous, adjust_reason })
}

fn level_name(rank: Option<i64>) -> String {
    match rank {
        Some(0) => "未达一级".into(),
        Some(n) => format!("{}级", ["", "一", "二", "三", "四"].get(n as usize).copied().unwrap_or("?")),
        None => "—".into(),
    }
}

/// The history row, the roll-up and the audit record of a submission (same transaction).
async fn after_submit(
    tx: &mut db::Tx,
    actor: &Actor,
    e: &EnterpriseRow,
    id: i64,
    kind: Kind,
    o: &Prepared,
) -> AppResult<()> {
    super::dashboard::refresh_enterprise(tx, e.id).await?;
    let summary = |kind: &str, instrument: String, total: String, level: String| {
        serde_json::json!({ "assessment_kind": kind, "assessment_instrument": instrument, "assessment_total": total, "assessment_level": level })
            .to_string()
    };
    let before = o.previous.as_ref().and_then(|prev| {
        result_of(prev).map(|r| {
            summary(
                &prev.kind,
                format!("{} v{}", r.instrument_id, r.instrument_version),
                r.total.to_string(),
                r.level.name,
            )
        })
    });
    let r = &o.result;
    let after = summary(
        kind.code(),
        format!("{} v{}", r.instrument_id, r.instrument_version),
        r.total.to_string(),
        r.level.name.clone(),
    );
    file::add_history(tx, e.id, &actor.name, "assessment.submit", before.as_deref().unwrap_or("{}"), &after).await?;
    let detail = format!("{} {} {} {}", kind.code(), r.instrument_id, r.total, r.level.name);
    record(tx, actor, "assessment.submit", &format!("assessment:{id}"), Outcome::Ok, &detail).await?;
    Ok(())
}

/// Submits a draft: the pledge is required, the answers are scored with the instrument version
/// frozen at creation, the result is stored and linked to the previous one of the same kind.
pub async fn submit(
    app: &App,
    actor: &Actor,
    id: i64,
    version: i64,
    answers: &Answers,
    pledge: &Pledge<'_>,
) -> AppResult<ScoreResult> {
    let p = principal(actor)?;
    let mut tx = app.db.begin().await?;
    let (a, e) = load(&mut tx, p, id).await?;
    if !can_edit(p, &a) {
        return Err(AppError::Forbidden);
    }
    enterprise(&mut tx, p, e.id, Action::Update).await?;
    let kind = Kind::parse(&a.kind).ok_or_else(|| AppError::Internal(format!("kind {}", a.kind)))?;
    let inst = frozen_instrument(&a)?;
    let o = prepare(&mut tx, e.id, kind, id, inst, answers, pledge).await?;
    let s = Submission {
        answers_json: &o.submission_json.0,
        result_json: &o.submission_json.1,
        total_thousandths: o.result.total.thousandths(),
        level: i64::from(o.result.level.rank),
        pledge_by: &actor.name,
        pledge_text: PLEDGE_TEXT,
        previous_id: o.previous.as_ref().map(|p| p.id),
        adjust_reason: o.adjust_reason.clone(),
    };
    if !store::submit(&mut tx, id, version, &s).await? {
        return Err(AppError::Conflict("error.stale"));
    }
    after_submit(&mut tx, actor, &e, id, kind, &o).await?;
    tx.commit().await?;
    Ok(o.result)
}

/// Scores and stores a submitted assessment in one step (the API): kind `self` for the enterprise
/// user, `onsite` for an officer. Returns the stored row and its result.
pub async fn assess(
    app: &App,
    actor: &Actor,
    enterprise_id: i64,
    instrument_id: &str,
    answers: &Answers,
    pledge: &Pledge<'_>,
) -> AppResult<(AssessmentRow, ScoreResult)> {
    let p = principal(actor)?;
    let kind = match p.role {
        Role::Enterprise => Kind::SelfAssessment,
        Role::Officer => Kind::Onsite,
        _ => return Err(AppError::Forbidden),
    };
    let mut tx = app.db.begin().await?;
    let e = enterprise(&mut tx, p, enterprise_id, Action::Update).await?;
    let inst = if instrument_id.trim().is_empty() {
        default_instrument(&e.industry_code)?
    } else {
        latest_instrument(instrument_id.trim())?
    };
    let o = prepare(&mut tx, e.id, kind, 0, inst, answers, pledge).await?;
    let n = NewDraft {
        enterprise_id,
        instrument_id: inst.id(),
        instrument_version: i64::from(inst.version()),
        instrument_fingerprint: inst.fingerprint(),
        kind: kind.code(),
        answers_json: &o.submission_json.0,
        created_by: &actor.name,
    };
    let s = Submission {
        answers_json: &o.submission_json.0,
        result_json: &o.submission_json.1,
        total_thousandths: o.result.total.thousandths(),
        level: i64::from(o.result.level.rank),
        pledge_by: &actor.name,
        pledge_text: PLEDGE_TEXT,
        previous_id: o.previous.as_ref().map(|p| p.id),
        adjust_reason: o.adjust_reason.clone(),
    };
    let id = store::insert_submitted(&mut tx, &n, &s).await?;
    after_submit(&mut tx, actor, &e, id, kind, &o).await?;
    let row = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok((row, o.result))
}

/// An enterprise and its assessments, newest first.
pub async fn list(app: &App, p: &Principal, enterprise_id: i64) -> AppResult<(EnterpriseRow, Vec<AssessmentRow>)> {
    let mut c = app.db.clone();
    let e = enterprise(&mut c, p, enterprise_id, Action::Read).await?;
    let rows = store::for_enterprise(&mut c, enterprise_id).await?;
    Ok((e, rows))
}

/// One assessment with its enterprise and the previous submitted one of the same kind.
pub struct Loaded {
    pub a: AssessmentRow,
    pub e: EnterpriseRow,
    pub previous: Option<AssessmentRow>,
}

pub async fn get(app: &App, p: &Principal, id: i64) -> AppResult<Loaded> {
    let mut c = app.db.clone();
    let (a, e) = load(&mut c, p, id).await?;
    let previous = match a.previous_id {
        Some(pid) => store::get(&mut c, pid).await?,
        None if a.status == "draft" => store::latest_submitted(&mut c, a.enterprise_id, &a.kind, a.id).await?,
        None => None,
    };
    Ok(Loaded { a, e, previous })
}

/// Answers NotFound unless the caller may read the assessment (checked before a form is read).
pub async fn ensure_visible(app: &App, p: &Principal, id: i64) -> AppResult<()> {
    let mut c = app.db.clone();
    load(&mut c, p, id).await.map(|_| ())
}

/// The latest submitted assessment of each kind, for the side-by-side comparison.
pub async fn latest_by_kind(
    app: &App,
    p: &Principal,
    enterprise_id: i64,
) -> AppResult<(EnterpriseRow, Vec<(Kind, Option<AssessmentRow>)>)> {
    let mut c = app.db.clone();
    let e = enterprise(&mut c, p, enterprise_id, Action::Read).await?;
    let mut out = Vec::new();
    for k in Kind::ALL {
        out.push((k, store::latest_submitted(&mut c, enterprise_id, k.code(), 0).await?));
    }
    Ok((e, out))
}

/// What [`rescore`] did with one stored assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rescored {
    /// The stored assessment, left as it was.
    pub id: i64,
    pub enterprise_id: i64,
    pub kind: String,
    pub from_version: i64,
    pub to_version: i64,
    /// The level it had (its stored result).
    pub before: String,
    pub outcome: RescoreOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RescoreOutcome {
    /// Re-scored and stored as the new submitted assessment `new_id`.
    Stored { new_id: i64, total: dengta_domain::assessment::Decimal, level: dengta_domain::assessment::Level },
    /// The answers do not validate under the newer version; nothing was stored.
    Invalid { problems: String },
    /// A later assessment of the same kind exists (possibly an earlier rescore), so this one is
    /// history: a re-scored copy would wrongly become the latest.
    Superseded { by: i64 },
}

impl Rescored {
    /// The level under the newer version differs from the stored one.
    pub fn level_changed(&self) -> bool {
        matches!(&self.outcome, RescoreOutcome::Stored { level, .. } if level.name != self.before)
    }
}

/// Re-scores, under the latest registered version of `instrument_id`, every submitted assessment
/// made with an older version of it that is still the latest of its kind for its enterprise. Each
/// result is stored as a new submitted assessment (same kind and answers, `previous_id` the old
/// one, created by `rescore`, the original pledge kept) in its own transaction, with the file's
/// history, the roll-up and the audit record `assessment.rescore`; the old row is not touched.
/// Answers that no longer validate are reported and not stored. For the CLI and the system
/// administrator only.
pub async fn rescore(app: &App, actor: &Actor, instrument_id: &str) -> AppResult<Vec<Rescored>> {
    if actor.principal.as_ref().is_some_and(|p| p.role != Role::SysAdmin) {
        return Err(AppError::Forbidden);
    }
    let mut c = app.db.clone();
    sync_instruments(&mut c).await?;
    let inst = latest_instrument(instrument_id.trim())?;
    let to_version = i64::from(inst.version());
    let mut out = Vec::new();
    for old in store::submitted_before_version(&mut c, inst.id(), to_version).await? {
        let before = result_of(&old).map_or_else(|| level_name(old.level), |r| r.level.name);
        let mut tx = app.db.begin().await?;
        let outcome = rescore_one(&mut tx, actor, inst, &old, &before).await?;
        if matches!(outcome, RescoreOutcome::Stored { .. }) {
            tx.commit().await?;
        }
        out.push(Rescored {
            id: old.id,
            enterprise_id: old.enterprise_id,
            kind: old.kind,
            from_version: old.instrument_version,
            to_version,
            before,
            outcome,
        });
    }
    Ok(out)
}

async fn rescore_one(
    tx: &mut db::Tx,
    actor: &Actor,
    inst: &Instrument,
    old: &AssessmentRow,
    before: &str,
) -> AppResult<RescoreOutcome> {
    // Checked in the transaction, so a submission made meanwhile is not overtaken.
    if let Some(newer) = store::latest_submitted(tx, old.enterprise_id, &old.kind, 0).await?
        && newer.id != old.id
    {
        return Ok(RescoreOutcome::Superseded { by: newer.id });
    }
    let answers: Answers = match serde_json::from_str(&old.answers_json) {
        Ok(a) => a,
        Err(e) => return Ok(RescoreOutcome::Invalid { problems: format!("答案无法读取：{e}") }),
    };
    let result = match score(inst, &answers) {
        Ok(r) => r,
        Err(e) => return Ok(RescoreOutcome::Invalid { problems: e.to_string() }),
    };
    let e = db::enterprises::get(tx, old.enterprise_id).await?.ok_or(AppError::NotFound)?;
    let result_json = serde_json::to_string(&result).map_err(|e| AppError::Internal(e.to_string()))?;
    let n = NewDraft {
        enterprise_id: old.enterprise_id,
        instrument_id: inst.id(),
        instrument_version: i64::from(inst.version()),
        instrument_fingerprint: inst.fingerprint(),
        kind: &old.kind,
        answers_json: &old.answers_json,
        created_by: "rescore",
    };
    let s = Submission {
        answers_json: &old.answers_json,
        result_json: &result_json,
        total_thousandths: result.total.thousandths(),
        level: i64::from(result.level.rank),
        pledge_by: old.pledge_by.as_deref().unwrap_or_default(),
        pledge_text: old.pledge_text.as_deref().unwrap_or(PLEDGE_TEXT),
        previous_id: Some(old.id),
        adjust_reason: old.adjust_reason.clone(),
    };
    let id = store::insert_submitted(tx, &n, &s).await?;
    store::set_pledge_at(tx, id, old.pledge_at).await?;
    let summary = |version: i64, total: String, level: &str| {
        serde_json::json!({
            "assessment_kind": old.kind,
            "assessment_instrument": format!("{} v{version}", inst.id()),
            "assessment_total": total,
            "assessment_level": level,
        })
        .to_string()
    };
    let old_total = old.total_thousandths.map(|t| dengta_domain::assessment::Decimal::from_thousandths(t).to_string());
    let history_before = summary(old.instrument_version, old_total.unwrap_or_default(), before);
    let history_after = summary(i64::from(inst.version()), result.total.to_string(), &result.level.name);
    file::add_history(tx, e.id, &actor.name, "assessment.rescore", &history_before, &history_after).await?;
    super::dashboard::refresh_enterprise(tx, e.id).await?;
    let detail = format!(
        "{} {} v{} → v{} {} {} → {} (assessment:{})",
        old.kind,
        inst.id(),
        old.instrument_version,
        inst.version(),
        result.total,
        before,
        result.level.name,
        old.id
    );
    record(tx, actor, "assessment.rescore", &format!("assessment:{id}"), Outcome::Ok, &detail).await?;
    Ok(RescoreOutcome::Stored { new_id: id, total: result.total, level: result.level })
}
