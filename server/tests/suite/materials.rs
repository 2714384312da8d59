//! Uploading scans over HTTP against the real router on a temporary data folder: a signed-in
//! applicant with a submitted application posts files as the page's XHR does (asking for JSON)
//! and as a plain form does (303 and a message in the session).

use crate::common;
use crate::fixtures;

use common::applicant::{self, OWNER, PROJECT};
use common::browser::{Browser as Client, Reply};

use std::path::{Path, PathBuf};

use app::domain::materials::MAX_UPLOAD_BYTES;
use app::services::login::UserId;
use app::services::materials::{FLASH_KEY, MaterialsFlash, UploadedMaterial};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::Value;
use server::SESSION_COOKIE;
use server::config::{CaptchaMode, Config};
use sha2::{Digest, Sha256};
use tower_sessions::SessionStore;
use tower_sessions::session::Id;

const HOST: &str = "portal.test";
const BOUNDARY: &str = "----materials-test-boundary";

// --- set-up ---

struct Rig {
    dir: tempfile::TempDir,
    server: server::Server,
}

async fn start() -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        captcha: CaptchaMode::Off,
        ..common::config(dir.path())
    };
    let (server, _clock) = common::start_with(config).await;
    Rig { dir, server }
}

impl Rig {
    async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(self.server.db.pool())
            .await
            .unwrap()
    }

    /// Every file under the uploads folder.
    fn stored_files(&self) -> Vec<PathBuf> {
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
        walk(&self.dir.path().join("uploads"), &mut files);
        files
    }

    /// A browser signed in as `mobile` by SMS code (the local outbox holds the code).
    async fn sign_in(&self, mobile: &str) -> Client<'_> {
        let client = Client::new(&self.server);
        client.sign_in(mobile, &[]).await;
        client
    }

    async fn user(&self, mobile: &str) -> UserId {
        applicant::user(&self.server, mobile).await
    }

    /// Submits an application for `mobile` with the org certificate and one org-personal
    /// certificate per holder name; returns its number.
    async fn submit(&self, mobile: &str, holders: &[&str]) -> String {
        applicant::submit(&self.server, mobile, holders).await
    }

    /// What the session behind `client`'s cookie holds under `key`.
    async fn session_value(&self, client: &Client<'_>, key: &str) -> Option<Value> {
        let id: Id = client
            .cookie(SESSION_COOKIE)
            .expect("a session")
            .parse()
            .unwrap();
        let record = server::store::sessions::SessionStore::new(&self.server.db)
            .unwrap()
            .load(&id)
            .await
            .unwrap()
            .expect("the session exists");
        record.data.get(key).cloned()
    }
}

// --- the replies this suite reads ---

impl Reply {
    fn material(&self) -> UploadedMaterial {
        assert_eq!(self.status, StatusCode::OK, "{}", self.body);
        serde_json::from_value(self.json()["material"].clone()).unwrap()
    }

    /// The status, `code` and `error` of a refusal.
    fn refusal(&self) -> (StatusCode, String, String) {
        let json = self.json();
        (
            self.status,
            json["code"].as_str().unwrap().to_owned(),
            json["error"].as_str().unwrap().to_owned(),
        )
    }

    fn location(&self) -> Option<&str> {
        self.headers
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap())
    }
}

/// Who asks: the page's XHR wants JSON, a form without JavaScript wants HTML.
#[derive(Clone, Copy)]
enum Style {
    Xhr,
    Form,
}

