//! Equipment on the cloud (设备上云): devices registered by the enterprise or its provider on a
//! project, seen only in scope; batches of readings where each bad reading is refused with its
//! reason and the good ones stored, exactly once (a resubmitted or parallel identical batch
//! stores nothing twice and adds nothing twice to the sums); KPIs equal to a hand computation
//! from the generated readings; raw readings swept after the retention, the sums kept.

use serde_json::{Value, json};

use crate::support::{Fixture, Store, TestApp, fixture, get, officer_token, page, post, token};
use dengta::db::{self, Arg};

const HOUR: i64 = 3_600_000;

/// The start of the hour two days ago: room for two days of readings before now.
fn base() -> i64 {
    let now = db::now_ms();
    (now - 2 * 24 * HOUR).div_euclid(HOUR) * HOUR
}

async fn device(t: &TestApp, tok: &str, enterprise: i64, body: Value) -> i64 {
    let (s, v) = post(t, tok, &format!("/api/v1/enterprises/{enterprise}/devices"), body).await;
    assert_eq!(s, 201, "{v}");
    v["id"].as_i64().expect("id")
}

fn reading(device: i64, ts: i64, run: i64, output: i64, good: i64, energy: i64) -> Value {
    json!({"device_id": device, "ts_ms": ts, "period_s": 60, "run_s": run, "planned_s": 60,
           "output_units": output, "good_units": good, "energy_wh": energy})
}

async fn count(t: &TestApp, sql: &str, id: i64) -> i64 {
    t.db().scalar(sql, vec![Arg::from(id)]).await.unwrap()
}

/// Two devices of the demo enterprise: one on its project with the demo provider (registered
/// by the provider), one registered by the enterprise without a provider.
async fn two_devices(t: &TestApp, f: &Fixture) -> (i64, i64) {
    let enterprise = token(t, "demo-enterprise").await;
    let provider = token(t, "demo-provider").await;
    let on_project = device(
        t,
        &provider,
        f.own_enterprise,
        json!({"code": "CNC-01", "name": "加工中心1号", "kind": "cnc", "protocol": "opc_ua", "gateway": "GW-1",
               "project_id": f.own_project, "ideal_cycle_ms": 2000}),
    )
    .await;
    let own = device(
        t,
        &enterprise,
        f.own_enterprise,
        json!({"code": "AC-01", "name": "空压机", "kind": "compressor", "protocol": "modbus_tcp"}),
    )
    .await;
    (on_project, own)
}

