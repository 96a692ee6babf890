//! Integration tests: one binary (faster to link), one module per area.
//! Every test that touches storage runs on SQLite and on PostgreSQL.

// Test code: a failed unwrap is a failed test, which is what we want.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod pilot_fixture;
mod support;

/// For each async fn `name(store: Store)`, generates `name::sqlite` and
/// `name::postgres` tests.
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::support::Store::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::support::Store::Postgres).await
                }
            }
        )*
    };
}

mod access_matrix;
mod account_security;
mod accounts;
mod api;
mod assessments;
mod audit;
mod audit_chain;
mod cases;
mod catalogue;
mod chains;
mod cli;
mod csrf;
mod dashboard;
mod data_products;
mod demo;
mod duties;
mod enterprise_file;
mod equipment;
mod evaluation;
mod faults;
mod forms;
mod generate;
mod import_export;
mod instances;
mod instruments;
mod layers;
mod money;
mod money_rules;
mod need_to_know;
mod notifications;
mod outbound;
mod outcomes_rounds;
mod pool;
mod programme_files;
mod programmes;
mod projects;
mod query_plans;
mod rejections;
mod reports;
mod resources;
mod satisfaction;
mod schema;
mod supply_gaps;
mod workbench;
