//! Integrity flags (诚信预警): raised by the platform when a project applies for acceptance or a
//! subsidy is computed, each with the evidence that raised it; shown to officers over the
//! region, who clear a flag only with a reason. An open flag holds up the subsidy's approval.

use dengta_domain::duties::Step;
use dengta_domain::integrity::{self, Contacts, FlagKind, IntegrityRules};
use dengta_domain::money::Fen;
use dengta_domain::programme::Date;
use dengta_domain::region::RegionCode;
use dengta_domain::role::{Principal, Role};

use super::audit::{Outcome, record};
use super::programmes::programme;
use super::{Actor, App, AppError, AppResult};
use crate::db::acceptance::{self as store, FlagRow};
use crate::db::projects::{self as projects, ProjectRow};
use crate::db::{self, Conn};

fn rules() -> AppResult<IntegrityRules> {
    IntegrityRules::builtin().map_err(|e| AppError::Internal(format!("integrity rules: {e}")))
}

fn scenes_of(plan_json: Option<&str>) -> Vec<String> {
    plan_json
        .and_then(|j| serde_json::from_str::<super::projects::Plan>(j).ok())
        .map(|p| p.targets.into_iter().map(|(s, _)| s).collect())
        .unwrap_or_default()
}

/// Runs every check on a project and raises the flags it finds (a kind already raised on the
/// project, open or cleared, is not raised again). `bank` is the enterprise's receiving account.
pub async fn scan(c: &mut impl Conn, row: &ProjectRow, bank: Option<&str>) -> AppResult<Vec<FlagKind>> {
    let r = rules()?;
    let mut found: Vec<(FlagKind, String)> = Vec::new();

    let enterprise = db::enterprises::get(c, row.enterprise_id).await?.ok_or(AppError::NotFound)?;
    let provider = db::providers::get(c, row.provider_id).await?.ok_or(AppError::NotFound)?;
    let mine = Contacts {
        phones: enterprise.contact_phone.clone().into_iter().collect(),
        emails: Vec::new(),
        bank_accounts: bank.map(str::to_owned).into_iter().collect(),
    };
    let theirs = Contacts {
        phones: provider.contact_phone.clone().into_iter().collect(),
        emails: Vec::new(),
        bank_accounts: provider.bank_account.clone().into_iter().collect(),
    };
    let shared = integrity::shared_contacts(&mine, &theirs);
    if !shared.is_empty() {
        found.push((FlagKind::SharedContact, shared.join("；")));
    }

    if let Some(total) = row.contract_total_fen {
        let n = projects::count_with_total(c, &row.programme_id, total).await?;
        if let Some(note) = integrity::identical_amounts(&r, Fen(total), u32::try_from(n).unwrap_or(u32::MAX)) {
            found.push((FlagKind::IdenticalAmounts, note));
        }
    }

    if let (Some(filed), Some(done)) = (row.filed_at, row.completed_at) {
        let (a, b) = (Date::from_unix_ms_beijing(filed), Date::from_unix_ms_beijing(done));
        if let Some(note) = integrity::fast_delivery(&r, a, b) {
            found.push((FlagKind::FastDelivery, note));
        }
    }

    let mine_scenes = scenes_of(projects::docs(c, row.id).await?.plan_json.as_deref());
    let mut others = Vec::new();
    for s in db::subsidies::funded_elsewhere(c, row.enterprise_id, &row.programme_id).await? {
        let scenes = scenes_of(projects::docs(c, s.project_id).await?.plan_json.as_deref());
        let name = programme(&s.programme_id).map(|p| p.name().to_owned()).unwrap_or(s.programme_id.clone());
        others.push((format!("{name}（项目 {}）", s.project_id), scenes));
    }
    if let Some(note) = integrity::double_funding(&mine_scenes, &others) {
        found.push((FlagKind::DoubleFunding, note));
    }

    if let Some(db::chains::Part::Member(chain_id)) = db::chains::part_of(c, row.id).await?
        && let Some(chain) = db::chains::get(c, chain_id).await?
        && let Some(lead) = db::enterprises::get(c, chain.lead_enterprise_id).await?
    {
        let person = |e: &db::enterprises::EnterpriseRow| integrity::Person {
            legal_rep: e.legal_rep.clone(),
            phone: e.contact_phone.clone(),
        };
        if let Some(note) = integrity::chain_related(&person(&enterprise), &person(&lead)) {
            found.push((FlagKind::ChainRelated, format!("{}：{note}", chain.name)));
        }
    }

    let reused: Vec<String> = projects::evidence(c, row.id)
        .await?
        .into_iter()
        .filter(|e| e.reused)
        .map(|e| format!("{}（SHA-256 {}）", e.file_name, &e.sha256[..e.sha256.len().min(16)]))
        .collect();
    if !reused.is_empty() {
        found.push((
            FlagKind::ReusedEvidence,
            format!("以下文件已作为其他企业项目的佐证材料上传：{}", reused.join("、")),
        ));
    }

    let mut raised = Vec::new();
    for (kind, evidence) in found {
        if store::raise_flag(c, row.id, &row.region_code, kind.code(), &evidence).await? {
            raised.push(kind);
        }
    }
    Ok(raised)
}

fn in_scope(p: &Principal, region: &str) -> AppResult<bool> {
    let r = RegionCode::parse(region).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(matches!(p.role, Role::Officer | Role::AuditAdmin) && p.region.contains(&r))
}

/// Open (or cleared) flags in the caller's region, newest first.
pub async fn list(app: &App, p: &Principal, cleared: bool, before: i64, limit: i64) -> AppResult<Vec<FlagRow>> {
    if !matches!(p.role, Role::Officer | Role::AuditAdmin) {
        return Err(AppError::Forbidden);
    }
    let mut c = app.db.clone();
    let status = if cleared { "cleared" } else { "open" };
    Ok(store::flags_in(&mut c, &p.region.subtree_bounds(), status, before, limit).await?)
}

/// The flags of one project, for officers over it.
pub async fn of_project(app: &App, p: &Principal, row: &ProjectRow) -> AppResult<Vec<FlagRow>> {
    if !in_scope(p, &row.region_code)? {
        return Ok(Vec::new());
    }
    let mut c = app.db.clone();
    Ok(store::flags_of_project(&mut c, row.id).await?)
}

/// An officer clears a flag, with the reason recorded and audited.
pub async fn clear(app: &App, actor: &Actor, id: i64, reason: &str) -> AppResult<()> {
    let p = actor.principal.as_ref().ok_or(AppError::Unauthenticated)?;
    let mut tx = app.db.begin().await?;
    let flag = store::flag(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if !in_scope(p, &flag.region_code)? {
        return Err(AppError::NotFound);
    }
    if p.role != Role::Officer {
        return Err(AppError::Forbidden);
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 1000 {
        return Err(AppError::invalid("error.reason_required", ""));
    }
    if !store::clear_flag(&mut tx, id, &actor.name, reason).await? {
        return Err(AppError::Conflict("error.flag_cleared"));
    }
    super::duties::take(&mut tx, actor, Step::IntegrityClear, &[("project", flag.project_id)]).await?;
    record(
        &mut tx,
        actor,
        "integrity.clear",
        &format!("project:{}", flag.project_id),
        Outcome::Ok,
        &format!("{} {reason}", flag.kind),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
