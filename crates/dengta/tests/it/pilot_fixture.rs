//! The pilot states the integration tests start from: enrolments, projects in every state, an
//! accepted and paid project, a typical case — written straight into the tables (a test fixture,
//! not the demo: `dengta serve --demo` builds its city through the use-cases, see
//! `app::demo::city`, and tests/it/demo.rs holds it to the rules).

use dengta::db;

/// so each page and list has something to show. (demo-enterprise itself has not applied: the
/// walkthrough starts with its application.)
pub async fn pilot(app: &dengta::app::App) -> Result<(), dengta::app::AppError> {
    use dengta::db::{programmes, projects};
    let prog = dengta::app::programmes::programme("nanjing-2024")?;
    let mut tx = app.db.begin().await?;
    let mut enrolment_of = std::collections::HashMap::new();
    for (uscc, status, eligible) in [
        ("91320104MA1X2Y4B86", "listed", true),
        ("91320115MA1X2Y5C28", "publicised", true),
        ("91320102MA1X2Y7E1P", "district_approved", true),
        ("91320115MA1X2Y6D7E", "applied", false),
    ] {
        let Some(e) = db::enterprises::by_uscc(&mut tx, uscc).await? else { continue };
        let id = programmes::insert_enrolment(
            &mut tx,
            &programmes::NewEnrolment {
                programme_id: prog.id(),
                programme_version: i64::from(prog.version()),
                enterprise_id: e.id,
                region_code: &e.region_code,
                sub_industry: prog.sub_industry_of(&e.industry_code).map(|s| s.name.as_str()),
                eligibility_json: "[]",
                eligible,
                applied_by: "demo-loader",
            },
        )
        .await?;
        let ends = (status == "publicised").then(|| db::now_ms() + 7 * 86_400_000);
        let change = programmes::EnrolmentChange { status, override_reason: None, publicity_ends_at: ends };
        programmes::set_enrolment_state(&mut tx, id, 1, &change).await?;
        enrolment_of.insert(uscc, (id, e));
    }
    let (Some((enrolment, e)), Some(provider)) =
        (enrolment_of.get("91320104MA1X2Y4B86"), db::providers::by_uscc(&mut tx, "91320104MA1X2Y8F6T").await?)
    else {
        tx.commit().await?;
        return Ok(());
    };
    let states =
        ["draft", "diagnosing", "diagnosed", "planned", "contracted", "filed", "in_progress", "completed", "cancelled"];
    for (i, status) in states.iter().enumerate() {
        let title = format!("秦淮智能装备改造项目（演示 {}）", i + 1);
        let id = projects::insert(
            &mut tx,
            &projects::NewProject {
                programme_id: prog.id(),
                programme_version: i64::from(prog.version()),
                enrolment_id: *enrolment,
                enterprise_id: e.id,
                provider_id: provider.id,
                region_code: &e.region_code,
                title: &title,
                created_by: "demo-loader",
            },
        )
        .await?;
        let filed = i >= 5 && *status != "cancelled";
        let filing = filed.then(|| format!("NJ-DEMO-{:03}", i + 1));
        let filing_ref = filing.as_deref().map(|no| (no, db::now_ms(), None));
        projects::set_state(&mut tx, id, 1, status, filing_ref).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Money for the demo: budget allocated to the Nanjing pools, and two more projects of the listed
/// 秦淮 enterprise — one accepted with its subsidy paid, one rejected — so the subsidy, ledger and
/// provider pages have history to show. Every movement is a real ledger transfer.
pub async fn money(app: &dengta::app::App) -> Result<(), dengta::app::AppError> {
    use dengta_domain::ledger::{Account, AccountKind, Transfer};
    use dengta_domain::money::Fen;

    use dengta::db::{acceptance, ledger, projects, subsidies};
    let prog = dengta::app::programmes::programme("nanjing-2024")?;
    let mut tx = app.db.begin().await?;
    let meta = ledger::Meta { actor: "demo-loader", ..Default::default() };
    for (pool, yuan) in [("enterprise", 30_000_000_i64), ("services", 2_000_000)] {
        let key = dengta::app::subsidies::pool_key(prog.id(), pool);
        let t = Transfer::between(
            Account::new(AccountKind::Funding, &key),
            Account::new(AccountKind::Pool, &key),
            Fen(yuan * 100),
            format!("下达资金 宁财企〔2026〕演示号：{} {pool}", prog.name()),
        );
        ledger::post(&mut tx, &t, &meta).await.map_err(|e| dengta::app::AppError::Internal(e.to_string()))?;
    }
    let enrolment: Option<(i64,)> = tx
        .fetch_optional(
            "SELECT n.id FROM enrolments n JOIN enterprises e ON e.id = n.enterprise_id \
             WHERE e.uscc = $1 AND n.status = 'listed'",
            dengta::args!["91320104MA1X2Y4B86"],
        )
        .await?;
    let (Some((enrolment,)), Some(e), Some(provider)) = (
        enrolment,
        db::enterprises::by_uscc(&mut tx, "91320104MA1X2Y4B86").await?,
        db::providers::by_uscc(&mut tx, "91320104MA1X2Y8F6T").await?,
    ) else {
        tx.commit().await?;
        return Ok(());
    };
    let now = db::now_ms();
    let day = 86_400_000;
    for (title, accepted) in
        [("秦淮智能装备改造项目（演示 验收通过）", true), ("秦淮智能装备改造项目（演示 验收未通过）", false)]
    {
        let id = projects::insert(
            &mut tx,
            &projects::NewProject {
                programme_id: prog.id(),
                programme_version: i64::from(prog.version()),
                enrolment_id: enrolment,
                enterprise_id: e.id,
                provider_id: provider.id,
                region_code: &e.region_code,
                title,
                created_by: "demo-loader",
            },
        )
        .await?;
        let no = format!("NJ-DEMO-{id:03}");
        projects::set_state(&mut tx, id, 1, "completed", Some((no.as_str(), now - 120 * day, None))).await?;
        let aid = acceptance::insert(
            &mut tx,
            &acceptance::NewAcceptance {
                project_id: id,
                enterprise_id: e.id,
                provider_id: provider.id,
                region_code: &e.region_code,
                declaration: dengta::app::acceptance::DECLARATION,
                declared_by: "demo-loader",
                bank_account: "6222020000000001",
                summary: "演示数据",
            },
        )
        .await?;
        let status = if accepted { "accepted" } else { "rejected" };
        let change = acceptance::Change { status, decided: true, ..Default::default() };
        acceptance::set_state(&mut tx, aid, 1, &change).await?;
        acceptance::add_outcome(&mut tx, provider.id, status, 21).await?;
        if !accepted {
            continue;
        }
        // 200,000 eligible × 40% = 80,000, reserved, approved after 公示 and paid.
        let amount = Fen(8_000_000);
        let trace = serde_json::json!([
            {"label": "可补助投入", "amount": 20_000_000, "note": "演示数据"},
            {"label": "按比例计算", "amount": 8_000_000, "note": "200,000.00 元 × 40% = 80,000.00 元"},
            {"label": "本次应拨付", "amount": 8_000_000, "note": "80,000.00 元，大写捌万元整"}
        ]);
        let sid = subsidies::insert(
            &mut tx,
            &subsidies::NewSubsidy {
                project_id: id,
                enterprise_id: e.id,
                region_code: &e.region_code,
                programme_id: prog.id(),
                programme_version: i64::from(prog.version()),
                pool_id: "enterprise",
                stage: "after_acceptance",
                amount_fen: amount.0,
                award_fen: amount.0,
                rule: &prog.rule_ref(),
                trace_json: &trace.to_string(),
                created_by: "demo-officer",
            },
        )
        .await?;
        let key = dengta::app::subsidies::pool_key(prog.id(), "enterprise");
        let meta = ledger::Meta { subsidy_id: Some(sid), actor: "demo-loader", ..Default::default() };
        let mut last = 0;
        for (from, to, what) in [
            (AccountKind::Pool, AccountKind::Commitment, "奖补核算"),
            (AccountKind::Commitment, AccountKind::Payable, "批准拨付"),
            (AccountKind::Payable, AccountKind::Disbursed, "拨付补助"),
        ] {
            let t =
                Transfer::between(Account::new(from, &key), Account::new(to, &key), amount, format!("{what}（演示）"));
            last =
                ledger::post(&mut tx, &t, &meta).await.map_err(|e| dengta::app::AppError::Internal(e.to_string()))?;
        }
        subsidies::insert_payment(&mut tx, sid, last, amount.0, "6222020000000001", "PZ-DEMO-001", "demo-finance")
            .await?;
        let change = subsidies::Change {
            status: "paid",
            publicity_ends_at: Some(now - 10 * day),
            approved_by: Some("demo-approver"),
            paid: true,
        };
        subsidies::set_state(&mut tx, sid, 1, &change).await?;
        // Three people, as the duty rules ask: their sides are on record for later steps.
        for (who, step) in [
            ("demo-officer", dengta_domain::duties::Step::SubsidyCompute),
            ("demo-approver", dengta_domain::duties::Step::SubsidyApprove),
            ("demo-finance", dengta_domain::duties::Step::SubsidyPay),
        ] {
            let Some(u) = db::users::by_username(&mut tx, who).await? else { continue };
            let p = dengta::app::accounts::principal_of(&u)?;
            let actor = dengta::app::Actor::user(&p, "demo");
            dengta::app::duties::take(&mut tx, &actor, step, &[("subsidy", sid), ("project", id)]).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The completed demo project gets its contract, a milestone done and its invoice and payment, so
/// its acceptance checklist shows what is left (vouchers, summary report, the self-assessment after
/// completion); a published typical case, a 小灯塔 nomination and the city's 上云 target.
pub async fn publicity(app: &dengta::app::App) -> Result<(), dengta::app::AppError> {
    use dengta::db::{cases, dashboard, projects};
    let mut tx = app.db.begin().await?;
    let completed: Option<(i64, i64)> = tx
        .fetch_optional(
            "SELECT id, enterprise_id FROM projects WHERE title = $1",
            dengta::args!["秦淮智能装备改造项目（演示 8）"],
        )
        .await?;
    if let Some((id, enterprise)) = completed {
        let now = db::now_ms();
        let day = 86_400_000;
        let contract = serde_json::json!({
            "sign_date": "2025-03-01",
            "parties": [{"uscc": "91320104MA1X2Y8F6T", "name": "金陵工业互联网服务有限公司", "role": "integrator", "amount": 30_000_000}],
            "lines": [
                {"category": "software", "description": "设备管理与排产系统", "amount": 18_000_000},
                {"category": "gateway", "description": "数据采集网关", "amount": 7_000_000},
                {"category": "service", "description": "实施与培训", "amount": 5_000_000}
            ],
            "split": {"enterprise": 18_000_000, "provider_discount": 0, "government": 12_000_000},
            "criteria": [{"kind": "onsite_level_at_least", "level": 2}, {"kind": "milestones_done"}]
        });
        tx.execute(
            "UPDATE project_docs SET contract_json = $1 WHERE project_id = $2",
            dengta::args![contract.to_string(), id],
        )
        .await?;
        tx.execute(
            "UPDATE projects SET filed_at = $1, completed_at = $2, contract_total_fen = 30000000 WHERE id = $3",
            dengta::args![now - 200 * day, now - 5 * day, id],
        )
        .await?;
        let m = projects::add_milestone(&mut tx, id, "设备联网与系统上线", "2026-06-30").await?;
        tx.execute(
            "UPDATE milestones SET done_at = $1, done_by = 'demo-provider' WHERE id = $2",
            dengta::args![now - 10 * day, m],
        )
        .await?;
        for (kind, number) in [("invoice", "FP-DEMO-0001"), ("payment", "FK-DEMO-0001")] {
            projects::add_payment(
                &mut tx,
                id,
                kind,
                "software",
                number,
                18_000_000,
                "2026-05-20",
                false,
                "demo-enterprise",
            )
            .await?;
        }
        let case = cases::insert(
            &mut tx,
            &cases::NewCase {
                kind: "typical_case",
                enterprise_id: enterprise,
                project_id: Some(id),
                region_code: "320104",
                title: "机加工车间设备联网与智能排产",
                summary: "以设备管理系统和数据采集网关打通 42 台数控设备，排产由人工转为系统排程。",
                outcome: "现场评测由一级提升至三级；设备综合效率提升 18%，交期准时率由 82% 提升至 96%。",
                nominated_by: "demo-officer",
            },
        )
        .await?;
        cases::set_state(&mut tx, case, 1, "reviewed", Some(("成效可量化，具有推广价值", "demo-expert")), false)
            .await?;
        cases::set_state(&mut tx, case, 2, "published", None, true).await?;
        cases::insert(
            &mut tx,
            &cases::NewCase {
                kind: "lighthouse",
                enterprise_id: enterprise,
                project_id: Some(id),
                region_code: "320104",
                title: "秦淮区数字化转型小灯塔（提名）",
                summary: "示范带动同行业 12 家企业开展设备联网。",
                outcome: "评测三级，关键工序数控化率 85%。",
                nominated_by: "demo-officer",
            },
        )
        .await?;
    }
    dashboard::set_target(&mut tx, "320100", "cloud", 5000, "demo-loader").await?;
    tx.commit().await?;
    Ok(())
}
