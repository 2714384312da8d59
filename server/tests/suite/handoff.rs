//! The phone handoff over HTTP against the real router on a temporary data folder: a signed-in
//! applicant makes a link on the desktop, "phones" (clients with their own cookie jars) open
//! it, photograph the ID card and pass liveness with the local provider, while the desktop
//! follows through the status route and the server-sent event stream. Time moves on the
//! injected clock.

use crate::common;
use crate::fixtures;

use common::applicant::{self, AGENT_NAME, OWNER, PROJECT, agent_id_number};
use common::browser::{Browser as Client, Reply};

use std::io::Cursor;
use std::path::{Path, PathBuf};

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::rig::{Rig, start};
use http_body_util::BodyExt;
use image::{DynamicImage, ImageOutputFormat, RgbImage};
use serde_json::Value;

use server::config::{CaptchaMode, Config};
use sha2::{Digest, Sha256};
use tower::ServiceExt;

const HOST: &str = "portal.test";
const BOUNDARY: &str = "----handoff-test-boundary";

// --- set-up ---

impl Rig {
    fn client(&self) -> Client<'_> {
        Client::new(&self.server)
    }

    /// A browser signed in as `mobile` by SMS code (the local outbox holds the code).
    async fn sign_in(&self, mobile: &str) -> Client<'_> {
        let client = self.client();
        client.sign_in(mobile, &[]).await;
        client
    }

    async fn last_sms(&self, mobile: &str) -> Option<String> {
        applicant::last_sms(&self.server, mobile).await
    }

    /// Submits the test application (no org-personal certificates) for `mobile`.
    async fn submit(&self, mobile: &str) -> String {
        applicant::submit(&self.server, mobile, &[]).await
    }

    /// Every file under the identity folder.
    fn identity_files(&self) -> Vec<PathBuf> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, out);
                } else {
                    out.push(path);
                }
            }
        }
        let mut files = Vec::new();
        walk(&self.dir.path().join("identity"), &mut files);
        files
    }

    fn advance(&self, by: time::Duration) {
        self.clock.advance(by);
    }
}

// --- a browser, as far as the server can tell ---

impl Reply {
    fn ok(&self) -> Value {
        assert_eq!(self.status, StatusCode::OK, "{}", self.body);
        self.json()
    }

    /// The status and `code` of a refusal.
    fn refusal_code(&self) -> (StatusCode, String) {
        (
            self.status,
            self.json()["code"].as_str().unwrap().to_owned(),
        )
    }

    fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }
}

const SAME_ORIGIN: [(&str, &str); 2] = [
    ("origin", "http://portal.test"),
    ("sec-fetch-site", "same-origin"),
];

