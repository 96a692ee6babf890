#!/usr/bin/env bash
# Runs every test Dengta has, the way CI does:
#   formatting and lints; unit and integration tests on SQLite and on a
#   throw-away PostgreSQL cluster; browser end-to-end tests in headless
#   Chromium against both stores.
# Installs what it needs from Debian's packages and npm when it can (root).
# Where PostgreSQL or Chromium cannot be had, it says so plainly and runs the
# rest; under CI (CI=true) a missing one is a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
CI="${CI:-false}"
LOG_DIR=target/test-logs
mkdir -p "$LOG_DIR"
failed_steps=()
passed_total=0
failed_total=0

say() { printf '\n=== %s ===\n' "$*"; }
missing() {
  if [ "$CI" = "true" ]; then
    echo "FAILED: $1 is required under CI but could not be provided" >&2
    failed_steps+=("$1 unavailable")
  else
    echo "NOTE: $1 is not available here, so its tests are NOT run (install it or run as root)." >&2
  fi
}

# --- what the tests need -----------------------------------------------------
apt_install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    [ -n "${APT_UPDATED:-}" ] || { apt-get update -qq >/dev/null 2>&1; APT_UPDATED=1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1
  else
    return 1
  fi
}
command -v chromium >/dev/null || apt_install chromium fonts-wqy-microhei || true
fc-list 2>/dev/null | grep -qi -E 'wqy|noto.*cjk' || apt_install fonts-wqy-microhei || true
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || apt_install postgresql || true
command -v python3 >/dev/null && python3 -c 'import venv, ensurepip' 2>/dev/null || apt_install python3 python3-venv || true

# --- static checks -------------------------------------------------------------
say "cargo fmt --check"
cargo fmt --all -- --check || failed_steps+=("fmt")
say "cargo clippy -D warnings"
cargo clippy --workspace --all-targets -- -D warnings || failed_steps+=("clippy")

# --- PostgreSQL ---------------------------------------------------------------
PG_OK=false
if out=$(scripts/pg.sh start); then
  export "$out"
  PG_OK=true
  trap 'scripts/pg.sh stop >/dev/null 2>&1' EXIT
else
  missing "PostgreSQL"
fi

# --- unit and integration tests -------------------------------------------------
say "unit and integration tests (SQLite$( $PG_OK && echo ' and PostgreSQL'))"
filter=()
$PG_OK || filter=(-E 'not test(/::postgres$/)')
if command -v cargo-nextest >/dev/null; then
  cargo nextest run --workspace --no-fail-fast "${filter[@]}" 2>&1 | tee "$LOG_DIR/rust.log"
  rc=${PIPESTATUS[0]}
  line=$(grep -E 'tests? run:' "$LOG_DIR/rust.log" | tail -1)
  p=$(sed -nE 's/.* ([0-9]+) passed.*/\1/p' <<<"$line"); f=$(sed -nE 's/.* ([0-9]+) failed.*/\1/p' <<<"$line")
else
  skip=()
  $PG_OK || skip=(-- --skip ::postgres)
  cargo test --workspace --no-fail-fast "${skip[@]}" 2>&1 | tee "$LOG_DIR/rust.log"
  rc=${PIPESTATUS[0]}
  p=$(grep -oE '[0-9]+ passed' "$LOG_DIR/rust.log" | awk '{s+=$1} END {print s+0}')
  f=$(grep -oE '[0-9]+ failed' "$LOG_DIR/rust.log" | awk '{s+=$1} END {print s+0}')
fi
passed_total=$((passed_total + ${p:-0})); failed_total=$((failed_total + ${f:-0}))
[ "$rc" = 0 ] || failed_steps+=("rust tests")

