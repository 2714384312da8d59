//! The console's names for the privacy requests, now [`crate::service::privacy`].

pub use crate::service::privacy::{Completed, Pending, Privacy as SqlPrivacyRequests};
