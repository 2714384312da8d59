//! The agreements to accept before applying (协议).

use std::collections::HashMap;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::services::consent::Agreement;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentPage {
    pub agreements: Vec<Agreement>,
    /// Ids of the agreements not ticked on the last try, to mark them.
    pub missing: Vec<String>,
}

#[cfg(feature = "ssr")]
const FLASH_KEY: &str = "consent_missing";

#[server]
pub async fn load_consent_page(project: String) -> Result<ConsentPage, ServerFnError> {
    use super::session;
    session::require_user(&project).await?;
    let missing: Option<Vec<String>> = session::take(FLASH_KEY).await?;
    Ok(ConsentPage {
        agreements: session::state().agreements.for_project(&project),
        missing: missing.unwrap_or_default(),
    })
}

/// `accept` maps an agreement id to `"true"` for each ticked box. Returns the ids still
/// missing; with none missing, records the acceptances and moves on.
#[server]
pub async fn accept_agreements(
    project: String,
    #[server(default)] accept: HashMap<String, String>,
) -> Result<Vec<String>, ServerFnError> {
    use super::session::{self, internal};
    use crate::services::consent::Acceptance;

    let user = session::require_user(&project).await?;
    let state = session::state();
    let agreements = state.agreements.for_project(&project);
    let missing: Vec<String> = agreements
        .iter()
        .filter(|a| accept.get(&a.id).map(String::as_str) != Some("true"))
        .map(|a| a.id.clone())
        .collect();
    if !missing.is_empty() {
        if session::is_plain_form() {
            session::put(FLASH_KEY, &missing).await?;
        }
        return Ok(missing);
    }
    let accepted: Vec<Acceptance> = agreements
        .iter()
        .map(|a| Acceptance {
            document: a.id.clone(),
            version: a.version.clone(),
        })
        .collect();
    let ip = session::client_ip().await?;
    state
        .consents
        .record(user, &accepted, ip)
        .await
        .map_err(internal)?;
    leptos_axum::redirect(&super::auth::ssr::next_page(user, &project).await?);
    Ok(Vec::new())
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use leptos::prelude::ServerFnError;

    use crate::api::session::{internal, state};
    use crate::services::login::UserId;

    /// Whether `user` accepted the current version of every agreement `project` asks for.
    pub async fn has_accepted_all(user: UserId, project: &str) -> Result<bool, ServerFnError> {
        let state = state();
        let accepted = state.consents.accepted(user).await.map_err(internal)?;
        Ok(state.agreements.for_project(project).iter().all(|a| {
            accepted
                .iter()
                .any(|x| x.document == a.id && x.version == a.version)
        }))
    }
}
