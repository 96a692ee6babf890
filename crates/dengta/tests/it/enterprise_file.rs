//! The enterprise file through its pages and API: registration by credit
//! code, edits with history, size class, credit flags, cloud records and
//! roll-ups, and self-registration claims.

use crate::support::{DEMO_PASSWORD, Store, TestApp, form_token};

async fn post(c: &reqwest::Client, url: String, form: &[(&str, &str)]) -> (u16, String) {
    let res = c.post(url).form(form).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

fn id_from_location(res: &reqwest::Response) -> i64 {
    let loc = res.headers()["location"].to_str().unwrap();
    loc.trim_start_matches("/enterprises/").split('?').next().unwrap().parse().unwrap()
}

async fn count(t: &TestApp, sql: &str) -> i64 {
    t.db().scalar(sql, vec![]).await.unwrap()
}

async fn registration_checks_the_code(store: Store) {
    let t = TestApp::spawn(store).await;
    let (c, csrf) = t.demo_login("demo-officer").await;
    let url = t.url("/enterprises/new");
    let before = count(&t, "SELECT COUNT(*) FROM enterprises").await;
    let form = |uscc: &'static str, reason: &'static str, industry: &'static str| {
        vec![
            ("_csrf", csrf.clone()),
            ("uscc", uscc.into()),
            ("legacy_reason", reason.into()),
            ("name", "南京测试科技有限公司".into()),
            ("region", String::new()),
            ("industry", industry.into()),
            ("srdi_tier", "none".into()),
            ("version", "0".into()),
        ]
    };
    let send = |f: Vec<(&'static str, String)>| c.post(url.clone()).form(&f).send();
    // Malformed: 17 characters.
    let res = send(form("91320102MA1X2Y3A0", "", "C3670")).await.unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("统一社会信用代码应为18位"));
    // Check character wrong, no reason: refused with the expected character named.
    let res = send(form("91320104MA1Y00010X", "", "C3670")).await.unwrap();
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("校验位"), "{body}");
    // Unknown industry code.
    let res = send(form("91320104MA1Y00018F", "", "C3699")).await.unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("GB/T 4754"));
    assert_eq!(count(&t, "SELECT COUNT(*) FROM enterprises").await, before, "refusals write nothing");
    // Full-width, lower-case input normalises; region comes from positions 3–8.
    let res = send(form("９１３２０１０４ma1y00018f", "", "3670")).await.unwrap();
    assert_eq!(res.status(), 303);
    let id = id_from_location(&res);
    let page = c.get(t.url(&format!("/enterprises/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("91320104MA1Y00018F") && page.contains("秦淮区") && page.contains("C3670"), "{page}");
    // One enterprise per code.
    let res = send(form("91320104MA1Y00018F", "", "C3670")).await.unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("已登记"));
    // A legacy code accepted with a recorded reason.
    let res = send(form("91320104MA1Y00010X", "2015年前登记，经窗口核验营业执照原件", "C3670")).await.unwrap();
    assert_eq!(res.status(), 303);
    let id = id_from_location(&res);
    let reason: (Option<String>,) =
        t.db().fetch_one("SELECT uscc_legacy_reason FROM enterprises WHERE id = $1", vec![id.into()]).await.unwrap();
    assert!(reason.0.unwrap().contains("核验"));
    // Outside the officer's region: refused as if it did not exist.
    let res = send(form("91320205MA1Y000183", "", "C3670")).await.unwrap();
    assert!(matches!(res.status().as_u16(), 404 | 422), "{}", res.status());
    // Roll-up count follows the facts.
    let facts = count(&t, "SELECT COUNT(*) FROM enterprises WHERE region_code BETWEEN '320100' AND '320199'").await;
    let rolled = count(&t, "SELECT value FROM rollups WHERE metric = 'e.enterprises' AND region_code = '320100'").await;
    assert_eq!(rolled, facts, "the dashboard roll-up counts every enterprise of the city");
}

async fn edits_keep_history_and_respect_versions(store: Store) {
    let t = TestApp::spawn(store).await;
    let f = crate::support::fixture(&t.db()).await;
    let (c, csrf) = t.demo_login("demo-officer").await;
    let edit = t.url(&format!("/enterprises/{}/edit", f.own_enterprise));
    let html = c.get(edit.clone()).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("南京玄武精密机械有限公司"));
    let version: (i64,) =
        t.db().fetch_one("SELECT version FROM enterprises WHERE id = $1", vec![f.own_enterprise.into()]).await.unwrap();
    let v = version.0.to_string();
    let fields = |name: &'static str, v: String| {
        vec![
            ("_csrf", csrf.clone()),
            ("version", v),
            ("uscc", "91320102MA1X2Y3B1X".into()),
            ("name", name.into()),
            ("region", "320102".into()),
            ("industry", "C3484".into()),
            ("srdi_tier", "srdi".into()),
            ("legal_rep", "张伟".into()),
            ("contact_phone", "13912345678".into()),
            ("address", "南京市玄武区中山路1号".into()),
        ]
    };
    let res = c.post(edit.clone()).form(&fields("南京玄武精密机械股份有限公司", v.clone())).send().await.unwrap();
    assert_eq!(res.status(), 303);
    // The same old version again: someone else's change is not overwritten.
    let res = c.post(edit.clone()).form(&fields("别的名字", v)).send().await.unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("已被他人修改"));
    let page = c.get(t.url(&format!("/enterprises/{}", f.own_enterprise))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("南京玄武精密机械股份有限公司"));
    assert!(page.contains("<del>南京玄武精密机械有限公司</del>"), "history shows before and after");
    assert!(page.contains("专精特新中小企业"));
    // The enterprise itself may change its contacts but not its identity.
    let (e, ecsrf) = t.demo_login("demo-enterprise").await;
    let version: (i64,) =
        t.db().fetch_one("SELECT version FROM enterprises WHERE id = $1", vec![f.own_enterprise.into()]).await.unwrap();
    let mut form = fields("篡改的名称", version.0.to_string());
    form[0].1 = ecsrf;
    form.push(("contact_phone", "02584000000".into()));
    form.retain(|(k, v)| *k != "contact_phone" || v != "13912345678");
    let res = e.post(edit).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let row: (String, Option<String>) = t
        .db()
        .fetch_one("SELECT name, contact_phone FROM enterprises WHERE id = $1", vec![f.own_enterprise.into()])
        .await
        .unwrap();
    assert_eq!(row.0, "南京玄武精密机械股份有限公司");
    assert_eq!(row.1.as_deref(), Some("02584000000"));
}

