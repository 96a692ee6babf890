//! The outcomes section of a project page: the lines, what the project's state allows, the
//! seven axes and their suggested indicators for the form.

use dengta_domain::programme::outcomes::Axis;
use dengta_domain::role::Principal;

use crate::app::outcomes::{self, ProjectOutcomes};
use crate::app::records::ProjectRow;
use crate::app::{App, AppError};

/// The outcomes section of a project page.
pub struct OutcomesSection {
    pub o: ProjectOutcomes,
    /// (axis code, label) for the form.
    pub axes: Vec<(&'static str, &'static str)>,
    /// Suggested indicators: (axis code, name, unit, better label).
    pub suggested: Vec<(String, String, String, &'static str)>,
}

impl OutcomesSection {
    pub async fn load(app: &App, p: &Principal, row: &ProjectRow) -> Result<Self, AppError> {
        let o = outcomes::of_project(app, p, row).await?;
        let rules = outcomes::axes()?;
        let suggested = rules
            .axes
            .iter()
            .flat_map(|a| {
                a.indicators.iter().map(|i| (a.code.clone(), i.name.clone(), i.unit.clone(), i.better().label_zh()))
            })
            .collect();
        Ok(OutcomesSection { o, axes: Axis::ALL.iter().map(|a| (a.code(), a.label_zh())).collect(), suggested })
    }
}
