//! Every route in one table: method, path, who may call it, which object its
//! `{id}` names, its navigation entry and its summary. The router, the side
//! navigation, the OpenAPI document and the access-control matrix test are all
//! derived from this table, so a new route cannot escape any of them.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

use axum::handler::Handler;
use axum::routing::{MethodRouter, delete, get, post, put};
use dengta_domain::role::Role;

use super::api::integral::integral_numbers;
use super::api::params::Param;
use super::api::takes::{Documented, TakesFn};
use super::ctx::Ctx;
use super::{api, assets, csrf, pages};
use crate::app::{App, AppError};

/// Who may reach a route at all; object scope is then the policy's business.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// No login needed.
    Public,
    /// Any signed-in user.
    Anyone,
    /// Signed-in users holding one of these roles.
    Roles(&'static [Role]),
}

impl Access {
    pub fn allows(self, role: Option<Role>) -> bool {
        match (self, role) {
            (Access::Public, _) => true,
            (_, None) => false,
            (Access::Anyone, Some(_)) => true,
            (Access::Roles(rs), Some(r)) => rs.contains(&r),
        }
    }
}

/// The kind of object a route's `{id}` refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Object {
    Enterprise,
    Provider,
    User,
    /// An enterprise user's claim awaiting an authority.
    Claim,
    /// A bulk-import job.
    Import,
    /// A digital-level assessment (its enterprise's scope applies).
    Assessment,
    /// An expert's review sheet (only the assigned expert).
    Sheet,
    /// A catalogue solution (drafts: its provider and officers over it).
    Solution,
    /// A contact request (the enterprise and the provider it addresses).
    Contact,
    /// An application to a pilot programme (its enterprise's scope applies).
    Enrolment,
    /// A transformation project (its enterprise, its provider, officers and experts over it).
    Project,
    /// A subsidy (its enterprise and officers over it; money moves only by the programme's city).
    Subsidy,
    /// A typical case or 小灯塔 nomination (its enterprise, officers and experts over it).
    Case,
    /// A chain or cluster project (its lead and members, its provider, officers and experts over it).
    Chain,
    /// A webhook subscription (system administrators of its region or above).
    Webhook,
    /// An on-site acceptance round (officers over its region, its assessors).
    Round,
}

#[derive(Clone, Debug)]
pub struct RouteDef {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    pub object: Option<Object>,
    /// i18n key of the side-navigation entry, for GET pages that have one.
    pub nav: Option<&'static str>,
    pub summary: &'static str,
    /// Accepts a large upload body (file import).
    pub upload: bool,
    /// A provider whose application is not yet admitted may use it (following its application).
    /// Such an account may use public and any-user routes and these, nothing else.
    pub applicant: bool,
    /// A public form anyone may post (objections, registration, applications): limited per
    /// client address (`security.public_forms_per_address_per_hour`).
    pub public_form: bool,
    /// What an API route's handler takes (query types and JSON body), read from its argument
    /// types: documented in the OpenAPI document, and any other query parameter is refused (400)
    /// before the handler runs.
    pub takes: Option<TakesFn>,
}

impl RouteDef {
    pub fn is_api(&self) -> bool {
        self.path.starts_with("/api/v1/")
    }

    /// Whether a provider account not (yet) admitted to the pool may use the route.
    pub fn open_to_applicants(&self) -> bool {
        self.applicant || !matches!(self.access, Access::Roles(_))
    }
}

use Role::*;
const OFFICER_ENTERPRISE: &[Role] = &[Officer, Enterprise];
const OFFICER_PROVIDER: &[Role] = &[Officer, Provider];
const ACCOUNT_ADMINS: &[Role] = &[SysAdmin, SecAdmin];
const SYS: &[Role] = &[SysAdmin];
const SEC: &[Role] = &[SecAdmin];
const AUDIT: &[Role] = &[AuditAdmin];
const REGION_READERS: &[Role] = &[SysAdmin, Officer];
const OFFICER: &[Role] = &[Officer];
const ENTERPRISE_ONLY: &[Role] = &[Enterprise];
const CLOUD_REPORTERS: &[Role] = &[Officer, Provider];
const PROVIDER_ONLY: &[Role] = &[Provider];
const EXPERT_ONLY: &[Role] = &[Expert];
const CATALOGUE: &[Role] = &[Officer, Enterprise, Provider, Expert];
const ENTERPRISE_PROVIDER: &[Role] = &[Enterprise, Provider];
const PROJECT_PARTIES: &[Role] = &[Officer, Enterprise, Provider, Expert];
/// Acceptance is the enterprise's, its provider's and the authority's: experts are assigned none.
const ACCEPTANCE_PARTIES: &[Role] = &[Officer, Enterprise, Provider];
/// Devices: the enterprise, officers over it, providers with a project with it.
const DEVICE_READERS: &[Role] = &[Officer, Enterprise, Provider];
const OFFICER_AUDIT: &[Role] = &[Officer, AuditAdmin];
const OFFICER_EXPERT: &[Role] = &[Officer, Expert];
const CASE_READERS: &[Role] = &[Officer, Expert, Enterprise];

fn def(method: Method, path: &'static str, access: Access, summary: &'static str) -> RouteDef {
    RouteDef {
        method,
        path,
        access,
        object: None,
        nav: None,
        summary,
        upload: false,
        applicant: false,
        public_form: false,
        takes: None,
    }
}

impl RouteDef {
    /// An API route: its handler, and what the handler takes read from its argument types.
    fn api<H, T, M>(mut self, h: H) -> (RouteDef, MethodRouter<App>)
    where
        H: Handler<T, App> + Documented<M>,
        T: 'static,
    {
        self.takes = Some(<H as Documented<M>>::takes);
        let mr = match self.method {
            Method::POST => post(h),
            Method::PUT => put(h),
            Method::DELETE => delete(h),
            _ => get(h),
        };
        (self, mr)
    }

    /// The query parameters the route takes, by name (none for a page).
    /// The query parameters the handler takes, each with the rule of its documented schema.
    pub fn query_params(&self) -> Vec<Param> {
        let Some(takes) = self.takes else { return Vec::new() };
        let mut g = crate::api::takes::generator();
        let params = takes(&mut g).params();
        params.iter().map(|(name, schema)| Param::from_schema(name, schema, g.definitions())).collect()
    }

    fn on(mut self, o: Object) -> Self {
        self.object = Some(o);
        self
    }
    fn upload(mut self) -> Self {
        self.upload = true;
        self
    }
    fn public_form(mut self) -> Self {
        self.public_form = true;
        self
    }
    fn nav(mut self, key: &'static str) -> Self {
        self.nav = Some(key);
        self
    }
    fn applicant(mut self) -> Self {
        self.applicant = true;
        self
    }
}

/// The largest file an import accepts (a million rows of .xlsx is ~60 MB).
pub const UPLOAD_LIMIT: usize = 512 * 1024 * 1024;

