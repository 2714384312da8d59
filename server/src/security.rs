//! Baseline security headers for every response.
//!
//! HTML pages set their own Content-Security-Policy carrying the per-response script nonce
//! (`app::state::set_page_security_headers`); the policy here is the strict default for
//! everything else (JSON, files, errors), applied only where none was set.

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

const DEFAULT_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

const HEADERS: [(HeaderName, &str); 6] = [
    (header::CONTENT_SECURITY_POLICY, DEFAULT_CSP),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    // Handoff links will carry one-time tokens in the path: never leak URLs to other sites.
    (header::REFERRER_POLICY, "same-origin"),
    // For browsers that predate CSP frame-ancestors (old corporate PCs).
    (header::X_FRAME_OPTIONS, "DENY"),
    (
        HeaderName::from_static("permissions-policy"),
        "camera=(self), microphone=(), geolocation=(), payment=()",
    ),
    (
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    ),
];

pub fn with_security_headers(mut router: Router) -> Router {
    for (name, value) in HEADERS {
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ));
    }
    router
}
