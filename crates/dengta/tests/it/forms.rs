//! Forms that keep what was typed: a refused form on the project, pilot and provider pages
//! answers 422 with the message and every field as it was sent — text, repeated lines, chosen
//! options, ticked and unticked boxes — only in the form that was refused, and changes nothing;
//! the message is shown beside the field it concerns.

use serde_json::json;

use crate::support::{Fixture, Store, TestApp, fixture, post, token};
use dengta::db;

async fn send(c: &reqwest::Client, t: &TestApp, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let res = c.post(t.url(path)).form(form).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

async fn status_of(t: &TestApp, project: i64) -> String {
    t.db()
        .fetch_one::<(String,)>("SELECT status FROM projects WHERE id = $1", vec![db::Arg::from(project)])
        .await
        .unwrap()
        .0
}

/// The demo with the fixture, its own project under diagnosis by its provider.
async fn diagnosing(store: Store) -> (TestApp, Fixture) {
    let t = TestApp::spawn(store).await;
    let f = fixture(&t.db()).await;
    let provider = token(&t, "demo-provider").await;
    let path = format!("/api/v1/projects/{}/transitions", f.own_project);
    assert_eq!(post(&t, &provider, &path, json!({"action": "start_diagnosis"})).await.0, 200);
    (t, f)
}

async fn refused_forms_come_back_as_typed(store: Store) {
    let (t, f) = diagnosing(store).await;

    // The diagnosis without its report is refused; what was typed comes back.
    let (c, csrf) = t.demo_login("demo-provider").await;
    let diagnosis = format!("/projects/{}/diagnosis", f.own_project);
    let form = [
        ("_csrf", csrf.as_str()),
        ("survey_date", "2025-03-02"),
        ("surveyors", "王工、李工 <b>&</b>"),
        ("gaps", "设备未联网，点检靠纸质记录"),
        ("recommendations", "部署设备联网与点检系统"),
    ];
    let (s, html) = send(&c, &t, &diagnosis, &form).await;
    assert_eq!(s, 422);
    assert!(html.contains("id=\"form-error\"") || html.contains("role=\"alert\""), "the reason is shown");
    assert!(html.contains("value=\"2025-03-02\""), "the date is kept");
    assert!(
        html.contains("value=\"王工、李工 &#60;b&#62;&#38;&#60;/b&#62;\"")
            || html.contains("王工、李工 &lt;b&gt;&amp;&lt;/b&gt;"),
        "kept, escaped"
    );
    assert!(html.contains(">设备未联网，点检靠纸质记录</textarea>"));
    assert!(html.contains(">部署设备联网与点检系统</textarea>"));
    assert_eq!(status_of(&t, f.own_project).await, "diagnosing", "nothing changed");

    // A cancellation without a reason: refused; the other forms stay empty.
    let (oc, ocsrf) = t.demo_login("demo-officer").await;
    let step = format!("/projects/{}/step", f.own_project);
    let (s, html) =
        send(&oc, &t, &step, &[("_csrf", &ocsrf), ("action", "cancel"), ("reason", "   "), ("version", "0")]).await;
    assert_eq!(s, 422);
    assert!(!html.contains("value=\"2025-03-02\""), "another person's page, another form: nothing carried over");
    assert_eq!(status_of(&t, f.own_project).await, "diagnosing");

    // A provider step on the pool page: an order to rectify needs a deadline; the reason stays.
    let (s, html) = send(
        &oc,
        &t,
        &format!("/providers/{}/step", f.own_provider),
        &[("_csrf", &ocsrf), ("action", "warn"), ("reason", ""), ("version", "0")],
    )
    .await;
    assert_eq!(s, 422, "a warning without a reason is refused");
    let (s, html2) = send(
        &oc,
        &t,
        &format!("/providers/{}/step", f.own_provider),
        &[("_csrf", &ocsrf), ("action", "remove"), ("reason", "连续两次评价不合格"), ("version", "999")],
    )
    .await;
    assert_eq!(s, 422, "a stale version is refused");
    assert!(html2.contains("value=\"连续两次评价不合格\""), "the reason is kept in its own form");
    assert!(!html.contains("连续两次评价不合格"));
}

/// The message beside the field, when the refusal is about one: `err-<form>-<field>` after the
/// input, which is marked invalid and described by it.
fn beside(html: &str, form: &str, field: &str) -> Option<String> {
    let id = format!("id=\"err-{form}-{field}\">");
    let at = html.find(&id)? + id.len();
    let message = html[at..].split("</p>").next()?.to_owned();
    let described = html.contains(&format!("aria-invalid=\"true\" aria-describedby=\"err-{form}-{field}\""));
    described.then_some(message)
}

async fn a_refusal_is_shown_beside_its_field(store: Store) {
    let (t, f) = diagnosing(store).await;

    // A malformed survey date: the message is beside the date, and nowhere else.
    let (c, csrf) = t.demo_login("demo-provider").await;
    let form = [
        ("_csrf", csrf.as_str()),
        ("survey_date", "2025-13-45"),
        ("surveyors", "王工"),
        ("gaps", "设备未联网"),
        ("recommendations", "部署设备联网"),
    ];
    let (s, html) = send(&c, &t, &format!("/projects/{}/diagnosis", f.own_project), &form).await;
    assert_eq!(s, 422);
    let note = beside(&html, "diagnosis", "survey_date").expect("the message beside the survey date");
    assert!(note.starts_with("日期格式应为 YYYY-MM-DD"), "{note}");
    assert_eq!(html.matches("class=\"field-error\"").count(), 1, "beside that field alone");
    assert!(beside(&html, "diagnosis", "surveyors").is_none());

    // A step without its reason: beside the reason of that step's form.
    let (oc, ocsrf) = t.demo_login("demo-officer").await;
    let step = format!("/projects/{}/step", f.own_project);
    let (s, html) =
        send(&oc, &t, &step, &[("_csrf", &ocsrf), ("action", "cancel"), ("reason", " "), ("version", "0")]).await;
    assert_eq!(s, 422);
    assert!(beside(&html, "cancel", "reason").is_some_and(|m| m.contains("请填写理由")), "{html}");

    // On the pool page too; and a refusal about no field (a stale version) is beside none.
    let pool = format!("/providers/{}/step", f.own_provider);
    let (s, html) =
        send(&oc, &t, &pool, &[("_csrf", &ocsrf), ("action", "warn"), ("reason", ""), ("version", "0")]).await;
    assert_eq!(s, 422);
    assert!(beside(&html, "warn", "reason").is_some(), "{html}");
    let form = [("_csrf", ocsrf.as_str()), ("action", "remove"), ("reason", "连续两次评价不合格"), ("version", "999")];
    let (s, html) = send(&oc, &t, &pool, &form).await;
    assert_eq!(s, 422);
    assert!(!html.contains("class=\"field-error\"") && !html.contains("aria-invalid"), "no field to blame");

    // In English when chosen, beside the field it concerns (a webhook's address).
    let (sc, scsrf) = t.demo_login("demo-sysadmin").await;
    let form = [("_csrf", scsrf.as_str()), ("url", "ftp://hooks.example/x"), ("region", "320100"), ("kinds", "*")];
    sc.get(t.url("/lang/en")).send().await.unwrap();
    let res = sc.post(t.url("/admin/webhooks")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("value=\"ftp://hooks.example/x\""), "kept as typed");
    let note = beside(&html, "webhook", "url").expect("beside the address");
    assert!(note.starts_with("The receiver must be a full http:// address"), "{note}");
    assert!(beside(&html, "webhook", "region").is_none());
}

on_both_stores!(refused_forms_come_back_as_typed, a_refusal_is_shown_beside_its_field);
