#!/usr/bin/env bash
# Benchmark (not a test): latency of GET /api/v1/enterprises/{id}/matches with a catalogue
# of published solutions (release build, SQLite, demo data plus generated solutions).
#   scripts/bench/matching.sh [SOLUTIONS=10000] [REQUESTS=2000] [CLIENTS=4]
# Solutions are drafted by the demo provider and published by the demo officer through
# the API, with random scenes (1–3 of the 16, target L2–L4), industries (none = general,
# a section, a division or a class) and prices, from a fixed seed.
set -euo pipefail
cd "$(dirname "$0")/../.."
S=${1:-10000}
N=${2:-2000}
C=${3:-4}
WORK=$(mktemp -d)
echo "work dir: $WORK"
PORT=${DENGTA_BENCH_PORT:-18124}
cargo build --release -q -p dengta
BIN=$PWD/target/release/dengta
export DENGTA_DATA_DIR="$WORK/data"
DB="sqlite://$WORK/b.db"
"$BIN" --database-url "$DB" serve --demo --listen "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
PROVIDER=$("$BIN" --database-url "$DB" token create --user demo-provider)
OFFICER=$("$BIN" --database-url "$DB" token create --user demo-officer)
ENTERPRISE=$("$BIN" --database-url "$DB" token create --user demo-enterprise)
python3 - "$PORT" "$PROVIDER" "$OFFICER" "$ENTERPRISE" "$S" "$N" "$C" <<'PY'
import http.client, json, random, sys, time
from concurrent.futures import ThreadPoolExecutor
port, provider, officer, enterprise = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
s, n, c = int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
scenes = ["product_design", "process_design", "marketing", "after_sales", "planning_scheduling",
          "production_control", "quality_management", "equipment_management", "safety", "energy",
          "purchasing", "warehousing_logistics", "finance", "human_resources", "collaborative_office",
          "decision_support"]
industries = [[], [], ["C"], ["C34"], ["C35"], ["C36"], ["C39"], ["C3484"], ["C13", "C14"], ["F"], ["I65"], ["C2927"]]
words = ["智能", "设备", "管理", "云", "排产", "质量", "追溯", "能耗", "仓储", "协同", "财务", "营销", "数据", "平台", "系统"]
rnd = random.Random(42)
def call(conn, method, path, token, body=None):
    conn.request(method, path, body=json.dumps(body) if body is not None else None,
                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    r = conn.getresponse(); data = r.read()
    return r.status, data
specs = []
for i in range(s):
    k = rnd.randint(1, 3)
    chosen = rnd.sample(scenes, k)
    specs.append({
        "name": "".join(rnd.sample(words, 3)) + f"方案{i}",
        "description": "面向中小企业的" + "、".join(rnd.sample(words, 5)) + "解决方案",
        "is_xkqz": rnd.random() < 0.6, "delivery_days": rnd.randint(7, 180),
        "deployment": rnd.choice(["saas", "on_premises", "hybrid"]), "cloud_layer": rnd.choice(["saas", "paas", "iaas", "none"]),
        "items": [{"name": "软件", "unit": "套", "price": str(rnd.randint(5, 400) * 1000)}],
        "scenes": [{"scene": sc, "level": rnd.randint(2, 4)} for sc in chosen],
        "industries": rnd.choice(industries),
    })
def publish(chunk):
    k = http.client.HTTPConnection("127.0.0.1", port)
    for spec in chunk:
        st, data = call(k, "POST", "/api/v1/solutions", provider, spec)
        assert st == 201, (st, data)
        sid = json.loads(data)["solution"]["id"]
        st, data = call(k, "POST", f"/api/v1/solutions/{sid}/transitions", provider, {"action": "submit"})
        assert st == 200, (st, data)
        st, data = call(k, "POST", f"/api/v1/solutions/{sid}/transitions", officer, {"action": "publish"})
        assert st == 200, (st, data)
t = time.perf_counter()
with ThreadPoolExecutor(4) as ex:
    list(ex.map(publish, [specs[i::4] for i in range(4)]))
print(f"catalogue: {s} solutions drafted, submitted and published in {time.perf_counter() - t:.1f} s")
conn = http.client.HTTPConnection("127.0.0.1", port)
st, data = call(conn, "GET", "/api/v1/me", enterprise)
eid = json.loads(data)["enterprise_id"]
st, data = call(conn, "GET", f"/api/v1/enterprises/{eid}/matches", enterprise)
m = json.loads(data)
print(f"one request: {m['examined']} candidates examined, {len(m['matches'])} recommended, {m['excluded']} excluded")
def worker(count):
    k = http.client.HTTPConnection("127.0.0.1", port)
    lat = []
    for i in range(count):
        path = f"/api/v1/enterprises/{eid}/matches" + ("?budget=100000" if i % 2 else "")
        t0 = time.perf_counter()
        st, _ = call(k, "GET", path, enterprise)
        assert st == 200, st
        lat.append(time.perf_counter() - t0)
    return lat
start = time.perf_counter()
with ThreadPoolExecutor(c) as ex:
    lats = sorted(x for l in ex.map(worker, [n // c] * c) for x in l)
took = time.perf_counter() - start
pct = lambda p: lats[min(len(lats) - 1, int(len(lats) * p))] * 1000
print(f"matching: {len(lats)} requests with {c} clients in {took:.1f} s = {len(lats)/took:.0f} /s; "
      f"p50 {pct(0.5):.1f} ms, p95 {pct(0.95):.1f} ms, p99 {pct(0.99):.1f} ms")
PY
