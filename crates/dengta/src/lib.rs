//! Dengta (灯塔): the platform for China's SME digital-transformation
//! programme, in one binary. Layers point inward, one crate each, so the
//! compiler keeps the direction: `dengta-web` → `dengta-app` → `dengta-db` →
//! `dengta-domain` (the pure core), with `dengta-i18n` below the app. This
//! crate is the binary: configuration, the command line and the server loop.

pub use dengta_app as app;
pub use dengta_app::config;
pub use dengta_db as db;
pub use dengta_db::args;
pub use dengta_web as web;

pub mod cli;
pub mod server;
