//! Start-up against a fresh database, then the HTTP basics, through the real router.

use std::path::PathBuf;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use server::config::Config;
use tower::ServiceExt;

async fn start(data_dir: &std::path::Path) -> server::Server {
    let config = Config {
        bind_addr: None,
        data_dir: data_dir.to_path_buf(),
        database_url: None,
        catalog_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../catalog"),
    };
    let options = LeptosOptions::builder().output_name("cert-portal").build();
    server::build(&config, options)
        .await
        .expect("server starts on a fresh data folder")
}

async fn get(server: &server::Server, uri: &str) -> (StatusCode, header::HeaderMap, String) {
    let response = server
        .router
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
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

#[tokio::test]
async fn fresh_start_creates_database_and_applies_migrations() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;

    assert!(dir.path().join("portal.db").exists());
    assert!(dir.path().join("uploads").is_dir());
    let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(&server.pool)
        .await
        .unwrap();
    let on_disk = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .unwrap()
        .count();
    assert_eq!(applied as usize, on_disk);

    let snapshot: String =
        sqlx::query_scalar("SELECT project_id FROM catalog_snapshots WHERE project_id = 'soetp'")
            .fetch_one(&server.pool)
            .await
            .unwrap();
    assert_eq!(snapshot, "soetp");
}

#[tokio::test]
async fn restart_on_the_same_data_keeps_one_snapshot_per_catalog_version() {
    let dir = tempfile::tempdir().unwrap();
    let first = start(dir.path()).await;
    first.pool.close().await;
    let second = start(dir.path()).await;
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM catalog_snapshots WHERE project_id = 'soetp'")
            .fetch_one(&second.pool)
            .await
            .unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn healthz_reports_ok_with_baseline_headers() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let (status, headers, body) = get(&server, "/healthz").await;

    assert_eq!(status, StatusCode::OK);
    assert!(body.contains(r#""status":"ok""#), "{body}");
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(headers[header::REFERRER_POLICY], "same-origin");
    assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
}

#[tokio::test]
async fn guide_page_is_rendered_on_the_server_with_the_fee_total_and_a_nonce_policy() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let (status, headers, body) = get(&server, "/p/soetp").await;

    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("山西国有企业阳光招采平台"));
    assert!(
        body.contains("480.00"),
        "the default quote is in the server HTML"
    );
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("page policy carries a nonce");
    assert!(
        body.contains(&format!("nonce=\"{nonce}\"")),
        "hydration script carries the nonce"
    );
    assert!(csp.contains("frame-ancestors 'none'"));
}

#[tokio::test]
async fn unknown_project_and_unknown_path_are_404() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    assert_eq!(
        get(&server, "/p/no-such-platform").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(get(&server, "/no/such/page").await.0, StatusCode::NOT_FOUND);
}
