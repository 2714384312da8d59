//! Pages the server writes itself, outside the Leptos app (the phone step, the sandbox
//! cashier, the review console, the 503 page): one document shell, each page's own policy,
//! never cached, never indexed.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use leptos::prelude::*;

/// What differs between the server's own pages in their `<head>`.
pub struct Head<'a> {
    /// The whole title, site name included.
    pub title: &'a str,
    pub stylesheet: &'a str,
    /// A module script, for the one page that has any (the phone step).
    pub script: Option<&'a str>,
}

/// Present in a request's context while `SANDBOX=on` (see `owner_scope`): every page then
/// says it is a demonstration.
#[derive(Clone, Copy, Debug)]
pub struct Sandbox;

/// The HTML document around `body` (which brings its own header and `<main>`).
pub fn document(head: Head<'_>, body_class: Option<&str>, body: AnyView) -> String {
    let title = head.title.to_owned();
    let stylesheet = head.stylesheet.to_owned();
    let script = head
        .script
        .map(|src| view! { <script type="module" src=src.to_owned()></script> });
    let body_class = body_class.map(str::to_owned);
    let html = Owner::new().with(|| {
        let banner = use_context::<Sandbox>().map(|_| {
            view! {
                <div class="app-sandbox-banner" role="note">
                    <div class="app-width">
                        <strong class="app-sandbox-banner__tag">"演示环境"</strong>
                        " 本站只用于演示和测试：短信不会发出，付款不会扣钱，身份核验不作数。请不要填写真实信息。"
                    </div>
                </div>
            }
        });
        view! {
            <html lang="zh-CN">
                <head>
                    <meta charset="utf-8" />
                    <meta name="viewport" content="width=device-width, initial-scale=1" />
                    <meta name="format-detection" content="telephone=no" />
                    // Not no-referrer: then a form posts `Origin: null`, which the site-wide
                    // same-origin check refuses.
                    <meta name="referrer" content="same-origin" />
                    <meta name="robots" content="noindex" />
                    <title>{title}</title>
                    <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                    <link rel="stylesheet" href=stylesheet />
                    {script}
                </head>
                <body class=body_class>{banner}{body}</body>
            </html>
        }
        .to_html()
    });
    format!("<!DOCTYPE html>{html}")
}

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