impl Client<'_> {
    fn request(
        &self,
        method: &str,
        uri: &str,
        style: Style,
        extra: &[(&str, &str)],
    ) -> axum::http::request::Builder {
        let accept = match style {
            Style::Xhr => "application/json",
            Style::Form => "text/html,application/xhtml+xml,*/*;q=0.8",
        };
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::HOST, HOST)
            .header(header::ACCEPT, accept);
        for (name, value) in extra {
            request = request.header(*name, *value);
        }
        request
    }

    /// Posts `bytes` as the form field `file` (claiming to be a JPEG, whatever it is).
    async fn upload_with(
        &self,
        number: &str,
        slot: &str,
        style: Style,
        file_name: &str,
        bytes: &[u8],
        extra: &[(&str, &str)],
    ) -> Reply {
        let body = multipart(&[("file", file_name, bytes)]);
        self.post_multipart(number, slot, style, body, extra).await
    }

    async fn post_multipart(
        &self,
        number: &str,
        slot: &str,
        style: Style,
        body: Vec<u8>,
        extra: &[(&str, &str)],
    ) -> Reply {
        let request = self
            .request("POST", &slot_uri(number, slot), style, extra)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(Body::from(body))
            .unwrap();
        self.send(request).await
    }

    async fn upload(&self, number: &str, slot: &str, file_name: &str, bytes: &[u8]) -> Reply {
        let same_origin = [
            ("origin", "http://portal.test"),
            ("sec-fetch-site", "same-origin"),
        ];
        self.upload_with(number, slot, Style::Xhr, file_name, bytes, &same_origin)
            .await
    }

    async fn delete(
        &self,
        number: &str,
        slot: &str,
        style: Style,
        extra: &[(&str, &str)],
    ) -> Reply {
        let uri = format!("{}/delete", slot_uri(number, slot));
        let request = self
            .request("POST", &uri, style, extra)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::empty())
            .unwrap();
        self.send(request).await
    }

    async fn file(&self, number: &str, slot: &str) -> Reply {
        let uri = format!("{}/file", slot_uri(number, slot));
        let request = self
            .request("GET", &uri, Style::Form, &[])
            .body(Body::empty())
            .unwrap();
        self.send(request).await
    }
}

/// A `multipart/form-data` body of (field name, file name, content) parts.
fn multipart(parts: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, file_name, bytes) in parts {
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; \
                 filename=\"{file_name}\"\r\nContent-Type: image/jpeg\r\n\r\n"
            )
            .bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").bytes());
    body
}

