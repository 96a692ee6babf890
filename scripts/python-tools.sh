# Shared by the scripts that check the API from outside with Python tools (api-fuzz, api-client).
# Source it from the repository root.

# python_venv DIR REQUIREMENTS: a virtualenv in DIR with exactly the pinned REQUIREMENTS,
# made again when they change.
python_venv() {
  local venv=$1 reqs=$2
  if [ ! -x "$venv/bin/python" ] || ! cmp -s "$reqs" "$venv/.requirements"; then
    rm -rf "$venv"
    "${PYTHON:-python3}" -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$reqs"
    cp "$reqs" "$venv/.requirements"
  fi
}

# start_demo BIN DATABASE_URL PORT WORKDIR: the demo city (named enterprises only) served on
# 127.0.0.1:PORT; sets SERVER to its pid and returns once it answers /healthz.
start_demo() {
  local bin=$1 db=$2 port=$3 work=$4
  "$bin" serve --listen "127.0.0.1:$port" --database-url "$db" --demo --demo-enterprises 0 >"$work/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 200); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return 0
    kill -0 "$SERVER" 2>/dev/null || { cat "$work/server.log"; return 1; }
    sleep 0.2
  done
  echo "the server did not answer on port $port" >&2
  return 1
}

# serve_demo DATABASE_URL PORT: a temporary WORK directory, DB (the URL, or a fresh SQLite file in
# WORK when empty) and the demo served on PORT from $BIN; everything is removed on exit.
serve_demo() {
  WORK=$(mktemp -d)
  DB="${1:-sqlite://$WORK/demo.db}"
  SERVER=
  trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
  start_demo "$BIN" "$DB" "$2" "$WORK"
}
