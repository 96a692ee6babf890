//! What every page shares: title, the signed-in user, the side navigation for
//! the role, the breadcrumb, the CSRF token for forms, the demo banner.

use dengta_domain::role::Role;

use super::ctx::Ctx;
use super::i18n::{Lang, t};
use super::routes;

pub struct UserBadge {
    pub username: String,
    pub role_label: &'static str,
    pub region: String,
}

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
    /// To-dos waiting behind this entry (the home entry: all of them).
    pub count: usize,
    /// The heading of the group this entry opens, when the navigation is grouped.
    pub group: Option<&'static str>,
}

/// Navigations longer than this are shown in groups with headings.
const GROUP_FROM: usize = 8;

pub struct Crumb {
    pub href: String,
    pub label: String,
}

pub struct Layout {
    pub lang: Lang,
    pub title: String,
    pub user: Option<UserBadge>,
    pub nav: Vec<NavItem>,
    pub crumbs: Vec<Crumb>,
    pub csrf: String,
    pub demo: bool,
    pub path: String,
    pub version: &'static str,
    /// The signed-in person's unread messages.
    pub unread: usize,
}

impl Layout {
    /// Whether the caller's navigation has the page at `href` (so a link to it is shown only to
    /// those who may open it).
    pub fn may_open(&self, href: &str) -> bool {
        self.nav.iter().any(|n| n.href == href)
    }

    /// `crumbs` are (href, i18n key or literal text) pairs after 首页.
    pub fn new(ctx: &Ctx, title_key: &str, crumbs: &[(&str, &str)]) -> Layout {
        Layout::titled(ctx, t(ctx.lang, title_key).to_owned(), crumbs)
    }

    pub fn titled(ctx: &Ctx, title: String, crumbs: &[(&str, &str)]) -> Layout {
        let role: Option<Role> = ctx.principal.as_ref().map(|p| p.role);
        let nav = match role {
            Some(r) => {
                let entries = routes::navigation_for(r, ctx.provider_admitted);
                // The current entry is the longest one the path falls under (/solutions/review is
                // 方案审核, not 解决方案目录).
                let under =
                    |href: &str| ctx.path == href || (href != "/home" && ctx.path.starts_with(&format!("{href}/")));
                let current =
                    entries.iter().filter(|(href, _)| under(href)).map(|(href, _)| *href).max_by_key(|h| h.len());
                let count = |href: &str| {
                    let key = if href == "/home" { "" } else { href };
                    ctx.todo_counts.as_ref().and_then(|c| c.get(key).copied()).unwrap_or(0)
                };
                let grouped = entries.len() > GROUP_FROM;
                let mut last_group = None;
                entries
                    .into_iter()
                    .map(|(href, key)| {
                        let group = routes::nav_group(key).filter(|_| grouped);
                        let opens = group.is_some() && group != last_group;
                        last_group = group;
                        NavItem {
                            href,
                            label: t(ctx.lang, key),
                            active: Some(href) == current,
                            count: count(href),
                            group: group.filter(|_| opens).map(|g| t(ctx.lang, g)),
                        }
                    })
                    .collect()
            }
            None => Vec::new(),
        };
        let mut all = vec![Crumb { href: "/home".into(), label: t(ctx.lang, "nav.home").into() }];
        for (href, label) in crumbs {
            let text = if label.contains('.') && !label.contains(' ') { t(ctx.lang, label) } else { label };
            let text = if text == "?" { label } else { text };
            all.push(Crumb { href: (*href).into(), label: text.into() });
        }
        Layout {
            lang: ctx.lang,
            title,
            user: ctx.principal.as_ref().map(|p| UserBadge {
                username: p.username.clone(),
                role_label: t(ctx.lang, p.role.label_key()),
                region: p.region.to_string(),
            }),
            nav,
            crumbs: all,
            csrf: ctx.csrf.clone(),
            demo: ctx.demo,
            path: ctx.path.clone(),
            version: env!("CARGO_PKG_VERSION"),
            unread: ctx.todo_counts.as_ref().and_then(|c| c.get("unread").copied()).unwrap_or(0),
        }
    }

    pub fn t(&self, key: &str) -> &'static str {
        t(self.lang, key)
    }

    pub fn other_lang(&self) -> &'static str {
        self.lang.other().code()
    }
}
