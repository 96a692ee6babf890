//! Building and running the HTTP server. Tests call [`Server::build`] with
//! port 0 and an isolated database, exactly as `dengta serve` does.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;
use tower_http::timeout::TimeoutBody;

use crate::app::App;
use crate::config::{ServerSettings, Settings};
use crate::db::{self, Db};

pub struct Server {
    pub app: App,
    pub addr: SocketAddr,
    listener: TcpListener,
}

impl Server {
    /// Connects to (and migrates) the database and binds the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<Server> {
        let acquire = Duration::from_millis(settings.database_acquire_timeout_ms);
        let db = Db::connect_with(&settings.database_url, settings.max_connections, acquire).await?;
        db.migrate_with(settings.database_migration_lock).await?;
        crate::app::codes::sync_regions(&db).await.map_err(|e| anyhow::anyhow!("loading the region list: {e}"))?;
        db::imports::fail_abandoned(&mut db.clone()).await?;
        let app_for_load = App::new(db.clone(), settings.clone());
        crate::app::assessments::load_published(&app_for_load)
            .await
            .map_err(|e| anyhow::anyhow!("loading published instruments: {e}"))?;
        crate::app::programmes::sync_programmes(&app_for_load)
            .await
            .map_err(|e| anyhow::anyhow!("loading the programme rules: {e}"))?;
        crate::app::dashboard::ensure_built(&db).await.map_err(|e| anyhow::anyhow!("building the dashboards: {e}"))?;
        crate::app::outbound::publish_channels(&db, &settings)
            .await
            .map_err(|e| anyhow::anyhow!("recording the mail and SMS channels: {e}"))?;
        let replica = if settings.database_replica_url.is_empty() {
            None
        } else if !(settings.database_url.starts_with("postgres")
            && settings.database_replica_url.starts_with("postgres"))
        {
            anyhow::bail!("database_replica_url: a replica is a PostgreSQL streaming replica of a PostgreSQL primary");
        } else {
            // Not migrated: a replica follows the primary's schema.
            let r = Db::connect_with(&settings.database_replica_url, settings.max_connections, acquire).await?;
            Some(Arc::new(crate::app::replica::Replica::new(r, settings.database_replica_max_lag_ms)))
        };
        let listener = TcpListener::bind(&settings.listen).await?;
        let addr = listener.local_addr()?;
        let mut app = App::new(db, settings);
        app.replica = replica;
        Ok(Server { app, addr, listener })
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let sweeper = tokio::spawn(sweep_sessions(self.app.clone()));
        let webhooks = tokio::spawn(crate::app::webhooks::run(self.app.clone()));
        let follower = tokio::spawn(crate::app::replica::follow(self.app.clone()));
        // Mail and SMS: a worker only when a channel is on (the default is neither).
        let s = &self.app.settings;
        let outbound =
            (s.mail.enabled || s.sms.enabled).then(|| tokio::spawn(crate::app::outbound::run(self.app.clone())));
        let router = crate::web::router(self.app.clone());
        serve(self.listener, router, &self.app.settings.server, shutdown).await;
        sweeper.abort();
        crate::app::leases::release_all(&self.app, &[SWEEP_LEASE]).await;
        webhooks.abort();
        follower.abort();
        if let Some(o) = outbound {
            o.abort();
        }
        self.app.db.close().await;
        Ok(())
    }
}

