//! The enterprise file (一企一档): identity, size class and related rules.

pub mod cloud;
pub mod industry_code;
mod normalise;
pub mod profile;
pub mod size_class;
pub mod uscc;

pub use industry_code::{IndustryCode, IndustryCodeError};
pub use size_class::{SizeClass, SizeClassError, SizeInputs, SizeOutcome, SizeRules, SizeRulesError, classify};
pub use uscc::{CheckCharStatus, OrgCodeStatus, Uscc, UsccError};
