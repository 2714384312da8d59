//! `/dev/outbox`: the messages the local SMS provider "sent", for people and tests.

use leptos::prelude::*;

use crate::services::bank_check::StatementLine;
use crate::services::sms::OutboxMessage;

/// `None` when a real SMS provider is configured: the page then does not exist.
#[server]
pub async fn outbox_messages() -> Result<Option<Vec<OutboxMessage>>, ServerFnError> {
    use super::session::{internal, state};
    match &state().outbox {
        Some(outbox) => Ok(Some(outbox.recent(50).await.map_err(internal)?)),
        None => Ok(None),
    }
}

/// The local bank provider's simulated statement (the financial check's 0.01-yuan transfers
/// and their memos); `None` when a real bank provider is configured.
#[server]
pub async fn bank_statement() -> Result<Option<Vec<StatementLine>>, ServerFnError> {
    use super::session::{internal, state};
    match &state().statements {
        Some(statements) => Ok(Some(statements.recent(50).await.map_err(internal)?)),
        None => Ok(None),
    }
}