impl Client<'_> {
    fn device(&self) -> Option<String> {
        self.cookie("cp_handoff_device")
    }

    fn json_request(
        &self,
        method: &str,
        uri: &str,
        extra: &[(&str, &str)],
    ) -> axum::http::request::Builder {
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::HOST, HOST)
            .header(header::ACCEPT, "application/json");
        for (name, value) in extra {
            request = request.header(*name, *value);
        }
        request
    }

    async fn get(&self, uri: &str) -> Reply {
        self.send(
            self.json_request("GET", uri, &[])
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    async fn post(&self, uri: &str) -> Reply {
        self.send(
            self.json_request("POST", uri, &SAME_ORIGIN)
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    async fn post_json(&self, uri: &str, json: Value) -> Reply {
        self.send(
            self.json_request("POST", uri, &SAME_ORIGIN)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(json.to_string()))
                .unwrap(),
        )
        .await
    }

    async fn post_parts(&self, uri: &str, parts: &[(&str, &[u8])]) -> Reply {
        self.send(
            self.json_request("POST", uri, &SAME_ORIGIN)
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={BOUNDARY}"),
                )
                .body(Body::from(multipart(parts)))
                .unwrap(),
        )
        .await
    }

    // The desktop's calls.

    async fn create(&self, number: &str) -> Value {
        self.post(&desktop_uri(number, "")).await.ok()
    }

    async fn status(&self, number: &str) -> Value {
        self.get(&desktop_uri(number, "/status")).await.ok()
    }

    // The phone's calls.

    async fn state(&self, path: &str) -> Reply {
        self.get(&format!("{path}/state")).await
    }

    async fn claim(&self, path: &str) -> Reply {
        self.post(&format!("{path}/claim")).await
    }

    async fn id(&self, path: &str, side: &str, photo: &[u8]) -> Reply {
        self.post_parts(&format!("{path}/id/{side}"), &[("file", photo)])
            .await
    }

    async fn start_liveness(&self, path: &str) -> Reply {
        self.post(&format!("{path}/liveness/start")).await
    }

    /// Starts a liveness check and answers it with `frames` (as many as it asks for, cycling
    /// through the given ones).
    async fn liveness(&self, path: &str, frames: &[Vec<u8>]) -> Reply {
        let challenge = self.start_liveness(path).await.ok();
        let needed = challenge["min_frames"].as_u64().unwrap() as usize;
        let id = challenge["challenge"].as_str().unwrap().to_owned();
        let chosen: Vec<&Vec<u8>> = frames
            .iter()
            .cycle()
            .take(needed.max(frames.len()))
            .collect();
        let mut parts: Vec<(&str, &[u8])> = vec![("challenge", id.as_bytes())];
        parts.extend(chosen.iter().map(|f| ("frame", f.as_slice())));
        self.post_parts(&format!("{path}/liveness"), &parts).await
    }
}

fn desktop_uri(number: &str, rest: &str) -> String {
    format!("/p/{PROJECT}/applications/{number}/handoff{rest}")
}

/// A `multipart/form-data` body; parts named `challenge` are text, the rest JPEG files.
fn multipart(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, bytes) in parts {
        let disposition = if *name == "challenge" {
            format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n")
        } else {
            format!(
                "Content-Disposition: form-data; name=\"{name}\"; filename=\"{name}.jpg\"\r\n\
                 Content-Type: image/jpeg\r\n\r\n"
            )
        };
        body.extend(format!("--{BOUNDARY}\r\n{disposition}").bytes());
        body.extend_from_slice(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").bytes());
    body
}

/// A photo of "the card": a real JPEG, 640 × 400.
fn card() -> Vec<u8> {
    fixtures::jpeg(640, 400)
}

/// `jpeg` with a comment the local provider reads as the card's text (its test hook).
fn card_saying(text: &str) -> Vec<u8> {
    let jpeg = card();
    let comment = format!("cert-portal-ocr:{text}");
    let mut out = jpeg[..2].to_vec();
    out.extend([0xFF, 0xFE]);
    out.extend(((comment.len() + 2) as u16).to_be_bytes());
    out.extend(comment.as_bytes());
    out.extend(&jpeg[2..]);
    out
}

/// A face frame: a 160 × 120 JPEG with a bright square at `offset`, so frames differ.
fn frame(offset: u32) -> Vec<u8> {
    let image = RgbImage::from_fn(160, 120, |x, y| {
        if (offset..offset + 40).contains(&x) && (30..90).contains(&y) {
            image::Rgb([230, 200, 180])
        } else {
            image::Rgb([30, 50, 70])
        }
    });
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(image)
        .write_to(&mut out, ImageOutputFormat::Jpeg(85))
        .unwrap();
    out.into_inner()
}

fn moving_frames() -> Vec<Vec<u8>> {
    vec![frame(0), frame(40), frame(80), frame(120)]
}

fn stage(value: &Value) -> &str {
    value["stage"].as_str().unwrap()
}

fn step_kinds(status: &Value) -> Vec<String> {
    status["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap().to_owned())
        .collect()
}

/// A signed-in owner with a submitted application and a fresh link.
async fn with_link(rig: &Rig) -> (Client<'_>, String, Value) {
    let desktop = rig.sign_in(OWNER).await;
    let number = rig.submit(OWNER).await;
    let link = desktop.create(&number).await;
    (desktop, number, link)
}

fn path_of(link: &Value) -> String {
    link["path"].as_str().unwrap().to_owned()
}

/// A phone that claimed `path` and photographed both sides.
async fn phone_at_liveness<'a>(rig: &'a Rig, path: &str) -> Client<'a> {
    let phone = rig.client();
    phone.claim(path).await.ok();
    assert_eq!(
        phone.id(path, "front", &card()).await.ok()["accepted"],
        true
    );
    assert_eq!(phone.id(path, "back", &card()).await.ok()["accepted"], true);
    phone
}

// --- tests ---

#[tokio::test]
async fn a_link_is_made_for_the_owner_and_reading_it_claims_nothing() {
    let rig = start().await;
    let (desktop, number, link) = with_link(&rig).await;

    let url = link["url"].as_str().unwrap();
    let path = path_of(&link);
    let token = path.strip_prefix("/m/").unwrap();
    assert_eq!(url, format!("http://127.0.0.1:3000{path}"));
    assert_eq!(token.len(), 22);
    let code = link["short_code"].as_str().unwrap();
    assert!(code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(link["expires_at"], "2025-03-01T02:10:00.000Z");
    assert_eq!(link["expires_in_secs"], 600);

    // Only the SHA-256 of the token's bits is stored.
    let bits = base64_url_decode(token);
    let stored: Vec<Vec<u8>> = sqlx::query_scalar("SELECT token_hash FROM handoff_tokens")
        .fetch_all(rig.server.db.pool())
        .await
        .unwrap();
    assert_eq!(stored, [Sha256::digest(&bits).to_vec()]);
    assert!(!common::contains(
        &common::database_bytes(rig.dir.path()),
        token.as_bytes()
    ));

    // Link previews, prefetchers and the curious read the state as often as they like.
    let bot = rig.client();
    for _ in 0..3 {
        let state = bot.state(&path).await.ok();
        assert_eq!(stage(&state), "pending");
        assert_eq!(state["next"], "claim");
        assert_eq!(state["this_device"], false);
        assert_eq!(state["person"], "张*");
        assert_eq!(state["role"], "经办人");
        assert!(bot.device().is_none());
    }
    let status = desktop.status(&number).await;
    assert_eq!(status["stage"], "pending");
    assert_eq!(status["token_id"], link["token_id"]);
    assert_eq!(status["version"], 1);
    assert!(step_kinds(&status).is_empty());

    // Unknown and malformed tokens.
    let unknown = format!("/m/{}", "A".repeat(22));
    assert_eq!(
        bot.state(&unknown).await.refusal_code(),
        (StatusCode::NOT_FOUND, "unknown_token".into())
    );
    assert_eq!(
        bot.state("/m/short").await.refusal_code(),
        (StatusCode::NOT_FOUND, "unknown_token".into())
    );
}

fn base64_url_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.bytes() {
        bits = (bits << 6) | ALPHABET.iter().position(|&a| a == c).unwrap() as u32;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    out
}

#[tokio::test]
async fn desktop_routes_need_the_owner() {
    let rig = start().await;
    let (_, number, _) = with_link(&rig).await;
    let stranger = rig.client();
    assert_eq!(
        stranger
            .get(&desktop_uri(&number, "/status"))
            .await
            .refusal_code(),
        (StatusCode::UNAUTHORIZED, "unauthenticated".into())
    );
    let other = rig.sign_in("13900001111").await;
    assert_eq!(
        other.post(&desktop_uri(&number, "")).await.refusal_code(),
        (StatusCode::NOT_FOUND, "not_found".into())
    );
    assert_eq!(
        other
            .get(&desktop_uri(&number, "/events"))
            .await
            .refusal_code(),
        (StatusCode::NOT_FOUND, "not_found".into())
    );
}

#[tokio::test]
async fn the_claim_binds_one_device_and_refuses_the_others() {
    let rig = start().await;
    let (desktop, number, link) = with_link(&rig).await;
    let path = path_of(&link);

    // A cross-site page cannot claim on the phone's behalf.
    let forged = rig.client();
    let cross = forged
        .send(
            forged
                .json_request(
                    "POST",
                    &format!("{path}/claim"),
                    &[
                        ("origin", "https://evil.example"),
                        ("sec-fetch-site", "cross-site"),
                    ],
                )
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(
        cross.refusal_code(),
        (StatusCode::FORBIDDEN, "cross_site".into())
    );

    let phone = rig.client();
    let claimed = phone.claim(&path).await;
    let state = claimed.ok();
    assert_eq!(stage(&state), "opened");
    assert_eq!(state["this_device"], true);
    assert_eq!(state["next"], "id_front");
    assert_eq!(state["expires_at"], "2025-03-01T02:30:00.000Z");
    let cookie = &claimed.set_cookies()[0];
    assert!(cookie.starts_with("cp_handoff_device="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/m"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(!cookie.contains("Secure"));
    let device = phone.device().unwrap();
    let stored: Vec<u8> = sqlx::query_scalar("SELECT device_hash FROM handoffs")
        .fetch_one(rig.server.db.pool())
        .await
        .unwrap();
    assert_eq!(stored, Sha256::digest(base64_url_decode(&device)).to_vec());

    // The same phone again (reload, app switch): same session, no new cookie.
    let again = phone.claim(&path).await;
    assert_eq!(stage(&again.ok()), "opened");
    assert!(again.set_cookies().is_empty());
    assert_eq!(phone.state(&path).await.ok()["this_device"], true);

    // Another phone: refused, told plainly, shown nothing personal.
    let second = rig.client();
    let refused = second.claim(&path).await;
    assert_eq!(
        refused.refusal_code(),
        (StatusCode::FORBIDDEN, "other_device".into())
    );
    assert!(
        refused.json()["error"]
            .as_str()
            .unwrap()
            .contains("另一台设备")
    );
    assert!(second.device().is_none());
    let seen = second.state(&path).await.ok();
    assert_eq!(seen["next"], "other_device");
    assert_eq!(seen["this_device"], false);
    assert_eq!(seen["person"], Value::Null);
    assert_eq!(
        second.id(&path, "front", &card()).await.refusal_code(),
        (StatusCode::FORBIDDEN, "other_device".into())
    );
    assert_eq!(
        second.start_liveness(&path).await.refusal_code(),
        (StatusCode::FORBIDDEN, "other_device".into())
    );

    // The desktop saw the phone connect, once.
    let status = desktop.status(&number).await;
    assert_eq!(status["stage"], "opened");
    assert_eq!(step_kinds(&status), ["connected"]);
    assert_eq!(status["steps"][0]["message"], "手机已连接");
}

#[tokio::test]
async fn an_unclaimed_link_expires_after_ten_minutes_and_a_new_one_replaces_it() {
    let rig = start().await;
    let (desktop, number, link) = with_link(&rig).await;
    let path = path_of(&link);
    let phone = rig.client();

    rig.advance(time::Duration::seconds(599));
    assert_eq!(stage(&phone.state(&path).await.ok()), "pending");
    rig.advance(time::Duration::seconds(1));
    let state = phone.state(&path).await.ok();
    assert_eq!(stage(&state), "expired");
    assert_eq!(state["next"], "rescan");
    assert!(state["message"].as_str().unwrap().contains("重新扫码"));
    assert_eq!(
        phone.claim(&path).await.refusal_code(),
        (StatusCode::GONE, "expired".into())
    );
    let status = desktop.status(&number).await;
    assert_eq!(status["stage"], "expired");
    assert_eq!(step_kinds(&status), ["expired"]);

    // The desktop refreshes the QR code: a new session; refreshing again retires it.
    let fresh = desktop.create(&number).await;
    assert_ne!(fresh["token_id"], link["token_id"]);
    let newer = desktop.create(&number).await;
    let retired = phone.state(&path_of(&fresh)).await.ok();
    assert_eq!(stage(&retired), "expired");
    assert!(
        retired["message"]
            .as_str()
            .unwrap()
            .contains("最新的二维码")
    );
    assert_eq!(stage(&phone.claim(&path_of(&newer)).await.ok()), "opened");
    assert_eq!(desktop.status(&number).await["token_id"], newer["token_id"]);

    // A session the phone is working in is kept unless the desktop insists.
    assert_eq!(
        desktop.post(&desktop_uri(&number, "")).await.refusal_code(),
        (StatusCode::CONFLICT, "in_progress".into())
    );
    desktop
        .post(&desktop_uri(&number, "?restart=true"))
        .await
        .ok();
    assert_eq!(
        phone
            .id(&path_of(&newer), "front", &card())
            .await
            .refusal_code(),
        (StatusCode::GONE, "expired".into())
    );

    // A claimed session times out 30 minutes after the claim.
    let last = desktop.create(&number).await;
    let path = path_of(&last);
    phone.claim(&path).await.ok();
    rig.advance(time::Duration::minutes(30));
    assert_eq!(stage(&phone.state(&path).await.ok()), "expired");
}

#[tokio::test]
async fn the_phone_completes_while_the_desktop_follows_the_event_stream() {
    let rig = start().await;
    let (desktop, number, link) = with_link(&rig).await;
    let path = path_of(&link);

    let mut events = EventStream::open(&rig, &desktop, &number).await;
    let first = events.next().await;
    assert_eq!(first["stage"], "pending");
    assert_eq!(first["token_id"], link["token_id"]);

    let phone = rig.client();
    phone.claim(&path).await.ok();
    let connected = events.next().await;
    assert_eq!(connected["stage"], "opened");
    assert_eq!(step_kinds(&connected), ["connected"]);

    let front = phone.id(&path, "front", &card()).await.ok();
    assert_eq!(front["accepted"], true);
    assert_eq!(front["mismatches"], Value::Array(vec![]));
    assert_eq!(front["state"]["next"], "id_back");
    // The back before the front is not possible; the front twice neither.
    assert_eq!(
        phone.id(&path, "front", &card()).await.refusal_code(),
        (StatusCode::CONFLICT, "wrong_step".into())
    );
    let back = phone.id(&path, "back", &card()).await.ok();
    assert_eq!(back["state"]["next"], "liveness");

    let challenge = phone.start_liveness(&path).await.ok();
    let prompts = challenge["prompts"].as_array().unwrap();
    assert!((2..=3).contains(&prompts.len()));
    assert_eq!(challenge["min_frames"], prompts.len() + 1);
    assert!(prompts.iter().all(|p| {
        ["眨眼", "张嘴", "向左转头", "向右转头", "点头"].contains(&p["text"].as_str().unwrap())
    }));
    let done = phone.liveness(&path, &moving_frames()).await.ok();
    assert_eq!(done["passed"], true);
    assert_eq!(done["face_matched"], true);
    assert_eq!(done["state"]["stage"], "completed");
    assert_eq!(done["state"]["next"], "done");

    let mut last = events.next().await;
    while last["done"] != true {
        last = events.next().await;
    }
    assert_eq!(last["stage"], "completed");
    assert_eq!(
        step_kinds(&last),
        [
            "connected",
            "id_recognised",
            "id_recognised",
            "liveness_passed",
            "face_matched",
            "completed"
        ]
    );
    let messages: Vec<&str> = last["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        [
            "手机已连接",
            "身份证人像面已识别",
            "身份证国徽面已识别",
            "活体检测通过",
            "人脸比对通过",
            "已完成"
        ]
    );
    assert!(events.raw.contains("event: progress"));
    assert!(events.raw.contains("retry: 2000"));

    // The polling fallback says the same.
    let status = desktop.status(&number).await;
    assert_eq!(status["done"], true);
    assert_eq!(status["version"], last["version"]);

    // Replays after completion: the same phone is told it is done, nothing more happens.
    assert_eq!(
        phone.claim(&path).await.refusal_code(),
        (StatusCode::GONE, "completed".into())
    );
    assert_eq!(
        phone.start_liveness(&path).await.refusal_code(),
        (StatusCode::GONE, "completed".into())
    );
    let mine = phone.state(&path).await.ok();
    assert_eq!(
        (mine["next"].as_str(), mine["this_device"].as_bool()),
        (Some("done"), Some(true))
    );
    let other = rig.client();
    let replay = other.state(&path).await.ok();
    assert_eq!(replay["next"], "rescan");
    assert!(replay["message"].as_str().unwrap().contains("重新扫码"));
    assert_eq!(
        other.claim(&path).await.refusal_code(),
        (StatusCode::GONE, "completed".into())
    );
    // And the application is verified: no new link.
    assert_eq!(
        desktop.post(&desktop_uri(&number, "")).await.refusal_code(),
        (StatusCode::CONFLICT, "already_completed".into())
    );
}

/// The body of `GET …/handoff/events`, read event by event.
struct EventStream {
    body: Body,
    buffer: String,
    raw: String,
}

impl EventStream {
    async fn open(rig: &Rig, client: &Client<'_>, number: &str) -> Self {
        let mut request = Request::get(desktop_uri(number, "/events"))
            .header(header::HOST, HOST)
            .header(header::ACCEPT, "text/event-stream")
            .body(Body::empty())
            .unwrap();
        request.headers_mut().insert(
            header::COOKIE,
            client.cookie_header().unwrap().parse().unwrap(),
        );
        let response = rig
            .server
            .router
            .clone()
            .layer(axum::extract::connect_info::MockConnectInfo(
                common::client_addr(),
            ))
            .oneshot(request)
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "text/event-stream"
        );
        Self {
            body: response.into_body(),
            buffer: String::new(),
            raw: String::new(),
        }
    }

    /// The next `progress` event's data, within 10 seconds.
    async fn next(&mut self) -> Value {
        tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                if let Some(end) = self.buffer.find("\n\n") {
                    let block: String = self.buffer.drain(..end + 2).collect();
                    if !block.lines().any(|l| l == "event: progress") {
                        continue;
                    }
                    let data: String = block
                        .lines()
                        .filter_map(|l| l.strip_prefix("data: "))
                        .collect();
                    return serde_json::from_str(&data).unwrap();
                }
                let frame = self
                    .body
                    .frame()
                    .await
                    .expect("the stream stays open")
                    .unwrap();
                if let Ok(data) = frame.into_data() {
                    let text = String::from_utf8_lossy(&data).into_owned();
                    self.raw.push_str(&text);
                    self.buffer.push_str(&text);
                }
            }
        })
        .await
        .expect("an event within 10 s")
    }
}

