#!/usr/bin/env bash
# Fuzzes the JSON API from outside with schemathesis (property-based, every check) as four
# callers of the demo city: the city officer, an enterprise, a provider and an anonymous
# visitor. Exits non-zero if any check fails for any of them.
#   DENGTA_BIN=target/debug/dengta scripts/api-fuzz/run.sh [DATABASE_URL]
# Without a URL the server runs on a fresh SQLite file; give a postgres:// URL of an empty
# database to fuzz the PostgreSQL store. Schemathesis comes from PyPI (pinned versions in
# requirements.txt) into target/api-fuzz-venv; the run itself needs no network.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
source scripts/python-tools.sh
VENV=target/api-fuzz-venv
python_venv "$VENV" scripts/api-fuzz/requirements.txt

BIN="${DENGTA_BIN:-target/debug/dengta}"
PORT="${FUZZ_PORT:-18830}"
EXAMPLES="${FUZZ_EXAMPLES:-10}"
serve_demo "${1:-}" "$PORT"

LOGS="target/test-logs/api-fuzz/$PORT"
mkdir -p "$LOGS"
failed=()
for who in demo-officer demo-enterprise demo-provider anonymous; do
  auth=()
  if [ "$who" != anonymous ]; then
    token=$("$BIN" token create --database-url "$DB" --user "$who" --name api-fuzz | tail -1)
    auth=(-H "Authorization: Bearer $token")
  fi
  echo "--- schemathesis as $who ($EXAMPLES examples per operation)"
  # From the temporary directory: schemathesis keeps its cache in the working directory.
  if ! (cd "$WORK" && "$ROOT/$VENV/bin/st" --config-file "$ROOT/scripts/api-fuzz/schemathesis.toml" --no-color run \
    "http://127.0.0.1:$PORT/api/openapi.json" --checks all "${auth[@]}" \
    --max-examples "$EXAMPLES" --seed 20261206) >"$LOGS/$who.txt" 2>&1; then
    failed+=("$who")
    sed -n '/= FAILURES =/,$p' "$LOGS/$who.txt"
  fi
  tail -1 "$LOGS/$who.txt"
done
# What the fuzzing left must still hold together: the audit chain, the ledger, the roll-ups.
kill "$SERVER" && wait "$SERVER" 2>/dev/null || true
SERVER=
for check in "audit verify" "ledger check" "rollups check"; do
  # shellcheck disable=SC2086
  if ! "$BIN" $check --database-url "$DB" >"$WORK/check.txt" 2>&1; then
    echo "after fuzzing, dengta $check fails:"; cat "$WORK/check.txt"
    failed+=("$check")
  fi
done
if grep -q "panicked" "$WORK/server.log"; then
  echo "the server panicked:"; grep -A5 panicked "$WORK/server.log" | head -40
  failed+=("server panic")
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "api fuzz FAILED for: ${failed[*]}"
  exit 1
fi
echo "api fuzz: no failure on any check for the officer, enterprise, provider and anonymous callers; audit chain, ledger and roll-ups intact"
