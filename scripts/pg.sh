#!/usr/bin/env bash
# A private, throw-away PostgreSQL cluster for the tests: trust auth, loopback
# only, fsync off, under target/pg. Installs Debian's PostgreSQL if missing.
#   scripts/pg.sh start   -> prints DENGTA_TEST_PG_URL=...
#   scripts/pg.sh stop
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD/target/pg"
PORT="${DENGTA_PG_PORT:-54329}"

find_bin() {
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  return 1
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    BIN=$(find_bin || true)
    if [ -z "$BIN" ]; then
      if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "pg.sh: installing PostgreSQL from Debian's packages" >&2
        apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
        BIN=$(find_bin)
      else
        echo "pg.sh: PostgreSQL is not installed and cannot be installed here (need root and apt-get)" >&2
        exit 3
      fi
    fi
    "$0" stop >/dev/null 2>&1 || true
    rm -rf "$ROOT"
    mkdir -p "$ROOT"
    [ "$(id -u)" = 0 ] && chown postgres "$ROOT"
    as_owner "$BIN/initdb" -D "$ROOT/data" -A trust -U postgres --no-instructions --no-sync >"$ROOT/../pg-init.log" 2>&1
    as_owner "$BIN/pg_ctl" -D "$ROOT/data" -l "$ROOT/log" -w -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$ROOT -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >&2
    echo "DENGTA_TEST_PG_URL=postgres://postgres@127.0.0.1:$PORT/postgres"
    ;;
  stop)
    BIN=$(find_bin || true)
    if [ -n "$BIN" ] && [ -d "$ROOT/data" ]; then
      as_owner "$BIN/pg_ctl" -D "$ROOT/data" -m fast -w stop >&2 || true
    fi
    ;;
  *)
    echo "usage: scripts/pg.sh start|stop" >&2
    exit 2
    ;;
esac
