#!/usr/bin/env bash
# Benchmark (not a test): end-to-end assessment submissions per second on
# SQLite through POST /api/v1/assessments (release build, demo data).
#   scripts/bench/assess.sh [SUBMISSIONS=2000] [CLIENTS=4]
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-2000}
C=${2:-4}
WORK=$(mktemp -d)
PORT=${DENGTA_BENCH_PORT:-18123}
cargo build --release -q -p dengta
BIN=$PWD/target/release/dengta
export DENGTA_DATA_DIR="$WORK/data"
"$BIN" --database-url "sqlite://$WORK/b.db" serve --demo --listen "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
TOKEN=$("$BIN" --database-url "sqlite://$WORK/b.db" token create --user demo-enterprise)
python3 scripts/bench/answers.py data/instruments/mfg-2024.toml 2 >"$WORK/answers.json"
python3 - "$PORT" "$TOKEN" "$WORK/answers.json" "$N" "$C" <<'PY'
import http.client, json, sys, time
from concurrent.futures import ThreadPoolExecutor
port, token, answers, n, c = int(sys.argv[1]), sys.argv[2], json.load(open(sys.argv[3])), int(sys.argv[4]), int(sys.argv[5])
h = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
conn = http.client.HTTPConnection("127.0.0.1", port)
conn.request("GET", "/api/v1/me", headers=h)
eid = json.loads(conn.getresponse().read())["enterprise_id"]
body = json.dumps({"enterprise_id": eid, "instrument_id": "mfg-2024", "answers": answers, "pledge": True})
def worker(count):
    k = http.client.HTTPConnection("127.0.0.1", port)
    lat = []
    for _ in range(count):
        t = time.perf_counter()
        k.request("POST", "/api/v1/assessments", body=body, headers=h)
        r = k.getresponse(); r.read()
        assert r.status == 201, r.status
        lat.append(time.perf_counter() - t)
    return lat
start = time.perf_counter()
with ThreadPoolExecutor(c) as ex:
    lats = sorted(x for l in ex.map(worker, [n // c] * c) for x in l)
took = time.perf_counter() - start
print(f"submissions: {len(lats)} with {c} clients in {took:.1f} s = {len(lats)/took:.0f} /s; "
      f"p50 {lats[len(lats)//2]*1000:.1f} ms, p95 {lats[int(len(lats)*0.95)]*1000:.1f} ms")
PY
