//! What a signed-in person's home page says about them and their region. Read-only, and cheap:
//! the region's counts come from the roll-ups that `dengta rollups check` keeps honest.

use dengta_domain::role::{Principal, Role};

use super::{App, AppError, AppResult};
use crate::db;

/// The caller's name and region, and for an officer the region's headline counts.
pub struct Overview {
    pub display_name: String,
    /// "name（code）", or the bare code when the region is not in the table.
    pub region_label: String,
    pub officer: Option<OfficerCounts>,
}

/// An officer's region at a glance.
pub struct OfficerCounts {
    pub enterprises: i64,
    pub providers: i64,
    pub cloud_enterprises: i64,
    pub pending_claims: usize,
}

pub async fn overview(app: &App, p: &Principal) -> AppResult<Overview> {
    let mut conn = app.db.clone();
    let user = db::users::by_id(&mut conn, p.user_id).await?.ok_or(AppError::NotFound)?;
    let region_label = match db::regions::get(&mut conn, p.region.as_str()).await? {
        Some(r) => format!("{}（{}）", r.name, r.code),
        None => p.region.to_string(),
    };
    let officer = if p.role == Role::Officer {
        let region = p.region.as_str();
        Some(OfficerCounts {
            enterprises: db::dashboard::value(&mut conn, "e.enterprises", region).await?,
            providers: db::providers::count_in(&mut conn, &p.region.subtree_bounds()).await?,
            cloud_enterprises: db::dashboard::value(&mut conn, "e.cloud", region).await?,
            pending_claims: super::claims::pending(app, p, 0, 1000).await?.len(),
        })
    } else {
        None
    };
    Ok(Overview { display_name: user.display_name, region_label, officer })
}
