#!/usr/bin/env bash
# Validates Dengta's OCDS release package with the Open Contracting Partnership's own
# validator (lib-cove-ocds), offline. Builds nothing: takes the binary from DENGTA_BIN
# (default target/debug/dengta), starts the demo city on a temporary SQLite file and a
# free loopback port, fetches /api/v1/open-data/ocds, validates it against OCDS 1.1.5 with
# Dengta's extension applied (fetched from that server), and stops the server.
# Exits non-zero, with the tool's messages, on any problem. Installs the tool on first use
# (scripts/ocds/setup.sh: PyPI only).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN="${DENGTA_BIN:-target/debug/dengta}"
[ -x "$BIN" ] || { echo "no binary at $BIN (build it first: cargo build -p dengta)" >&2; exit 2; }
scripts/ocds/setup.sh

tmp=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
port=$(target/ocds-venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
DENGTA_PUBLIC_URL="$base" DENGTA_DATA_DIR="$tmp/data" "$BIN" --database-url "sqlite://$tmp/d.db" serve --demo --demo-enterprises 0 \
  --listen "127.0.0.1:$port" >"$tmp/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 240); do
  curl -sf "$base/api/v1/open-data/ocds?limit=500" -o "$tmp/package.json" && break
  kill -0 "$pid" 2>/dev/null || { echo "the server stopped:" >&2; tail -20 "$tmp/server.log" >&2; exit 1; }
  sleep 0.5
done
[ -s "$tmp/package.json" ] || { echo "no release package from $base" >&2; tail -20 "$tmp/server.log" >&2; exit 1; }
if [ -n "${OCDS_MUTATE:-}" ]; then  # for testing this check: a jq-like Python edit of the package
  target/ocds-venv/bin/python -c "import json,sys; p=json.load(open(sys.argv[1])); exec(sys.argv[2]); json.dump(p,open(sys.argv[1],'w'),ensure_ascii=False)" \
    "$tmp/package.json" "$OCDS_MUTATE"
fi
releases=$(target/ocds-venv/bin/python -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["releases"]))' "$tmp/package.json")
[ "$releases" -gt 0 ] || { echo "the demo published no releases: nothing to validate" >&2; exit 1; }
target/ocds-venv/bin/python scripts/ocds/check.py "$tmp/package.json" "$PWD/target/ocds-standard/standard.zip"
