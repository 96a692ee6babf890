//! The dashboard (数据看板) of a region: headline figures against the programme's targets, then
//! one section per tile with an SVG chart drawn on the server and a table of the same numbers
//! beside it (from [`dashboard::tile_table`]), each exportable as .xlsx. Child regions drill down
//! to their own dashboard; sub-industries and the enterprise count open the enterprise list
//! filtered to the region. Officers set the region's 上云 target here.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use dengta_domain::chart::{self, Point};
use dengta_domain::money::Fen;
use dengta_domain::region::RegionCode;
use dengta_domain::role::{Principal, Role};
use serde::Deserialize;

use super::render_form;
use crate::app::dashboard::{self, Dashboard};
use crate::app::{App, AppError};
use crate::ctx::Ctx;
use crate::error::HttpError;
use crate::form::{Pairs, one, refusal};
use crate::i18n::{Lang, t};
use crate::layout::Layout;

/// The programme-wide target for the share of 规上 enterprises at 二级 or above, when no
/// sub-industry carries its own programme's figure.
const DEFAULT_SHARE_TARGET: u32 = 90;

#[derive(Deserialize, Default)]
pub struct DashQuery {
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    tile: Option<String>,
    #[serde(default)]
    msg: Option<String>,
}

/// A headline figure.
pub struct Headline {
    /// Stable id for tests and styles (`data-metric`).
    pub metric: &'static str,
    pub label: &'static str,
    pub value: String,
    /// A second line: the target, the parts of a share, …
    pub note: String,
    /// Against a target: met (true) or not yet (false).
    pub met: Option<bool>,
    /// Where the figure leads (the enterprise list), if anywhere.
    pub href: Option<String>,
}

/// One table cell: its text, an optional link, numeric or not.
pub struct Cell {
    pub text: String,
    pub href: Option<String>,
    pub num: bool,
}

/// One section: a chart and the table of the same numbers.
pub struct Section {
    /// Many columns: the table goes under the chart rather than beside it.
    pub wide: bool,
    pub id: &'static str,
    pub title: &'static str,
    /// The chart's SVG (escaped by the domain's chart module), empty when there is nothing to draw.
    pub svg: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    /// Shown instead of the chart when there is a table but nothing to draw.
    pub no_chart: Option<&'static str>,
    /// Shown instead of chart and table when the section has no data.
    pub empty: &'static str,
    pub is_empty: bool,
    /// The .xlsx export of the tile, if it has one.
    pub export: Option<String>,
    /// A sentence under the heading (e.g. the target line's meaning).
    pub hint: Option<String>,
}

/// The 上云 target form, for an officer on its own region's dashboard.
pub struct CloudForm {
    pub value: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    l: Layout,
    region_code: String,
    region_name: String,
    /// (href, name) of the parent region, when it lies in the caller's scope.
    parent: Option<(String, String)>,
    headline: Vec<Headline>,
    sections: Vec<Section>,
    cloud_form: Option<CloudForm>,
    notice: Option<&'static str>,
    error: Option<String>,
}

/// The tables' Chinese headers and fixed labels ([`dashboard::tile_table`]) with their locale keys.
const LABELS: &[(&str, &str)] = &[
    ("地区代码", "dashboard.c_region_code"),
    ("地区", "dashboard.c_region"),
    ("企业数", "dashboard.c_enterprises"),
    ("已评测", "dashboard.c_assessed"),
    ("二级及以上", "dashboard.c_level_ge2"),
    ("规上企业", "dashboard.c_above_scale"),
    ("规上二级及以上", "dashboard.c_above_scale_ge2"),
    ("上云企业", "dashboard.c_cloud"),
    ("备案项目", "dashboard.c_filed"),
    ("验收通过", "dashboard.c_accepted"),
    ("已拨付（元）", "dashboard.c_disbursed_yuan"),
    ("细分行业", "dashboard.c_sub_industry"),
    ("行业代码", "dashboard.c_codes"),
    ("占比（%）", "dashboard.c_share_pct"),
    ("目标（%）", "dashboard.c_target_pct"),
    ("等级", "dashboard.c_level"),
    ("月份", "dashboard.c_month"),
    ("新登记企业", "dashboard.c_registered"),
    ("拨付（元）", "dashboard.c_paid_yuan"),
    ("指标", "dashboard.c_metric"),
    ("数值", "dashboard.c_value"),
    ("已承诺（元）", "dashboard.c_committed_yuan"),
    ("已拨付项目", "dashboard.c_paid_projects"),
    ("验收至拨付平均天数", "dashboard.c_avg_days"),
    ("一级", "dashboard.level_1"),
    ("二级", "dashboard.level_2"),
    ("三级", "dashboard.level_3"),
    ("四级", "dashboard.level_4"),
];

