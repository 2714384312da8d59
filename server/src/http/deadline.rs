//! Every answer within a time limit.
//!
//! A Leptos page whose render stalls (a resource that never resolves: leptos issues 4773,
//! 4851 and 4578) holds its connection open forever and uses no CPU, so nothing else notices.
//! Here a page must be rendered in full within the page limit: an HTML answer's body is
//! collected before it is sent, and one not ready in time is replaced by a 503 page in Chinese
//! with a link to try again, and its route is logged. Other answers must start within a fixed
//! limit (uploads, whose body first crosses the applicant's line, get longer); a file's body
//! then streams at the client's pace. Server-sent event streams are left alone: they carry
//! their own heartbeat and lifetime (`handoff::routes`).

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use leptos::prelude::*;
use tokio::time::{Instant, timeout_at};

/// An answer other than a page must have started by then.
const REQUEST_LIMIT: Duration = Duration::from_secs(30);
/// A multipart upload: 2 MB at about 56 kbit/s, an old line at its worst.
const UPLOAD_LIMIT: Duration = Duration::from_secs(300);
/// What the 503 answer asks a client to wait before trying again.
const RETRY_AFTER_SECS: &str = "5";

#[derive(Clone, Copy, Debug)]
pub struct Deadlines {
    /// A page (any GET), its body included when it is HTML.
    pub page: Duration,
    /// Any other request's answer, to its headers (an HTML body included).
    pub request: Duration,
    /// A multipart upload's answer.
    pub upload: Duration,
}

impl Deadlines {
    /// The fixed limits, with pages allowed `page`.
    pub fn with_page(page: Duration) -> Self {
        Self {
            page,
            request: REQUEST_LIMIT,
            upload: UPLOAD_LIMIT,
        }
    }

    fn of(&self, request: &Request) -> Duration {
        let multipart = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        match *request.method() {
            Method::GET | Method::HEAD => self.page,
            _ if multipart => self.upload,
            _ => self.request,
        }
    }
}

/// `router` with every route (and its fallback) bounded by `limits`.
pub fn bound(router: Router, limits: Deadlines) -> Router {
    router.layer(middleware::from_fn_with_state(limits, enforce))
}

async fn enforce(State(limits): State<Deadlines>, request: Request, next: Next) -> Response {
    // The route's pattern, never the path itself: paths carry one-time handoff tokens.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("(fallback)", |m| m.as_str())
        .to_owned();
    if route.ends_with("/events") {
        return next.run(request).await;
    }
    let limit = limits.of(&request);
    let method = request.method().clone();
    let retry = retry_target(&request);
    let wants_html = accepts_html(request.headers());
    let answer = async {
        let response = next.run(request).await;
        if !is_html(response.headers()) {
            return Ok(response);
        }
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX).await?;
        Ok::<_, axum::Error>(Response::from_parts(parts, Body::from(bytes)))
    };
    match timeout_at(Instant::now() + limit, answer).await {
        Ok(Ok(response)) => response,
        Ok(Err(error)) => {
            tracing::error!(route, %method, %error, "page body failed");
            unavailable(wants_html, &retry, &route)
        }
        Err(_) => {
            tracing::warn!(
                route,
                %method,
                limit_ms = limit.as_millis() as u64,
                "no complete answer in time: answered 503"
            );
            unavailable(wants_html, &retry, &route)
        }
    }
}

fn is_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
}

fn accepts_html(headers: &HeaderMap) -> bool {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    // A browser's navigation asks for text/html; a script asks for JSON. No Accept at all
    // (curl, a plain form in an old browser) gets the page.
    accept.is_none_or(|a| a.contains("text/html") || !a.contains("application/json"))
}

/// Where 再试一次 leads: the same page for a GET, else the page the request came from.
fn retry_target(request: &Request) -> String {
    if matches!(*request.method(), Method::GET | Method::HEAD) {
        return request
            .uri()
            .path_and_query()
            .map_or("/".to_owned(), |p| p.as_str().to_owned());
    }
    // The referrer policy is same-origin, so a Referer is one of this site's pages.
    request
        .headers()
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.parse::<axum::http::Uri>().ok())
        .and_then(|uri| uri.path_and_query().map(|p| p.as_str().to_owned()))
        .filter(|p| p.starts_with('/') && !p.starts_with("//"))
        .unwrap_or_else(|| "/".to_owned())
}

fn unavailable(html: bool, retry: &str, route: &str) -> Response {
    let mut response = if html {
        // The embedded flow's portals frame it; elsewhere no one may.
        let frame = if route.starts_with("/embed/") {
            ""
        } else {
            "; frame-ancestors 'none'"
        };
        let csp =
            format!("default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'{frame}");
        crate::http::html::page(StatusCode::SERVICE_UNAVAILABLE, &csp, page(retry))
    } else {
        let body = serde_json::json!({
            "error": "服务器繁忙，没能及时处理这次请求。请稍等几秒再试",
            "code": "timeout",
        });
        let mut response = (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response();
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    };
    response.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from_static(RETRY_AFTER_SECS),
    );
    response
}

