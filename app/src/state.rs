//! Server-side state the server functions reach through Leptos context (ssr only).

use std::sync::Arc;

use leptos::prelude::*;

use crate::domain::catalog::Project;

/// What every request may use; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub catalog: Arc<Catalog>,
}

/// The projects an operator configured, in the order they were listed.
#[derive(Debug, Default)]
pub struct Catalog {
    projects: Vec<Project>,
}

impl Catalog {
    pub fn new(projects: Vec<Project>) -> Self {
        Self { projects }
    }

    pub fn project(&self, id: &str) -> Option<&Project> {
        self.projects.iter().find(|p| p.id == id)
    }

    pub fn projects(&self) -> &[Project] {
        &self.projects
    }
}

/// Sets the page's Content-Security-Policy with this response's script nonce.
///
/// Leptos marks its inline hydration and streaming scripts with the nonce, so inline scripts
/// from anywhere else are refused. Non-HTML responses get a stricter default from the server.
pub fn set_page_security_headers() {
    use http::{HeaderValue, header::CONTENT_SECURITY_POLICY};
    use leptos::nonce::use_nonce;
    use leptos_axum::ResponseOptions;

    let (Some(nonce), Some(response)) = (use_nonce(), use_context::<ResponseOptions>()) else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response.insert_header(CONTENT_SECURITY_POLICY, value);
    }
}
