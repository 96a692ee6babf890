//! Digital-level assessments: the questionnaire through the pages (draft saved and resumed, the
//! pledge required, the report at once), scope, the API round trip with an on-site rating, the
//! CLI, and the roll-up counts kept in the write transaction.

use dengta::app::assessments::latest_instrument;
use dengta::db;
use dengta_domain::assessment::Instrument;
use dengta_domain::assessment::instrument::{DimensionKind, QuestionKind};
use serde_json::json;

use crate::support::{Store, TestApp, fixture};

/// The best answer to every question of dimension `i` as form fields (ratio figures 100/100).
fn dimension_fields(inst: &Instrument, i: usize) -> Vec<(String, String)> {
    let d = &inst.dimensions()[i];
    let mut out = Vec::new();
    if let DimensionKind::Questions { .. } = d.kind {
        for q in d.sub_dimensions().iter().flat_map(|s| &s.indicators).flat_map(|x| &x.questions) {
            match &q.kind {
                QuestionKind::Single { options } => {
                    let best = options.iter().max_by_key(|o| o.points).unwrap();
                    out.push((format!("q.{}", q.id), best.id.clone()));
                }
                QuestionKind::Multiple { options } => {
                    for o in options.iter().filter(|o| !o.exclusive) {
                        out.push((format!("q.{}", q.id), o.id.clone()));
                    }
                }
                QuestionKind::Ratio(r) => {
                    out.push((format!("in.{}", r.numerator), "100".into()));
                    out.push((format!("in.{}", r.denominator), "100".into()));
                }
            }
        }
    }
    out.dedup();
    out
}

fn scene_fields(inst: &Instrument, level: u8) -> Vec<(String, String)> {
    inst.scenes().iter().map(|s| (format!("scene.{}", s.id), level.to_string())).collect()
}

/// The same answers in the domain's JSON format.
fn answers_json(inst: &Instrument, scene_level: u8) -> serde_json::Value {
    let mut choices = serde_json::Map::new();
    let mut inputs = serde_json::Map::new();
    for i in 0..inst.dimensions().len() {
        for (k, v) in dimension_fields(inst, i) {
            if let Some(q) = k.strip_prefix("q.") {
                choices.entry(q.to_owned()).or_insert_with(|| json!([])).as_array_mut().unwrap().push(json!(v));
            } else if let Some(x) = k.strip_prefix("in.") {
                inputs.insert(x.to_owned(), json!(100));
            }
        }
    }
    let scenes: serde_json::Map<String, serde_json::Value> =
        inst.scenes().iter().map(|s| (s.id.clone(), json!(scene_level))).collect();
    json!({ "choices": choices, "inputs": inputs, "scenes": scenes })
}

fn version_of(html: &str) -> String {
    let at = html.find("name=\"version\" value=\"").expect("version field") + "name=\"version\" value=\"".len();
    html[at..].split('"').next().unwrap().to_owned()
}

#[allow(clippy::too_many_arguments)]
async fn post_step(
    t: &TestApp,
    c: &reqwest::Client,
    csrf: &str,
    path: &str,
    step: usize,
    version: &str,
    extra: &[(&str, &str)],
    fields: &[(String, String)],
) -> reqwest::Response {
    let mut form: Vec<(String, String)> =
        vec![("_csrf".into(), csrf.into()), ("version".into(), version.into()), ("step".into(), step.to_string())];
    form.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    form.extend(fields.iter().cloned());
    c.post(t.url(path)).form(&form).send().await.unwrap()
}

