//! The rules: what may happen, in what order, with which side effects. Services work through
//! the `store` repositories' traits and the outside parties' (`vendor`) traits, never a pool,
//! and implement the traits the app's server functions call (`app::services`).

pub mod applications;
pub mod bank_check;
pub mod certificate_actions;
pub mod certificates;
pub mod changes;
pub mod codes;
pub mod consents;
pub mod erase;
pub mod from_certificate;
pub mod handoff;
pub mod login;
pub mod lookup;
pub mod materials;
pub mod orders;
pub mod orphans;
pub mod payment;
pub mod privacy;
pub mod reminders;
pub mod renewals;
pub mod replacements;
pub mod retention;
pub mod reviewers;
