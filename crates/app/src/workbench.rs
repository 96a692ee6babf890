//! The workbench (工作台): a person's to-dos (待办), derived from the state of each workflow by
//! the queues of `domain::workbench`, their own recent steps (已办), and for an enterprise its
//! journey with the next step. One indexed statement per queue; the side navigation's counts
//! are kept per user until anything is written (`db::changes`) and for at most
//! [`COUNTS_FOR_MS`], so a page view costs nothing more while nothing changes.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use dengta_domain::programme::acceptance::AcceptanceState;
use dengta_domain::programme::workflow::{EnrolmentActor, EnrolmentState, ProjectState};
use dengta_domain::region::{RegionCode, RegionLevel};
use dengta_domain::role::{Principal, Role};
use dengta_domain::workbench::{self as wb, Also, Journey, JourneyFacts, Party, Queue, Subject};
use serde::Serialize;

use super::{App, AppResult};
use crate::db::workbench::{self as store, ItemRow, Scope, Source};
use crate::db::{self, Conn};

/// Records read per queue at most: a queue longer than this says so (`more`).
const PER_QUEUE: i64 = 200;
/// Steps shown as done.
const DONE: i64 = 20;

/// One to-do.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Todo {
    /// The queue's key (`domain::workbench::QUEUES`).
    pub queue: &'static str,
    pub task_zh: &'static str,
    pub task_en: &'static str,
    pub id: i64,
    pub about: String,
    pub detail: String,
    pub region_code: String,
    /// Since when it waits (ms).
    pub since: i64,
    /// By when (ms), when the step has a date: the end of a 公示 period, a project's due date.
    pub deadline: Option<i64>,
    /// The page that opens the action.
    pub href: String,
    /// The side-navigation entry it counts toward.
    pub nav: &'static str,
}

impl Todo {
    pub fn task(&self, english: bool) -> &'static str {
        if english { self.task_en } else { self.task_zh }
    }
}

/// A step the caller took.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Done {
    pub subject: String,
    pub subject_id: i64,
    pub action: String,
    pub to_state: String,
    pub at: i64,
    pub href: String,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Workbench {
    pub todos: Vec<Todo>,
    /// Queues that hold more than could be listed.
    pub more: Vec<&'static str>,
    pub done: Vec<Done>,
    /// The enterprise's journey (enterprise accounts bound to an enterprise).
    pub journey: Option<Journey>,
}

/// The page of a record.
/// The page where a subject is acted on (an acceptance's `id` is its project's).
pub fn page_of(target: &str, id: i64) -> String {
    match target {
        "enrolment" => format!("/enrolments/{id}"),
        "project" | "acceptance" => format!("/projects/{id}"),
        "subsidy" => format!("/subsidies/{id}"),
        "provider" => format!("/providers/{id}"),
        "solution" => format!("/solutions/{id}"),
        "review" => format!("/reviews/{id}"),
        "claims" => "/claims".to_owned(),
        "chain" => format!("/chains/{id}"),
        _ => "/home".to_owned(),
    }
}

fn source(q: &Queue, now: i64) -> Source {
    match (q.subject, q.also) {
        (Subject::Enrolment, _) => Source::Enrolments,
        (Subject::Project, Also::DiagnosisSubmitted) => Source::ProjectsDiagnosis(true),
        (Subject::Project, Also::DiagnosisNotSubmitted) => Source::ProjectsDiagnosis(false),
        (Subject::Project, Also::Overdue) => Source::ProjectsOverdue(now),
        (Subject::Project, _) => Source::Projects,
        (Subject::Acceptance, Also::Unrated) => Source::AcceptancesUnrated,
        (Subject::Acceptance, _) => Source::Acceptances,
        (Subject::Subsidy, _) => Source::Subsidies,
        (Subject::Objection, _) => Source::Objections,
        (Subject::IntegrityFlag, _) => Source::IntegrityFlags,
        (Subject::Claim, _) => Source::Claims,
        (Subject::Provider, _) => Source::Providers,
        (Subject::Solution, _) => Source::Solutions,
        (Subject::Review, _) => Source::Reviews,
        (Subject::Chain, _) => Source::Chains,
    }
}

/// Whether a district or city step on `row` is this officer's: the same rule the workflows
/// apply when the step is taken.
fn officer_part(p: &Principal, party: Party, row: &ItemRow) -> bool {
    let wanted = match party {
        Party::DistrictOfficer => EnrolmentActor::DistrictOfficer,
        Party::CityOfficer => EnrolmentActor::CityOfficer,
        _ => return true,
    };
    let (Ok(region), Ok(prog)) = (RegionCode::parse(&row.region_code), super::programmes::programme(&row.programme_id))
    else {
        return false;
    };
    EnrolmentActor::roles_of(&p.region, &region, prog.region_code()).contains(&wanted)
}