fn slot_uri(number: &str, slot: &str) -> String {
    format!("/p/{PROJECT}/applications/{number}/materials/{slot}")
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

// --- tests ---

#[tokio::test]
async fn scans_are_stored_encrypted_by_hash_listed_served_replaced_and_removed() {
    let rig = start().await;
    let client = rig.sign_in(OWNER).await;
    let number = rig.submit(OWNER, &["王喆"]).await;
    let user = rig.user(OWNER).await;
    let materials = &rig.server.state.materials;

    let jpeg = fixtures::jpeg(120, 80);
    let saved = client
        .upload(
            &number,
            "business_license",
            "C:\\fakepath\\王喆营业执照.jpg",
            &jpeg,
        )
        .await
        .material();
    assert_eq!(saved.slot, "business_license");
    assert_eq!(saved.file_name, "王喆营业执照.jpg");
    assert_eq!(saved.kind, "jpeg");
    assert_eq!(saved.size, jpeg.len() as u64);
    assert_eq!(
        (saved.width, saved.height, saved.pages),
        (Some(120), Some(80), None)
    );
    assert_eq!(saved.uploaded_at, "2025-03-01T02:00:00.000Z");

    let pdf = fixtures::pdf(2);
    let letter = client
        .upload(&number, "authorization_letter", "授权委托书.pdf", &pdf)
        .await
        .material();
    assert_eq!((letter.kind.as_str(), letter.pages), ("pdf", Some(2)));
    let id_copy = client
        .upload(
            &number,
            "applicant_id_copy-0",
            "身份证.png",
            &fixtures::png(30, 20),
        )
        .await
        .material();
    assert_eq!(id_copy.kind, "png");
    assert_eq!(
        materials.list(user, &number).await.unwrap(),
        [id_copy, letter, saved.clone()]
    );

    // On disk: one file per content, named by its SHA-256 under a two-character folder,
    // encrypted; the original file name is not in the database in clear either.
    let uploads = rig.dir.path().join("uploads");
    let jpeg_hash = sha256_hex(&jpeg);
    let on_disk = std::fs::read(uploads.join(&jpeg_hash[..2]).join(&jpeg_hash)).unwrap();
    assert_ne!(on_disk, jpeg);
    assert!(!common::contains(&on_disk, &jpeg[..64]));
    assert_eq!(rig.stored_files().len(), 3);
    assert!(!common::contains(
        &common::database_bytes(rig.dir.path()),
        "王喆营业执照".as_bytes()
    ));

    // Served back to the owner as uploaded, not cached, not sniffed.
    let served = client.file(&number, "business_license").await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.bytes, jpeg);
    let header = |name: &str| served.headers.get(name).unwrap().to_str().unwrap();
    assert_eq!(header("content-type"), "image/jpeg");
    assert_eq!(
        header("content-disposition"),
        "inline; filename=\"business_license.jpg\""
    );
    assert_eq!(header("cache-control"), "private, no-store");
    assert_eq!(header("x-content-type-options"), "nosniff");
    let served_pdf = client.file(&number, "authorization_letter").await;
    assert_eq!(served_pdf.bytes, pdf);
    assert_eq!(served_pdf.headers[header::CONTENT_TYPE], "application/pdf");

    // Replacing a slot's file replaces its row and drops the old object.
    let png = fixtures::png(64, 48);
    let replaced = client
        .upload(&number, "business_license", "licence.png", &png)
        .await
        .material();
    assert_eq!(replaced.kind, "png");
    assert!(!uploads.join(&jpeg_hash[..2]).join(&jpeg_hash).exists());
    assert_eq!(client.file(&number, "business_license").await.bytes, png);
    assert_eq!(rig.count("SELECT COUNT(*) FROM materials").await, 3);

    // The same file in two slots is stored once and kept while either slot uses it.
    client
        .upload(&number, "seal_form", "copy.pdf", &pdf)
        .await
        .material();
    assert_eq!(rig.stored_files().len(), 3);
    let none: [(&str, &str); 0] = [];
    let removed = client
        .delete(&number, "authorization_letter", Style::Xhr, &none)
        .await;
    assert_eq!(removed.json(), serde_json::json!({ "removed": true }));
    assert_eq!(client.file(&number, "seal_form").await.bytes, pdf);
    let again = client
        .delete(&number, "authorization_letter", Style::Xhr, &none)
        .await;
    assert_eq!(again.json(), serde_json::json!({ "removed": false }));
    assert_eq!(
        client.file(&number, "authorization_letter").await.status,
        StatusCode::NOT_FOUND
    );
    client.delete(&number, "seal_form", Style::Xhr, &none).await;
    let pdf_hash = sha256_hex(&pdf);
    assert!(!uploads.join(&pdf_hash[..2]).join(&pdf_hash).exists());
    let slots: Vec<String> = materials
        .list(user, &number)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.slot)
        .collect();
    assert_eq!(slots, ["applicant_id_copy-0", "business_license"]);
    assert_eq!(rig.stored_files().len(), 2);
}