#[tokio::test]
async fn a_still_picture_fails_liveness_and_three_failures_end_the_session() {
    let rig = start().await;
    let (desktop, number, link) = with_link(&rig).await;
    let path = path_of(&link);
    let phone = phone_at_liveness(&rig, &path).await;
    let still = vec![frame(20)];

    for left in [2, 1] {
        let failed = phone.liveness(&path, &still).await.ok();
        assert_eq!(failed["passed"], false);
        assert_eq!(failed["face_matched"], Value::Null);
        assert_eq!(failed["failure"]["code"], "still_image");
        assert!(
            failed["failure"]["message"]
                .as_str()
                .unwrap()
                .contains("不要使用照片")
        );
        assert_eq!(failed["attempts_left"], left);
        assert_eq!(failed["state"]["next"], "liveness");
    }
    // A challenge is answered once.
    let challenge = phone.start_liveness(&path).await.ok();
    let id = challenge["challenge"].as_str().unwrap();
    let frames = [frame(0), frame(40), frame(80), frame(120)];
    let mut parts: Vec<(&str, &[u8])> = vec![("challenge", b"not-the-challenge")];
    parts.extend(frames.iter().map(|f| ("frame", f.as_slice())));
    assert_eq!(
        phone
            .post_parts(&format!("{path}/liveness"), &parts)
            .await
            .refusal_code(),
        (StatusCode::CONFLICT, "challenge_stale".into())
    );
    // Too few frames for the prompts.
    let parts: Vec<(&str, &[u8])> = vec![("challenge", id.as_bytes()), ("frame", &frames[0])];
    assert_eq!(
        phone
            .post_parts(&format!("{path}/liveness"), &parts)
            .await
            .refusal_code(),
        (StatusCode::UNPROCESSABLE_ENTITY, "frame_count".into())
    );

    let ended = phone.liveness(&path, &still).await.ok();
    assert_eq!(ended["attempts_left"], 0);
    assert_eq!(ended["state"]["stage"], "failed");
    assert_eq!(ended["state"]["next"], "rescan");
    assert_eq!(ended["state"]["failure"]["code"], "liveness_attempts");
    let refused = phone.start_liveness(&path).await;
    assert_eq!(refused.refusal_code(), (StatusCode::GONE, "failed".into()));
    assert_eq!(refused.json()["failure"]["code"], "liveness_attempts");

    let status = desktop.status(&number).await;
    assert_eq!(status["stage"], "failed");
    assert_eq!(status["failure"]["code"], "liveness_attempts");
    assert_eq!(status["liveness_attempts_left"], 0);
    let kinds = step_kinds(&status);
    assert_eq!(
        kinds[kinds.len() - 4..],
        [
            "liveness_failed",
            "liveness_failed",
            "liveness_failed",
            "failed"
        ]
    );
    assert_eq!(status["steps"][3]["detail"], "still_image");
    // A failed session may start over with a new link.
    desktop.create(&number).await;
}

