//! The outside parties, each behind the trait the services use, with the local stand-in that
//! the sandbox runs on: SMS, the bank's transfers and statement, the payment provider's
//! cashier, identity checks, the CA's issuing system, and where files are kept.

pub mod bank;
pub mod identity;
pub mod issuer;
pub mod payment_sandbox;
pub mod sms;
pub mod storage;
