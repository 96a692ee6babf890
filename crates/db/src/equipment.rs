//! Devices (设备上云) and their readings: raw rows kept for the retention window, hourly and
//! daily sums kept for good and maintained on ingest, so that KPIs read sums only.

use super::{Arg, Conn, DbResult};
use crate::args;

#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct DeviceRow {
    pub id: i64,
    pub enterprise_id: i64,
    pub region_code: String,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub protocol: String,
    pub gateway: String,
    pub provider_id: Option<i64>,
    pub project_id: Option<i64>,
    pub ideal_cycle_ms: i64,
    pub latest_ms: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
}

const COLS: &str = "id, enterprise_id, region_code, code, name, kind, protocol, gateway, provider_id, project_id, \
     ideal_cycle_ms, latest_ms, created_by, created_at";

pub struct NewDevice<'a> {
    pub enterprise_id: i64,
    pub region_code: &'a str,
    pub code: &'a str,
    pub name: &'a str,
    pub kind: &'a str,
    pub protocol: &'a str,
    pub gateway: &'a str,
    pub provider_id: Option<i64>,
    pub project_id: Option<i64>,
    pub ideal_cycle_ms: i64,
    pub created_by: &'a str,
    pub created_at: i64,
}

/// Registers a device unless the enterprise has one under this code: `None` then.
pub async fn insert_device(c: &mut impl Conn, n: &NewDevice<'_>) -> DbResult<Option<i64>> {
    let row: Option<(i64,)> = c
        .fetch_optional(
            "INSERT INTO devices (enterprise_id, region_code, code, name, kind, protocol, gateway, provider_id, \
             project_id, ideal_cycle_ms, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (enterprise_id, code) DO NOTHING RETURNING id",
            args![
                n.enterprise_id,
                n.region_code,
                n.code,
                n.name,
                n.kind,
                n.protocol,
                n.gateway,
                n.provider_id,
                n.project_id,
                n.ideal_cycle_ms,
                n.created_by,
                n.created_at
            ],
        )
        .await?;
    Ok(row.map(|r| r.0))
}

pub async fn get(c: &mut impl Conn, id: i64) -> DbResult<Option<DeviceRow>> {
    c.fetch_optional(&format!("SELECT {COLS} FROM devices WHERE id = $1"), args![id]).await
}

pub async fn by_code(c: &mut impl Conn, enterprise_id: i64, code: &str) -> DbResult<Option<DeviceRow>> {
    c.fetch_optional(
        &format!("SELECT {COLS} FROM devices WHERE enterprise_id = $1 AND code = $2"),
        args![enterprise_id, code],
    )
    .await
}

pub async fn of_enterprise(c: &mut impl Conn, enterprise_id: i64) -> DbResult<Vec<DeviceRow>> {
    c.fetch_all(&format!("SELECT {COLS} FROM devices WHERE enterprise_id = $1 ORDER BY id"), args![enterprise_id]).await
}

pub async fn of_project(c: &mut impl Conn, project_id: i64) -> DbResult<Vec<DeviceRow>> {
    c.fetch_all(&format!("SELECT {COLS} FROM devices WHERE project_id = $1 ORDER BY id"), args![project_id]).await
}

pub async fn count_of_enterprise(c: &mut impl Conn, enterprise_id: i64) -> DbResult<i64> {
    c.scalar("SELECT COUNT(*) FROM devices WHERE enterprise_id = $1", args![enterprise_id]).await
}

/// Whether the provider has a project with the enterprise (what lets it see the devices).
pub async fn provider_serves(c: &mut impl Conn, provider_id: i64, enterprise_id: i64) -> DbResult<bool> {
    let n = c
        .scalar(
            "SELECT COUNT(*) FROM projects WHERE provider_id = $1 AND enterprise_id = $2",
            args![provider_id, enterprise_id],
        )
        .await?;
    Ok(n > 0)
}

/// What ingestion needs of a device: whose it is and who connected it.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct DeviceScope {
    pub id: i64,
    pub enterprise_id: i64,
    pub provider_id: Option<i64>,
    pub ideal_cycle_ms: i64,
    pub latest_ms: Option<i64>,
}

/// The devices among `ids` (at most a few hundred distinct ids in one batch).
pub async fn scopes(c: &mut impl Conn, ids: &[i64]) -> DbResult<Vec<DeviceScope>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(200) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let args: Vec<Arg> = chunk.iter().map(|i| Arg::from(*i)).collect();
        let rows: Vec<DeviceScope> = c
            .fetch_all(
                &format!(
                    "SELECT id, enterprise_id, provider_id, ideal_cycle_ms, latest_ms FROM devices WHERE id IN ({})",
                    marks.join(", ")
                ),
                args,
            )
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct ReadingRow {
    pub device_id: i64,
    pub ts_ms: i64,
    pub period_s: i64,
    pub run_s: i64,
    pub planned_s: i64,
    pub output_units: i64,
    pub good_units: i64,
    pub ideal_cycle_ms: i64,
    pub energy_wh: i64,
}

const READING_COLS: &str =
    "device_id, ts_ms, period_s, run_s, planned_s, output_units, good_units, ideal_cycle_ms, energy_wh";

/// Stores a reading unless one with its device and time is there: whether it was stored.
pub async fn insert_reading(c: &mut impl Conn, r: &ReadingRow) -> DbResult<bool> {
    let n = c
        .execute(
            &format!(
                "INSERT INTO equipment_readings ({READING_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (device_id, ts_ms) DO NOTHING"
            ),
            args![
                r.device_id,
                r.ts_ms,
                r.period_s,
                r.run_s,
                r.planned_s,
                r.output_units,
                r.good_units,
                r.ideal_cycle_ms,
                r.energy_wh
            ],
        )
        .await?;
    Ok(n == 1)
}