/// The 503 page: what happened, that nothing saved is lost, and one way on.
fn page(retry: &str) -> String {
    let retry = retry.to_owned();
    let body = view! {
        <main id="main" class="app-main">
            <div class="app-width app-page app-narrow">
                <h1>"页面暂时打不开"</h1>
                <p>"服务器这一次没能及时准备好页面，多半是此刻办理的人较多。已经保存的申请信息和上传的资料都不会丢失。"</p>
                <p>
                    <a class="app-button" href=retry>"再试一次"</a>
                </p>
                <p>"如果多次重试仍打不开，请过几分钟再来，或联系受理机构。"</p>
            </div>
        </main>
    };
    crate::http::html::document(
        crate::http::html::Head {
            title: "页面暂时打不开 - 数字证书网上办理",
            stylesheet: "/pkg/cert-portal.css",
            script: None,
        },
        None,
        body.into_any(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::response::Html;
    use axum::routing::{get, post};
    use futures_util::{StreamExt, stream};
    use tower::ServiceExt;

    const SHORT: Deadlines = Deadlines {
        page: Duration::from_millis(200),
        request: Duration::from_millis(200),
        upload: Duration::from_millis(400),
    };

    /// A page whose render sends its start and then never ends, as a stalled Leptos stream.
    async fn stalled_page() -> Response {
        let chunks = stream::iter([Ok::<_, std::io::Error>("<!DOCTYPE html><html>")])
            .chain(stream::pending());
        (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            Body::from_stream(chunks),
        )
            .into_response()
    }

    fn app() -> Router {
        let router = Router::new()
            .route("/p/{project}", get(stalled_page))
            .route("/embed/{project}", get(stalled_page))
            .route("/fine", get(|| async { Html("<p>好</p>") }))
            .route(
                "/api/slow",
                post(|| async {
                    std::future::pending::<()>().await;
                }),
            )
            .route(
                "/slow-file",
                get(|| async {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    // A file's body may take as long as the line needs.
                    Body::from_stream(
                        stream::iter([Ok::<_, std::io::Error>("a")]).chain(stream::pending()),
                    )
                }),
            )
            .route(
                "/x/events",
                get(|| async {
                    tokio::time::sleep(Duration::from_millis(400)).await;
                    "event"
                }),
            );
        bound(router, SHORT)
    }

    async fn call(request: Request<Body>) -> (StatusCode, HeaderMap, String) {
        let response = app().oneshot(request).await.unwrap();
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
        (
            parts.status,
            parts.headers,
            String::from_utf8_lossy(&bytes).into_owned(),
        )
    }

    fn get_html(uri: &str) -> Request<Body> {
        Request::get(uri)
            .header(header::ACCEPT, "text/html")
            .body(Body::empty())
            .unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn a_page_that_stalls_mid_body_becomes_a_503_page_with_a_retry_link() {
        let (status, headers, body) = call(get_html("/p/soetp?step=1&x=2")).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(headers[header::RETRY_AFTER], "5");
        assert!(body.contains("页面暂时打不开"), "{body}");
        assert!(body.contains(r#"href="/p/soetp?step=1&amp;x=2""#), "{body}");
        let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(
            !body.contains("<html><!DOCTYPE"),
            "nothing of the stalled page is sent"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_embedded_flow_keeps_its_portals_able_to_show_the_503_page() {
        let (status, headers, _) = call(get_html("/embed/soetp")).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(!csp.contains("frame-ancestors"), "{csp}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_page_in_time_is_sent_whole() {
        let (status, _, body) = call(get_html("/fine")).await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "<p>好</p>"));
    }

    #[tokio::test(start_paused = true)]
    async fn a_script_that_waits_too_long_gets_json_and_a_post_retries_from_its_page() {
        let request = Request::post("/api/slow")
            .header(header::ACCEPT, "application/json")
            .body(Body::empty())
            .unwrap();
        let (status, _, body) = call(request).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(body.contains(r#""code":"timeout""#), "{body}");

        let form = Request::post("/api/slow")
            .header(
                header::REFERER,
                "http://127.0.0.1:3000/p/soetp/apply/details",
            )
            .body(Body::empty())
            .unwrap();
        let (status, _, body) = call(form).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(body.contains(r#"href="/p/soetp/apply/details""#), "{body}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_file_body_streams_at_its_own_pace_and_event_streams_have_their_own_limits() {
        let response = app()
            .oneshot(Request::get("/slow-file").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let (status, _, body) = call(Request::get("/x/events").body(Body::empty()).unwrap()).await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "event"));
    }

    #[tokio::test(start_paused = true)]
    async fn an_upload_gets_the_longer_limit() {
        let upload = |uri: &str| {
            Request::post(uri)
                .header(header::CONTENT_TYPE, "multipart/form-data; boundary=x")
                .body(Body::empty())
                .unwrap()
        };
        let started = Instant::now();
        let (status, _, _) = call(upload("/api/slow")).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(started.elapsed() >= SHORT.upload);
    }
}
