//! Use-cases: each checks permission, opens a transaction, applies the domain
//! rule, writes, audits and commits. The web layer and the CLI both call these.

pub mod acceptance;
pub mod account_requests;
pub mod accounts;
pub mod assessments;
pub mod audit;
pub mod bundle;
pub mod callers;
pub mod cases;
pub mod catalogue;
pub mod chains;
pub mod claims;
pub mod cloud;
pub mod codes;
pub mod config;
pub mod dashboard;
pub mod data_products;
pub mod demo;
pub mod directory;
pub mod duties;
pub mod enterprises;
pub mod equipment;
pub mod evaluation;
pub mod export;
pub mod files;
pub mod front;
pub mod generate;
pub mod hashing;
pub mod home;
pub mod identifiers;
pub mod import;
pub mod integrity;
pub mod leases;
pub mod need_to_know;
pub mod notifications;
pub mod objections;
pub mod open_data;
pub mod outbound;
pub mod outcomes;
pub mod personal;
pub mod programmes;
pub mod projects;
pub mod providers;
pub mod ratelimit;
pub mod replica;
pub mod reports;
pub mod rounds;
pub mod satisfaction;
pub mod scorecard;
pub mod setup;
pub mod subsidies;
pub mod totp;
pub mod webhooks;
pub mod workbench;

use std::time::Duration;

use dengta_domain::policy::Decision;
use dengta_domain::role::Principal;

use crate::config::Settings;
use crate::db::Db;

// The storage crate under its layer name: `crate::db::…` inside the app.
use dengta_db as db;

/// The stored records the use-cases hand out. The web names these types but reaches the store
/// only through the use-cases: it does not depend on `dengta-db`, so the compiler keeps it so.
pub mod records {
    pub use dengta_db::acceptance::{AcceptanceRow, FlagRow};
    pub use dengta_db::assessments::AssessmentRow;
    pub use dengta_db::cases::CaseRow;
    pub use dengta_db::catalogue::{ItemRow, SolutionRow};
    pub use dengta_db::chains::{ChainRow, MemberRow};
    pub use dengta_db::duties::RequestRow;
    pub use dengta_db::enterprise_file::ClaimRow;
    pub use dengta_db::enterprises::EnterpriseRow;
    pub use dengta_db::events::{DeliveryRow, WebhookRow};
    pub use dengta_db::imports::JobRow;
    pub use dengta_db::ledger::{LegRow, TransferRow};
    pub use dengta_db::programmes::{EnrolmentRow, StepRow};
    pub use dengta_db::projects::{EvidenceRow, MilestoneRow, PaymentRow as ProjectPaymentRow, ProjectRow};
    pub use dengta_db::providers::{
        AssignmentRow, EventRow as ProviderEventRow, ObjectionRow, ProviderRow, ReviewRow, SubIndustryRow,
    };
    pub use dengta_db::regions::RegionRow;
    pub use dengta_db::subsidies::{PaymentRow as SubsidyPaymentRow, SubsidyRow};
    pub use dengta_db::tokens::TokenRow;
    pub use dengta_db::users::UserRow;
}
/// The store's failure kinds (inside [`AppError::Db`]) and its clock.
pub use dengta_db::{DbError, now_ms};
use ratelimit::Limiter;

/// Everything a use-case needs, shared by every request.
#[derive(Clone)]
pub struct App {
    pub db: Db,
    pub settings: std::sync::Arc<Settings>,
    /// Set once the demo is loaded: every page then shows the 演示环境 banner.
    pub demo: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// Password hashing, bounded in how many run at once.
    pub hasher: std::sync::Arc<hashing::Hasher>,
    /// Rate limits on logins and the public forms.
    pub limits: std::sync::Arc<Limits>,
    /// Who each recent session or token belongs to (see [`callers`]).
    pub callers: std::sync::Arc<callers::Remembered<(Principal, Option<accounts::Gate>)>>,
    /// Each user's to-do counts for the side navigation (see [`workbench`]).
    pub workbench_counts: std::sync::Arc<workbench::CountCache>,
    /// This server's name among the servers of one database (see [`leases`]).
    pub instance: std::sync::Arc<str>,
    /// A streaming replica for read-only pages, when configured (see [`replica`]).
    pub replica: Option<std::sync::Arc<replica::Replica>>,
}

impl App {
    /// The database engine's name ("sqlite", "postgres") once it answers a trivial query.
    pub async fn database_ready(&self) -> Result<String, DbError> {
        self.db.scalar("SELECT CAST(1 AS BIGINT)", dengta_db::args![]).await?;
        Ok(self.backend_name())
    }

