#!/usr/bin/env python3
"""Dengta's benchmark suite: the platform measured against this machine's own limits.

Run through scripts/bench/run (which builds the release binary first). In one run it:
  1. measures the baselines: a trivial route of the same server under wrk (/healthz), a raw
     SQLite commit loop and a raw bulk insert (the sqlite3 CLI, same pragmas as Dengta), disk
     write with fsync (dd), and on PostgreSQL pgbench (tpcb-like, 1 and 16 clients);
  2. for each store and for each size (N and, for growth, 10·N): generates the dataset with
     `dengta generate`, starts the server on core 1 (wrk on core 0) and runs W1–W8;
  3. serves the largest dataset under a 60 s mixed load while sampling the server's RSS;
  4. writes target/bench/report.json and target/bench/report.md with every figure, its ratio
     to its baseline, the growth ratios and the targets of issues #9 and #16.
Nothing here is a test: it reports numbers, it does not pass or fail.
"""
import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen_enterprises  # noqa: E402  (the code-list reader and the 统一社会信用代码 check character)
from gen_enterprises import CS  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
WRK_DIR = ROOT / "scripts/bench/wrk"
PASSWORD = "Bench#2026-suite"
PG_PORT = 54339


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def run(cmd, **kw):
    """Runs a command, returns stdout; raises with its stderr on failure."""
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed ({r.returncode}):\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    return r.stdout


def codes(level):
    return gen_enterprises.rows(ROOT / "data/codes/gbt2260.tsv", level)


# --- wrk -------------------------------------------------------------------------------------

def wrk(url, script, conns, duration, headers=(), env=None, timeout_s=10):
    """Runs wrk pinned to core 0 with one thread; returns the summary the script prints."""
    cmd = ["taskset", "-c", "0", "wrk", "-t1", f"-c{conns}", f"-d{duration}s", f"--timeout={timeout_s}s",
           "-s", str(script)]
    for h in headers:
        cmd += ["-H", h]
    cmd.append(url)
    out = run(cmd, env={**os.environ, **(env or {})}, timeout=duration + 120)
    m = re.search(r"BENCH_JSON (\{.*\})", out)
    if not m:
        raise RuntimeError(f"wrk printed no summary:\n{out}")
    s = json.loads(m.group(1))
    secs = s["duration_us"] / 1e6
    errors = s["err_status"] + s["err_timeout"] + s["err_connect"] + s["err_read"] + s["err_write"]
    ok = max(s["requests"] - s["err_status"] - s["err_timeout"], 0)
    rps = ok / secs if secs else 0.0
    # wrk always runs for the full duration; a one-shot list (ONCE=1) that ran out early would
    # understate the rate, so there it comes from Little's law: connections / mean latency.
    env = env or {}
    if env.get("ONCE") == "1" and s.get("mean_us"):
        with open(env["REQS"]) as f:
            listed = sum(1 for _ in f)
        if s["requests"] >= listed - conns:
            rps = conns / (s["mean_us"] / 1e6)
    return {
        "requests": s["requests"], "ok": ok, "errors": errors, "seconds": round(secs, 2),
        "rps": round(rps, 1),
        "mb_per_s": round(s["bytes"] / secs / 1e6, 2) if secs else 0.0,
        "p50_ms": s["p50_us"] / 1000, "p90_ms": s["p90_us"] / 1000, "p95_ms": s["p95_us"] / 1000,
        "p99_ms": s["p99_us"] / 1000, "max_ms": s["max_us"] / 1000, "connections": conns,
    }


def write_lines(path, lines):
    with open(path, "w", encoding="utf-8") as f:
        for line in lines:
            f.write("\t".join(line) + "\n")
    return path


# --- stores ------------------------------------------------------------------------------------

class Store:
    """A database of one engine, addressed by URL, with a way to run a quick SQL query."""

    def __init__(self, kind, url, path=None):
        self.kind, self.url, self.path = kind, url, path

    def sql(self, q):
        if self.kind == "sqlite":
            out = run(["sqlite3", "-batch", "-noheader", "-separator", "\t", self.path, q])
        else:
            out = run(["psql", self.url, "-At", "-F", "\t", "-c", q])
        return [line.split("\t") for line in out.splitlines() if line]


