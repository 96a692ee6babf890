//! The home page, one per role.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use dengta_domain::role::Role;

use super::render;
use crate::app::{App, directory, home};
use crate::ctx::Ctx;
use crate::error::HttpError;
use crate::layout::Layout;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    l: Layout,
    display_name: String,
    role_label: &'static str,
    region_label: String,
    intro: &'static str,
    /// (label, value, link) tiles.
    tiles: Vec<(&'static str, String, String)>,
}

pub async fn home(State(app): State<App>, ctx: Ctx) -> Result<Response, HttpError> {
    let p = ctx.principal()?.clone();
    let overview = home::overview(&app, &p).await?;
    let intro_key = match p.role {
        Role::Enterprise => "home.enterprise_intro",
        Role::Provider => "home.provider_intro",
        Role::Officer => "home.officer_intro",
        Role::Expert => "home.expert_intro",
        Role::SysAdmin => "home.sysadmin_intro",
        Role::SecAdmin => "home.secadmin_intro",
        Role::AuditAdmin => "home.auditadmin_intro",
    };
    let mut tiles = Vec::new();
    match p.role {
        Role::Officer => {
            if let Some(c) = &overview.officer {
                tiles.push((ctx.t("home.count_enterprises"), c.enterprises.to_string(), "/enterprises".to_owned()));
                tiles.push((ctx.t("home.count_providers"), c.providers.to_string(), "/providers".to_owned()));
                tiles.push((
                    ctx.t("home.count_cloud"),
                    c.cloud_enterprises.to_string(),
                    "/enterprises?cloud=yes".to_owned(),
                ));
                tiles.push((ctx.t("home.count_claims"), c.pending_claims.to_string(), "/claims".to_owned()));
            }
        }
        Role::Enterprise => {
            let none = directory::EnterpriseFilters::default();
            for e in directory::list_enterprises(&app, &p, &none, 0, 1).await? {
                tiles.push((ctx.t("home.my_enterprise"), e.name, format!("/enterprises/{}", e.id)));
            }
            if p.enterprise_id.is_none() {
                for c in crate::app::claims::my_claims(&app, &p).await? {
                    let status = match c.status.as_str() {
                        "pending" => ctx.t("claims.pending").to_owned(),
                        "rejected" => format!("{}：{}", ctx.t("claims.rejected"), c.reason.unwrap_or_default()),
                        _ => ctx.t("claims.confirmed").to_owned(),
                    };
                    tiles.push((ctx.t("home.my_claim"), format!("{} · {status}", c.name), "/home".to_owned()));
                }
            }
        }
        Role::Provider => {
            for pr in directory::list_providers(&app, &p, None, 0, 1).await? {
                tiles.push((ctx.t("home.my_provider"), pr.name, format!("/providers/{}", pr.id)));
            }
        }
        _ => {}
    }
    let page = HomePage {
        l: Layout::new(&ctx, "nav.home", &[]),
        display_name: overview.display_name,
        role_label: ctx.t(p.role.label_key()),
        region_label: overview.region_label,
        intro: ctx.t(intro_key),
        tiles,
    };
    render(&page)
}