async fn size_class_credit_and_cloud(store: Store) {
    let t = TestApp::spawn(store).await;
    let f = crate::support::fixture(&t.db()).await;
    let id = f.own_enterprise;
    let (c, csrf) = t.demo_login("demo-officer").await;
    let base = t.url(&format!("/enterprises/{id}"));
    // 工业 (C3484): 120 staff, 8,000万 revenue → 小型 (medium needs ≥300 staff).
    let (s, _) = post(
        &c,
        format!("{base}/sizes"),
        &[
            ("_csrf", &csrf),
            ("year", "2025"),
            ("employees", "120"),
            ("revenue_yuan", "80000000"),
            ("assets_yuan", "60000000"),
        ],
    )
    .await;
    assert_eq!(s, 303);
    let page = c.get(base.clone()).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"size-class\">小型（2025）"), "size on the file");
    let (s, body) = post(&c, format!("{base}/sizes"), &[("_csrf", &csrf), ("year", "2025"), ("employees", "-3")]).await;
    assert_eq!(s, 422);
    assert!(body.contains("从业人员"));

    // Credit: a 严重失信 listing sets the flag; ending it clears it.
    let (s, _) = post(
        &c,
        format!("{base}/credit-flags"),
        &[("_csrf", &csrf), ("kind", "serious_dishonesty"), ("source", "信用中国"), ("listed_on", "2025-03-01")],
    )
    .await;
    assert_eq!(s, 303);
    let flag: (bool,) =
        t.db().fetch_one("SELECT serious_dishonesty FROM enterprises WHERE id = $1", vec![id.into()]).await.unwrap();
    assert!(flag.0);
    let (fid,): (i64,) =
        t.db().fetch_one("SELECT id FROM credit_flags WHERE enterprise_id = $1", vec![id.into()]).await.unwrap();
    let (s, _) = post(
        &c,
        format!("{base}/credit-flags/remove"),
        &[("_csrf", &csrf), ("flag_id", &fid.to_string()), ("removed_on", "2025-09-01")],
    )
    .await;
    assert_eq!(s, 303);
    let flag: (bool,) =
        t.db().fetch_one("SELECT serious_dishonesty FROM enterprises WHERE id = $1", vec![id.into()]).await.unwrap();
    assert!(!flag.0);

    // Cloud: the enterprise reports a recent service; confirming it early is refused.
    let (e, ecsrf) = t.demo_login("demo-enterprise").await;
    let today = time::OffsetDateTime::now_utc().date();
    let recent = (today - time::Duration::days(10)).to_string();
    let (s, _) = post(
        &e,
        format!("{base}/cloud"),
        &[
            ("_csrf", &ecsrf),
            ("provider_name", "天翼云"),
            ("service", "云ERP"),
            ("layer", "application"),
            ("category", "management"),
            ("started_on", &recent),
        ],
    )
    .await;
    assert_eq!(s, 303);
    let (rid,): (i64,) =
        t.db().fetch_one("SELECT id FROM cloud_records WHERE enterprise_id = $1", vec![id.into()]).await.unwrap();
    let (s, body) = post(
        &e,
        format!("{base}/cloud/decide"),
        &[("_csrf", &ecsrf), ("record_id", &rid.to_string()), ("decision", "confirm")],
    )
    .await;
    assert_eq!(s, 422);
    assert!(body.contains("使用未满90天"), "{body}");
    // A future start date is refused.
    let future = (today + time::Duration::days(3)).to_string();
    let (s, _) = post(
        &e,
        format!("{base}/cloud"),
        &[
            ("_csrf", &ecsrf),
            ("provider_name", "x"),
            ("service", "y"),
            ("layer", "platform"),
            ("category", "business"),
            ("started_on", &future),
        ],
    )
    .await;
    assert_eq!(s, 422);
    // The enterprise cannot verify its own record; the officer can.
    let (s, _) = post(
        &e,
        format!("{base}/cloud/decide"),
        &[("_csrf", &ecsrf), ("record_id", &rid.to_string()), ("decision", "verify")],
    )
    .await;
    assert_eq!(s, 403);
    let cloud = |region: &'static str| {
        let t = &t;
        async move {
            t.db()
                .scalar(
                    "SELECT COALESCE(MAX(value), 0) FROM rollups WHERE metric = 'e.cloud' AND region_code = $1",
                    vec![region.into()],
                )
                .await
                .unwrap()
        }
    };
    // The demo's own 上云 enterprises are counted too: what changes is the difference.
    let mut before = std::collections::HashMap::new();
    for region in ["320102", "320100", "320000", "100000", "320200"] {
        before.insert(region, cloud(region).await);
    }
    let (s, _) = post(
        &c,
        format!("{base}/cloud/decide"),
        &[("_csrf", &csrf), ("record_id", &rid.to_string()), ("decision", "verify")],
    )
    .await;
    assert_eq!(s, 303);
    for region in ["320102", "320100", "320000", "100000"] {
        assert_eq!(cloud(region).await, before[region] + 1, "上云 count at {region}");
    }
    assert_eq!(cloud("320200").await, before["320200"]);
    // Verifying again is refused by the life cycle, and the count does not move.
    let (s, _) = post(
        &c,
        format!("{base}/cloud/decide"),
        &[("_csrf", &csrf), ("record_id", &rid.to_string()), ("decision", "verify")],
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(cloud("320100").await, before["320100"] + 1);
    let list = c.get(t.url("/enterprises?cloud=yes")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("南京玄武精密机械有限公司") && !list.contains("江宁汽车零部件"));

    // A provider reports in bulk through the API for the enterprises it serves (秦淮: the demo's
    // projects are with demo-provider); each item answers for itself.
    let token =
        dengta::app::accounts::create_token(&t.app, &dengta::app::Actor::cli(), "demo-provider", "t").await.unwrap();
    let res = reqwest::Client::new()
        .post(t.url("/api/v1/cloud-records"))
        .bearer_auth(token)
        .json(&serde_json::json!([
            {"uscc": "91320104MA1X2Y4B86", "provider_name": "阿里云", "service": "设备上云平台", "layer": "平台系统", "category": "设备上云", "started_on": "2025-01-05"},
            {"uscc": "91000000MA1X2Y5C0X", "provider_name": "阿里云", "service": "x", "layer": "platform", "category": "business", "started_on": "2025-01-05"},
            {"uscc": "91320104MA1X2Y4B86", "provider_name": "阿里云", "service": "x", "layer": "cloudy", "category": "business", "started_on": "2025-01-05"},
            {"uscc": "91320115MA1X2Y5C28", "provider_name": "阿里云", "service": "x", "layer": "平台系统", "category": "设备上云", "started_on": "2025-01-05"}
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["accepted"], 1);
    assert_eq!(body["rejected"], 3);
    assert!(body["results"][2]["error"].as_str().unwrap().contains("层级"));
    // 江宁 is registered but not its customer: the same answer as an unknown code.
    assert_eq!(body["results"][3]["error"], body["results"][1]["error"]);
}

async fn an_enterprise_claims_itself(store: Store) {
    let t = TestApp::spawn(store).await;
    let c = t.client();
    let html = c.get(t.url("/register")).send().await.unwrap().text().await.unwrap();
    let csrf = form_token(&html).unwrap();
    let reg = |uscc: &'static str, user: &'static str| {
        vec![
            ("_csrf", csrf.clone()),
            ("uscc", uscc.into()),
            ("name", "江宁汽车零部件制造有限公司".into()),
            ("contact_name", "王强".into()),
            ("contact_phone", "13712345670".into()),
            ("username", user.into()),
            ("password", "Claim#2026ok".into()),
        ]
    };
    let res = c.post(t.url("/register")).form(&reg("91320115MA1X2Y5C0X", "jn-parts")).send().await.unwrap();
    assert_eq!(res.status(), 422, "a bad code is refused");
    let res = c.post(t.url("/register")).form(&reg("91320115MA1X2Y5C28", "jn-parts")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    // Signed in, the claimant sees no enterprise yet, only its pending claim.
    let (u, _) = t.login("jn-parts", "Claim#2026ok").await;
    let home = u.get(t.url("/home")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("待主管部门审核"));
    let list = u.get(t.url("/enterprises")).send().await.unwrap().text().await.unwrap();
    assert!(!list.contains("江宁汽车零部件制造有限公司</a>"));
    // The district officer of 玄武区 does not see a 江宁区 claim; the city officer does.
    let (d, _) = t.demo_login("demo-district").await;
    let claims = d.get(t.url("/claims")).send().await.unwrap().text().await.unwrap();
    assert!(!claims.contains("91320115MA1X2Y5C28"));
    let (o, ocsrf) = t.demo_login("demo-officer").await;
    let claims = o.get(t.url("/claims")).send().await.unwrap().text().await.unwrap();
    assert!(claims.contains("91320115MA1X2Y5C28"));
    let (cid,): (i64,) =
        t.db().fetch_one("SELECT id FROM enterprise_claims WHERE uscc = '91320115MA1X2Y5C28'", vec![]).await.unwrap();
    // Rejecting needs a reason.
    let (s, body) =
        post(&o, t.url(&format!("/claims/{cid}/decide")), &[("_csrf", &ocsrf), ("decision", "reject")]).await;
    assert_eq!(s, 422);
    assert!(body.contains("请填写理由"));
    let (s, _) = post(&o, t.url(&format!("/claims/{cid}/decide")), &[("_csrf", &ocsrf), ("decision", "confirm")]).await;
    assert_eq!(s, 303);
    // Now the account is bound: its own file opens, with the personal data.
    let (u, _) = t.login("jn-parts", "Claim#2026ok").await;
    let list = u.get(t.url("/enterprises")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("江宁汽车零部件制造有限公司</a>"));
    let (s, _) = post(&o, t.url(&format!("/claims/{cid}/decide")), &[("_csrf", &ocsrf), ("decision", "confirm")]).await;
    assert_eq!(s, 422, "a decided claim stays decided");
    let _ = DEMO_PASSWORD;
}

async fn lists_filter_and_personal_data_expires(store: Store) {
    let t = TestApp::spawn(store).await;
    let (c, _) = t.demo_login("demo-officer").await;
    let page = c.get(t.url("/enterprises?region=320115")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("江宁汽车零部件制造有限公司") && !page.contains("南京玄武精密机械有限公司"), "region filter");
    let page = c.get(t.url("/enterprises?region=320205")).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("不在您的管辖范围内") && !page.contains("无锡锡山纺织机械有限公司"),
        "cannot widen the scope"
    );
    let page = c.get(t.url("/enterprises?industry=C36")).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("江宁汽车零部件制造有限公司") && !page.contains("南京玄武精密机械有限公司"),
        "industry prefix"
    );
    let page = c.get(t.url("/enterprises?name=91320102")).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("南京玄武精密机械有限公司") && page.contains("玄武电子元器件有限公司") && !page.contains("江宁"),
        "code prefix"
    );
    let page = c.get(t.url("/enterprises?name=%E7%B2%BE%E5%AF%86")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("南京玄武精密机械有限公司") && !page.contains("玄武电子元器件"), "Chinese substring 精密");

    // Personal data past its retention period is erased, and the erasure audited.
    let old = dengta::db::now_ms() - 4 * 365 * 86_400_000;
    t.db()
        .execute("UPDATE enterprises SET pi_collected_at = $1 WHERE uscc = '91320102MA1X2Y3B1X'", vec![old.into()])
        .await
        .unwrap();
    let n = dengta::app::enterprises::purge_personal_data(&t.app).await.unwrap();
    assert_eq!(n, 1);
    let row: (Option<String>, Option<String>) = t
        .db()
        .fetch_one("SELECT legal_rep, contact_phone FROM enterprises WHERE uscc = '91320102MA1X2Y3B1X'", vec![])
        .await
        .unwrap();
    assert_eq!(row, (None, None));
    let kept: (Option<String>,) =
        t.db().fetch_one("SELECT legal_rep FROM enterprises WHERE uscc = '91320104MA1X2Y4B86'", vec![]).await.unwrap();
    assert!(kept.0.is_some(), "recent data stays");
    assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log WHERE action = 'enterprise.purge_personal'").await, 1);
}

on_both_stores!(
    lists_filter_and_personal_data_expires,
    registration_checks_the_code,
    edits_keep_history_and_respect_versions,
    size_class_credit_and_cloud,
    an_enterprise_claims_itself,
);
