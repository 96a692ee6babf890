//! City performance evaluation (城市试点绩效评价) of a region: the indicator set
//! (`data/rules/city-evaluation.toml`) read against the region's dashboard counters — its own
//! and those reported up from the instances below — and its pilot sub-industries.

use std::sync::LazyLock;

use dengta_domain::evaluation::{Evaluation, IndicatorSet};
use serde::Serialize;

use super::{App, AppError, AppResult, Principal};

static INDICATORS: LazyLock<Result<IndicatorSet, String>> =
    LazyLock::new(|| IndicatorSet::builtin().map_err(|e| e.to_string()));

pub fn indicators() -> AppResult<&'static IndicatorSet> {
    INDICATORS.as_ref().map_err(|e| AppError::Internal(format!("evaluation indicators: {e}")))
}

/// A region's evaluation, as the report prints it.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct CityEvaluation {
    pub region_code: String,
    pub region_name: String,
    /// When it was computed (ms since the epoch): the counters move with every write.
    pub computed_at: i64,
    pub evaluation: Evaluation,
    /// The evaluation the region's own instance signed in its upward report, when one was
    /// imported here: beside the one read from its counters, for the province to compare.
    pub reported: Option<ReportedEvaluation>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct ReportedEvaluation {
    /// When the lower instance generated the package (ms since the epoch).
    pub generated_at: i64,
    pub evaluation: Evaluation,
}

/// The evaluation of a region in the caller's scope (their own by default).
pub async fn city(app: &App, p: &Principal, region: Option<&str>) -> AppResult<CityEvaluation> {
    let d = super::dashboard::dashboard(app, p, region).await?;
    let subs: Vec<String> = d.sub_industries.iter().map(|s| s.name.clone()).collect();
    let evaluation = indicators()?.evaluate(|k| d.values.get(k).copied().unwrap_or(0), &subs);
    let reported = super::reports::reported_evaluation(&mut app.read().await?, &d.region_code)
        .await?
        .map(|(generated_at, evaluation)| ReportedEvaluation { generated_at, evaluation });
    Ok(CityEvaluation {
        region_code: d.region_code,
        region_name: d.region_name,
        computed_at: super::now_ms(),
        evaluation,
        reported,
    })
}