/// The table. Order matters only for the navigation.
#[rustfmt::skip]
pub fn table() -> Vec<(RouteDef, MethodRouter<App>)> {
    use Access::*;
    use Method as M;
    use Object as O;
    vec![
        (def(M::GET, "/", Public, "Front page: the programme's figures, 公示 in progress, typical cases, how to take part (signed in: the workbench)"), get(pages::public::front)),
        (def(M::GET, "/login", Public, "Login page"), get(pages::auth::login_page)),
        (def(M::POST, "/login", Public, "Sign in"), post(pages::auth::login)),
        (def(M::POST, "/login/totp", Public, "Second sign-in step: the TOTP or a recovery code"), post(pages::auth::login_totp)),
        (def(M::POST, "/logout", Anyone, "Sign out"), post(pages::auth::logout)),
        (def(M::GET, "/setup", Public, "First-run setup page"), get(pages::auth::setup_page)),
        (def(M::POST, "/setup", Public, "Create the first administrator"), post(pages::auth::setup)),
        (def(M::GET, "/lang/{code}", Public, "Switch language"), get(pages::auth::switch_lang)),
        (def(M::GET, "/register", Public, "Enterprise self-registration"), get(pages::claims::register_page)),
        (def(M::POST, "/register", Public, "Register and claim an enterprise").public_form(), post(pages::claims::register)),
        (def(M::GET, "/home", Anyone, "Home page for the role").nav("nav.home"), get(pages::home::home)),
        (def(M::GET, "/notifications", Anyone, "The caller's messages (站内信)"), get(pages::home::messages)),
        (def(M::POST, "/notifications/read", Anyone, "Mark every message read"), post(pages::home::read_all)),
        (def(M::POST, "/notifications/mutes", Anyone, "Save the kinds of message not to receive (ticked boxes)"), post(pages::home::save_mutes)),
        (def(M::GET, "/dashboard", Roles(OFFICER_AUDIT), "Dashboard (数据看板) of a region in scope (?region=): figures against targets, charts with their tables, drill-down").nav("nav.dashboard"), get(pages::dashboard::show)),
        (def(M::GET, "/dashboard/evaluation", Roles(OFFICER_AUDIT), "City performance evaluation (城市试点绩效评价) of a region in scope (?region=), printable"), get(pages::evaluation::show)),
        (def(M::GET, "/dashboard/export", Roles(OFFICER_AUDIT), "One dashboard tile as .xlsx (?tile=regions|sub_industries|levels|months|money&region=)"), get(pages::dashboard::export)),
        (def(M::POST, "/dashboard/targets", Roles(OFFICER), "Set a target of the officer's own region (form: metric, value)"), post(pages::dashboard::set_target)),
        (def(M::GET, "/enterprises", Roles(OFFICER_ENTERPRISE), "Enterprise list").nav("nav.enterprises"), get(pages::enterprises::list)),
        (def(M::GET, "/enterprises/new", Roles(OFFICER), "Enterprise registration form"), get(pages::enterprises::new_form)),
        (def(M::GET, "/enterprises/import", Roles(OFFICER), "Bulk import page"), get(pages::imports::page)),
        (def(M::POST, "/enterprises/import", Roles(OFFICER), "Upload a file to import").upload(), post(pages::imports::upload)),
        (def(M::GET, "/enterprises/import/template", Roles(OFFICER), "Import template (.xlsx or CSV)"), get(pages::imports::template)),
        (def(M::GET, "/enterprises/export", Roles(OFFICER_ENTERPRISE), "Export the filtered list (.xlsx or CSV)"), get(pages::imports::export_list)),
        (def(M::GET, "/imports/{id}", Roles(OFFICER), "Import progress").on(O::Import), get(pages::imports::job)),
        (def(M::GET, "/imports/{id}/errors", Roles(OFFICER), "Import error report").on(O::Import), get(pages::imports::errors)),
        (def(M::POST, "/enterprises/new", Roles(OFFICER), "Register an enterprise"), post(pages::enterprises::create)),
        (def(M::GET, "/enterprises/{id}", Roles(OFFICER_ENTERPRISE), "Enterprise file").on(O::Enterprise), get(pages::enterprises::show)),
        (def(M::GET, "/enterprises/{id}/edit", Roles(OFFICER_ENTERPRISE), "Edit form").on(O::Enterprise), get(pages::enterprises::edit_form)),
        (def(M::POST, "/enterprises/{id}/edit", Roles(OFFICER_ENTERPRISE), "Edit an enterprise").on(O::Enterprise), post(pages::enterprises::update)),
        (def(M::POST, "/enterprises/{id}/sizes", Roles(OFFICER_ENTERPRISE), "Record a year's size inputs").on(O::Enterprise), post(pages::enterprises::add_size)),
        (def(M::POST, "/enterprises/{id}/credit-flags", Roles(OFFICER), "Record a credit listing").on(O::Enterprise), post(pages::enterprises::add_credit)),
        (def(M::POST, "/enterprises/{id}/credit-flags/remove", Roles(OFFICER), "End a credit listing").on(O::Enterprise), post(pages::enterprises::remove_credit)),
        (def(M::POST, "/enterprises/{id}/cloud", Roles(OFFICER_ENTERPRISE), "Report a cloud service").on(O::Enterprise), post(pages::enterprises::report_cloud)),
        (def(M::POST, "/enterprises/{id}/cloud/decide", Roles(OFFICER_ENTERPRISE), "Verify, reject or confirm a cloud record").on(O::Enterprise), post(pages::enterprises::decide_cloud)),
        (def(M::GET, "/my/assessments", Roles(ENTERPRISE_ONLY), "The enterprise user's own assessments").nav("nav.assessments"), get(pages::assessments::mine)),
        (def(M::GET, "/enterprises/{id}/assessments", Roles(OFFICER_ENTERPRISE), "An enterprise's digital-level assessments").on(O::Enterprise), get(pages::assessments::list)),
        (def(M::POST, "/enterprises/{id}/assessments", Roles(OFFICER_ENTERPRISE), "Start (or resume) an assessment draft").on(O::Enterprise), post(pages::assessments::start)),
        (def(M::GET, "/enterprises/{id}/assessments/compare", Roles(OFFICER_ENTERPRISE), "Self, provider and on-site ratings side by side").on(O::Enterprise), get(pages::assessments::compare)),
        (def(M::GET, "/assessments/{id}", Roles(OFFICER_ENTERPRISE), "Assessment questionnaire (one dimension per step)").on(O::Assessment), get(pages::assessments::show)),
        (def(M::POST, "/assessments/{id}", Roles(OFFICER_ENTERPRISE), "Save an assessment draft step").on(O::Assessment), post(pages::assessments::save)),
        (def(M::POST, "/assessments/{id}/submit", Roles(OFFICER_ENTERPRISE), "Sign the pledge and submit an assessment").on(O::Assessment), post(pages::assessments::submit)),
        (def(M::GET, "/assessments/{id}/report", Roles(OFFICER_ENTERPRISE), "Assessment report (printable)").on(O::Assessment), get(pages::assessments::report)),
        (def(M::GET, "/claims", Roles(OFFICER), "Pending enterprise claims").nav("nav.claims"), get(pages::claims::list)),
        (def(M::POST, "/claims/{id}/decide", Roles(OFFICER), "Confirm or reject a claim").on(O::Claim), post(pages::claims::decide)),
        (def(M::GET, "/providers", Roles(OFFICER_PROVIDER), "Provider list").nav("nav.providers").applicant(), get(pages::providers::list)),
        (def(M::GET, "/providers/apply", Public, "Provider application form"), get(pages::providers::apply_page)),
        (def(M::POST, "/providers/apply", Public, "Apply to the provider pool (creates the provider's account)").public_form(), post(pages::providers::apply)),
        (def(M::GET, "/providers/{id}", Roles(OFFICER_PROVIDER), "Provider file: state, reviews, objections, history").on(O::Provider).applicant(), get(pages::providers::show)),
        (def(M::POST, "/providers/{id}/step", Roles(OFFICER_PROVIDER), "A lifecycle step (review, admission, warning, rectification, removal, appeal)").on(O::Provider), post(pages::providers::step)),
        (def(M::POST, "/providers/{id}/evaluation", Roles(OFFICER), "Start a periodic evaluation with experts").on(O::Provider), post(pages::providers::start_evaluation)),
        (def(M::POST, "/providers/{id}/review/experts", Roles(OFFICER), "Add an expert to the open review").on(O::Provider), post(pages::providers::add_expert)),
        (def(M::POST, "/providers/{id}/review/finish", Roles(OFFICER), "Combine the expert scores and close the review").on(O::Provider), post(pages::providers::finish_review)),
        (def(M::POST, "/providers/{id}/objections/resolve", Roles(OFFICER), "Uphold or dismiss an objection").on(O::Provider), post(pages::providers::resolve_objection)),
        (def(M::GET, "/sub-industries", Roles(OFFICER), "Pilot sub-industries").nav("nav.sub_industries"), get(pages::providers::sub_industries)),
        (def(M::POST, "/sub-industries", Roles(OFFICER), "Define a pilot sub-industry"), post(pages::providers::add_sub_industry)),
        (def(M::GET, "/reviews", Roles(EXPERT_ONLY), "The expert's review sheets").nav("nav.reviews"), get(pages::providers::sheets)),
        (def(M::GET, "/reviews/{id}", Roles(EXPERT_ONLY), "A review sheet").on(O::Sheet), get(pages::providers::sheet)),
        (def(M::POST, "/reviews/{id}/declare", Roles(EXPERT_ONLY), "Declare a conflict of interest or none").on(O::Sheet), post(pages::providers::declare)),
        (def(M::POST, "/reviews/{id}/scores", Roles(EXPERT_ONLY), "Submit scores against the rubric").on(O::Sheet), post(pages::providers::score)),
        (def(M::GET, "/solutions", Roles(CATALOGUE), "Solution catalogue search").nav("nav.solutions"), get(pages::catalogue::search)),
        (def(M::GET, "/solutions/new", Roles(PROVIDER_ONLY), "New solution form"), get(pages::catalogue::new_form)),
        (def(M::POST, "/solutions/new", Roles(PROVIDER_ONLY), "Draft a solution"), post(pages::catalogue::create)),
        (def(M::GET, "/solutions/review", Roles(OFFICER), "Solutions awaiting review").nav("nav.solution_review"), get(pages::catalogue::review_queue)),
        (def(M::GET, "/my/solutions", Roles(PROVIDER_ONLY), "The provider's own solutions").nav("nav.my_solutions"), get(pages::catalogue::mine)),
        (def(M::GET, "/solutions/{id}", Roles(CATALOGUE), "A solution").on(O::Solution), get(pages::catalogue::show)),
        (def(M::GET, "/solutions/{id}/edit", Roles(PROVIDER_ONLY), "Edit a draft solution").on(O::Solution), get(pages::catalogue::edit_form)),
        (def(M::POST, "/solutions/{id}/edit", Roles(PROVIDER_ONLY), "Save a draft solution").on(O::Solution), post(pages::catalogue::update)),
        (def(M::POST, "/solutions/{id}/decide", Roles(OFFICER_PROVIDER), "Submit, publish, reject or withdraw a solution").on(O::Solution), post(pages::catalogue::decide)),
        (def(M::GET, "/my/matches", Roles(ENTERPRISE_ONLY), "Recommended solutions for the enterprise's gaps").nav("nav.matches"), get(pages::catalogue::my_matches)),
        (def(M::GET, "/enterprises/{id}/matches", Roles(OFFICER_ENTERPRISE), "Recommended solutions for an enterprise").on(O::Enterprise), get(pages::catalogue::enterprise_matches)),
        (def(M::GET, "/contacts", Roles(ENTERPRISE_PROVIDER), "Contact requests").nav("nav.contacts"), get(pages::catalogue::contacts)),
        (def(M::POST, "/contacts", Roles(ENTERPRISE_ONLY), "Ask a provider to contact the enterprise"), post(pages::catalogue::request_contact)),
        (def(M::POST, "/contacts/{id}/consent", Roles(ENTERPRISE_ONLY), "Give or revoke consent to share contact details").on(O::Contact), post(pages::catalogue::consent)),
        (def(M::GET, "/demand", Roles(OFFICER_PROVIDER), "Demand signals: weak scenes by industry and region").nav("nav.demand"), get(pages::catalogue::demand)),
        (def(M::GET, "/programmes", Roles(CATALOGUE), "Pilot programmes and their rules").nav("nav.programmes"), get(pages::programmes::programmes)),
        (def(M::POST, "/enrolments", Roles(ENTERPRISE_ONLY), "Apply to a pilot programme"), post(pages::programmes::apply)),
        (def(M::GET, "/enrolments", Roles(OFFICER_ENTERPRISE), "Applications to the pilot-enterprise pool").nav("nav.enrolments"), get(pages::programmes::list)),
        (def(M::GET, "/enrolments/{id}", Roles(OFFICER_ENTERPRISE), "An application: eligibility checks, reviews, history").on(O::Enrolment), get(pages::programmes::show)),
        (def(M::POST, "/enrolments/{id}/step", Roles(OFFICER), "A review step (district, city, 公示, listing, removal)").on(O::Enrolment), post(pages::programmes::step)),
        (def(M::POST, "/enrolments/{id}/objections/resolve", Roles(OFFICER), "Uphold or dismiss an objection to an enrolment").on(O::Enrolment), post(pages::programmes::resolve_objection)),
        (def(M::GET, "/projects", Roles(PROJECT_PARTIES), "Transformation projects in scope").nav("nav.projects"), get(pages::projects::list)),
        (def(M::GET, "/projects/{id}", Roles(PROJECT_PARTIES), "A project: documents, milestones, evidence, payments, history").on(O::Project), get(pages::projects::show)),
        (def(M::POST, "/projects/{id}/step", Roles(PROJECT_PARTIES), "A project step without a document (diagnosis review, start, complete, cancel)").on(O::Project), post(pages::projects::step)),
        (def(M::POST, "/projects/{id}/files", Roles(ENTERPRISE_PROVIDER), "Upload evidence (multipart)").on(O::Project).upload(), post(pages::projects::upload)),
        (def(M::POST, "/projects", Roles(ENTERPRISE_ONLY), "Start a project under a listed enrolment"), post(pages::projects::create)),
        (def(M::GET, "/chains", Roles(PROJECT_PARTIES), "Chain and cluster projects (链式 / 面状) in scope; a listed enterprise opens one or joins a forming one").nav("nav.chains"), get(pages::chains::list)),
        (def(M::POST, "/chains", Roles(ENTERPRISE_ONLY), "Open a chain or cluster project as its lead (its frame project opens with it)"), post(pages::chains::create)),
        (def(M::GET, "/chains/{id}", Roles(PROJECT_PARTIES), "A chain: the frame's lines, the cohort's acceptance, the split of the money, the steps").on(O::Chain), get(pages::chains::show)),
        (def(M::POST, "/chains/{id}/members", Roles(ENTERPRISE_ONLY), "Join a forming chain with a listing in its programme").on(O::Chain), post(pages::chains::join)),
        (def(M::POST, "/chains/{id}/transitions", Roles(OFFICER_ENTERPRISE), "Submit or withdraw (lead), approve or return (the programme's officer)").on(O::Chain), post(pages::chains::step)),
        (def(M::POST, "/projects/{id}/diagnosis", Roles(PROVIDER_ONLY), "Submit the diagnosis").on(O::Project), post(pages::projects::diagnosis)),
        (def(M::POST, "/projects/{id}/plan", Roles(PROVIDER_ONLY), "Submit the transformation plan").on(O::Project), post(pages::projects::plan)),
        (def(M::POST, "/projects/{id}/contract", Roles(ENTERPRISE_PROVIDER), "Sign the contract (checked against the programme)").on(O::Project), post(pages::projects::contract_form)),
        (def(M::POST, "/projects/{id}/filing", Roles(OFFICER), "File the project (备案 number)").on(O::Project), post(pages::projects::filing)),
        (def(M::POST, "/projects/{id}/milestones", Roles(ENTERPRISE_PROVIDER), "Add a milestone or mark one done").on(O::Project), post(pages::projects::milestone)),
        (def(M::POST, "/projects/{id}/payments", Roles(ENTERPRISE_PROVIDER), "Record an invoice or payment").on(O::Project), post(pages::projects::payment)),
        (def(M::GET, "/projects/{id}/contract", Roles(PROJECT_PARTIES), "The printable contract (amount in 人民币大写)").on(O::Project), get(pages::projects::contract)),
        (def(M::POST, "/projects/{id}/acceptance", Roles(ENTERPRISE_ONLY), "Apply for acceptance (declaration, bank account, summary)").on(O::Project), post(pages::acceptance::apply)),
        (def(M::POST, "/projects/{id}/satisfaction", Roles(ENTERPRISE_ONLY), "Evaluate the provider's service after acceptance").on(O::Project), post(pages::acceptance::satisfaction)),
        (def(M::POST, "/projects/{id}/acceptance/step", Roles(OFFICER_ENTERPRISE), "An acceptance step (verify, assess, accept, reject, return, reapply)").on(O::Project), post(pages::acceptance::acceptance_step)),
        (def(M::GET, "/projects/{id}/bundle", Roles(OFFICER_ENTERPRISE), "Download the acceptance bundle (一企一档, ZIP)").on(O::Project), get(pages::acceptance::download_bundle)),
        (def(M::POST, "/projects/{id}/flags/clear", Roles(OFFICER), "Clear an integrity flag with a reason").on(O::Project), post(pages::acceptance::clear_flag)),
        (def(M::POST, "/projects/{id}/subsidies", Roles(OFFICER), "Compute the project's subsidy").on(O::Project), post(pages::acceptance::compute)),
        (def(M::POST, "/projects/{id}/outcomes", Roles(ENTERPRISE_PROVIDER), "Record an outcome line with an optional evidence file (multipart)").on(O::Project).upload(), post(pages::outcomes::add)),
        (def(M::POST, "/projects/{id}/outcomes/result", Roles(ENTERPRISE_PROVIDER), "Record a line's result with an optional evidence file (multipart)").on(O::Project).upload(), post(pages::outcomes::result)),
        (def(M::GET, "/outcomes", Roles(OFFICER), "Outcomes on the seven axes per sub-industry (?region=)").nav("nav.outcomes"), get(pages::outcomes::summary)),
        (def(M::GET, "/rounds", Roles(OFFICER_EXPERT), "On-site acceptance rounds").nav("nav.rounds"), get(pages::rounds::list)),
        (def(M::POST, "/rounds", Roles(OFFICER), "Plan an on-site acceptance round"), post(pages::rounds::create)),
        (def(M::GET, "/rounds/{id}", Roles(OFFICER_EXPERT), "A round sheet (printable): enterprises, projects, providers, assessors").on(O::Round), get(pages::rounds::show)),
        (def(M::POST, "/rounds/{id}/acceptances", Roles(OFFICER), "Add an acceptance to a round").on(O::Round), post(pages::rounds::add_acceptance)),
        (def(M::POST, "/rounds/{id}/assessors", Roles(OFFICER), "Assign an assessor to a round").on(O::Round), post(pages::rounds::assign)),
        (def(M::POST, "/rounds/{id}/step", Roles(OFFICER), "Start or close a round").on(O::Round), post(pages::rounds::step)),
        (def(M::GET, "/subsidies", Roles(OFFICER), "Subsidies in the region").nav("nav.subsidies"), get(pages::subsidies::list)),
        (def(M::GET, "/subsidies/{id}", Roles(OFFICER_ENTERPRISE), "A subsidy: trace, 公示, objections, payments, ledger").on(O::Subsidy), get(pages::subsidies::show)),
        (def(M::POST, "/subsidies/{id}/step", Roles(OFFICER), "Publicise, approve or cancel a subsidy").on(O::Subsidy), post(pages::subsidies::subsidy_step)),
        (def(M::POST, "/subsidies/{id}/pay", Roles(OFFICER), "Pay an approved subsidy (once per form)").on(O::Subsidy), post(pages::subsidies::pay)),
        (def(M::POST, "/subsidies/{id}/reverse", Roles(OFFICER), "Reverse a payment with a reason").on(O::Subsidy), post(pages::subsidies::reverse)),
        (def(M::POST, "/subsidies/{id}/objections/resolve", Roles(OFFICER), "Uphold or dismiss an objection to a subsidy").on(O::Subsidy), post(pages::subsidies::resolve_objection)),
        (def(M::GET, "/ledger", Roles(OFFICER), "Budget pools and reconciliation").nav("nav.ledger"), get(pages::ledger::ledger)),
        (def(M::POST, "/ledger/allocations", Roles(OFFICER), "Allocate budget to a pool"), post(pages::ledger::allocate)),
        (def(M::GET, "/integrity", Roles(OFFICER), "Integrity flags in the region").nav("nav.integrity"), get(pages::integrity::flags)),
        (def(M::GET, "/public/subsidies", Public, "Public: subsidies under 公示 and decided"), get(pages::subsidies::public_list)),
        (def(M::POST, "/public/subsidies/{id}/objections", Public, "Public: object to a subsidy under 公示").on(O::Subsidy).public_form(), post(pages::subsidies::public_object)),
        (def(M::GET, "/public", Public, "Public portal: what the programme publishes"), get(pages::public::portal)),
        (def(M::GET, "/public/outcomes", Public, "Public: outcomes on the seven axes per sub-industry (small cells suppressed)"), get(pages::outcomes::public)),
        (def(M::GET, "/public/cases", Public, "Public: published typical cases (?kind=typical_case) and 小灯塔 enterprises (?kind=lighthouse)"), get(pages::public::cases)),
        (def(M::GET, "/open-data", Public, "Open data: what is published and what each field means"), get(pages::public::open_data)),
        (def(M::GET, "/public/data-products", Public, "Data products for data exchanges: the catalogue; an enterprise's consent; an officer's export"), get(pages::data_products::list)),
        (def(M::POST, "/data-products/consent", Roles(ENTERPRISE_ONLY), "Give or withdraw the enterprise's consent to data products"), post(pages::data_products::consent)),
        (def(M::GET, "/data-products/export", Roles(OFFICER), "Export a data product over the officer's region (ZIP: CSV, JSON, manifest with SHA-256 and SM3)"), get(pages::data_products::export)),
        (def(M::GET, "/public/pilot-enterprises", Public, "Public: the pilot-enterprise pool and its 公示"), get(pages::programmes::public_pool)),
        (def(M::POST, "/public/pilot-enterprises/{id}/objections", Public, "Public: object to an enterprise under 公示").on(O::Enrolment).public_form(), post(pages::programmes::public_object)),
        (def(M::GET, "/public/providers", Public, "Public: the provider pool and 公示 notices"), get(pages::providers::public_list)),
        (def(M::GET, "/public/providers/{id}", Public, "Public: a provider's page").on(O::Provider), get(pages::providers::public_show)),
        (def(M::POST, "/public/providers/{id}/objections", Public, "Public: lodge an objection during 公示").on(O::Provider).public_form(), post(pages::providers::public_object)),
        (def(M::GET, "/admin/users", Roles(ACCOUNT_ADMINS), "User list").nav("nav.users"), get(pages::admin::users)),
        (def(M::GET, "/admin/users/new", Roles(SYS), "New user form"), get(pages::admin::new_user)),
        (def(M::POST, "/admin/users", Roles(SYS), "Create a user"), post(pages::admin::create_user)),
        (def(M::GET, "/admin/users/{id}", Roles(ACCOUNT_ADMINS), "User").on(O::User), get(pages::admin::user)),
        (def(M::POST, "/admin/users/{id}/disable", Roles(SYS), "Disable a user").on(O::User), post(pages::admin::disable)),
        (def(M::POST, "/admin/users/{id}/enable", Roles(SYS), "Enable a user").on(O::User), post(pages::admin::enable)),
        (def(M::POST, "/admin/users/{id}/unlock", Roles(SEC), "Lift a lockout").on(O::User), post(pages::admin::unlock)),
        (def(M::POST, "/admin/users/{id}/reset-password", Roles(SEC), "Reset a password").on(O::User), post(pages::admin::reset_password)),
        (def(M::GET, "/admin/account-requests", Roles(ACCOUNT_ADMINS), "Two-person requests for administrator accounts").nav("duty.requests"), get(pages::account_requests::list)),
        (def(M::POST, "/admin/account-requests", Roles(ACCOUNT_ADMINS), "Request an administrator-account change (two-person)"), post(pages::account_requests::create)),
        (def(M::POST, "/admin/account-requests/{id}/approve", Roles(ACCOUNT_ADMINS), "Approve and carry out a request (another administrator class)"), post(pages::account_requests::approve)),
        (def(M::POST, "/admin/account-requests/{id}/reject", Roles(ACCOUNT_ADMINS), "Reject a request"), post(pages::account_requests::reject)),
        (def(M::POST, "/admin/users/{id}/reset-totp", Roles(SEC), "Remove a user's second factor (it enrols again)").on(O::User), post(pages::admin::reset_totp)),
        (def(M::GET, "/admin/regions", Roles(REGION_READERS), "Regions").nav("nav.regions"), get(pages::admin::regions)),
        (def(M::GET, "/admin/instruments", Roles(SYS), "Assessment instrument versions").nav("nav.instruments"), get(pages::instruments::list)),
        (def(M::POST, "/admin/instruments", Roles(SYS), "Publish an instrument version (TOML upload)"), post(pages::instruments::publish)),
        (def(M::POST, "/admin/regions", Roles(SYS), "Add a region"), post(pages::admin::create_region)),
        (def(M::GET, "/admin/webhooks", Roles(SYS), "Webhook subscriptions of the administrator's region").nav("nav.webhooks"), get(pages::webhooks::list)),
        (def(M::POST, "/admin/webhooks", Roles(SYS), "Subscribe a receiver (the secret is shown once)"), post(pages::webhooks::create)),
        (def(M::GET, "/admin/outbound", Roles(SYS), "Mail and SMS sent to the people of the administrator's region (addresses masked)"), get(pages::webhooks::outbound)),
        (def(M::GET, "/admin/webhooks/{id}", Roles(SYS), "A webhook's delivery log").on(O::Webhook), get(pages::webhooks::deliveries)),
        (def(M::POST, "/admin/webhooks/{id}/active", Roles(SYS), "Stop or resume a webhook").on(O::Webhook), post(pages::webhooks::set_active)),
        (def(M::POST, "/admin/webhooks/{id}/replay", Roles(SYS), "Send a delivery again").on(O::Webhook), post(pages::webhooks::replay)),
        (def(M::GET, "/audit", Roles(AUDIT), "Audit search").nav("nav.audit"), get(pages::audit::search)),
        (def(M::GET, "/audit/verify", Roles(AUDIT), "Verify the audit chain"), get(pages::audit::verify)),
        (def(M::GET, "/audit/anchor", Roles(AUDIT), "Download an anchor of the audit chain's head (audited)"), get(pages::audit::anchor)),
        (def(M::GET, "/account/password", Anyone, "Change password form").nav("nav.password"), get(pages::auth::password_page)),
        (def(M::POST, "/account/password", Anyone, "Change password"), post(pages::auth::change_password)),
        (def(M::GET, "/account/contact", Anyone, "Mail and SMS notices: the caller's e-mail and mobile, and whether each is on"), get(pages::auth::contact_page)),
        (def(M::POST, "/account/contact", Anyone, "Save the caller's e-mail, mobile and consents"), post(pages::auth::save_contact)),
        (def(M::GET, "/account/totp", Anyone, "Two-step verification (TOTP): enrol or see its state"), get(pages::auth::totp_show)),
        (def(M::POST, "/account/totp/begin", Anyone, "Offer a new TOTP secret"), post(pages::auth::totp_begin)),
        (def(M::POST, "/account/totp/confirm", Anyone, "Confirm TOTP enrolment with a code (shows recovery codes once)"), post(pages::auth::totp_confirm)),
        (def(M::GET, "/account/tokens", Anyone, "The caller's API tokens"), get(pages::auth::tokens)),
        (def(M::POST, "/account/tokens/revoke", Anyone, "Revoke one of the caller's API tokens"), post(pages::auth::revoke_token)),
        (def(M::POST, "/account/tokens/gateway", Roles(ENTERPRISE_PROVIDER), "Issue a gateway's token (device readings only), shown once"), post(pages::auth::create_gateway_token)),
        def(M::POST, "/api/v1/account/password", Anyone, "Change the caller's password: {current, new}; ends its sessions and tokens").api(api::accounts::change_password),
        def(M::GET, "/api/v1/tokens", Anyone, "The caller's API tokens (never the secrets)").api(api::accounts::my_tokens),
        def(M::POST, "/api/v1/tokens/gateway", Roles(ENTERPRISE_PROVIDER), "Issue a gateway's token: {name, days}; it sends the caller's device readings and nothing else, shown once").api(api::accounts::create_gateway_token),
        def(M::POST, "/api/v1/tokens/revoke", Anyone, "Revoke a token: {id} (own, or the security administrator's scope)").api(api::accounts::revoke_token),
        def(M::GET, "/api/v1/users/{id}/tokens", Roles(SEC), "A user's API tokens (security administrator)").on(O::User).api(api::accounts::user_tokens),
        (def(M::GET, "/static/{file}", Public, "Embedded assets"), get(assets::serve)),
        (def(M::GET, "/healthz", Public, "Liveness"), get(api::health::healthz)),
        (def(M::GET, "/readyz", Public, "Readiness (database reachable)"), get(api::health::readyz)),
        def(M::GET, "/api/v1/system/stats", Roles(SYS), "The store and the statements this process has run").api(api::health::stats),
        (def(M::GET, "/api/openapi.json", Public, "This API's OpenAPI document"), get(api::openapi::document)),
        def(M::GET, "/api/v1/me", Anyone, "The caller's identity, role and scope").api(api::v1::me),
        def(M::GET, "/api/v1/notifications", Anyone, "The caller's messages (站内信), newest first (?unread=true), and the unread count").api(api::messages::list),
        def(M::POST, "/api/v1/notifications/read", Anyone, "Mark one message read: {id}, or all: {}").api(api::messages::mark_read),
        def(M::GET, "/api/v1/notifications/mutes", Anyone, "The kinds of event the caller muted, and every kind").api(api::messages::mutes),
        def(M::POST, "/api/v1/notifications/mutes", Anyone, "Replace the muted kinds: {muted: [kind]}").api(api::messages::set_mutes),
        def(M::GET, "/api/v1/notifications/contact", Anyone, "The caller's own e-mail and mobile for notices, and whether mail / SMS is on for them and for the platform").api(api::messages::contact),
        def(M::POST, "/api/v1/notifications/contact", Anyone, "Set them: {email, mobile, email_on, sms_on}, each optional; a malformed address is refused").api(api::messages::set_contact),
        def(M::GET, "/api/v1/outbound", Roles(SYS), "Mail and SMS sent to the people of the administrator's region, newest first (addresses masked)").api(api::messages::outbound_log),
        def(M::GET, "/api/v1/webhooks", Roles(SYS), "Webhook subscriptions in the administrator's region").api(api::messages::webhooks),
        def(M::POST, "/api/v1/webhooks", Roles(SYS), "Subscribe a receiver: {url, region, kinds}; the answer holds the signing secret, once").api(api::messages::create_webhook),
        def(M::POST, "/api/v1/webhooks/{id}/active", Roles(SYS), "Stop or resume a webhook: {active}").on(O::Webhook).api(api::messages::set_active),
        def(M::GET, "/api/v1/webhooks/{id}/deliveries", Roles(SYS), "A webhook's delivery log, newest first").on(O::Webhook).api(api::messages::deliveries),
        def(M::POST, "/api/v1/webhooks/{id}/replay", Roles(SYS), "Send one of its deliveries again: {delivery}").on(O::Webhook).api(api::messages::replay),
        def(M::GET, "/api/v1/workbench", Anyone, "The caller's workbench: to-dos (待办) sorted by deadline with the link that opens each, recent steps (已办), an enterprise's journey").api(api::v1::workbench),
        def(M::GET, "/api/v1/enterprises", Roles(OFFICER_ENTERPRISE), "Enterprises in scope (filters, keyset paginated)").api(api::directory::enterprises),
        def(M::POST, "/api/v1/enterprises", Roles(OFFICER), "Register an enterprise").api(api::directory::create_enterprise),
        def(M::GET, "/api/v1/enterprises/{id}", Roles(OFFICER_ENTERPRISE), "One enterprise; personal data masked unless ?personal=true, which is audited").on(O::Enterprise).api(api::directory::enterprise),
        def(M::POST, "/api/v1/cloud-records", Roles(CLOUD_REPORTERS), "Report cloud services in bulk (by 统一社会信用代码)").api(api::directory::cloud_bulk),
        def(M::POST, "/api/v1/assessments", Roles(OFFICER_ENTERPRISE), "Score and store a submitted assessment (self for an enterprise user, on-site for an officer)").api(api::assessments::create),
        def(M::GET, "/api/v1/providers", Roles(OFFICER_PROVIDER), "Providers in scope").applicant().api(api::directory::providers),
        def(M::GET, "/api/v1/providers/{id}", Roles(OFFICER_PROVIDER), "One provider with its sub-industries, reviews, objections and history").on(O::Provider).applicant().api(api::providers::provider),
        def(M::POST, "/api/v1/provider-applications", Public, "Apply to the provider pool (creates the provider's account)").public_form().api(api::providers::apply),
        def(M::POST, "/api/v1/providers/{id}/transitions", Roles(OFFICER_PROVIDER), "A lifecycle step: {action, reason, deadline, experts, version}").on(O::Provider).api(api::providers::transition),
        def(M::POST, "/api/v1/providers/{id}/evaluations", Roles(OFFICER), "Start a periodic evaluation: {experts, rubric}").on(O::Provider).api(api::providers::start_evaluation),
        def(M::POST, "/api/v1/providers/{id}/review/finish", Roles(OFFICER), "Combine the expert scores and close the open review").on(O::Provider).api(api::providers::finish_review),
        def(M::POST, "/api/v1/providers/{id}/objection-decisions", Roles(OFFICER), "Uphold or dismiss an objection: {objection_id, uphold, reason}").on(O::Provider).api(api::providers::resolve_objection),
        def(M::GET, "/api/v1/public/providers", Public, "Public: providers in the pool and under 公示").api(api::providers::public_providers),
        def(M::GET, "/api/v1/public/providers/{id}", Public, "Public: a provider's state, rating and history").on(O::Provider).api(api::providers::public_provider),
        def(M::POST, "/api/v1/public/providers/{id}/objections", Public, "Public: lodge an objection during 公示: {name, contact, body}").on(O::Provider).public_form().api(api::providers::object),
        def(M::GET, "/api/v1/rubric", Anyone, "The expert scoring rubric in force").api(api::providers::rubric),
        def(M::GET, "/api/v1/rubrics", Anyone, "Every rubric a periodic evaluation may use, the default first").api(api::providers::rubrics),
        def(M::GET, "/api/v1/reviews", Roles(EXPERT_ONLY), "The expert's review sheets").api(api::providers::sheets),
        def(M::GET, "/api/v1/reviews/{id}", Roles(EXPERT_ONLY), "A review sheet: the review's rubric, the provider's record on the platform (acceptance outcomes, satisfaction) and the scores given").on(O::Sheet).api(api::providers::sheet),
        def(M::POST, "/api/v1/reviews/{id}/declaration", Roles(EXPERT_ONLY), "Declare a conflict of interest: {conflict, note}").on(O::Sheet).api(api::providers::declare),
        def(M::POST, "/api/v1/reviews/{id}/scores", Roles(EXPERT_ONLY), "Submit scores: {scores: {criterion: points}}").on(O::Sheet).api(api::providers::score),
        def(M::GET, "/api/v1/sub-industries", Roles(OFFICER), "Pilot sub-industries in scope").api(api::providers::sub_industries),
        def(M::POST, "/api/v1/sub-industries", Roles(OFFICER), "Define a pilot sub-industry: {name, codes}").api(api::providers::add_sub_industry),
        def(M::GET, "/api/v1/solutions", Roles(CATALOGUE), "Search published solutions: q, scene, industry, max_price, min_stars, xkqz, tag").api(api::catalogue::search),
        def(M::GET, "/api/v1/solution-tags", Anyone, "The closed list of catalogue tags a solution may carry").api(api::catalogue::tags),
        def(M::POST, "/api/v1/solutions", Roles(PROVIDER_ONLY), "Draft a solution").api(api::catalogue::create_solution),
        def(M::GET, "/api/v1/solutions/{id}", Roles(CATALOGUE), "One solution with its price items").on(O::Solution).api(api::catalogue::solution),
        def(M::POST, "/api/v1/solutions/{id}", Roles(PROVIDER_ONLY), "Replace a draft or rejected solution").on(O::Solution).api(api::catalogue::update_solution),
        def(M::POST, "/api/v1/solutions/{id}/transitions", Roles(OFFICER_PROVIDER), "submit / publish / reject / withdraw: {action, note}").on(O::Solution).api(api::catalogue::solution_transition),
        def(M::GET, "/api/v1/enterprises/{id}/matches", Roles(OFFICER_ENTERPRISE), "Solutions ranked for the enterprise's gaps, with reasons (budget in yuan)").on(O::Enterprise).api(api::catalogue::matches),
        def(M::GET, "/api/v1/contact-requests", Roles(ENTERPRISE_PROVIDER), "Contact requests (details only with consent)").api(api::catalogue::contacts),
        def(M::POST, "/api/v1/contact-requests", Roles(ENTERPRISE_ONLY), "Ask a provider to contact the enterprise: {provider_id, solution_id, message}").api(api::catalogue::request_contact),
        def(M::POST, "/api/v1/contact-requests/{id}/consent", Roles(ENTERPRISE_ONLY), "Give or revoke consent: {give}").on(O::Contact).api(api::catalogue::consent),
        def(M::GET, "/api/v1/programmes", Anyone, "Pilot programmes in force and their rules").api(api::programmes::programmes),
        def(M::POST, "/api/v1/enrolments", Roles(ENTERPRISE_ONLY), "Apply to a pilot programme: {programme_id}").api(api::programmes::apply),
        def(M::GET, "/api/v1/enrolments", Roles(OFFICER_ENTERPRISE), "Applications to the pilot-enterprise pool in scope").api(api::programmes::list),
        def(M::GET, "/api/v1/enrolments/{id}", Roles(OFFICER_ENTERPRISE), "An application with its eligibility checks, history and objections").on(O::Enrolment).api(api::programmes::enrolment),
        def(M::POST, "/api/v1/enrolments/{id}/transitions", Roles(OFFICER), "A review step: {action, reason, version}").on(O::Enrolment).api(api::programmes::transition),
        def(M::POST, "/api/v1/enrolments/{id}/objection-decisions", Roles(OFFICER), "Uphold or dismiss an objection: {objection_id, uphold, reason}").on(O::Enrolment).api(api::programmes::resolve_objection),
        def(M::GET, "/api/v1/public/pilot-enterprises", Public, "Public: enterprises under 公示 and listed").api(api::programmes::public_pool),
        def(M::POST, "/api/v1/public/pilot-enterprises/{id}/objections", Public, "Public: object during 公示: {name, contact, body}").on(O::Enrolment).public_form().api(api::programmes::object),
        def(M::GET, "/api/v1/projects", Roles(PROJECT_PARTIES), "Transformation projects in scope").api(api::projects::list),
        def(M::POST, "/api/v1/projects", Roles(ENTERPRISE_ONLY), "Start a project: {enrolment_id, provider_id, title}").api(api::projects::create),
        def(M::GET, "/api/v1/projects/{id}", Roles(PROJECT_PARTIES), "A project with its documents, milestones, evidence, payments and history").on(O::Project).api(api::projects::project),
        def(M::POST, "/api/v1/projects/{id}/transitions", Roles(PROJECT_PARTIES), "A project step: {action, reason, version, diagnosis, plan, contract, filing_no}").on(O::Project).api(api::projects::transition),
        def(M::POST, "/api/v1/projects/{id}/milestones", Roles(ENTERPRISE_PROVIDER), "Add a milestone: {title, due_date}").on(O::Project).api(api::projects::add_milestone),
        def(M::POST, "/api/v1/projects/{id}/milestones/done", Roles(ENTERPRISE_PROVIDER), "Mark a milestone done (evidence required): {milestone_id}").on(O::Project).api(api::projects::finish_milestone),
        def(M::POST, "/api/v1/projects/{id}/files", Roles(ENTERPRISE_PROVIDER), "Upload evidence (multipart field file; ?kind=&milestone_id=)").on(O::Project).upload().api(api::projects::upload),
        def(M::POST, "/api/v1/projects/{id}/payments", Roles(ENTERPRISE_PROVIDER), "Record an invoice or payment: {kind, category, number, amount, date}").on(O::Project).api(api::projects::record_payment),
        def(M::GET, "/api/v1/projects/{id}/acceptance", Roles(ACCEPTANCE_PARTIES), "Acceptance: material checklist, criteria evaluation, history, integrity flags (officers), subsidies").on(O::Project).api(api::acceptance::show),
        def(M::POST, "/api/v1/projects/{id}/acceptance", Roles(ENTERPRISE_ONLY), "Apply for acceptance: {declare, bank_account, summary}").on(O::Project).api(api::acceptance::apply),
        def(M::GET, "/api/v1/projects/{id}/satisfaction", Roles(OFFICER_ENTERPRISE), "The enterprise's satisfaction evaluation of the provider (form, record, whether it may be given)").on(O::Project).api(api::satisfaction::show),
        def(M::POST, "/api/v1/projects/{id}/satisfaction", Roles(ENTERPRISE_ONLY), "Evaluate the provider's service once the project is accepted (once per project): {scores, comment}").on(O::Project).api(api::satisfaction::submit),
        def(M::GET, "/api/v1/device-kinds", Anyone, "Device types and connection protocols a device is registered with").api(api::equipment::kinds),
        def(M::GET, "/api/v1/enterprises/{id}/devices", Roles(DEVICE_READERS), "An enterprise's connected devices (设备上云)").on(O::Enterprise).api(api::equipment::list),
        def(M::POST, "/api/v1/enterprises/{id}/devices", Roles(DEVICE_READERS), "Register a device: {code, name, kind, protocol, gateway, project_id, ideal_cycle_ms}; a provider names its project").on(O::Enterprise).api(api::equipment::register),
        def(M::GET, "/api/v1/enterprises/{id}/kpis", Roles(DEVICE_READERS), "OEE, energy per unit and utilisation of an enterprise's devices (or ?device=) by day or hour, with the sums behind them").on(O::Enterprise).api(api::equipment::enterprise_kpis),
        def(M::POST, "/api/v1/devices/readings", Roles(ENTERPRISE_PROVIDER), "A batch of device readings: one answer per reading (stored, duplicate, refused with its reason)").api(api::equipment::readings),
        def(M::GET, "/api/v1/projects/{id}/kpis", Roles(ACCEPTANCE_PARTIES), "OEE, energy per unit and utilisation of a project's devices by day or hour").on(O::Project).api(api::equipment::project_kpis),
        def(M::POST, "/api/v1/projects/{id}/acceptance/transitions", Roles(OFFICER_ENTERPRISE), "An acceptance step: {action, reason, version, onsite_assessment_id, finance_eligible, finance_note, declare}").on(O::Project).api(api::acceptance::transition),
        def(M::GET, "/api/v1/projects/{id}/bundle", Roles(OFFICER_ENTERPRISE), "The acceptance bundle (一企一档) as a ZIP with a manifest of SHA-256 and SM3 hashes").on(O::Project).api(api::acceptance::download_bundle),
        def(M::POST, "/api/v1/projects/{id}/subsidies", Roles(OFFICER), "Compute a subsidy and reserve it from the pool: {stage}").on(O::Project).api(api::acceptance::compute),
        def(M::POST, "/api/v1/projects/{id}/integrity-flags/clear", Roles(OFFICER), "Clear an integrity flag with a reason: {flag_id, reason}").on(O::Project).api(api::acceptance::clear_flag),
        def(M::GET, "/api/v1/projects/{id}/outcomes", Roles(PROJECT_PARTIES), "Outcomes on the seven axes: lines (baseline, result, change, improvement, evidence) and what the project's state allows").on(O::Project).api(api::outcomes::list),
        def(M::POST, "/api/v1/projects/{id}/outcomes", Roles(ENTERPRISE_PROVIDER), "Record an outcome line: {axis, indicator, unit, better, baseline, baseline_date, result, result_date, note, evidence_ids}").on(O::Project).api(api::outcomes::add),
        def(M::POST, "/api/v1/projects/{id}/outcomes/results", Roles(ENTERPRISE_PROVIDER), "Record a line's result: {line_id, result, result_date, note, evidence_ids, version}").on(O::Project).api(api::outcomes::result),
        def(M::GET, "/api/v1/outcomes/summary", Roles(OFFICER), "Outcomes per sub-industry and axis: projects reporting, median improvement per indicator (?region=)").api(api::outcomes::summary),
        def(M::GET, "/api/v1/public/outcomes", Public, "Public: outcomes per sub-industry and axis, cells of fewer than 3 projects suppressed").api(api::outcomes::public_summary),
        def(M::GET, "/api/v1/rounds", Roles(OFFICER_EXPERT), "On-site acceptance rounds: the officer's region, or the assessor's own").api(api::rounds::list),
        def(M::POST, "/api/v1/rounds", Roles(OFFICER), "Plan an on-site acceptance round: {programme_id, region_code, date, place, note}").api(api::rounds::create),
        def(M::POST, "/api/v1/rounds/conflicts", Roles(EXPERT_ONLY), "An assessor declares a conflict of interest: {enterprise_id, provider_id, note}").api(api::rounds::declare),
        def(M::GET, "/api/v1/rounds/{id}", Roles(OFFICER_EXPERT), "A round: its enterprises, projects, providers, assessors and history").on(O::Round).api(api::rounds::show),
        def(M::POST, "/api/v1/rounds/{id}/acceptances", Roles(OFFICER), "Add an acceptance waiting for its on-site check: {acceptance_id}").on(O::Round).api(api::rounds::add_acceptance),
        def(M::POST, "/api/v1/rounds/{id}/assessors", Roles(OFFICER), "Assign an assessor (conflicts of interest refused): {user_id}").on(O::Round).api(api::rounds::assign),
        def(M::POST, "/api/v1/rounds/{id}/transitions", Roles(OFFICER), "A round step: {action: start|close, version}").on(O::Round).api(api::rounds::transition),
        def(M::GET, "/api/v1/integrity-flags", Roles(OFFICER_AUDIT), "Integrity flags in the region (?cleared=true for cleared ones)").api(api::integrity::flags),
        def(M::GET, "/api/v1/subsidies", Roles(OFFICER_AUDIT), "Subsidies in the region (?status=)").api(api::subsidies::subsidies),
        def(M::GET, "/api/v1/subsidies/{id}", Roles(OFFICER_ENTERPRISE), "A subsidy: trace, 公示, objections, payments, ledger transfers").on(O::Subsidy).api(api::subsidies::subsidy),
        def(M::POST, "/api/v1/subsidies/{id}/transitions", Roles(OFFICER), "A subsidy step: {action: publicise|approve|cancel, reason, version}").on(O::Subsidy).api(api::subsidies::subsidy_transition),
        def(M::POST, "/api/v1/subsidies/{id}/payments", Roles(OFFICER), "Pay an approved subsidy exactly once: Idempotency-Key header, {voucher}").on(O::Subsidy).api(api::subsidies::pay),
        def(M::POST, "/api/v1/subsidies/{id}/reversal", Roles(OFFICER), "Reverse a payment by a compensating transfer: {payment_id, reason}").on(O::Subsidy).api(api::subsidies::reverse),
        def(M::POST, "/api/v1/subsidies/{id}/objection-decisions", Roles(OFFICER), "Uphold (cancels the subsidy) or dismiss an objection: {objection_id, uphold, reason}").on(O::Subsidy).api(api::subsidies::resolve_objection),
        def(M::GET, "/api/v1/open-data/ocds", Public, "Open data: OCDS 1.1 release package of filed projects (?after=&limit=)").api(api::open::ocds),
        def(M::GET, "/api/v1/open-data/ocds/extension.json", Public, "Open data: metadata of Dengta's OCDS extension (subsidy fields)").api(api::open::ocds_extension),
        def(M::GET, "/api/v1/open-data/ocds/release-schema.json", Public, "Open data: the extension's patch of the OCDS release schema").api(api::open::ocds_extension_schema),
        def(M::GET, "/api/v1/open-data/projects.csv", Public, "Open data: filed projects as CSV").api(api::open::open_csv),
        def(M::GET, "/api/v1/data-products", Public, "Data products for data exchanges: fields, grain, suppression threshold, licence, rhythm").api(api::data_products::catalogue),
        def(M::GET, "/api/v1/data-products/export", Roles(OFFICER), "A data product over the officer's region, de-identified (consenting enterprises only, small cells left out): ZIP with manifest.json (SHA-256, SM3), data.csv, data.json (?product=)").api(api::data_products::export),
        def(M::GET, "/api/v1/enterprises/{id}/data-consent", Roles(OFFICER_ENTERPRISE), "The enterprise's consent to data products, per scope").on(O::Enterprise).api(api::data_products::consents),
        def(M::POST, "/api/v1/enterprises/{id}/data-consent", Roles(ENTERPRISE_ONLY), "Give or withdraw the enterprise's own consent to data products: {scope, given}").on(O::Enterprise).api(api::data_products::set_consent),
        def(M::GET, "/api/v1/public/subsidies", Public, "Public: subsidies under 公示 and decided, with their computation").api(api::subsidies::public_subsidies),
        def(M::POST, "/api/v1/public/subsidies/{id}/objections", Public, "Public: object to a subsidy during 公示: {name, contact, body}").on(O::Subsidy).public_form().api(api::subsidies::object),
        def(M::GET, "/api/v1/dashboard", Roles(OFFICER_AUDIT), "Dashboard of a region in scope (?region=): counters, drill-down, sub-industries against target, trends").api(api::dashboard::dashboard),
        def(M::GET, "/api/v1/dashboard/evaluation", Roles(OFFICER_AUDIT), "City performance evaluation of a region in scope (?region=): each indicator of the set with its value, counts, target, result and points").api(api::evaluation::city),
        def(M::GET, "/api/v1/dashboard/export", Roles(OFFICER_AUDIT), "One dashboard tile as .xlsx (?tile=regions|sub_industries|levels|months|money&region=)").api(api::dashboard::dashboard_export),
        def(M::POST, "/api/v1/dashboard/targets", Roles(OFFICER), "Set a target for the officer's region: {metric: cloud|assessed|level_ge2|filed|accepted, value}").api(api::dashboard::set_target),
        def(M::GET, "/api/v1/reports/export", Roles(OFFICER), "Upward report: the signed (Ed25519) package of the region's dashboard counters, no personal data").api(api::dashboard::report_export),
        def(M::GET, "/api/v1/reports/key", Roles(OFFICER), "This instance's public key for upward reports").api(api::dashboard::report_key),
        def(M::POST, "/api/v1/reports/keys", Roles(OFFICER), "Trust a lower instance's public key for a region below: {region_code, public_key, valid_days}").api(api::dashboard::report_trust),
        def(M::GET, "/api/v1/reports/keys", Roles(OFFICER), "Keys trusted for the regions below, with expiry and revocation").api(api::dashboard::report_keys),
        def(M::POST, "/api/v1/reports/keys/revoke", Roles(OFFICER), "Revoke a trusted key: {region_code, public_key, reason}; packages it signs are refused").api(api::dashboard::report_revoke),
        def(M::POST, "/api/v1/reports/import", Roles(OFFICER), "Import a signed package from below (tampered or untrusted packages are refused)").api(api::dashboard::report_import),
        def(M::GET, "/api/v1/reports", Roles(OFFICER), "Packages imported from the instances below").api(api::dashboard::reports),
        def(M::GET, "/api/v1/chains", Roles(PROJECT_PARTIES), "Chain and cluster projects (链式 / 面状) in scope").api(api::chains::list),
        def(M::POST, "/api/v1/chains", Roles(ENTERPRISE_ONLY), "Open a chain as its lead: {enrolment_id, provider_id, kind, name, park, target_members, target_l2_pct}").api(api::chains::create),
        def(M::GET, "/api/v1/chains/{id}", Roles(PROJECT_PARTIES), "A chain: frame lines, cohort, split of the money, steps").on(O::Chain).api(api::chains::file),
        def(M::POST, "/api/v1/chains/{id}/members", Roles(ENTERPRISE_ONLY), "Join a forming chain: {enrolment_id}; the SME's project (its line) opens with the chain's provider").on(O::Chain).api(api::chains::join),
        def(M::POST, "/api/v1/chains/{id}/transitions", Roles(OFFICER_ENTERPRISE), "Submit, withdraw, approve or return a chain: {action, reason, version}").on(O::Chain).api(api::chains::step),
        def(M::GET, "/api/v1/cases", Roles(OFFICER_EXPERT), "Typical cases and 小灯塔 nominations in the region").api(api::open::cases),
        def(M::POST, "/api/v1/cases", Roles(OFFICER_ENTERPRISE), "Nominate a typical case or 小灯塔 enterprise: {kind, enterprise_id, project_id, title, summary, outcome}").api(api::open::nominate),
        def(M::GET, "/api/v1/cases/{id}", Roles(CASE_READERS), "A nomination with its history").on(O::Case).api(api::open::case),
        def(M::POST, "/api/v1/cases/{id}/transitions", Roles(OFFICER_EXPERT), "Review, decline, publish or revoke: {action, opinion, version}").on(O::Case).api(api::open::case_transition),
        def(M::GET, "/api/v1/public/cases", Public, "Public: published typical cases (?kind=typical_case) or 小灯塔 enterprises (?kind=lighthouse)").api(api::open::public_cases),
        def(M::GET, "/api/v1/ledger/pools", Roles(OFFICER_AUDIT), "Budget pools: planned, allocated, available, committed, payable, disbursed (?programme=)").api(api::ledger::pools),
        def(M::POST, "/api/v1/ledger/allocations", Roles(OFFICER), "Allocate budget to a pool: {programme_id, pool, amount, reference}, Idempotency-Key").api(api::ledger::allocate),
        def(M::GET, "/api/v1/ledger/reconciliation", Roles(OFFICER_AUDIT), "Reconcile the ledger: legs vs balances, subsidies vs accounts").api(api::ledger::reconciliation),
        def(M::GET, "/api/v1/supply-gaps", Roles(OFFICER), "Supply gaps: the region's weak scenes by industry division against the published solutions serving them (number, 小快轻准, prices), shortest supply first (?region=)").api(api::supply::gaps),
        def(M::GET, "/api/v1/demand", Roles(OFFICER_PROVIDER), "Aggregated weak scenes by industry division and sub-industry (region)").api(api::catalogue::demand),
        def(M::GET, "/api/v1/regions", Anyone, "Regions in the caller's subtree").api(api::directory::regions),
        def(M::GET, "/api/v1/users", Roles(ACCOUNT_ADMINS), "Users in scope").api(api::accounts::users),
        def(M::POST, "/api/v1/users", Roles(SYS), "Create a user").api(api::accounts::create_user),
        def(M::GET, "/api/v1/users/{id}", Roles(ACCOUNT_ADMINS), "One user").on(O::User).api(api::accounts::user),
        def(M::GET, "/api/v1/account-requests", Roles(ACCOUNT_ADMINS), "Two-person account requests in scope, with whether the caller may decide").api(api::account_requests::list),
        def(M::POST, "/api/v1/account-requests", Roles(ACCOUNT_ADMINS), "Request an administrator-account change: {action, target_user_id | username, display_name, role, region; reason}").api(api::account_requests::create),
        def(M::POST, "/api/v1/account-requests/{id}/decision", Roles(ACCOUNT_ADMINS), "Approve ({approve: true}; answers a one-time password for create/reset) or reject").api(api::account_requests::decide),
        def(M::GET, "/api/v1/audit", Roles(AUDIT), "Search the audit trail").api(api::audit::audit),
        def(M::GET, "/api/v1/audit/verify", Roles(AUDIT), "Verify the audit chain").api(api::audit::audit_verify),
        def(M::GET, "/api/v1/audit/anchor", Roles(AUDIT), "An anchor of the audit chain's head, to keep outside the system (audited)").api(api::audit::audit_anchor),
    ]
}

