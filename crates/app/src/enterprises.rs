//! The enterprise file (一企一档): registration and edits by authorities, size
//! class by year, credit flags, the change history, and the file page's data.

use std::sync::LazyLock;

use dengta_domain::enterprise::profile::{CreditKind, SrdiTier, size_code};
use dengta_domain::enterprise::{IndustryCode, SizeInputs, SizeRules, classify};
use dengta_domain::money::Fen;
use dengta_domain::policy::{self, Action};
use dengta_domain::region::RegionCode;
use dengta_domain::role::{Principal, Role};
use serde::{Deserialize, Serialize};

use super::audit::{Outcome, record};
use super::identifiers::{parse_uscc, region_path};
use super::{Actor, App, AppError, AppResult, check};
use crate::db::enterprise_file::{self as file, CloudRow, CreditRow, HistoryRow, SizeRow};
use crate::db::enterprises::{EnterpriseFields, EnterpriseRow};
use crate::db::{self, Conn};

/// The size-class rules in force (data/rules/size-class-2011.toml, embedded).
static SIZE_RULES: LazyLock<Result<SizeRules, String>> =
    LazyLock::new(|| SizeRules::embedded_2011().map_err(|e| e.to_string()));

pub fn size_rules() -> AppResult<&'static SizeRules> {
    SIZE_RULES.as_ref().map_err(|e| AppError::Internal(format!("size rules: {e}")))
}

/// What a person types into the registration or edit form.
#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[schemars(extend("required" = ["uscc", "name", "industry"]))]
#[schemars(example = enterprise_example())]
pub struct EnterpriseInput {
    #[serde(default)]
    #[schemars(schema_with = "dengta_domain::schema::uscc")]
    pub uscc: String,
    /// Set when an authority accepts a code whose check character fails.
    #[serde(default)]
    pub legacy_reason: String,
    #[serde(default)]
    #[schemars(length(min = 1, max = 100))]
    pub name: String,
    /// Empty or absent: taken from the code's positions 3–8.
    #[serde(default)]
    #[schemars(schema_with = "dengta_domain::schema::region")]
    pub region: String,
    #[serde(default)]
    #[schemars(schema_with = "dengta_domain::schema::industry")]
    pub industry: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub legal_rep: String,
    #[serde(default)]
    pub contact_phone: String,
    #[serde(default)]
    pub above_scale: Option<String>,
    #[serde(default)]
    pub srdi_tier: String,
}

/// A registration as the document shows it (the demo city's first enterprise).
fn enterprise_example() -> serde_json::Value {
    serde_json::json!({
        "uscc": "91320102MA1X2Y3B1X", "name": "南京玄武精密机械有限公司", "region": "320102",
        "industry": "C3484", "legal_rep": "张伟", "contact_phone": "13912345678"
    })
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// Validates the form into storable fields; every problem is a clear error.
pub async fn validate(c: &mut impl Conn, input: &EnterpriseInput) -> AppResult<EnterpriseFields> {
    let (uscc, legacy) = parse_uscc(&input.uscc, &input.legacy_reason)?;
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::invalid("error.enterprise_name", name));
    }
    let region_text = opt(&input.region).unwrap_or_else(|| uscc.region_code().to_owned());
    let region = RegionCode::parse(&region_text).map_err(|e| AppError::invalid("error.region_code", e.to_string()))?;
    if db::regions::get(c, region.as_str()).await?.is_none() {
        return Err(AppError::invalid("error.region_unknown", region.as_str()));
    }
    let industry =
        IndustryCode::parse(&input.industry).map_err(|e| AppError::invalid("error.industry", e.to_string()))?;
    let industries = dengta_domain::codes::industries::IndustryList::embedded();
    if industries.get_code(&industry).is_none() {
        return Err(AppError::invalid("error.industry_unknown", industry.as_str()));
    }
    let phone = opt(&input.contact_phone);
    if let Some(p) = &phone
        && !dengta_domain::enterprise::profile::valid_phone(p)
    {
        return Err(AppError::invalid("error.phone", p));
    }
    let tier = SrdiTier::from_code(&input.srdi_tier).ok_or(AppError::invalid("error.srdi", &input.srdi_tier))?;
    Ok(EnterpriseFields {
        uscc: uscc.as_str().to_owned(),
        uscc_legacy_reason: legacy,
        name: name.to_owned(),
        region_code: region.to_string(),
        industry_code: industry.as_str().to_owned(),
        address: opt(&input.address),
        legal_rep: opt(&input.legal_rep),
        contact_phone: phone,
        above_scale: matches!(input.above_scale.as_deref(), Some("on" | "true" | "1" | "是")),
        srdi_tier: tier.code().to_owned(),
    })
}