#[tokio::test]
async fn bad_files_are_refused_with_a_clear_message_and_nothing_is_stored() {
    let rig = start().await;
    let client = rig.sign_in(OWNER).await;
    let number = rig.submit(OWNER, &[]).await;
    let refuse = async |name: &str, bytes: &[u8]| {
        client
            .upload(&number, "business_license", name, bytes)
            .await
            .refusal()
    };

    let (status, code, message) = refuse("营业执照.jpg", &fixtures::exe()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(code, "not_allowed_type");
    assert_eq!(
        message,
        "这不是 JPG、PNG 或 PDF 文件（看起来是 Windows 程序），请上传扫描件的 JPG、PNG 或 PDF 文件"
    );

    let (status, code, message) = refuse("空.jpg", b"").await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "empty")
    );
    assert!(message.contains("文件是空的"), "{message}");

    let (status, code, message) = refuse("加密.pdf", &fixtures::encrypted_pdf("secret")).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "encrypted_pdf")
    );
    assert_eq!(
        message,
        "PDF 设置了密码，审核人员无法打开，请去掉密码后重新上传"
    );

    let (status, code, _) = refuse("bomb.png", &fixtures::png_bomb(50_000, 50_000)).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "too_many_pixels")
    );

    let jpeg = fixtures::jpeg(64, 64);
    let (_, code, _) = refuse("cut.jpg", &jpeg[..jpeg.len() / 2]).await;
    assert_eq!(code, "truncated");

    // One byte over 2 MB reaches the check and gets the size message...
    let mut over = vec![0xFF, 0xD8, 0xFF];
    over.resize(MAX_UPLOAD_BYTES + 1, 0);
    let (status, code, message) = refuse("big.jpg", &over).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, "too_large")
    );
    assert!(
        message.starts_with("文件超过 2 MB，请压缩后重新上传"),
        "{message}"
    );
    // ...and so does a body far over the limit, not a bare 413 from the framework.
    let mut huge = over.clone();
    huge.resize(5 * 1024 * 1024, 0);
    assert_eq!(refuse("huge.jpg", &huge).await.1, "too_large");
    // Even when the excess comes before the file, in a field the server skips.
    let padded = multipart(&[("note", "", &huge), ("file", "a.jpg", &jpeg)]);
    let skipped = client
        .post_multipart(&number, "business_license", Style::Xhr, padded, &[])
        .await;
    assert_eq!(skipped.refusal().1, "too_large");
    let not_multipart = client
        .send(
            client
                .request(
                    "POST",
                    &slot_uri(&number, "business_license"),
                    Style::Xhr,
                    &[],
                )
                .header(header::CONTENT_TYPE, "application/octet-stream")
                .body(Body::from(jpeg.clone()))
                .unwrap(),
        )
        .await;
    assert_eq!(not_multipart.refusal().0, StatusCode::BAD_REQUEST);

    assert_eq!(rig.count("SELECT COUNT(*) FROM materials").await, 0);
    assert!(rig.stored_files().is_empty(), "{:?}", rig.stored_files());

    // Exactly 2 MB is accepted.
    let full = client
        .upload(
            &number,
            "business_license",
            "full.png",
            &fixtures::padded_png(MAX_UPLOAD_BYTES),
        )
        .await
        .material();
    assert_eq!(full.size, MAX_UPLOAD_BYTES as u64);
}