/// The route definitions alone (for the OpenAPI document and tests).
pub fn defs() -> Vec<RouteDef> {
    table().into_iter().map(|(d, _)| d).collect()
}

/// The side navigation for a role: (href, i18n key).
pub fn navigation(role: Role) -> Vec<(&'static str, &'static str)> {
    navigation_for(role, None)
}

/// The side navigation for a role, without the entries a provider not yet admitted may not use.
/// The side navigation's groups, in order: a group's heading (i18n key) and the entries (their
/// i18n keys) under it. Headings show for roles with many entries (see `layout`).
pub const NAV_GROUPS: &[(&str, &[&str])] = &[
    ("nav.g_overview", &["nav.home", "nav.dashboard"]),
    ("nav.g_enterprises", &["nav.enterprises", "nav.assessments", "nav.claims"]),
    (
        "nav.g_providers",
        &[
            "nav.providers",
            "nav.sub_industries",
            "nav.reviews",
            "nav.solutions",
            "nav.solution_review",
            "nav.my_solutions",
            "nav.matches",
            "nav.contacts",
            "nav.demand",
        ],
    ),
    ("nav.g_pilot", &["nav.programmes", "nav.enrolments", "nav.projects", "nav.chains", "nav.outcomes", "nav.rounds"]),
    ("nav.g_money", &["nav.subsidies", "nav.ledger", "nav.integrity"]),
    ("nav.g_system", &["nav.users", "duty.requests", "nav.regions", "nav.webhooks", "nav.instruments", "nav.audit"]),
    ("nav.g_account", &["nav.password"]),
];