async fn registration_and_scope(store: Store) {
    let t = TestApp::spawn(store).await;
    let f = fixture(&t.db()).await;
    let enterprise = token(&t, "demo-enterprise").await;
    let provider = token(&t, "demo-provider").await;
    let (a, b) = two_devices(&t, &f).await;

    // A retry of the same registration finds the device; the same code with other values is refused.
    let same = json!({"code": "AC-01", "name": "空压机", "kind": "compressor", "protocol": "modbus_tcp"});
    let (s, v) = post(&t, &enterprise, &format!("/api/v1/enterprises/{}/devices", f.own_enterprise), same).await;
    assert_eq!((s, v["id"].as_i64()), (201, Some(b)), "{v}");
    let other = json!({"code": "AC-01", "name": "另一台", "kind": "compressor", "protocol": "modbus_tcp"});
    let (s, _) = post(&t, &enterprise, &format!("/api/v1/enterprises/{}/devices", f.own_enterprise), other).await;
    assert_eq!(s, 409);
    // Unknown type, and a provider without a project: refused, nothing stored.
    for (tok, body) in [
        (&enterprise, json!({"code": "X-1", "name": "x", "kind": "warp_drive", "protocol": "mqtt"})),
        (&provider, json!({"code": "X-2", "name": "x", "kind": "cnc", "protocol": "mqtt"})),
    ] {
        let (s, v) = post(&t, tok, &format!("/api/v1/enterprises/{}/devices", f.own_enterprise), body).await;
        assert_eq!(s, 422, "{v}");
    }
    assert_eq!(count(&t, "SELECT COUNT(*) FROM devices WHERE enterprise_id = $1", f.own_enterprise).await, 2);
    // Every registration audited.
    assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log WHERE action = 'device.register' AND 1 = $1", 1).await, 2);

    // Who sees them: the enterprise, its provider, an officer of 南京; not 无锡's officer (404),
    // not the provider on an enterprise it has no project with (404).
    let path = format!("/api/v1/enterprises/{}/devices", f.own_enterprise);
    for tok in [&enterprise, &provider, &token(&t, "demo-officer").await] {
        let (s, v) = get(&t, tok, &path).await;
        assert_eq!(s, 200, "{v}");
        let ids: Vec<i64> = v["items"].as_array().unwrap().iter().filter_map(|d| d["id"].as_i64()).collect();
        assert_eq!(ids, vec![a, b]);
    }
    let wuxi_officer = officer_token(&t, "wuxi-officer-eq", "320200").await;
    assert_eq!(get(&t, &wuxi_officer, &path).await.0, 404);
    assert_eq!(get(&t, &provider, &format!("/api/v1/enterprises/{}/devices", f.other_city_enterprise)).await.0, 404);
    let (s, _) =
        post(&t, &wuxi_officer, &path, json!({"code": "W-1", "name": "x", "kind": "cnc", "protocol": "mqtt"})).await;
    assert_eq!(s, 404);

    // Hostile windows are refused or answered, never a server error.
    for q in [
        "from=-9223372036854775808",
        "to=-9223372036854775808",
        "from=0&to=9223372036854775807",
        "to=9223372036854775807&bucket=hour",
        "from=9223372036854775807&to=-9223372036854775808",
    ] {
        let (s, v) = get(&t, &enterprise, &format!("/api/v1/enterprises/{}/kpis?{q}", f.own_enterprise)).await;
        assert!(s == 200 || s == 422, "{q}: {s} {v}");
    }
    let (s, v) =
        get(&t, &enterprise, &format!("/api/v1/enterprises/{}/kpis?from=0&to=9223372036854775807", f.own_enterprise))
            .await;
    assert_eq!((s, v["code"].as_str()), (422, Some("error.kpi_window")));

    // The enterprise file counts them.
    let html = page(&t, &enterprise, &format!("/enterprises/{}", f.own_enterprise)).await;
    assert!(html.contains("联网设备") && html.contains("CNC-01"), "the file lists the devices");
}

