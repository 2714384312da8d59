//! How the server's own routes answer a request they refuse: one [`HttpError`] with a status,
//! a stable code for scripts and tests, and the sentence an applicant reads. The pages' scripts
//! get it as JSON; a plain HTML form gets a redirect instead ([`HttpError::to_form`]).
//!
//! ```json
//! {"error": "<the Chinese sentence to show>", "code": "<stable code>", "retry_after_secs": 3}
//! ```
//!
//! `retry_after_secs` (and a `Retry-After` header) only where waiting helps; a route may add
//! fields of its own (the handoff's `stage` and `failure`). Every refusal is `no-store`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::heavy::{self, Refused};

/// Seconds a client is asked to wait after the database was too busy to answer.
const STORE_RETRY_SECS: u32 = 2;

#[derive(Debug)]
pub struct HttpError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub retry_after_secs: Option<u32>,
    /// Further fields of the JSON body.
    extra: Map<String, Value>,
    /// What went wrong inside, logged when answered; the client sees `message` only.
    cause: Option<String>,
}

impl HttpError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after_secs: None,
            extra: Map::new(),
            cause: None,
        }
    }

    pub fn sign_in() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", "请先登录")
    }

    /// Unknown, or not the caller's: both look the same from outside.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// Not the body the route expects, or one cut short.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn cross_site() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "cross_site",
            "请求不是从本站页面发出的，已拒绝。请回到本站页面重新操作",
        )
    }

    /// Too much at once: the client tries again after `secs`.
    pub fn busy(message: impl Into<String>, secs: u32) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "busy", message).retry_after(secs)
    }

    /// A failure inside the server: `cause` goes to the log, the client reads a generic line.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        let mut error = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "系统繁忙，请稍后重试",
        );
        error.cause = Some(cause.to_string());
        error
    }

    pub fn retry_after(mut self, secs: u32) -> Self {
        self.retry_after_secs = Some(secs);
        self
    }

    /// Adds a field to the JSON body.
    pub fn with(mut self, key: &str, value: impl Serialize) -> Self {
        if let Ok(value) = serde_json::to_value(value) {
            self.extra.insert(key.to_owned(), value);
        }
        self
    }

    /// For a plain HTML form: back to `page` with `?error=<code>`, which the page explains.
    pub fn to_form(self, page: &str) -> Response {
        self.log();
        see_other(&format!("{page}?error={}", self.code))
    }

    /// The sentence alone, as plain text (a form post that has no page to go back to).
    pub fn to_text(self) -> Response {
        self.log();
        let status = self.status;
        let retry = self.retry_after_secs;
        with_retry_after(no_store((status, self.message).into_response()), retry)
    }

    /// Logs the cause of an internal failure; answering does this by itself.
    pub fn log(&self) {
        if let Some(cause) = &self.cause {
            tracing::error!(code = self.code, %cause, "request failed");
        }
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        self.log();
        let mut body = self.extra;
        body.insert("error".into(), self.message.into());
        body.insert("code".into(), self.code.into());
        if let Some(secs) = self.retry_after_secs {
            body.insert("retry_after_secs".into(), secs.into());
        }
        let response = (self.status, Json(Value::Object(body))).into_response();
        with_retry_after(no_store(response), self.retry_after_secs)
    }
}

impl From<crate::store::StoreError> for HttpError {
    fn from(error: crate::store::StoreError) -> Self {
        match error {
            crate::store::StoreError::Busy => store_busy(),
            other => Self::internal(other),
        }
    }
}

impl From<app::services::StoreError> for HttpError {
    fn from(error: app::services::StoreError) -> Self {
        match error {
            app::services::StoreError::Busy => store_busy(),
            other => Self::internal(other),
        }
    }
}

impl From<Refused> for HttpError {
    fn from(refused: Refused) -> Self {
        match refused {
            Refused::Busy => Self::busy("服务器正忙，请稍等几秒后重试", heavy::RETRY_AFTER_SECS),
            Refused::Panicked => Self::internal(refused),
        }
    }
}

fn store_busy() -> HttpError {
    HttpError::busy("访问的人较多，请稍等几秒后重试", STORE_RETRY_SECS)
}

/// A 303 to `location`, never cached.
pub fn see_other(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(location) => {
            no_store((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response())
        }
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

pub fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn with_retry_after(mut response: Response, secs: Option<u32>) -> Response {
    if let Some(secs) = secs {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body(response: Response) -> Value {
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn a_refusal_is_json_with_its_code_and_wait() {
        let response = HttpError::busy("稍后", 3)
            .with("stage", "opened")
            .into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "3");
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
        let json = body(response).await;
        assert_eq!(json["code"], "busy");
        assert_eq!(json["error"], "稍后");
        assert_eq!(json["retry_after_secs"], 3);
        assert_eq!(json["stage"], "opened");
    }

    #[tokio::test]
    async fn an_internal_failure_keeps_its_cause_out_of_the_answer() {
        let json = body(HttpError::internal("disk on fire at /var/x").into_response()).await;
        assert_eq!(json["code"], "server_error");
        assert!(!json.to_string().contains("disk"));
    }

    #[test]
    fn a_busy_database_asks_the_client_to_wait_instead_of_failing() {
        let error = HttpError::from(crate::store::StoreError::Busy);
        assert_eq!(error.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(error.retry_after_secs, Some(STORE_RETRY_SECS));
    }

    #[test]
    fn a_form_goes_back_to_its_page_with_the_code() {
        let response = HttpError::sign_in().to_form("/m/abc");
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            response.headers()[header::LOCATION],
            "/m/abc?error=unauthenticated"
        );
    }
}