/// The group heading (i18n key) an entry falls under.
pub fn nav_group(key: &str) -> Option<&'static str> {
    NAV_GROUPS.iter().find(|(_, keys)| keys.contains(&key)).map(|(g, _)| *g)
}

pub fn navigation_for(role: Role, provider_admitted: Option<bool>) -> Vec<(&'static str, &'static str)> {
    static DEFS: std::sync::LazyLock<Vec<RouteDef>> = std::sync::LazyLock::new(defs);
    let applicant = provider_admitted == Some(false);
    DEFS.iter()
        .filter(|d| d.method == Method::GET && d.access.allows(Some(role)))
        .filter(|d| !applicant || d.open_to_applicants())
        .filter_map(|d| d.nav.map(|k| (d.path, k)))
        .collect()
}

/// Route middleware: enforces the table's `Access` before any handler runs, and keeps a provider
/// that has only applied to routes that follow its application.
async fn enforce(
    State((access, open_to_applicants)): State<(Access, bool)>,
    ctx: Ctx,
    req: Request,
    next: Next,
) -> Response {
    let role = ctx.principal.as_ref().map(|p| p.role);
    if !access.allows(role) {
        return if role.is_none() {
            crate::error::HttpError(AppError::Unauthenticated)
        } else {
            crate::error::HttpError(AppError::Forbidden)
        }
        .into_response();
    }
    if ctx.provider_admitted == Some(false) && !open_to_applicants {
        // Refused before the handler reads anything, so the answer is the same whatever the
        // request names (an unknown credit code or object looks like a known one).
        return super::error::Problem {
            status: axum::http::StatusCode::FORBIDDEN,
            key: "error.provider_not_admitted",
            detail: String::new(),
        }
        .into_response();
    }
    next.run(req).await
}

