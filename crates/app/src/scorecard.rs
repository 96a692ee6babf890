//! What the platform knows of a provider's work (成效记分卡), read from its records: the
//! acceptance outcomes of its projects and the enterprises' satisfaction with its service (the
//! form of `data/rules/satisfaction.toml`). Experts see it beside the rubric's criteria; the
//! provider's page shows the satisfaction part, to the provider itself only from
//! [`MIN_FOR_PROVIDER`] evaluations on (fewer, and it would know who said what).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use dengta_domain::role::{Principal, Role};
use dengta_domain::satisfaction::{self as rules, Averages, MIN_FOR_PROVIDER, SatisfactionRules};
use serde::Serialize;

use super::{AppError, AppResult};
use crate::db::Conn;
use crate::db::satisfaction as store;

static RULES: LazyLock<Result<SatisfactionRules, String>> =
    LazyLock::new(|| SatisfactionRules::builtin().map_err(|e| e.to_string()));

/// The satisfaction form shipped with Dengta, loaded once.
pub fn satisfaction_form() -> AppResult<&'static SatisfactionRules> {
    RULES.as_ref().map_err(|e| AppError::Internal(format!("satisfaction rules: {e}")))
}

/// A provider's satisfaction as one reader may see it.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "ProviderSatisfaction")]
pub struct ProviderSatisfaction {
    /// How many evaluations it has.
    pub count: i64,
    /// The averages; `None` to the provider itself while it has fewer than `min_for_provider`.
    pub averages: Option<Averages>,
    pub min_for_provider: i64,
    /// The dimensions' names by id, for the labels.
    pub dimensions: BTreeMap<String, String>,
}

/// The averages of every evaluation of a provider's service.
pub async fn averages_of(c: &mut impl Conn, provider_id: i64) -> AppResult<Averages> {
    let rows = store::of_provider(c, provider_id).await?;
    let parsed: Vec<(BTreeMap<String, u8>, i64)> =
        rows.iter().map(|r| (serde_json::from_str(&r.scores_json).unwrap_or_default(), r.points)).collect();
    Ok(rules::averages(parsed.iter().map(|(s, pts)| (s, *pts))))
}

/// The form's dimension names by id (labels of the averages).
pub fn dimension_names() -> AppResult<BTreeMap<String, String>> {
    Ok(satisfaction_form()?.dimensions.iter().map(|d| (d.id.clone(), d.name.clone())).collect())
}

/// The provider's satisfaction averages for `p` (an officer over it, or the provider's own user;
/// the caller has checked that `p` may read the provider).
pub async fn of_provider(c: &mut impl Conn, p: &Principal, provider_id: i64) -> AppResult<ProviderSatisfaction> {
    let avg = averages_of(c, provider_id).await?;
    let count = avg.count;
    let shown = match p.role {
        Role::Officer | Role::Expert => true,
        Role::Provider => p.provider_id == Some(provider_id) && count >= MIN_FOR_PROVIDER,
        _ => false,
    };
    Ok(ProviderSatisfaction {
        count,
        averages: shown.then_some(avg),
        min_for_provider: MIN_FOR_PROVIDER,
        dimensions: dimension_names()?,
    })
}

/// The platform's facts about a provider's work (成效记分卡), so that experts score on evidence:
/// the acceptance outcomes of its projects and the enterprises' satisfaction with its service.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Scorecard {
    /// Acceptance decisions on its projects: accepted plus rejected.
    pub decided: i64,
    pub accepted: i64,
    pub rejected: i64,
    /// Returned for rectification (rework), counted each time.
    pub returned: i64,
    /// Accepted of decided, per cent with one decimal.
    pub pass_rate_pct: Option<f64>,
    /// Average days from application to acceptance.
    pub avg_days_to_acceptance: Option<f64>,
    /// Satisfaction evaluations: their count and averages (per dimension on the form's scale,
    /// points 0–100).
    pub satisfaction: dengta_domain::satisfaction::Averages,
    /// The satisfaction form's dimension names by id.
    pub satisfaction_dimensions: BTreeMap<String, String>,
}

/// The scorecard of provider `id` from its outcome counters and satisfaction records.
pub async fn scorecard(c: &mut impl Conn, id: i64) -> AppResult<Scorecard> {
    let o = crate::db::acceptance::outcomes(c, id).await?;
    Ok(Scorecard {
        decided: o.decided,
        accepted: o.accepted,
        rejected: o.rejected,
        returned: o.returned,
        pass_rate_pct: o.pass_rate(),
        avg_days_to_acceptance: o.avg_days(),
        satisfaction: averages_of(c, id).await?,
        satisfaction_dimensions: dimension_names()?,
    })
}