#[tokio::test]
async fn a_name_that_differs_from_the_form_is_shown_and_goes_to_review_after_three_retakes() {
    let rig = start().await;
    let (desktop, number, link) = with_link(&rig).await;
    let path = path_of(&link);
    let phone = rig.client();
    phone.claim(&path).await.ok();

    let other_name = card_saying("name=李四");
    for left in [3, 2, 1] {
        let result = phone.id(&path, "front", &other_name).await.ok();
        assert_eq!(result["accepted"], false);
        assert_eq!(result["retakes_left"], left);
        let mismatch = &result["mismatches"][0];
        assert_eq!(result["mismatches"].as_array().unwrap().len(), 1);
        assert_eq!(mismatch["field"], "name");
        assert_eq!(mismatch["label"], "姓名");
        assert_eq!(mismatch["form"], AGENT_NAME);
        assert_eq!(mismatch["card"], "李四");
        assert_eq!(
            mismatch["message"],
            "姓名不一致：申请表为“张三”，身份证为“李四”"
        );
        assert_eq!(result["state"]["next"], "id_front");
    }
    let status = desktop.status(&number).await;
    assert_eq!(status["mismatches"][0]["card"], "李四");
    assert_eq!(status["front_retakes_left"], 1);
    assert_eq!(
        step_kinds(&status)[1..],
        ["id_mismatch", "id_mismatch", "id_mismatch"]
    );

    // The third retake is accepted for the reviewer, mismatch and all.
    let accepted = phone.id(&path, "front", &other_name).await.ok();
    assert_eq!(accepted["accepted"], true);
    assert_eq!(accepted["for_review"], true);
    assert_eq!(accepted["state"]["next"], "id_back");
    let status = desktop.status(&number).await;
    assert_eq!(status["for_review"], serde_json::json!(["front"]));
    assert_eq!(status["mismatches"][0]["card"], "李四");
    assert_eq!(step_kinds(&status).last().unwrap(), "id_for_review");

    // The back: an expired card is a problem to retake; a clean one passes.
    let expired = phone
        .id(
            &path,
            "back",
            &card_saying("validity=2005.01.01-2015.01.01"),
        )
        .await
        .ok();
    assert_eq!(expired["accepted"], false);
    assert_eq!(expired["mismatches"][0]["field"], "validity");
    assert!(
        expired["mismatches"][0]["message"]
            .as_str()
            .unwrap()
            .contains("已过期")
    );
    let valid = phone
        .id(&path, "back", &card_saying("validity=2015.01.01-长期"))
        .await
        .ok();
    assert_eq!(valid["accepted"], true);
    assert_eq!(valid["for_review"], false);
    // A clean reading clears the back's mismatch; the front's stays for the reviewer.
    let status = desktop.status(&number).await;
    let sides: Vec<&str> = status["mismatches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["side"].as_str().unwrap())
        .collect();
    assert_eq!(sides, ["front"]);
}

#[tokio::test]
async fn photos_must_be_real_and_are_stored_encrypted_then_purged_after_retention() {
    let rig = start().await;
    let (desktop, number, link) = with_link(&rig).await;
    let path = path_of(&link);
    let phone = rig.client();
    phone.claim(&path).await.ok();

    // Not photos: refused, not counted as retakes.
    assert_eq!(
        phone
            .id(&path, "front", b"GIF89a not really")
            .await
            .refusal_code(),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "photo_not_image".into())
    );
    assert_eq!(
        phone
            .id(&path, "front", &fixtures::jpeg(200, 100))
            .await
            .refusal_code(),
        (StatusCode::UNPROCESSABLE_ENTITY, "photo_too_small".into())
    );
    let whole = card();
    assert_eq!(
        phone
            .id(&path, "front", &whole[..whole.len() / 2])
            .await
            .refusal_code(),
        (StatusCode::UNPROCESSABLE_ENTITY, "photo_corrupt".into())
    );
    assert_eq!(
        phone
            .id(&path, "front", &vec![0xFF; 2 * 1024 * 1024 + 1])
            .await
            .refusal_code(),
        (StatusCode::PAYLOAD_TOO_LARGE, "photo_too_large".into())
    );
    assert_eq!(desktop.status(&number).await["front_retakes_left"], 3);

    phone.id(&path, "front", &whole).await.ok();
    phone.id(&path, "back", &card()).await.ok();
    let frames = moving_frames();
    let done = phone.liveness(&path, &frames).await.ok();
    assert_eq!(done["state"]["stage"], "completed");

    // Two ID photos and the frames of the attempt, sealed: none holds the JPEG's bytes.
    let files = rig.identity_files();
    let sent = 2 + done_frames(&rig).await;
    assert_eq!(files.len(), sent);
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        assert!(!common::contains(&bytes, &whole[..64]));
        assert!(!common::contains(&bytes, &frames[0][..64]));
        assert!(!bytes.starts_with(&[0xFF, 0xD8]));
    }
    // Neither is the person's name or number in the database in clear.
    let database = common::database_bytes(rig.dir.path());
    assert!(!common::contains(&database, AGENT_NAME.as_bytes()));
    assert!(!common::contains(&database, agent_id_number().as_bytes()));

    // Kept for the retention after the end, then deleted; the result stays.
    assert_eq!(rig.server.handoff.purge().await.unwrap(), 0);
    rig.advance(time::Duration::days(30) - time::Duration::seconds(1));
    assert_eq!(rig.server.handoff.purge().await.unwrap(), 0);
    assert_eq!(rig.identity_files().len(), sent);
    rig.advance(time::Duration::seconds(1));
    assert_eq!(rig.server.handoff.purge().await.unwrap(), 1);
    assert!(rig.identity_files().is_empty());
    assert_eq!(rig.server.handoff.purge().await.unwrap(), 0);
    // The desktop's login ended long ago; signed in again, it still sees the result.
    let desktop = rig.sign_in(OWNER).await;
    let status = desktop.status(&number).await;
    assert_eq!(status["done"], true);
    assert_eq!(step_kinds(&status).len(), 6);
    assert_eq!(
        phone.state(&path).await.refusal_code(),
        (StatusCode::NOT_FOUND, "unknown_token".into())
    );
}

