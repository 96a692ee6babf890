//! Subsidies (奖补) and the money behind them. A subsidy is computed by the programme's rule
//! version with a yuan-by-yuan trace and at once reserved from the budget pool (先到先补: the
//! queue is the order in which reservations commit, and a pool never goes below zero); it goes
//! through 公示 with public objections, is approved, and is paid exactly once per idempotency key.
//! Every movement of money is a balanced transfer in the ledger; a payment is undone only by a
//! compensating transfer with a reason.
//!
//! Ledger accounts per programme pool ("{programme}/{pool}"): Funding → Pool (allocations) →
//! Commitment (computed, in 公示) → Payable (approved) → Disbursed (paid).

use dengta_domain::duties::Step as Duty;
use dengta_domain::ledger::{Account, AccountKind, Transfer};
use dengta_domain::money::Fen;
use dengta_domain::programme::Date;
use dengta_domain::programme::acceptance::{
    PaymentAction, PaymentGuard, PaymentState, SubsidyAction, SubsidyGuard, SubsidyState,
};
use dengta_domain::programme::contract::{self, ContractDraft};
use dengta_domain::programme::rules::{InstalmentBase, InstalmentStage, PoolPurpose, Programme, StepDates};
use dengta_domain::programme::subsidy::{self, SubsidyInput, TraceLine};
use dengta_domain::programme::workflow::{self, EnrolmentActor};
use dengta_domain::region::RegionCode;
use dengta_domain::role::{Principal, Role};
use serde::{Deserialize, Serialize};
use sha2::Digest;

use super::audit::{Outcome, record};
use super::programmes::programme;
use super::{Actor, App, AppError, AppResult};
use crate::db::ledger::{self, PostError};
use crate::db::programmes::{self as steps, StepRow};
use crate::db::subsidies::{self as store, PaymentRow, SubsidyRow};
use crate::db::{self, Conn, DbError, now_ms};

fn principal(actor: &Actor) -> AppResult<&Principal> {
    actor.principal.as_ref().ok_or(AppError::Unauthenticated)
}

fn region_of(code: &str) -> AppResult<RegionCode> {
    RegionCode::parse(code).map_err(|e| AppError::Internal(e.to_string()))
}

/// The key of a programme pool's accounts.
pub fn pool_key(programme_id: &str, pool_id: &str) -> String {
    format!("{programme_id}/{pool_id}")
}

fn account(kind: AccountKind, key: &str) -> Account {
    Account::new(kind, key)
}

/// Whether the caller is an officer of the programme's own region (the city that decides money).
fn is_programme_officer(p: &Principal, prog: &Programme) -> bool {
    p.is_officer_of(prog.region_code())
}

fn ledger_error(e: PostError) -> AppError {
    match e {
        PostError::Rule(r) => AppError::invalid("error.ledger", r.to_string()),
        PostError::Db(d) => d.into(),
    }
}

/// The pool subsidies to enterprises are paid from: the first with purpose "enterprise".
fn enterprise_pool(prog: &Programme) -> AppResult<&str> {
    prog.pools()
        .iter()
        .find(|p| p.purpose == PoolPurpose::Enterprise)
        .map(|p| p.id.as_str())
        .ok_or_else(|| AppError::invalid("error.programme_pool", prog.id()))
}

fn sha_hex(text: &str) -> String {
    sha2::Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

async fn add_step(
    c: &mut impl Conn,
    actor: &Actor,
    id: i64,
    action: &str,
    from: &str,
    to: &str,
    reason: &str,
) -> AppResult<()> {
    steps::add_step(
        c,
        &steps::NewStep {
            subject: "subsidy",
            subject_id: id,
            action,
            from_state: from,
            to_state: to,
            reason,
            flagged: false,
            actor: &actor.name,
        },
    )
    .await?;
    Ok(())
}

// ───────────────────────────── budget allocations ─────────────────────────────

/// Budget allocated to a pool (下达资金): Funding → Pool, never beyond the pool's planned amount.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct Allocation {
    #[serde(default)]
    pub pool: String,
    /// Yuan.
    #[serde(default)]
    pub amount: String,
    /// The document that released the money (文号).
    #[serde(default)]
    pub reference: String,
    #[serde(default)]
    pub idempotency_key: String,
}

