//! The sandbox runs only when asked for: outside it the outbox, the simulated bank statement
//! and their server functions do not exist and no page says 演示环境; inside it every page
//! says so; and the binary refuses settings that would put stand-ins or the sandbox online.

use crate::common;

use std::process::Command;
use std::time::Duration;

use app::api::outbox::{BankStatement, OutboxMessages};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use leptos::server_fn::ServerFn;
use server::config::{Config, SandboxMode};

const BANNER: &str = "演示环境";

async fn start(sandbox: SandboxMode) -> (tempfile::TempDir, server::Server) {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        sandbox,
        ..common::config(dir.path())
    };
    let (server, _clock) = common::start_with(config).await;
    (dir, server)
}

/// A login code, kept by the local provider as it keeps every message.
async fn keep_code(server: &server::Server) {
    let to = app::domain::mobile::validate("13800138000").unwrap();
    server
        .state
        .sms
        .send(&to, app::services::sms::SmsKind::LoginCode, "验证码 123456")
        .await
        .unwrap();
}

async fn call<F: ServerFn>(server: &server::Server) -> (StatusCode, String) {
    let request = Request::post(F::PATH)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .body(Body::empty())
        .unwrap();
    let (status, _, body) = common::send(&server.router, request).await;
    (status, body)
}

#[tokio::test]
async fn outside_the_sandbox_the_outbox_and_its_functions_are_not_found() {
    let (_dir, server) = start(SandboxMode::Off).await;
    // A code was texted: a stranger must not be able to read it.
    keep_code(&server).await;

    let (status, _, body) = common::get(&server, "/dev/outbox").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!body.contains("123456"));
    for (status, body) in [
        call::<OutboxMessages>(&server).await,
        call::<BankStatement>(&server).await,
    ] {
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert!(!body.contains("138"), "{body}");
    }
}

#[tokio::test]
async fn in_the_sandbox_the_outbox_shows_what_was_sent() {
    let (_dir, server) = start(SandboxMode::On).await;
    keep_code(&server).await;
    let (status, _, body) = common::get(&server, "/dev/outbox").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("123456"));
    let (status, body) = call::<OutboxMessages>(&server).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn every_page_of_the_sandbox_says_it_is_a_demonstration() {
    let (_dir, server) = start(SandboxMode::On).await;
    // The app's pages, the embedded flow's, and the server's own (console, phone step).
    for path in [
        "/",
        "/p/soetp",
        "/p/soetp/login",
        "/embed/soetp",
        "/no/such/page",
        "/console/login",
        "/m",
    ] {
        let (status, _, body) = common::get(&server, path).await;
        assert!(
            status.is_success() || status.is_client_error(),
            "{path}: {status}"
        );
        assert!(body.contains(BANNER), "{path} has no banner");
    }

    let (_dir, production) = start(SandboxMode::Off).await;
    for path in ["/", "/p/soetp", "/console/login", "/m"] {
        let (_, _, body) = common::get(&production, path).await;
        assert!(
            !body.contains(BANNER),
            "{path} has the banner outside the sandbox"
        );
    }
}

/// Runs the server binary with `env` (nothing inherited that could configure it) and returns
/// its exit code and what it printed on standard error.
fn run_binary(env: &[(&str, &str)]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATA_DIR", dir.path().join("data"))
        .env("BIND_ADDR", "127.0.0.1:0")
        .current_dir(dir.path());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A start that was not refused would serve forever: give it a moment, then stop it.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let output = child.wait_with_output().unwrap();
    (code, String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn an_unconfigured_server_refuses_to_start_and_says_why() {
    let (code, stderr) = run_binary(&[]);
    assert_eq!(code, Some(2), "{stderr}");
    for setting in [
        "SMS_PROVIDER=local",
        "PAYMENT_PROVIDER=local",
        "BANK_PROVIDER=local",
        "IDENTITY_PROVIDER=local",
        "PUBLIC_URL=http://127.0.0.1:3000",
        "SECRET_KEY",
    ] {
        assert!(stderr.contains(setting), "{setting} not named:\n{stderr}");
    }
}

#[test]
fn the_sandbox_refuses_a_public_https_address() {
    let (code, stderr) = run_binary(&[
        ("SANDBOX", "on"),
        ("PUBLIC_URL", "https://ca.example.cn"),
        ("CAPTCHA", "off"),
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("SANDBOX=on with PUBLIC_URL=https://ca.example.cn"),
        "{stderr}"
    );
    assert!(!stderr.contains("SMS_PROVIDER"), "{stderr}");
}

#[test]
fn captcha_off_is_refused_outside_the_sandbox() {
    let (code, stderr) = run_binary(&[
        ("CAPTCHA", "off"),
        ("PUBLIC_URL", "https://ca.example.cn"),
        ("SECRET_KEY", &"ab".repeat(32)),
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("CAPTCHA=off"), "{stderr}");
    assert!(!stderr.contains("SECRET_KEY"), "{stderr}");
}
