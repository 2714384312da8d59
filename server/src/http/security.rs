//! Baseline security headers for every response.
//!
//! HTML pages set their own Content-Security-Policy carrying the per-response script nonce
//! (`app::state::set_page_security_headers`); the policy here is the strict default for
//! everything else (JSON, files, errors), applied only where none was set.
//!
//! Around the whole app ([`with_transport_headers`]): what browsers and proxies may keep, and
//! HSTS under https.

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower_http::set_header::SetResponseHeaderLayer;

const DEFAULT_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

const HEADERS: [(HeaderName, &str); 5] = [
    (header::CONTENT_SECURITY_POLICY, DEFAULT_CSP),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    // Handoff links will carry one-time tokens in the path: never leak URLs to other sites.
    (header::REFERRER_POLICY, "same-origin"),
    (
        HeaderName::from_static("permissions-policy"),
        "camera=(self), microphone=(), geolocation=(), payment=()",
    ),
    (
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    ),
];

/// HSTS: a year, the usual minimum; no `includeSubDomains`, as the CA's other hosts are not
/// ours to vouch for.
const HSTS: &str = "max-age=31536000";

/// `Cache-Control` on every answer (see [`no_store`]) and, when `PUBLIC_URL` is https,
/// `Strict-Transport-Security`; outermost, so the console and the 503 page get them too.
pub fn with_transport_headers(router: Router, https: bool) -> Router {
    let router = router.layer(middleware::from_fn(no_store));
    if !https {
        return router;
    }
    router.layer(SetResponseHeaderLayer::overriding(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static(HSTS),
    ))
}

/// Nothing that may carry personal data stays in a browser's cache or a proxy's: every HTML
/// page is `no-store`, and so is any other answer that did not choose its own caching (those
/// that do are the same for everyone: font subsets, the console's stylesheet). The build's
/// static files (`/pkg/…`, the favicon) keep the file server's validators.
async fn no_store(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let asset = path.starts_with("/pkg/") || path == "/favicon.svg";
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if is_html(headers) || (!asset && !headers.contains_key(header::CACHE_CONTROL)) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

fn is_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
}

pub fn with_security_headers(router: Router) -> Router {
    // Innermost, so it sees a page before the strict default below would fill the gap.
    let mut router = router.layer(middleware::from_fn(note_page_without_policy));
    for (name, value) in HEADERS {
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ));
    }
    router
        .layer(middleware::from_fn(deny_framing))
        .layer(middleware::from_fn(refuse_cross_site))
}

/// Logs an HTML response that set no Content-Security-Policy of its own: it gets the strict
/// default, which blocks the page's scripts and styles. Pages set theirs while rendering, so
/// this should never happen; it did while a static file could take a page's headers (see
/// `owner_scope`).
async fn note_page_without_policy(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    if is_html(response.headers())
        && !response
            .headers()
            .contains_key(header::CONTENT_SECURITY_POLICY)
    {
        tracing::warn!(
            path,
            status = response.status().as_u16(),
            "HTML page without its own CSP"
        );
    }
    response
}

/// `X-Frame-Options: DENY` for browsers that predate CSP `frame-ancestors` (old corporate
/// PCs), on everything but the embedded flow, whose pages list their portals in the CSP
/// (`app::state::set_page_security_headers`); the header cannot name an origin. A response
/// that set its own (the review console's PDF scans, framed by the console: `SAMEORIGIN`)
/// keeps it.
async fn deny_framing(request: Request, next: Next) -> Response {
    let embedded = app::paths::Mount::of_path(request.uri().path()) == app::paths::Mount::Embed;
    let mut response = next.run(request).await;
    if !embedded && !response.headers().contains_key(header::X_FRAME_OPTIONS) {
        response
            .headers_mut()
            .insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    response
}

/// Refuses state-changing requests from other sites everywhere. Server functions carry no
/// CSRF token, and the embedded flow's session cookie is SameSite=None, so it would ride along
/// on a forged cross-site post; the browser's `Sec-Fetch-Site`/`Origin` say where it came from.
async fn refuse_cross_site(request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe && is_cross_site(request.headers(), request.uri()) {
        tracing::warn!(path = request.uri().path(), "cross-site request refused");
        let body = serde_json::json!({
            "error": "请求不是从本站页面发出的，已拒绝。请回到本站页面重新操作",
            "code": "cross_site",
        });
        return (StatusCode::FORBIDDEN, axum::Json(body)).into_response();
    }
    next.run(request).await
}

/// How a client wants an answer: the pages' scripts ask for JSON; a plain form (no
/// `application/json` in `Accept`) gets a redirect and a message instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Style {
    Json,
    Form,
}

impl Style {
    pub(crate) fn of(headers: &HeaderMap) -> Self {
        let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
        if accept.is_some_and(|a| a.contains("application/json")) {
            Style::Json
        } else {
            Style::Form
        }
    }
}

/// Whether a state-changing request comes from another site. The upload and handoff routes
/// carry no CSRF token and the session cookie is SameSite=Lax (sent on top-level cross-site
/// form posts), so the browser's `Sec-Fetch-Site` and `Origin` decide; a request with neither
/// (an old browser, a script) is let through, as SameSite already kept its cookie away.
pub(crate) fn is_cross_site(headers: &HeaderMap, uri: &Uri) -> bool {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    if let Some(site) = text(HeaderName::from_static("sec-fetch-site"))
        && !matches!(site, "same-origin" | "none")
    {
        return true;
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return false;
    };
    // HTTP/2 carries the host in the request target rather than a Host header.
    let host = text(header::HOST).or_else(|| uri.authority().map(|a| a.as_str()));
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, host)| host);
    // `Origin: null` (sandboxed frames, some redirects) has no host and is refused too.
    !matches!((origin_host, host), (Some(a), Some(b)) if a.eq_ignore_ascii_case(b))
}
