//! 介质补办: the page's data and the server function that makes the replacement order, then
//! sends the browser (or a plain form post) on to the order's materials page.

use leptos::prelude::*;

use crate::services::replacements::ReplacementPage;

#[server]
pub async fn load_replacement_page(
    project: String,
    id: i64,
) -> Result<ReplacementPage, ServerFnError> {
    use super::session::{self, internal};

    let (user, project) = super::apply::ssr::open(&project).await?;
    session::state()
        .replacements
        .page(user, &project.id, id)
        .await
        .map_err(internal)
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
        Err(error) => Ok(Some(error.to_string())),
    }
}