# --- browser end-to-end ---------------------------------------------------------
run_e2e() {  # $1 = label, rest = env assignments
  local label=$1; shift
  say "browser end-to-end tests ($label)"
  (cd e2e && env "$@" npm test 2>&1) | tee "$LOG_DIR/e2e-$label.log"
  local rc=${PIPESTATUS[0]}
  local p f
  p=$(grep -E '^# pass ' "$LOG_DIR/e2e-$label.log" | tail -1 | awk '{print $3}')
  f=$(grep -E '^# fail ' "$LOG_DIR/e2e-$label.log" | tail -1 | awk '{print $3}')
  passed_total=$((passed_total + ${p:-0})); failed_total=$((failed_total + ${f:-0}))
  [ "$rc" = 0 ] || failed_steps+=("e2e $label")
}
if command -v chromium >/dev/null && command -v npm >/dev/null; then
  say "building the binary for the browser tests"
  if cargo build -p dengta && (cd e2e && npm ci --no-audit --no-fund --loglevel=error); then
    BIN="$PWD/target/debug/dengta"
    run_e2e sqlite DENGTA_BIN="$BIN" CHROMIUM="$(command -v chromium)"
    if $PG_OK; then
      db="e2e_$$"
      psql "$DENGTA_TEST_PG_URL" -q -c "CREATE DATABASE $db" >/dev/null
      run_e2e postgres DENGTA_BIN="$BIN" CHROMIUM="$(command -v chromium)" DENGTA_TEST_DATABASE_URL="${DENGTA_TEST_PG_URL%/*}/$db"
    fi
  else
    failed_steps+=("e2e setup")
  fi
else
  missing "Chromium (Debian package chromium) or npm"
fi

# --- OCDS open data, validated by the standard's own tool ------------------------
# lib-cove-ocds (from PyPI, into target/ocds-venv) validates the demo's release package
# against OCDS 1.1.5 with Dengta's extension; see scripts/ocds/validate.sh.
say "OCDS release package (lib-cove-ocds)"
if ! command -v python3 >/dev/null || ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  missing "Python 3 with venv (for the OCDS validator)"
elif ! scripts/ocds/setup.sh; then
  missing "lib-cove-ocds from PyPI (for the OCDS validator)"
else
  if cargo build -p dengta; then
    DENGTA_BIN="$PWD/target/debug/dengta" scripts/ocds/validate.sh 2>&1 | tee "$LOG_DIR/ocds.log"
    rc=${PIPESTATUS[0]}
  else
    rc=1
  fi
  if [ "$rc" = 0 ]; then
    passed_total=$((passed_total + 1))
  else
    failed_total=$((failed_total + 1)); failed_steps+=("ocds")
  fi
fi

# --- the API from outside, with Python tools from PyPI ---------------------------------
# schemathesis fuzzes every operation as the demo city's officer, enterprise, provider and an
# anonymous caller (scripts/api-fuzz); openapi-python-client generates a client from the served
# document and drives register → assess → match with it (scripts/api-client). Both stores.
outside() {  # $1 = step, $2 = store label, $3 = port, $4 = database URL (empty: fresh SQLite)
  say "$1 ($2)"
  local rc
  DENGTA_BIN="$PWD/target/debug/dengta" FUZZ_PORT="$3" CLIENT_PORT="$3" "scripts/$1/run.sh" $4 2>&1 | tee "$LOG_DIR/$1-$2.log"
  rc=${PIPESTATUS[0]}
  if [ "$rc" = 0 ]; then
    passed_total=$((passed_total + 1))
  else
    failed_total=$((failed_total + 1)); failed_steps+=("$1 $2")
  fi
}
if ! command -v python3 >/dev/null || ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  missing "Python 3 with venv (for schemathesis and the generated client)"
elif ! cargo build -p dengta; then
  failed_steps+=("build for the API checks")
else
  port=18830
  for step in api-fuzz api-client; do
    outside "$step" sqlite $port ""
    if $PG_OK; then
      db="${step//-/_}_$$"
      psql "$DENGTA_TEST_PG_URL" -q -c "CREATE DATABASE $db" >/dev/null
      outside "$step" postgres $((port + 1)) "${DENGTA_TEST_PG_URL%/*}/$db"
    fi
    port=$((port + 10))
  done
fi

# --- summary ------------------------------------------------------------------
echo
if [ ${#failed_steps[@]} -gt 0 ]; then
  echo "FAILED steps: ${failed_steps[*]}"
fi
echo "tests: $passed_total passed, $failed_total failed"
[ ${#failed_steps[@]} -eq 0 ]
