//! The JSON API (`/api/v1`), health checks and the OpenAPI document.

pub mod assessments;
pub mod health;
pub mod openapi;
pub mod pilot;
pub mod pool;
pub mod projects;
pub mod v1;