async fn questionnaire_through_the_pages(store: Store) {
    let t = TestApp::spawn(store).await;
    let f = fixture(&t.db()).await;
    let inst = latest_instrument("mfg-2024").unwrap();
    let (c, csrf) = t.demo_login("demo-enterprise").await;
    let eid = f.own_enterprise;

    // The file page links to the assessments; the list offers a self-assessment.
    let file = c.get(t.url(&format!("/enterprises/{eid}"))).send().await.unwrap().text().await.unwrap();
    assert!(file.contains(&format!("/enterprises/{eid}/assessments")));
    let list = c.get(t.url(&format!("/enterprises/{eid}/assessments"))).send().await.unwrap();
    assert_eq!(list.status(), 200);
    assert!(list.text().await.unwrap().contains("value=\"self\""));

    // Start resumes the open draft (the fixture made one).
    let res = c
        .post(t.url(&format!("/enterprises/{eid}/assessments")))
        .form(&[("_csrf", csrf.as_str()), ("kind", "self"), ("instrument_id", "mfg-2024")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let loc = res.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(loc, format!("/assessments/{}?step=1", f.own_assessment));
    let aid = f.own_assessment;
    let path = format!("/assessments/{aid}");

    // Step 1: save a draft, come back, the answers are there; the ratio is derived server-side.
    let page = c.get(t.url(&loc)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("数字化基础") && page.contains("type=\"checkbox\"") && page.contains("type=\"radio\""));
    let step1 = dimension_fields(inst, 0);
    let res = post_step(&t, &c, &csrf, &path, 1, &version_of(&page), &[("go", "save")], &step1).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], format!("{path}?step=1&saved=1").as_str());
    let page = c.get(t.url(&format!("{path}?step=1&saved=1"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("草稿已保存"));
    assert!(page.contains("checked"));
    assert!(page.contains("100.0%"), "derived ratio shown after save");

    // A bad figure is refused with 422 and the page again.
    let bad = vec![("in.total_equipment".to_owned(), "abc".to_owned())];
    let res = post_step(&t, &c, &csrf, &path, 1, &version_of(&page), &[("go", "save")], &bad).await;
    assert_eq!(res.status(), 422);

    // Steps 2 and 3 with 下一步, then the scenes.
    let mut version = version_of(&page);
    for (step, dim) in [(1usize, 0usize), (2, 1), (3, 2)] {
        let res =
            post_step(&t, &c, &csrf, &path, step, &version, &[("go", "next")], &dimension_fields(inst, dim)).await;
        assert_eq!(res.status(), 303);
        let next = res.headers()["location"].to_str().unwrap().to_owned();
        assert_eq!(next, format!("{path}?step={}", step + 1));
        let html = c.get(t.url(&next)).send().await.unwrap().text().await.unwrap();
        version = version_of(&html);
    }
    let last = c.get(t.url(&format!("{path}?step=4"))).send().await.unwrap().text().await.unwrap();
    assert!(last.contains("真实性承诺") && last.contains("/submit"));

    // Submitting without the pledge is refused; the answers are kept.
    let submit = format!("{path}/submit");
    let res = post_step(&t, &c, &csrf, &submit, 4, &version, &[], &scene_fields(inst, 3)).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("请先签署真实性承诺"), "{html}");
    version = version_of(&html);

    // With the pledge: submitted, and the report at once.
    let res = post_step(&t, &c, &csrf, &submit, 4, &version, &[("pledge", "on")], &scene_fields(inst, 3)).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], format!("{path}/report").as_str());
    let report = c.get(t.url(&format!("{path}/report"))).send().await.unwrap();
    assert_eq!(report.status(), 200);
    let report = report.text().await.unwrap();
    assert!(report.contains("三级"), "all scenes at L3 with full points is 三级");
    assert!(report.contains("<svg") && report.contains("id=\"dimension-chart\""));
    assert!(report.contains("id=\"dimension-table\"") && report.contains("id=\"scene-table\""));
    assert!(report.contains("四级未达到"), "the trace names why 四级 was missed");
    assert!(report.contains("demo-enterprise"), "the pledge names who signed");

    // Submitted: read only; the file's history and the roll-ups record it.
    let page = c.get(t.url(&path)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("该评测已提交"));
    let res = post_step(&t, &c, &csrf, &path, 1, &version, &[("go", "save")], &step1).await;
    assert_eq!(res.status(), 403);
    let file = c.get(t.url(&format!("/enterprises/{eid}"))).send().await.unwrap().text().await.unwrap();
    assert!(file.contains("assessment.submit"));
    let mut conn = t.db();
    // The dashboards count its latest level on the whole region path (not elsewhere), and every
    // counter agrees with the records.
    for region in ["320102", "320100", "320000"] {
        assert!(db::dashboard::value(&mut conn, "e.level:3", region).await.unwrap() >= 1, "{region}");
    }
    assert_eq!(db::dashboard::value(&mut conn, "e.level:3", "320205").await.unwrap(), 0);
    let (_, diffs) = dengta::app::dashboard::check(&t.app.db).await.unwrap();
    assert!(diffs.is_empty(), "roll-ups differ from the records: {diffs:?}");

    // Out of scope: another city's enterprise and assessment do not exist for this user.
    for p in [
        format!("/enterprises/{}/assessments", f.other_city_enterprise),
        format!("/assessments/{}", f.other_city_assessment),
        format!("/assessments/{}/report", f.other_city_assessment),
    ] {
        assert_eq!(c.get(t.url(&p)).send().await.unwrap().status(), 404, "{p}");
    }
    let res = c
        .post(t.url(&format!("/enterprises/{}/assessments", f.other_city_enterprise)))
        .form(&[("_csrf", csrf.as_str()), ("kind", "self")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    // The enterprise cannot author an on-site rating.
    let res = c
        .post(t.url(&format!("/enterprises/{eid}/assessments")))
        .form(&[("_csrf", csrf.as_str()), ("kind", "onsite")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

async fn token_for(t: &TestApp, user: &str) -> String {
    dengta::app::accounts::create_token(&t.app, &dengta::app::Actor::cli(), user, "test").await.unwrap()
}

async fn api_round_trip_and_onsite_comparison(store: Store) {
    let t = TestApp::spawn(store).await;
    let f = fixture(&t.db()).await;
    let inst = latest_instrument("mfg-2024").unwrap();
    let c = reqwest::Client::new();
    let enterprise = token_for(&t, "demo-enterprise").await;
    let officer = token_for(&t, "demo-officer").await;
    let post =
        |tok: &str, body: serde_json::Value| c.post(t.url("/api/v1/assessments")).bearer_auth(tok).json(&body).send();

    // The enterprise's self-assessment: all scenes at L3 → 三级.
    let body =
        json!({ "enterprise_id": f.own_enterprise, "instrument_id": "mfg-2024", "answers": answers_json(inst, 3) });
    let res = post(&enterprise, body.clone()).await.unwrap();
    assert_eq!(res.status(), 422, "the pledge is required");
    let mut with_pledge = body.clone();
    with_pledge["pledge"] = json!(true);
    let res = post(&enterprise, with_pledge.clone()).await.unwrap();
    assert_eq!(res.status(), 201);
    let own: serde_json::Value = res.json().await.unwrap();
    assert_eq!(own["kind"], "self");
    assert_eq!(own["status"], "submitted");
    assert_eq!(own["result"]["level"]["rank"], 3);
    assert_eq!(own["result"]["total"], "100");
    assert!(own["result"]["trace"].as_array().unwrap().len() >= 2);
    assert!(!own["result"]["improvements"].as_array().unwrap().is_empty());

    // Another city's enterprise is not found; bad answers are a 422 listing every problem.
    let mut other = with_pledge.clone();
    other["enterprise_id"] = json!(f.other_city_enterprise);
    assert_eq!(post(&officer, other).await.unwrap().status(), 404);
    let mut empty = with_pledge.clone();
    empty["answers"] = json!({});
    let res = post(&enterprise, empty).await.unwrap();
    assert_eq!(res.status(), 422);
    let p: serde_json::Value = res.json().await.unwrap();
    assert!(p["detail"].as_str().unwrap().contains("未作答"), "{p}");

    // The on-site rating differs (scenes at L4 → 四级): a reason is required.
    let mut onsite = with_pledge.clone();
    onsite["answers"] = answers_json(inst, 4);
    assert_eq!(post(&officer, onsite.clone()).await.unwrap().status(), 422);
    onsite["adjust_reason"] = json!("现场核验：各场景均已达到 L4");
    let res = post(&officer, onsite).await.unwrap();
    assert_eq!(res.status(), 201);
    let rated: serde_json::Value = res.json().await.unwrap();
    assert_eq!(rated["kind"], "onsite");
    assert_eq!(rated["result"]["level"]["rank"], 4);

    // A second self-assessment links to the first and the report shows the change.
    let res = post(&enterprise, with_pledge).await.unwrap();
    let second: serde_json::Value = res.json().await.unwrap();
    assert_eq!(second["previous_id"], own["id"]);
    let (pc, _) = t.demo_login("demo-officer").await;
    let report =
        pc.get(t.url(&format!("/assessments/{}/report", second["id"]))).send().await.unwrap().text().await.unwrap();
    assert!(
        report.contains("id=\"change\"") && report.contains("<strong>0</strong>"),
        "change since the previous shown"
    );

    // Side by side, differences marked.
    let cmp = pc
        .get(t.url(&format!("/enterprises/{}/assessments/compare", f.own_enterprise)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(cmp.contains("企业自评") && cmp.contains("现场评定"));
    assert!(cmp.contains("class=\"differs\"") && cmp.contains("四级") && cmp.contains("三级"));

    // Roll-ups: the dashboards count each enterprise's latest self-assessment, and agree with the
    // records after self-assessments and on-site assessments alike.
    let (_, diffs) = dengta::app::dashboard::check(&t.app.db).await.unwrap();
    assert!(diffs.is_empty(), "roll-ups differ from the records: {diffs:?}");
}

async fn onsite_draft_starts_from_the_self_assessment(store: Store) {
    let t = TestApp::spawn(store).await;
    let f = fixture(&t.db()).await;
    let inst = latest_instrument("mfg-2024").unwrap();
    let tok = token_for(&t, "demo-enterprise").await;
    let body = json!({ "enterprise_id": f.own_enterprise, "answers": answers_json(inst, 3), "pledge": true });
    let res =
        reqwest::Client::new().post(t.url("/api/v1/assessments")).bearer_auth(&tok).json(&body).send().await.unwrap();
    assert_eq!(res.status(), 201);

    let (c, csrf) = t.demo_login("demo-officer").await;
    let res = c
        .post(t.url(&format!("/enterprises/{}/assessments", f.own_enterprise)))
        .form(&[("_csrf", csrf.as_str()), ("kind", "onsite"), ("instrument_id", "mfg-2024")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let loc = res.headers()["location"].to_str().unwrap().to_owned();
    let path = loc.split('?').next().unwrap().to_owned();
    let last = c.get(t.url(&format!("{path}?step=4"))).send().await.unwrap().text().await.unwrap();
    assert!(last.contains("adjust_reason"), "the on-site form asks for a reason");
    // Confirming the enterprise's answers (same level) needs no reason.
    let version = version_of(&last);
    let res =
        post_step(&t, &c, &csrf, &format!("{path}/submit"), 4, &version, &[("pledge", "on")], &scene_fields(inst, 3))
            .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap_or_default());
}

fn cli_scores_answers(_store: Store) {
    let inst = latest_instrument("mfg-2024").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("answers.json");
    std::fs::write(&file, answers_json(inst, 3).to_string()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dengta"))
        .env_remove("DENGTA_CONFIG")
        .args(["assess", "score", "--instrument", "mfg-2024"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["level"]["name"], "三级");
    assert_eq!(v["total"], "100");
    assert_eq!(v["instrument_id"], "mfg-2024");
    assert!(v["improvements"].is_array() && v["trace"].is_array());

    std::fs::write(&file, "{\"choices\": {}}").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dengta"))
        .env_remove("DENGTA_CONFIG")
        .args(["assess", "score", "--instrument", "mfg-2024"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("未作答"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dengta"))
        .env_remove("DENGTA_CONFIG")
        .args(["assess", "score", "--instrument", "nope"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn cli_score() {
    cli_scores_answers(Store::Sqlite)
}

// ───────────────────────────── rescoring under a newer version ─────────────────────────────

const MFG_2024: &str = include_str!("../../../../data/instruments/mfg-2024.toml");

/// The shipped 2024 file as another version: `id`, `version`, and, from version 2 on, 三级 from 45
/// points instead of 60; with `rename_e`, option E of 网络建设 is renamed F (same points), so
/// answers choosing E no longer validate.
fn mfg_variant(id: &str, version: u32, rename_e: bool) -> Instrument {
    let mut text = MFG_2024.replacen("id = \"mfg-2024\"", &format!("id = \"{id}\""), 1).replacen(
        "version = 1",
        &format!("version = {version}"),
        1,
    );
    if version > 1 {
        text = text.replacen("min_score = 60", "min_score = 45", 1);
    }
    if rename_e {
        let e = r#"{ id = "E", text = "网络覆盖整个生产现场且可扩展", points = 2 }"#;
        assert!(text.contains(e));
        text = text.replacen(e, r#"{ id = "F", text = "网络覆盖整个生产现场且可扩展", points = 2 }"#, 1);
    }
    Instrument::from_toml(&format!("{id}-v{version}.toml"), &text).unwrap()
}

/// Full points in 数字化基础 (网络建设 without option E unless `with_e`), the lowest answer
/// everywhere else, every scene at `scenes`: 48 (or 50) points, 二级 under the shipped rule.
fn half_answers(inst: &Instrument, with_e: bool, scenes: u8) -> dengta_domain::assessment::Answers {
    let mut a = dengta_domain::assessment::Answers::new();
    for (i, d) in inst.dimensions().iter().enumerate() {
        for q in d.sub_dimensions().iter().flat_map(|s| &s.indicators).flat_map(|x| &x.questions) {
            let options = q.kind.options();
            let chosen: Vec<&str> = match &q.kind {
                QuestionKind::Ratio(r) => {
                    let full = dengta_domain::assessment::Decimal::from_int(100);
                    a = a.input(&r.numerator, full).input(&r.denominator, full);
                    continue;
                }
                _ if i > 0 => vec![options.iter().min_by_key(|o| o.points).unwrap().id.as_str()],
                QuestionKind::Single { .. } => vec![options.iter().max_by_key(|o| o.points).unwrap().id.as_str()],
                QuestionKind::Multiple { .. } => options
                    .iter()
                    .filter(|o| !o.exclusive && (with_e || q.id != "network" || o.id != "E"))
                    .map(|o| o.id.as_str())
                    .collect(),
            };
            a = a.choose(&q.id, chosen);
        }
    }
    for s in inst.scenes() {
        a = a.scene(&s.id, scenes);
    }
    a
}

/// Stores a submitted assessment scored with `inst`, signed at a fixed time; returns its id.
async fn store_submitted(
    t: &TestApp,
    inst: &Instrument,
    enterprise_id: i64,
    kind: &str,
    answers: &dengta_domain::assessment::Answers,
) -> i64 {
    let r = dengta_domain::assessment::score(inst, answers).unwrap();
    let (answers_json, result_json) = (serde_json::to_string(answers).unwrap(), serde_json::to_string(&r).unwrap());
    let mut c = t.db();
    let n = db::assessments::NewDraft {
        enterprise_id,
        instrument_id: inst.id(),
        instrument_version: i64::from(inst.version()),
        instrument_fingerprint: inst.fingerprint(),
        kind,
        answers_json: &answers_json,
        created_by: "demo-enterprise",
    };
    let s = db::assessments::Submission {
        answers_json: &answers_json,
        result_json: &result_json,
        total_thousandths: r.total.thousandths(),
        level: i64::from(r.level.rank),
        pledge_by: "demo-enterprise",
        pledge_text: dengta::app::assessments::PLEDGE_TEXT,
        previous_id: None,
        adjust_reason: (kind == "onsite").then(|| "现场核验".to_owned()),
    };
    let id = db::assessments::insert_submitted(&mut c, &n, &s).await.unwrap();
    db::assessments::set_pledge_at(&mut c, id, Some(1_700_000_000_000)).await.unwrap();
    id
}

async fn row_json(t: &TestApp, id: i64) -> serde_json::Value {
    serde_json::to_value(db::assessments::get(&mut t.db(), id).await.unwrap().unwrap()).unwrap()
}

async fn rescore_stores_new_results_under_the_latest_version(store: Store) {
    use dengta::app::assessments::{RescoreOutcome, register_instrument, rescore};
    let t = TestApp::spawn(store).await;
    let f = fixture(&t.db()).await;
    // A test-only id, so other tests in the same process keep the shipped versions.
    let (v1, v2) = (mfg_variant("rescore-test", 1, false), mfg_variant("rescore-test", 2, true));
    register_instrument(v1.clone()).unwrap();
    let cli = dengta::app::Actor::cli();
    assert!(rescore(&t.app, &cli, "rescore-test").await.unwrap().is_empty(), "nothing older than v1");
    register_instrument(v2).unwrap();

    let eid = f.own_enterprise;
    let superseded = store_submitted(&t, &v1, eid, "self", &half_answers(&v1, false, 0)).await;
    let changes = store_submitted(&t, &v1, eid, "self", &half_answers(&v1, false, 3)).await;
    let invalid = store_submitted(&t, &v1, eid, "onsite", &half_answers(&v1, true, 3)).await;
    let unchanged = store_submitted(&t, &v1, eid, "provider", &half_answers(&v1, false, 0)).await;
    let before = row_json(&t, changes).await;
    assert_eq!((before["level"].as_i64(), before["total_thousandths"].as_i64()), (Some(2), Some(48_000)));

    let done = rescore(&t.app, &cli, "rescore-test").await.unwrap();
    let by_id = |id: i64| done.iter().find(|r| r.id == id).unwrap();
    assert_eq!(done.len(), 4);
    assert_eq!(by_id(superseded).outcome, RescoreOutcome::Superseded { by: changes });
    let RescoreOutcome::Invalid { problems } = &by_id(invalid).outcome else { panic!("{:?}", by_id(invalid)) };
    assert!(problems.contains("没有选项“E”"), "{problems}");
    let r = by_id(changes);
    assert!(r.level_changed());
    assert_eq!((r.before.as_str(), r.from_version, r.to_version), ("二级", 1, 2));
    let RescoreOutcome::Stored { new_id, level, .. } = &r.outcome else { panic!("{r:?}") };
    assert_eq!(level.name, "三级");
    assert!(!by_id(unchanged).level_changed());
    assert!(matches!(by_id(unchanged).outcome, RescoreOutcome::Stored { .. }));

    // The new row: same kind and answers, linked to the old one, the pledge kept; the old row as it was.
    let new = row_json(&t, *new_id).await;
    assert_eq!(new["kind"], "self");
    assert_eq!(new["status"], "submitted");
    assert_eq!(new["previous_id"], changes);
    assert_eq!(new["created_by"], "rescore");
    assert_eq!(new["instrument_version"], 2);
    assert_eq!(new["level"], 3);
    for k in ["answers_json", "pledge_by", "pledge_at", "pledge_text", "enterprise_id"] {
        assert_eq!(new[k], before[k], "{k}");
    }
    assert_eq!(row_json(&t, changes).await, before);
    let invalid_row = row_json(&t, invalid).await;
    assert_eq!(invalid_row["instrument_version"], 1);
    let n: i64 =
        t.db().scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'assessment.rescore'", vec![]).await.unwrap();
    assert_eq!(n, 2);
    let latest = db::assessments::latest_submitted(&mut t.db(), eid, "self", 0).await.unwrap().unwrap();
    assert_eq!(latest.id, *new_id);

    // Run again: what was re-scored is now superseded by its new row; nothing more is stored.
    let again = rescore(&t.app, &cli, "rescore-test").await.unwrap();
    assert!(again.iter().all(|r| !matches!(r.outcome, RescoreOutcome::Stored { .. })), "{again:?}");
    assert_eq!(again.iter().filter(|r| matches!(r.outcome, RescoreOutcome::Invalid { .. })).count(), 1);
    assert!(rescore(&t.app, &cli, "nope").await.is_err());
}

/// `dengta assess rescore` in its own process, which loads a version published in the database.
async fn cli_rescores_after_a_published_version(store: Store) {
    let t = TestApp::spawn(store).await;
    let f = fixture(&t.db()).await;
    // The shipped version itself, whatever other tests in this process registered.
    let v1 = &mfg_variant("mfg-2024", 1, false);
    let old = store_submitted(&t, v1, f.own_enterprise, "self", &half_answers(v1, false, 3)).await;

    // Nothing older than the latest version yet.
    let out = crate::audit::dengta(&t.database_url, &["assess", "rescore", "--instrument", "mfg-2024"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("rescored 0, level changed 0, invalid 0"));

    // Version 2 published in the database only (this process keeps the shipped registry).
    let body = MFG_2024.replacen("version = 1", "version = 2", 1).replacen("min_score = 60", "min_score = 45", 1);
    let v2 = Instrument::from_toml("mfg-2024-v2.toml", &body).unwrap();
    let row = db::instruments::InstrumentRow {
        instrument_id: "mfg-2024".into(),
        version: 2,
        file_name: "mfg-2024-v2.toml".into(),
        body: body.clone(),
        fingerprint: v2.fingerprint().to_owned(),
        published_by: "test".into(),
        published_at: 0,
    };
    db::instruments::insert(&mut t.db(), &row).await.unwrap();
    let out = crate::audit::dengta(&t.database_url, &["assess", "rescore", "--instrument", "mfg-2024"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains(&format!("assessment {old} (enterprise {}): 二级 → 三级", f.own_enterprise)), "{stdout}");
    assert!(stdout.contains("mfg-2024 v2") && stdout.contains("rescored 1, level changed 1, invalid 0"), "{stdout}");
    let latest = db::assessments::latest_submitted(&mut t.db(), f.own_enterprise, "self", 0).await.unwrap().unwrap();
    assert_eq!((latest.previous_id, latest.instrument_version, latest.level), (Some(old), 2, Some(3)));
}

on_both_stores!(
    questionnaire_through_the_pages,
    api_round_trip_and_onsite_comparison,
    onsite_draft_starts_from_the_self_assessment,
    rescore_stores_new_results_under_the_latest_version,
    cli_rescores_after_a_published_version
);
