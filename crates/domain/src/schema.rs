//! The textual forms of the domain's codes as JSON Schema, for the API's OpenAPI document: the
//! patterns of codes (region, credit code, industry, money) and the closed lists of states,
//! actions and kinds, taken from the enums themselves so the document follows the code.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use crate::codes::industries::IndustryList;
use crate::codes::regions::RegionList;
use crate::duties::AccountAction;
use crate::enterprise::profile::SrdiTier;
use crate::enterprise::size_class::SizeClass;
use crate::programme::Date;
use crate::programme::acceptance::{AcceptanceAction, SubsidyAction, SubsidyState};
use crate::programme::cases::{CaseAction, CaseKind};
use crate::programme::workflow::{ChainAction, ChainKind, EnrolmentAction, EnrolmentState, ProjectAction};
use crate::provider::lifecycle::{ProviderAction, ProviderState};
use crate::region::NATIONAL;
use crate::role::Role;

/// 统一社会信用代码 (GB 32100): 18 characters of its alphabet (the check digit is checked on the
/// server).
pub const USCC: &str = r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$";
/// An amount in yuan with at most two decimals (`1234.56`).
pub const YUAN: &str = r"^[0-9]{1,13}(\.[0-9]{1,2})?$";
/// A keyset position: digits (an id or a code), empty for the first page.
pub const KEY: &str = r"^[0-9]{0,18}$";
/// A calendar day.
pub const DATE: &str = Date::PATTERN;

pub(crate) fn one_of(codes: impl IntoIterator<Item = &'static str>) -> Schema {
    let codes: Vec<&str> = codes.into_iter().collect();
    json_schema!({ "type": "string", "enum": codes })
}

/// A code by its pattern and its length bounds. The bounds repeat what the pattern says, so a
/// client whose regular expressions let `$` match before a final newline (Python's) still
/// generates and checks only what the server accepts.
fn pattern(p: &str, min: usize, max: usize) -> Schema {
    json_schema!({ "type": "string", "pattern": p, "minLength": min, "maxLength": max })
}

/// The codes of the GB/T 2260 list the binary carries (and the national root), once under
/// `#/components/schemas/RegionCode`: a well-formed code that names no division is not valid.
struct RegionCodes;

impl JsonSchema for RegionCodes {
    fn schema_name() -> Cow<'static, str> {
        "RegionCode".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let mut codes = vec![NATIONAL];
        codes.extend(RegionList::embedded().iter().map(|r| r.code.as_str()));
        json_schema!({ "type": "string", "enum": codes, "description": "行政区划代码 (GB/T 2260)" })
    }
}

/// The codes of the GB/T 4754-2017 classification, once under `#/components/schemas/IndustryCode`.
struct IndustryCodes;

impl JsonSchema for IndustryCodes {
    fn schema_name() -> Cow<'static, str> {
        "IndustryCode".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let codes: Vec<&str> = IndustryList::embedded().iter().map(|i| i.code.as_str()).collect();
        json_schema!({ "type": "string", "enum": codes, "description": "国民经济行业分类 (GB/T 4754-2017)" })
    }
}

pub fn region(g: &mut SchemaGenerator) -> Schema {
    g.subschema_for::<RegionCodes>()
}
pub fn uscc(_: &mut SchemaGenerator) -> Schema {
    pattern(USCC, 18, 18)
}
pub fn industry(g: &mut SchemaGenerator) -> Schema {
    g.subschema_for::<IndustryCodes>()
}
pub fn yuan(_: &mut SchemaGenerator) -> Schema {
    pattern(YUAN, 1, 16)
}
pub fn key(_: &mut SchemaGenerator) -> Schema {
    pattern(KEY, 0, 18)
}
pub fn date(g: &mut SchemaGenerator) -> Schema {
    Date::json_schema(g)
}
/// One or more GB/T 4754 codes.
pub fn industry_codes(g: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "array", "items": industry(g), "minItems": 1 })
}
/// A yes/no filter.
pub fn yes_no(_: &mut SchemaGenerator) -> Schema {
    one_of(["yes", "no"])
}
/// A flag in a query string.
pub fn flag(_: &mut SchemaGenerator) -> Schema {
    one_of(["true", "false", "1", "0"])
}
/// One schema function per coded enum: its codes, from the enum itself.
macro_rules! code_lists {
    ($($name:ident => $ty:ty),* $(,)?) => {
        $(pub fn $name(_: &mut SchemaGenerator) -> Schema {
            one_of(<$ty>::ALL.map(<$ty>::code))
        })*
    };
}

code_lists! {
    size_class => SizeClass,
    srdi_tier => SrdiTier,
    role => Role,
    enrolment_state => EnrolmentState,
    enrolment_action => EnrolmentAction,
    project_action => ProjectAction,
    acceptance_action => AcceptanceAction,
    subsidy_state => SubsidyState,
    provider_state => ProviderState,
    provider_action => ProviderAction,
    case_kind => CaseKind,
    case_action => CaseAction,
    chain_kind => ChainKind,
    chain_action => ChainAction,
    account_action => AccountAction,
    outcome_axis => crate::programme::outcomes::Axis,
    outcome_better => crate::programme::outcomes::Better,
    round_action => crate::programme::acceptance::RoundAction,
}

/// The subsidy steps taken through its transitions (payment and reversal have their own calls).
pub fn subsidy_action(_: &mut SchemaGenerator) -> Schema {
    let steps = SubsidyAction::ALL.into_iter().filter(|a| !matches!(a, SubsidyAction::Pay | SubsidyAction::Reverse));
    one_of(steps.map(SubsidyAction::code))
}
/// What may be done to a catalogue solution (who may do which is the use case's rule).
pub fn solution_action(_: &mut SchemaGenerator) -> Schema {
    one_of(["submit", "withdraw", "publish", "reject"])
}
/// The dashboard metrics a region may set a target for.
pub const TARGET_METRICS: [&str; 5] = ["cloud", "assessed", "level_ge2", "filed", "accepted"];
pub fn target_metric(_: &mut SchemaGenerator) -> Schema {
    one_of(TARGET_METRICS)
}
