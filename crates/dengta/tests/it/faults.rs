//! The fault-and-abuse suite (short form; `scripts/fault/run --long` repeats it with more
//! iterations through `DENGTA_TEST_FAULT_ITERATIONS`): slow and idle clients are cut off, the
//! database stopped under load answers 503 with Retry-After and service resumes by itself,
//! `dengta serve` killed with SIGKILL under mixed writes loses no acknowledged write, a full
//! disk during an upload or an import leaves nothing half-written.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{Store, TestApp};

/// How many rounds the long form runs (`scripts/fault/run --long` sets it).
fn iterations(short: usize) -> usize {
    std::env::var("DENGTA_TEST_FAULT_ITERATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(short)
}

fn host(t: &TestApp) -> String {
    t.base.trim_start_matches("http://").to_owned()
}

/// Reads until the peer closes; `true` if it closed (EOF or reset) before `patience` ran out.
/// The bound only keeps a broken server from hanging the test; it is not what is asserted.
async fn closed_by_peer(sock: &mut TcpStream, patience: Duration) -> bool {
    let mut buf = [0u8; 1024];
    let wait = async {
        loop {
            match sock.read(&mut buf).await {
                Ok(0) | Err(_) => return true,
                Ok(_) => continue,
            }
        }
    };
    tokio::time::timeout(patience, wait).await.unwrap_or(false)
}

/// A slowloris: headers sent one byte at a time never complete a request; the server cuts the
/// connection off and keeps serving everyone else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_headers_are_cut_off() {
    let t = TestApp::spawn_with(Store::Sqlite, |s| s.server.header_read_timeout_secs = 1).await;
    let request = format!("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: {}\r\n\r\n", "a".repeat(300));
    let mut sock = TcpStream::connect(host(&t)).await.unwrap();
    let mut sent = 0;
    let mut cut_off = false;
    let mut answer = Vec::new();
    for b in request.bytes() {
        if sock.write_all(&[b]).await.is_err() {
            cut_off = true;
            break;
        }
        sent += 1;
        tokio::time::sleep(Duration::from_millis(40)).await;
        let mut buf = [0u8; 512];
        match sock.try_read(&mut buf) {
            Ok(0) => {
                cut_off = true;
                break;
            }
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(_) => {
                cut_off = true;
                break;
            }
        }
    }
    assert!(cut_off, "the server waited for all {sent} bytes of a byte-by-byte request");
    assert!(sent < request.len(), "cut off before the headers were complete");
    assert!(!String::from_utf8_lossy(&answer).contains(" 200 "), "a slow request is never served");
    // Others are still served.
    assert_eq!(reqwest::get(t.url("/healthz")).await.unwrap().status(), 200);
}

/// Many connections that send nothing are all closed; the server still answers afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_are_closed() {
    let t = TestApp::spawn_with(Store::Sqlite, |s| {
        // The idle limit, not the header limit, is what closes them here.
        s.server.header_read_timeout_secs = 3600;
        s.server.idle_timeout_secs = 1;
    })
    .await;
    let mut socks = Vec::new();
    for _ in 0..iterations(64) {
        socks.push(TcpStream::connect(host(&t)).await.unwrap());
    }
    let waits: Vec<_> = socks
        .into_iter()
        .map(|mut s| tokio::spawn(async move { closed_by_peer(&mut s, Duration::from_secs(60)).await }))
        .collect();
    let mut closed = Vec::new();
    for w in waits {
        closed.push(w.await.unwrap());
    }
    assert!(closed.iter().all(|c| *c), "every idle connection is closed: {closed:?}");
    // A kept-alive connection that finished its request and then idles is closed too.
    let mut sock = TcpStream::connect(host(&t)).await.unwrap();
    sock.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    assert!(closed_by_peer(&mut sock, Duration::from_secs(60)).await);
    assert_eq!(reqwest::get(t.url("/healthz")).await.unwrap().status(), 200);
}

/// A request body that stops arriving fails instead of holding its handler forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_bodies_are_cut_off() {
    let t = TestApp::spawn_with(Store::Sqlite, |s| s.server.body_read_timeout_secs = 1).await;
    let tok = crate::support::token(&t, "demo-officer").await;
    let mut sock = TcpStream::connect(host(&t)).await.unwrap();
    let head = format!(
        "POST /api/v1/enterprises HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok}\r\n\
         Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"uscc\": "
    );
    sock.write_all(head.as_bytes()).await.unwrap();
    // The rest never comes: the server answers (an error) and closes, or just closes.
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(60), sock.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the server let a stalled body hold the connection");
    let text = String::from_utf8_lossy(&answer);
    assert!(!text.starts_with("HTTP/1.1 2"), "{text}");
}