    /// "sqlite" or "postgres".
    pub fn backend_name(&self) -> String {
        format!("{:?}", self.db.backend()).to_lowercase()
    }

    /// Statements run on the database by this process so far (see `db::plans::statements_run`).
    pub fn statements_run(&self) -> u64 {
        dengta_db::plans::statements_run()
    }

    pub fn new(db: Db, settings: Settings) -> App {
        let sec = &settings.security;
        let hasher = hashing::Hasher::new(sec.max_concurrent_hashes, Duration::from_millis(sec.hash_wait_ms));
        let limits = Limits {
            login_address: Limiter::new(sec.login_per_address_per_minute, Duration::from_secs(60)),
            login_account: Limiter::new(sec.login_per_account_per_minute, Duration::from_secs(60)),
            public_forms: Limiter::new(sec.public_forms_per_address_per_hour, Duration::from_secs(3600)),
        };
        App {
            db,
            settings: std::sync::Arc::new(settings),
            demo: Default::default(),
            hasher: std::sync::Arc::new(hasher),
            limits: std::sync::Arc::new(limits),
            callers: Default::default(),
            workbench_counts: Default::default(),
            instance: leases::instance_name().into(),
            replica: None,
        }
    }
}

/// The rate limiters of one running instance.
pub struct Limits {
    /// Login attempts per client address.
    pub login_address: Limiter,
    /// Login attempts per account name.
    pub login_account: Limiter,
    /// Public forms (objections, registration, provider application) per client address.
    pub public_forms: Limiter,
}

/// Who is acting and under which request: stamped on every audit record.
#[derive(Clone, Debug)]
pub struct Actor {
    pub principal: Option<Principal>,
    /// Name used when there is no principal (a login attempt, the CLI).
    pub name: String,
    pub request_id: String,
}

impl Actor {
    pub fn user(p: &Principal, request_id: &str) -> Actor {
        Actor { principal: Some(p.clone()), name: p.username.clone(), request_id: request_id.to_owned() }
    }

    pub fn anonymous(name: &str, request_id: &str) -> Actor {
        Actor { principal: None, name: name.to_owned(), request_id: request_id.to_owned() }
    }

    /// The machine's operator at the shell (`Actor::cli`).
    pub fn is_cli(&self) -> bool {
        self.principal.is_none() && self.request_id == "cli"
    }

    pub fn cli() -> Actor {
        let user = std::env::var("USER").unwrap_or_else(|_| "cli".into());
        Actor { principal: None, name: format!("cli:{user}"), request_id: "cli".into() }
    }
}

/// Errors a use-case reports. Messages are i18n keys (see `locales/`), so the
/// edge can render them in the user's language; details are only logged.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not signed in")]
    Unauthenticated,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("invalid input: {key}")]
    Invalid { key: &'static str, detail: String },
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("account locked")]
    Locked,
    #[error("too many requests")]
    TooMany { retry_after: u64 },
    /// Every password-hashing slot stayed busy: come back shortly.
    #[error("busy")]
    Busy { retry_after: u64 },
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn invalid(key: &'static str, detail: impl Into<String>) -> AppError {
        AppError::Invalid { key, detail: detail.into() }
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// A workflow's refusal of a step. The record's present state does not allow it: a conflict
/// with that state (`error.state`, 409 — reload and see where the record stands). A guard
/// refused it (a reason missing, a 公示 still running): a rule on the request
/// (`error.transition`, 422).
pub trait StepRefusal: std::fmt::Display {
    fn state_conflict(&self) -> bool;
}

impl StepRefusal for dengta_domain::programme::workflow::TransitionError {
    fn state_conflict(&self) -> bool {
        matches!(self, Self::NotAllowed { .. })
    }
}

impl StepRefusal for dengta_domain::provider::TransitionError {
    fn state_conflict(&self) -> bool {
        matches!(self, Self::NotAllowed { .. })
    }
}

/// The error a refused step becomes (see [`StepRefusal`]).
pub fn refused(e: impl StepRefusal) -> AppError {
    let key = if e.state_conflict() { "error.state" } else { "error.transition" };
    AppError::invalid(key, e.to_string())
}

/// Turns a policy decision into a result: the one bridge from `domain::policy`.
pub fn check(d: Decision) -> AppResult<()> {
    match d {
        Decision::Allow => Ok(()),
        Decision::Forbidden => Err(AppError::Forbidden),
        Decision::NotFound => Err(AppError::NotFound),
    }
}

/// Random bytes as hex, for session ids, tokens and CSRF values.
pub fn random_hex(bytes: usize) -> AppResult<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}
