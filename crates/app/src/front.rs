//! The public front page (首页): the programme's headline figures for anyone, read from the
//! national roll-ups (the same counters the dashboards use, kept honest by `dengta rollups
//! check`), the 公示 notices running now and the latest published typical cases. Nothing here is
//! personal or below what the public pages already publish.

use dengta_domain::programme::cases::CaseKind;
use dengta_domain::region::NATIONAL;
use serde::Serialize;

use super::{App, AppResult};
use crate::db::cases::CaseRow;
use crate::db::dashboard as store;
use crate::db::{self, args};

#[derive(Clone, Debug, Default, Serialize)]
pub struct Headline {
    pub enterprises: i64,
    pub assessed: i64,
    /// Assessed at 二级 or above.
    pub level_ge2: i64,
    pub cloud: i64,
    /// The national target of enterprises on the cloud, when one is set.
    pub cloud_target: Option<i64>,
    pub projects: i64,
    pub filed: i64,
    pub accepted: i64,
    pub disbursed_fen: i64,
    /// Days from acceptance to payment, on average over paid projects.
    pub avg_days_accept_to_pay: Option<f64>,
}

/// One month: (YYYY-MM, enterprises registered, projects filed, projects accepted).
pub type Month = (String, i64, i64, i64);

/// 公示 notices running now, by kind.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Notices {
    pub pilot_enterprises: i64,
    pub subsidies: i64,
    pub providers: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Front {
    pub headline: Headline,
    pub months: Vec<Month>,
    pub notices: Notices,
    #[serde(skip)]
    pub cases: Vec<CaseRow>,
}

/// How many latest typical cases the page shows.
const CASES: i64 = 5;

pub async fn front(app: &App) -> AppResult<Front> {
    let mut c = app.read().await?;
    let v = store::values(&mut c, NATIONAL).await?;
    let n = |m: &str| v.get(m).copied().unwrap_or(0);
    let paid = n("p.paid_projects");
    let headline = Headline {
        enterprises: n("e.enterprises"),
        assessed: n("e.assessed"),
        level_ge2: n("e.level_ge2"),
        cloud: n("e.cloud"),
        cloud_target: store::target(&mut c, NATIONAL, "cloud").await?,
        projects: n("p.projects"),
        filed: n("p.filed"),
        accepted: n("p.accepted"),
        disbursed_fen: n("p.disbursed_fen"),
        avg_days_accept_to_pay: (paid > 0)
            .then(|| (n("p.accept_to_pay_days") as f64 * 10.0 / paid as f64).round() / 10.0),
    };
    let months = super::dashboard::last_months(db::now_ms(), 12)
        .into_iter()
        .map(|m| {
            let (e, f, a) =
                (n(&format!("e.enterprises@{m}")), n(&format!("p.filed@{m}")), n(&format!("p.accepted@{m}")));
            (m, e, f, a)
        })
        .collect();
    // Three index-only counts: the state leads each index.
    let count = |table: &str| format!("SELECT COUNT(*) FROM {table} WHERE status = 'publicised'");
    let notices = Notices {
        pilot_enterprises: c.scalar(&count("enrolments"), args![]).await?,
        subsidies: c.scalar(&count("subsidies"), args![]).await?,
        providers: c.scalar(&count("providers"), args![]).await?,
    };
    drop(c);
    let cases = super::cases::published(app, CaseKind::TypicalCase, CASES).await?;
    Ok(Front { headline, months, notices, cases })
}
