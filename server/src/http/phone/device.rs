//! The phone's side of the handoff: no login, the link's token and the device cookie are the
//! credential. Plain forms (no JavaScript) get redirects back to the phone page.

use app::domain::handoff::{
    IdSide, MAX_FRAME_BYTES, MAX_FRAMES, MAX_PHOTO_BYTES, PROMPTS_MIN, PhotoProblem,
};
use app::services::handoff::{DEVICE_COOKIE, HandoffError};
use app::state::AppState;
use axum::Extension;
use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use serde::Deserialize;

use super::{CookiePolicy, fresh_json};
use crate::http::answer::{HttpError, no_store, see_other};
use crate::http::client_addr::ClientIp;
use crate::http::security::Style;

/// Seconds the device cookie lives; longer than any session.
const DEVICE_COOKIE_SECS: u32 = 3600;

#[derive(Deserialize)]
pub(super) struct TokenPath {
    token: String,
}

#[derive(Deserialize)]
pub(super) struct SidePath {
    token: String,
    side: String,
}

/// The device cookie's value, if the request carries one.
pub(super) fn device_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == DEVICE_COOKIE)
        .map(|(_, value)| value.trim().to_owned())
}

fn set_device_cookie(secret: &str, policy: CookiePolicy) -> Option<HeaderValue> {
    let secure = if policy.secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{DEVICE_COOKIE}={secret}; HttpOnly; SameSite=Lax; Path=/m; Max-Age={DEVICE_COOKIE_SECS}{secure}"
    ))
    .ok()
}

/// The phone page, where a plain form goes back to.
fn page(token: &str) -> String {
    // A token is base64url; anything else would not have been accepted.
    let token: String = token
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect();
    format!("/m/{token}")
}

pub(super) async fn phone_state(
    State(state): State<AppState>,
    Path(path): Path<TokenPath>,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let device = device_cookie(&headers);
    let phone = state
        .handoff
        .phone_state(&path.token, device.as_deref())
        .await?;
    Ok(fresh_json(phone))
}

pub(super) async fn claim(
    State(state): State<AppState>,
    Extension(policy): Extension<CookiePolicy>,
    Path(path): Path<TokenPath>,
    headers: HeaderMap,
) -> Response {
    let style = Style::of(&headers);
    let device = device_cookie(&headers);
    let back = page(&path.token);
    match state.handoff.claim(&path.token, device.as_deref()).await {
        Ok((phone, secret)) => {
            let mut response = match style {
                Style::Json => Json(phone).into_response(),
                Style::Form => see_other(&back),
            };
            if let Some(cookie) = secret.and_then(|s| set_device_cookie(&s, policy)) {
                response.headers_mut().append(header::SET_COOKIE, cookie);
            }
            no_store(response)
        }
        Err(error) => answer(style, &back, error.into()),
    }
}

pub(super) async fn id_photo(
    State(state): State<AppState>,
    Path(path): Path<SidePath>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let style = Style::of(&headers);
    let back = page(&path.token);
    let device = device_cookie(&headers);
    let outcome = async {
        let side = IdSide::parse(&path.side).ok_or(HandoffError::NotFound)?;
        let mut files = read_files(multipart, "file", MAX_PHOTO_BYTES, 1).await?;
        let image = files.files.pop().unwrap_or_default();
        Ok(state
            .handoff
            .id_photo(&path.token, device.as_deref(), side, image)
            .await?)
    }
    .await;
    match (style, outcome) {
        (Style::Form, Ok(_)) => see_other(&back),
        (_, outcome) => match outcome {
            Ok(result) => fresh_json(result),
            Err(error) => answer(style, &back, error),
        },
    }
}

pub(super) async fn start_liveness(
    State(state): State<AppState>,
    Path(path): Path<TokenPath>,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let device = device_cookie(&headers);
    let challenge = state
        .handoff
        .start_liveness(&path.token, device.as_deref())
        .await?;
    Ok(fresh_json(challenge))
}