async fn done_frames(rig: &Rig) -> usize {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM handoff_files WHERE kind = 'frame'")
        .fetch_one(rig.server.db.pool())
        .await
        .unwrap();
    count as usize
}

#[tokio::test]
async fn a_natural_persons_applicant_does_the_phone_step_with_their_own_details() {
    use common::applicant::{
        PERSON_MOBILE, PERSON_NAME, PERSON_PROJECT, person_id_number, submit_natural_person,
    };
    let rig = start().await;
    let desktop = rig.sign_in(OWNER).await;
    let number = submit_natural_person(&rig.server, OWNER).await;
    let desktop_uri =
        |rest: &str| format!("/p/{PERSON_PROJECT}/applications/{number}/handoff{rest}");
    let link = desktop.post(&desktop_uri("")).await.ok();
    let path = path_of(&link);
    let person: String = sqlx::query_scalar("SELECT person FROM handoffs")
        .fetch_one(rig.server.db.pool())
        .await
        .unwrap();
    assert_eq!(person, "applicant");

    // The phone names the applicant, not an agent.
    let phone = rig.client();
    let state = phone.state(&path).await.ok();
    assert_eq!(state["role"], "申请人");
    assert_eq!(state["person"], "刘*");
    let message = state["message"].as_str().unwrap();
    assert!(message.starts_with("请申请人刘*本人"), "{message}");

    // The link goes to the applicant's own mobile, not to the signed-in account's.
    let sent = desktop.post(&desktop_uri("/sms")).await.ok();
    assert_eq!(sent["to"], "137****5678");
    let text = rig.last_sms(PERSON_MOBILE).await.unwrap();
    assert!(text.contains("请申请人本人用手机打开"), "{text}");
    assert!(!text.contains(PERSON_NAME));

    // The card is compared with the applicant's name and number.
    phone.claim(&path).await.ok();
    let agent_card = card_saying(&format!(
        "name={AGENT_NAME};id_number={}",
        agent_id_number()
    ));
    let refused = phone.id(&path, "front", &agent_card).await.ok();
    assert_eq!(refused["accepted"], false);
    let fields: Vec<&str> = refused["mismatches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "id_number"]);
    assert_eq!(refused["mismatches"][0]["form"], PERSON_NAME);
    let own_card = card_saying(&format!(
        "name={PERSON_NAME};id_number={}",
        person_id_number()
    ));
    let front = phone.id(&path, "front", &own_card).await.ok();
    assert_eq!(front["accepted"], true);
    assert_eq!(front["for_review"], false);
    assert_eq!(
        phone.id(&path, "back", &card()).await.ok()["accepted"],
        true
    );
    let done = phone.liveness(&path, &moving_frames()).await.ok();
    assert_eq!(stage(&done["state"]), "completed");
    assert_eq!(
        desktop.get(&desktop_uri("/status")).await.ok()["done"],
        true
    );
}

#[tokio::test]
async fn the_link_goes_by_text_message_at_most_once_a_minute() {
    let rig = start().await;
    let (desktop, number, link) = with_link(&rig).await;
    let before = rig.last_sms(OWNER).await;

    let sent = desktop.post(&desktop_uri(&number, "/sms")).await.ok();
    assert_eq!(sent["to"], "138****5678");
    assert_eq!(sent["resend_after_secs"], 60);
    let text = rig.last_sms(OWNER).await.unwrap();
    // Signed as the project's catalog says.
    assert!(text.starts_with("【深圳CA】"), "{text}");
    assert_ne!(Some(&text), before.as_ref());
    let at = text
        .find("http://127.0.0.1:3000/m/")
        .expect("the link is in the text");
    let sms_path = &text[at + "http://127.0.0.1:3000".len()..];
    assert_eq!(sms_path.len(), "/m/".len() + 22);
    assert_ne!(sms_path, path_of(&link));
    assert!(!text.contains(AGENT_NAME));

    let again = desktop.post(&desktop_uri(&number, "/sms")).await;
    assert_eq!(
        again.refusal_code(),
        (StatusCode::TOO_MANY_REQUESTS, "sms_too_soon".into())
    );
    assert_eq!(again.json()["retry_after_secs"], 60);
    assert_eq!(again.headers[header::RETRY_AFTER], "60");
    rig.advance(time::Duration::seconds(60));
    desktop.post(&desktop_uri(&number, "/sms")).await.ok();

    // Either link opens the same session; the first claim wins.
    let phone = rig.client();
    assert_eq!(stage(&phone.claim(sms_path).await.ok()), "opened");
    assert_eq!(
        rig.client().claim(&path_of(&link)).await.refusal_code(),
        (StatusCode::FORBIDDEN, "other_device".into())
    );
    assert_eq!(desktop.status(&number).await["token_id"], link["token_id"]);
    // Nothing waits for a claim any more.
    rig.advance(time::Duration::seconds(60));
    assert_eq!(
        desktop
            .post(&desktop_uri(&number, "/sms"))
            .await
            .refusal_code(),
        (StatusCode::CONFLICT, "in_progress".into())
    );
}

#[tokio::test]
async fn a_short_code_opens_the_session_once_and_guessing_is_limited() {
    let rig = start().await;
    let (_, _, link) = with_link(&rig).await;
    let code = link["short_code"].as_str().unwrap();
    let phone = rig.client();

    // Typed with full-width digits and a space, as input methods do.
    let typed: String = code
        .chars()
        .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap())
        .collect();
    let redeemed = phone
        .post_json(
            "/m/code",
            serde_json::json!({ "code": format!(" {typed}") }),
        )
        .await
        .ok();
    let path = redeemed["path"].as_str().unwrap().to_owned();
    assert_ne!(path, path_of(&link));
    assert_eq!(
        redeemed["url"],
        format!("http://127.0.0.1:3000{path}").as_str()
    );
    assert_eq!(stage(&phone.state(&path).await.ok()), "pending");
    assert_eq!(stage(&phone.claim(&path).await.ok()), "opened");
    // Used up.
    assert_eq!(
        phone
            .post_json("/m/code", serde_json::json!({ "code": code }))
            .await
            .refusal_code(),
        (StatusCode::NOT_FOUND, "code_unknown".into())
    );

    // Ten wrong codes from one address (the one above counts) within 15 minutes.
    let guesser = rig.client();
    for _ in 0..9 {
        assert_eq!(
            guesser
                .post_json("/m/code", serde_json::json!({ "code": "000000" }))
                .await
                .refusal_code()
                .1,
            "code_unknown"
        );
    }
    let limited = guesser
        .post_json("/m/code", serde_json::json!({ "code": "000002" }))
        .await;
    assert_eq!(
        limited.refusal_code(),
        (StatusCode::TOO_MANY_REQUESTS, "code_limit".into())
    );
    assert!(limited.json()["retry_after_secs"].as_u64().unwrap() > 0);
    rig.advance(time::Duration::minutes(15));
    assert_eq!(
        guesser
            .post_json("/m/code", serde_json::json!({ "code": "000003" }))
            .await
            .refusal_code()
            .1,
        "code_unknown"
    );
}