fn region_of(code: &str) -> AppResult<RegionCode> {
    RegionCode::parse(code).map_err(|e| AppError::Internal(e.to_string()))
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// Registers an enterprise (authority) — one record per code.
pub async fn register(app: &App, actor: &Actor, input: &EnterpriseInput) -> AppResult<i64> {
    let p = actor.principal.as_ref();
    let mut tx = app.db.begin().await?;
    let f = validate(&mut tx, input).await?;
    if let Some(p) = p {
        check(policy::enterprise(p, Action::Create, 0, &region_of(&f.region_code)?))?;
    }
    if db::enterprises::by_uscc(&mut tx, &f.uscc).await?.is_some() {
        return Err(AppError::Conflict("error.uscc_taken"));
    }
    let id = db::enterprises::insert_fields(&mut tx, &f).await.map_err(|e| match e {
        db::DbError::Conflict(_) => AppError::Conflict("error.uscc_taken"),
        e => e.into(),
    })?;
    file::add_history(&mut tx, id, &actor.name, "create", "{}", &json(&f)).await?;
    super::dashboard::refresh_enterprise(&mut tx, id).await?;
    let detail = f.uscc_legacy_reason.as_deref().map(|r| format!("legacy code accepted: {r}")).unwrap_or_default();
    record(&mut tx, actor, "enterprise.create", &format!("enterprise:{id}"), Outcome::Ok, &detail).await?;
    tx.commit().await?;
    Ok(id)
}

/// Loads a record the caller may act on.
async fn load(c: &mut impl Conn, p: &Principal, id: i64, action: Action) -> AppResult<EnterpriseRow> {
    let e = db::enterprises::get(c, id).await?.ok_or(AppError::NotFound)?;
    check(policy::enterprise(p, action, id, &region_of(&e.region_code)?))?;
    Ok(e)
}

/// Edits a record. Authorities change everything; the enterprise itself only
/// its address and contacts. `version` guards against lost updates.
pub async fn update(app: &App, actor: &Actor, id: i64, version: i64, input: &EnterpriseInput) -> AppResult<()> {
    let p = actor.principal.as_ref().ok_or(AppError::Unauthenticated)?;
    let mut tx = app.db.begin().await?;
    let before = load(&mut tx, p, id, Action::Update).await?;
    // The form shows personal data masked: a mask sent back means the stored value stays.
    let mut input = input.clone();
    input.legal_rep =
        super::personal::unmasked(&input.legal_rep, before.legal_rep.as_deref(), super::personal::mask_name);
    input.contact_phone =
        super::personal::unmasked(&input.contact_phone, before.contact_phone.as_deref(), super::personal::mask_phone);
    let mut f = validate(&mut tx, &input).await?;
    if p.role != Role::Officer {
        let keep = before.fields();
        f = EnterpriseFields { address: f.address, legal_rep: f.legal_rep, contact_phone: f.contact_phone, ..keep };
    } else {
        check(policy::enterprise(p, Action::Update, id, &region_of(&f.region_code)?))?;
    }
    let old = before.fields();
    if old == f {
        return Ok(());
    }
    if f.uscc != old.uscc && db::enterprises::by_uscc(&mut tx, &f.uscc).await?.is_some() {
        return Err(AppError::Conflict("error.uscc_taken"));
    }
    if !db::enterprises::update_fields(&mut tx, id, version, &f).await? {
        return Err(AppError::Conflict("error.stale"));
    }
    file::add_history(&mut tx, id, &actor.name, "update", &json(&old), &json(&f)).await?;
    super::dashboard::refresh_enterprise(&mut tx, id).await?;
    let detail = f.uscc_legacy_reason.as_deref().map(|r| format!("code accepted with reason: {r}")).unwrap_or_default();
    record(&mut tx, actor, "enterprise.update", &format!("enterprise:{id}"), Outcome::Ok, &detail).await?;
    tx.commit().await?;
    Ok(())
}

/// One year's size inputs (amounts in yuan as typed).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct SizeForm {
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub employees: String,
    #[serde(default)]
    pub revenue_yuan: String,
    #[serde(default)]
    pub assets_yuan: String,
}

fn parse_amount(s: &str) -> AppResult<Option<Fen>> {
    match opt(s) {
        None => Ok(None),
        Some(t) => Fen::parse_yuan(&t).map(Some).map_err(|e| AppError::invalid("error.amount", e.to_string())),
    }
}

