//! The demo city (`dengta serve --demo`) is built through the use-cases, so it keeps every rule
//! the platform enforces: each approved or paid subsidy stands on a project that went through
//! diagnosis, contract, filing, milestones with evidence and an acceptance with a complete
//! checklist and an on-site assessment made after completion; every record's state is the last
//! step of its history; the ledger reconciles and the audit chain verifies; projects stand in
//! every state. Loading it again changes nothing.

use std::sync::atomic::Ordering;

use dengta::app::demo::{self, DemoOutcome, Scale};
use dengta::db::Arg;
use dengta::server::Server;
use dengta_domain::programme::workflow::ProjectState;

use crate::support::{Store, fresh_database, settings};

async fn the_demo_city_keeps_every_rule(store: Store) {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(store, dir.path()).await;
    let mut s = settings(&url);
    s.data_dir = dir.path().join("data").display().to_string();
    let server = Server::build(s).await.unwrap();
    let app = server.app.clone();
    let loaded = demo::load(&app, Scale::City { enterprises: 60 }).await.unwrap();
    assert_eq!(loaded.ok(), Some(DemoOutcome::Loaded));
    app.demo.store(true, Ordering::Relaxed);
    let c = app.db.clone();
    let count = |sql: &'static str, args: Vec<Arg>| {
        let c = c.clone();
        async move { c.scalar(sql, args).await.unwrap() }
    };

    // A city: its named enterprises and the 60 more, spread over several districts.
    let enterprises = count("SELECT COUNT(*) FROM enterprises WHERE region_code LIKE '3201%'", vec![]).await;
    assert_eq!(enterprises, 65);
    let districts =
        count("SELECT COUNT(DISTINCT region_code) FROM enterprises WHERE region_code LIKE '3201%'", vec![]).await;
    assert!(districts >= 5, "{districts} districts");
    assert!(count("SELECT COUNT(*) FROM assessments WHERE status = 'submitted'", vec![]).await >= 40);
    assert!(count("SELECT COUNT(*) FROM cloud_records WHERE status = 'verified'", vec![]).await > 0);
    for state in ProjectState::ALL {
        let n = count("SELECT COUNT(*) FROM projects WHERE status = $1", vec![Arg::from(state.code())]).await;
        assert!(n > 0, "no project is {}", state.code());
    }
    for status in ["applied", "district_approved", "publicised", "listed"] {
        let n = count("SELECT COUNT(*) FROM enrolments WHERE status = $1", vec![Arg::from(status)]).await;
        assert!(n > 0, "no enrolment is {status}");
    }

    // Every record's state is where its history leads.
    for (subject, table) in [("enrolment", "enrolments"), ("project", "projects"), ("acceptance", "acceptances")] {
        let sql = format!(
            "SELECT COUNT(*) FROM {table} t WHERE t.status <> (SELECT w.to_state FROM workflow_events w \
             WHERE w.subject = '{subject}' AND w.subject_id = t.id ORDER BY w.id DESC LIMIT 1)"
        );
        assert_eq!(c.scalar(&sql, vec![]).await.unwrap(), 0, "{table} whose state is not its last step");
    }

    // Every approved or paid subsidy stands on the whole chain.
    let funded: Vec<(i64, i64, String)> = c
        .fetch_all(
            "SELECT id, project_id, status FROM subsidies WHERE status IN ('approved', 'paid') ORDER BY id",
            vec![],
        )
        .await
        .unwrap();
    assert!(funded.iter().any(|f| f.2 == "paid") && funded.iter().any(|f| f.2 == "approved"), "{funded:?}");
    for (sid, project, status) in &funded {
        let steps: Vec<(String,)> = c
            .fetch_all(
                "SELECT action FROM workflow_events WHERE subject = 'project' AND subject_id = $1 ORDER BY id",
                vec![Arg::from(*project)],
            )
            .await
            .unwrap();
        let steps: Vec<&str> = steps.iter().map(|s| s.0.as_str()).collect();
        for needed in ["start_diagnosis", "submit_diagnosis", "approve_diagnosis", "submit_plan", "sign_contract"] {
            assert!(steps.contains(&needed), "subsidy {sid}: project {project} lacks {needed}: {steps:?}");
        }
        for needed in ["file", "start", "complete"] {
            assert!(steps.contains(&needed), "subsidy {sid}: project {project} lacks {needed}: {steps:?}");
        }
        let row = dengta::db::projects::get(&mut c.clone(), *project).await.unwrap().unwrap();
        let checklist = dengta::app::acceptance::checklist(&mut c.clone(), &row, true).await.unwrap();
        let missing: Vec<&str> = checklist.iter().filter(|m| m.required && !m.ok).map(|m| m.name.as_str()).collect();
        assert!(missing.is_empty(), "subsidy {sid}: the acceptance checklist misses {missing:?}");
        let undone = count(
            "SELECT COUNT(*) FROM milestones m WHERE m.project_id = $1 AND (m.done_at IS NULL OR NOT EXISTS \
             (SELECT 1 FROM evidence e WHERE e.milestone_id = m.id))",
            vec![Arg::from(*project)],
        )
        .await;
        let milestones =
            count("SELECT COUNT(*) FROM milestones WHERE project_id = $1", vec![Arg::from(*project)]).await;
        assert!(milestones > 0 && undone == 0, "subsidy {sid}: milestones done with evidence");
        let (acceptance, onsite_kind, rated_after): (String, String, i64) = c
            .fetch_one(
                "SELECT a.status, s.kind, CAST(CASE WHEN s.submitted_at > p.completed_at THEN 1 ELSE 0 END AS BIGINT) \
                 FROM acceptances a \
                 JOIN assessments s ON s.id = a.onsite_assessment_id JOIN projects p ON p.id = a.project_id \
                 WHERE a.project_id = $1",
                vec![Arg::from(*project)],
            )
            .await
            .unwrap();
        assert_eq!((acceptance.as_str(), onsite_kind.as_str(), rated_after), ("accepted", "onsite", 1));
        let open_flags = count(
            "SELECT COUNT(*) FROM integrity_flags WHERE project_id = $1 AND status = 'open'",
            vec![Arg::from(*project)],
        )
        .await;
        assert_eq!(open_flags, 0, "subsidy {sid} approved over an open integrity flag");
        let subsidy_steps = count(
            "SELECT COUNT(*) FROM workflow_events WHERE subject = 'subsidy' AND subject_id = $1 \
             AND action IN ('publicise', 'approve')",
            vec![Arg::from(*sid)],
        )
        .await;
        assert_eq!(subsidy_steps, 2, "subsidy {sid}: 公示 then approval");
        let paid = count("SELECT COUNT(*) FROM payments WHERE subsidy_id = $1", vec![Arg::from(*sid)]).await;
        assert_eq!(paid, i64::from(status == "paid"), "subsidy {sid} ({status})");
    }
    let report = dengta::app::subsidies::reconcile(&app.db).await.unwrap();
    assert!(report.sound, "the ledger reconciles: {:?}", report.subsidy_mismatches);
    assert!(dengta::app::audit::verify(&app.db).await.unwrap().is_ok(), "the audit chain verifies");

    // Loaded once: a second start finds it and writes nothing.
    let before = count("SELECT COUNT(*) FROM audit_log", vec![]).await;
    assert_eq!(demo::load(&app, Scale::City { enterprises: 60 }).await.unwrap().ok(), Some(DemoOutcome::AlreadyLoaded));
    assert_eq!(count("SELECT COUNT(*) FROM audit_log", vec![]).await, before);
}

on_both_stores!(the_demo_city_keeps_every_rule);