pub async fn reading(c: &mut impl Conn, device_id: i64, ts_ms: i64) -> DbResult<Option<ReadingRow>> {
    c.fetch_optional(
        &format!("SELECT {READING_COLS} FROM equipment_readings WHERE device_id = $1 AND ts_ms = $2"),
        args![device_id, ts_ms],
    )
    .await
}

/// The raw readings of a device in `[from, to)`, oldest first.
pub async fn readings(c: &mut impl Conn, device_id: i64, from: i64, to: i64) -> DbResult<Vec<ReadingRow>> {
    c.fetch_all(
        &format!(
            "SELECT {READING_COLS} FROM equipment_readings WHERE device_id = $1 AND ts_ms >= $2 AND ts_ms < $3 \
             ORDER BY ts_ms"
        ),
        args![device_id, from, to],
    )
    .await
}

/// Sums of a bucket (an hour or a day) of one device or many.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct BucketRow {
    pub bucket_ms: i64,
    pub devices: i64,
    pub readings: i64,
    pub period_s: i64,
    pub run_s: i64,
    pub planned_s: i64,
    pub output_units: i64,
    pub good_units: i64,
    pub ideal_ms: i64,
    pub energy_wh: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bucket {
    Hour,
    Day,
}

impl Bucket {
    fn table(self) -> &'static str {
        match self {
            Bucket::Hour => "equipment_hourly",
            Bucket::Day => "equipment_daily",
        }
    }
}

/// Adds sums to a device's bucket (creating it).
pub async fn add_to_bucket(c: &mut impl Conn, b: Bucket, device_id: i64, s: &BucketRow) -> DbResult<()> {
    let t = b.table();
    c.execute(
        &format!(
            "INSERT INTO {t} (device_id, bucket_ms, readings, period_s, run_s, planned_s, output_units, good_units, \
             ideal_ms, energy_wh) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (device_id, bucket_ms) DO UPDATE SET readings = {t}.readings + excluded.readings, \
             period_s = {t}.period_s + excluded.period_s, run_s = {t}.run_s + excluded.run_s, \
             planned_s = {t}.planned_s + excluded.planned_s, output_units = {t}.output_units + excluded.output_units, \
             good_units = {t}.good_units + excluded.good_units, ideal_ms = {t}.ideal_ms + excluded.ideal_ms, \
             energy_wh = {t}.energy_wh + excluded.energy_wh"
        ),
        args![
            device_id,
            s.bucket_ms,
            s.readings,
            s.period_s,
            s.run_s,
            s.planned_s,
            s.output_units,
            s.good_units,
            s.ideal_ms,
            s.energy_wh
        ],
    )
    .await?;
    Ok(())
}

/// Moves a device's latest reading time forward (never back).
pub async fn advance_latest(c: &mut impl Conn, device_id: i64, ts_ms: i64) -> DbResult<()> {
    c.execute(
        "UPDATE devices SET latest_ms = $2 WHERE id = $1 AND (latest_ms IS NULL OR latest_ms < $2)",
        args![device_id, ts_ms],
    )
    .await?;
    Ok(())
}

/// Which devices a KPI query sums.
#[derive(Clone, Copy, Debug)]
pub enum Over {
    Device(i64),
    Enterprise(i64),
    Project(i64),
}

/// Bucket sums in `[from, to)` over the devices `over` names, oldest first.
pub async fn buckets(c: &mut impl Conn, b: Bucket, over: Over, from: i64, to: i64) -> DbResult<Vec<BucketRow>> {
    let (filter, id) = match over {
        Over::Device(id) => ("a.device_id = $1", id),
        Over::Enterprise(id) => ("a.device_id IN (SELECT id FROM devices WHERE enterprise_id = $1)", id),
        Over::Project(id) => ("a.device_id IN (SELECT id FROM devices WHERE project_id = $1)", id),
    };
    c.fetch_all(
        &format!(
            "SELECT a.bucket_ms, CAST(COUNT(*) AS BIGINT) AS devices, CAST(SUM(a.readings) AS BIGINT) AS readings, \
             CAST(SUM(a.period_s) AS BIGINT) AS period_s, CAST(SUM(a.run_s) AS BIGINT) AS run_s, \
             CAST(SUM(a.planned_s) AS BIGINT) AS planned_s, CAST(SUM(a.output_units) AS BIGINT) AS output_units, \
             CAST(SUM(a.good_units) AS BIGINT) AS good_units, CAST(SUM(a.ideal_ms) AS BIGINT) AS ideal_ms, \
             CAST(SUM(a.energy_wh) AS BIGINT) AS energy_wh FROM {} a \
             WHERE {filter} AND a.bucket_ms >= $2 AND a.bucket_ms < $3 GROUP BY a.bucket_ms ORDER BY a.bucket_ms",
            b.table()
        ),
        args![id, from, to],
    )
    .await
}

/// Every device id (for the retention sweep, which deletes device by device along the key).
pub async fn device_ids(c: &mut impl Conn) -> DbResult<Vec<i64>> {
    let rows: Vec<(i64,)> = c.fetch_all("SELECT id FROM devices ORDER BY id", args![]).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Deletes a device's raw readings that start before `before_ms`; the sums stay.
pub async fn purge_raw(c: &mut impl Conn, device_id: i64, before_ms: i64) -> DbResult<u64> {
    c.execute("DELETE FROM equipment_readings WHERE device_id = $1 AND ts_ms < $2", args![device_id, before_ms]).await
}
