//! Server functions, one module per area. Each is thin: read the session, call one service,
//! map the outcome to what the page shows.

pub mod apply;
pub mod auth;
pub mod catalog;
pub mod certificate_actions;
pub mod certificates;
pub mod change;
pub mod consent;
pub mod documents;
pub mod embed;
pub mod identity;
pub mod lookup;
pub mod materials;
pub mod orders;
pub mod outbox;
pub mod payment;
pub mod privacy;
pub mod renewal;
pub mod replacement;
#[cfg(feature = "ssr")]
pub mod session;

pub use catalog::{ProjectSummary, list_projects, project_guide};