pub(super) async fn liveness(
    State(state): State<AppState>,
    Path(path): Path<TokenPath>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, HttpError> {
    let device = device_cookie(&headers);
    let parts = read_files(multipart, "frame", MAX_FRAME_BYTES, MAX_FRAMES).await?;
    let challenge = parts.challenge.ok_or(HandoffError::ChallengeStale)?;
    let result = state
        .handoff
        .liveness(&path.token, device.as_deref(), &challenge, parts.files)
        .await?;
    Ok(fresh_json(result))
}

#[derive(Deserialize)]
struct CodeForm {
    code: String,
}

pub(super) async fn redeem_code(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let style = Style::of(&headers);
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let form: Option<CodeForm> = if is_json {
        serde_json::from_slice(&body).ok()
    } else {
        serde_urlencoded_code(&body)
    };
    let Some(form) = form else {
        return answer(style, "/m", malformed());
    };
    match state.handoff.redeem_code(&form.code, client).await {
        Ok(redeemed) => match style {
            Style::Json => fresh_json(redeemed),
            Style::Form => see_other(&redeemed.path),
        },
        Err(error) => answer(style, "/m", error.into()),
    }
}

/// The `code` field of a form body.
fn serde_urlencoded_code(body: &[u8]) -> Option<CodeForm> {
    form_urlencoded::parse(body)
        .find(|(name, _)| name == "code")
        .map(|(_, value)| CodeForm {
            code: value.into_owned(),
        })
}

/// The files posted as `field` (at most `max_count`, each at most `max_bytes`) and the
/// `challenge` text field, if any.
struct Parts {
    files: Vec<Vec<u8>>,
    challenge: Option<String>,
}

async fn read_files(
    multipart: Result<Multipart, MultipartRejection>,
    field_name: &str,
    max_bytes: usize,
    max_count: usize,
) -> Result<Parts, HttpError> {
    let mut multipart = multipart.map_err(|_| malformed())?;
    let mut parts = Parts {
        files: Vec::new(),
        challenge: None,
    };
    let too_large = || HttpError::from(HandoffError::Photo(PhotoProblem::TooLarge { max_bytes }));
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(body_failure(max_bytes))?
    {
        match field.name() {
            Some("challenge") => {
                let text = field.text().await.map_err(body_failure(max_bytes))?;
                parts.challenge = Some(text.trim().chars().take(64).collect());
            }
            Some(name) if name == field_name => {
                if parts.files.len() == max_count {
                    if max_count == 1 {
                        // One photo expected: the first counts.
                        continue;
                    }
                    return Err(HttpError::from(HandoffError::FrameCount {
                        min: (PROMPTS_MIN + 1) as u8,
                        max: max_count as u8,
                        got: max_count + 1,
                    }));
                }
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(body_failure(max_bytes))? {
                    if bytes.len() + chunk.len() > max_bytes {
                        return Err(too_large());
                    }
                    bytes.extend_from_slice(&chunk);
                }
                parts.files.push(bytes);
            }
            _ => {}
        }
    }
    if parts.files.is_empty() && max_count == 1 {
        return Err(HttpError::from(HandoffError::Photo(PhotoProblem::Empty)));
    }
    Ok(parts)
}

fn body_failure(max_bytes: usize) -> impl Fn(MultipartError) -> HttpError {
    move |error| {
        if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
            HttpError::from(HandoffError::Photo(PhotoProblem::TooLarge { max_bytes }))
        } else {
            malformed()
        }
    }
}

fn malformed() -> HttpError {
    HttpError::bad_request("请求不完整，请重新操作")
}

/// A refusal as JSON, or for a plain form a 303 to `back` with `?error=<code>`.
fn answer(style: Style, back: &str, error: HttpError) -> Response {
    match style {
        Style::Json => error.into_response(),
        Style::Form => error.to_form(back),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_device_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("cp_session=abc; cp_handoff_device=xyz ; other=1"),
        );
        assert_eq!(device_cookie(&headers).as_deref(), Some("xyz"));
        assert_eq!(device_cookie(&HeaderMap::new()), None);
    }

    #[test]
    fn the_device_cookie_is_http_only_lax_and_scoped_to_m() {
        let cookie = set_device_cookie("s3cret", CookiePolicy { secure: true }).unwrap();
        assert_eq!(
            cookie.to_str().unwrap(),
            "cp_handoff_device=s3cret; HttpOnly; SameSite=Lax; Path=/m; Max-Age=3600; Secure"
        );
    }

    #[test]
    fn form_pages_keep_only_token_characters() {
        assert_eq!(page("abc-_DEF"), "/m/abc-_DEF");
        assert_eq!(page("a/../b?x"), "/m/abx");
    }
}