/// A table's header or fixed label in the page's language (the data layer writes Chinese).
fn label(lang: Lang, zh: &str) -> String {
    if lang == Lang::ZhCn {
        return zh.to_owned();
    }
    LABELS.iter().find(|(z, _)| *z == zh).map_or_else(|| zh.to_owned(), |(_, k)| t(lang, k).to_owned())
}

/// An amount or count (`12`, `-3`, `80,000.00`, `45.5`), not a month or a code with letters.
fn is_number(s: &str) -> bool {
    let body = s.strip_prefix('-').unwrap_or(s);
    body.starts_with(|c: char| c.is_ascii_digit())
        && body.chars().all(|c| c.is_ascii_digit() || matches!(c, ',' | '.'))
        && body.matches('.').count() <= 1
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |x| format!("{x:.1}%"))
}

fn yuan(fen: i64) -> String {
    Fen(fen).to_string()
}

/// A tile's table with localised headers and labels, "—" for empty cells, numbers marked.
fn table(lang: Lang, d: &Dashboard, tile: &str) -> Result<(Vec<String>, Vec<Vec<Cell>>), AppError> {
    let (header, rows) = dashboard::tile_table(d, tile)?;
    let header = header.iter().map(|h| label(lang, h)).collect();
    let rows = rows
        .into_iter()
        .map(|r| {
            r.into_iter()
                .enumerate()
                .map(|(i, c)| {
                    // The region table's first column is a code, not a quantity.
                    // Empty cells are missing numbers (a share without 规上 enterprises).
                    let num = (c.is_empty() || is_number(&c)) && !(tile == "regions" && i == 0);
                    let text = if c.is_empty() { "—".to_owned() } else { label(lang, &c) };
                    Cell { text, href: None, num }
                })
                .collect()
        })
        .collect();
    Ok((header, rows))
}

fn export_href(tile: &str, region: &str) -> Option<String> {
    Some(format!("/dashboard/export?tile={tile}&region={region}"))
}

fn v(d: &Dashboard, m: &str) -> i64 {
    d.values.get(m).copied().unwrap_or(0)
}

fn headline(ctx: &Ctx, p: &Principal, d: &Dashboard, share_target: u32) -> Vec<Headline> {
    let tr = |k: &str| ctx.t(k);
    let enterprises_href = (p.role == Role::Officer).then(|| format!("/enterprises?region={}", d.region_code));
    let share = d.share_l2_above_scale_pct;
    let cloud = v(d, "cloud");
    let mut out = vec![
        Headline {
            metric: "enterprises",
            label: tr("dashboard.h_enterprises"),
            value: v(d, "enterprises").to_string(),
            note: tr("dashboard.h_enterprises_note").to_owned(),
            met: None,
            href: enterprises_href,
        },
        Headline {
            metric: "assessed",
            label: tr("dashboard.h_assessed"),
            value: v(d, "assessed").to_string(),
            note: String::new(),
            met: None,
            href: None,
        },
        Headline {
            metric: "level_ge2",
            label: tr("dashboard.h_level_ge2"),
            value: v(d, "level_ge2").to_string(),
            note: String::new(),
            met: None,
            href: None,
        },
        Headline {
            metric: "share_l2_above_scale",
            label: tr("dashboard.h_share"),
            value: pct(share),
            note: format!(
                "{} {share_target}% · {} {}/{}",
                tr("dashboard.target"),
                tr("dashboard.h_share_parts"),
                v(d, "above_scale_ge2"),
                v(d, "above_scale")
            ),
            met: share.map(|s| s >= f64::from(share_target)),
            href: None,
        },
        Headline {
            metric: "cloud",
            label: tr("dashboard.h_cloud"),
            value: cloud.to_string(),
            note: match d.cloud_target {
                Some(target) => format!("{} {target}", tr("dashboard.target")),
                None => tr("dashboard.no_target").to_owned(),
            },
            met: d.cloud_target.map(|target| cloud >= target),
            href: None,
        },
        Headline {
            metric: "filed",
            label: tr("dashboard.h_filed"),
            value: v(d, "filed").to_string(),
            note: String::new(),
            met: None,
            href: None,
        },
        Headline {
            metric: "accepted",
            label: tr("dashboard.h_accepted"),
            value: v(d, "accepted").to_string(),
            note: String::new(),
            met: None,
            href: None,
        },
        Headline {
            metric: "committed",
            label: tr("dashboard.h_committed"),
            value: format!("¥{}", yuan(v(d, "committed_fen"))),
            note: tr("dashboard.yuan").to_owned(),
            met: None,
            href: None,
        },
        Headline {
            metric: "disbursed",
            label: tr("dashboard.h_disbursed"),
            value: format!("¥{}", yuan(v(d, "disbursed_fen"))),
            note: format!("{} {}", tr("dashboard.h_paid_projects"), v(d, "paid_projects")),
            met: None,
            href: None,
        },
        Headline {
            metric: "accept_to_pay_days",
            label: tr("dashboard.h_days"),
            value: d.avg_days_accept_to_pay.map_or_else(|| "—".to_owned(), |x| format!("{x:.1}")),
            note: tr("dashboard.h_days_note").to_owned(),
            met: None,
            href: None,
        },
    ];
    // The share is only meaningful over 规上 enterprises; say so rather than show 0%.
    if share.is_none()
        && let Some(h) = out.iter_mut().find(|h| h.metric == "share_l2_above_scale")
    {
        h.note = format!("{} {share_target}% · {}", tr("dashboard.target"), tr("dashboard.no_above_scale"));
    }
    out
}