async fn bad_readings_are_refused_one_by_one(store: Store) {
    let t = TestApp::spawn(store).await;
    let f = fixture(&t.db()).await;
    let enterprise = token(&t, "demo-enterprise").await;
    let provider = token(&t, "demo-provider").await;
    let wuxi = token(&t, "wuxi-enterprise").await;
    let (a, b) = two_devices(&t, &f).await;
    let t0 = base();
    let now = db::now_ms();

    let mut batch = Vec::new();
    for i in 0..30 {
        batch.push(reading(a, t0 + i * 60_000, 50, 20, 19, 150));
    }
    let bad: Vec<(Value, &str)> = vec![
        (reading(999_999, t0, 50, 20, 19, 150), "unknown_device"),
        (reading(a, t0 + 40 * 60_000, 50, 20, 19, -5), "negative"),
        (reading(a, t0 + 41 * 60_000, 50, 20, 21, 150), "good_over_output"),
        (reading(a, t0 + 42 * 60_000, 61, 20, 19, 150), "run_over_planned"),
        (
            json!({"device_id": a, "ts_ms": t0 + 43 * 60_000, "period_s": 0, "run_s": 0, "planned_s": 0,
                "output_units": 0, "good_units": 0}),
            "bad_period",
        ),
        (
            json!({"device_id": a, "ts_ms": t0 + 44 * 60_000, "period_s": 60, "run_s": 30, "planned_s": 61,
                "output_units": 0, "good_units": 0}),
            "planned_over_period",
        ),
        (reading(a, now + 3_600_000, 50, 20, 19, 150), "in_future"),
        (reading(a, now - 100 * 24 * HOUR, 50, 20, 19, 150), "too_old"),
        (reading(a, t0 + 5 * 60_000, 50, 20, 18, 150), "conflicting_duplicate"),
        // The provider did not connect the enterprise's own compressor.
        (reading(b, t0, 50, 0, 0, 900), "unknown_device"),
        (reading(a, t0 + 7 * 60_000, 50, 20, 19, 150), ""),
    ];
    let mut expected: Vec<&str> = vec![""; batch.len()];
    for (r, why) in &bad {
        batch.push(r.clone());
        expected.push(why);
    }
    // The last one repeats a good reading with the same values: a duplicate, not a refusal.
    let (s, v) = post(&t, &provider, "/api/v1/devices/readings", json!({"readings": batch})).await;
    assert_eq!(s, 200, "{v}");
    let answers = v["readings"].as_array().unwrap();
    assert_eq!(answers.len(), expected.len());
    for (i, (ans, why)) in answers.iter().zip(&expected).enumerate() {
        assert_eq!(ans["index"].as_u64(), Some(i as u64));
        if why.is_empty() {
            assert!(ans["status"] == "stored" || i == answers.len() - 1, "{i}: {ans}");
            assert!(ans["reason"].is_null(), "{i}: {ans}");
        } else {
            assert_eq!((ans["status"].as_str(), ans["reason"].as_str()), (Some("refused"), Some(*why)), "{i}: {ans}");
            assert!(ans["text"].as_str().is_some_and(|s| !s.is_empty()));
        }
    }
    assert_eq!(answers.last().unwrap()["status"], "duplicate");
    assert_eq!((v["stored"].as_u64(), v["duplicates"].as_u64(), v["refused"].as_u64()), (Some(30), Some(1), Some(10)));
    assert_eq!(count(&t, "SELECT COUNT(*) FROM equipment_readings WHERE device_id = $1", a).await, 30);
    let hourly = |t: &TestApp| {
        let c = t.db();
        async move {
            c.scalar(
                "SELECT CAST(SUM(readings) * 1000000 + SUM(output_units) AS BIGINT) FROM equipment_hourly WHERE device_id = $1",
                vec![Arg::from(a)],
            )
            .await
            .unwrap()
        }
    };
    assert_eq!(hourly(&t).await, 30 * 1_000_000 + 30 * 20);

    // The same batch again (a retry): nothing stored twice, nothing added twice.
    let (s, v) = post(&t, &provider, "/api/v1/devices/readings", json!({"readings": batch})).await;
    assert_eq!(s, 200);
    assert_eq!((v["stored"].as_u64(), v["duplicates"].as_u64(), v["refused"].as_u64()), (Some(0), Some(31), Some(10)));
    assert_eq!(count(&t, "SELECT COUNT(*) FROM equipment_readings WHERE device_id = $1", a).await, 30);
    assert_eq!(hourly(&t).await, 30 * 1_000_000 + 30 * 20);

    // Late beyond the window (24 h behind the latest): refused; the enterprise may send for both.
    let (s, v) = post(
        &t,
        &enterprise,
        "/api/v1/devices/readings",
        json!({"readings": [reading(a, t0 - 25 * HOUR, 50, 20, 19, 150), reading(b, t0, 60, 0, 0, 900)]}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["readings"][0]["reason"], "too_late");
    assert_eq!(v["readings"][1]["status"], "stored");
    // Another enterprise's token: both devices unknown to it.
    let (_, v) =
        post(&t, &wuxi, "/api/v1/devices/readings", json!({"readings": [reading(a, t0 + HOUR, 50, 20, 19, 150)]}))
            .await;
    assert_eq!(v["readings"][0]["reason"], "unknown_device");
    // Roles without devices: 403; a batch over the limit: 422, nothing stored.
    let officer = token(&t, "demo-officer").await;
    assert_eq!(post(&t, &officer, "/api/v1/devices/readings", json!({"readings": []})).await.0, 403);
    let big: Vec<Value> = (0..5001).map(|i| reading(a, t0 + HOUR + i * 1000, 1, 0, 0, 0)).collect();
    assert_eq!(post(&t, &provider, "/api/v1/devices/readings", json!({"readings": big})).await.0, 422);
    assert_eq!(count(&t, "SELECT COUNT(*) FROM equipment_readings WHERE device_id = $1", a).await, 30);
}

async fn parallel_identical_batches_count_once(store: Store) {
    let t = TestApp::spawn(store).await;
    let f = fixture(&t.db()).await;
    let provider = token(&t, "demo-provider").await;
    let (a, _) = two_devices(&t, &f).await;
    let t0 = base();
    let batch: Vec<Value> = (0..600).map(|i| reading(a, t0 + i * 60_000, 45, 10, 9, 100)).collect();
    let body = json!({"readings": batch});
    let (x, y, z) = tokio::join!(
        post(&t, &provider, "/api/v1/devices/readings", body.clone()),
        post(&t, &provider, "/api/v1/devices/readings", body.clone()),
        post(&t, &provider, "/api/v1/devices/readings", body.clone()),
    );
    let stored: u64 = [&x, &y, &z]
        .iter()
        .map(|(s, v)| {
            assert_eq!(*s, 200, "{v}");
            v["stored"].as_u64().unwrap()
        })
        .sum();
    assert_eq!(stored, 600);
    assert_eq!(count(&t, "SELECT COUNT(*) FROM equipment_readings WHERE device_id = $1", a).await, 600);
    assert_eq!(
        count(&t, "SELECT CAST(SUM(readings) AS BIGINT) FROM equipment_hourly WHERE device_id = $1", a).await,
        600
    );
    assert_eq!(
        count(&t, "SELECT CAST(SUM(output_units) AS BIGINT) FROM equipment_daily WHERE device_id = $1", a).await,
        6000
    );
}

/// Half-up rounding of num/den, the way a person would round a percentage to 0.01 %.
fn round(num: i128, den: i128) -> i64 {
    ((2 * num + den) / (2 * den)) as i64
}

async fn kpis_match_a_hand_computation(store: Store) {
    let t = TestApp::spawn(store).await;
    let f = fixture(&t.db()).await;
    let provider = token(&t, "demo-provider").await;
    let officer = token(&t, "demo-officer").await;
    let (a, _) = two_devices(&t, &f).await;
    let t0 = base();
    // Six hours of readings with varying run, output and scrap (a fixed pseudo-random walk).
    let mut seed: u64 = 42;
    let mut next = |m: i64| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((seed >> 33) as i64) % m
    };
    let mut batch = Vec::new();
    let (mut run, mut planned, mut output, mut good, mut energy) = (0i64, 0i64, 0i64, 0i64, 0i64);
    for i in 0..360 {
        let p = 40 + next(21);
        let r = next(p + 1);
        let o = r / 2 + next(5);
        let g = o - next(o.min(3) + 1);
        let e = 100 + next(100);
        batch.push(json!({"device_id": a, "ts_ms": t0 + i * 60_000, "period_s": 60, "run_s": r, "planned_s": p,
                          "output_units": o, "good_units": g, "energy_wh": e}));
        (run, planned, output, good, energy) = (run + r, planned + p, output + o, good + g, energy + e);
    }
    let (s, v) = post(&t, &provider, "/api/v1/devices/readings", json!({"readings": batch})).await;
    assert_eq!((s, v["stored"].as_u64()), (200, Some(360)), "{v}");

    let path =
        format!("/api/v1/enterprises/{}/kpis?device={a}&bucket=hour&from={t0}&to={}", f.own_enterprise, t0 + 6 * HOUR);
    let (s, v) = get(&t, &officer, &path).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["points"].as_array().unwrap().len(), 6);
    let k = &v["total"]["kpis"];
    // By hand: A = run/planned, P = output × 2 s / run (≤ 1), Q = good/output.
    let ideal = (i128::from(output) * 2000).min(i128::from(run) * 1000);
    assert_eq!(k["availability_bp"].as_i64(), Some(round(i128::from(run) * 10_000, i128::from(planned))));
    assert_eq!(k["performance_bp"].as_i64(), Some(round(ideal * 10_000, i128::from(run) * 1000)));
    assert_eq!(k["quality_bp"].as_i64(), Some(round(i128::from(good) * 10_000, i128::from(output))));
    let oee = round(
        i128::from(run) * ideal * i128::from(good) * 10_000,
        i128::from(planned) * i128::from(run) * 1000 * i128::from(output),
    );
    assert_eq!(k["oee_bp"].as_i64(), Some(oee));
    assert_eq!(k["energy_mwh_per_unit"].as_i64(), Some(round(i128::from(energy) * 1000, i128::from(output))));
    assert_eq!(k["utilisation_bp"].as_i64(), Some(round(i128::from(run) * 10_000, 6 * 3600)));
    assert_eq!(v["total"]["output_units"].as_i64(), Some(output));
    // The project's devices: the same sums (the compressor is on no project and sent nothing).
    let (s, p) = get(
        &t,
        &officer,
        &format!("/api/v1/projects/{}/kpis?bucket=day&from={t0}&to={}", f.own_project, t0 + 6 * HOUR),
    )
    .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["total"]["kpis"]["oee_bp"].as_i64(), Some(oee));
    // Outside the officer's region: not found.
    let wuxi_officer = officer_token(&t, "wuxi-officer-kpi", "320200").await;
    assert_eq!(get(&t, &wuxi_officer, &path).await.0, 404);

    // Raw readings past the retention are swept; the sums stay.
    t.db()
        .execute(
            "UPDATE equipment_readings SET ts_ms = ts_ms - $1 WHERE device_id = $2",
            vec![Arg::from(200 * 24 * HOUR), Arg::from(a)],
        )
        .await
        .unwrap();
    let gone = dengta::app::equipment::purge_raw(&t.app).await.unwrap();
    assert_eq!(gone, 360);
    let (_, again) = get(&t, &officer, &path).await;
    assert_eq!(again["total"]["kpis"]["oee_bp"].as_i64(), Some(oee));
}

