-- Equipment on the cloud (设备上云, issue #21): the devices an enterprise has connected, their
-- raw readings for a configurable time (equipment.raw_retention_days) and hourly and daily sums
-- kept for good, so that KPIs (OEE, energy per unit, utilisation) read the sums only.
CREATE TABLE devices (
    id             INTEGER PRIMARY KEY,
    enterprise_id  BIGINT NOT NULL REFERENCES enterprises(id),
    region_code    TEXT NOT NULL,
    code           TEXT NOT NULL,
    name           TEXT NOT NULL,
    kind           TEXT NOT NULL,
    protocol       TEXT NOT NULL,
    gateway        TEXT NOT NULL DEFAULT '',
    provider_id    BIGINT REFERENCES providers(id),
    project_id     BIGINT REFERENCES projects(id),
    ideal_cycle_ms BIGINT NOT NULL DEFAULT 0,
    latest_ms      BIGINT,
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    UNIQUE (enterprise_id, code)
);
CREATE INDEX devices_provider ON devices(provider_id);
CREATE INDEX devices_project ON devices(project_id);

-- One row per device and start time: the key makes a resubmitted reading find the stored one.
-- ideal_cycle_ms is the one applied (the reading's, else the device's).
CREATE TABLE equipment_readings (
    device_id      BIGINT NOT NULL,
    ts_ms          BIGINT NOT NULL,
    period_s       BIGINT NOT NULL,
    run_s          BIGINT NOT NULL,
    planned_s      BIGINT NOT NULL,
    output_units   BIGINT NOT NULL,
    good_units     BIGINT NOT NULL,
    ideal_cycle_ms BIGINT NOT NULL,
    energy_wh      BIGINT NOT NULL,
    PRIMARY KEY (device_id, ts_ms)
) WITHOUT ROWID;

-- Sums per device and hour (bucket_ms: the hour's start) and per device and China-time day.
CREATE TABLE equipment_hourly (
    device_id    BIGINT NOT NULL,
    bucket_ms    BIGINT NOT NULL,
    readings     BIGINT NOT NULL,
    period_s     BIGINT NOT NULL,
    run_s        BIGINT NOT NULL,
    planned_s    BIGINT NOT NULL,
    output_units BIGINT NOT NULL,
    good_units   BIGINT NOT NULL,
    ideal_ms     BIGINT NOT NULL,
    energy_wh    BIGINT NOT NULL,
    PRIMARY KEY (device_id, bucket_ms)
) WITHOUT ROWID;

CREATE TABLE equipment_daily (
    device_id    BIGINT NOT NULL,
    bucket_ms    BIGINT NOT NULL,
    readings     BIGINT NOT NULL,
    period_s     BIGINT NOT NULL,
    run_s        BIGINT NOT NULL,
    planned_s    BIGINT NOT NULL,
    output_units BIGINT NOT NULL,
    good_units   BIGINT NOT NULL,
    ideal_ms     BIGINT NOT NULL,
    energy_wh    BIGINT NOT NULL,
    PRIMARY KEY (device_id, bucket_ms)
) WITHOUT ROWID;
