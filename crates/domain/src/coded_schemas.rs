//! The coded enums as JSON Schema, for typed API answers. Kept apart from `schema` (which
//! the rule modules use for their own patterns) so no module loop forms.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator};

use crate::schema::one_of;

/// The coded enums as they appear in answers: each serialises as its `code` (the enums' own
/// tests check serde and code agree), so its schema is that closed list, under the enum's name.
macro_rules! coded_schemas {
    ($($ty:path),* $(,)?) => {
        $(impl JsonSchema for $ty {
            fn schema_name() -> Cow<'static, str> {
                stringify!($ty).rsplit("::").next().unwrap_or(stringify!($ty)).trim().into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                one_of(<$ty>::ALL.map(<$ty>::code))
            }
        })*
    };
}

coded_schemas! {
    crate::enterprise::size_class::SizeClass,
    crate::enterprise::profile::SrdiTier,
    crate::enterprise::profile::CreditKind,
    crate::enterprise::cloud::CloudLayer,
    crate::enterprise::cloud::CloudCategory,
    crate::enterprise::cloud::CloudStatus,
    crate::role::Role,
    crate::provider::ProviderKind,
    crate::provider::lifecycle::ProviderState,
    crate::provider::lifecycle::ProviderAction,
    crate::programme::cases::CaseKind,
    crate::programme::cases::CaseState,
    crate::programme::cases::CaseAction,
    crate::programme::eligibility::EligibilityRule,
    crate::programme::rules::ProgrammeLevel,
    crate::programme::rules::PoolPurpose,
    crate::programme::rules::InstalmentStage,
    crate::programme::rules::DatedStep,
    crate::programme::rules::PoolOrder,
    crate::programme::workflow::ObjectionState,
    crate::programme::workflow::ChainKind,
    crate::programme::workflow::ChainState,
    crate::programme::workflow::ChainAction,
    crate::programme::workflow::ObjectionAction,
    crate::programme::workflow::ProjectState,
    crate::programme::workflow::ProjectAction,
    crate::programme::workflow::ProjectActor,
    crate::programme::workflow::EnrolmentState,
    crate::programme::workflow::EnrolmentAction,
    crate::programme::workflow::EnrolmentActor,
    crate::programme::acceptance::SubsidyState,
    crate::programme::acceptance::SubsidyAction,
    crate::programme::acceptance::PaymentState,
    crate::programme::acceptance::PaymentAction,
    crate::programme::acceptance::AcceptanceState,
    crate::programme::acceptance::AcceptanceAction,
    crate::programme::acceptance::AcceptanceActor,
    crate::programme::acceptance::RoundState,
    crate::programme::acceptance::RoundAction,
    crate::programme::outcomes::Axis,
    crate::programme::outcomes::Better,
    crate::integrity::FlagKind,
    crate::duties::AccountAction,
    crate::provider::rubric::CombineRule,
}