// ---- the database stopped under load ---------------------------------------------------------

/// A private PostgreSQL cluster of this test alone (the pattern of scripts/pg.sh), so it can be
/// stopped and started without disturbing other tests.
pub(crate) struct PrivatePg {
    bin: std::path::PathBuf,
    dir: tempfile::TempDir,
    port: u16,
}

fn as_owner(cmd: &std::path::Path) -> std::process::Command {
    // As root, PostgreSQL must run as the postgres user.
    if is_root() {
        let mut c = std::process::Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(cmd);
        c
    } else {
        std::process::Command::new(cmd)
    }
}

fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl PrivatePg {
    pub(crate) fn start() -> Option<PrivatePg> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| e.ok())
            .map(|e| e.path().join("bin"))
            .find(|b| b.join("initdb").exists())?;
        let dir = tempfile::tempdir().unwrap();
        if is_root() {
            let ok = std::process::Command::new("chown").arg("postgres").arg(dir.path()).status().unwrap();
            assert!(ok.success());
        }
        let data = dir.path().join("data");
        let out = as_owner(&bin.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args(["-A", "trust", "-U", "postgres", "--no-instructions", "--no-sync"])
            .output()
            .unwrap();
        assert!(out.status.success(), "initdb: {}", String::from_utf8_lossy(&out.stderr));
        let pg = PrivatePg { bin, dir, port: free_port() };
        pg.up();
        Some(pg)
    }

    /// A streaming replica of `primary` (a base backup that follows it), started.
    pub(crate) fn replica_of(primary: &PrivatePg) -> PrivatePg {
        let dir = tempfile::tempdir().unwrap();
        if is_root() {
            let ok = std::process::Command::new("chown").arg("postgres").arg(dir.path()).status().unwrap();
            assert!(ok.success());
        }
        let out = as_owner(&primary.bin.join("pg_basebackup"))
            .arg("-D")
            .arg(dir.path().join("data"))
            .args(["-R", "-X", "stream", "-c", "fast", "-d", &primary.url()])
            .output()
            .unwrap();
        assert!(out.status.success(), "pg_basebackup: {}", String::from_utf8_lossy(&out.stderr));
        let pg = PrivatePg { bin: primary.bin.clone(), dir, port: free_port() };
        pg.up();
        pg
    }

    fn ctl(&self, args: &[&str]) {
        let data = self.dir.path().join("data");
        let out = as_owner(&self.bin.join("pg_ctl")).arg("-D").arg(&data).args(args).output().unwrap();
        assert!(out.status.success(), "pg_ctl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }

    fn up(&self) {
        let log = self.dir.path().join("log");
        let opts = format!(
            "-c listen_addresses=127.0.0.1 -c port={} -c unix_socket_directories={} -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        self.ctl(&["-l", log.to_str().unwrap(), "-w", "-o", &opts, "start"]);
    }

    pub(crate) fn down(&self) {
        self.ctl(&["-m", "fast", "-w", "stop"]);
    }

    pub(crate) fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PrivatePg {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let _ = as_owner(&self.bin.join("pg_ctl")).arg("-D").arg(&data).args(["-m", "immediate", "stop"]).output();
    }
}

/// One answer seen by the load: status, Retry-After present, elapsed ms.
type Seen = (u16, bool, u128);

/// PostgreSQL stopped under load: every request answers 200 or 503 with Retry-After (never a
/// 500, never a hang of the pool's old 10 s), and service resumes by itself once it is back.
async fn database_outage_gives_503_then_recovers() {
    let Some(pg) = PrivatePg::start() else {
        println!("SKIPPED: PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb)");
        return;
    };
    let url = pg.url();
    // The harness makes its database on the Sqlite path; the URL is replaced by the private cluster's.
    let t = TestApp::spawn_with(Store::Sqlite, move |s| {
        s.database_url = url;
        s.database_acquire_timeout_ms = dengta::config::Settings::default().database_acquire_timeout_ms;
    })
    .await;
    let tok = crate::support::token(&t, "demo-officer").await;
    for round in 0..iterations(1) {
        let phase = std::sync::Arc::new(std::sync::atomic::AtomicU8::new(0));
        // (phase, whether the request reads the database, what was seen). `/api/v1/me` may be
        // answered from the remembered caller (app::callers) without the database.
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<(u8, bool, Seen)>::new()));
        let mut load = Vec::new();
        for i in 0..6 {
            let (phase, seen, tok) = (phase.clone(), seen.clone(), tok.clone());
            let reads_db = i % 2 == 0;
            let path = if reads_db { "/api/v1/enterprises?limit=5" } else { "/api/v1/me" };
            let url = t.url(path);
            load.push(tokio::spawn(async move {
                let client = reqwest::Client::new();
                loop {
                    let p = phase.load(std::sync::atomic::Ordering::SeqCst);
                    if p == 3 {
                        return;
                    }
                    let started = std::time::Instant::now();
                    let Ok(res) = client.get(&url).bearer_auth(&tok).send().await else { continue };
                    let retry = res.headers().contains_key("retry-after");
                    let s = res.status().as_u16();
                    seen.lock().unwrap().push((p, reads_db, (s, retry, started.elapsed().as_millis())));
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        pg.down();
        phase.store(1, std::sync::atomic::Ordering::SeqCst);
        // Enough answers that needed the database while it is down.
        for _ in 0..600 {
            if seen.lock().unwrap().iter().filter(|(p, db, _)| *p == 1 && *db).count() >= 6 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // A page (not the API) says so too.
        let page = reqwest::get(t.url("/readyz")).await.unwrap();
        assert_eq!(page.status(), 503);
        assert!(page.headers().contains_key("retry-after"));
        pg.up();
        phase.store(2, std::sync::atomic::Ordering::SeqCst);
        let mut recovered = false;
        for _ in 0..300 {
            let res = reqwest::Client::new().get(t.url("/api/v1/me")).bearer_auth(&tok).send().await.unwrap();
            if res.status() == 200 {
                recovered = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        phase.store(3, std::sync::atomic::Ordering::SeqCst);
        for l in load {
            l.await.unwrap();
        }
        let seen = seen.lock().unwrap().clone();
        let down: Vec<&Seen> = seen.iter().filter(|(p, db, _)| *p == 1 && *db).map(|(_, _, s)| s).collect();
        let slowest = down.iter().map(|s| s.2).max().unwrap_or(0);
        println!("round {round}: {} answers while down, the slowest in {slowest} ms", down.len());
        assert!(recovered, "service resumed once the database was back");
        assert!(down.iter().any(|s| s.0 == 503), "{down:?}");
        for (s, retry, _) in seen.iter().map(|(_, _, s)| s) {
            assert!(*s == 200 || *s == 503, "only 200 or 503, got {s}");
            assert!(*s != 503 || *retry, "a 503 carries Retry-After");
        }
    }
}

mod database_outage {
    /// PostgreSQL only (the name ends in ::postgres so runs without PostgreSQL skip it).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::database_outage_gives_503_then_recovers().await
    }
}

// ---- kill -9 under mixed writes ---------------------------------------------------------------

/// `dengta serve` as a child process on `url`, answering on a free port once ready.
pub(crate) fn serve(url: &str, data_dir: &std::path::Path, demo: bool) -> (std::process::Child, String) {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut args = vec!["--database-url", url, "serve", "--listen", &listen];
    if demo {
        args.push("--demo");
    }
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_dengta"))
        .args(&args)
        .env_remove("DENGTA_CONFIG")
        .env("DENGTA_DATA_DIR", data_dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    (child, format!("http://{listen}"))
}

pub(crate) async fn wait_ready(base: &str) {
    for _ in 0..600 {
        if let Ok(r) = reqwest::get(format!("{base}/readyz")).await
            && r.status() == 200
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("dengta serve did not become ready");
}

pub(crate) fn cli(url: &str, data_dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_dengta"))
        .arg("--database-url")
        .arg(url)
        .args(args)
        .env_remove("DENGTA_CONFIG")
        .env("DENGTA_DATA_DIR", data_dir)
        .output()
        .unwrap()
}

/// What a write acknowledged with 2xx left: its kind and the id to find it by.
#[derive(Debug, Clone)]
enum Acked {
    Enterprise(String),
    Assessment(i64),
    Transfer(i64),
    Evidence(i64),
}

/// Mixed writes against a server until it is killed; returns what was acknowledged.
async fn write_until_killed(
    base: String,
    tokens: [String; 3],
    project: i64,
    enterprise: i64,
    round: usize,
    acked: Arc<Mutex<Vec<Acked>>>,
) -> Vec<Acked> {
    let [officer, ent, provider] = tokens;
    let answers: serde_json::Value =
        serde_json::from_str(include_str!("../../../../data/demo-assessment.json")).unwrap();
    let mut tasks = Vec::new();
    for kind in 0..4 {
        let (base, officer, ent, provider, answers, acked) =
            (base.clone(), officer.clone(), ent.clone(), provider.clone(), answers.clone(), acked.clone());
        tasks.push(tokio::spawn(async move {
            let c = reqwest::Client::new();
            for i in 0.. {
                let n = round * 100_000 + kind * 10_000 + i;
                let uscc = dengta_domain::enterprise::uscc::Uscc::with_check_char(&format!("91320102MA{n:07}")).unwrap();
                let res = match kind {
                    0 => {
                        let body = serde_json::json!({"uscc": uscc.as_str(), "name": format!("故障测试企业{n}"), "industry": "C3412", "above_scale": "true"});
                        c.post(format!("{base}/api/v1/enterprises")).bearer_auth(&officer).json(&body).send().await
                    }
                    1 => {
                        let body = serde_json::json!({"enterprise_id": enterprise, "instrument_id": "mfg-2024", "answers": answers, "pledge": true});
                        c.post(format!("{base}/api/v1/assessments")).bearer_auth(&ent).json(&body).send().await
                    }
                    2 => {
                        let body = serde_json::json!({"programme_id": "nanjing-2024", "pool": "services", "amount": "1", "reference": format!("故障{n}")});
                        c.post(format!("{base}/api/v1/ledger/allocations"))
                            .bearer_auth(&officer)
                            .header("Idempotency-Key", format!("fault-{n}"))
                            .json(&body)
                            .send()
                            .await
                    }
                    _ => {
                        let part = reqwest::multipart::Part::bytes(format!("%PDF-1.4\n% fault {n}\n%%EOF\n").into_bytes())
                            .file_name("故障.pdf");
                        c.post(format!("{base}/api/v1/projects/{project}/files?kind=other"))
                            .bearer_auth(&provider)
                            .multipart(reqwest::multipart::Form::new().part("file", part))
                            .send()
                            .await
                    }
                };
                // The server is gone: stop.
                let Ok(res) = res else { return };
                if !res.status().is_success() {
                    continue;
                }
                let Ok(v) = res.json::<serde_json::Value>().await else { return };
                let a = match kind {
                    0 => Acked::Enterprise(uscc.as_str().to_owned()),
                    1 => Acked::Assessment(v["id"].as_i64().unwrap_or(-1)),
                    2 => Acked::Transfer(v["transfer_id"].as_i64().unwrap_or(-1)),
                    _ => Acked::Evidence(v["id"].as_i64().unwrap_or(-1)),
                };
                acked.lock().unwrap().push(a);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    acked.lock().unwrap().clone()
}

/// `dengta serve` killed with SIGKILL in the middle of concurrent registrations, assessments,
/// ledger postings and uploads: afterwards the audit chain verifies, the ledger and the
/// dashboard counters reconcile, and every write that was acknowledged is there.
async fn kill_9_loses_no_acknowledged_write(store: Store) {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::support::fresh_database(store, dir.path()).await;
    let data_dir = dir.path().join("data");
    let mut demo = true;
    for round in 0..iterations(1) {
        let (mut child, base) = serve(&url, &data_dir, demo);
        demo = false;
        wait_ready(&base).await;
        let token = |user: &str| {
            let out = cli(&url, &data_dir, &["token", "create", "--user", user]);
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            String::from_utf8_lossy(&out.stdout).trim().to_owned()
        };
        let tokens = [token("demo-officer"), token("demo-enterprise"), token("demo-provider")];
        let db = dengta::db::Db::connect(&url, 2).await.unwrap();
        let project = db
            .scalar(
                "SELECT p.id FROM projects p JOIN users u ON u.provider_id = p.provider_id \
                 WHERE u.username = 'demo-provider' ORDER BY p.id LIMIT 1",
                vec![],
            )
            .await
            .unwrap();
        let enterprise =
            db.scalar("SELECT enterprise_id FROM users WHERE username = 'demo-enterprise'", vec![]).await.unwrap();
        let acked = Arc::new(Mutex::new(Vec::new()));
        let writes = tokio::spawn(write_until_killed(base.clone(), tokens, project, enterprise, round, acked.clone()));
        // Kill in the middle of the load: once some writes are acknowledged (however slow the
        // machine), and a little later, while more are in flight.
        for _ in 0..600 {
            if acked.lock().unwrap().len() > 4 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let acked = writes.await.unwrap();
        assert!(acked.len() > 4, "the load made progress before the kill: {acked:?}");

        for check in [&["audit", "verify"][..], &["ledger", "check"], &["rollups", "check"]] {
            let out = cli(&url, &data_dir, check);
            assert!(
                out.status.success(),
                "{check:?} after kill -9: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        for a in &acked {
            let (sql, arg) = match a {
                Acked::Enterprise(u) => {
                    ("SELECT COUNT(*) FROM enterprises WHERE uscc = $1", dengta::db::Arg::from(u.as_str()))
                }
                Acked::Assessment(id) => ("SELECT COUNT(*) FROM assessments WHERE id = $1", dengta::db::Arg::from(*id)),
                Acked::Transfer(id) => {
                    ("SELECT COUNT(*) FROM ledger_transfers WHERE id = $1", dengta::db::Arg::from(*id))
                }
                Acked::Evidence(id) => ("SELECT COUNT(*) FROM evidence WHERE id = $1", dengta::db::Arg::from(*id)),
            };
            assert_eq!(db.scalar(sql, vec![arg]).await.unwrap(), 1, "acknowledged {a:?} is present");
        }
        // Every stored evidence content is whole on disk.
        let files: Vec<(String, i64)> = db.fetch_all("SELECT sha256, size FROM files", vec![]).await.unwrap();
        for (sha, size) in files {
            let (a, b) = sha.split_at(2);
            let path = data_dir.join("files").join(a).join(b);
            if let Ok(m) = std::fs::metadata(&path) {
                assert_eq!(m.len() as i64, size, "{sha}");
            }
        }
        db.close().await;
        println!("round {round}: {} acknowledged writes survived kill -9", acked.len());
    }
    // And it serves again.
    let (mut child, base) = serve(&url, &data_dir, false);
    wait_ready(&base).await;
    child.kill().unwrap();
    child.wait().unwrap();
}

on_both_stores!(kill_9_loses_no_acknowledged_write);

// ---- a full disk --------------------------------------------------------------------------------

/// A 1 MiB tmpfs, unmounted when dropped.
struct TinyDisk(tempfile::TempDir);

impl TinyDisk {
    fn mount() -> Option<TinyDisk> {
        if !is_root() {
            println!("SKIPPED: mounting a tiny tmpfs needs root (CI runs as root)");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
            .arg(dir.path())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if !ok {
            println!("SKIPPED: mount -t tmpfs failed here (no CAP_SYS_ADMIN in this container?)");
            return None;
        }
        Some(TinyDisk(dir))
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(self.0.path()).status();
    }
}

async fn upload_bytes(t: &TestApp, tok: &str, project: i64, bytes: Vec<u8>) -> (u16, serde_json::Value) {
    let part = reqwest::multipart::Part::bytes(bytes).file_name("大文件.pdf");
    let res = reqwest::Client::new()
        .post(t.url(&format!("/api/v1/projects/{project}/files?kind=other")))
        .bearer_auth(tok)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    let s = res.status().as_u16();
    (s, res.json().await.unwrap_or(serde_json::Value::Null))
}

/// An upload that fills the disk fails with a clear message and leaves nothing: no evidence
/// row, no file record, no partial file; the next upload that fits succeeds.
async fn disk_full_during_upload_leaves_nothing(store: Store) {
    let Some(disk) = TinyDisk::mount() else { return };
    let data_dir = disk.0.path().display().to_string();
    let t = TestApp::spawn_with(store, move |s| s.data_dir = data_dir).await;
    let f = crate::support::fixture(&t.db()).await;
    let provider = crate::support::token(&t, "demo-provider").await;
    let count = |t: &TestApp| {
        let db = t.db();
        async move {
            let e = db.scalar("SELECT COUNT(*) FROM evidence", vec![]).await.unwrap();
            let fi = db.scalar("SELECT COUNT(*) FROM files", vec![]).await.unwrap();
            (e, fi)
        }
    };
    let before = count(&t).await;
    for _ in 0..iterations(1) {
        let mut big = b"%PDF-1.4\n".to_vec();
        big.resize(3 * 1024 * 1024, b'x');
        let (s, v) = upload_bytes(&t, &provider, f.own_project, big).await;
        assert_eq!((s, v["code"].as_str().unwrap_or("")), (422, "error.storage_full"), "{v}");
        assert!(v["title"].as_str().unwrap().contains("存储空间不足"), "{v}");
        assert_eq!(count(&t).await, before, "nothing recorded");
        let leftovers: Vec<_> = std::fs::read_dir(disk.0.path().join("files"))
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert!(leftovers.is_empty(), "no partial file: {leftovers:?}");
    }
    let (s, v) = upload_bytes(&t, &provider, f.own_project, b"%PDF-1.4\n% fits\n%%EOF\n".to_vec()).await;
    assert_eq!(s, 201, "{v}");
}

on_both_stores!(disk_full_during_upload_leaves_nothing);
