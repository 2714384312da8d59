//! The CPU-heavy work anyone can start (decoding an upload or a phone photo, a captcha, a font
//! subset or document, an Argon2 console sign-in) runs in one bounded pool. With the pool
//! full, each of them answers "busy, try again" at once instead of queueing, and each works
//! again once the pool drains.
//!
//! One test in its own binary: it fills the process-wide pool.

use crate::common;
use crate::fixtures;

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use app::services::handoff::{IdentityVerifier, Subject, VerifierError};
use app::services::login::LoginError;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::applicant::{OWNER, PROJECT};
use common::browser::{Browser, Reply};
use common::upload::{refusal, upload};
use serde_json::Value;
use server::config::{CaptchaMode, Config};
use server::heavy::{self, Refused};
use server::service::reviewers::Role;
use server::vendor::identity::LocalVerifier;

/// A busy answer comes at once: well before a queued job would give up waiting.
const QUICK: Duration = Duration::from_secs(1);
const REVIEWER_PASSWORD: &str = "a long enough password";

/// Jobs holding every worker and queue place of the shared pool until released. A queued one
/// that gives up waiting takes its place again, so the pool stays full however slow the test.
struct Fill {
    gate: Arc<(Mutex<bool>, Condvar)>,
    jobs: Vec<tokio::task::JoinHandle<()>>,
}

impl Fill {
    async fn start() -> Fill {
        let gate = Arc::new((Mutex::new(false), Condvar::new()));
        let pool = heavy::shared();
        let jobs = (0..pool.capacity())
            .map(|_| {
                let gate = gate.clone();
                tokio::spawn(async move {
                    loop {
                        let held = gate.clone();
                        let outcome = heavy::run("test filler", move || {
                            let (open, changed) = &*held;
                            let mut open = open.lock().unwrap();
                            while !*open {
                                open = changed.wait(open).unwrap();
                            }
                        })
                        .await;
                        if outcome != Err(Refused::Busy) || *gate.0.lock().unwrap() {
                            break;
                        }
                    }
                })
            })
            .collect();
        let deadline = Instant::now() + Duration::from_secs(30);
        while pool.load() < pool.capacity() {
            assert!(Instant::now() < deadline, "the pool did not fill");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        Fill { gate, jobs }
    }

    fn open(&self) {
        *self.gate.0.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.gate.1.notify_all();
    }

    async fn release(mut self) {
        self.open();
        for job in std::mem::take(&mut self.jobs) {
            tokio::time::timeout(Duration::from_secs(30), job)
                .await
                .expect("released jobs end")
                .unwrap();
        }
    }
}

/// A failed assertion must not leave the jobs blocking the runtime's shutdown.
impl Drop for Fill {
    fn drop(&mut self) {
        self.open();
    }
}

/// `reply` is the busy answer: 503 with `Retry-After`, and `message` in its body.
fn assert_busy(what: &str, reply: &Reply, took: Duration, message: &str) {
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{what}: {}",
        reply.body
    );
    assert_eq!(reply.headers[header::RETRY_AFTER], "3", "{what}");
    assert!(reply.body.contains(message), "{what}: {}", reply.body);
    assert!(took < QUICK, "{what} took {took:?}");
}

async fn timed<T>(work: impl Future<Output = T>) -> (T, Duration) {
    let started = Instant::now();
    let done = tokio::time::timeout(Duration::from_secs(30), work)
        .await
        .expect("an answer, busy or not");
    (done, started.elapsed())
}

/// A phone that claimed a fresh handoff link for `number`; returns its path.
async fn phone_claims(desktop: &Browser<'_>, phone: &Browser<'_>, number: &str) -> String {
    let link = desktop
        .send(
            same_origin(Request::post(format!(
                "/p/{PROJECT}/applications/{number}/handoff"
            )))
            .body(Body::empty())
            .unwrap(),
        )
        .await;
    assert_eq!(link.status, StatusCode::OK, "{}", link.body);
    let path = link.json()["path"].as_str().unwrap().to_owned();
    let claim = phone
        .send(
            same_origin(Request::post(format!("{path}/claim")))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(claim.status, StatusCode::OK, "{}", claim.body);
    path
}

async fn id_photo(phone: &Browser<'_>, path: &str) -> Reply {
    const BOUNDARY: &str = "----busy-test";
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"id.jpg\"\r\n\
         Content-Type: image/jpeg\r\n\r\n"
    )
    .into_bytes();
    body.extend(fixtures::jpeg(640, 400));
    body.extend(format!("\r\n--{BOUNDARY}--\r\n").bytes());
    phone
        .send(
            same_origin(Request::post(format!("{path}/id/front")))
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={BOUNDARY}"),
                )
                .body(Body::from(body))
                .unwrap(),
        )
        .await
}

