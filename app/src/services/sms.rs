//! Text messages to applicants.

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::domain::mobile::Mobile;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmsKind {
    LoginCode,
    Notice,
    /// A certificate's expiry is near (`server::service::reminders`).
    Reminder,
}

#[derive(Debug, thiserror::Error)]
#[error("SMS not sent: {0}")]
pub struct SmsError(pub String);

#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait SmsSender: Send + Sync {
    async fn send(&self, to: &Mobile, kind: SmsKind, text: &str) -> Result<(), SmsError>;
}

/// A message kept by the local provider, for `/dev/outbox`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessage {
    pub id: i64,
    pub to: String,
    pub kind: SmsKind,
    pub text: String,
    /// RFC 3339, UTC.
    pub sent_at: String,
}

/// Read access to the local provider's outbox; exists only while that provider is active.
#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait Outbox: Send + Sync {
    async fn recent(&self, limit: u32) -> Result<Vec<OutboxMessage>, SmsError>;
}
