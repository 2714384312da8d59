//! Shared set-up for the integration tests: a server on a temporary data folder, the repo's
//! catalog and agreement texts, and a clock the test moves.
#![allow(dead_code)] // each test file uses a different part

pub mod applicant;
pub mod browser;
pub mod engines;
pub mod handoff;
pub mod issued;
pub mod net;
pub mod pages;
pub mod payment;
pub mod production;
pub mod rig;
pub mod rows;
pub mod seed;
pub mod upload;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use server::clock::ManualClock;
use server::config::{Config, SandboxMode};
use server::store::Engine;
use time::macros::datetime;
use tower::ServiceExt;

/// 10:00 in Beijing on 1 March 2025, far from a day boundary.
pub const START: time::OffsetDateTime = datetime!(2025-03-01 02:00 UTC);

pub fn repo_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(name)
}

/// The settings of a fresh local install on `data_dir`: the sandbox, as `scripts/run.sh` runs.
pub fn config(data_dir: &Path) -> Config {
    config_on(engines::selected(), data_dir)
}

/// [`config`] on a given engine, whatever `TEST_ENGINE` says.
pub fn config_on(engine: Engine, data_dir: &Path) -> Config {
    Config {
        sandbox: SandboxMode::On,
        catalog_dir: repo_dir("catalog"),
        content_dir: repo_dir("content"),
        document_font: repo_dir(
            "node_modules/@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf",
        ),
        database_url: match engine {
            Engine::Sqlite => None,
            engine => Some(engines::database_url(engine, data_dir)),
        },
        ..Config::with_defaults(data_dir)
    }
}

pub fn leptos_options() -> LeptosOptions {
    LeptosOptions::builder().output_name("cert-portal").build()
}

pub async fn start(data_dir: &Path) -> server::Server {
    start_with(config(data_dir)).await.0
}

/// Starts on `config` with a clock standing at [`START`].
pub async fn start_with(config: Config) -> (server::Server, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(START));
    let server = server::build_with_clock(&config, leptos_options(), clock.clone())
        .await
        .expect("server starts on a fresh data folder");
    (server, clock)
}

/// The address requests come from in tests, as `into_make_service_with_connect_info` gives it.
pub fn client_addr() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 40000))
}

pub async fn send(
    router: &axum::Router,
    request: Request<Body>,
) -> (StatusCode, header::HeaderMap, String) {
    let response = router
        .clone()
        .layer(MockConnectInfo(client_addr()))
        .oneshot(request)
        .await
        .unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    (
        parts.status,
        parts.headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

pub async fn get(server: &server::Server, uri: &str) -> (StatusCode, header::HeaderMap, String) {
    send(
        &server.router,
        Request::get(uri).body(Body::empty()).unwrap(),
    )
    .await
}

/// Everything the database behind `data_dir` has stored, on either engine
/// ([`engines::stored_bytes`]): what a test searches to prove a value is never kept in clear.
pub fn database_bytes(data_dir: &Path) -> Vec<u8> {
    engines::stored_bytes(data_dir)
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
