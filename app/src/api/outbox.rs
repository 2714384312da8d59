//! `/dev/outbox`: the messages the local SMS provider "sent", for people and tests; sandbox only.

use leptos::prelude::*;

use crate::services::bank_check::StatementLine;
use crate::services::sms::OutboxMessage;

/// `None`, answered as 404, outside the sandbox: the page then does not exist.
#[server]
pub async fn outbox_messages() -> Result<Option<Vec<OutboxMessage>>, ServerFnError> {
    use super::session::{internal, state};
    match &state().outbox {
        Some(outbox) => Ok(Some(outbox.recent(50).await.map_err(internal)?)),
        None => Ok(not_found()),
    }
}

/// The local bank provider's simulated statement (the financial check's 0.01-yuan transfers
/// and their memos); `None`, answered as 404, outside the sandbox.
#[server]
pub async fn bank_statement() -> Result<Option<Vec<StatementLine>>, ServerFnError> {
    use super::session::{internal, state};
    match &state().statements {
        Some(statements) => Ok(Some(statements.recent(50).await.map_err(internal)?)),
        None => Ok(not_found()),
    }
}

/// Marks the answer 404, for a script that probes the sandbox's functions.
#[cfg(feature = "ssr")]
fn not_found<T>() -> Option<T> {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    None
}
