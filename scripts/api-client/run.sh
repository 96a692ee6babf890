#!/usr/bin/env bash
# Generates a Python client from the running server's OpenAPI document (openapi-python-client,
# pinned in requirements.txt, installed into target/api-client-venv) and drives one full flow
# with it: register an enterprise, rate it, match solutions (flow.py).
#   DENGTA_BIN=target/debug/dengta scripts/api-client/run.sh [DATABASE_URL]
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/python-tools.sh
VENV=target/api-client-venv
python_venv "$VENV" scripts/api-client/requirements.txt

BIN="${DENGTA_BIN:-target/debug/dengta}"
PORT="${CLIENT_PORT:-18840}"
serve_demo "${1:-}" "$PORT"

curl -sf "http://127.0.0.1:$PORT/api/openapi.json" -o "$WORK/openapi.json"
# Every schema must be usable: a schema the generator has to drop is a failure here.
"$VENV/bin/openapi-python-client" generate --path "$WORK/openapi.json" --meta none \
  --output-path "$WORK/dengta_client" >"$WORK/generate.log" 2>&1 || { cat "$WORK/generate.log"; exit 1; }
if grep -qE "Unable to|Failure to process|Could not find reference" "$WORK/generate.log"; then
  cat "$WORK/generate.log"
  echo "the generator could not use every schema of the document"
  exit 1
fi
token=$("$BIN" token create --database-url "$DB" --user demo-officer --name api-client | tail -1)
PYTHONPATH="$WORK" "$VENV/bin/python" scripts/api-client/flow.py "http://127.0.0.1:$PORT" "$token" data/demo-assessment.json
