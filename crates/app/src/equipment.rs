//! Equipment on the cloud (设备上云, issue #21): devices per enterprise, batches of readings
//! from their gateways, and KPIs read from hourly and daily sums.
//!
//! Who sees what: an enterprise its own devices; a provider the devices of enterprises it has a
//! project with; officers those of their region (anything else is not found). A device is
//! registered by its enterprise, by an officer over it, or by a provider on one of its projects
//! with the enterprise (it is then the connecting provider). Readings come from the device's
//! enterprise or its connecting provider; any other device is unknown to the caller.
//!
//! A batch is one transaction. Each reading is checked on its own ([`Reading::check`], then its
//! time) and refused with its reason without touching its neighbours; a reading whose device and
//! time are already stored is a duplicate (the same values: nothing to do) or a conflict (other
//! values: refused). Only readings stored by this batch add to the hourly and daily sums, so a
//! resubmitted or parallel identical batch counts nothing twice. Readings are written in
//! (device, time) order and sums in (device, bucket) order, so two batches never wait on each
//! other in a cycle (PostgreSQL).

use std::collections::{BTreeMap, HashMap};

use dengta_domain::equipment::kinds::DeviceKinds;
use dengta_domain::equipment::kpi::{Kpis, Sums, kpis};
use dengta_domain::equipment::reading::{self, DAY_MS, HOUR_MS, Reading, Refusal};
use dengta_domain::policy::{self, Action};
use dengta_domain::programme::Date;
use dengta_domain::programme::contract::{Criterion, KpiMeasure, KpiName};
use dengta_domain::region::RegionCode;
use dengta_domain::role::{Principal, Role};
use serde::{Deserialize, Serialize};

use super::audit::{Outcome, record};
use super::{Actor, App, AppError, AppResult, check};
use crate::db::equipment::{self as store, Bucket, BucketRow, DeviceRow, NewDevice, Over, ReadingRow};
use crate::db::{self, Conn, now_ms};

fn principal(actor: &Actor) -> AppResult<&Principal> {
    actor.principal.as_ref().ok_or(AppError::Unauthenticated)
}

pub fn kinds() -> AppResult<&'static DeviceKinds> {
    static KINDS: std::sync::OnceLock<Result<DeviceKinds, String>> = std::sync::OnceLock::new();
    KINDS
        .get_or_init(|| DeviceKinds::builtin().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| AppError::Internal(e.clone()))
}

/// Whether the caller may see the enterprise's devices (NotFound otherwise).
async fn see_enterprise(
    c: &mut impl Conn,
    p: &Principal,
    enterprise_id: i64,
) -> AppResult<db::enterprises::EnterpriseRow> {
    let e = db::enterprises::get(c, enterprise_id).await?.ok_or(AppError::NotFound)?;
    match p.role {
        Role::Provider => {
            let Some(provider) = p.provider_id else { return Err(AppError::NotFound) };
            if !store::provider_serves(c, provider, enterprise_id).await? {
                return Err(AppError::NotFound);
            }
        }
        _ => {
            let region = RegionCode::parse(&e.region_code).map_err(|e| AppError::Internal(e.to_string()))?;
            check(policy::enterprise(p, Action::Read, enterprise_id, &region))?;
        }
    }
    Ok(e)
}

/// A device as its readers see it.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
#[schemars(rename = "Device")]
pub struct Device {
    pub id: i64,
    pub enterprise_id: i64,
    /// The enterprise's own code for it (asset number); unique within the enterprise.
    pub code: String,
    pub name: String,
    /// Device type id (GET /api/v1/device-kinds).
    pub kind: String,
    pub kind_name: String,
    /// Protocol id (GET /api/v1/device-kinds).
    pub protocol: String,
    pub protocol_name: String,
    pub gateway: String,
    /// The provider that connected it.
    pub provider_id: Option<i64>,
    pub project_id: Option<i64>,
    /// Ideal cycle time per unit, ms (used when a reading does not give one).
    pub ideal_cycle_ms: i64,
    /// Start of its latest stored reading, ms.
    pub latest_ms: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
}