/// The to-dos of every queue of the caller's role, and the queues that hold more.
async fn todos(c: &mut impl Conn, p: &Principal, now: i64) -> AppResult<(Vec<Todo>, Vec<&'static str>)> {
    let bounds = p.region.subtree_bounds();
    let own = (p.region.as_str().to_owned(), p.region.as_str().to_owned());
    let city_officer = super::programmes::programmes()?.iter().any(|g| g.region_code() == &p.region);
    let mut out = Vec::new();
    let mut more = Vec::new();
    for q in wb::queues_for(p.role) {
        let scope = match q.party {
            Party::Enterprise => match p.enterprise_id {
                Some(id) => Scope::Enterprise(id),
                None => continue,
            },
            Party::Provider => match p.provider_id {
                Some(id) => Scope::Provider(id),
                None => continue,
            },
            Party::Expert => Scope::Expert(p.user_id),
            Party::Officer => Scope::Region(&bounds),
            // The district's step is a county officer's (or, for an enterprise registered at
            // the officer's own code, that officer's): the read is narrowed to those rows, so
            // a city officer's list is not filled with rows the filter below would drop.
            Party::DistrictOfficer if p.region.level() == RegionLevel::County => Scope::Region(&bounds),
            Party::DistrictOfficer => Scope::Region(&own),
            // The city's step is the programme region's officer's: none of it is for others.
            Party::CityOfficer if city_officer => Scope::Region(&bounds),
            Party::CityOfficer => continue,
        };
        let rows = store::items(c, source(q, now), q.state, scope, PER_QUEUE).await?;
        if rows.len() as i64 >= PER_QUEUE {
            more.push(q.key);
        }
        for row in rows.into_iter().filter(|r| officer_part(p, q.party, r)) {
            out.push(Todo {
                queue: q.key,
                task_zh: q.task_zh,
                task_en: q.task_en,
                href: page_of(&row.target, row.target_id),
                id: row.id,
                about: row.about,
                detail: row.detail,
                region_code: row.region_code,
                since: row.since,
                deadline: match q.deadline {
                    wb::Deadline::None => None,
                    _ => row.deadline,
                },
                nav: q.nav,
            });
        }
    }
    // By deadline first (the nearest on top), then the longest waiting.
    out.sort_by_key(|t| (t.deadline.is_none(), t.deadline.unwrap_or(0), t.since));
    Ok((out, more))
}

/// The enterprise's journey from its records.
async fn journey(c: &mut impl Conn, enterprise_id: i64) -> AppResult<Journey> {
    let r = store::journey(c, enterprise_id).await?;
    let facts = JourneyFacts {
        assessed: r.assessed > 0,
        enrolment: r.enrolment.as_deref().and_then(EnrolmentState::parse),
        project: r.project.as_deref().and_then(ProjectState::parse),
        acceptance: r.acceptance.as_deref().and_then(AcceptanceState::parse),
        paid: r.paid > 0,
    };
    Ok(wb::journey(&facts))
}

/// The caller's workbench.
pub async fn workbench(app: &App, p: &Principal) -> AppResult<Workbench> {
    let now = db::now_ms();
    let mut c = app.db.read().await?;
    let (todos, more) = todos(&mut c, p, now).await?;
    let done = store::done(&mut c, &p.username, DONE)
        .await?
        .into_iter()
        .map(|d| Done {
            href: page_of(&d.subject, d.subject_id),
            subject: d.subject,
            subject_id: d.subject_id,
            action: d.action,
            to_state: d.to_state,
            at: d.at,
        })
        .collect();
    let journey = match (p.role, p.enterprise_id) {
        (Role::Enterprise, Some(id)) => Some(journey(&mut c, id).await?),
        _ => None,
    };
    Ok(Workbench { todos, more, done, journey })
}

/// To-dos per side-navigation entry ("" for the total), and "unread" messages.
pub type Counts = BTreeMap<&'static str, usize>;

/// A user's counts with the change epoch and the time they were read at.
type Entry = (u64, i64, Arc<Counts>);

/// Each user's counts (see [`nav_counts`]).
#[derive(Default)]
pub struct CountCache {
    entries: Mutex<HashMap<i64, Entry>>,
}

/// Entries kept at most; when full, all are forgotten (they are cheap to read again).
const CACHE_CAPACITY: usize = 20_000;

/// How long counts may be shown without reading them again even when this process wrote
/// nothing: another server of the same database may have, and deadlines pass (an overdue
/// project) without any write.
pub const COUNTS_FOR_MS: i64 = super::callers::REMEMBER_MS;

/// Whether counts read at (`epoch`, `at`) may be shown at (`now_epoch`, `now`).
fn fresh(epoch: u64, at: i64, now_epoch: u64, now: i64) -> bool {
    epoch == now_epoch && now >= at && now - at < COUNTS_FOR_MS
}

/// The caller's to-do counts for the side navigation, and their unread messages under
/// "unread": read again only after a write.
pub async fn nav_counts(app: &App, p: &Principal) -> AppResult<Arc<Counts>> {
    let epoch = db::changes::epoch();
    let now = db::now_ms();
    let cache = &app.workbench_counts;
    if let Some((e, at, counts)) = cache.entries.lock().unwrap_or_else(PoisonError::into_inner).get(&p.user_id)
        && fresh(*e, *at, epoch, now)
    {
        return Ok(counts.clone());
    }
    let mut c = app.db.read().await?;
    let (todos, _) = todos(&mut c, p, now).await?;
    drop(c);
    let mut counts = Counts::new();
    for t in &todos {
        *counts.entry(t.nav).or_insert(0) += 1;
    }
    counts.insert("", todos.len());
    let unread = db::events::unread(&mut app.db.clone(), p.user_id).await?;
    counts.insert("unread", usize::try_from(unread).unwrap_or(0));
    let counts = Arc::new(counts);
    let mut entries = cache.entries.lock().unwrap_or_else(PoisonError::into_inner);
    if entries.len() >= CACHE_CAPACITY {
        entries.clear();
    }
    entries.insert(p.user_id, (epoch, now, counts.clone()));
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_read_again_after_a_write_or_a_moment() {
        assert!(fresh(7, 1_000, 7, 1_000 + COUNTS_FOR_MS - 1));
        assert!(!fresh(7, 1_000, 8, 1_001), "a write in this process");
        assert!(!fresh(7, 1_000, 7, 1_000 + COUNTS_FOR_MS), "a write elsewhere, or a deadline passing");
        assert!(!fresh(7, 1_000, 7, 999), "a clock that went back");
    }
}
