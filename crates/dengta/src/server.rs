//! Building and running the HTTP server. Tests call [`Server::build`] with
//! port 0 and an isolated database, exactly as `dengta serve` does.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::app::App;
use crate::config::Settings;
use crate::db::{self, Db};

pub struct Server {
    pub app: App,
    pub addr: SocketAddr,
    listener: TcpListener,
}

impl Server {
    /// Connects to (and migrates) the database and binds the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<Server> {
        let db = Db::connect(&settings.database_url, settings.max_connections).await?;
        db.migrate().await?;
        crate::app::codes::sync_regions(&db).await.map_err(|e| anyhow::anyhow!("loading the region list: {e}"))?;
        db::imports::fail_abandoned(&mut db.clone()).await?;
        let app_for_load = App::new(db.clone(), settings.clone());
        crate::app::assessments::load_published(&app_for_load)
            .await
            .map_err(|e| anyhow::anyhow!("loading published instruments: {e}"))?;
        crate::app::pilot::sync_programmes(&app_for_load)
            .await
            .map_err(|e| anyhow::anyhow!("loading the programme rules: {e}"))?;
        crate::app::dashboard::ensure_built(&db).await.map_err(|e| anyhow::anyhow!("building the dashboards: {e}"))?;
        let listener = TcpListener::bind(&settings.listen).await?;
        let addr = listener.local_addr()?;
        Ok(Server { app: App::new(db, settings), addr, listener })
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let sweeper = tokio::spawn(sweep_sessions(self.app.clone()));
        let router = crate::web::router(self.app.clone());
        // The peer address feeds the per-address rate limits.
        let service = router.into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(self.listener, service).with_graceful_shutdown(shutdown).await?;
        sweeper.abort();
        self.app.db.close().await;
        Ok(())
    }
}

/// Deletes expired sessions every few minutes, and erases personal data
/// past its retention period.
async fn sweep_sessions(app: App) {
    let mut tick = tokio::time::interval(Duration::from_secs(300));
    loop {
        tick.tick().await;
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