impl Device {
    fn of(r: DeviceRow) -> Device {
        let k = kinds().ok();
        let name_of = |found: Option<&dengta_domain::equipment::kinds::Entry>, id: &str| {
            found.map_or_else(|| id.to_owned(), |e| e.name.clone())
        };
        Device {
            kind_name: name_of(k.and_then(|k| k.kind(&r.kind)), &r.kind),
            protocol_name: name_of(k.and_then(|k| k.protocol(&r.protocol)), &r.protocol),
            id: r.id,
            enterprise_id: r.enterprise_id,
            code: r.code,
            name: r.name,
            kind: r.kind,
            protocol: r.protocol,
            gateway: r.gateway,
            provider_id: r.provider_id,
            project_id: r.project_id,
            ideal_cycle_ms: r.ideal_cycle_ms,
            latest_ms: r.latest_ms,
            created_by: r.created_by,
            created_at: r.created_at,
        }
    }
}

/// What registers a device.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "NewDevice", example = example_device())]
pub struct DeviceForm {
    /// The enterprise's own code for it (asset number), 1–64 characters.
    pub code: String,
    pub name: String,
    /// A device type id from GET /api/v1/device-kinds.
    pub kind: String,
    /// A protocol id from GET /api/v1/device-kinds.
    pub protocol: String,
    #[serde(default)]
    pub gateway: String,
    /// The project it belongs to (its provider becomes the connecting provider). A provider
    /// must name one of its projects with the enterprise.
    #[serde(default)]
    pub project_id: Option<i64>,
    /// Ideal cycle time per unit, ms (0: none, e.g. a compressor).
    #[serde(default)]
    pub ideal_cycle_ms: i64,
}

fn example_device() -> serde_json::Value {
    serde_json::json!({"code": "CNC-07", "name": "立式加工中心7号", "kind": "cnc", "protocol": "opc_ua",
        "gateway": "GW-A1", "project_id": 12, "ideal_cycle_ms": 45000})
}

/// Registers a device of enterprise `enterprise_id`. Returns it and whether this call created
/// it (false: the same device under this code was there, e.g. a retry).
pub async fn register(app: &App, actor: &Actor, enterprise_id: i64, f: &DeviceForm) -> AppResult<(Device, bool)> {
    let p = principal(actor)?;
    if !matches!(p.role, Role::Enterprise | Role::Provider | Role::Officer) {
        return Err(AppError::Forbidden);
    }
    let mut tx = app.db.begin().await?;
    // Scope first, so an id outside it says nothing about the fields.
    let e = see_enterprise(&mut tx, p, enterprise_id).await?;
    let bad = |d: &str| AppError::invalid("error.device", d.to_owned());
    let code = f.code.trim();
    let name = f.name.trim();
    if code.is_empty() || code.chars().count() > 64 {
        return Err(bad("设备编号应为1至64个字符"));
    }
    if name.is_empty() || name.chars().count() > 100 {
        return Err(bad("设备名称应为1至100个字符"));
    }
    let k = kinds()?;
    if k.kind(&f.kind).is_none() {
        return Err(bad(&format!("设备类型“{}”不在清单内", f.kind)));
    }
    if k.protocol(&f.protocol).is_none() {
        return Err(bad(&format!("接入协议“{}”不在清单内", f.protocol)));
    }
    if !(0..=reading::MAX_CYCLE_MS).contains(&f.ideal_cycle_ms) {
        return Err(bad("理想节拍应在0至86400000毫秒之间"));
    }
    let gateway = f.gateway.trim();
    if gateway.chars().count() > 64 {
        return Err(bad("网关标识不超过64个字符"));
    }
    let provider_id = match f.project_id {
        Some(pid) => {
            let pr = db::projects::get(&mut tx, pid).await?;
            let Some(pr) = pr.filter(|pr| pr.enterprise_id == enterprise_id) else {
                return Err(bad("所属项目不是该企业的项目"));
            };
            if p.role == Role::Provider && p.provider_id != Some(pr.provider_id) {
                return Err(bad("所属项目不是本服务商承担的项目"));
            }
            Some(pr.provider_id)
        }
        None if p.role == Role::Provider => return Err(bad("服务商登记设备须指明所属项目")),
        None => None,
    };
    let new = NewDevice {
        enterprise_id,
        region_code: &e.region_code,
        code,
        name,
        kind: &f.kind,
        protocol: &f.protocol,
        gateway,
        provider_id,
        project_id: f.project_id,
        ideal_cycle_ms: f.ideal_cycle_ms,
        created_by: &actor.name,
        created_at: now_ms(),
    };
    let Some(id) = store::insert_device(&mut tx, &new).await? else {
        let first = store::by_code(&mut tx, enterprise_id, code).await?.ok_or(AppError::Conflict("error.stale"))?;
        let same = first.name == name
            && first.kind == f.kind
            && first.protocol == f.protocol
            && first.gateway == gateway
            && first.project_id == f.project_id
            && first.ideal_cycle_ms == f.ideal_cycle_ms;
        return if same { Ok((Device::of(first), false)) } else { Err(AppError::Conflict("error.device_code")) };
    };
    let detail = format!("device:{id} {code} {} {} project {:?}", f.kind, f.protocol, f.project_id);
    record(&mut tx, actor, "device.register", &format!("enterprise:{enterprise_id}"), Outcome::Ok, &detail).await?;
    let row = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok((Device::of(row), true))
}

