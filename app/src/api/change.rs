//! 信息变更: the page's data and the server function that checks the details typed and makes
//! the change order, then sends the browser (or a plain form post) on to the order's materials
//! page. Without JavaScript a refusal comes back as a one-shot message with what was typed.

use std::collections::HashMap;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::services::changes::ChangePage;

/// Why the last post made no order: a message, each field's error, and what was typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeReply {
    pub message: Option<String>,
    pub errors: Vec<(String, String)>,
    pub values: HashMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangePageData {
    pub page: ChangePage,
    pub refused: Option<ChangeReply>,
}

#[cfg(feature = "ssr")]
const FLASH_KEY: &str = "change_flash";

#[server]
pub async fn load_change_page(project: String, id: i64) -> Result<ChangePageData, ServerFnError> {
    use super::session::{self, internal};

    let (user, project) = super::apply::ssr::open(&project).await?;
    let page = session::state()
        .changes
        .page(user, &project.id, id)
        .await
        .map_err(internal)?;
    let refused: Option<ChangeReply> = session::take(FLASH_KEY).await?;
    Ok(ChangePageData { page, refused })
}

/// `values` maps a field id to the text typed, as the form's `values[<id>]` inputs send it.
/// On success the answer is a redirect to the new order's materials page.
#[server]
pub async fn start_change(
    project: String,
    id: i64,
    #[server(default)] values: HashMap<String, String>,
) -> Result<Option<ChangeReply>, ServerFnError> {
    use crate::services::changes::ChangeError;

    let (user, project) = super::apply::ssr::open(&project).await?;
    let reply = match super::session::state()
        .changes
        .open(user, &project.id, id, &values)
        .await
    {
        Ok(number) => {
            leptos_axum::redirect(
                &crate::paths::request_mount().materials_page(&project.id, &number),
            );
            return Ok(None);
        }
        Err(ChangeError::Fields(errors)) => ChangeReply {
            errors,
            values,
            ..ChangeReply::default()
        },
        Err(error) => ChangeReply {
            message: Some(error.to_string()),
            values,
            ..ChangeReply::default()
        },
    };
    if super::session::is_plain_form() {
        super::session::put(FLASH_KEY, &reply).await?;
    }
    Ok(Some(reply))
}
