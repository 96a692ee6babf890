//! Digital-level assessment (数字化水平评测): instruments as data and scoring.
//!
//! - [`instrument`]: one validated instrument version per data file (`data/instruments/`).
//! - [`decimal`]: exact three-decimal arithmetic for points and raw figures.
//! - [`scoring`]: answers → points per question, indicator, sub-dimension, dimension and total,
//!   scene levels, the final level and its trace.
//! - [`level`]: applying an instrument's level rule to a score and scene levels.
//! - [`improvements`](mod@improvements): the ranked single steps that raise the score or the level.

pub mod decimal;
pub mod improvements;
pub mod instrument;
pub mod level;
pub mod scoring;

pub use decimal::Decimal;
pub use improvements::{Improvement, ImprovementError, Step, improvements};
pub use instrument::{Instrument, InstrumentError, SceneLevel, builtin_instruments};
pub use level::{Level, LevelCheck};
pub use scoring::{AnswerError, AnswerProblem, Answers, ScoreResult, score};
