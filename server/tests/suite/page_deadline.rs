//! A page whose render stalls is answered with 503 in time, on the real app.
//!
//! The stall is the real one: Leptos's own switch that leaves every `Resource` first polled
//! while it is on pending forever (what route listing turns on, leptos issue 4773). It is
//! process-wide, so this file holds this one test and runs in a process of its own.

use crate::common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use server::config::Config;

/// What the server logs, kept for the test to read.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Logs;
    fn make_writer(&'a self) -> Logs {
        self.clone()
    }
}

#[tokio::test]
async fn a_page_that_never_finishes_rendering_is_answered_with_503_in_time() {
    let logs = Logs::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(logs.clone())
        .with_ansi(false)
        .finish();
    let _logging = tracing::subscriber::set_default(subscriber);
    let dir = tempfile::tempdir().unwrap();
    let (server, _clock) = common::start_with(Config {
        page_timeout_secs: 1,
        ..common::config(dir.path())
    })
    .await;
    let page = || {
        Request::get("/p/soetp?years=2")
            .header(header::ACCEPT, "text/html")
            .body(Body::empty())
            .unwrap()
    };
    let (status, _, _) = common::send(&server.router, page()).await;
    assert_eq!(status, StatusCode::OK, "the guide renders");

    let stalled = leptos::server::SuppressResourceLoad::new();
    let started = Instant::now();
    let (status, headers, body) = common::send(&server.router, page()).await;
    let took = started.elapsed();
    drop(stalled);

    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(5),
        "{took:?}"
    );
    assert!(body.contains("页面暂时打不开"), "{body}");
    assert!(body.contains(r#"href="/p/soetp?years=2""#), "{body}");
    assert_eq!(headers[header::RETRY_AFTER], "5");
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(
        csp.starts_with("default-src 'none'; style-src 'self'"),
        "{csp}"
    );

    let logged = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    let line = logged
        .lines()
        .find(|l| l.contains("no complete answer in time"))
        .unwrap_or_else(|| panic!("a log line for the 503: {logged}"));
    assert!(
        line.contains(r#"route="/p/{project}""#),
        "the route is named: {line}"
    );

    let (status, _, _) = common::send(&server.router, page()).await;
    assert_eq!(status, StatusCode::OK, "the next render is whole again");
}