fn sections(ctx: &Ctx, p: &Principal, d: &Dashboard, share_target: u32) -> Result<Vec<Section>, AppError> {
    let lang = ctx.lang;
    let tr = |k: &str| ctx.t(k);
    let code = d.region_code.as_str();
    let mut out = Vec::new();

    // 下级地区: enterprises per child region, each row drilling down.
    let (header, mut rows) = table(lang, d, "regions")?;
    for (row, child) in rows.iter_mut().zip(&d.children) {
        if let Some(c) = row.get_mut(1) {
            c.href = Some(format!("/dashboard?region={}", child.code));
        }
    }
    let points: Vec<Point> = d
        .children
        .iter()
        .map(|c| Point { label: c.name.clone(), value: c.values.get("enterprises").copied().unwrap_or(0) as f64 })
        .collect();
    let empty = d.children.is_empty();
    out.push(Section {
        wide: false,
        no_chart: None,
        id: "regions",
        title: tr("dashboard.s_regions"),
        svg: if empty { String::new() } else { chart::bars(tr("dashboard.chart_regions"), &points, None) },
        header,
        rows,
        empty: tr("dashboard.empty_regions"),
        is_empty: empty,
        export: export_href("regions", code),
        hint: Some(tr("dashboard.hint_regions").to_owned()),
    });

    // 细分行业: share of 规上 enterprises at 二级 or above, against the target line.
    let (header, mut rows) = table(lang, d, "sub_industries")?;
    if p.role == Role::Officer {
        for (row, s) in rows.iter_mut().zip(&d.sub_industries) {
            if let (Some(c), Some(first)) = (row.get_mut(0), s.codes.first()) {
                c.href = Some(format!("/enterprises?region={code}&industry={first}"));
            }
        }
    }
    let points: Vec<Point> =
        d.sub_industries.iter().map(|s| Point { label: s.name.clone(), value: s.share_pct.unwrap_or(0.0) }).collect();
    let empty = d.sub_industries.is_empty();
    // A share needs 规上 enterprises: with none anywhere, bars of 0% would mislead.
    let drawable = d.sub_industries.iter().any(|s| s.share_pct.is_some());
    out.push(Section {
        wide: false,
        no_chart: (!drawable).then(|| tr("dashboard.no_share_chart")),
        id: "sub_industries",
        title: tr("dashboard.s_sub_industries"),
        svg: if empty || !drawable {
            String::new()
        } else {
            chart::bars(tr("dashboard.chart_sub_industries"), &points, Some(f64::from(share_target)))
        },
        header,
        rows,
        empty: tr("dashboard.empty_sub_industries"),
        is_empty: empty,
        export: export_href("sub_industries", code),
        hint: drawable.then(|| tr("dashboard.hint_sub_industries").replace("{n}", &share_target.to_string())),
    });

    // 评测等级分布.
    let (header, rows) = table(lang, d, "levels")?;
    let points: Vec<Point> = (1..=4u8)
        .map(|l| Point {
            label: label(lang, &dengta_domain::programme::level_zh(l)),
            value: v(d, &format!("level:{l}")) as f64,
        })
        .collect();
    let empty = points.iter().all(|p| p.value == 0.0);
    out.push(Section {
        wide: false,
        no_chart: None,
        id: "levels",
        title: tr("dashboard.s_levels"),
        svg: if empty { String::new() } else { chart::bars(tr("dashboard.chart_levels"), &points, None) },
        header,
        rows,
        empty: tr("dashboard.empty_levels"),
        is_empty: empty,
        export: export_href("levels", code),
        hint: None,
    });

    // 月度趋势: filed projects by month, the table with all four series.
    let (header, rows) = table(lang, d, "months")?;
    let points: Vec<Point> =
        d.months.iter().map(|(m, _, filed, _, _)| Point { label: m.clone(), value: *filed as f64 }).collect();
    let empty = d.months.iter().all(|(_, e, f, a, y)| *e == 0 && *f == 0 && *a == 0 && *y == 0);
    out.push(Section {
        wide: false,
        no_chart: None,
        id: "months",
        title: tr("dashboard.s_months"),
        svg: if empty { String::new() } else { chart::line(tr("dashboard.chart_months"), &points) },
        header,
        rows,
        empty: tr("dashboard.empty_months"),
        is_empty: empty,
        export: export_href("months", code),
        hint: Some(tr("dashboard.hint_months").to_owned()),
    });

    // 奖补资金: committed and disbursed, in yuan.
    let (header, rows) = table(lang, d, "money")?;
    let (committed, disbursed) = (v(d, "committed_fen"), v(d, "disbursed_fen"));
    let points = vec![
        Point { label: tr("dashboard.h_committed").to_owned(), value: (committed / 100) as f64 },
        Point { label: tr("dashboard.h_disbursed").to_owned(), value: (disbursed / 100) as f64 },
    ];
    let empty = committed == 0 && disbursed == 0;
    out.push(Section {
        wide: false,
        no_chart: None,
        id: "money",
        title: tr("dashboard.s_money"),
        svg: if empty { String::new() } else { chart::bars(tr("dashboard.chart_money"), &points, None) },
        header,
        rows,
        empty: tr("dashboard.empty_money"),
        is_empty: empty,
        export: export_href("money", code),
        hint: None,
    });

    // 服务商星级: providers in the region by their star rating (no .xlsx tile).
    let points: Vec<Point> = d
        .provider_stars
        .iter()
        .map(|(stars, n)| Point { label: stars_label(lang, *stars), value: *n as f64 })
        .collect();
    let rows = d
        .provider_stars
        .iter()
        .map(|(stars, n)| {
            vec![
                Cell { text: stars_label(lang, *stars), href: None, num: false },
                Cell { text: n.to_string(), href: None, num: true },
            ]
        })
        .collect();
    let empty = d.provider_stars.iter().all(|(_, n)| *n == 0);
    out.push(Section {
        wide: false,
        no_chart: None,
        id: "provider_stars",
        title: tr("dashboard.s_stars"),
        svg: if empty { String::new() } else { chart::bars(tr("dashboard.chart_stars"), &points, None) },
        header: vec![tr("dashboard.c_stars").to_owned(), tr("dashboard.c_providers").to_owned()],
        rows,
        empty: tr("dashboard.empty_stars"),
        is_empty: empty,
        export: None,
        hint: None,
    });
    for s in &mut out {
        s.wide = s.header.len() > 5;
    }
    Ok(out)
}

