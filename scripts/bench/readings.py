#!/usr/bin/env python3
"""Device-reading ingestion on SQLite through HTTP (issue #21) — a benchmark, not a test.

    scripts/bench/readings [--readings 200000] [--devices 50] [--batch 5000] [--clients 2]

Starts `dengta serve --demo` on a fresh SQLite file, registers devices of the demo enterprise,
posts one reading per device and minute in batches to POST /api/v1/devices/readings and prints
readings stored per second (wall clock, JSON encoding included). Then it measures the tables
(SQLite dbstat) and prints the bytes a device takes: raw readings at one a minute for the
retention window (equipment.raw_retention_days, 90 by default), and the hourly and daily sums of
one year (kept for good). Writes target/bench/readings.json.
"""

import argparse
import http.client
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

MINUTE = 60_000


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def request(port, method, path, body=None, token=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    h = {"Content-Type": "application/json"}
    if token:
        h["Authorization"] = "Bearer " + token
    c.request(method, path, body=None if body is None else json.dumps(body), headers=h)
    r = c.getresponse()
    out = r.read()
    c.close()
    return r.status, out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--readings", type=int, default=200_000)
    ap.add_argument("--devices", type=int, default=50)
    ap.add_argument("--batch", type=int, default=5000)
    ap.add_argument("--clients", type=int, default=2)
    ap.add_argument("--retention-days", type=int, default=90)
    a = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="dengta-readings-"))
    db = work / "bench.db"
    url = f"sqlite://{db}"
    port = free_port()
    config = work / "bench.toml"
    config.write_text("[security]\ntotp_roles = []\n")
    env = {**os.environ, "DENGTA_DATA_DIR": str(work), "DENGTA_CONFIG": str(config)}
    log = open(work / "server.log", "w")
    proc = subprocess.Popen([a.bin, "--database-url", url, "serve", "--demo", "--listen", f"127.0.0.1:{port}"],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        for _ in range(600):
            try:
                if request(port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None:
                sys.exit(f"the server exited; see {work / 'server.log'}")
            time.sleep(0.2)
        token = subprocess.run([a.bin, "--database-url", url, "token", "create", "--user", "demo-enterprise",
                                "--name", "bench-readings"], env=env, capture_output=True, text=True,
                               check=True).stdout.strip().split()[-1]
        st, body = request(port, "GET", "/api/v1/enterprises", token=token)
        enterprise = json.loads(body)["items"][0]["id"]
        devices = []
        for i in range(a.devices):
            st, body = request(port, "POST", f"/api/v1/enterprises/{enterprise}/devices", {
                "code": f"BENCH-{i:04}", "name": f"压测设备{i}", "kind": "cnc", "protocol": "opc_ua",
                "gateway": f"GW-{i // 10}", "ideal_cycle_ms": 2500}, token)
            if st != 201:
                sys.exit(f"device registration answered {st}: {body[:300]!r}")
            devices.append(json.loads(body)["id"])

        # One reading per device and minute, oldest first, ending an hour ago; a batch holds the
        # readings of all devices over consecutive minutes (as a site gateway would send them).
        minutes = a.readings // len(devices)
        start = (int(time.time() * 1000) - (minutes + 60) * MINUTE) // MINUTE * MINUTE
        readings = []
        for m in range(minutes):
            for j, d in enumerate(devices):
                run = 40 + (m * 7 + j) % 21
                out = run // 3
                readings.append({"device_id": d, "ts_ms": start + m * MINUTE, "period_s": 60, "run_s": run,
                                 "planned_s": 60, "output_units": out, "good_units": out - (m + j) % 2,
                                 "energy_wh": 120 + (m + j) % 40})
        batches = [json.dumps({"readings": readings[i:i + a.batch]}) for i in range(0, len(readings), a.batch)]
        stored = [0]
        lock = threading.Lock()
        queue = list(range(len(batches)))

        def client():
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
            h = {"Content-Type": "application/json", "Authorization": "Bearer " + token}
            while True:
                with lock:
                    if not queue:
                        break
                    i = queue.pop(0)
                c.request("POST", "/api/v1/devices/readings", body=batches[i], headers=h)
                r = c.getresponse()
                out = r.read()
                if r.status != 200:
                    raise RuntimeError(f"batch {i} answered {r.status}: {out[:300]!r}")
                n = json.loads(out)["stored"]
                with lock:
                    stored[0] += n
            c.close()

        t0 = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(a.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t0
        rate = stored[0] / elapsed
        print(f"ingested {stored[0]} readings of {len(devices)} devices in {len(batches)} batches of {a.batch} "
              f"with {a.clients} clients: {elapsed:.2f} s, {rate:,.0f} readings/s")
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()

    c = sqlite3.connect(db)
    size = dict(c.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall())
    rows = {t: c.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in ("equipment_readings", "equipment_hourly", "equipment_daily")}
    raw_b = size["equipment_readings"] / rows["equipment_readings"]
    hour_b = size["equipment_hourly"] / rows["equipment_hourly"]
    # The daily table has the hourly table's columns; with a few rows its pages are mostly empty,
    # so a daily row is taken to be an hourly row's size.
    raw_kept = a.retention_days * 1440 * raw_b
    sums_year = (8760 + 365) * hour_b
    print(f"bytes per raw reading {raw_b:.1f}, per hourly/daily row {hour_b:.1f} (SQLite pages, dbstat)")
    print(f"per device: raw at 1/min for {a.retention_days} days {raw_kept / 1e6:.2f} MB (steady state), "
          f"hourly + daily sums {sums_year / 1e3:.0f} kB per year (kept for good); "
          f"first year {(raw_kept + sums_year) / 1e6:.2f} MB, each further year +{sums_year / 1e3:.0f} kB")
    out = Path("target/bench")
    out.mkdir(parents=True, exist_ok=True)
    (out / "readings.json").write_text(json.dumps({
        "readings": stored[0], "devices": len(devices), "batch": a.batch, "clients": a.clients,
        "seconds": elapsed, "readings_per_s": rate, "bytes_per_raw_reading": raw_b,
        "bytes_per_sum_row": hour_b, "raw_bytes_per_device": raw_kept, "sum_bytes_per_device_year": sums_year,
    }, indent=2))
    c.close()


if __name__ == "__main__":
    main()
