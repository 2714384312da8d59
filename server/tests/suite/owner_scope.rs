//! A static file served while a page is being rendered never takes that page's headers.
//!
//! Leptos makes each page's new root owner the thread's current owner and leaves it there
//! (`Owner::new_root` sets it; nothing puts the previous one back). Its static-file handler
//! then makes `Owner::new()` (a child of whatever is current) and copies the `ResponseOptions`
//! it finds there onto the file's response, taking them: a file served on that thread while
//! the page was still rendering carried off the page's Content-Security-Policy and any
//! redirect's `Location`, and the page went out with neither (seen in the Playwright suite:
//! pages served with the strict non-HTML policy, and a 302 with nowhere to go).

use crate::common;

use std::sync::Arc;

use axum::http::{HeaderValue, StatusCode, header};
use leptos::config::LeptosOptions;
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use server::clock::ManualClock;

#[tokio::test]
async fn a_static_file_never_takes_the_headers_of_a_page_rendered_meanwhile() {
    let dir = tempfile::tempdir().unwrap();
    let site = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(site.path().join("pkg")).unwrap();
    std::fs::write(site.path().join("pkg/cert-portal.css"), "body{}").unwrap();
    let options = LeptosOptions::builder()
        .output_name("cert-portal")
        .site_root(site.path().to_str().unwrap())
        .build();
    let server = server::build_with_clock(
        &common::config(dir.path()),
        options,
        Arc::new(ManualClock::new(common::START)),
    )
    .await
    .unwrap();

    // A page being rendered on this thread, as Leptos leaves it: its root is the thread's
    // current owner, and its response options hold headers not sent yet.
    let page = Owner::new_root(None);
    let pending = ResponseOptions::default();
    pending.insert_header(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("the page's own policy"),
    );
    pending.insert_header(header::LOCATION, HeaderValue::from_static("/elsewhere"));
    page.with(|| provide_context(pending.clone()));

    let (status, headers, body) = common::get(&server, "/pkg/cert-portal.css").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "body{}"));
    assert!(headers.get(header::LOCATION).is_none(), "{headers:?}");
    assert_ne!(
        headers[header::CONTENT_SECURITY_POLICY],
        "the page's own policy"
    );
    let kept = &pending.0.read().unwrap().headers;
    assert!(
        kept.contains_key(header::CONTENT_SECURITY_POLICY) && kept.contains_key(header::LOCATION),
        "the page keeps its headers: {kept:?}"
    );
}