#[tokio::test]
async fn a_form_without_javascript_gets_a_redirect_and_the_outcome_in_the_session() {
    let rig = start().await;
    let client = rig.sign_in(OWNER).await;
    let number = rig.submit(OWNER, &[]).await;
    let page = format!("/p/{PROJECT}/applications/{number}/materials");
    let flash = async || -> MaterialsFlash {
        serde_json::from_value(rig.session_value(&client, FLASH_KEY).await.unwrap()).unwrap()
    };

    // Forms send Origin on POST, and no Sec-Fetch-* in older browsers.
    let origin = [("origin", "http://portal.test")];
    let uploaded = client
        .upload_with(
            &number,
            "seal_form",
            Style::Form,
            "seal.jpg",
            &fixtures::jpeg(10, 10),
            &origin,
        )
        .await;
    assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.body);
    assert_eq!(uploaded.location(), Some(page.as_str()));
    assert_eq!(
        flash().await,
        MaterialsFlash {
            slot: "seal_form".into(),
            ok: true,
            message: "已上传“《数字证书电子印章采集表》”".into(),
        }
    );

    let refused = client
        .upload_with(
            &number,
            "seal_form",
            Style::Form,
            "seal.jpg",
            &fixtures::exe(),
            &origin,
        )
        .await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER);
    assert_eq!(refused.location(), Some(page.as_str()));
    let message = flash().await;
    assert!(!message.ok);
    assert!(message.message.contains("Windows 程序"), "{message:?}");
    // The refused file did not replace the stored one.
    assert_eq!(
        client.file(&number, "seal_form").await.headers[header::CONTENT_TYPE],
        "image/jpeg"
    );

    // A form with no file chosen.
    let empty = client
        .upload_with(&number, "seal_form", Style::Form, "", b"", &origin)
        .await;
    assert_eq!(empty.status, StatusCode::SEE_OTHER);
    assert_eq!(
        flash().await.message,
        "文件是空的（0 字节），请重新选择扫描件后上传"
    );

    let removed = client
        .delete(&number, "seal_form", Style::Form, &origin)
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    assert_eq!(removed.location(), Some(page.as_str()));
    assert_eq!(flash().await.message, "已删除“《数字证书电子印章采集表》”");
    assert_eq!(rig.count("SELECT COUNT(*) FROM materials").await, 0);

    // Signed out: the form goes to the login page, the XHR gets 401.
    let stranger = Client::new(&rig.server);
    let form = stranger
        .upload_with(
            &number,
            "seal_form",
            Style::Form,
            "a.jpg",
            &fixtures::jpeg(8, 8),
            &origin,
        )
        .await;
    assert_eq!(form.status, StatusCode::SEE_OTHER);
    assert_eq!(form.location(), Some("/p/soetp/login"));
    let xhr = stranger
        .upload(&number, "seal_form", "a.jpg", &fixtures::jpeg(8, 8))
        .await;
    assert_eq!(xhr.refusal().0, StatusCode::UNAUTHORIZED);
    assert_eq!(xhr.refusal().1, "unauthenticated");
    assert_eq!(
        stranger.file(&number, "seal_form").await.location(),
        Some("/p/soetp/login")
    );
    assert_eq!(rig.count("SELECT COUNT(*) FROM materials").await, 0);
}

#[tokio::test]
async fn another_users_application_and_unknown_slots_are_not_found() {
    let rig = start().await;
    let owner = rig.sign_in(OWNER).await;
    let number = rig.submit(OWNER, &["王喆"]).await;
    let jpeg = fixtures::jpeg(16, 16);
    owner
        .upload(&number, "business_license", "a.jpg", &jpeg)
        .await
        .material();

    let other = rig.sign_in("13987654321").await;
    let none: [(&str, &str); 0] = [];
    let not_found =
        |reply: Reply| assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
    let upload = other
        .upload(&number, "business_license", "b.jpg", &fixtures::png(4, 4))
        .await;
    assert_eq!(upload.refusal().1, "not_found");
    not_found(upload);
    not_found(other.file(&number, "business_license").await);
    not_found(
        other
            .delete(&number, "business_license", Style::Xhr, &none)
            .await,
    );
    assert!(
        !other
            .file(&number, "business_license")
            .await
            .body
            .contains("JFIF")
    );

    // The owner, with a slot the application does not have, another project, a made-up number.
    not_found(
        owner
            .upload(&number, "applicant_id_copy-1", "c.jpg", &jpeg)
            .await,
    );
    not_found(
        owner
            .upload(&number, "agent_identity", "c.jpg", &jpeg)
            .await,
    );
    let elsewhere = format!("/p/other/applications/{number}/materials/business_license/file");
    let request = owner
        .request("GET", &elsewhere, Style::Xhr, &[])
        .body(Body::empty())
        .unwrap();
    not_found(owner.send(request).await);
    not_found(owner.file("SQ202503019999", "business_license").await);

    assert_eq!(owner.file(&number, "business_license").await.bytes, jpeg);
    assert_eq!(rig.count("SELECT COUNT(*) FROM materials").await, 1);
}