pub async fn allocate(app: &App, actor: &Actor, programme_id: &str, a: &Allocation) -> AppResult<i64> {
    let p = principal(actor)?;
    let prog = programme(programme_id)?;
    if !is_programme_officer(p, prog) {
        return Err(AppError::Forbidden);
    }
    let pool = prog.pool(a.pool.trim()).ok_or_else(|| AppError::invalid("error.programme_pool", &a.pool))?;
    let amount = Fen::parse_yuan(a.amount.trim()).map_err(|e| AppError::invalid("error.item_price", e.to_string()))?;
    if amount.0 <= 0 {
        return Err(AppError::invalid("error.item_price", &a.amount));
    }
    let reference = a.reference.trim();
    if reference.is_empty() || reference.chars().count() > 100 {
        return Err(AppError::invalid("error.allocation_reference", reference));
    }
    let key = pool_key(prog.id(), &pool.id);
    let idem =
        (!a.idempotency_key.trim().is_empty()).then(|| format!("alloc:{}:{}", actor.name, a.idempotency_key.trim()));
    let request = sha_hex(&format!("{key}|{}|{reference}", amount.0));
    let mut tx = app.db.begin().await?;
    let funding = account(AccountKind::Funding, &key);
    // The key is looked up only once the pool's funding account is locked: a duplicate that was
    // waiting for the lock (on another server, too) then finds the transfer its twin committed.
    ledger::lock(&mut tx, &funding).await?;
    if let Some(k) = &idem
        && let Some(t) = ledger::transfer_by_key(&mut tx, k).await?
    {
        return if t.request_sha == request { Ok(t.id) } else { Err(AppError::Conflict("error.idempotency_reuse")) };
    }
    let allocated = Fen(-ledger::balance(&mut tx, &funding).await?.0);
    let planned = pool.amount;
    if allocated.0 + amount.0 > planned.0 {
        return Err(AppError::invalid("error.allocation_exceeds_plan", format!("{planned}（已下达 {allocated}）")));
    }
    let t = Transfer::between(
        funding,
        account(AccountKind::Pool, &key),
        amount,
        format!("下达资金 {reference}：{} {}", prog.name(), pool.name),
    );
    let meta =
        ledger::Meta { idem_key: idem.as_deref(), request_sha: &request, actor: &actor.name, ..Default::default() };
    let id = ledger::post(&mut tx, &t, &meta).await.map_err(ledger_error)?;
    record(&mut tx, actor, "ledger.allocate", &format!("pool:{key}"), Outcome::Ok, &format!("{amount} {reference}"))
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// The balances of one pool, each one indexed row.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct PoolBalances {
    pub programme_id: String,
    pub pool_id: String,
    pub name: String,
    pub planned: Fen,
    pub allocated: Fen,
    pub available: Fen,
    pub committed: Fen,
    pub payable: Fen,
    pub disbursed: Fen,
}

pub async fn pools(app: &App, p: &Principal, programme_id: &str) -> AppResult<Vec<PoolBalances>> {
    let prog = programme(programme_id)?;
    if !(matches!(p.role, Role::Officer | Role::AuditAdmin) && p.region.contains(prog.region_code())
        || prog.region_code().contains(&p.region) && p.role == Role::Officer)
    {
        return Err(AppError::Forbidden);
    }
    let mut c = app.db.clone();
    let mut out = Vec::new();
    for pool in prog.pools() {
        let key = pool_key(prog.id(), &pool.id);
        let b = |k| account(k, &key);
        out.push(PoolBalances {
            programme_id: prog.id().to_owned(),
            pool_id: pool.id.clone(),
            name: pool.name.clone(),
            planned: pool.amount,
            allocated: Fen(-ledger::balance(&mut c, &b(AccountKind::Funding)).await?.0),
            available: ledger::balance(&mut c, &b(AccountKind::Pool)).await?,
            committed: ledger::balance(&mut c, &b(AccountKind::Commitment)).await?,
            payable: ledger::balance(&mut c, &b(AccountKind::Payable)).await?,
            disbursed: ledger::balance(&mut c, &b(AccountKind::Disbursed)).await?,
        });
    }
    Ok(out)
}

// ───────────────────────────── computation ─────────────────────────────