/// The enterprise's devices (scope-checked).
pub async fn of_enterprise(app: &App, p: &Principal, enterprise_id: i64) -> AppResult<Vec<Device>> {
    let mut c = app.db.read().await?;
    see_enterprise(&mut c, p, enterprise_id).await?;
    Ok(store::of_enterprise(&mut c, enterprise_id).await?.into_iter().map(Device::of).collect())
}

/// The assessment input the enterprise's device count is offered for, and the count: the
/// platform's own evidence for the 设备联网 input. The caller has already been let see the
/// enterprise (its assessment).
pub async fn count_for_assessment(app: &App, enterprise_id: i64) -> AppResult<Option<(&'static str, i64)>> {
    let Some(input) = kinds()?.count_input.as_deref() else { return Ok(None) };
    let n = store::count_of_enterprise(&mut app.db.read().await?, enterprise_id).await?;
    Ok(Some((input, n)))
}

/// One reading as a gateway sends it.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "DeviceReading")]
pub struct ReadingIn {
    /// The device's id on Dengta.
    pub device_id: i64,
    /// Start of the period the reading covers, ms since the Unix epoch.
    pub ts_ms: i64,
    /// Length of the period, seconds (1–3600; default 60).
    #[serde(default = "sixty")]
    pub period_s: i64,
    /// Seconds it ran (produced) in the period.
    pub run_s: i64,
    /// Seconds it was planned to produce in the period (the period less planned stops).
    pub planned_s: i64,
    pub output_units: i64,
    pub good_units: i64,
    /// Ideal cycle time per unit, ms; the device's when not given.
    #[serde(default)]
    pub ideal_cycle_ms: Option<i64>,
    #[serde(default)]
    pub energy_wh: i64,
}

fn sixty() -> i64 {
    60
}

#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "ReadingBatch", example = example_batch())]
pub struct Batch {
    pub readings: Vec<ReadingIn>,
}

