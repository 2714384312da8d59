//! The embedded flow's two calls: which portal origins may hear from it, and a ticket for
//! 在新窗口中继续.

use leptos::prelude::*;

/// The portal origins `project` may be embedded by (the catalog's `embed.origins`); the page
/// sends its messages only to these and accepts messages only from them.
#[server]
pub async fn embed_origins(project: String) -> Result<Vec<String>, ServerFnError> {
    let state = super::session::state();
    Ok(state
        .catalog
        .project(&project)
        .map(|p| p.embed.origins.clone())
        .unwrap_or_default())
}

/// A one-time ticket carrying this (embedded) login to a new top-level window at the site's
/// version of `path`; `None` when nobody is signed in here, as the window then simply opens
/// the page (which asks for a login).
#[server]
pub async fn start_handover(path: String) -> Result<Option<String>, ServerFnError> {
    use super::session::{self, internal};
    let Some(site_path) = site_path(&path) else {
        return Err(ServerFnError::new("不是本站的办理页面"));
    };
    let Some(user) = session::current_user().await? else {
        return Ok(None);
    };
    let ticket = session::state()
        .login
        .issue_handover(user, &site_path)
        .await
        .map_err(internal)?;
    Ok(Some(ticket))
}

/// `/embed/<project>/…` as the site's `/p/<project>/…`; `None` for anything else.
pub fn site_path(embed_path: &str) -> Option<String> {
    let rest = embed_path.strip_prefix("/embed/")?;
    let safe = !rest.is_empty()
        && !rest.starts_with('/')
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_' | '.'))
        && !rest.contains("//")
        && !rest.contains("..");
    safe.then(|| format!("/p/{rest}"))
}

#[cfg(test)]
mod tests {
    use super::site_path;

    #[test]
    fn only_embed_paths_map_to_the_site() {
        assert_eq!(
            site_path("/embed/soetp/apply/details").as_deref(),
            Some("/p/soetp/apply/details")
        );
        assert_eq!(site_path("/embed/soetp").as_deref(), Some("/p/soetp"));
        assert_eq!(site_path("/p/soetp"), None);
        assert_eq!(site_path("/embed//evil.example"), None);
        assert_eq!(site_path("/embed/../admin"), None);
        assert_eq!(site_path("/embed/soetp?x=//y"), None);
    }
}
