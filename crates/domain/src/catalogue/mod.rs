//! The solution catalogue (解决方案库): finding solutions by text and recommending them for an
//! enterprise's gaps.
//!
//! - [`search`]: Chinese full-text search by character n-grams (Chinese has no spaces).
//! - [`matching`]: an explained ranking of solutions against an enterprise's scene gaps.
//! - [`tags`]: the closed list of catalogue tags.

pub mod matching;
pub mod search;
pub mod tags;

pub use matching::{
    Candidate, EnterpriseNeed, ExcludeWhy, Excluded, IndustryFit, MatchError, MatchWeights, Ranking, Reason,
    Recommendation, SceneGap, rank,
};
pub use search::{index_terms, matches, normalise, query_terms};