/// Route middleware for public forms: so many per client address per hour, then 429 with
/// Retry-After. Only the posts count; the pages that show the forms do not.
async fn limit_public_form(req: Request, next: Next) -> Response {
    let limits = req.extensions().get::<std::sync::Arc<crate::app::Limits>>().cloned();
    let client = req.extensions().get::<Ctx>().map(|c| c.client.clone()).unwrap_or_default();
    if req.method() == Method::POST
        && let Some(limits) = limits
        && let Err(secs) = limits.public_forms.check(&client)
    {
        tracing::warn!(client = %client, "public form rate limit");
        let mut res = super::error::Problem {
            status: StatusCode::TOO_MANY_REQUESTS,
            key: "error.too_many_forms",
            detail: String::new(),
        }
        .into_response();
        res.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(secs));
        return res;
    }
    next.run(req).await
}

/// Refuses an API request whose query names a parameter the route does not take, names one
/// twice, or gives a value its documented schema does not allow — instead of ignoring it. The
/// plain-text refusal becomes a problem in the caller's language (`resolve::framework_rejection`).
async fn strict_query(State(params): State<Arc<Vec<Param>>>, req: Request, next: Next) -> Response {
    if let Some(q) = req.uri().query() {
        let mut seen: Vec<String> = Vec::new();
        for (name, value) in form_urlencoded::parse(q.as_bytes()) {
            let Some(param) = params.iter().find(|p| p.name == name) else {
                let known = if params.is_empty() {
                    "（无）".to_owned()
                } else {
                    params.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")
                };
                let text = format!("unknown query parameter “{name}” (this operation takes: {known})");
                return (StatusCode::BAD_REQUEST, text).into_response();
            };
            if seen.iter().any(|s| *s == name) {
                return (StatusCode::BAD_REQUEST, format!("query parameter “{name}” given twice")).into_response();
            }
            seen.push(name.into_owned());
            if let Err(text) = param.check(&value) {
                return (StatusCode::BAD_REQUEST, text).into_response();
            }
        }
    }
    next.run(req).await
}

