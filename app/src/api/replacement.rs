//! 介质补办: the page's data and the server function that makes the replacement order, then
//! sends the browser (or a plain form post) on to the order's materials page. Without
//! JavaScript a refusal is a one-shot message the next page load takes.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::services::replacements::ReplacementPage;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplacementPageData {
    pub page: ReplacementPage,
    /// Why the last plain form post made no order.
    pub refused: Option<String>,
}

#[cfg(feature = "ssr")]
const FLASH_KEY: &str = "replacement_flash";

#[server]
pub async fn load_replacement_page(
    project: String,
    id: i64,
) -> Result<ReplacementPageData, ServerFnError> {
    use super::session::{self, internal};

    let (user, project) = super::apply::ssr::open(&project).await?;
    let page = session::state()
        .replacements
        .page(user, &project.id, id)
        .await
        .map_err(internal)?;
    let refused: Option<String> = session::take(FLASH_KEY).await?;
    Ok(ReplacementPageData { page, refused })
}

/// On success the answer is a redirect to the new order's materials page; otherwise the
/// reason, to show on the page.
#[server]
pub async fn start_replacement(project: String, id: i64) -> Result<Option<String>, ServerFnError> {
    let (user, project) = super::apply::ssr::open(&project).await?;
    match super::session::state()
        .replacements
        .open(user, &project.id, id)
        .await
    {
        Ok(number) => {
            leptos_axum::redirect(
                &crate::paths::request_mount().materials_page(&project.id, &number),
            );
            Ok(None)
        }
        Err(error) => {
            let message = error.to_string();
            if super::session::is_plain_form() {
                super::session::put(FLASH_KEY, &message).await?;
            }
            Ok(Some(message))
        }
    }
}