/// Computes the subsidy of a project for a stage and reserves it from the pool, in one
/// transaction. After acceptance: the accepted eligible spend and on-site level; the instalment
/// after the contract (预拨, where the programme has one): the contract's eligible spend at the
/// programme's minimum level, which the trace states.
pub async fn compute(app: &App, actor: &Actor, project_id: i64, stage: &str) -> AppResult<i64> {
    let p = principal(actor)?;
    let stage = InstalmentStage::parse(stage.trim()).ok_or_else(|| AppError::invalid("error.stage", stage))?;
    let mut tx = app.db.begin().await?;
    let row = db::projects::get(&mut tx, project_id).await?.ok_or(AppError::NotFound)?;
    let prog = programme(&row.programme_id)?;
    if p.role != Role::Officer || !p.region.contains(&region_of(&row.region_code)?) {
        return Err(AppError::NotFound);
    }
    if !is_programme_officer(p, prog) {
        return Err(AppError::invalid("error.acceptance_actor", EnrolmentActor::CityOfficer.label_zh()));
    }
    if !prog.subsidy().instalments.iter().any(|i| i.stage == stage) {
        return Err(AppError::invalid("error.stage", stage.label_zh()));
    }
    if let Some(id) = compute_lead(&mut tx, actor, &row, prog, stage).await? {
        tx.commit().await?;
        return Ok(id);
    }
    let docs = db::projects::docs(&mut tx, project_id).await?;
    let contract: Option<ContractDraft> = docs.contract_json.as_deref().and_then(|j| serde_json::from_str(j).ok());
    // The base is what the enterprise and the government actually pay: the contract's eligible
    // lines less the provider's discount falling on them.
    let contract_base = contract.as_ref().map(|c| contract::subsidy_base(prog, c));
    let mut notes: Vec<TraceLine> = Vec::new();
    let mut steps_done = StepDates::default();
    let (spend, level, completed_on) = match stage {
        InstalmentStage::AfterAcceptance => {
            let acc = db::acceptance::of_project(&mut tx, project_id).await?;
            let acc = acc.filter(|a| a.status == "accepted").ok_or(AppError::Conflict("error.not_accepted"))?;
            let onsite = match acc.onsite_assessment_id {
                Some(id) => db::assessments::get(&mut tx, id).await?,
                None => None,
            };
            let onsite = onsite.ok_or(AppError::Conflict("error.onsite_required"))?;
            super::assessments::sync_instruments(&mut tx).await?;
            super::acceptance::check_onsite(&row, &onsite)?;
            let level = onsite.level.and_then(|l| u8::try_from(l).ok()).unwrap_or(0);
            let done =
                row.completed_at.map_or_else(|| Date::from_unix_ms_beijing(now_ms()), Date::from_unix_ms_beijing);
            // The dated steps of the acceptance that earned it (the last of each, after any return).
            let events = steps::steps(&mut tx, "acceptance", acc.id).await?;
            let last = |action: &str| {
                events.iter().rev().find(|e| e.action == action).map(|e| Date::from_unix_ms_beijing(e.at))
            };
            steps_done = StepDates {
                district_check: last("verify"),
                onsite_assessment: onsite.submitted_at.map(Date::from_unix_ms_beijing),
                finance_audit: last("assess"),
                filing: last("assess"),
            };
            let audited = Fen(acc.finance_eligible_fen.unwrap_or(0));
            let spend = match contract_base {
                Some((base, discount)) if discount.0 > 0 && base < audited => {
                    notes.push(TraceLine {
                        label: "扣除服务商让利".to_owned(),
                        amount: Some(base),
                        note: format!(
                            "财务核定可补助投入 {audited} 元；合同中服务商让利按比例落在可补助项目上的 {discount} 元不是企业和政府的实际投入，按合同口径 {base} 元计"
                        ),
                    });
                    base
                }
                _ => audited,
            };
            (spend, level, done)
        }
        InstalmentStage::AfterContract => {
            if !matches!(row.status.as_str(), "filed" | "in_progress" | "completed") {
                return Err(AppError::Conflict("error.project_state"));
            }
            let c = contract.as_ref().ok_or(AppError::Conflict("error.contract_missing"))?;
            let needs_down_payment =
                prog.subsidy().instalments.iter().any(|i| i.stage == stage && i.base == InstalmentBase::DownPayment);
            if needs_down_payment {
                // Paid only once the down payment the contract sets has been made and recorded.
                let recorded: i64 = db::projects::payments(&mut tx, project_id)
                    .await?
                    .iter()
                    .filter(|p| p.kind == "payment")
                    .map(|p| p.amount_fen)
                    .sum();
                if c.down_payment.0 <= 0 || recorded < c.down_payment.0 {
                    return Err(AppError::invalid(
                        "error.down_payment_missing",
                        format!("{}（已登记付款 {}）", c.down_payment, Fen(recorded)),
                    ));
                }
            }
            let (eligible, discount) = contract_base.unwrap_or((Fen::ZERO, Fen::ZERO));
            let min = prog.subsidy().min_level;
            let mut note = format!(
                "签约后预拨按合同可补助投入与最低等级（{}）测算，验收后按实际核定",
                dengta_domain::programme::level_zh(min)
            );
            if discount.0 > 0 {
                note.push_str(&format!("；合同可补助投入已扣除服务商让利 {discount} 元"));
            }
            notes.push(TraceLine { label: "说明".to_owned(), amount: None, note });
            (eligible, min, Date::from_unix_ms_beijing(now_ms()))
        }
    };
    let pool_id = enterprise_pool(prog)?;
    let key = pool_key(prog.id(), pool_id);
    // Serialises reservations on this pool: the balance read below is the one the transfer moves,
    // and what this project and this enterprise were granted cannot change underneath.
    let pool_remaining = ledger::lock(&mut tx, &account(AccountKind::Pool, &key)).await?;
    // One subsidy per project and stage: a concurrent or repeated computation is answered here,
    // after the lock, whatever it would have computed.
    if store::of_project(&mut tx, project_id).await?.iter().any(|r| r.stage == stage.code()) {
        return Err(AppError::Conflict("error.subsidy_exists"));
    }
    // Every earlier instalment reserved and not cancelled counts, paid or not (issue #14).
    let already_reserved = Fen(store::reserved_for_project(&mut tx, project_id).await?);
    let mut sharing: Vec<&str> = vec![prog.id()];
    sharing.extend(prog.subsidy().cap_shared_with.iter().map(String::as_str));
    let (prior, prior_bonus) = store::granted_to_enterprise(&mut tx, row.enterprise_id, &sharing, project_id).await?;
    let input = SubsidyInput {
        eligible_spend: spend,
        level,
        completed_on,
        steps: steps_done,
        already_reserved,
        enterprise_prior: Fen((prior - prior_bonus).max(0)),
        enterprise_prior_bonus: Fen(prior_bonus),
        down_payment: contract.as_ref().map(|c| c.down_payment).filter(|d| d.0 > 0),
        pool_remaining,
    };
    let result = subsidy::compute(prog, &input).map_err(|e| AppError::invalid("error.subsidy", e.to_string()))?;
    let amount = match stage {
        InstalmentStage::AfterAcceptance => result.total,
        InstalmentStage::AfterContract => {
            result.instalments.iter().find(|(s, _)| *s == stage).map_or(Fen::ZERO, |(_, a)| *a)
        }
    };
    let award = result.award;
    // The bonus is granted with the award after acceptance, never with an instalment before it.
    let bonus = if stage == InstalmentStage::AfterAcceptance { result.bonus.min(amount) } else { Fen::ZERO };
    if amount.0 <= 0 {
        return Err(if pool_remaining.0 == 0 {
            AppError::Conflict("error.pool_exhausted")
        } else {
            AppError::invalid("error.subsidy", "本次无应拨付金额")
        });
    }
    let mut trace = notes;
    trace.extend(result.trace.iter().cloned());
    // A chain's SME shares its award after acceptance with the lead, as the programme says.
    let mut amount = amount;
    let mut chain_lead = Fen::ZERO;
    if let Some(bp) = super::chains::member_split(&mut tx, project_id, prog).await?
        && stage == InstalmentStage::AfterAcceptance
    {
        let (sme, lead) = subsidy::split_for_lead(amount, bp);
        trace.push(TraceLine {
            label: "链式项目牵引单位分成".to_owned(),
            amount: Some(sme),
            note: format!(
                "本企业参与链式/面状改造，按本试点规则本次 {amount} 元中 {} 计入牵引单位（{lead} 元，向下取整到分），本企业 {sme} 元",
                dengta_domain::programme::rules::pct_of_bp(bp)
            ),
        });
        amount = sme;
        chain_lead = lead;
    }
    let id = reserve(
        &mut tx,
        actor,
        &row,
        prog,
        stage,
        &Reserve { pool_id, key: &key, amount, award, bonus, rule: &result.rule, trace: &trace, chain_lead },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The lead's share of its chain (链式 / 面状), granted on the lead's project after acceptance once
/// every SME of the cohort is decided: the sum of what each SME's award held back for it, limited
/// by what is left in the pool. `None` if the project leads no chain.
async fn compute_lead(
    tx: &mut db::Tx,
    actor: &Actor,
    row: &db::projects::ProjectRow,
    prog: &Programme,
    stage: InstalmentStage,
) -> AppResult<Option<i64>> {
    if !matches!(db::chains::part_of(tx, row.id).await?, Some(db::chains::Part::Lead(_))) {
        return Ok(None);
    }
    if stage != InstalmentStage::AfterAcceptance {
        return Err(AppError::invalid("error.stage", stage.label_zh()));
    }
    let pool_id = enterprise_pool(prog)?;
    let key = pool_key(prog.id(), pool_id);
    let pool_remaining = ledger::lock(tx, &account(AccountKind::Pool, &key)).await?;
    if store::of_project(tx, row.id).await?.iter().any(|r| r.stage == stage.code()) {
        return Err(AppError::Conflict("error.subsidy_exists"));
    }
    let Some((share, lines)) = super::chains::lead_grant(tx, row.id).await? else {
        return Ok(None);
    };
    let mut trace: Vec<TraceLine> = lines
        .iter()
        .filter(|m| m.lead_fen > 0)
        .map(|m| TraceLine {
            label: format!("第{}行 {}", m.line_no, m.enterprise_name),
            amount: Some(Fen(m.lead_fen)),
            note: format!("该企业验收通过后核定补助中计入牵引单位的部分（企业实得 {} 元）", Fen(m.sme_fen)),
        })
        .collect();
    let amount = share.min(pool_remaining);
    trace.push(TraceLine {
        label: "牵引单位分成合计".to_owned(),
        amount: Some(share),
        note: format!("链内 {} 家企业全部完成验收决定；各企业分成之和", lines.len()),
    });
    if amount < share {
        trace.push(TraceLine {
            label: "资金池余额限制".to_owned(),
            amount: Some(amount),
            note: format!("资金池仅余 {pool_remaining} 元（总量控制、先到先补）"),
        });
    }
    if amount.0 <= 0 {
        return Err(if pool_remaining.0 == 0 && share.0 > 0 {
            AppError::Conflict("error.pool_exhausted")
        } else {
            AppError::invalid("error.subsidy", "本次无应拨付金额")
        });
    }
    let rule = prog.rule_ref();
    let r = Reserve {
        pool_id,
        key: &key,
        amount,
        award: share,
        bonus: Fen::ZERO,
        rule: &rule,
        trace: &trace,
        chain_lead: Fen::ZERO,
    };
    Ok(Some(reserve(tx, actor, row, prog, stage, &r).await?))
}

/// What a computation reserves: the amount payable now, the award behind it and how it was found.
struct Reserve<'a> {
    pool_id: &'a str,
    key: &'a str,
    amount: Fen,
    award: Fen,
    bonus: Fen,
    rule: &'a str,
    trace: &'a [TraceLine],
    /// A chain SME's share held back for the lead.
    chain_lead: Fen,
}

/// Records a computed subsidy and reserves it from the pool (Pool → Commitment), as one step of
/// the caller's transaction: the subsidy row, the ledger transfer, the duty, the history and the
/// audit record, then the integrity scan and the roll-ups.
async fn reserve(
    tx: &mut db::Tx,
    actor: &Actor,
    row: &db::projects::ProjectRow,
    prog: &Programme,
    stage: InstalmentStage,
    r: &Reserve<'_>,
) -> AppResult<i64> {
    let project_id = row.id;
    let (amount, key) = (r.amount, r.key);
    let trace_json = serde_json::to_string(r.trace).map_err(|e| AppError::Internal(e.to_string()))?;
    let id = store::insert(
        tx,
        &store::NewSubsidy {
            project_id,
            enterprise_id: row.enterprise_id,
            region_code: &row.region_code,
            programme_id: prog.id(),
            programme_version: i64::from(prog.version()),
            pool_id: r.pool_id,
            stage: stage.code(),
            amount_fen: amount.0,
            award_fen: r.award.0,
            rule: r.rule,
            trace_json: &trace_json,
            created_by: &actor.name,
        },
    )
    .await
    .map_err(|e| match e {
        DbError::Conflict(_) => AppError::Conflict("error.subsidy_exists"),
        e => e.into(),
    })?;
    let t = Transfer::between(
        account(AccountKind::Pool, key),
        account(AccountKind::Commitment, key),
        amount,
        format!("奖补核算：项目 {project_id}（{}）{}", row.title, stage.label_zh()),
    );
    let meta = ledger::Meta { subsidy_id: Some(id), actor: &actor.name, ..Default::default() };
    ledger::post(tx, &t, &meta).await.map_err(ledger_error)?;
    super::duties::take(tx, actor, Duty::SubsidyCompute, &[("subsidy", id), ("project", project_id)]).await?;
    if r.bonus.0 > 0 {
        store::set_bonus(tx, id, r.bonus.0).await?;
    }
    if r.chain_lead.0 > 0 {
        store::set_chain_lead(tx, id, r.chain_lead.0).await?;
    }
    add_step(tx, actor, id, "compute", "", SubsidyState::Computed.code(), "").await?;
    record(tx, actor, "subsidy.compute", &format!("subsidy:{id}"), Outcome::Ok, &format!("{amount} {}", r.rule))
        .await?;
    super::integrity::scan(tx, row, None).await?;
    super::dashboard::refresh_project(tx, project_id).await?;
    Ok(id)
}

// ───────────────────────────── 公示, approval, cancellation ─────────────────────────────

#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "SubsidyStep")]
pub struct Step {
    #[schemars(schema_with = "dengta_domain::schema::subsidy_action")]
    pub action: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub version: i64,
}

async fn load_for_officer(c: &mut impl Conn, p: &Principal, id: i64) -> AppResult<(SubsidyRow, &'static Programme)> {
    let s = store::get(c, id).await?.ok_or(AppError::NotFound)?;
    if p.role != Role::Officer || !p.region.contains(&region_of(&s.region_code)?) {
        return Err(AppError::NotFound);
    }
    let prog = programme(&s.programme_id)?;
    if !is_programme_officer(p, prog) {
        return Err(AppError::invalid("error.acceptance_actor", EnrolmentActor::CityOfficer.label_zh()));
    }
    Ok((s, prog))
}

/// Publicise, approve or cancel a subsidy (payment and reversal have their own calls).
pub async fn step(app: &App, actor: &Actor, id: i64, st: &Step) -> AppResult<SubsidyState> {
    let p = principal(actor)?;
    let mut tx = app.db.begin().await?;
    let (s, _) = load_for_officer(&mut tx, p, id).await?;
    let action =
        SubsidyAction::parse(st.action.trim()).ok_or_else(|| AppError::invalid("error.bad_request", &st.action))?;
    if matches!(action, SubsidyAction::Pay | SubsidyAction::Reverse) {
        return Err(AppError::invalid("error.bad_request", action.code()));
    }
    if st.version != 0 && st.version != s.version {
        return Err(AppError::Conflict("error.stale"));
    }
    let to = apply_step(&app.settings, &mut tx, actor, &s, action, st.reason.trim()).await?;
    tx.commit().await?;
    Ok(to)
}

async fn apply_step(
    settings: &crate::config::Settings,
    tx: &mut db::Tx,
    actor: &Actor,
    s: &SubsidyRow,
    action: SubsidyAction,
    reason: &str,
) -> AppResult<SubsidyState> {
    // Duties first: whoever may not take this step hears that rule, whatever the state.
    if action == SubsidyAction::Approve {
        super::duties::take(tx, actor, Duty::SubsidyApprove, &[("subsidy", s.id), ("project", s.project_id)]).await?;
    }
    let from = SubsidyState::parse(&s.status).ok_or_else(|| AppError::Internal(s.status.clone()))?;
    let now = now_ms();
    let guard = SubsidyGuard {
        now_ms: now,
        publicity_ends_ms: s.publicity_ends_at,
        open_objections: u32::try_from(db::providers::open_objections(tx, "subsidy", s.id).await?).unwrap_or(u32::MAX),
        open_flags: u32::try_from(db::acceptance::open_flags(tx, s.project_id).await?).unwrap_or(u32::MAX),
        has_reason: !reason.is_empty(),
    };
    let to = workflow::transition(from, action, &guard).map_err(crate::refused)?;
    let key = pool_key(&s.programme_id, &s.pool_id);
    let amount = Fen(s.amount_fen);
    let movement = match (action, from) {
        (SubsidyAction::Approve, _) => Some((AccountKind::Commitment, AccountKind::Payable, "批准拨付")),
        (SubsidyAction::Cancel, SubsidyState::Approved) => {
            Some((AccountKind::Payable, AccountKind::Pool, "撤销补助，资金退回资金池"))
        }
        (SubsidyAction::Cancel, _) => Some((AccountKind::Commitment, AccountKind::Pool, "撤销补助，资金退回资金池")),
        _ => None,
    };
    if let Some((a, b, what)) = movement {
        let t = Transfer::between(
            account(a, &key),
            account(b, &key),
            amount,
            format!("{what}：补助 {}（项目 {}）{reason}", s.id, s.project_id),
        );
        let meta = ledger::Meta { subsidy_id: Some(s.id), actor: &actor.name, ..Default::default() };
        ledger::post(tx, &t, &meta).await.map_err(ledger_error)?;
    }
    let change = store::Change {
        status: to.code(),
        publicity_ends_at: (action == SubsidyAction::Publicise)
            .then(|| super::providers::publicity_ms(settings).map(|ms| now + ms))
            .transpose()?,
        approved_by: (action == SubsidyAction::Approve).then_some(actor.name.as_str()),
        paid: false,
    };
    if !store::set_state(tx, s.id, s.version, &change).await? {
        return Err(AppError::Conflict("error.stale"));
    }
    add_step(tx, actor, s.id, action.code(), from.code(), to.code(), reason).await?;
    let detail = format!("{} → {} {amount} {reason}", from.code(), to.code());
    record(tx, actor, &format!("subsidy.{}", action.code()), &format!("subsidy:{}", s.id), Outcome::Ok, &detail)
        .await?;
    super::dashboard::refresh_project(tx, s.project_id).await?;
    Ok(to)
}

/// Anyone may object while a subsidy is under 公示.
pub async fn object(app: &App, actor: &Actor, id: i64, f: &super::objections::ObjectionForm) -> AppResult<i64> {
    let mut tx = app.db.begin().await?;
    let s = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let open = s.status == SubsidyState::Publicised.code() && s.publicity_ends_at.is_some_and(|e| now_ms() <= e);
    if !open {
        return Err(AppError::Conflict("error.not_in_publicity"));
    }
    let oid = super::objections::lodge(&mut tx, actor, "subsidy", id, f).await?;
    tx.commit().await?;
    Ok(oid)
}

/// The city upholds an objection (the subsidy is cancelled and its money returns to the pool) or
/// dismisses it; a reason is required either way.
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
    let (s, _) = load_for_officer(&mut tx, p, id).await?;
    super::objections::decide(&mut tx, actor, "subsidy", id, objection_id, uphold, reason).await?;
    if uphold {
        apply_step(&app.settings, &mut tx, actor, &s, SubsidyAction::Cancel, reason.trim()).await?;
    } else {
        super::duties::take(&mut tx, actor, Duty::ObjectionDismiss, &[("subsidy", s.id), ("project", s.project_id)])
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

// ───────────────────────────── payment ─────────────────────────────

/// A payment request: the idempotency key makes retries (and concurrent duplicates) post once.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct PayRequest {
    #[serde(default)]
    pub idempotency_key: String,
    /// The bank's voucher number (凭证号).
    #[serde(default)]
    pub voucher: String,
}

/// What every submission of the same payment request gets back.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "PaymentReceipt")]
pub struct Receipt {
    pub payment_id: i64,
    pub subsidy_id: i64,
    pub transfer_id: i64,
    pub amount: Fen,
    pub status: String,
}

fn receipt(p: &PaymentRow) -> Receipt {
    Receipt {
        payment_id: p.id,
        subsidy_id: p.subsidy_id,
        transfer_id: p.transfer_id,
        amount: Fen(p.amount_fen),
        status: p.status.clone(),
    }
}

/// The receipt of an earlier request with this key, or a conflict when the key was used for a
/// different request.
async fn replay(c: &mut impl Conn, key: &str, request: &str) -> AppResult<Option<Receipt>> {
    let Some(t) = ledger::transfer_by_key(c, key).await? else { return Ok(None) };
    if t.request_sha != request {
        return Err(AppError::Conflict("error.idempotency_reuse"));
    }
    let pay = store::payment_by_transfer(c, t.id).await?.ok_or(AppError::Conflict("error.idempotency_reuse"))?;
    Ok(Some(receipt(&pay)))
}

/// Pays an approved subsidy in full: Payable → Disbursed, once. Concurrent submissions with
/// the same key all receive the one receipt.
pub async fn pay(app: &App, actor: &Actor, id: i64, r: &PayRequest) -> AppResult<Receipt> {
    let p = principal(actor)?;
    // Scope first: nothing about the request is judged for a subsidy the caller may not touch.
    load_for_officer(&mut app.db.clone(), p, id).await?;
    let client_key = r.idempotency_key.trim();
    if client_key.is_empty() || client_key.len() > 100 {
        return Err(AppError::invalid("error.idempotency_key", client_key));
    }
    let voucher = r.voucher.trim();
    if voucher.chars().count() > 60 {
        return Err(AppError::invalid("error.payment_number", voucher));
    }
    let key = format!("pay:{}:{client_key}", actor.name);
    let request = sha_hex(&format!("{id}|{voucher}"));
    match pay_once(app, actor, p, id, &key, &request, voucher).await {
        Ok(r) => Ok(r),
        // A concurrent request with the same key may have won; its receipt is the answer.
        Err(e) => {
            let mut c = app.db.clone();
            match replay(&mut c, &key, &request).await? {
                Some(r) => Ok(r),
                None => Err(e),
            }
        }
    }
}

async fn pay_once(
    app: &App,
    actor: &Actor,
    p: &Principal,
    id: i64,
    key: &str,
    request: &str,
    voucher: &str,
) -> AppResult<Receipt> {
    let mut tx = app.db.begin().await?;
    if let Some(r) = replay(&mut tx, key, request).await? {
        return Ok(r);
    }
    let (s, _) = load_for_officer(&mut tx, p, id).await?;
    super::duties::take(&mut tx, actor, Duty::SubsidyPay, &[("subsidy", s.id), ("project", s.project_id)]).await?;
    let from = SubsidyState::parse(&s.status).ok_or_else(|| AppError::Internal(s.status.clone()))?;
    let guard = SubsidyGuard { now_ms: now_ms(), ..Default::default() };
    let to = workflow::transition(from, SubsidyAction::Pay, &guard).map_err(crate::refused)?;
    let acc = db::acceptance::of_project(&mut tx, s.project_id).await?;
    let bank = acc.map(|a| a.bank_account).unwrap_or_default();
    let pool = pool_key(&s.programme_id, &s.pool_id);
    let amount = Fen(s.amount_fen);
    let t = Transfer::between(
        account(AccountKind::Payable, &pool),
        account(AccountKind::Disbursed, &pool),
        amount,
        format!("拨付补助 {}：{}（{}）凭证 {voucher}", s.id, s.enterprise_name, s.enterprise_uscc),
    );
    let meta = ledger::Meta {
        idem_key: Some(key),
        request_sha: request,
        subsidy_id: Some(s.id),
        actor: &actor.name,
        ..Default::default()
    };
    let transfer_id = ledger::post(&mut tx, &t, &meta).await.map_err(ledger_error)?;
    let pid = store::insert_payment(&mut tx, s.id, transfer_id, amount.0, &bank, voucher, &actor.name).await?;
    let change = store::Change { status: to.code(), publicity_ends_at: None, approved_by: None, paid: true };
    if !store::set_state(&mut tx, s.id, s.version, &change).await? {
        return Err(AppError::Conflict("error.stale"));
    }
    add_step(&mut tx, actor, s.id, SubsidyAction::Pay.code(), from.code(), to.code(), voucher).await?;
    record(
        &mut tx,
        actor,
        "subsidy.pay",
        &format!("subsidy:{}", s.id),
        Outcome::Ok,
        &format!("{amount} payment:{pid}"),
    )
    .await?;
    let pay = store::payment(&mut tx, pid).await?.ok_or(AppError::NotFound)?;
    super::dashboard::refresh_project(&mut tx, s.project_id).await?;
    tx.commit().await?;
    Ok(receipt(&pay))
}

/// Reverses a posted payment by a compensating transfer (Disbursed → Payable) with a reason; the
/// subsidy is approved-unpaid again.
pub async fn reverse(app: &App, actor: &Actor, payment_id: i64, reason: &str) -> AppResult<i64> {
    let p = principal(actor)?;
    let reason = reason.trim();
    let mut tx = app.db.begin().await?;
    let pay = store::payment(&mut tx, payment_id).await?.ok_or(AppError::NotFound)?;
    let (s, _) = load_for_officer(&mut tx, p, pay.subsidy_id).await?;
    let pstate = PaymentState::parse(&pay.status).ok_or_else(|| AppError::Internal(pay.status.clone()))?;
    workflow::transition(pstate, PaymentAction::Reverse, &PaymentGuard { has_reason: !reason.is_empty() })
        .map_err(crate::refused)?;
    let from = SubsidyState::parse(&s.status).ok_or_else(|| AppError::Internal(s.status.clone()))?;
    let to = workflow::transition(
        from,
        SubsidyAction::Reverse,
        &SubsidyGuard { now_ms: now_ms(), has_reason: true, ..Default::default() },
    )
    .map_err(crate::refused)?;
    let original = ledger::transfer(&mut tx, pay.transfer_id).await?.ok_or(AppError::NotFound)?;
    let legs = ledger::legs(&mut tx, original.id).await?;
    let t = Transfer {
        legs: legs
            .iter()
            .map(|l| dengta_domain::ledger::Leg {
                account: Account::new(kind_of(&l.kind), l.key.clone()),
                amount: Fen(-l.amount_fen),
            })
            .collect(),
        reason: format!("冲正付款 {payment_id}：{reason}"),
    };
    let meta =
        ledger::Meta { reverses: Some(original.id), subsidy_id: Some(s.id), actor: &actor.name, ..Default::default() };
    let rid = ledger::post(&mut tx, &t, &meta).await.map_err(|e| match e {
        PostError::Db(DbError::Conflict(_)) => AppError::Conflict("error.payment_reversed"),
        e => ledger_error(e),
    })?;
    if !store::reverse_payment(&mut tx, payment_id, pay.version, rid, reason).await? {
        return Err(AppError::Conflict("error.payment_reversed"));
    }
    let change = store::Change { status: to.code(), publicity_ends_at: None, approved_by: None, paid: false };
    if !store::set_state(&mut tx, s.id, s.version, &change).await? {
        return Err(AppError::Conflict("error.stale"));
    }
    add_step(&mut tx, actor, s.id, SubsidyAction::Reverse.code(), from.code(), to.code(), reason).await?;
    record(&mut tx, actor, "subsidy.reverse", &format!("payment:{payment_id}"), Outcome::Ok, reason).await?;
    super::dashboard::refresh_project(&mut tx, s.project_id).await?;
    tx.commit().await?;
    Ok(rid)
}

fn kind_of(code: &str) -> AccountKind {
    match code {
        "pool" => AccountKind::Pool,
        "commitment" => AccountKind::Commitment,
        "payable" => AccountKind::Payable,
        "disbursed" => AccountKind::Disbursed,
        _ => AccountKind::Funding,
    }
}

// ───────────────────────────── reading ─────────────────────────────

/// Everything a subsidy's page shows.
pub struct SubsidyFile {
    pub row: SubsidyRow,
    pub state: SubsidyState,
    pub trace: Vec<TraceLine>,
    pub payments: Vec<PaymentRow>,
    pub steps: Vec<StepRow>,
    pub objections: Vec<db::providers::ObjectionRow>,
    pub transfers: Vec<(db::ledger::TransferRow, Vec<db::ledger::LegRow>)>,
    pub open_flags: i64,
    pub actions: Vec<SubsidyAction>,
    /// The caller decides money for this programme.
    pub may_act: bool,
    /// The duty rule keeps the caller from paying (approval, or payment, is someone else's).
    pub pay_blocked: bool,
    /// Why steps the state allows are not offered to the caller (separation of duties).
    pub duty_notes: Vec<String>,
}

/// Who may read a subsidy: the enterprise it is for, officers and audit administrators over the
/// region.
fn may_read(p: &Principal, s: &SubsidyRow) -> AppResult<bool> {
    Ok(match p.role {
        Role::Enterprise => p.enterprise_id == Some(s.enterprise_id),
        Role::Officer | Role::AuditAdmin => p.region.contains(&region_of(&s.region_code)?),
        _ => false,
    })
}

pub async fn file(app: &App, p: &Principal, id: i64) -> AppResult<SubsidyFile> {
    let mut c = app.db.clone();
    let row = store::get(&mut c, id).await?.ok_or(AppError::NotFound)?;
    if !may_read(p, &row)? {
        return Err(AppError::NotFound);
    }
    let state = SubsidyState::parse(&row.status).ok_or_else(|| AppError::Internal(row.status.clone()))?;
    let prog = programme(&row.programme_id)?;
    let may_act = is_programme_officer(p, prog);
    let mut transfers = Vec::new();
    for t in ledger::transfers_of_subsidy(&mut c, id).await? {
        let legs = ledger::legs(&mut c, t.id).await?;
        transfers.push((t, legs));
    }
    let mut payments = store::payments_of(&mut c, id).await?;
    // The receiving account only for those the disclosure table lets see it.
    if !super::need_to_know::may_see(p, Some(row.enterprise_id), dengta_domain::disclosure::Field::BankAccount)? {
        for pay in &mut payments {
            pay.bank_account.clear();
        }
    }
    let mut actions: Vec<SubsidyAction> = if may_act {
        workflow::available(state).into_iter().filter(|a| *a != SubsidyAction::Reverse).collect()
    } else {
        Vec::new()
    };
    // Steps the state allows but a duty rule keeps from this caller: not offered, and said why.
    let objects = [("subsidy", id), ("project", row.project_id)];
    let mut duty_notes = Vec::new();
    if actions.contains(&SubsidyAction::Approve)
        && let Some(v) = super::duties::blocked(&mut c, &objects, Duty::SubsidyApprove, p.user_id).await?
    {
        actions.retain(|a| *a != SubsidyAction::Approve);
        duty_notes.push(v.to_string());
    }
    let mut pay_blocked = false;
    if may_act
        && state == SubsidyState::Approved
        && let Some(v) = super::duties::blocked(&mut c, &objects, Duty::SubsidyPay, p.user_id).await?
    {
        pay_blocked = true;
        duty_notes.push(v.to_string());
    }
    Ok(SubsidyFile {
        trace: serde_json::from_str(&row.trace_json).unwrap_or_default(),
        payments,
        steps: steps::steps(&mut c, "subsidy", id).await?,
        objections: db::providers::objections_of(&mut c, "subsidy", id).await?,
        open_flags: db::acceptance::open_flags(&mut c, row.project_id).await?,
        actions,
        transfers,
        may_act,
        pay_blocked,
        duty_notes,
        state,
        row,
    })
}

pub async fn of_project(app: &App, p: &Principal, project_id: i64) -> AppResult<Vec<SubsidyRow>> {
    let mut c = app.db.clone();
    let rows = store::of_project(&mut c, project_id).await?;
    let mut out = Vec::new();
    for r in rows {
        if may_read(p, &r)? {
            out.push(r);
        }
    }
    Ok(out)
}

pub async fn list(
    app: &App,
    p: &Principal,
    status: Option<SubsidyState>,
    before: i64,
    limit: i64,
) -> AppResult<Vec<SubsidyRow>> {
    if !matches!(p.role, Role::Officer | Role::AuditAdmin) {
        return Err(AppError::Forbidden);
    }
    let mut c = app.read().await?;
    Ok(store::list(&mut c, &p.region.subtree_bounds(), status.map(SubsidyState::code), before, limit).await?)
}

/// The public notice: subsidies in 公示 and decided after it (enterprise name, code, amount,
/// rule; no personal data).
pub async fn public(app: &App, before: i64, limit: i64) -> AppResult<Vec<SubsidyRow>> {
    let mut c = app.read().await?;
    Ok(store::public(&mut c, before, limit).await?)
}

/// Reconciliation: the ledger summed from its legs against the stored balances, and the
/// subsidies' amounts by state against the pool accounts.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct ReconciliationReport {
    pub ledger: db::ledger::Reconciliation,
    /// (pool, account, ledger balance, sum of subsidies in the matching state)
    pub subsidy_mismatches: Vec<(String, String, i64, i64)>,
    pub sound: bool,
}

