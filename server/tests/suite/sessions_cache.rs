//! What browsers and proxies may keep: nothing that can carry personal data (every HTML page,
//! server-function replies, JSON routes) is stored; static assets keep their caching; and
//! under https the browser is told to use nothing else (HSTS).

use crate::common;

use std::sync::Arc;

use app::api::apply::KeepAlive;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use common::applicant::{OWNER, PROJECT};
use common::browser::Browser;
use leptos::config::LeptosOptions;
use leptos::server_fn::ServerFn;
use server::clock::ManualClock;
use server::config::{CaptchaMode, Config};

const HSTS: &str = "strict-transport-security";

fn config(dir: &std::path::Path) -> Config {
    Config {
        captcha: CaptchaMode::Off,
        ..common::config(dir)
    }
}

fn is_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.to_str().unwrap().starts_with("text/html"))
}

fn cache_control(headers: &HeaderMap) -> &str {
    headers
        .get(header::CACHE_CONTROL)
        .map_or("", |v| v.to_str().unwrap())
}

fn get(path: &str, cookie: Option<&str>) -> Request<Body> {
    let mut request = Request::get(path);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn no_html_page_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let (server, clock) = common::start_with(config(dir.path())).await;
    let pages = common::pages::Site::prepare(&server, &clock).await.pages();
    let mut html = 0;
    for (path, cookie) in pages {
        let (status, headers, _) =
            common::send(&server.router, get(&path, cookie.as_deref())).await;
        if !is_html(&headers) {
            continue;
        }
        html += 1;
        assert!(
            cache_control(&headers).contains("no-store"),
            "{path} ({status}) has Cache-Control {:?}",
            cache_control(&headers)
        );
    }
    assert!(html > 40, "only {html} pages answered HTML");
    server.maintenance.abort();
}

#[tokio::test]
async fn server_function_replies_are_not_stored() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _) = common::start_with(config(dir.path())).await;
    let browser = Browser::new(&server);
    browser.sign_in(OWNER, &[]).await;
    let reply = browser
        .send(
            Request::post(<KeepAlive as ServerFn>::PATH)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ACCEPT, "application/json")
                .body(Body::from(format!("project={PROJECT}")))
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(
        cache_control(&reply.headers).contains("no-store"),
        "{:?}",
        reply.headers
    );
    // A refusal too: it names the page to log in on.
    let visitor = Browser::new(&server);
    let refused = visitor
        .send(
            Request::post(<KeepAlive as ServerFn>::PATH)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ACCEPT, "application/json")
                .body(Body::from(format!("project={PROJECT}")))
                .unwrap(),
        )
        .await;
    assert!(cache_control(&refused.headers).contains("no-store"));
    server.maintenance.abort();
}

#[tokio::test]
async fn static_assets_keep_their_caching() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    std::fs::write(site.join("pkg/cert-portal.js"), "export default 1;").unwrap();
    std::fs::write(site.join("favicon.svg"), "<svg/>").unwrap();
    let options = LeptosOptions::builder()
        .output_name("cert-portal")
        .site_root(site.to_str().unwrap())
        .build();
    let server = server::build_with_clock(
        &config(dir.path()),
        options,
        Arc::new(ManualClock::new(common::START)),
    )
    .await
    .unwrap();
    for path in ["/pkg/cert-portal.js", "/favicon.svg"] {
        let (status, headers, _) = common::send(&server.router, get(path, None)).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(
            !cache_control(&headers).contains("no-store"),
            "{path}: {headers:?}"
        );
    }
    let (status, headers, _) =
        common::send(&server.router, get("/console/console.css", None)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cache_control(&headers), "public, max-age=300");
    // A missing asset is a page like any other.
    let (status, headers, _) = common::send(&server.router, get("/pkg/missing.js", None)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(is_html(&headers), "{headers:?}");
    assert!(cache_control(&headers).contains("no-store"));
    server.maintenance.abort();
}

#[tokio::test]
async fn hsts_only_under_https() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _) = common::start_with(config(dir.path())).await;
    for path in ["/", "/console/login", "/healthz"] {
        let (_, headers, _) = common::send(&server.router, get(path, None)).await;
        assert!(!headers.contains_key(HSTS), "{path} over http: {headers:?}");
    }
    server.maintenance.abort();

    let dir = tempfile::tempdir().unwrap();
    let (server, _) = common::start_with(Config {
        public_url: "https://ca.example.cn".into(),
        ..config(dir.path())
    })
    .await;
    for path in [
        "/",
        "/p/soetp/login",
        "/console/login",
        "/healthz",
        "/no-such",
    ] {
        let (_, headers, _) = common::send(&server.router, get(path, None)).await;
        assert_eq!(
            headers.get(HSTS).map(|v| v.to_str().unwrap()),
            Some("max-age=31536000"),
            "{path}"
        );
    }
    server.maintenance.abort();
}
