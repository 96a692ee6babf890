#!/usr/bin/env bash
# Benchmark (not a test): import N generated enterprise rows into a fresh
# SQLite database with the release binary; prints rows/s and peak RSS.
#   scripts/bench/import.sh [N=1000000]
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-1000000}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cargo build --release -q -p dengta
python3 scripts/bench/gen_enterprises.py "$N" "$WORK/enterprises.csv"
BIN=target/release/dengta
"$BIN" --database-url "sqlite://$WORK/bench.db" migrate >/dev/null
export DENGTA_DATA_DIR="$WORK/data"
/usr/bin/time -v "$BIN" --database-url "sqlite://$WORK/bench.db" import enterprises "$WORK/enterprises.csv" \
  2> "$WORK/time.txt" | tail -2
grep -E "Maximum resident set size|Elapsed \(wall clock\)" "$WORK/time.txt"
ls -la "$WORK/enterprises.csv" | awk '{print "file bytes:", $5}'
