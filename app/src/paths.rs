//! Where the application flow is mounted: `/p/<project>/…` on this site, `/embed/<project>/…`
//! inside a trading platform's iframe (no site header or footer, framable by that project's
//! portals only). The pages are the same; every link and redirect keeps to the mount the
//! applicant is in, so an embedded flow never jumps to a page that refuses to be framed.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mount {
    Site,
    Embed,
}

impl Mount {
    pub fn of_path(path: &str) -> Mount {
        if path == "/embed" || path.starts_with("/embed/") {
            Mount::Embed
        } else {
            Mount::Site
        }
    }

    pub fn prefix(self) -> &'static str {
        match self {
            Mount::Site => "/p",
            Mount::Embed => "/embed",
        }
    }

    /// `/p/<project>` or `/embed/<project>`; append the rest of the path.
    pub fn project(self, project: &str) -> String {
        format!("{}/{project}", self.prefix())
    }

    /// The application's materials page. On the site it is also where the upload routes live
    /// (`…/materials/<slot>`), whichever mount the page is shown in.
    pub fn materials_page(self, project: &str, number: &str) -> String {
        format!("{}/applications/{number}/materials", self.project(project))
    }

    /// The application's identity (phone hand-off) page.
    pub fn identity_page(self, project: &str, number: &str) -> String {
        format!("{}/applications/{number}/identity", self.project(project))
    }

    /// The application's pay page.
    pub fn pay_page(self, project: &str, number: &str) -> String {
        format!("{}/applications/{number}/pay", self.project(project))
    }
}

/// The project id of an `/embed/<project>/…` path.
pub fn embedded_project(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/embed/")?;
    let id = rest.split(['/', '?', '#']).next()?;
    (!id.is_empty()).then_some(id)
}

/// The mount of the page being shown, from the router's location.
pub fn use_mount() -> Mount {
    use leptos::prelude::*;
    let location = leptos_router::hooks::use_location();
    Mount::of_path(&location.pathname.get_untracked())
}

/// In a server function or server rendering: the mount of the page the request is for, or
/// for a server-function call the page that made it. Same-origin requests carry the full
/// `Referer` (the site's Referrer-Policy is `same-origin`).
#[cfg(feature = "ssr")]
pub fn request_mount() -> Mount {
    use leptos::prelude::use_context;
    let Some(parts) = use_context::<http::request::Parts>() else {
        return Mount::Site;
    };
    let path = parts.uri.path();
    if !path.starts_with("/api/") {
        return Mount::of_path(path);
    }
    parts
        .headers
        .get(http::header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|referer| referer.split_once("://"))
        .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
        .map_or(Mount::Site, Mount::of_path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mount_follows_the_first_segment() {
        assert_eq!(Mount::of_path("/embed/soetp/apply/choose"), Mount::Embed);
        assert_eq!(Mount::of_path("/embed"), Mount::Embed);
        assert_eq!(Mount::of_path("/embedded/soetp"), Mount::Site);
        assert_eq!(Mount::of_path("/p/soetp"), Mount::Site);
        assert_eq!(Mount::Embed.project("soetp"), "/embed/soetp");
        assert_eq!(
            embedded_project("/embed/ccgp-liaoning/login"),
            Some("ccgp-liaoning")
        );
        assert_eq!(embedded_project("/embed/soetp"), Some("soetp"));
        assert_eq!(embedded_project("/embed/"), None);
        assert_eq!(embedded_project("/p/soetp"), None);
    }
}