fn same_origin(request: axum::http::request::Builder) -> axum::http::request::Builder {
    request
        .header(header::HOST, "portal.test")
        .header(header::ACCEPT, "application/json")
        .header(header::ORIGIN, "http://portal.test")
        .header("sec-fetch-site", "same-origin")
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

fn console_login() -> Request<Body> {
    Request::post("/console/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(format!(
            "login=busy.test&password={}",
            REVIEWER_PASSWORD.replace(' ', "+")
        )))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_pool_full_heavy_work_is_refused_at_once_and_resumes_after() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        captcha: CaptchaMode::Off,
        ..common::config(dir.path())
    };
    let (server, _clock) = common::start_with(config).await;
    let applicant = Browser::new(&server);
    applicant.sign_in(OWNER, &[]).await;
    let number = common::applicant::submit(&server, OWNER, &[]).await;
    let phone = Browser::new(&server);
    let path = phone_claims(&applicant, &phone, &number).await;
    server
        .reviewers
        .add("busy.test", "忙碌测试", Role::Reviewer, REVIEWER_PASSWORD)
        .await
        .unwrap();
    let font = server.state.documents.font_path("营业执照");
    let document = format!("/p/{PROJECT}/applications/{number}/documents/application-form.pdf");
    let scan = fixtures::jpeg(640, 480);
    let subject = Subject {
        name: "张三".into(),
        id_number: "11010519491231002X".into(),
    };

    let fill = Fill::start().await;

    let (reply, took) = timed(upload(
        &applicant,
        &number,
        "business_license",
        "a.jpg",
        &scan,
    ))
    .await;
    assert_busy("upload", &reply, took, "服务器正忙");
    let (_, code, message) = refusal(&reply);
    assert_eq!(code, "busy");
    assert_eq!(
        message,
        "服务器正忙，暂时无法检查这份文件，请稍等几秒后重新上传"
    );

    let (reply, took) = timed(id_photo(&phone, &path)).await;
    assert_busy("ID photo", &reply, took, "服务器正忙");
    assert_eq!(reply.json()["code"], "busy");

    let (read, took) =
        timed(LocalVerifier::default().ocr_front(&subject, &fixtures::jpeg(640, 400))).await;
    assert_eq!(read.err(), Some(VerifierError::Busy));
    assert!(took < QUICK, "{took:?}");

    let (captcha, took) = timed(server.state.login.new_captcha()).await;
    assert_eq!(captcha.err(), Some(LoginError::Busy));
    assert!(took < QUICK, "{took:?}");

    let (reply, took) = timed(applicant.send(get(&font))).await;
    assert_busy("font", &reply, took, "服务器正忙");
    let (reply, took) = timed(applicant.send(get(&document))).await;
    assert_busy("document", &reply, took, "服务器正忙");

    let console = Browser::new(&server);
    let (reply, took) = timed(console.send(console_login())).await;
    assert_busy("console sign-in", &reply, took, "服务器正忙");
    // A password never checked is no try: a busy server locks nobody out.
    let tries: (i64, i64) = sqlx::query_as(
        "SELECT (SELECT failed_logins FROM reviewers WHERE login = 'busy.test'),
                (SELECT COUNT(*) FROM console_login_attempts)",
    )
    .fetch_one(server.db.pool())
    .await
    .unwrap();
    assert_eq!(tries, (0, 0));

    fill.release().await;

    let reply = upload(&applicant, &number, "business_license", "a.jpg", &scan).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = id_photo(&phone, &path).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let accepted: Value = reply.json();
    assert_eq!(accepted["accepted"], true, "{accepted}");
    assert!(server.state.login.new_captcha().await.is_ok());
    assert_eq!(applicant.send(get(&font)).await.status, StatusCode::OK);
    assert_eq!(applicant.send(get(&document)).await.status, StatusCode::OK);
    let reply = console.send(console_login()).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
}