/// An OEE criterion ("OEE from 55 % to at least 65 %, a gain of 10 points") evaluated the way
/// acceptance evaluates it, from generated readings: passes; a higher target fails. The bundle
/// carries the devices, the measured KPIs and the daily sums behind them.
async fn an_oee_criterion_passes_and_fails(store: Store) {
    use dengta_domain::programme::Date;
    use dengta_domain::programme::contract::{Criterion, KpiName, evaluate};
    let t = TestApp::spawn(store).await;
    let f = fixture(&t.db()).await;
    let provider = token(&t, "demo-provider").await;
    let (a, _) = two_devices(&t, &f).await;
    let today = Date::from_unix_ms_beijing(db::now_ms());
    let (b_from, b_to, a_from, a_to) =
        (today.add_days(-10), today.add_days(-8), today.add_days(-4), today.add_days(-2));
    // One reading an hour: baseline A 75 % × P 80 % × Q 91.67 % = 55.00 %; after 90 % × 85 % × 96.3 % = 73.67 %.
    let hours = |from: Date, to: Date, run: i64, output: i64, good: i64| {
        let start = from.start_ms_beijing();
        let n = (to.days_between(from).abs() + 1) * 24;
        (0..n)
            .map(|h| {
                json!({"device_id": a, "ts_ms": start + h * HOUR, "period_s": 3600, "run_s": run,
                            "planned_s": 3600, "output_units": output, "good_units": good, "energy_wh": 5000})
            })
            .collect::<Vec<Value>>()
    };
    for batch in [hours(b_from, b_to, 2700, 1080, 990), hours(a_from, a_to, 3240, 1377, 1326)] {
        let (s, v) = post(&t, &provider, "/api/v1/devices/readings", json!({"readings": batch})).await;
        assert_eq!((s, v["refused"].as_u64()), (200, Some(0)), "{v}");
    }
    let oee = |target, min_gain| Criterion::DeviceKpi {
        kpi: KpiName::Oee,
        baseline_from: b_from,
        baseline_to: b_to,
        after_from: a_from,
        after_to: a_to,
        target,
        min_gain,
    };
    let criteria = [oee(6500, 1000), oee(7500, 0)];
    let measures = dengta::app::equipment::criteria_measures(&mut t.db(), f.own_project, &criteria).await.unwrap();
    let values: Vec<Option<i64>> = measures.iter().map(|m| m.value).collect();
    assert_eq!(values, vec![Some(5500), Some(7367)]);
    let evidence = dengta_domain::programme::contract::Evidence { device_kpis: measures, ..Default::default() };
    let (passed, note) = evaluate(&criteria[0], &evidence);
    assert!(passed, "{note}");
    let (passed, note) = evaluate(&criteria[1], &evidence);
    assert!(!passed && note.contains("未达到目标 75.00%"), "{note}");

    // The bundle: the project's devices and the daily sums of the last 90 days (no criterion in
    // its contract names a window).
    let officer = token(&t, "demo-officer").await;
    let res = reqwest::Client::new()
        .get(t.url(&format!("/api/v1/projects/{}/bundle", f.own_project)))
        .bearer_auth(&officer)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("zip");
    let mut text = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("08-设备数据.json").expect("device data"), &mut text).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["devices"][0]["id"].as_i64(), Some(a));
    let output: i64 = v["daily_sums"].as_array().unwrap().iter().filter_map(|d| d["output_units"].as_i64()).sum();
    assert_eq!(output, 72 * 1080 + 72 * 1377);
}

