//! The devices section of the enterprise file and the project page: the devices, a chart of
//! daily OEE over the last 30 days (server-drawn SVG) and the table of the same numbers.

use dengta_domain::chart;

use crate::app::equipment::{self as eq, BucketKind, Device, KpiSeries};
use crate::app::{App, AppResult, now_ms};
use crate::i18n::Lang;

pub struct DeviceLine {
    pub code: String,
    pub name: String,
    pub kind_name: String,
    pub protocol_name: String,
    pub gateway: String,
    pub latest: String,
}

/// Day, availability, performance, quality, OEE, output, energy per unit, utilisation.
pub type KpiRow = (String, String, String, String, String, String, String, String);

/// What `devices_section.html` shows.
pub struct EquipmentView {
    pub devices: Vec<DeviceLine>,
    pub rows: Vec<KpiRow>,
    pub svg: String,
}

fn pct(bp: Option<i64>) -> String {
    bp.map_or_else(|| "—".to_owned(), |v| format!("{}.{:02}%", v / 100, v % 100))
}

fn wh(mwh: Option<i64>) -> String {
    mwh.map_or_else(|| "—".to_owned(), |v| format!("{}.{:03}", v / 1000, v % 1000))
}

fn view(devices: Vec<Device>, s: &KpiSeries, lang: Lang) -> EquipmentView {
    let day = |ms: i64| super::audit::beijing(ms).chars().take(10).collect::<String>();
    let rows = s
        .points
        .iter()
        .map(|p| {
            let k = &p.kpis;
            (
                day(p.bucket_ms),
                pct(k.availability_bp),
                pct(k.performance_bp),
                pct(k.quality_bp),
                pct(k.oee_bp),
                p.output_units.to_string(),
                wh(k.energy_mwh_per_unit),
                pct(k.utilisation_bp),
            )
        })
        .collect();
    let points: Vec<chart::Point> = s
        .points
        .iter()
        .map(|p| chart::Point { label: day(p.bucket_ms), value: p.kpis.oee_bp.unwrap_or(0) as f64 / 100.0 })
        .collect();
    let svg = if points.is_empty() {
        String::new()
    } else {
        chart::bars(crate::i18n::t(lang, "devices.chart"), &points, None)
    };
    EquipmentView {
        devices: devices
            .into_iter()
            .map(|d| DeviceLine {
                latest: d.latest_ms.map(super::audit::beijing).unwrap_or_default(),
                code: d.code,
                name: d.name,
                kind_name: d.kind_name,
                protocol_name: d.protocol_name,
                gateway: d.gateway,
            })
            .collect(),
        rows,
        svg,
    }
}

fn window() -> (i64, i64) {
    let to = now_ms();
    (to - 30 * 86_400_000, to)
}

/// The section of an enterprise file (the caller's scope is checked again).
pub async fn of_enterprise(
    app: &App,
    p: &dengta_domain::role::Principal,
    id: i64,
    lang: Lang,
) -> AppResult<EquipmentView> {
    let (from, to) = window();
    let s = eq::device_kpis(app, p, id, None, BucketKind::Day, from, to).await?;
    Ok(view(s.devices.clone(), &s, lang))
}

/// The section of a project page (the caller's part on the project is checked by the page).
pub async fn of_project(app: &App, id: i64, lang: Lang) -> AppResult<EquipmentView> {
    let (from, to) = window();
    let s = eq::project_kpis(app, id, BucketKind::Day, from, to).await?;
    Ok(view(s.devices.clone(), &s, lang))
}
