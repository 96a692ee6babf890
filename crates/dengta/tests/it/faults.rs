//! The fault-and-abuse suite (short form; `scripts/fault/run --long` repeats it with more
//! iterations through `DENGTA_FAULT_ITERATIONS`): slow and idle clients are cut off, the
//! database stopped under load answers 503 with Retry-After and service resumes by itself,
//! `dengta serve` killed with SIGKILL under mixed writes loses no acknowledged write, a full
//! disk during an upload or an import leaves nothing half-written.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{Store, TestApp};

/// How many rounds the long form runs (`scripts/fault/run --long` sets it).
fn iterations(short: usize) -> usize {
    std::env::var("DENGTA_FAULT_ITERATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(short)
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
