//! A browser, as far as the server can tell: it keeps the cookies it is given and sends them
//! back, and signs in by SMS code like an applicant.

use std::collections::BTreeMap;
use std::sync::Mutex;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use serde_json::Value;

use super::applicant::{PROJECT, login_code, login_request};

pub struct Browser<'a> {
    pub server: &'a server::Server,
    /// Cookie name → value (paths ignored: every route sees all).
    cookies: Mutex<BTreeMap<String, String>>,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {} {}", self.status, self.body))
    }
}

impl<'a> Browser<'a> {
    pub fn new(server: &'a server::Server) -> Self {
        Self {
            server,
            cookies: Mutex::new(BTreeMap::new()),
        }
    }

    /// The same cookies, talking to `server` (another instance on the same database).
    pub fn on<'b>(&self, server: &'b server::Server) -> Browser<'b> {
        Browser {
            server,
            cookies: Mutex::new(self.cookies.lock().unwrap().clone()),
        }
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().unwrap().get(name).cloned()
    }

    /// The `Cookie` header this browser sends, if it holds any.
    pub fn cookie_header(&self) -> Option<String> {
        let jar = self.cookies.lock().unwrap();
        (!jar.is_empty()).then(|| {
            jar.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    pub async fn send(&self, mut request: Request<Body>) -> Reply {
        if let Some(jar) = self.cookie_header() {
            request
                .headers_mut()
                .insert(header::COOKIE, jar.parse().unwrap());
        }
        let response = tower::ServiceExt::oneshot(
            self.server
                .router
                .clone()
                .layer(axum::extract::connect_info::MockConnectInfo(
                    super::client_addr(),
                )),
            request,
        )
        .await
        .unwrap();
        let (parts, body) = response.into_parts();
        let bytes = http_body_util::BodyExt::collect(body)
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        for value in parts.headers.get_all(header::SET_COOKIE) {
            let pair = value.to_str().unwrap().split(';').next().unwrap().trim();
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies
                .lock()
                .unwrap()
                .insert(name.to_owned(), value.to_owned());
        }
        Reply {
            status: parts.status,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            headers: parts.headers,
            bytes,
        }
    }

    /// Signs in as `mobile` by SMS code (the local outbox holds it), each request carrying
    /// `extra` headers too; returns the answer to the login.
    pub async fn sign_in(&self, mobile: &str, extra: &[(&str, &str)]) -> Reply {
        let request = |fields: String| {
            let mut request = login_request(fields);
            for (name, value) in extra {
                request.headers_mut().insert(
                    axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                    value.parse().unwrap(),
                );
            }
            request
        };
        let sent = self
            .send(request(format!(
                "project={PROJECT}&mobile={mobile}&intent=send"
            )))
            .await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
        let code = login_code(self.server, mobile).await;
        let signed_in = self
            .send(request(format!(
                "project={PROJECT}&mobile={mobile}&code={code}&intent=login"
            )))
            .await;
        assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.body);
        signed_in
    }
}

/// A server function's request as a page's form sends it, from the portal's own origin.
pub fn server_fn(path: &str, body: &str) -> Request<Body> {
    Request::post(path)
        .header(header::HOST, "portal.test")
        .header("origin", "http://portal.test")
        .header("sec-fetch-site", "same-origin")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap()
}

/// `mobile` signed in by SMS code, with the agreements accepted (most pages need both).
pub async fn signed_up<'a>(server: &'a server::Server, mobile: &str) -> Browser<'a> {
    use app::api::consent::AcceptAgreements;
    use leptos::server_fn::ServerFn;

    let browser = Browser::new(server);
    browser.sign_in(mobile, &[]).await;
    let accepted = browser
        .send(server_fn(
            AcceptAgreements::PATH,
            &format!(
                "project={PROJECT}&accept[service]=true&accept[privacy]=true&accept[sensitive]=true"
            ),
        ))
        .await;
    assert_eq!(accepted.body, "[]", "{}", accepted.body);
    browser
}

/// A plain HTML form's POST of `fields` (no script), from the same origin.
pub fn form(uri: &str, fields: &[(&str, &str)]) -> Request<Body> {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(body))
        .unwrap()
}