/// Records the size inputs for a year and classifies them (the rule applied
/// and its thresholds are kept as the explanation).
pub async fn record_size(app: &App, actor: &Actor, id: i64, form: &SizeForm) -> AppResult<String> {
    let p = actor.principal.as_ref().ok_or(AppError::Unauthenticated)?;
    let year: i64 = form.year.trim().parse().map_err(|_| AppError::invalid("error.year", &form.year))?;
    if !(2000..=2100).contains(&year) {
        return Err(AppError::invalid("error.year", &form.year));
    }
    let employees = match opt(&form.employees) {
        None => None,
        Some(t) => Some(t.parse::<u32>().map_err(|_| AppError::invalid("error.employees", &t))?),
    };
    let inputs =
        SizeInputs { employees, revenue: parse_amount(&form.revenue_yuan)?, assets: parse_amount(&form.assets_yuan)? };
    let mut tx = app.db.begin().await?;
    let e = load(&mut tx, p, id, Action::Update).await?;
    let rules = size_rules()?;
    let outcome =
        classify(rules, &e.industry_code, inputs).map_err(|e| AppError::invalid("error.size_class", e.to_string()))?;
    let class = size_code(outcome.class);
    file::upsert_size(
        &mut tx,
        &file::NewSize {
            enterprise_id: id,
            year,
            employees: employees.map(i64::from),
            revenue_fen: inputs.revenue.map(|f| f.0),
            assets_fen: inputs.assets.map(|f| f.0),
            size_class: class,
            rules_id: rules.id(),
            explanation: &outcome.explanation,
            recorded_by: &actor.name,
        },
    )
    .await?;
    db::enterprises::set_size(&mut tx, id, class, year).await?;
    let change = serde_json::json!({ "year": year, "size_class": class, "rules": rules.id() });
    file::add_history(&mut tx, id, &actor.name, "size", "{}", &change.to_string()).await?;
    record(&mut tx, actor, "enterprise.size", &format!("enterprise:{id}"), Outcome::Ok, &format!("{year} {class}"))
        .await?;
    tx.commit().await?;
    Ok(outcome.explanation)
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct CreditForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub listed_on: String,
}

fn valid_date(s: &str) -> AppResult<String> {
    let t = s.trim();
    let ok = t.len() == 10 && time::Date::parse(t, time::macros::format_description!("[year]-[month]-[day]")).is_ok();
    if ok { Ok(t.to_owned()) } else { Err(AppError::invalid("error.date", t)) }
}

/// Records a credit listing (authority); a 严重失信 listing sets the flag that
/// pilot eligibility checks.
pub async fn add_credit(app: &App, actor: &Actor, id: i64, form: &CreditForm) -> AppResult<()> {
    let p = actor.principal.as_ref().ok_or(AppError::Unauthenticated)?;
    if p.role != Role::Officer {
        return Err(AppError::Forbidden);
    }
    let kind = CreditKind::from_code(&form.kind).ok_or(AppError::invalid("error.credit_kind", &form.kind))?;
    let source = opt(&form.source).ok_or(AppError::invalid("error.field_required", "source"))?;
    let listed_on = valid_date(&form.listed_on)?;
    let mut tx = app.db.begin().await?;
    load(&mut tx, p, id, Action::Update).await?;
    file::add_credit(&mut tx, id, kind.code(), &source, &listed_on, &actor.name).await?;
    if kind == CreditKind::SeriousDishonesty {
        db::enterprises::set_flag(&mut tx, id, db::enterprises::Flag::SeriousDishonesty, true).await?;
    }
    let change = serde_json::json!({ "credit": kind.code(), "source": source, "listed_on": listed_on });
    file::add_history(&mut tx, id, &actor.name, "credit.add", "{}", &change.to_string()).await?;
    record(&mut tx, actor, "enterprise.credit_add", &format!("enterprise:{id}"), Outcome::Ok, kind.code()).await?;
    tx.commit().await?;
    Ok(())
}