class PgCluster:
    """A private PostgreSQL cluster for benchmarking, with durable settings (fsync on)."""

    def __init__(self, work):
        self.dir = work / "pg"
        self.bin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]

    def as_owner(self, cmd):
        if os.getuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        return run(cmd)

    def start(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)
        if os.getuid() == 0:
            shutil.chown(self.dir, "postgres")
        self.as_owner([str(self.bin / "initdb"), "-D", str(self.dir / "data"), "-A", "trust", "-U", "postgres",
                       "--no-instructions"])
        opts = (f"-c listen_addresses=127.0.0.1 -c port={PG_PORT} -c unix_socket_directories={self.dir} "
                "-c shared_buffers=512MB -c max_connections=100 -c max_wal_size=4GB")
        self.as_owner([str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-l", str(self.dir / "log"), "-w",
                       "-o", opts, "start"])

    def url(self, db="postgres"):
        return f"postgres://postgres@127.0.0.1:{PG_PORT}/{db}"

    def create_db(self, name):
        run(["psql", self.url(), "-qAt", "-c", f"DROP DATABASE IF EXISTS {name}"])
        run(["psql", self.url(), "-qAt", "-c", f"CREATE DATABASE {name}"])
        return self.url(name)

    def stop(self):
        if (self.dir / "data/postmaster.pid").exists():
            try:
                self.as_owner([str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop"])
            except RuntimeError as e:
                log(f"pg stop: {e}")


# --- the server --------------------------------------------------------------------------------

class Server:
    def __init__(self, binary, url, port, data_dir, log_path):
        self.binary, self.url, self.port = binary, url, port
        self.base = f"http://127.0.0.1:{port}"
        # Benchmark settings: no second factor, so a script can sign in through the form.
        config = Path(data_dir).parent / "bench-server.toml"
        config.write_text("[security]\ntotp_roles = []\n")
        env = {**os.environ, "DENGTA_DATA_DIR": str(data_dir), "DENGTA_CONFIG": str(config)}
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen(
            ["taskset", "-c", "1", str(binary), "--database-url", url, "serve", "--listen", f"127.0.0.1:{port}"],
            stdout=self.log, stderr=subprocess.STDOUT, env=env)
        for _ in range(600):
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited; see {log_path}")
            time.sleep(0.2)
        raise RuntimeError("the server did not come up")

    def request(self, method, path, body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        h = dict(headers or {})
        data = None
        if body is not None:
            data = body if isinstance(body, (bytes, str)) else json.dumps(body)
            h.setdefault("Content-Type", "application/json")
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        out = r.read()
        c.close()
        return r.status, out, r.getheader("Set-Cookie")

    def rss_kb(self):
        for line in open(f"/proc/{self.proc.pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def cli(binary, url, *args, stdin=None, data_dir=None):
    env = {**os.environ, "DENGTA_DATA_DIR": str(data_dir)} if data_dir else None
    return run([str(binary), "--database-url", url, *args], input=stdin, env=env).strip()


def add_user(binary, url, name, role, region, extra=()):
    try:
        cli(binary, url, "user", "add", name, "--role", role, "--region", region, "--password-stdin", *extra,
            stdin=PASSWORD + "\n")
    except RuntimeError as e:
        if "exists" not in str(e) and "已" not in str(e):
            raise
    return cli(binary, url, "token", "create", "--user", name, "--name", f"bench-{time.time_ns()}")


def statements_run(server, token):
    """Statements the server has run so far (GET /api/v1/system/stats, system administrator)."""
    st, body, _ = server.request("GET", "/api/v1/system/stats", None, {"Authorization": "Bearer " + token})
    if st != 200:
        raise RuntimeError(f"stats answered {st}: {body[:200]!r}")
    return int(json.loads(body)["statements"])


def login_cookie(server, username, password=PASSWORD):
    """Signs in through the login form like a browser; returns the Cookie header value."""
    jar = {}

    def keep(set_cookie):
        for part in re.split(r",(?=\s*[A-Za-z_-]+=)", set_cookie or ""):
            kv = part.split(";", 1)[0].strip()
            if "=" in kv:
                k, v = kv.split("=", 1)
                jar[k] = v

    st, html, sc = server.request("GET", "/login")
    keep(sc)
    token = re.search(r'name="_csrf" value="([^"]+)"', html.decode()).group(1)
    form = urllib.parse.urlencode({"_csrf": token, "username": username, "password": password})
    st, _, sc = server.request("POST", "/login", form, {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()), "Origin": server.base})
    if st != 303:
        raise RuntimeError(f"login of {username} answered {st}")
    keep(sc)
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def web_user_cookie(server, binary, url, role="officer", region="100000"):
    """A browser session of a new user: the password the CLI set is good for one login, so it is
    changed through the form first (as a person would), then the user signs in again. The
    bench server's settings leave out the second factor (see Server)."""
    name = f"bench-web-{time.time_ns()}"
    add_user(binary, url, name, role, region)
    cookie = login_cookie(server, name)
    st, html, _ = server.request("GET", "/account/password", None, {"Cookie": cookie})
    token = re.search(r'name="_csrf" value="([^"]+)"', html.decode()).group(1)
    new = PASSWORD + "-web"
    form = urllib.parse.urlencode({"_csrf": token, "current": PASSWORD, "new": new, "confirm": new})
    st, body, _ = server.request("POST", "/account/password", form, {
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie, "Origin": server.base})
    if st not in (200, 303):
        raise RuntimeError(f"password change answered {st}: {body[:300]!r}")
    return login_cookie(server, name, new)


# --- baselines ----------------------------------------------------------------------------------

def baseline_http(server, duration, conns):
    return wrk(server.base + "/healthz", make_get_list(server.work, "healthz", ["/healthz"]), conns, duration)


def make_get_list(work, name, paths):
    path = write_lines(work / f"req-{name}.tsv", [("GET", p) for p in paths])
    return WRK_DIR / "lines.lua", {"REQS": str(path)}


def baseline_sqlite_commits(work, count=50000):
    """Single-row transactions through the sqlite3 CLI (C, no interpreter), WAL + NORMAL like Dengta."""
    db = work / "b-commit.db"
    for p in work.glob("b-commit.db*"):
        p.unlink()
    script = work / "b-commit.sql"
    with open(script, "w") as f:
        f.write("PRAGMA journal_mode=WAL;\nPRAGMA synchronous=NORMAL;\n"
                "CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT NOT NULL, v INTEGER NOT NULL);\n")
        for i in range(count):
            f.write(f"BEGIN IMMEDIATE;INSERT INTO t(k,v) VALUES('key-{i}',{i});COMMIT;\n")
    t = time.perf_counter()
    with open(script) as f:
        run(["sqlite3", str(db)], stdin=f)
    took = time.perf_counter() - t
    return {"commits": count, "seconds": round(took, 2), "per_s": round(count / took, 1)}


def baseline_sqlite_tx(work, statements, count=20000):
    """Transactions of `statements` single-row inserts each through the sqlite3 CLI (C, no
    interpreter), WAL + NORMAL like Dengta: what a request of that many statements would cost
    with nothing but the engine in the way."""
    k = max(1, round(statements))
    db = work / f"b-tx{k}.db"
    for p in work.glob(f"b-tx{k}.db*"):
        p.unlink()
    script = work / f"b-tx{k}.sql"
    with open(script, "w") as f:
        f.write("PRAGMA journal_mode=WAL;\nPRAGMA synchronous=NORMAL;\n"
                "CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT NOT NULL, v INTEGER NOT NULL);\n"
                "CREATE INDEX t_k ON t(k);\n")
        n = 0
        for i in range(count):
            f.write("BEGIN IMMEDIATE;")
            for _ in range(k):
                f.write(f"INSERT INTO t(k,v) VALUES('key-{n}',{n});")
                n += 1
            f.write("COMMIT;\n")
    t = time.perf_counter()
    with open(script) as f:
        run(["sqlite3", str(db)], stdin=f)
    took = time.perf_counter() - t
    return {"statements": k, "transactions": count, "seconds": round(took, 2), "per_s": round(count / took, 1)}


def baseline_pg_tx(cluster, statements, duration, clients=16):
    """The same transactions on PostgreSQL: a pgbench custom script of `statements` inserts
    between BEGIN and END, prepared statements (as Dengta's driver uses), 16 clients."""
    k = max(1, round(statements))
    url = cluster.url("pgbench")
    run(["psql", url, "-qAt", "-c", "CREATE TABLE IF NOT EXISTS bench_tx(id BIGSERIAL PRIMARY KEY, k TEXT NOT NULL, "
         "v BIGINT NOT NULL); CREATE INDEX IF NOT EXISTS bench_tx_k ON bench_tx(k)"])
    script = cluster.dir / f"tx{k}.sql"
    body = "\\set i random(1, 1000000000)\nBEGIN;\n" + "INSERT INTO bench_tx(k, v) VALUES ('key-' || :i, :i);\n" * k + "END;\n"
    script.write_text(body)
    text = run(["taskset", "-c", "0,1", "pgbench", "-n", "-M", "prepared", "-f", str(script), "-c", str(clients),
                "-j", "2", "-T", str(duration), url])
    m = re.search(r"tps = ([0-9.]+)", text)
    return {"statements": k, "clients": clients, "per_s": round(float(m.group(1)), 1) if m else 0.0}


def baseline_sqlite_bulk(work, rows=1000000):
    """One transaction of enterprise-shaped rows (code, name, region, industry, address) with the
    unique code index every import needs, generated inside SQLite."""
    db = work / "b-bulk.db"
    for p in work.glob("b-bulk.db*"):
        p.unlink()
    sql = (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
        "CREATE TABLE e(id INTEGER PRIMARY KEY, uscc TEXT NOT NULL UNIQUE, name TEXT NOT NULL, region TEXT NOT NULL,"
        " industry TEXT NOT NULL, address TEXT NOT NULL);"
        "BEGIN;"
        f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < {rows}) "
        "INSERT INTO e(uscc, name, region, industry, address) SELECT printf('91%06d%010d', i % 999999, i),"
        " printf('南京第%d精密机械有限公司', i), printf('%06d', 320102 + i % 20), printf('C%04d', 3400 + i % 90),"
        " printf('江苏省南京市玄武区中山路%d号', i) FROM n;"
        "COMMIT;")
    t = time.perf_counter()
    run(["sqlite3", str(db)], input=sql)
    took = time.perf_counter() - t
    return {"rows": rows, "seconds": round(took, 2), "rows_per_s": round(rows / took, 1)}


def baseline_disk(work, mb=256):
    f = work / "b-dd.bin"
    t = time.perf_counter()
    run(["dd", "if=/dev/zero", f"of={f}", "bs=1M", f"count={mb}", "conv=fsync"])
    took = time.perf_counter() - t
    f.unlink()
    return {"mb": mb, "seconds": round(took, 2), "mb_per_s": round(mb / took, 1)}


def baseline_pgbench(cluster, duration):
    url = cluster.create_db("pgbench")
    run(["pgbench", "-i", "-s", "10", "-q", url])
    out = {}
    for name, args in [("tpcb_c1", ["-c", "1"]), ("tpcb_c16", ["-c", "16", "-j", "2"]),
                       ("select_c4", ["-S", "-c", "4", "-j", "2"])]:
        text = run(["taskset", "-c", "0,1", "pgbench", *args, "-T", str(duration), url])
        m = re.search(r"tps = ([0-9.]+)", text)
        out[name] = round(float(m.group(1)), 1) if m else 0.0
    return out


# --- the workloads ----------------------------------------------------------------------------------

def load_answers():
    return json.loads(run([sys.executable, str(ROOT / "scripts/bench/answers.py"),
                           str(ROOT / "data/instruments/mfg-2024.toml"), "2"]))


SCENES = ["product_design", "process_design", "marketing", "after_sales", "planning_scheduling",
          "production_control", "quality_management", "equipment_management", "safety", "energy", "purchasing",
          "warehousing_logistics", "finance", "human_resources", "collaborative_office", "decision_support"]


def publish_solutions(server, provider_tok, officer_tok, count, rnd, publish=True):
    """Solutions drafted and submitted by a provider and, if `publish`, published by an officer
    (the catalogue for matching); returns their ids."""
    ids = []
    words = ["智能", "设备", "管理", "云", "排产", "质量", "追溯", "能耗", "仓储", "协同", "财务", "营销", "数据"]
    ph = {"Authorization": "Bearer " + provider_tok}
    oh = {"Authorization": "Bearer " + officer_tok}
    for i in range(count):
        spec = {
            "name": "".join(rnd.sample(words, 3)) + f"方案{i}",
            "description": "面向中小企业的" + "、".join(rnd.sample(words, 5)) + "解决方案",
            "is_xkqz": rnd.random() < 0.6, "delivery_days": rnd.randint(7, 180),
            "deployment": rnd.choice(["saas", "on_premises", "hybrid"]),
            "cloud_layer": rnd.choice(["saas", "paas", "iaas", "none"]),
            "items": [{"name": "软件", "unit": "套", "price": str(rnd.randint(5, 400) * 1000)}],
            "scenes": [{"scene": s, "level": rnd.randint(2, 4)} for s in rnd.sample(SCENES, rnd.randint(1, 3))],
            "industries": rnd.choice([[], [], ["C"], ["C34"], ["C35"], ["C36"], ["F"]]),
        }
        st, body, _ = server.request("POST", "/api/v1/solutions", spec, ph)
        if st != 201:
            raise RuntimeError(f"solution draft: {st} {body[:300]!r}")
        sid = json.loads(body)["solution"]["id"]
        ids.append(sid)
        for tok, action in [(ph, "submit"), (oh, "publish")][: 2 if publish else 1]:
            st, body, _ = server.request("POST", f"/api/v1/solutions/{sid}/transitions", {"action": action}, tok)
            if st != 200:
                raise RuntimeError(f"solution {action}: {st} {body[:300]!r}")
    return ids


def smoke(server, method, path, body, headers, expect, what):
    st, out, _ = server.request(method, path, body, headers)
    if st not in expect:
        raise RuntimeError(f"{what}: {method} {path} answered {st}: {out[:400]!r}")
    return out


def run_size(a, binary, store, size, work, baselines):
    """Generates (or reuses) the dataset of `size` enterprises on `store` and runs W1–W8 on it."""
    res = {"size": size, "store": store.kind}
    tag = f"{store.kind}-{size}"
    data_dir = work / f"data-{tag}"
    if not getattr(store, "reused", False):
        log(f"{tag}: generating {size} enterprises")
        t = time.perf_counter()
        out = cli(binary, store.url, "generate", "--enterprises", str(size), "--seed", str(a.seed),
                  "--assessed-pct", str(a.assessed_pct), data_dir=data_dir)
        res["generate_s"] = round(time.perf_counter() - t, 1)
        res["generate_summary"] = out.splitlines()[-1] if out else ""
        if store.kind == "postgres":
            store.sql("ANALYZE")
    officer = add_user(binary, store.url, "bench-officer", "officer", "100000")
    lo, hi = (int(x) for x in store.sql("SELECT min(id), max(id) FROM enterprises")[0])
    rnd = random.Random(a.seed)
    port = a.port
    server = Server(binary, store.url, port, data_dir, work / f"server-{tag}.log")
    server.work = work
    try:
        res["rss_idle_mb"] = round(server.rss_kb() / 1024, 1)
        auth = f"Authorization: Bearer {officer}"
        oh = {"Authorization": "Bearer " + officer}
        d = a.duration
        ids = [rnd.randint(lo, hi) for _ in range(20000)]

        sys_tok = add_user(binary, store.url, "bench-sysadmin", "sysadmin", "100000")
        stats_cost = statements_run(server, sys_tok)
        stats_cost = statements_run(server, sys_tok) - stats_cost  # what reading the count costs

        def measure(name, script, env, conns, headers=(auth,), duration=d):
            if a.only and not any(name.startswith(o) for o in a.only):
                return
            log(f"{tag}: {name} ({conns} connections, {duration} s)")
            before = statements_run(server, sys_tok)
            r = wrk(server.base + "/", script, conns, duration, headers, env)
            ran = statements_run(server, sys_tok) - before - stats_cost
            r["statements_per_request"] = round(ran / max(r["requests"], 1), 1)
            if r["errors"] > 0.01 * max(r["requests"], 1):
                r["note"] = f"{r['errors']} of {r['requests']} requests failed"
            res[name] = r
            log(f"{tag}: {name}: {r['rps']} /s, p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, errors {r['errors']}, "
                f"{r['statements_per_request']} statements per request")

        lua = WRK_DIR / "lines.lua"
        # W1 registry read: JSON point read, HTML page, keyset list by county.
        smoke(server, "GET", f"/api/v1/enterprises/{ids[0]}", None, oh, {200}, "W1 JSON")
        f = write_lines(work / f"w1-json-{tag}.tsv", [("GET", f"/api/v1/enterprises/{i}") for i in ids])
        measure("w1_read_json", lua, {"REQS": str(f)}, 16)
        cookie = web_user_cookie(server, binary, store.url)
        smoke(server, "GET", f"/enterprises/{ids[0]}", None, {"Cookie": cookie}, {200}, "W1 HTML")
        f = write_lines(work / f"w1-html-{tag}.tsv", [("GET", f"/enterprises/{i}") for i in ids])
        measure("w1_read_html", lua, {"REQS": str(f)}, 16, headers=(f"Cookie: {cookie}",))
        counties = codes("county")
        f = write_lines(work / f"w1-list-{tag}.tsv",
                        [("GET", f"/api/v1/enterprises?region={rnd.choice(counties)}&limit=20") for _ in range(5000)])
        measure("w1_list", lua, {"REQS": str(f)}, 16)

        # W2 registry write: a new enterprise per request (unique valid codes).
        classes = ["C3484", "C3421", "C3360", "C2927", "C1713", "I6513", "F5171"]
        bodies = []
        base = time.time_ns() // 1000 % 31 ** 6  # fresh codes on every run, also on a reused database
        for i in range(200000):
            county = rnd.choice(counties)
            org = "BK" + "".join(CS[((base + i) // 31 ** k) % 31] for k in range(6))
            bodies.append(("POST", "/api/v1/enterprises", json.dumps({
                "uscc": gen_enterprises.both(f"91{county}{org}"), "name": f"基准测试企业{tag}{i}有限公司", "region": county,
                "industry": rnd.choice(classes), "address": "基准测试地址"}, ensure_ascii=False)))
        first = bodies.pop()
        smoke(server, first[0], first[1], first[2].encode(), oh, {201}, "W2 create")
        f = write_lines(work / f"w2-create-{tag}.tsv", bodies)
        measure("w2_create", lua, {"REQS": str(f), "ONCE": "1"}, 16)

        # W3 assessment submit + score (on-site assessment by the officer), whole answer sheet.
        answers = load_answers()
        lines = [("POST", "/api/v1/assessments", json.dumps({
            "enterprise_id": i, "instrument_id": "mfg-2024", "answers": answers, "pledge": True,
            "adjust_reason": "基准测试现场评定"}, ensure_ascii=False)) for i in ids[:3000]]
        smoke(server, "POST", "/api/v1/assessments", lines[0][2].encode(), oh, {201}, "W3 assess")
        f = write_lines(work / f"w3-{tag}.tsv", lines)
        measure("w3_assess", lua, {"REQS": str(f)}, 16)

        prov = store.sql("SELECT id, region_code FROM providers WHERE status = 'active' ORDER BY id LIMIT 1")
        ptok = add_user(binary, store.url, f"bench-provider-{prov[0][0]}", "provider", prov[0][1],
                        ("--provider-id", prov[0][0])) if prov else None
        # W4 matching, over a published catalogue.
        if not a.only or any("w4".startswith(o) or o.startswith("w4") for o in a.only):
            if prov:
                have = int(store.sql("SELECT count(*) FROM solutions")[0][0])
                if have < a.solutions:
                    log(f"{tag}: publishing {a.solutions - have} solutions")
                    publish_solutions(server, ptok, officer, a.solutions - have, rnd)
                assessed = [r[0] for r in store.sql(
                    "SELECT DISTINCT enterprise_id FROM assessments WHERE status = 'submitted' LIMIT 2000")]
                smoke(server, "GET", f"/api/v1/enterprises/{assessed[0]}/matches", None, oh, {200}, "W4")
                f = write_lines(work / f"w4-{tag}.tsv",
                                [("GET", f"/api/v1/enterprises/{e}/matches") for e in assessed])
                measure("w4_matching", lua, {"REQS": str(f)}, 4)

        # W5 state-machine transitions: the officer publishes submitted solutions (the domain's
        # machine, compare-and-set on the state, history and audit in one transaction). Generated
        # data holds too few open projects for a 10 s run, so projects are measured below only
        # when there are enough.
        if ptok and (not a.only or "w5" in a.only):
            log(f"{tag}: drafting and submitting {a.transitions} solutions for W5")
            sids = publish_solutions(server, ptok, officer, a.transitions, rnd, publish=False)
            lines = [("POST", f"/api/v1/solutions/{sid}/transitions", json.dumps({"action": "publish"}))
                     for sid in sids]
            first = lines.pop()
            smoke(server, first[0], first[1], first[2].encode(), oh, {200}, "W5 publish")
            f = write_lines(work / f"w5s-{tag}.tsv", lines)
            measure("w5_transition", lua, {"REQS": str(f), "ONCE": "1"}, 16)

        # Projects: the officer cancels open projects (CAS on the version, history, audit).
        upload_project = store.sql(
            "SELECT id, provider_id FROM projects WHERE status = 'in_progress' ORDER BY id LIMIT 1")
        rows = store.sql("SELECT id, version FROM projects WHERE status NOT IN ('completed', 'cancelled') "
                         "ORDER BY id")
        skip = {upload_project[0][0]} if upload_project else set()
        lines = [("POST", f"/api/v1/projects/{pid}/transitions",
                  json.dumps({"action": "cancel", "reason": "基准测试：撤销项目", "version": int(v)},
                             ensure_ascii=False)) for pid, v in rows if pid not in skip]
        res["w5_open_projects"] = len(lines)
        if len(lines) > 2000:
            first = lines.pop()
            smoke(server, first[0], first[1], first[2].encode(), oh, {200}, "W5 project transition")
            f = write_lines(work / f"w5-{tag}.tsv", lines)
            measure("w5_project_cancel", lua, {"REQS": str(f), "ONCE": "1"}, 16)

        # W6 ledger postings, 16 clients, all on one hot pool account: 0.01 yuan each, unique keys.
        # Money is allocated by the officer of the programme's own region.
        pools = json.loads(smoke(server, "GET", "/api/v1/ledger/pools", None, oh, {200}, "W6 pools"))
        progs = json.loads(smoke(server, "GET", "/api/v1/programmes", None, oh, {200}, "W6 programmes"))
        region_of = {p["id"]: p["region"] for p in progs.get("items", [])}
        target, ledger_auth = None, None
        for p in sorted(pools.get("items", []), key=lambda x: -int(x["planned"]) + int(x["allocated"])):
            body = {"programme_id": p["programme_id"], "pool": p["pool_id"], "amount": "0.01",
                    "reference": "基准测试下达"}
            ctok = add_user(binary, store.url, f"bench-officer-{region_of[p['programme_id']]}", "officer",
                            region_of[p["programme_id"]])
            st, _, _ = server.request("POST", "/api/v1/ledger/allocations", body,
                                      {"Authorization": "Bearer " + ctok, "Idempotency-Key": f"probe-{time.time_ns()}"})
            if st == 201:
                target, ledger_auth = body, f"Authorization: Bearer {ctok}"
                break
        if target:
            key = f"{tag}-{time.time_ns()}"
            f = write_lines(work / f"w6-{tag}.tsv", [
                ("POST", "/api/v1/ledger/allocations", json.dumps(target, ensure_ascii=False), f"{key}-{i}")
                for i in range(300000)])
            measure("w6_ledger", lua, {"REQS": str(f), "ONCE": "1"}, 16, headers=(ledger_auth,))
        else:
            res["w6_note"] = "no pool accepted an allocation"

        # W7 dashboard tiles: the nation, provinces, cities and counties, mixed.
        regions = (["100000"] * 50 + [rnd.choice(codes("province")) for _ in range(500)]
                   + [rnd.choice(codes("city")) for _ in range(1000)] + [rnd.choice(counties) for _ in range(2000)])
        rnd.shuffle(regions)
        smoke(server, "GET", "/api/v1/dashboard?region=100000", None, oh, {200}, "W7")
        f = write_lines(work / f"w7-{tag}.tsv", [("GET", f"/api/v1/dashboard?region={r}") for r in regions])
        measure("w7_tiles", lua, {"REQS": str(f)}, 4)

        # What the roll-ups avoid: the same figures by scanning the tables (not on any request path).
        if not a.only or "w7" in a.only:
            scans = {
                "enterprises_by_city": "SELECT substr(region_code, 1, 4), count(*) FROM enterprises GROUP BY 1",
                "assessed_by_level_and_province": (
                    "SELECT substr(e.region_code, 1, 2), a.level, count(DISTINCT a.enterprise_id) FROM assessments a "
                    "JOIN enterprises e ON e.id = a.enterprise_id WHERE a.status = 'submitted' GROUP BY 1, 2"),
            }
            res["w7_full_scan_s"] = {}
            for name, q in scans.items():
                t = time.perf_counter()
                store.sql(q)
                res["w7_full_scan_s"][name] = round(time.perf_counter() - t, 2)
            log(f"{tag}: full scans instead of roll-ups: {res['w7_full_scan_s']}")

        # W8 evidence upload, 10 MB files, by the project's provider.
        if upload_project and (not a.only or "w8" in a.only):
            pid, provider_id = upload_project[0]
            region = store.sql(f"SELECT region_code FROM providers WHERE id = {int(provider_id)}")[0][0]
            utok = add_user(binary, store.url, f"bench-provider-{provider_id}", "provider", region,
                            ("--provider-id", provider_id))
            blob = work / "evidence-10mb.pdf"
            if not blob.exists():
                blob.write_bytes(b"%PDF-1.4\n" + os.urandom(10 * 1024 * 1024 - 9))
            rss0 = server.rss_kb()
            measure("w8_upload", WRK_DIR / "upload.lua",
                    {"UPLOAD_FILE": str(blob), "UPLOAD_PATH": f"/api/v1/projects/{pid}/files?kind=other"}, 2,
                    headers=(f"Authorization: Bearer {utok}",))
            if "w8_upload" in res:
                r = res["w8_upload"]
                r["file_mb"] = 10
                r["upload_mb_per_s"] = round(r["rps"] * 10.0, 1)
                r["rss_before_mb"], r["rss_after_mb"] = round(rss0 / 1024, 1), round(server.rss_kb() / 1024, 1)

        # Memory under a mixed load (80% W1 / 10% W3 / 5% W6 / 5% W7), sampled every second.
        if a.rss_seconds and size == a.largest:
            mix = []
            for i in range(20000):
                x = rnd.random()
                if x < 0.80:
                    mix.append(("GET", f"/api/v1/enterprises/{rnd.choice(ids)}"))
                elif x < 0.90:
                    mix.append(lines_w3_for(answers, rnd.choice(ids)))
                elif x < 0.95 and target:
                    mix.append(("POST", "/api/v1/ledger/allocations", json.dumps(target, ensure_ascii=False),
                                f"mix-{tag}-{time.time_ns()}-{i}", ledger_auth.split(": ", 1)[1]))
                else:
                    mix.append(("GET", f"/api/v1/dashboard?region={rnd.choice(regions)}"))
            f = write_lines(work / f"mix-{tag}.tsv", mix)
            log(f"{tag}: mixed load for {a.rss_seconds} s, sampling RSS")
            cmd = ["taskset", "-c", "0", "wrk", "-t1", "-c16", f"-d{a.rss_seconds}s", "--timeout=10s", "-s",
                   str(lua), "-H", auth, server.base + "/"]
            p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env={**os.environ, "REQS": str(f)})
            samples = []
            while p.poll() is None:
                samples.append(server.rss_kb() / 1024)
                time.sleep(1)
            out, _ = p.communicate()
            m = re.search(r"BENCH_JSON (\{.*\})", out)
            s = json.loads(m.group(1)) if m else {}
            warm = samples[min(10, len(samples) - 1)] if samples else 0
            res["rss_mixed"] = {
                "seconds": a.rss_seconds, "start_mb": round(samples[0], 1) if samples else 0,
                "after_10s_mb": round(warm, 1), "max_mb": round(max(samples), 1) if samples else 0,
                "end_mb": round(samples[-1], 1) if samples else 0,
                "requests": s.get("requests"), "rps": round(s["requests"] / (s["duration_us"] / 1e6), 1) if s else 0,
                "p99_ms": s.get("p99_us", 0) / 1000,
            }
            log(f"{tag}: RSS {res['rss_mixed']}")
    finally:
        server.stop()
    return res


def lines_w3_for(answers, eid):
    return ("POST", "/api/v1/assessments", json.dumps({
        "enterprise_id": eid, "instrument_id": "mfg-2024", "answers": answers, "pledge": True,
        "adjust_reason": "基准测试现场评定"}, ensure_ascii=False))


def import_workload(binary, work, rows):
    """W2 import: `dengta import enterprises` of a generated CSV into a fresh SQLite database."""
    csv = work / f"import-{rows}.csv"
    run([sys.executable, str(ROOT / "scripts/bench/gen_enterprises.py"), str(rows), str(csv)])
    db = work / "import.db"
    for p in work.glob("import.db*"):
        p.unlink()
    url = f"sqlite://{db}"
    cli(binary, url, "migrate")
    t = time.perf_counter()
    env = {**os.environ, "DENGTA_DATA_DIR": str(work / "data-import")}
    p = subprocess.Popen([str(binary), "--database-url", url, "import", "enterprises", str(csv)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    samples = []
    while p.poll() is None:
        try:
            for line in open(f"/proc/{p.pid}/status"):
                if line.startswith("VmRSS:"):
                    samples.append(int(line.split()[1]) / 1024)
        except OSError:
            pass
        time.sleep(0.5)
    took = time.perf_counter() - t
    if p.returncode != 0:
        raise RuntimeError(f"import failed: {p.stderr.read()[-2000:]}")
    quarter = samples[len(samples) // 4] if samples else 0
    return {"rows": rows, "seconds": round(took, 2), "rows_per_s": round(rows / took, 1),
            "rss_quarter_mb": round(quarter, 1), "rss_max_mb": round(max(samples), 1) if samples else 0}


def add_raw_tx(res, work, cluster, duration, cache):
    """For each write workload, the raw transaction of as many statements as one of its
    requests ran, on the same engine (measured once per statement count)."""
    for w in ("w3_assess", "w6_ledger"):
        r = res.get(w)
        if not r or not r.get("statements_per_request"):
            continue
        k = max(1, round(r["statements_per_request"]))
        key = (res["store"], k)
        if key not in cache:
            log(f"raw {res['store']} transaction of {k} statements")
            cache[key] = (baseline_sqlite_tx(work, k) if res["store"] == "sqlite"
                          else baseline_pg_tx(cluster, k, duration))
        r["raw_tx"] = cache[key]


# --- the report ------------------------------------------------------------------------------------

def ratio(a, b):
    return round(a / b, 3) if a and b else None


def build_report(results, baselines, machine, a):
    targets = []

    def target(name, value, want, ok):
        targets.append({"target": name, "measured": value, "wanted": want,
                        "met": None if value is None else bool(ok)})

    http_rps = baselines.get("http_trivial", {}).get("rps")
    commits = baselines.get("sqlite_commit", {}).get("per_s")
    for r in results:
        st, n = r["store"], r["size"]
        label = f"{st} {n:,}"
        write_base = commits if st == "sqlite" else baselines.get("pgbench", {}).get("tpcb_c16")
        if "w1_read_json" in r:
            v = ratio(r["w1_read_json"]["rps"], http_rps)
            target(f"JSON point read ≥ 0.5× trivial route ({label})", v, 0.5, v is not None and v >= 0.5)
        if "w1_read_html" in r:
            v = ratio(r["w1_read_html"]["rps"], http_rps)
            target(f"HTML file page ≥ 0.25× trivial route ({label})", v, 0.25, v is not None and v >= 0.25)
        for w in ("w1_read_json", "w1_read_html"):
            if w in r:
                v = r[w]["p99_ms"]
                target(f"{w} p99 ≤ 20 ms at {r[w]['connections']} clients ({label})", v, 20, v <= 20)
        for w, what in (("w3_assess", "assessment submit"), ("w6_ledger", "ledger posting")):
            if w in r and "raw_tx" in r[w]:
                raw = r[w]["raw_tx"]
                v = ratio(r[w]["rps"], raw["per_s"])
                target(f"{what} ≥ 0.25× raw transaction of {raw['statements']} statements ({label})", v, 0.25,
                       v is not None and v >= 0.25)
        if "w7_tiles" in r:
            v = r["w7_tiles"]["p95_ms"]
            target(f"dashboard tile p95 ≤ 50 ms ({label})", v, 50, v <= 50)
        if "rss_mixed" in r:
            v = r["rss_mixed"]["max_mb"]
            target(f"server RSS ≤ 150 MB under 60 s mixed load ({label})", v, 150, v <= 150)
    imp = baselines.get("import")
    if imp:
        v = ratio(imp["rows_per_s"], baselines.get("sqlite_bulk", {}).get("rows_per_s"))
        target(f"import ≥ 0.3× raw bulk insert, {imp['rows']:,} rows (sqlite)", v, 0.3, v is not None and v >= 0.3)
        if imp.get("rss_max_mb"):
            v = imp["rss_max_mb"]
            target(f"import memory flat (max {v} MB vs {imp['rss_quarter_mb']} MB a quarter in; ≤ 1.5×)",
                   v, 1.5 * imp["rss_quarter_mb"], v <= 1.5 * imp["rss_quarter_mb"])

    growth = []
    by = {(r["store"], r["size"]): r for r in results}
    for (st, n), r in by.items():
        big = by.get((st, n * a.growth))
        if not big:
            continue
        for w in ("w1_read_json", "w1_read_html", "w1_list", "w3_assess", "w5_transition", "w6_ledger", "w7_tiles"):
            if w in r and w in big:
                growth.append({
                    "store": st, "workload": w, "n": n, "n_big": n * a.growth,
                    "p50_ratio": ratio(big[w]["p50_ms"], r[w]["p50_ms"]),
                    "p95_ratio": ratio(big[w]["p95_ms"], r[w]["p95_ms"]),
                    "throughput_ratio": ratio(big[w]["rps"], r[w]["rps"]),
                })
    return {"machine": machine, "settings": vars(a) | {"only": a.only}, "baselines": baselines,
            "results": results, "growth": growth, "targets": targets}


def markdown(rep):
    b = rep["baselines"]
    L = ["# Dengta benchmark report", "",
         f"Machine: {rep['machine']['cpu']} × {rep['machine']['cores']} cores, {rep['machine']['mem_gb']} GiB; "
         f"server pinned to core 1, wrk (1 thread) to core 0. Run {rep['machine']['when']}, commit {rep['machine']['commit']}.",
         "", "## Baselines (the machine's limits, measured in this run)", "",
         "| Baseline | Figure |", "|---|---|"]
    if "http_trivial" in b:
        h = b["http_trivial"]
        L.append(f"| trivial route of the same server (GET /healthz, 16 conns) | {h['rps']:,} req/s, p50 {h['p50_ms']} ms, p99 {h['p99_ms']} ms |")
    if "sqlite_commit" in b:
        L.append(f"| raw SQLite commit loop (sqlite3 CLI, WAL, synchronous=NORMAL) | {b['sqlite_commit']['per_s']:,} commits/s |")
    if "sqlite_bulk" in b:
        L.append(f"| raw SQLite bulk insert (1 transaction, unique code index) | {b['sqlite_bulk']['rows_per_s']:,} rows/s |")
    if "disk" in b:
        L.append(f"| disk write with fsync (dd) | {b['disk']['mb_per_s']} MB/s |")
    if "pgbench" in b:
        p = b["pgbench"]
        L.append(f"| pgbench tpcb-like scale 10 | {p['tpcb_c1']} TPS (1 client), {p['tpcb_c16']} TPS (16 clients); select-only 4 clients {p['select_c4']} TPS |")
    if "import" in b:
        L.append(f"| W2 import (`dengta import enterprises`, {b['import']['rows']:,} rows, SQLite) | {b['import']['rows_per_s']:,} rows/s, RSS max {b['import'].get('rss_max_mb')} MB |")
    L += ["", "## Workloads", "",
          "| Store | Enterprises | Workload | req/s | p50 ms | p95 ms | p99 ms | errors | statements/request | ratio to baseline |",
          "|---|---|---|---|---|---|---|---|---|---|"]
    http_rps = b.get("http_trivial", {}).get("rps")
    for r in rep["results"]:
        for w in ("w1_read_json", "w1_read_html", "w1_list", "w2_create", "w3_assess", "w4_matching",
                  "w5_transition", "w5_project_cancel", "w6_ledger", "w7_tiles", "w8_upload"):
            if w not in r:
                continue
            x = r[w]
            if w.startswith("w1"):
                base = ratio(x["rps"], http_rps)
                rel = f"{base} × trivial route" if base else ""
            elif "raw_tx" in x:
                rel = f"{ratio(x['rps'], x['raw_tx']['per_s'])} × raw transaction of {x['raw_tx']['statements']} statements ({x['raw_tx']['per_s']:,}/s)"
            elif w in ("w2_create", "w3_assess", "w5_transition", "w5_project_cancel", "w6_ledger"):
                den = b.get("sqlite_commit", {}).get("per_s") if r["store"] == "sqlite" else b.get("pgbench", {}).get("tpcb_c16")
                rel = f"{ratio(x['rps'], den)} × {'commit loop' if r['store'] == 'sqlite' else 'pgbench c16'}"
            elif w == "w8_upload":
                rel = f"{x.get('upload_mb_per_s')} MB/s = {ratio(x.get('upload_mb_per_s'), b.get('disk', {}).get('mb_per_s'))} × dd; RSS {x.get('rss_before_mb')} → {x.get('rss_after_mb')} MB"
            else:
                rel = ""
            L.append(f"| {r['store']} | {r['size']:,} | {w} | {x['rps']:,} | {x['p50_ms']} | {x['p95_ms']} | {x['p99_ms']} | {x['errors']} | {x.get('statements_per_request', '')} | {rel} |")
    L += ["", "## Growth (10× the data)", "", "| Store | Workload | N → 10N | p50 ratio | p95 ratio | throughput ratio |",
          "|---|---|---|---|---|---|"]
    for g in rep["growth"]:
        L.append(f"| {g['store']} | {g['workload']} | {g['n']:,} → {g['n_big']:,} | {g['p50_ratio']} | {g['p95_ratio']} | {g['throughput_ratio']} |")
    L += ["", "## Memory", ""]
    for r in rep["results"]:
        if "rss_mixed" in r:
            m = r["rss_mixed"]
            L.append(f"- {r['store']} {r['size']:,} enterprises: idle {r.get('rss_idle_mb')} MB; during {m['seconds']} s of mixed load "
                     f"({m['rps']} req/s, p99 {m['p99_ms']} ms) start {m['start_mb']} MB, after 10 s {m['after_10s_mb']} MB, "
                     f"max {m['max_mb']} MB, end {m['end_mb']} MB.")
    L += ["", "## What the dashboard roll-ups avoid (the same figures by full scan)", ""]
    for r in rep["results"]:
        if "w7_full_scan_s" in r:
            tile = r.get("w7_tiles", {}).get("p50_ms")
            L.append(f"- {r['store']} {r['size']:,}: " + ", ".join(f"{k} {v} s" for k, v in r["w7_full_scan_s"].items())
                     + (f" — against a tile p50 of {tile} ms" if tile else ""))
    L += ["", "## Data generation", ""]
    for r in rep["results"]:
        if "generate_s" in r:
            L.append(f"- {r['store']} {r['size']:,}: {r['generate_s']} s ({r.get('generate_summary', '')})")
    L += ["", "## Targets (issues #9 and #16)", "", "| Target | Measured | Met |", "|---|---|---|"]
    for t in rep["targets"]:
        met = "—" if t["met"] is None else ("yes" if t["met"] else "**no**")
        L.append(f"| {t['target']} | {t['measured']} | {met} |")
    return "\n".join(L) + "\n"


def machine_facts():
    cpu = "unknown"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = 0
    for line in open("/proc/meminfo"):
        if line.startswith("MemTotal"):
            mem = int(line.split()[1]) / 1024 / 1024
    try:
        commit = run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]).strip()
    except RuntimeError:
        commit = "unknown"
    return {"cpu": cpu, "cores": os.cpu_count(), "mem_gb": round(mem, 1),
            "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "commit": commit}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=100000, help="enterprises in the base dataset (N)")
    ap.add_argument("--growth", type=int, default=10, help="the growth dataset is this many times N (0: none)")
    ap.add_argument("--stores", default="sqlite,postgres")
    ap.add_argument("--duration", type=int, default=10, help="seconds per workload")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--assessed-pct", type=int, default=40, help="share of enterprises with a scored assessment")
    ap.add_argument("--solutions", type=int, default=1000, help="catalogue size for matching")
    ap.add_argument("--import-rows", type=int, default=1000000)
    ap.add_argument("--transitions", type=int, default=6000, help="submitted solutions for W5 to publish")
    ap.add_argument("--rss-seconds", type=int, default=60, help="length of the mixed load that samples RSS (0: skip)")
    ap.add_argument("--only", default="", help="comma-separated workload prefixes, e.g. w1,w7 (default: all)")
    ap.add_argument("--bin", default=str(ROOT / "target/release/dengta"))
    ap.add_argument("--out", default=str(ROOT / "target/bench"))
    ap.add_argument("--cache", default="", help="directory where generated databases are kept and reused (SQLite)")
    ap.add_argument("--port", type=int, default=18181)
    a = ap.parse_args()
    a.only = [x.strip() for x in a.only.split(",") if x.strip()]
    sizes = [a.size] + ([a.size * a.growth] if a.growth else [])
    a.largest = max(sizes)  # memory is sampled on the largest dataset
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    work = out / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    binary = Path(a.bin)
    stores = [s.strip() for s in a.stores.split(",") if s.strip()]
    baselines, results = {}, []

    log("baselines")
    tmp = work / "b-http.db"
    hs = Server(binary, f"sqlite://{tmp}", a.port, work / "data-b", work / "server-b.log")
    hs.work = work
    try:
        script, env = make_get_list(work, "healthz", ["/healthz"])
        baselines["http_trivial"] = wrk(hs.base + "/", script, 16, a.duration, (), env)
    finally:
        hs.stop()
    log(f"trivial route: {baselines['http_trivial']['rps']} req/s")
    baselines["sqlite_commit"] = baseline_sqlite_commits(work)
    log(f"sqlite commit loop: {baselines['sqlite_commit']['per_s']} /s")
    baselines["sqlite_bulk"] = baseline_sqlite_bulk(work)
    log(f"sqlite bulk insert: {baselines['sqlite_bulk']['rows_per_s']} rows/s")
    baselines["disk"] = baseline_disk(work)
    if not a.only or "w2" in a.only:
        baselines["import"] = import_workload(binary, work, a.import_rows)
        log(f"import: {baselines['import']['rows_per_s']} rows/s")

    cluster = None
    raw_cache = {}
    try:
        if "postgres" in stores:
            cluster = PgCluster(work)
            cluster.start()
            baselines["pgbench"] = baseline_pgbench(cluster, a.duration)
            log(f"pgbench: {baselines['pgbench']}")
        for st in stores:
            for n in sizes:
                if st == "sqlite":
                    cache = Path(a.cache) if a.cache else work
                    cache.mkdir(parents=True, exist_ok=True)
                    path = cache / f"gen-{n}-s{a.seed}-a{a.assessed_pct}.db"
                    store = Store("sqlite", f"sqlite://{path}", str(path))
                    store.reused = path.exists() and bool(a.cache)
                else:
                    store = Store("postgres", cluster.create_db(f"bench_{n}"))
                try:
                    results.append(run_size(a, binary, store, n, work, baselines))
                    add_raw_tx(results[-1], work, cluster, a.duration, raw_cache)
                except Exception as e:  # one failed size still leaves a report of the rest
                    log(f"{st} {n}: FAILED: {e}")
                    results.append({"store": st, "size": n, "error": str(e)[:2000]})
                rep = build_report(results, baselines, machine_facts(), a)
                (out / "report.json").write_text(json.dumps(rep, ensure_ascii=False, indent=1, default=str))
                (out / "report.md").write_text(markdown(rep))
    finally:
        if cluster:
            cluster.stop()
    rep = build_report(results, baselines, machine_facts(), a)
    (out / "report.json").write_text(json.dumps(rep, ensure_ascii=False, indent=1, default=str))
    (out / "report.md").write_text(markdown(rep))
    print(markdown(rep))
    log(f"report: {out / 'report.md'} and {out / 'report.json'}")


if __name__ == "__main__":
    main()
