#!/usr/bin/env python3
"""The measuring half of the failover drill (scripts/drill/run starts the cluster and calls this).

Given the drill's world (a JSON file written by scripts/drill/run: Dengta instances, tokens, the
Patroni nodes), it:
  1. runs a mixed load (reads and acknowledged writes) over every Dengta instance in turn;
  2. after the warm-up, kills the node of the Patroni primary with SIGKILL (--kill node: Patroni,
     the postmaster and its backends; --kill postgres: the postmaster alone) and keeps the load on;
  3. measures what the clients saw: requests failed by status, the time until writes succeed again,
     the time until the replica was promoted, throughput per instance before and after;
  4. after the load, checks that every acknowledged write is in the database, and runs
     `dengta audit verify`, `ledger check` and `rollups check`;
  5. prints the report and writes it to target/drill/report.md (and report.json).
Exits 1 when an acknowledged write was lost, an invariant failed, writes never came back or an
instance did not serve again. Python 3 standard library only.
"""
import collections
import hashlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

CS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
TIMEOUT_S = 30  # a request slower than this is counted as a hang ("timeout")
RUN = str(int(time.time()))


def uscc(first16):
    """A 统一社会信用代码 valid under both checks (scripts/bench/gen_enterprises.py): the organisation
    code's GB 11714 check character, then GB 32100's."""
    s = sum(int(c, 36) * w for c, w in zip(first16[8:16], [3, 7, 9, 10, 5, 8, 4, 2]))
    r = 11 - s % 11
    first17 = first16 + ("X" if r == 10 else "0" if r == 11 else str(r))
    s = sum(CS.index(c) * w for c, w in zip(first17, W))
    return first17 + CS[(31 - s % 31) % 31]


