//! `/api/v1` conventions shared by its modules: keyset paging of lists, and who the caller is
//! (`/api/v1/me`). Handlers use the same use-cases and policies as the pages.

use axum::Json;
use dengta_domain::programme::workflow::ObjectionState;
use dengta_domain::role::Role;
use serde::{Deserialize, Serialize};

use crate::app::AppError;
use crate::ctx::Ctx;

#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct ListQuery {
    #[schemars(schema_with = "dengta_domain::schema::key")]
    pub after: Option<String>,
    #[schemars(range(min = 1))]
    pub limit: Option<i64>,
    pub name: Option<String>,
}

impl ListQuery {
    pub fn limit(&self) -> i64 {
        self.limit.unwrap_or(50).clamp(1, 200)
    }
    pub fn after_id(&self) -> Result<i64, AppError> {
        match self.after.as_deref() {
            None | Some("") => Ok(0),
            Some(s) => s.parse().map_err(|_| AppError::invalid("error.bad_request", "after")),
        }
    }
}

/// A page of items and the key to continue after (`null` at the end).
#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "{T}Page")]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `after` for the next page; `null` on the last one.
    pub next_after: Option<String>,
}

/// A whole list, not paged.
#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "{T}List")]
pub struct Items<T> {
    pub items: Vec<T>,
}

impl<T> Items<T> {
    pub fn of(items: Vec<T>) -> Items<T> {
        Items { items }
    }
}

/// A record's state after a step, with its Chinese label.
#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "{S}Change")]
pub struct StateChange<S> {
    pub id: i64,
    pub state: S,
    pub state_label: &'static str,
}

/// An objection lodged during a publicity period (公示): its id and state (`open`).
#[derive(Serialize, schemars::JsonSchema)]
pub struct ObjectionLodged {
    pub id: i64,
    pub status: ObjectionState,
}

impl ObjectionLodged {
    pub fn new(id: i64) -> ObjectionLodged {
        ObjectionLodged { id, status: ObjectionState::Open }
    }
}

/// An objection decided: upheld or dismissed.
#[derive(Serialize, schemars::JsonSchema)]
pub struct ObjectionDecided {
    pub objection_id: i64,
    pub status: ObjectionState,
}

impl ObjectionDecided {
    pub fn new(objection_id: i64, upheld: bool) -> ObjectionDecided {
        let status = if upheld { ObjectionState::Upheld } else { ObjectionState::Dismissed };
        ObjectionDecided { objection_id, status }
    }
}

/// A record created, by its id.
#[derive(Serialize, schemars::JsonSchema)]
pub struct NewId {
    pub id: i64,
}

pub fn paged<T>(mut items: Vec<T>, limit: i64, key: impl Fn(&T) -> String) -> Page<T> {
    let more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    let next_after = if more { items.last().map(key) } else { None };
    Page { items, next_after }
}

/// The caller's workbench (see `app::workbench`).
pub async fn workbench(
    axum::extract::State(app): axum::extract::State<crate::app::App>,
    ctx: Ctx,
) -> Result<Json<crate::app::workbench::Workbench>, crate::error::HttpError> {
    let p = ctx.principal()?;
    Ok(Json(crate::app::workbench::workbench(&app, p).await?))
}

/// Who the caller is: identity, role and scope.
#[derive(Serialize, schemars::JsonSchema)]
pub struct Me {
    pub user_id: i64,
    pub username: String,
    /// The role's code. (Not `Role` itself: serde spells `sys_admin` where the code is `sysadmin`.)
    #[schemars(with = "Role")]
    pub role: &'static str,
    /// The region node the caller's scope is (行政区划代码).
    pub region: String,
    pub enterprise_id: Option<i64>,
    pub provider_id: Option<i64>,
    /// The token state changes must echo in `X-CSRF-Token`, for a browser session; `null` for a
    /// caller with an API token.
    pub csrf_token: Option<String>,
}

pub async fn me(ctx: Ctx) -> Result<Json<Me>, crate::error::HttpError> {
    let p = ctx.principal()?;
    Ok(Json(Me {
        user_id: p.user_id,
        username: p.username.clone(),
        role: p.role.code(),
        region: p.region.as_str().to_owned(),
        enterprise_id: p.enterprise_id,
        provider_id: p.provider_id,
        csrf_token: if ctx.via_token { None } else { Some(ctx.csrf.clone()) },
    }))
}