/// The step of the demo draft that asks for the networked-equipment count, and its page.
async fn networked_step(t: &TestApp, tok: &str, assessment: i64) -> String {
    for step in 1..=8 {
        let html = page(t, tok, &format!("/assessments/{assessment}?step={step}")).await;
        if html.contains("id=\"in-networked_equipment\"") {
            return html;
        }
    }
    panic!("no step asks for networked_equipment");
}

/// The value attribute of the networked-equipment input.
fn networked_value(html: &str) -> String {
    let at = html.find("id=\"in-networked_equipment\"").expect("input");
    let rest = &html[at..];
    let v = rest.find("value=\"").expect("value") + 7;
    rest[v..v + rest[v..].find('"').expect("end")].to_owned()
}

async fn the_device_count_is_offered_to_the_assessment(store: Store) {
    let t = TestApp::spawn(store).await;
    let f = fixture(&t.db()).await;
    let enterprise = token(&t, "demo-enterprise").await;
    let before = networked_step(&t, &enterprise, f.own_assessment).await;
    assert!(before.contains("平台已登记联网设备 0 台"), "the count is shown, none yet");
    let typed = networked_value(&before);
    two_devices(&t, &f).await;
    let after = networked_step(&t, &enterprise, f.own_assessment).await;
    assert!(after.contains("平台已登记联网设备 2 台"));
    // An empty answer starts from the count; an answer already given is left as it was.
    let expected = if typed.is_empty() { "2".to_owned() } else { typed };
    assert_eq!(networked_value(&after), expected);
    // The officer checking the draft sees the same evidence.
    let officer = token(&t, "demo-officer").await;
    let html = networked_step(&t, &officer, f.own_assessment).await;
    assert!(html.contains("平台已登记联网设备 2 台"));
}