fn example_batch() -> serde_json::Value {
    serde_json::json!({"readings": [{"device_id": 7, "ts_ms": 1733529600000_i64, "period_s": 60, "run_s": 52,
        "planned_s": 60, "output_units": 1, "good_units": 1, "energy_wh": 180}]})
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "ReadingStatus")]
pub enum Status {
    /// Stored by this batch.
    Stored,
    /// Already stored with the same values: nothing done.
    Duplicate,
    /// Refused, with its reason.
    Refused,
}

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
#[schemars(rename = "ReadingAnswer")]
pub struct Answer {
    /// Its place in the batch, from 0.
    pub index: usize,
    pub device_id: i64,
    pub ts_ms: i64,
    pub status: Status,
    pub reason: Option<Refusal>,
    /// The reason in Chinese.
    pub text: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
#[schemars(rename = "ReadingBatchAnswer")]
pub struct BatchAnswer {
    pub stored: usize,
    pub duplicates: usize,
    pub refused: usize,
    /// One answer per reading, in the batch's order.
    pub readings: Vec<Answer>,
}

/// Takes a batch of readings (see the module's notes).
pub async fn ingest(app: &App, actor: &Actor, batch: &Batch) -> AppResult<BatchAnswer> {
    let p = principal(actor)?;
    if !matches!(p.role, Role::Enterprise | Role::Provider) {
        return Err(AppError::Forbidden);
    }
    let max = app.settings.equipment.max_batch;
    if batch.readings.len() > max {
        return Err(AppError::invalid("error.batch_too_large", format!("一批最多{max}条读数")));
    }
    let now = now_ms();
    let window = app.settings.equipment.late_window_hours * HOUR_MS;
    // A day's margin inside retention, so that a reading is never accepted just before the
    // sweep takes its stored twin away.
    let oldest = now - (app.settings.equipment.raw_retention_days - 1).max(0) * DAY_MS;

    let mut answers: Vec<Answer> = batch
        .readings
        .iter()
        .enumerate()
        .map(|(index, r)| Answer {
            index,
            device_id: r.device_id,
            ts_ms: r.ts_ms,
            status: Status::Refused,
            reason: None,
            text: None,
        })
        .collect();
    let refuse = |a: &mut Answer, why: Refusal| {
        a.status = Status::Refused;
        a.reason = Some(why);
        a.text = Some(why.text().to_owned());
    };

    let mut tx = app.db.begin().await?;
    let mut ids: Vec<i64> = batch.readings.iter().map(|r| r.device_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let scopes: HashMap<i64, store::DeviceScope> = store::scopes(&mut tx, &ids)
        .await?
        .into_iter()
        .filter(|d| match p.role {
            Role::Enterprise => p.enterprise_id == Some(d.enterprise_id),
            Role::Provider => p.provider_id.is_some() && d.provider_id == p.provider_id,
            _ => false,
        })
        .map(|d| (d.id, d))
        .collect();

    // In (device, time) order; the batch's order for equal keys.
    let mut order: Vec<usize> = (0..batch.readings.len()).collect();
    order.sort_by_key(|&i| (batch.readings[i].device_id, batch.readings[i].ts_ms, i));
    let mut latest: HashMap<i64, Option<i64>> = scopes.iter().map(|(id, d)| (*id, d.latest_ms)).collect();
    let mut hours: BTreeMap<(i64, i64), Sums> = BTreeMap::new();
    let mut days: BTreeMap<(i64, i64), Sums> = BTreeMap::new();
    for i in order {
        let r = &batch.readings[i];
        let a = &mut answers[i];
        let Some(d) = scopes.get(&r.device_id) else {
            refuse(a, Refusal::UnknownDevice);
            continue;
        };
        let reading = Reading {
            ts_ms: r.ts_ms,
            period_s: r.period_s,
            run_s: r.run_s,
            planned_s: r.planned_s,
            output_units: r.output_units,
            good_units: r.good_units,
            ideal_cycle_ms: r.ideal_cycle_ms.unwrap_or(d.ideal_cycle_ms),
            energy_wh: r.energy_wh,
        };
        let last = latest.get(&d.id).copied().flatten();
        if let Err(why) = reading.check().and_then(|()| reading.check_time(now, last, window, oldest)) {
            refuse(a, why);
            continue;
        }
        let row = ReadingRow {
            device_id: d.id,
            ts_ms: reading.ts_ms,
            period_s: reading.period_s,
            run_s: reading.run_s,
            planned_s: reading.planned_s,
            output_units: reading.output_units,
            good_units: reading.good_units,
            ideal_cycle_ms: reading.ideal_cycle_ms,
            energy_wh: reading.energy_wh,
        };
        if store::insert_reading(&mut tx, &row).await? {
            a.status = Status::Stored;
            let s = Sums::of(&reading);
            hours.entry((d.id, reading.hour_ms())).or_default().add(&s);
            days.entry((d.id, reading.day_ms())).or_default().add(&s);
            latest.insert(d.id, Some(last.map_or(reading.ts_ms, |l| l.max(reading.ts_ms))));
        } else if store::reading(&mut tx, d.id, reading.ts_ms).await?.is_some_and(|stored| stored == row) {
            a.status = Status::Duplicate;
        } else {
            refuse(a, Refusal::ConflictingDuplicate);
        }
    }
    for (bucket, sums) in [(Bucket::Hour, &hours), (Bucket::Day, &days)] {
        for ((device, at), s) in sums {
            store::add_to_bucket(&mut tx, bucket, *device, &bucket_row(*at, s)).await?;
        }
    }
    // Device rows last, in id order (a BTreeMap's), like everything else in this transaction.
    let latest: BTreeMap<i64, Option<i64>> = latest.into_iter().collect();
    for (device, ts) in &latest {
        if let (Some(ts), Some(d)) = (ts, scopes.get(device))
            && d.latest_ms != Some(*ts)
        {
            store::advance_latest(&mut tx, *device, *ts).await?;
        }
    }
    let count = |s: Status| answers.iter().filter(|a| a.status == s).count();
    let out = BatchAnswer {
        stored: count(Status::Stored),
        duplicates: count(Status::Duplicate),
        refused: count(Status::Refused),
        readings: Vec::new(),
    };
    if out.stored > 0 {
        let detail = format!("{} stored, {} duplicates, {} refused", out.stored, out.duplicates, out.refused);
        record(&mut tx, actor, "device.readings", "devices", Outcome::Ok, &detail).await?;
    }
    tx.commit().await?;
    Ok(BatchAnswer { readings: answers, ..out })
}

fn bucket_row(at: i64, s: &Sums) -> BucketRow {
    BucketRow {
        bucket_ms: at,
        devices: 1,
        readings: s.readings,
        period_s: s.period_s,
        run_s: s.run_s,
        planned_s: s.planned_s,
        output_units: s.output_units,
        good_units: s.good_units,
        ideal_ms: s.ideal_ms,
        energy_wh: s.energy_wh,
    }
}

fn sums_of(b: &BucketRow) -> Sums {
    Sums {
        readings: b.readings,
        period_s: b.period_s,
        run_s: b.run_s,
        planned_s: b.planned_s,
        output_units: b.output_units,
        good_units: b.good_units,
        ideal_ms: b.ideal_ms,
        energy_wh: b.energy_wh,
    }
}

/// Deletes raw readings older than the retention; the sums stay. Returns how many went.
pub async fn purge_raw(app: &App) -> AppResult<u64> {
    let before = now_ms() - app.settings.equipment.raw_retention_days * DAY_MS;
    let ids = store::device_ids(&mut app.db.clone()).await?;
    let mut n = 0;
    for id in ids {
        // Device by device along the key: short transactions that never scan the table.
        n += store::purge_raw(&mut app.db.clone(), id, before).await?;
    }
    Ok(n)
}

/// KPIs of one bucket (or of the whole window), with the sums behind them.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
#[schemars(rename = "KpiPoint")]
pub struct KpiPoint {
    /// Start of the hour or the China-time day (ms); the window's start for the total.
    pub bucket_ms: i64,
    /// Devices with readings in it.
    pub devices: i64,
    pub readings: i64,
    pub run_s: i64,
    pub planned_s: i64,
    pub output_units: i64,
    pub good_units: i64,
    /// Σ output × ideal cycle, ms.
    pub ideal_ms: i64,
    pub energy_wh: i64,
    /// Calendar time the utilisation is over: reporting devices × the bucket's length, s.
    pub calendar_s: i64,
    pub kpis: Kpis,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BucketKind {
    Hour,
    #[default]
    Day,
}

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
#[schemars(rename = "KpiSeries")]
pub struct KpiSeries {
    pub bucket: BucketKind,
    pub from_ms: i64,
    pub to_ms: i64,
    /// Devices the series sums.
    pub devices: Vec<Device>,
    /// The whole window, from the same sums.
    pub total: KpiPoint,
    /// One point per bucket with readings, oldest first.
    pub points: Vec<KpiPoint>,
}

fn point(b: &BucketRow, bucket_len_s: i64) -> KpiPoint {
    let s = sums_of(b);
    let calendar_s = b.devices * bucket_len_s;
    KpiPoint {
        bucket_ms: b.bucket_ms,
        devices: b.devices,
        readings: b.readings,
        run_s: b.run_s,
        planned_s: b.planned_s,
        output_units: b.output_units,
        good_units: b.good_units,
        ideal_ms: b.ideal_ms,
        energy_wh: b.energy_wh,
        calendar_s,
        kpis: kpis(&s, calendar_s),
    }
}

/// The most buckets one series may hold (a year of days, or 31 days of hours).
const MAX_POINTS: i64 = 744;

/// KPIs over `[from, to)` by hour or day, of one device, an enterprise's or a project's devices.
/// The window is cut to whole buckets; at most 744 of them.
pub async fn series(
    c: &mut impl Conn,
    over: Over,
    devices: Vec<Device>,
    bucket: BucketKind,
    from: i64,
    to: i64,
) -> AppResult<KpiSeries> {
    let (b, len) = match bucket {
        BucketKind::Hour => (Bucket::Hour, HOUR_MS),
        BucketKind::Day => (Bucket::Day, DAY_MS),
    };
    let cut = |t: i64| if bucket == BucketKind::Hour { reading::hour_of(t) } else { reading::day_of(t) };
    let (from, to) = (cut(from), cut(to.saturating_add(len - 1)));
    if to <= from || to.saturating_sub(from) / len > MAX_POINTS {
        return Err(AppError::invalid("error.kpi_window", format!("时间窗口应为1至{MAX_POINTS}个时段")));
    }
    let rows = store::buckets(c, b, over, from, to).await?;
    let points: Vec<KpiPoint> = rows.iter().map(|r| point(r, len / 1000)).collect();
    let mut all = BucketRow { bucket_ms: from, ..BucketRow::default() };
    let mut calendar_s = 0;
    for r in &rows {
        let s = sums_of(r);
        let mut t = sums_of(&all);
        t.add(&s);
        all = BucketRow { bucket_ms: from, devices: all.devices.max(r.devices), ..bucket_row(from, &t) };
        calendar_s += r.devices * (len / 1000);
    }
    let mut total = point(&all, 0);
    total.calendar_s = calendar_s;
    total.kpis = kpis(&sums_of(&all), calendar_s);
    Ok(KpiSeries { bucket, from_ms: from, to_ms: to, devices, total, points })
}

/// KPIs of one device of an enterprise the caller may see.
pub async fn device_kpis(
    app: &App,
    p: &Principal,
    enterprise_id: i64,
    device_id: Option<i64>,
    bucket: BucketKind,
    from: i64,
    to: i64,
) -> AppResult<KpiSeries> {
    let mut c = app.db.read().await?;
    see_enterprise(&mut c, p, enterprise_id).await?;
    let all: Vec<Device> = store::of_enterprise(&mut c, enterprise_id).await?.into_iter().map(Device::of).collect();
    match device_id {
        Some(id) => {
            let one: Vec<Device> = all.into_iter().filter(|d| d.id == id).collect();
            if one.is_empty() {
                return Err(AppError::NotFound);
            }
            series(&mut c, Over::Device(id), one, bucket, from, to).await
        }
        None => series(&mut c, Over::Enterprise(enterprise_id), all, bucket, from, to).await,
    }
}

/// KPIs of a project's devices (the caller's part on the project is checked by the caller).
pub async fn project_kpis(app: &App, project_id: i64, bucket: BucketKind, from: i64, to: i64) -> AppResult<KpiSeries> {
    let mut c = app.db.read().await?;
    let devices = store::of_project(&mut c, project_id).await?.into_iter().map(Device::of).collect();
    series(&mut c, Over::Project(project_id), devices, bucket, from, to).await
}

/// The device KPIs the criteria ask for (each [`Criterion::DeviceKpi`]'s baseline and after
/// windows), over the project's devices from their daily sums: what acceptance evaluates them by.
pub async fn criteria_measures(
    c: &mut impl Conn,
    project_id: i64,
    criteria: &[Criterion],
) -> AppResult<Vec<KpiMeasure>> {
    let mut out: Vec<KpiMeasure> = Vec::new();
    for cr in criteria {
        let Criterion::DeviceKpi { kpi, baseline_from, baseline_to, after_from, after_to, .. } = cr else { continue };
        for (from, to) in [(*baseline_from, *baseline_to), (*after_from, *after_to)] {
            if out.iter().any(|m| m.kpi == *kpi && m.from == from && m.to == to) {
                continue;
            }
            let k = window_kpis(c, Over::Project(project_id), from, to).await?;
            out.push(KpiMeasure { kpi: *kpi, from, to, value: pick(&k, *kpi) });
        }
    }
    Ok(out)
}

/// KPIs over whole China-time days `from`..=`to` of the devices `over` names.
pub async fn window_kpis(c: &mut impl Conn, over: Over, from: Date, to: Date) -> AppResult<Kpis> {
    let rows = store::buckets(c, Bucket::Day, over, from.start_ms_beijing(), to.add_days(1).start_ms_beijing()).await?;
    let mut all = Sums::default();
    let mut calendar_s = 0;
    for r in &rows {
        all.add(&sums_of(r));
        calendar_s += r.devices * (DAY_MS / 1000);
    }
    Ok(kpis(&all, calendar_s))
}

fn pick(k: &Kpis, name: KpiName) -> Option<i64> {
    match name {
        KpiName::Oee => k.oee_bp,
        KpiName::Availability => k.availability_bp,
        KpiName::Performance => k.performance_bp,
        KpiName::Quality => k.quality_bp,
        KpiName::Utilisation => k.utilisation_bp,
        KpiName::EnergyPerUnit => k.energy_mwh_per_unit,
    }
}

/// The project's device data for the 一企一档 bundle: its devices, the KPIs its criteria read
/// (with their windows) and, per device, the daily sums behind them (the last 90 days when no
/// criterion names a window). Raw readings are not kept for good; the daily sums are.
pub async fn bundle_json(c: &mut impl Conn, project_id: i64, criteria: &[Criterion]) -> AppResult<serde_json::Value> {
    let devices: Vec<Device> = store::of_project(c, project_id).await?.into_iter().map(Device::of).collect();
    let measures = criteria_measures(c, project_id, criteria).await?;
    let mut windows: Vec<(i64, i64)> =
        measures.iter().map(|m| (m.from.start_ms_beijing(), m.to.add_days(1).start_ms_beijing())).collect();
    if windows.is_empty() {
        let to = now_ms();
        windows.push((reading::day_of(to - 90 * DAY_MS), to));
    }
    let mut daily = Vec::new();
    for d in &devices {
        for (from, to) in &windows {
            for r in store::buckets(c, Bucket::Day, Over::Device(d.id), *from, *to).await? {
                daily.push(serde_json::json!({
                    "device_id": d.id, "day_ms": r.bucket_ms, "readings": r.readings, "period_s": r.period_s,
                    "run_s": r.run_s, "planned_s": r.planned_s, "output_units": r.output_units,
                    "good_units": r.good_units, "ideal_ms": r.ideal_ms, "energy_wh": r.energy_wh,
                }));
            }
        }
    }
    Ok(serde_json::json!({ "devices": devices, "criteria_kpis": measures, "daily_sums": daily }))
}