#[tokio::test]
async fn cross_site_posts_are_refused() {
    let rig = start().await;
    let client = rig.sign_in(OWNER).await;
    let number = rig.submit(OWNER, &[]).await;
    let jpeg = fixtures::jpeg(16, 16);

    for headers in [
        &[("origin", "https://evil.example")][..],
        &[("origin", "http://portal.test.evil.example")],
        &[("origin", "null")],
        &[("sec-fetch-site", "cross-site")],
        &[
            ("sec-fetch-site", "same-site"),
            ("origin", "http://portal.test"),
        ],
    ] {
        for style in [Style::Xhr, Style::Form] {
            let reply = client
                .upload_with(&number, "business_license", style, "a.jpg", &jpeg, headers)
                .await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{headers:?}");
        }
        let reply = client
            .upload_with(
                &number,
                "business_license",
                Style::Xhr,
                "a.jpg",
                &jpeg,
                headers,
            )
            .await;
        assert_eq!(reply.refusal().1, "cross_site");
    }
    assert_eq!(rig.count("SELECT COUNT(*) FROM materials").await, 0);

    // From the site itself: with Origin, with Sec-Fetch-Site alone, or with neither (old
    // browsers, scripts).
    for headers in [
        &[("origin", "http://portal.test")][..],
        &[("sec-fetch-site", "same-origin")],
        &[],
    ] {
        let reply = client
            .upload_with(
                &number,
                "business_license",
                Style::Xhr,
                "a.jpg",
                &jpeg,
                headers,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{headers:?}: {}", reply.body);
    }

    let forged = client
        .delete(
            &number,
            "business_license",
            Style::Form,
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(rig.count("SELECT COUNT(*) FROM materials").await, 1);
}

#[tokio::test]
async fn documents_are_rendered_for_the_owner_with_a_font_subset_and_a_check_code() {
    let rig = start().await;
    let owner = rig.sign_in(OWNER).await;
    let number = rig.submit(OWNER, &["王喆"]).await;
    let pdf_uri = |slug: &str| format!("/p/{PROJECT}/applications/{number}/documents/{slug}.pdf");

    // The server-rendered letter, for browsers without wasm: a real PDF with the facts.
    let get = |uri: String| {
        owner
            .request("GET", &uri, Style::Form, &[])
            .body(Body::empty())
            .unwrap()
    };
    let letter = owner.send(get(pdf_uri("authorization-letter"))).await;
    assert_eq!(letter.status, StatusCode::OK);
    assert_eq!(letter.headers[header::CONTENT_TYPE], "application/pdf");
    assert_eq!(letter.headers[header::CACHE_CONTROL], "private, no-store");
    assert!(letter.bytes.starts_with(b"%PDF-"));
    assert!(
        letter.bytes.len() < 200 * 1024,
        "{} bytes",
        letter.bytes.len()
    );
    for slug in ["application-form", "seal-sheet"] {
        assert_eq!(owner.send(get(pdf_uri(slug))).await.status, StatusCode::OK);
    }
    assert_eq!(
        owner.send(get(pdf_uri("passport"))).await.status,
        StatusCode::NOT_FOUND
    );

    // Nobody else gets it: another user, or nobody at all.
    let other = rig.sign_in("13900001111").await;
    let request = other
        .request("GET", &pdf_uri("authorization-letter"), Style::Form, &[])
        .body(Body::empty())
        .unwrap();
    assert_eq!(other.send(request).await.status, StatusCode::NOT_FOUND);
    let (status, headers, _) = common::get(&rig.server, &pdf_uri("authorization-letter")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], format!("/p/{PROJECT}/login"));

    // The font the browser fetches holds just the characters asked for, and may be cached.
    let documents = &rig.server.state.documents;
    let font_path = documents.font_path("授权委托书王喆0123456789");
    let (status, headers, _) = common::get(&rig.server, &font_path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "font/ttf");
    assert!(
        headers[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    let font = owner
        .send(
            owner
                .request("GET", &font_path, Style::Xhr, &[])
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(font.bytes.len() < 20 * 1024, "{} bytes", font.bytes.len());

    // The QR code's check code opens the verification page for this number only.
    let url = documents.verify_url(&number);
    let code = url.rsplit_once("?c=").unwrap().1;
    assert!(url.contains(&format!("/verify/{number}?c=")));
    assert!(documents.verify(&number, code));
    assert!(!documents.verify(&number, "0000000000000000"));
    assert!(!documents.verify("SQ202503019999", code));
}
