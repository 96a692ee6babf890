#!/usr/bin/env bash
# Benchmark (not a test): a flood of anonymous logins against a release server on the demo,
# and the server's peak memory (VmHWM). Password hashing (argon2id, ~19 MiB each) is bounded
# by security.max_concurrent_hashes, so the peak should stay flat (goal: <= 200 MB).
#   scripts/bench/logins.sh [LOGINS=500]
# Runs twice: with the default configuration (the per-address limit answers most of the flood
# with 429 before any hashing) and with the rate limits off (every attempt reaches the
# hasher: the worst case of a flood from many addresses).
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-500}
WORK=$(mktemp -d)
PORT=${DENGTA_BENCH_PORT:-18124}
cargo build --release -q -p dengta
BIN=$PWD/target/release/dengta
SERVER=
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT

run() { # label, then extra environment (KEY=VALUE ...)
  local label=$1; shift
  rm -f "$WORK"/b.db*
  env DENGTA_DATA_DIR="$WORK/data" "$@" "$BIN" --database-url "sqlite://$WORK/b.db" serve --demo \
    --listen "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
  local before
  before=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER/status")
  echo "$label: after start-up (demo load) RSS $((before / 1024)) MB, peak so far (VmHWM) $(($(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status") / 1024)) MB"
  # Start the peak afresh, so it measures the flood alone (Linux: 5 > clear_refs resets VmHWM).
  echo 5 > "/proc/$SERVER/clear_refs" 2>/dev/null || echo "(cannot reset VmHWM: the peak includes start-up)"
  before=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER/status")
  python3 - "$PORT" "$N" "$label" "$SERVER" "$before" <<'PY'
import http.client, re, sys, threading, time
from collections import Counter
port, n, label, pid, before = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
c = http.client.HTTPConnection("127.0.0.1", port)
c.request("GET", "/login")
r = c.getresponse()
html = r.read().decode()
cookie = r.getheader("Set-Cookie").split(";")[0]
csrf = re.search(r'name="_csrf" value="([^"]+)"', html).group(1)
statuses = Counter()
lock = threading.Lock()
go = threading.Event()
def attempt(i):
    body = f"_csrf={csrf}&username=ghost-{i}&password=Wrong%23pass{i}"
    k = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    go.wait()
    try:
        k.request("POST", "/login", body=body, headers={"Cookie": cookie,
                  "Content-Type": "application/x-www-form-urlencoded"})
        s = k.getresponse().status
    except Exception as e:
        s = type(e).__name__
    with lock:
        statuses[s] += 1
threads = [threading.Thread(target=attempt, args=(i,)) for i in range(n)]
for t in threads: t.start()
start = time.perf_counter()
go.set()
for t in threads: t.join()
took = time.perf_counter() - start
hwm = int(re.search(r"VmHWM:\s+(\d+)", open(f"/proc/{pid}/status").read()).group(1))
print(f"{label}: {n} parallel anonymous logins in {took:.1f} s; answers {dict(statuses)}; "
      f"server RSS before {before / 1024:.0f} MB, peak (VmHWM) {hwm / 1024:.0f} MB")
PY
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=
}

run "default limits"
run "rate limits off" DENGTA_SECURITY__LOGIN_PER_ADDRESS_PER_MINUTE=0 DENGTA_SECURITY__LOGIN_PER_ACCOUNT_PER_MINUTE=0
