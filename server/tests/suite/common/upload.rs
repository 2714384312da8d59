//! Uploading a scan as the materials page's XHR does: multipart, same-origin, asking for JSON.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use super::applicant::PROJECT;
use super::browser::{Browser, Reply};

const BOUNDARY: &str = "----upload-helper-boundary";

/// Posts `bytes` as the file of `slot` on application `number`.
pub async fn upload(
    browser: &Browser<'_>,
    number: &str,
    slot: &str,
    file_name: &str,
    bytes: &[u8],
) -> Reply {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; \
         filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend(format!("\r\n--{BOUNDARY}--\r\n").bytes());
    let request = Request::post(format!(
        "/p/{PROJECT}/applications/{number}/materials/{slot}"
    ))
    .header(header::HOST, "portal.test")
    .header(header::ACCEPT, "application/json")
    .header(header::ORIGIN, "http://portal.test")
    .header("sec-fetch-site", "same-origin")
    .header(
        header::CONTENT_TYPE,
        format!("multipart/form-data; boundary={BOUNDARY}"),
    )
    .body(Body::from(body))
    .unwrap();
    browser.send(request).await
}

/// The status, `code` and `error` of a refused upload.
pub fn refusal(reply: &Reply) -> (StatusCode, String, String) {
    let json = reply.json();
    let text = |key: &str| {
        json[key]
            .as_str()
            .unwrap_or_else(|| panic!("no {key} in {} {}", reply.status, reply.body))
            .to_owned()
    };
    (reply.status, text("code"), text("error"))
}