#[tokio::test]
async fn plain_forms_are_redirected_back_to_the_phone_page() {
    let rig = start().await;
    let (_, _, link) = with_link(&rig).await;
    let path = path_of(&link);
    let phone = rig.client();
    let form = |uri: &str, body: &str| {
        Request::post(uri)
            .header(header::HOST, HOST)
            .header(header::ACCEPT, "text/html")
            .header("origin", "http://portal.test")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.to_owned()))
            .unwrap()
    };
    let claimed = phone.send(form(&format!("{path}/claim"), "")).await;
    assert_eq!(claimed.status, StatusCode::SEE_OTHER);
    assert_eq!(claimed.headers[header::LOCATION], path.as_str());
    assert!(phone.device().is_some());
    let refused = rig.client().send(form(&format!("{path}/claim"), "")).await;
    assert_eq!(
        refused.headers[header::LOCATION],
        format!("{path}?error=other_device").as_str()
    );
    let wrong = phone.send(form("/m/code", "code=123")).await;
    assert_eq!(wrong.headers[header::LOCATION], "/m?error=code_unknown");
}

#[tokio::test]
async fn two_server_processes_sharing_the_database_serve_one_session() {
    let rig = start().await;
    let (desktop, number, link) = with_link(&rig).await;
    let path = path_of(&link);
    // A second instance on the same data folder (database, storage, secret), as behind a
    // balancer; it has its own memory and its own clock.
    let config = Config {
        captcha: CaptchaMode::Off,
        ..common::config(rig.dir.path())
    };
    let (other, _) = common::start_with(config).await;

    let mut events = EventStream::open(&rig, &desktop, &number).await;
    assert_eq!(events.next().await["stage"], "pending");
    let phone = Client::new(&other);
    phone.claim(&path).await.ok();
    assert_eq!(step_kinds(&events.next().await), ["connected"]);
    phone.id(&path, "front", &card()).await.ok();
    phone.id(&path, "back", &card()).await.ok();
    let done = phone.liveness(&path, &moving_frames()).await.ok();
    assert_eq!(done["state"]["stage"], "completed");
    let mut last = events.next().await;
    while last["done"] != true {
        last = events.next().await;
    }
    // The desktop's session works on the other instance too.
    let desktop_there = desktop.on(&other);
    assert_eq!(desktop_there.status(&number).await["done"], true);
    other.maintenance.abort();
}
