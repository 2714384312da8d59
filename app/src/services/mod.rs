//! What server functions may call, declared as traits here and implemented by the `server`
//! crate, so database and vendor crates never reach the wasm bundle and a real vendor is one
//! more implementation. The traits exist only in the server build; the data they exchange is
//! shared with the browser.

pub mod applications;
pub mod bank_check;
pub mod certificate_actions;
pub mod certificates;
pub mod changes;
pub mod codes;
pub mod consent;
pub mod documents;
pub mod handoff;
pub mod login;
pub mod lookup;
pub mod materials;
pub mod orders;
pub mod payment;
pub mod privacy;
pub mod renewals;
pub mod replacements;
pub mod sms;

/// A storage failure; details go to the server log, the applicant sees a generic message.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no open draft to submit")]
    NoDraft,
    /// The draft was submitted as this application; it can no longer change.
    #[error("already submitted as {0}")]
    Submitted(String),
    /// Too many writers at once, even after retries: the caller may say "try again shortly".
    #[error("the database is busy")]
    Busy,
    #[error("storage error: {0}")]
    Backend(String),
}
