//! Dengta (灯塔): the platform for China's SME digital-transformation
//! programme, in one binary. Layers point inward: `web` → `app` → `db` →
//! `dengta_domain` (the pure core, its own crate).

pub mod app;
pub mod cli;
pub mod config;
pub mod db;
pub mod server;
pub mod web;
