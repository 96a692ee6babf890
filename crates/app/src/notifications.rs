//! In-platform messages (站内信). Every workflow step is an event (`db::events`), written in the
//! step's transaction together with a message for each user of the enterprise and the provider
//! it concerns — the application decided, the 公示 started, the acceptance decided, the subsidy
//! paid — except the person who took it. Here: reading them, marking them read, and the kinds a
//! person chose not to be told about.

use dengta_domain::programme::acceptance::{AcceptanceAction, SubsidyAction};
use dengta_domain::programme::cases::CaseAction;
use dengta_domain::programme::workflow::{EnrolmentAction, ProjectAction};
use dengta_domain::role::Principal;
use serde::Serialize;

use super::{App, AppError, AppResult};
use crate::db::events as store;

/// Messages listed at most.
const LIMIT: i64 = 200;

/// The label of a workflow step ("subject", "action") in Chinese and English, when known.
pub fn step_label(subject: &str, action: &str) -> Option<(&'static str, &'static str)> {
    match subject {
        "enrolment" => EnrolmentAction::parse(action).map(|a| (a.label_zh(), a.label_en())),
        "project" => ProjectAction::parse(action).map(|a| (a.label_zh(), a.label_en())),
        "acceptance" => AcceptanceAction::parse(action).map(|a| (a.label_zh(), a.label_en())),
        "subsidy" => SubsidyAction::parse(action).map(|a| (a.label_zh(), a.label_en())),
        "case" => CaseAction::parse(action).map(|a| (a.label_zh(), a.label_zh())),
        _ => None,
    }
    .or(match action {
        "create" => Some(("创建", "Created")),
        "apply" => Some(("提交申请", "Applied")),
        "compute" => Some(("核算", "Computed")),
        "nominate" => Some(("推荐", "Nominated")),
        "objection" => Some(("收到公示异议", "Objection lodged")),
        _ => None,
    })
}

/// A kind's label: "subject：action" in Chinese and English.
pub fn kind_label(kind: &str) -> (String, String) {
    let (subject, action) = kind.split_once('.').unwrap_or((kind, ""));
    let (szh, sen) = subject_label(subject);
    let (azh, aen) = step_label(subject, action).unwrap_or((action, action));
    (format!("{szh}：{azh}"), format!("{sen}: {aen}"))
}

/// What a subject is called.
fn subject_label(subject: &str) -> (&'static str, &'static str) {
    match subject {
        "enrolment" => ("试点企业申请", "Pilot application"),
        "project" => ("改造项目", "Project"),
        "acceptance" => ("验收", "Acceptance"),
        "subsidy" => ("奖补资金", "Subsidy"),
        "case" => ("典型案例", "Typical case"),
        "provider" => ("服务商", "Provider"),
        _ => ("事项", "Item"),
    }
}

/// Every kind of event a person can be told about (and may mute): "subject.action".
pub fn kinds() -> Vec<String> {
    let mut out = Vec::new();
    out.extend(EnrolmentAction::ALL.iter().map(|a| format!("enrolment.{}", a.code())));
    out.extend(ProjectAction::ALL.iter().map(|a| format!("project.{}", a.code())));
    out.extend(AcceptanceAction::ALL.iter().map(|a| format!("acceptance.{}", a.code())));
    out.extend(SubsidyAction::ALL.iter().map(|a| format!("subsidy.{}", a.code())));
    out.extend(CaseAction::ALL.iter().map(|a| format!("case.{}", a.code())));
    // The first step of each record, which is not a transition of its machine.
    out.extend(
        ["enrolment.apply", "project.create", "acceptance.apply", "subsidy.compute", "case.nominate"].map(String::from),
    );
    // An objection lodged during 公示, by what it is against.
    out.extend(["enrolment.objection", "subsidy.objection", "provider.objection"].map(String::from));
    out
}

/// A message (站内信) about a step on something the person deals with.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Message {
    pub id: i64,
    pub kind: String,
    pub title_zh: String,
    pub title_en: String,
    pub subject: String,
    pub subject_id: i64,
    /// The page the message is about.
    pub href: String,
    pub created_at: i64,
    pub read: bool,
}

/// The page a message is about: its subject's (an acceptance's page is its project's).
pub fn href(subject: &str, id: i64, project_id: Option<i64>) -> String {
    match (subject, project_id) {
        // An acceptance lives on its project's page.
        ("acceptance", Some(p)) => super::workbench::page_of(subject, p),
        ("acceptance", None) => "/home".to_owned(),
        _ => super::workbench::page_of(subject, id),
    }
}

pub async fn messages(app: &App, p: &Principal, unread_only: bool) -> AppResult<Vec<Message>> {
    let rows = store::messages(&mut app.db.clone(), p.user_id, unread_only, LIMIT).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let (title_zh, title_en) = kind_label(&r.kind);
            let href = href(&r.subject, r.subject_id, r.project_id);
            Message {
                id: r.id,
                title_zh,
                title_en,
                kind: r.kind,
                subject: r.subject,
                subject_id: r.subject_id,
                href,
                created_at: r.created_at,
                read: r.read_at.is_some(),
            }
        })
        .collect())
}

pub async fn unread(app: &App, p: &Principal) -> AppResult<i64> {
    Ok(store::unread(&mut app.db.clone(), p.user_id).await?)
}

/// Marks one of the caller's messages read, or all of them; returns how many changed.
pub async fn mark_read(app: &App, p: &Principal, id: Option<i64>) -> AppResult<u64> {
    Ok(store::mark_read(&mut app.db.clone(), p.user_id, id).await?)
}

pub async fn mutes(app: &App, p: &Principal) -> AppResult<Vec<String>> {
    Ok(store::mutes(&mut app.db.clone(), p.user_id).await?)
}

/// Replaces the kinds the caller does not want to be told about; an unknown kind changes nothing.
pub async fn set_mutes(app: &App, p: &Principal, kinds: &[String]) -> AppResult<()> {
    let known = self::kinds();
    if let Some(bad) = kinds.iter().find(|k| !known.contains(k)) {
        return Err(AppError::invalid("error.bad_request", bad.clone()));
    }
    let mut tx = app.db.begin().await?;
    store::set_mutes(&mut tx, p.user_id, kinds).await?;
    tx.commit().await?;
    Ok(())
}
