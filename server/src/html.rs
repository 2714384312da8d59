//! Pages the server writes itself, outside the Leptos app (the phone step, the sandbox
//! cashier, the review console, the 503 page): each carries its own policy and is never cached.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

/// `html` as a page with `status`, its Content-Security-Policy `csp` and `no-store`.
pub fn page(status: StatusCode, csp: &str, html: String) -> Response {
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    if let Ok(csp) = HeaderValue::from_str(csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
