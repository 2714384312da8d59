//! Live-progress streams (`…/handoff/events`) are bounded: a few per applicant at once, and
//! all of them end when the server shuts down, which then finishes within its drain limit
//! even with an upload still trickling in.

use crate::common;

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{Request, StatusCode, header};
use common::applicant::{self, OWNER, PROJECT};
use common::browser::Browser;
use common::net::{self, read_to_close, read_until, trickle};
use http_body_util::BodyExt;
use serde_json::Value;
use server::config::{CaptchaMode, Config};
use server::http::serve::Limits;
use tokio::io::AsyncWriteExt;
use tower::ServiceExt;

const OTHER: &str = "13912345678";

struct Rig {
    _dir: tempfile::TempDir,
    server: server::Server,
}

async fn rig() -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        captcha: CaptchaMode::Off,
        ..common::config(dir.path())
    };
    let (server, _clock) = common::start_with(config).await;
    Rig { _dir: dir, server }
}

/// A signed-in applicant with a submitted application: the browser and the number.
async fn applicant<'a>(rig: &'a Rig, mobile: &str) -> (Browser<'a>, String) {
    let browser = Browser::new(&rig.server);
    browser.sign_in(mobile, &[]).await;
    let number = applicant::submit(&rig.server, mobile, &[]).await;
    (browser, number)
}

fn events_path(number: &str) -> String {
    format!("/p/{PROJECT}/applications/{number}/handoff/events")
}

/// Opens the event stream: the answer, its body still streaming when it is 200.
async fn open(rig: &Rig, browser: &Browser<'_>, number: &str) -> axum::response::Response {
    let request = Request::get(events_path(number))
        .header(header::ACCEPT, "text/event-stream")
        .header(header::COOKIE, browser.cookie_header().unwrap())
        .body(Body::empty())
        .unwrap();
    rig.server
        .router
        .clone()
        .layer(MockConnectInfo(common::client_addr()))
        .oneshot(request)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_applicant_has_at_most_four_progress_streams_open_at_once() {
    let rig = rig().await;
    let (browser, number) = applicant(&rig, OWNER).await;

    let mut open_streams = Vec::new();
    for _ in 0..4 {
        let response = open(&rig, &browser, &number).await;
        assert_eq!(response.status(), StatusCode::OK);
        open_streams.push(response);
    }
    let refused = open(&rig, &browser, &number).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().contains_key(header::RETRY_AFTER));
    let body = refused.into_body().collect().await.unwrap().to_bytes();
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["code"], "too_many_streams");
    assert!(body["error"].as_str().unwrap().contains("窗口"), "{body}");

    // Someone else is not affected.
    let (other, other_number) = applicant(&rig, OTHER).await;
    assert_eq!(
        open(&rig, &other, &other_number).await.status(),
        StatusCode::OK
    );

    // A closed tab gives its place back.
    open_streams.pop();
    assert_eq!(open(&rig, &browser, &number).await.status(), StatusCode::OK);
}

/// The limits for these tests: `drain` after shutdown, the rest as in production.
fn limits(drain: Duration) -> Limits {
    Limits {
        drain,
        ..Limits::with_max_connections(16)
    }
}

#[tokio::test]
async fn on_shutdown_open_streams_end_and_the_server_stops_well_within_the_drain() {
    let rig = rig().await;
    let (browser, number) = applicant(&rig, OWNER).await;
    let serving = net::serve(&rig.server, limits(Duration::from_secs(8))).await;

    let mut stream = serving.connect().await;
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: portal.test\r\nAccept: text/event-stream\r\nCookie: {}\r\n\r\n",
        events_path(&number),
        browser.cookie_header().unwrap()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    read_until(&mut stream, "event: progress", Duration::from_secs(10)).await;

    let started = Instant::now();
    serving.shutdown.cancel();
    // The stream's body ends (the chunked terminator) and the connection closes.
    let rest = read_to_close(&mut stream, Duration::from_secs(3)).await;
    assert!(rest.ends_with("0\r\n\r\n"), "{rest:?}");
    let stopped = serving.stop_within(Duration::from_secs(3)).await;
    assert!(started.elapsed() < Duration::from_secs(3), "{stopped:?}");
}

#[tokio::test]
async fn the_drain_is_capped_even_with_an_upload_still_arriving() {
    let rig = rig().await;
    let (browser, number) = applicant(&rig, OWNER).await;
    let serving = net::serve(&rig.server, limits(Duration::from_secs(1))).await;

    let head = format!(
        "POST /p/{PROJECT}/applications/{number}/materials/business_license HTTP/1.1\r\n\
         Host: portal.test\r\nOrigin: http://portal.test\r\nSec-Fetch-Site: same-origin\r\n\
         Accept: application/json\r\nCookie: {}\r\n\
         Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 100000\r\n\r\n\
         --x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n",
        browser.cookie_header().unwrap()
    );
    let (mut reader, mut writer) = serving.connect().await.into_split();
    writer.write_all(head.as_bytes()).await.unwrap();
    let slow =
        tokio::spawn(
            async move { trickle(&mut writer, &[0x89; 200], Duration::from_millis(50)).await },
        );
    // The upload is being read (its limit is five minutes) when the server is told to stop.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stopped = serving.stop_within(Duration::from_secs(3)).await;
    assert!(
        (Duration::from_millis(900)..Duration::from_secs(2)).contains(&stopped),
        "{stopped:?}"
    );
    read_to_close(&mut reader, Duration::from_secs(2)).await;
    slow.abort();
}
