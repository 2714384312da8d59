//! Persistence only: the database handle, its one error type, and one repository per store.
//!
//! Every repository method is one atomic operation: it owns its transaction (if it needs one)
//! and no transaction crosses its signature, so the services above hold the rules without
//! seeing a pool or a dialect. One SQL text serves both engines (see [`db`]).

pub mod db;
mod error;
pub mod time;

pub use db::{Db, Engine};
pub use error::StoreError;

pub mod applications;
pub mod bank_checks;
pub mod catalog;
pub mod certificate_actions;
pub mod certificate_orders;
pub mod certificates;
mod codes;
pub mod consents;
pub mod copy;
pub mod erase;
pub mod handoff;
pub mod holds;
pub mod logins;
pub mod lookup;
pub mod materials;
pub mod objects;
pub mod orders;
pub mod outbox;
pub mod payments;
pub mod privacy;
pub mod reminders;
pub mod renewals;
pub mod retention;
pub mod reviewers;
pub mod sandbox;
pub mod sessions;

impl From<StoreError> for app::services::StoreError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Busy => Self::Busy,
            error => {
                tracing::error!(%error, "storage failed");
                Self::Backend(error.to_string())
            }
        }
    }
}