/// The reconciliation for a person: officers (who keep the ledger) and the audit administrator.
pub async fn reconciliation(app: &App, p: &Principal) -> AppResult<ReconciliationReport> {
    if !matches!(p.role, Role::Officer | Role::AuditAdmin) {
        return Err(AppError::Forbidden);
    }
    reconcile(&app.db).await
}

/// Whether payment `payment_id` belongs to subsidy `subsidy_id` (a request names both).
pub async fn payment_belongs(app: &App, subsidy_id: i64, payment_id: i64) -> AppResult<bool> {
    Ok(db::subsidies::payment(&mut app.db.clone(), payment_id).await?.is_some_and(|p| p.subsidy_id == subsidy_id))
}

pub async fn reconcile(db_: &db::Db) -> AppResult<ReconciliationReport> {
    let mut c = db_.clone();
    let ledger_r = ledger::reconcile(&mut c).await?;
    let mut mismatches = Vec::new();
    for prog in super::programmes::programmes()? {
        for pool in prog.pools() {
            let key = pool_key(prog.id(), &pool.id);
            for (kind, states) in [
                (AccountKind::Commitment, "'computed', 'publicised'"),
                (AccountKind::Payable, "'approved'"),
                (AccountKind::Disbursed, "'paid'"),
            ] {
                let sum = c
                    .scalar(
                        &format!(
                            "SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM subsidies \
                             WHERE programme_id = $1 AND pool_id = $2 AND status IN ({states})"
                        ),
                        dengta_db::args![prog.id(), &pool.id],
                    )
                    .await?;
                let bal = ledger::balance(&mut c, &account(kind, &key)).await?;
                if bal.0 != sum {
                    mismatches.push((key.clone(), db::ledger::kind_code(kind).to_owned(), bal.0, sum));
                }
            }
        }
    }
    let sound = ledger_r.is_sound() && mismatches.is_empty();
    Ok(ReconciliationReport { ledger: ledger_r, subsidy_mismatches: mismatches, sound })
}