/// Builds the router from the table, each route guarded by its access rule.
pub fn router() -> Router<App> {
    let mut by_path: Vec<(&'static str, MethodRouter<App>)> = Vec::new();
    for (d, mr) in table() {
        let mr = if d.upload { mr.layer(DefaultBodyLimit::max(UPLOAD_LIMIT)) } else { mr };
        let mr = if d.public_form { mr.layer(middleware::from_fn(limit_public_form)) } else { mr };
        let mr = if d.is_api() {
            let mr = if d.method == Method::GET { mr } else { mr.route_layer(middleware::from_fn(integral_numbers)) };
            mr.route_layer(middleware::from_fn_with_state(Arc::new(d.query_params()), strict_query))
        } else {
            mr
        };
        let guarded = mr.route_layer(middleware::from_fn_with_state((d.access, d.open_to_applicants()), enforce));
        // A change needs the CSRF token; checked once the route matched, so a method no route
        // takes answers 405 (with Allow) rather than a CSRF refusal.
        let guarded =
            if d.method == Method::GET { guarded } else { guarded.route_layer(middleware::from_fn(csrf::protect)) };
        match by_path.iter_mut().find(|(p, _)| *p == d.path) {
            Some((_, existing)) => *existing = std::mem::take(existing).merge(guarded),
            None => by_path.push((d.path, guarded)),
        }
    }
    by_path.into_iter().fold(Router::new(), |r, (p, mr)| r.route(p, mr))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_navigation_entry_has_a_group_in_table_order() {
        let keys: Vec<&str> = defs().iter().filter_map(|d| d.nav).collect();
        for k in &keys {
            assert!(nav_group(k).is_some(), "{k} has no group in NAV_GROUPS");
        }
        // Groups appear in the route table's order, so a grouped navigation never repeats a heading.
        let order: Vec<usize> =
            keys.iter().filter_map(|k| NAV_GROUPS.iter().position(|(_, ks)| ks.contains(k))).collect();
        assert!(order.windows(2).all(|w| w[0] <= w[1]), "{keys:?}");
    }
}
