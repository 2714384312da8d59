//! `/dev/outbox`: the messages the local SMS provider "sent", for people and tests.

use leptos::prelude::*;

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
