//! Dengta's pure domain core: identifiers, money, roles and scopes, rules and
//! their computations. Nothing here does IO, so every rule is a plain function
//! that can be unit- and property-tested in microseconds.

#[macro_use]
mod coded;

pub mod assessment;
pub mod audit;
pub mod catalogue;
pub mod chart;
mod coded_schemas;
pub mod codes;
pub mod dashboard;
pub mod data_product;
pub mod disclosure;
pub mod duties;
pub mod enterprise;
pub mod equipment;
pub mod evaluation;
pub mod integrity;
pub mod ledger;
pub mod limits;
pub mod money;
pub mod policy;
pub mod programme;
pub mod provider;
pub mod region;
pub mod role;
pub mod satisfaction;
pub mod schema;
pub mod workbench;
