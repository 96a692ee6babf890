//! The textual forms of the domain's codes as JSON Schema, for the API's OpenAPI document: the
//! patterns of codes (region, credit code, industry, money) and the closed lists of states,
//! actions and kinds, taken from the enums themselves so the document follows the code.

use schemars::{Schema, SchemaGenerator, json_schema};

use crate::enterprise::profile::SrdiTier;
use crate::enterprise::size_class::SizeClass;
use crate::programme::acceptance::{AcceptanceAction, SubsidyAction, SubsidyState};
use crate::programme::cases::{CaseAction, CaseKind};
use crate::programme::workflow::{EnrolmentAction, EnrolmentState, ProjectAction};
use crate::provider::lifecycle::{ProviderAction, ProviderState};
use crate::role::Role;

/// 行政区划代码 (GB/T 2260): six digits.
pub const REGION: &str = r"^[0-9]{6}$";
/// 统一社会信用代码 (GB 32100): 18 characters of its alphabet (the check digit is checked on the
/// server).
pub const USCC: &str = r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$";
/// 国民经济行业分类 (GB/T 4754-2017): a section letter, or a division, group or class code.
pub const INDUSTRY: &str = r"^([A-T]|[0-9]{2}|[0-9]{3}|[0-9]{4})$";
/// An amount in yuan with at most two decimals (`1234.56`).
pub const YUAN: &str = r"^[0-9]{1,13}(\.[0-9]{1,2})?$";
/// A keyset position: digits (an id or a code), empty for the first page.
pub const KEY: &str = r"^[0-9]{0,18}$";
/// A calendar day.
pub const DATE: &str = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$";

fn one_of(codes: impl IntoIterator<Item = &'static str>) -> Schema {
    let codes: Vec<&str> = codes.into_iter().collect();
    json_schema!({ "type": "string", "enum": codes })
}

fn pattern(p: &str) -> Schema {
    json_schema!({ "type": "string", "pattern": p })
}

pub fn region(_: &mut SchemaGenerator) -> Schema {
    pattern(REGION)
}
pub fn uscc(_: &mut SchemaGenerator) -> Schema {
    pattern(USCC)
}
pub fn industry(_: &mut SchemaGenerator) -> Schema {
    pattern(INDUSTRY)
}
pub fn yuan(_: &mut SchemaGenerator) -> Schema {
    pattern(YUAN)
}
pub fn key(_: &mut SchemaGenerator) -> Schema {
    pattern(KEY)
}
pub fn date(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "pattern": DATE, "format": "date" })
}
/// A yes/no filter.
pub fn yes_no(_: &mut SchemaGenerator) -> Schema {
    one_of(["yes", "no"])
}
/// A flag in a query string.
pub fn flag(_: &mut SchemaGenerator) -> Schema {
    one_of(["true", "false", "1", "0"])
}
pub fn size_class(_: &mut SchemaGenerator) -> Schema {
    one_of(SizeClass::ALL.map(SizeClass::code))
}
pub fn srdi_tier(_: &mut SchemaGenerator) -> Schema {
    one_of(SrdiTier::ALL.map(SrdiTier::code))
}
pub fn role(_: &mut SchemaGenerator) -> Schema {
    one_of(Role::ALL.map(Role::code))
}
pub fn enrolment_state(_: &mut SchemaGenerator) -> Schema {
    one_of(EnrolmentState::ALL.map(EnrolmentState::code))
}
pub fn enrolment_action(_: &mut SchemaGenerator) -> Schema {
    one_of(EnrolmentAction::ALL.map(EnrolmentAction::code))
}
pub fn project_action(_: &mut SchemaGenerator) -> Schema {
    one_of(ProjectAction::ALL.map(ProjectAction::code))
}
pub fn acceptance_action(_: &mut SchemaGenerator) -> Schema {
    one_of(AcceptanceAction::ALL.map(AcceptanceAction::code))
}
pub fn subsidy_state(_: &mut SchemaGenerator) -> Schema {
    one_of(SubsidyState::ALL.map(SubsidyState::code))
}
pub fn subsidy_action(_: &mut SchemaGenerator) -> Schema {
    one_of(SubsidyAction::ALL.map(SubsidyAction::code))
}
pub fn provider_state(_: &mut SchemaGenerator) -> Schema {
    one_of(ProviderState::ALL.map(ProviderState::code))
}
pub fn provider_action(_: &mut SchemaGenerator) -> Schema {
    one_of(ProviderAction::ALL.map(ProviderAction::code))
}
pub fn case_kind(_: &mut SchemaGenerator) -> Schema {
    one_of(CaseKind::ALL.map(CaseKind::code))
}
pub fn case_action(_: &mut SchemaGenerator) -> Schema {
    one_of(CaseAction::ALL.map(CaseAction::code))
}