fn stars_label(lang: Lang, stars: i64) -> String {
    if stars <= 0 {
        t(lang, "dashboard.unrated").to_owned()
    } else {
        format!(
            "{} {}",
            "★".repeat(stars.clamp(1, 5) as usize),
            t(lang, "dashboard.stars_suffix").replace("{n}", &stars.to_string())
        )
    }
}

/// The regions from the caller's own down to the one shown (exclusive), for the breadcrumb.
async fn ancestors(app: &App, p: &Principal, code: &str) -> Result<Vec<(String, String)>, AppError> {
    let mut out = Vec::new();
    let Ok(mut cur) = RegionCode::parse(code) else { return Ok(out) };
    while let Some(parent) = cur.parent() {
        if !p.region.contains(&parent) {
            break;
        }
        let name =
            crate::app::directory::region_name(app, parent.as_str()).await?.unwrap_or_else(|| parent.to_string());
        out.push((parent.to_string(), name));
        cur = parent;
    }
    out.reverse();
    Ok(out)
}

async fn page(
    app: &App,
    ctx: &Ctx,
    region: Option<&str>,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    let d = dashboard::dashboard(app, p, region).await?;
    let share_target = d.sub_industries.first().map_or(DEFAULT_SHARE_TARGET, |s| s.target_pct);
    let trail = ancestors(app, p, &d.region_code).await?;
    let parent = d.parent.as_ref().and_then(|code| {
        trail.iter().find(|(c, _)| c == code).map(|(c, name)| (format!("/dashboard?region={c}"), name.clone()))
    });
    let hrefs: Vec<(String, String)> =
        trail.iter().map(|(c, name)| (format!("/dashboard?region={c}"), name.clone())).collect();
    let here = format!("/dashboard?region={}", d.region_code);
    let mut crumbs: Vec<(&str, &str)> = vec![("/dashboard", "nav.dashboard")];
    crumbs.extend(hrefs.iter().map(|(h, n)| (h.as_str(), n.as_str())));
    crumbs.push((here.as_str(), d.region_name.as_str()));
    let cloud_form = (p.role == Role::Officer && p.region.as_str() == d.region_code)
        .then(|| CloudForm { value: d.cloud_target.map(|v| v.to_string()).unwrap_or_default() });
    let failed = error.is_some();
    render_form(
        &DashboardPage {
            l: Layout::new(ctx, "dashboard.title", &crumbs),
            headline: headline(ctx, p, &d, share_target),
            sections: sections(ctx, p, &d, share_target)?,
            region_code: d.region_code.clone(),
            region_name: d.region_name.clone(),
            parent,
            cloud_form,
            notice,
            error,
        },
        failed,
    )
}

