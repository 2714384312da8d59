//! Connection-level limits of the real server on a loopback port: clients that send their
//! headers byte by byte, send nothing at all, trickle an upload's body, or arrive when every
//! place is taken are all cut off within their limits, while ordinary HTTP/1 and HTTP/2
//! requests are answered with the client's address known.

use crate::common;

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::applicant::{self, OWNER};
use common::browser::Browser;
use common::net::{self, read_to_close, read_until, trickle, within};
use http_body_util::BodyExt;
use hyper_util::rt::{TokioExecutor, TokioIo};
use server::config::{CaptchaMode, Config};
use server::http::serve::Limits;
use tokio::io::AsyncWriteExt;

struct Rig {
    _dir: tempfile::TempDir,
    server: server::Server,
}

async fn rig(tune: impl FnOnce(&mut Config)) -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config {
        captcha: CaptchaMode::Off,
        ..common::config(dir.path())
    };
    tune(&mut config);
    let (server, _clock) = common::start_with(config).await;
    Rig { _dir: dir, server }
}

fn limits() -> Limits {
    Limits {
        header_read: Duration::from_secs(1),
        ..Limits::with_max_connections(16)
    }
}

#[tokio::test]
async fn a_client_sending_its_headers_byte_by_byte_is_cut_off() {
    let rig = rig(|_| {}).await;
    let serving = net::serve(&rig.server, limits()).await;
    let (mut reader, mut writer) = serving.connect().await.into_split();

    let started = Instant::now();
    // Sixty bytes a tenth of a second apart: six seconds of headers that never end.
    let headers = format!(
        "GET /healthz HTTP/1.1\r\nHost: portal.test\r\nX-Slow: {}",
        "a".repeat(20)
    );
    let slow = tokio::spawn(async move {
        trickle(&mut writer, headers.as_bytes(), Duration::from_millis(100)).await
    });
    read_to_close(&mut reader, Duration::from_secs(4)).await;
    let took = started.elapsed();
    assert!(took < Duration::from_millis(2500), "{took:?}");
    // Cut off mid-header, not after the client gave up.
    assert!(!slow.is_finished());
    slow.abort();
    serving.stop_within(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed() {
    let rig = rig(|_| {}).await;
    let serving = net::serve(&rig.server, limits()).await;

    let mut silent = serving.connect().await;
    let started = Instant::now();
    assert_eq!(read_to_close(&mut silent, Duration::from_secs(4)).await, "");
    assert!(started.elapsed() >= Duration::from_millis(900));

    // An idle keep-alive connection too, after its answer.
    let mut idle = serving.connect().await;
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: portal.test\r\n\r\n")
        .await
        .unwrap();
    read_until(&mut idle, "200 OK", Duration::from_secs(5)).await;
    read_to_close(&mut idle, Duration::from_secs(4)).await;
    serving.stop_within(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn connections_over_the_cap_wait_briefly_then_are_closed() {
    let rig = rig(|_| {}).await;
    let limits = Limits {
        header_read: Duration::from_secs(10),
        queue_wait: Duration::from_millis(500),
        ..Limits::with_max_connections(2)
    };
    let serving = net::serve(&rig.server, limits).await;

    // Two clients hold both places.
    let first = serving.connect().await;
    let _second = serving.connect().await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    // A third is accepted by the kernel but never answered, and closed after the wait.
    let started = Instant::now();
    let answer = net::get(&serving, "/healthz").await;
    assert_eq!(answer, "", "over the cap, yet answered");
    let waited = started.elapsed();
    assert!(
        (Duration::from_millis(400)..Duration::from_secs(3)).contains(&waited),
        "{waited:?}"
    );

    // Once a place is free the next is served.
    drop(first);
    let answer = net::get(&serving, "/healthz").await;
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    serving.stop_within(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn http1_and_http2_are_answered_and_know_the_client_address() {
    let rig = rig(|_| {}).await;
    let serving = net::serve(&rig.server, limits()).await;

    let answer = net::get(&serving, "/healthz").await;
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");

    // The short-code limit needs the client's address: no address, no 404 but a 500.
    let mut stream = serving.connect().await;
    let body = r#"{"code": "000000"}"#;
    let request = format!(
        "POST /m/code HTTP/1.1\r\nHost: portal.test\r\nOrigin: http://portal.test\r\n\
         Content-Type: application/json\r\nAccept: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let answer = read_to_close(&mut stream, Duration::from_secs(10)).await;
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    assert!(answer.contains("code_unknown"), "{answer}");

    // HTTP/2 with prior knowledge, as behind a proxy that speaks it in the clear.
    let stream = serving.connect().await;
    let (mut sender, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .unwrap();
    let driver = tokio::spawn(connection);
    let request = Request::get(format!("http://{}/healthz", serving.addr))
        .body(Body::empty())
        .unwrap();
    let response = within(
        Duration::from_secs(10),
        "an HTTP/2 answer",
        sender.send_request(request),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.version(), axum::http::Version::HTTP_2);
    response.into_body().collect().await.unwrap();
    drop(sender);
    driver.abort();
    serving.stop_within(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn an_upload_whose_body_trickles_is_answered_and_closed_within_its_limit() {
    let rig = rig(|config| config.upload_timeout_secs = 2).await;
    let applicant = Browser::new(&rig.server);
    applicant.sign_in(OWNER, &[]).await;
    let number = applicant::submit(&rig.server, OWNER, &[]).await;
    let serving = net::serve(&rig.server, limits()).await;

    let boundary = "----slow-upload";
    let head = format!(
        "POST /p/{}/applications/{number}/materials/business_license HTTP/1.1\r\n\
         Host: portal.test\r\nOrigin: http://portal.test\r\nSec-Fetch-Site: same-origin\r\n\
         Accept: application/json\r\nCookie: {}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\n\
         Content-Length: 200000\r\n\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"scan.png\"\r\n\
         Content-Type: image/png\r\n\r\n",
        applicant::PROJECT,
        applicant.cookie_header().unwrap(),
    );
    let (mut reader, mut writer) = serving.connect().await.into_split();
    writer.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    // Ten bytes a second: the 200 kB promised would take hours.
    let slow = tokio::spawn(async move {
        trickle(&mut writer, &[0x89; 600], Duration::from_millis(100)).await
    });
    let answer = read_to_close(&mut reader, Duration::from_secs(6)).await;
    let took = started.elapsed();
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("服务器繁忙"), "{answer}");
    assert!(
        (Duration::from_millis(1900)..Duration::from_secs(4)).contains(&took),
        "{took:?}"
    );
    slow.abort();
    serving.stop_within(Duration::from_secs(5)).await;
}