def log(msg):
    print(f"[drill {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --- one request ------------------------------------------------------------------------------

def call(method, url, token=None, body=None, headers=None, content_type=None):
    """(status, json (the problem document of an error) or None, retry_after): status is the HTTP
    code, or 'refused'/'reset'/'timeout' when no answer came."""
    h = dict(headers or {})
    if token:
        h["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        if isinstance(body, (bytes, bytearray)):
            data = bytes(body)
            h["Content-Type"] = content_type
        else:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT_S) as r:
            raw = r.read()
            ctype = r.headers.get("Content-Type", "")
            doc = json.loads(raw) if "json" in ctype and raw else None
            return r.status, doc, r.headers.get("Retry-After") is not None
    except urllib.error.HTTPError as e:
        retry = e.headers.get("Retry-After") is not None if e.headers else False
        try:
            doc = json.loads(e.read())
        except Exception:
            doc = None
        return e.code, doc, retry
    except (socket.timeout, TimeoutError):
        return "timeout", None, False
    except urllib.error.URLError as e:
        if isinstance(e.reason, (socket.timeout, TimeoutError)):
            return "timeout", None, False
        if isinstance(e.reason, ConnectionRefusedError):
            return "refused", None, False
        return "reset", None, False
    except (ConnectionError, OSError, http.client.HTTPException):
        return "reset", None, False


def ok(status):
    return isinstance(status, int) and 200 <= status < 300


# --- the load -----------------------------------------------------------------------------------

class Load:
    """Client threads, each sending the CYCLE of requests, one instance after the other."""

    # 6 reads and 4 acknowledged writes.
    CYCLE = ["enterprises", "register", "dashboard", "allocate", "portal",
             "assess", "pools", "front", "upload", "project"]

    def __init__(self, cfg):
        self.cfg = cfg
        self.urls = cfg["instances"]
        self.tok = cfg["tokens"]
        self.answers = json.load(open(cfg["answers"], encoding="utf-8"))
        self.stop = threading.Event()
        self.records = []   # (t0, t1, instance, op, is_write, status, retry_after)
        self.acked = []     # (kind, id, instance, t1)
        # (kind, id, t0, t1, status, instance): a write that got no 2xx; it may have committed all the same
        self.in_doubt = []
        self.lock = threading.Lock()
        self.samples = {}   # (op, status) -> the first error document seen
        self.projects = list(cfg["project_ids"])  # the provider's projects that still take evidence

    def run_thread(self, t):
        n_inst = len(self.urls)
        k = 0
        pending_key = None  # an allocation not acknowledged yet is retried with the same key
        while not self.stop.is_set():
            op = self.CYCLE[(t + k) % len(self.CYCLE)]
            # A whole cycle on one instance, the next cycle on the next one.
            inst = (t + k // len(self.CYCLE)) % n_inst
            if op == "upload" and not self.projects:
                op = "register"  # every project holds as much evidence as the rules allow
            base = self.urls[inst]
            seq = t * 1_000_000 + k
            k += 1
            write = op in ("register", "allocate", "assess", "upload")
            t0 = time.time()
            acked = doubt = doc = None
            if op == "enterprises":
                st, doc, ra = call("GET", f"{base}/api/v1/enterprises?limit=20", self.tok["officer"])
            elif op == "dashboard":
                st, doc, ra = call("GET", f"{base}/api/v1/dashboard", self.tok["officer"])
            elif op == "pools":
                st, doc, ra = call("GET", f"{base}/api/v1/ledger/pools", self.tok["officer"])
            elif op == "project":
                st, doc, ra = call("GET", f"{base}/api/v1/projects/{self.cfg['project_id']}", self.tok["provider"])
            elif op == "portal":
                st, doc, ra = call("GET", f"{base}/public")
            elif op == "front":
                st, doc, ra = call("GET", f"{base}/")
            elif op == "register":
                code = uscc(f"91320102D{seq % 10_000_000:07d}")
                body = {"uscc": code, "name": f"演练企业{RUN}-{seq}", "industry": "C3412", "above_scale": "true"}
                st, doc, ra = call("POST", f"{base}/api/v1/enterprises", self.tok["officer"], body)
                acked, doubt = ("enterprise", code), ("enterprise", code)
            elif op == "allocate":
                key = pending_key or f"drill-{RUN}-{seq}"
                body = {"programme_id": "nanjing-2024", "pool": "services", "amount": "1", "reference": f"演练{key}"}
                st, doc, ra = call("POST", f"{base}/api/v1/ledger/allocations", self.tok["officer"], body,
                                   headers={"Idempotency-Key": key})
                if ok(st):
                    pending_key = None
                    acked = ("transfer", (doc or {}).get("transfer_id", -1), key)
                elif isinstance(st, int) and 400 <= st < 500:
                    pending_key = None  # refused: nothing to retry
                    doubt = ("transfer_key", key)
                else:
                    pending_key = key
                    doubt = ("transfer_key", key)
            elif op == "assess":
                body = {"enterprise_id": self.cfg["enterprise_id"], "instrument_id": "mfg-2024",
                        "answers": self.answers, "pledge": True}
                st, doc, ra = call("POST", f"{base}/api/v1/assessments", self.tok["enterprise"], body)
                if ok(st):
                    acked = ("assessment", (doc or {}).get("id", -1))
            else:  # upload
                boundary = f"drill{RUN}{seq}"
                pdf = f"%PDF-1.4\n% drill {RUN} {seq}\n%%EOF\n".encode()
                doubt = ("evidence_sha", hashlib.sha256(pdf).hexdigest())
                body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"drill.pdf\"\r\n"
                        f"Content-Type: application/pdf\r\n\r\n").encode() + pdf + f"\r\n--{boundary}--\r\n".encode()
                projects = self.projects
                project = projects[seq % len(projects)] if projects else self.cfg["project_id"]
                st, doc, ra = call("POST", f"{base}/api/v1/projects/{project}/files?kind=other",
                                   self.tok["provider"], body, content_type=f"multipart/form-data; boundary={boundary}")
                if ok(st):
                    acked = ("evidence", (doc or {}).get("id", -1))
                elif st == 422 and (doc or {}).get("code") == "error.evidence_too_many":
                    with self.lock:
                        if project in self.projects:
                            self.projects.remove(project)
                    st = "full"  # not a failure of the drill: the project is full, the next one is used
            t1 = time.time()
            if st == "full":
                continue
            with self.lock:
                if not ok(st) and (op, st) not in self.samples:
                    self.samples[(op, st)] = {k: v for k, v in (doc or {}).items() if k in ("code", "title", "detail")}
                self.records.append((t0, t1, inst, op, write, st, ra))
                if write and ok(st) and acked:
                    if acked[0] == "transfer":
                        self.acked.append(("transfer", acked[1], inst, t1, acked[2]))
                    else:
                        self.acked.append((acked[0], acked[1], inst, t1, None))
                elif write and not ok(st) and doubt:
                    self.in_doubt.append((*doubt, t0, t1, st, inst))
            if not ok(st):
                time.sleep(0.2)  # a client backs off a little after a failure
            else:
                time.sleep(0.01)

    def start(self, n):
        self.threads = [threading.Thread(target=self.run_thread, args=(t,), daemon=True) for t in range(n)]
        for th in self.threads:
            th.start()

    def finish(self):
        self.stop.set()
        for th in self.threads:
            th.join(TIMEOUT_S + 5)


# --- the cluster --------------------------------------------------------------------------------

def rest_status(url):
    try:
        with urllib.request.urlopen(url, timeout=1) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except Exception:
        return None


def primary_node(nodes):
    for n in nodes:
        if rest_status(n["rest"] + "/primary") == 200:
            return n
    return None


def children_of(pid):
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    out.append(int(d))
            except (OSError, IndexError, ValueError):
                pass
    return out


def kill_primary(node, mode):
    with open(os.path.join(node["data_dir"], "postmaster.pid")) as f:
        postmaster = int(f.readline())
    backends = children_of(postmaster)
    if mode == "node":
        os.kill(node["patroni_pid"], signal.SIGKILL)
    os.kill(postmaster, signal.SIGKILL)
    if mode == "node":
        for b in backends:
            try:
                os.kill(b, signal.SIGKILL)
            except ProcessLookupError:
                pass
    return postmaster, len(backends)


def rest_json(url):
    try:
        with urllib.request.urlopen(url, timeout=1) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        try:
            return json.load(e)
        except Exception:
            return None
    except Exception:
        return None


class Watch(threading.Thread):
    """After the kill: when Patroni first reports no running primary, and when a node is a running
    primary (read-write PostgreSQL, not merely the holder of the leader key) again, and which."""

    def __init__(self, nodes):
        super().__init__(daemon=True)
        self.nodes = nodes
        self.down = None      # time no running primary was seen first
        self.promoted = None  # (time, name)
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set() and self.promoted is None:
            up = None
            for n in self.nodes:
                doc = rest_json(n["rest"] + "/patroni")
                if doc and doc.get("role") in ("master", "primary") and doc.get("state") == "running":
                    up = n["name"]
            if up is None and self.down is None:
                self.down = time.time()
            elif up is not None and self.down is not None:
                self.promoted = (time.time(), up)
            time.sleep(0.1)


# --- checks after the load ----------------------------------------------------------------------

def psql(cfg, sql):
    r = subprocess.run([cfg["psql"], "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                        "-p", str(cfg["pg_port_primary"]), "-U", "postgres", "-d", "dengta", "-f", "-"],
                       input=sql, capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise RuntimeError(f"psql failed: {r.stderr}")
    return [line for line in r.stdout.splitlines() if line]


def sql_list(values, text):
    if text:
        return ",".join("'" + str(v).replace("'", "''") + "'" for v in values)
    return ",".join(str(int(v)) for v in values)


def present(cfg, table, column, values, text=False):
    """The subset of values found in table.column."""
    found = set()
    values = list(values)
    for i in range(0, len(values), 2000):
        chunk = values[i:i + 2000]
        if chunk:
            rows = psql(cfg, f"SELECT {column} FROM {table} WHERE {column} IN ({sql_list(chunk, text)});")
            found.update(rows if text else (int(r) for r in rows))
    return found


def cli(cfg, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DENGTA_")}
    env["DENGTA_DATA_DIR"] = cfg["data_dir"]
    r = subprocess.run([cfg["bin"], "--database-url", cfg["db"], *args], cwd=cfg["cwd"], env=env,
                       capture_output=True, text=True, timeout=600)
    return r.returncode, (r.stdout + r.stderr).strip()


# --- the report ---------------------------------------------------------------------------------

def logged_errors(cfg):
    """Per instance: the internal errors Dengta logged (their causes, counted), and how many
    'database unavailable' warnings."""
    ansi = re.compile(r"\x1b\[[0-9;]*m")
    out = []
    for i in range(len(cfg["instances"])):
        internal, unavailable = collections.Counter(), 0
        try:
            with open(os.path.join(cfg["work"], f"dengta{i + 1}.log"), encoding="utf-8", errors="replace") as f:
                for line in f:
                    line = ansi.sub("", line)
                    if "internal error" in line:
                        m = re.search(r"error=(.*)$", line.strip())
                        internal[(m.group(1) if m else line.strip())[:200]] += 1
                    elif "database unavailable" in line:
                        unavailable += 1
        except OSError:
            pass
        out.append((internal, unavailable))
    return out


def fmt_counter(c):
    return ", ".join(f"{k}: {v}" for k, v in sorted(c.items(), key=lambda kv: (-kv[1], str(kv[0])))) or "none"


def main():
    cfg = json.load(open(sys.argv[1]))
    nodes = cfg["nodes"]
    n_inst = len(cfg["instances"])
    load = Load(cfg)
    t_start = time.time()
    load.start(cfg["threads"])
    time.sleep(cfg["warmup"])

    victim = primary_node(nodes)
    if victim is None:
        load.finish()
        log("no Patroni node answers /primary before the kill")
        return 1
    survivor = next(n for n in nodes if n is not victim)
    sync_ok = rest_status(survivor["rest"] + "/sync") == 200
    try:
        sync_state = psql(cfg, "SELECT string_agg(application_name || ' ' || sync_state, ', ') FROM pg_stat_replication;")
    except Exception as e:  # noqa: BLE001
        sync_state = [f"? ({e})"]
    watch = Watch(nodes)
    t_kill = time.time()
    postmaster, n_backends = kill_primary(victim, cfg["kill"])
    log(f"killed {victim['name']} ({cfg['kill']}: postmaster {postmaster}"
        + (f", its {n_backends} children and Patroni {victim['patroni_pid']}" if cfg["kill"] == "node" else "") + ")")
    watch.start()
    time.sleep(cfg["after"])
    watch.stop.set()
    t_stop = time.time()
    log("stopping the load")
    load.finish()
    records = sorted(load.records)
    t_end = max([r[1] for r in records] + [t_stop])

    # --- what the clients saw ---
    before = [r for r in records if r[1] < t_kill]
    since = [r for r in records if r[1] >= t_kill]
    fail_before = collections.Counter(str(r[5]) for r in before if not ok(r[5]))
    fail_since = collections.Counter(str(r[5]) for r in since if not ok(r[5]))
    fail_since_rw = collections.Counter(("write" if r[4] else "read") for r in since if not ok(r[5]))
    no_retry_after = sum(1 for r in since if r[5] == 503 and not r[6])
    writes_after = [r for r in records if r[4] and r[0] >= t_kill and ok(r[5])]
    t_write_ok = writes_after[0][1] if writes_after else None
    first_ok_inst = {}
    for r in writes_after:
        first_ok_inst.setdefault(r[2], r[1])
    failures_since = [r for r in since if not ok(r[5])]
    t_last_fail = max((r[1] for r in failures_since), default=None)
    recovered_at = max(filter(None, [t_write_ok, t_last_fail])) if t_write_ok else None
    tail_fail = [r for r in failures_since if r[1] >= t_stop - 5]
    slowest_since = max((r[1] - r[0] for r in since), default=0)
    slowest_before = max((r[1] - r[0] for r in before), default=0)
    warm_from = t_start + min(5, cfg["warmup"] / 4)

    def rate(inst, a, b):
        n = sum(1 for r in records if r[2] == inst and ok(r[5]) and a <= r[1] < b)
        return n / (b - a) if b > a else 0.0

    def errors(inst, a, b):
        return sum(1 for r in records if r[2] == inst and not ok(r[5]) and a <= r[1] < b)

    per_inst = []
    for i in range(n_inst):
        row = {
            "instance": cfg["instances"][i],
            "before_rps": round(rate(i, warm_from, t_kill), 1),
            "after_rps": round(rate(i, recovered_at, t_stop), 1) if recovered_at and t_stop - recovered_at >= 3 else None,
            "failed_since_kill": errors(i, t_kill, t_end + 1),
            "first_write_ok_s": round(first_ok_inst[i] - t_kill, 2) if i in first_ok_inst else None,
        }
        per_inst.append(row)
    ready = {}
    for i, u in enumerate(cfg["instances"]):
        st, _, _ = call("GET", f"{u}/readyz")
        ready[u] = st

    # --- acknowledged writes ---
    log("checking every acknowledged write")
    acked = collections.defaultdict(list)
    for kind, ident, _inst, _t, _key in load.acked:
        acked[kind].append(ident)
    lost = {}
    where = {"enterprise": ("enterprises", "uscc", True), "assessment": ("assessments", "id", False),
             "transfer": ("ledger_transfers", "id", False), "evidence": ("evidence", "id", False)}
    for kind, (table, col, text) in where.items():
        ids = set(acked.get(kind, []))
        missing = ids - present(cfg, table, col, ids, text)
        lost[kind] = sorted(missing, key=str)
    # Writes that got no 2xx but committed all the same (the answer was lost): not an error, a fact
    # a client must be ready for (hence the Idempotency-Key).
    doubt_ent = {d[1] for d in load.in_doubt if d[0] == "enterprise"}
    doubt_keys = {d[1] for d in load.in_doubt if d[0] == "transfer_key"} - {a[4] for a in load.acked if a[0] == "transfer"}
    doubt_sha = {d[1] for d in load.in_doubt if d[0] == "evidence_sha"}
    committed_ent = present(cfg, "enterprises", "uscc", doubt_ent, True)
    committed_sha = present(cfg, "evidence", "sha256", doubt_sha, True)
    stored_keys = set()
    for row in psql(cfg, f"SELECT idem_key FROM ledger_transfers WHERE idem_key LIKE '%drill-{RUN}-%';"):
        m = re.search(rf"drill-{RUN}-\d+", row)
        if m:
            stored_keys.add(m.group(0))
    committed_keys = doubt_keys & stored_keys
    acked_keys = {a[4] for a in load.acked if a[0] == "transfer"}
    retried_acked = len(acked_keys & {d[1] for d in load.in_doubt if d[0] == "transfer_key"})
    committed_ids = committed_ent | committed_keys | committed_sha
    committed_detail = [
        {"kind": d[0], "id": d[1], "start_s": round(d[2] - t_kill, 3), "end_s": round(d[3] - t_kill, 3),
         "status": d[4], "instance": d[5] + 1}
        for d in load.in_doubt if d[1] in committed_ids
    ]
    dup = psql(cfg, f"SELECT COUNT(*) - COUNT(DISTINCT idem_key) FROM ledger_transfers WHERE idem_key LIKE '%drill-{RUN}-%';")

    # --- invariants ---
    log("running audit verify, ledger check, rollups check")
    checks = {}
    for args in (["audit", "verify"], ["ledger", "check"], ["rollups", "check"]):
        rc, out = cli(cfg, *args)
        checks[" ".join(args)] = (rc, out.splitlines()[-1] if out else "")

    cluster = {}
    try:
        with urllib.request.urlopen(survivor["rest"] + "/cluster", timeout=2) as r:
            cluster = json.load(r)
    except Exception:
        pass

    # --- verdict ---
    n_lost = sum(len(v) for v in lost.values())
    problems = []
    if n_lost:
        problems.append(f"{n_lost} acknowledged writes lost")
    for name, (rc, _) in checks.items():
        if rc != 0:
            problems.append(f"`{name}` failed")
    if t_write_ok is None:
        problems.append("no write succeeded after the kill")
    for u, st in ready.items():
        if st != 200:
            problems.append(f"{u} /readyz answers {st} at the end")
    missing_inst = [cfg["instances"][i] for i in range(n_inst) if i not in first_ok_inst]
    if missing_inst:
        problems.append("no write succeeded after the kill on " + ", ".join(missing_inst))
    if tail_fail:
        problems.append(f"{len(tail_fail)} requests still failing in the last 5 s")

    rel = lambda t: f"{t - t_kill:.1f} s" if t else "never"  # noqa: E731
    total_ok = sum(1 for r in records if ok(r[5]))
    lines = [
        "# Dengta failover drill",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M:%S')} · {n_inst} Dengta instances (`{os.path.basename(cfg['bin'])}` "
        f"{cfg['bin']}) · PostgreSQL primary + synchronous replica under Patroni/etcd behind haproxy · "
        f"{cfg['threads']} client threads, round-robin over the instances · warm-up {cfg['warmup']} s, "
        f"{cfg['after']} s after the kill · kill mode `{cfg['kill']}`"
        + (" · reads may use the replica (database_replica_url)" if cfg.get("replica_db") else " · no replica URL (every query on the primary)"),
        "",
        "## Failover",
        "",
        f"- killed: {victim['name']} (the primary), {'Patroni + postmaster + every backend, SIGKILL' if cfg['kill'] == 'node' else 'the postmaster alone, SIGKILL'}; "
        f"the replica was the synchronous standby at the kill: {'yes' if sync_ok else 'NO'} "
        f"(pg_stat_replication on the primary: {sync_state[0] if sync_state else 'no standby'})",
        f"- Patroni: no running primary from {rel(watch.down) if watch.down else '(never seen)'}; "
        f"a running read-write primary again at {rel(watch.promoted[0]) + ' (' + watch.promoted[1] + ')' if watch.promoted else 'never'}",
        f"- first acknowledged write after the kill: {rel(t_write_ok)}"
        + (f" ({t_write_ok - watch.promoted[0]:.1f} s after the promotion)" if t_write_ok and watch.promoted else "")
        + "; per instance: "
        + ", ".join(f"{i + 1}: {r['first_write_ok_s'] if r['first_write_ok_s'] is not None else 'never'} s" for i, r in enumerate(per_inst)),
        f"- last failed request: {rel(t_last_fail) if t_last_fail else 'none failed'}; recovered (writes succeed and nothing fails any more): {rel(recovered_at)}",
        f"- requests failed after the kill: {sum(fail_since.values())} of {len(since)} ({fmt_counter(fail_since_rw)}) — by status: {fmt_counter(fail_since)}",
        f"- 503 without Retry-After: {no_retry_after}; failed before the kill: {sum(fail_before.values())} ({fmt_counter(fail_before)})",
        f"- slowest request: {slowest_before:.2f} s before the kill, {slowest_since:.2f} s after (a request is abandoned at {TIMEOUT_S} s)",
        "",
        "## Throughput per instance (successful requests per second)",
        "",
        "| instance | before the kill | after recovery | failed after the kill | /readyz at the end |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for i, r in enumerate(per_inst):
        after = f"{r['after_rps']}" if r["after_rps"] is not None else "—"
        lines.append(f"| {i + 1} ({r['instance']}) | {r['before_rps']} | {after} | {r['failed_since_kill']} | {ready[r['instance']]} |")
    lines += [
        "",
        f"{len(records)} requests in all, {total_ok} answered 2xx; {len(load.acked)} writes acknowledged "
        f"({', '.join(f'{k}: {len(v)}' for k, v in sorted(acked.items()))}).",
        "",
        "## Acknowledged writes",
        "",
        f"- lost: **{n_lost}** (" + ", ".join(f"{k}: {len(v)}" for k, v in lost.items()) + ")",
        f"- not acknowledged but committed anyway (the answer was lost, not the write): "
        f"registrations {len(committed_ent)} of {len(doubt_ent)}, allocations {len(committed_keys)} of {len(doubt_keys)}, "
        f"uploads {len(committed_sha)} of {len(doubt_sha)} (assessments carry no mark to look for)"
        + "".join(f"\n  - {c['kind']} {c['id']}: answered {c['status']} by instance {c['instance']}, "
                  f"sent {c['start_s']} s, answered {c['end_s']} s after the kill" for c in committed_detail),
        f"- allocations that failed were retried with the same Idempotency-Key: {retried_acked} acknowledged on a retry; "
        f"transfers sharing a key: {dup[0] if dup else '?'}",
        "",
        "## Invariants after the drill",
        "",
    ]
    for name, (rc, last) in checks.items():
        lines.append(f"- `dengta {name}`: {'ok' if rc == 0 else f'FAILED (exit {rc})'} — {last}")
    if cluster:
        members = ", ".join(f"{m.get('name')} {m.get('role')} {m.get('state')}" for m in cluster.get("members", []))
        lines += ["", f"Patroni after the drill: {members}"]
    logged = logged_errors(cfg)
    lines += ["", "## What Dengta logged", ""]
    for i, (internal, unavailable) in enumerate(logged):
        lines.append(f"- instance {i + 1}: {unavailable} 'database unavailable' warnings (answered 503), "
                     f"{sum(internal.values())} internal errors (answered 500)")
        for msg, n in internal.most_common(5):
            lines.append(f"  - {n} × {msg}")
    if load.samples:
        lines += ["", "## What the failed requests answered (the first of each kind)", ""]
        for (op, st), doc in sorted(load.samples.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
            lines.append(f"- {op} → {st}: " + (json.dumps(doc, ensure_ascii=False) if doc else "(no problem document)"))
    # Not failures of the drill, but answers a client should not get: listed with the verdict.
    warnings = []
    n500 = sum(1 for r in since if r[5] == 500)
    if n500:
        warnings.append(f"{n500} answers 500 after the kill (a database failover should answer 503 with Retry-After)")
    if no_retry_after:
        warnings.append(f"{no_retry_after} answers 503 without Retry-After")
    n_timeout = sum(1 for r in since if r[5] == "timeout")
    if n_timeout:
        warnings.append(f"{n_timeout} requests hung for {TIMEOUT_S} s")
    verdict = "PASS" if not problems else "FAIL: " + "; ".join(problems)
    if warnings:
        verdict += " — warnings: " + "; ".join(warnings)
    lines += ["", "## Verdict", "", verdict]
    report = "\n".join(lines) + "\n"
    print(report)
    os.makedirs(cfg["out"], exist_ok=True)
    with open(os.path.join(cfg["out"], "report.md"), "w", encoding="utf-8") as f:
        f.write(report)
    summary = {
        "instances": per_inst, "kill_mode": cfg["kill"], "victim": victim["name"], "sync_standby_at_kill": sync_ok,
        "primary_down_after_s": round(watch.down - t_kill, 2) if watch.down else None,
        "promoted_after_s": round(watch.promoted[0] - t_kill, 2) if watch.promoted else None,
        "first_write_ok_after_s": round(t_write_ok - t_kill, 2) if t_write_ok else None,
        "recovered_after_s": round(recovered_at - t_kill, 2) if recovered_at else None,
        "failed_after_kill": dict(fail_since), "failed_before_kill": dict(fail_before),
        "requests": len(records), "acknowledged_writes": {k: len(v) for k, v in acked.items()},
        "lost": {k: len(v) for k, v in lost.items()}, "lost_ids": lost,
        "committed_unacknowledged": committed_detail,
        "checks": {k: {"exit": v[0], "last_line": v[1]} for k, v in checks.items()},
        "slowest_after_kill_s": round(slowest_since, 2), "problems": problems, "warnings": warnings,
        "error_samples": {f"{op} {st}": doc for (op, st), doc in load.samples.items()},
    }
    with open(os.path.join(cfg["out"], "report.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=2, ensure_ascii=False)
    # Every request, for a closer look: t0, t1 (relative to the kill), instance, op, status.
    with open(os.path.join(cfg["out"], "requests.tsv"), "w", encoding="utf-8") as f:
        f.write("start_s\tend_s\tinstance\top\tstatus\tretry_after\n")
        for r in records:
            f.write(f"{r[0] - t_kill:.3f}\t{r[1] - t_kill:.3f}\t{r[2] + 1}\t{r[3]}\t{r[5]}\t{int(r[6])}\n")
    log(f"report: {os.path.join(cfg['out'], 'report.md')}")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
