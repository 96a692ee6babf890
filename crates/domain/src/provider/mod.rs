//! Digital-transformation service providers (服务商): their kinds, the admission and lifecycle
//! state machine, and the expert scoring rubric.
//!
//! - [`lifecycle`]: which action is allowed in which state, with the guards the server checks.
//! - [`rubric`]: the expert scoring sheet as data and how several experts' totals combine.

pub mod lifecycle;
pub mod rubric;

use serde::{Deserialize, Serialize};

pub use lifecycle::{Guard, ProviderAction, ProviderState, TransitionError, available, transition};
pub use rubric::{CombineRule, Combined, Criterion, Rubric, RubricDimension, RubricError, StarBand};

/// 服务商类型: the three kinds the programme admits into the provider pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    Integrator,
    Product,
    ChainLeader,
}

coded!(ProviderKind [
    /// The stable code stored in the database and used in URLs.
    code, label_zh, label_en
], pub fn parse(code | label_zh) {
    Integrator => "integrator", "综合集成型", "Comprehensive integrator";
    Product => "product", "小快轻准产品型", "Small-fast-light-precise product";
    ChainLeader => "chain_leader", "链主企业型", "Chain leader";
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_codes_labels_and_serde_agree() {
        for k in ProviderKind::ALL {
            assert_eq!(ProviderKind::parse(k.code()), Some(k));
            assert_eq!(ProviderKind::parse(&format!(" {} ", k.label_zh())), Some(k));
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{}\"", k.code()));
        }
        assert_eq!(ProviderKind::parse("链主企业型"), Some(ProviderKind::ChainLeader));
        assert_eq!(ProviderKind::parse("other"), None);
        assert_eq!(ProviderKind::parse(""), None);
    }
}