/// Ends a credit listing on a date (authority).
pub async fn remove_credit(app: &App, actor: &Actor, id: i64, flag_id: i64, removed_on: &str) -> AppResult<()> {
    let p = actor.principal.as_ref().ok_or(AppError::Unauthenticated)?;
    if p.role != Role::Officer {
        return Err(AppError::Forbidden);
    }
    let removed_on = valid_date(removed_on)?;
    let mut tx = app.db.begin().await?;
    load(&mut tx, p, id, Action::Update).await?;
    if file::remove_credit(&mut tx, id, flag_id, &removed_on).await? == 0 {
        return Err(AppError::NotFound);
    }
    let still = file::has_active_credit(&mut tx, id, CreditKind::SeriousDishonesty.code()).await?;
    db::enterprises::set_flag(&mut tx, id, db::enterprises::Flag::SeriousDishonesty, still).await?;
    let change = serde_json::json!({ "credit_removed": flag_id, "removed_on": removed_on });
    file::add_history(&mut tx, id, &actor.name, "credit.remove", "{}", &change.to_string()).await?;
    record(&mut tx, actor, "enterprise.credit_remove", &format!("enterprise:{id}"), Outcome::Ok, "").await?;
    tx.commit().await?;
    Ok(())
}

/// Everything the file page shows.
pub struct EnterpriseFile {
    pub e: EnterpriseRow,
    pub region_path: Vec<String>,
    pub sizes: Vec<SizeRow>,
    pub credits: Vec<CreditRow>,
    pub clouds: Vec<CloudRow>,
    pub history: Vec<HistoryRow>,
}

/// The whole file. Personal data (legal representative, phone) is masked unless `reveal` is
/// asked for; a revealed read is audited, so the audit log shows who looked at whose data.
pub async fn file(app: &App, actor: &Actor, id: i64, reveal: bool) -> AppResult<EnterpriseFile> {
    let p = actor.principal.as_ref().ok_or(AppError::Unauthenticated)?;
    // Six reads on one connection and one snapshot.
    let mut conn = app.db.read().await?;
    let e = load(&mut conn, p, id, Action::Read).await?;
    // The names above the nation, from the top down, read in one statement.
    let path: Vec<String> = region_path(&e.region_code).into_iter().rev().skip(1).collect();
    let found = db::regions::get_many(&mut conn, &path).await?;
    let names = path.iter().filter_map(|code| found.iter().find(|r| &r.code == code).map(|r| r.name.clone())).collect();
    let mut f = EnterpriseFile {
        sizes: file::sizes(&mut conn, id).await?,
        credits: file::credits(&mut conn, id).await?,
        clouds: file::clouds(&mut conn, id).await?,
        history: file::history(&mut conn, id, 100).await?,
        region_path: names,
        e,
    };
    drop(conn);
    if reveal {
        super::personal::audit_read(app, actor, id).await?;
    } else {
        super::personal::mask_personal(&mut f.e);
        // The history carries the same personal data as the record: masked alike.
        for h in &mut f.history {
            h.before_json = super::personal::mask_personal_json(&h.before_json);
            h.after_json = super::personal::mask_personal_json(&h.after_json);
        }
    }
    Ok(f)
}

/// A record for editing (scope-checked). Personal data is masked unless `reveal` is asked for,
/// and a revealed form is audited like a revealed file; a masked value sent back unchanged keeps
/// the stored one (see [`update`]).
pub async fn for_edit(app: &App, actor: &Actor, id: i64, reveal: bool) -> AppResult<EnterpriseRow> {
    let p = actor.principal.as_ref().ok_or(AppError::Unauthenticated)?;
    let mut conn = app.db.clone();
    let mut e = load(&mut conn, p, id, Action::Update).await?;
    if reveal {
        super::personal::audit_read(app, actor, id).await?;
    } else {
        super::personal::mask_personal(&mut e);
    }
    Ok(e)
}

/// Answers NotFound unless the caller may see the record (checked before a
/// request's own fields, so out-of-scope ids never reveal validation details).
pub async fn ensure_visible(app: &App, p: &Principal, id: i64) -> AppResult<()> {
    let mut conn = app.db.clone();
    load(&mut conn, p, id, Action::Read).await.map(|_| ())
}

/// Erases personal fields older than the retention period; each erasure is
/// audited. Returns how many files were touched.
pub async fn purge_personal_data(app: &App) -> AppResult<u64> {
    let cutoff = db::now_ms() - app.settings.privacy.pi_retention_days * 86_400_000;
    let mut tx = app.db.begin().await?;
    let n = db::enterprises::purge_personal(&mut tx, cutoff).await?;
    if n > 0 {
        let actor = Actor::anonymous("retention", "sweeper");
        let detail = format!("{n} files, collected before {cutoff}");
        record(&mut tx, &actor, "enterprise.purge_personal", "enterprises", Outcome::Ok, &detail).await?;
    }
    tx.commit().await?;
    Ok(n)
}

/// The region an enterprise is registered in.
pub async fn region_code(app: &App, id: i64) -> AppResult<Option<String>> {
    Ok(db::enterprises::get(&mut app.db.clone(), id).await?.map(|e| e.region_code))
}