/// The connection loop. Unlike a bare `axum::serve` it bounds what one client can hold:
/// headers must arrive within `header_read_timeout_secs` (a slowloris, or a kept-alive
/// connection with no next request, is closed), a connection where nothing moves for
/// `idle_timeout_secs` while no request is being handled is closed, a request body that stalls
/// for `body_read_timeout_secs` fails, and at most `max_open_connections` are open at once.
async fn serve(
    listener: TcpListener,
    router: Router,
    limits: &ServerSettings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(limits.header_read_timeout_secs))
        .keep_alive(true);
    let idle = Duration::from_secs(limits.idle_timeout_secs);
    let body_timeout = Duration::from_secs(limits.body_read_timeout_secs);
    let permits = Arc::new(Semaphore::new(limits.max_open_connections));
    // `stop` tells connections to finish their request and close; every connection holds a
    // `done` receiver, so `done_tx.closed()` resolves when the last one is gone.
    let (stop_tx, stop_rx) = watch::channel(false);
    let (done_tx, done_rx) = watch::channel(());
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            _ = &mut shutdown => break,
        };
        let (stream, addr) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let activity = Arc::new(Activity::default());
        let io = TokioIo::new(Tracked { inner: stream, activity: activity.clone() });
        let (router, busy) = (router.clone(), activity.clone());
        let svc = tower::service_fn(move |req: axum::http::Request<hyper::body::Incoming>| {
            let (router, busy) = (router.clone(), busy.clone());
            let mut req = req.map(|b| axum::body::Body::new(TimeoutBody::new(body_timeout, b)));
            req.extensions_mut().insert(ConnectInfo(addr));
            async move {
                let _busy = busy.begin();
                router.oneshot(req).await
            }
        });
        let conn = http.serve_connection(io, hyper_util::service::TowerToHyperService::new(svc));
        let (mut stop, done) = (stop_rx.clone(), done_rx.clone());
        tokio::spawn(async move {
            let _held = (permit, done);
            tokio::pin!(conn);
            let mut stopping = false;
            loop {
                tokio::select! {
                    r = conn.as_mut() => {
                        if let Err(e) = r {
                            tracing::debug!(error = %e, "connection ended with an error");
                        }
                        break;
                    }
                    _ = stop.changed(), if !stopping => {
                        stopping = true;
                        conn.as_mut().graceful_shutdown();
                    }
                    _ = tokio::time::sleep(activity.idle_left(idle)) => {
                        if activity.idle_left(idle).is_zero() {
                            // Dropping the connection closes the socket.
                            tracing::debug!(%addr, "closing an idle connection");
                            break;
                        }
                    }
                }
            }
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    drop(done_rx);
    done_tx.closed().await;
}

/// When bytes last moved on a connection and how many requests it is handling.
struct Activity {
    start: Instant,
    last_ms: AtomicU64,
    in_flight: AtomicUsize,
}

impl Default for Activity {
    fn default() -> Self {
        Activity { start: Instant::now(), last_ms: AtomicU64::new(0), in_flight: AtomicUsize::new(0) }
    }
}

impl Activity {
    fn touch(&self) {
        self.last_ms.store(self.start.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    /// How long until the connection counts as idle; a request being handled is never idle.
    fn idle_left(&self, idle: Duration) -> Duration {
        if self.in_flight.load(Ordering::Relaxed) > 0 {
            return idle;
        }
        let quiet = self.start.elapsed().saturating_sub(Duration::from_millis(self.last_ms.load(Ordering::Relaxed)));
        idle.saturating_sub(quiet)
    }

    fn begin(self: &Arc<Self>) -> Busy {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        Busy(self.clone())
    }
}

struct Busy(Arc<Activity>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.touch();
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A socket that notes every byte read or written.
struct Tracked {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Tracked {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.touch();
        }
        r
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        r
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The lease under which one server of a database runs the sweep.
const SWEEP_LEASE: &str = "sweep";

/// Deletes expired sessions every few minutes, and erases personal data
/// past its retention period: on one server at a time (see `app::leases`).
async fn sweep_sessions(app: App) {
    let every = Duration::from_secs(300);
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        // Held across two rounds, so the holder renews it before it runs out.
        match crate::app::leases::hold(&app, SWEEP_LEASE, 2 * every.as_millis() as i64).await {
            Ok(true) => {}
            Ok(false) => continue,
            Err(e) => {
                tracing::warn!(error = %e, "taking the sweep lease failed");
                continue;
            }
        }
        let now = db::now_ms();
        let idle = now - app.settings.session.idle_minutes * 60_000;
        let mut conn = app.db.clone();
        if let Err(e) = db::sessions::purge_expired(&mut conn, now, idle).await {
            tracing::warn!(error = %e, "session sweep failed");
        }
        if let Err(e) = db::totp::purge_challenges(&mut conn, now).await {
            tracing::warn!(error = %e, "pending-login sweep failed");
        }
        if let Err(e) = crate::app::enterprises::purge_personal_data(&app).await {
            tracing::warn!(error = %e, "personal-data retention sweep failed");
        }
        // Raw device readings past equipment.raw_retention_days; the hourly and daily sums stay.
        if let Err(e) = crate::app::equipment::purge_raw(&app).await {
            tracing::warn!(error = %e, "device-reading retention sweep failed");
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