/// `GET /dashboard?region=`: the caller's own region by default, any region below it on request.
pub async fn show(State(app): State<App>, ctx: Ctx, Query(q): Query<DashQuery>) -> Result<Response, HttpError> {
    let notice = (q.msg.as_deref() == Some("target")).then(|| ctx.t("dashboard.target_saved"));
    page(&app, &ctx, q.region.as_deref(), notice, None).await
}

/// `GET /dashboard/export?tile=&region=`: one tile as .xlsx, the same numbers as on the page.
pub async fn export(State(app): State<App>, ctx: Ctx, Query(q): Query<DashQuery>) -> Result<Response, HttpError> {
    let d = dashboard::dashboard(&app, ctx.principal()?, q.region.as_deref()).await?;
    let tile = q.tile.as_deref().map(str::trim).filter(|s| !s.is_empty()).unwrap_or("regions");
    let Some((tile, _)) = dashboard::TILES.iter().find(|(id, _)| *id == tile) else {
        return Err(AppError::invalid("error.bad_request", tile).into());
    };
    let bytes = dashboard::tile_xlsx(&d, tile)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"dashboard-{}-{tile}.xlsx\"", d.region_code)),
        ],
        bytes,
    )
        .into_response())
}

/// `POST /dashboard/targets`: an officer sets a target of its own region (the form sets 上云).
pub async fn set_target(State(app): State<App>, ctx: Ctx, Form(f): Form<Pairs>) -> Result<Response, HttpError> {
    let metric = one(&f, "metric").trim().to_owned();
    let metric = if metric.is_empty() { "cloud".to_owned() } else { metric };
    let raw = one(&f, "value");
    let result = match raw.trim().parse::<i64>() {
        Ok(value) => dashboard::set_target(&app, &ctx.actor(), &metric, value).await,
        Err(_) => Err(AppError::invalid("error.target", raw.trim())),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/dashboard?msg=target#headline").into_response()),
        Err(e) => {
            let msg = refusal(&ctx, e)?;
            page(&app, &ctx, None, None, Some(msg)).await
        }
    }
}