/// A gateway's token sends the readings its user may send and can do nothing else; it is
/// listed with the user's tokens and dies when revoked.
async fn a_gateway_token_sends_readings_and_nothing_else(store: Store) {
    let t = TestApp::spawn(store).await;
    let f = fixture(&t.db()).await;
    let enterprise = token(&t, "demo-enterprise").await;
    let provider = token(&t, "demo-provider").await;
    let officer = token(&t, "demo-officer").await;
    let (a, b) = two_devices(&t, &f).await;
    let t0 = base();

    // Who may issue one, and what is refused: nothing stored for a refusal.
    assert_eq!(post(&t, &officer, "/api/v1/tokens/gateway", json!({"name": "x"})).await.0, 403);
    for body in [json!({"name": "   "}), json!({"name": "gw", "days": 0}), json!({"name": "a\u{7}b"})] {
        let (s, v) = post(&t, &enterprise, "/api/v1/tokens/gateway", body).await;
        assert_eq!(s, 422, "{v}");
    }
    let none = "SELECT COUNT(*) FROM api_tokens WHERE scope IS NOT NULL AND 1 = $1";
    assert_eq!(count(&t, none, 1).await, 0);
    let (s, v) = post(&t, &enterprise, "/api/v1/tokens/gateway", json!({"name": "一车间网关", "days": 30})).await;
    assert_eq!((s, v["scope"].as_str()), (201, Some("readings")), "{v}");
    let gw = v["token"].as_str().expect("token").to_owned();
    let gw_id = v["id"].as_i64().expect("id");
    let (s, v) = post(&t, &provider, "/api/v1/tokens/gateway", json!({"name": "集成商网关"})).await;
    assert_eq!(s, 201, "{v}");
    let pgw = v["token"].as_str().expect("token").to_owned();

    // It sends readings, as its user could.
    let (s, v) = post(&t, &gw, "/api/v1/devices/readings", json!({"readings": [reading(b, t0, 50, 0, 0, 900)]})).await;
    assert_eq!((s, v["readings"][0]["status"].as_str()), (200, Some("stored")), "{v}");
    // The provider's gateway: the device it connected, not the enterprise's own.
    let batch = json!({"readings": [reading(a, t0, 50, 20, 19, 150), reading(b, t0 + 60_000, 50, 0, 0, 900)]});
    let (s, v) = post(&t, &pgw, "/api/v1/devices/readings", batch).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["readings"][0]["status"], "stored");
    assert_eq!(v["readings"][1]["reason"], "unknown_device");

    // Nothing else: not the API, not pages, not another token.
    let devices = format!("/api/v1/enterprises/{}/devices", f.own_enterprise);
    for path in [devices.as_str(), "/api/v1/workbench", "/api/v1/tokens"] {
        let (s, v) = get(&t, &gw, path).await;
        assert_eq!(s, 403, "{path}: {v}");
    }
    let (s, _) = post(&t, &gw, "/api/v1/tokens/gateway", json!({"name": "another"})).await;
    assert_eq!(s, 403);
    let (s, _) = post(&t, &gw, &devices, json!({"code": "GW-X", "name": "x", "kind": "cnc", "protocol": "mqtt"})).await;
    assert_eq!(s, 403);
    let res = reqwest::Client::new()
        .get(t.url(&format!("/enterprises/{}", f.own_enterprise)))
        .bearer_auth(&gw)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("该令牌只能上传设备读数"));

    // Listed with the user's tokens, audited, and dead once revoked.
    let (_, v) = get(&t, &enterprise, "/api/v1/tokens").await;
    let listed = v["items"].as_array().unwrap().iter().find(|x| x["id"].as_i64() == Some(gw_id)).cloned();
    assert_eq!(listed.as_ref().map(|x| x["scope"].clone()), Some(json!("readings")), "{v}");
    let audited =
        "SELECT COUNT(*) FROM audit_log WHERE action = 'token.create' AND detail LIKE '%scope=readings%' AND 1 = $1";
    assert_eq!(count(&t, audited, 1).await, 2);
    let (s, _) = post(&t, &enterprise, "/api/v1/tokens/revoke", json!({"id": gw_id})).await;
    assert_eq!(s, 204);
    let (s, _) =
        post(&t, &gw, "/api/v1/devices/readings", json!({"readings": [reading(b, t0 + HOUR, 50, 0, 0, 900)]})).await;
    assert_eq!(s, 401);

    // The page: the enterprise issues one there and sees it once.
    let html = page(&t, &enterprise, "/account/tokens").await;
    assert!(html.contains("一车间网关") && html.contains("仅读数"), "listed with its scope");
    assert!(!page(&t, &officer, "/account/tokens").await.contains("action=\"/account/tokens/gateway\""));
}

on_both_stores!(a_gateway_token_sends_readings_and_nothing_else);
on_both_stores!(the_device_count_is_offered_to_the_assessment);
on_both_stores!(an_oee_criterion_passes_and_fails);
on_both_stores!(registration_and_scope);
on_both_stores!(bad_readings_are_refused_one_by_one);
on_both_stores!(parallel_identical_batches_count_once);
on_both_stores!(kpis_match_a_hand_computation);
