//! Start-up against a fresh database, then the HTTP basics, through the real router.

use crate::common;

use axum::http::{StatusCode, header};
use common::{get, start};
use server::store::Engine;

#[tokio::test]
async fn fresh_start_creates_database_and_applies_migrations() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;

    let folder = match server.db.engine() {
        Engine::Sqlite => {
            assert!(dir.path().join("portal.db").exists());
            "sqlite"
        }
        Engine::Postgres => "postgres",
    };
    assert!(dir.path().join("uploads").is_dir());
    let applied: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success = TRUE")
            .fetch_one(server.db.pool())
            .await
            .unwrap();
    let on_disk = std::fs::read_dir(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(folder),
    )
    .unwrap()
    .count();
    assert_eq!(applied as usize, on_disk);

    let snapshot: String =
        sqlx::query_scalar("SELECT project_id FROM catalog_snapshots WHERE project_id = 'soetp'")
            .fetch_one(server.db.pool())
            .await
            .unwrap();
    assert_eq!(snapshot, "soetp");
}

#[tokio::test]
async fn restart_on_the_same_data_keeps_one_snapshot_per_catalog_version() {
    let dir = tempfile::tempdir().unwrap();
    let first = start(dir.path()).await;
    first.db.close().await;
    let second = start(dir.path()).await;
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM catalog_snapshots WHERE project_id = 'soetp'")
            .fetch_one(second.db.pool())
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

#[tokio::test]
async fn a_secret_is_generated_once_into_the_data_folder_unless_configured() {
    let dir = tempfile::tempdir().unwrap();
    let first = start(dir.path()).await;
    let path = dir.path().join("secret.key");
    let key = std::fs::read_to_string(&path).unwrap();
    assert_eq!(key.trim().len(), 64, "32 bytes, hex");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    first.db.close().await;
    start(dir.path()).await;
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        key,
        "kept, not replaced"
    );

    let configured = tempfile::tempdir().unwrap();
    let config = server::config::Config {
        secret_key: Some("ab".repeat(32).parse().unwrap()),
        ..common::config(configured.path())
    };
    common::start_with(config).await;
    assert!(!configured.path().join("secret.key").exists());
}

#[tokio::test]
async fn agreements_are_loaded_in_order_with_their_content_hash() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let ids: Vec<&str> = server
        .state
        .agreements
        .iter()
        .map(|a| a.id.as_str())
        .collect();
    assert_eq!(ids, ["service", "privacy", "sensitive"]);
    for agreement in server.state.agreements.iter() {
        assert!(!agreement.title.is_empty() && !agreement.title.starts_with('#'));
        assert!(!agreement.body.is_empty());
        let bytes = std::fs::read(
            common::repo_dir("content")
                .join("agreements")
                .join(format!("{}.md", agreement.id)),
        )
        .unwrap();
        use sha2::Digest;
        assert_eq!(
            agreement.version,
            format!("{:x}", sha2::Sha256::digest(bytes))
        );
    }
}

#[tokio::test]
async fn a_project_may_replace_an_agreement_with_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let site: Vec<_> = server.state.agreements.iter().cloned().collect();
    // hnsggzy has its own service agreement (content/projects/hnsggzy/agreements/service.md).
    let hunan = server.state.agreements.for_project("hnsggzy");
    assert_eq!(hunan.len(), 3);
    assert_eq!(hunan[0].title, site[0].title);
    assert!(
        hunan[0]
            .body
            .starts_with("本版本适用于在湖南省公共资源交易服务平台")
    );
    assert!(hunan[0].body.contains("电子签章"));
    assert_ne!(hunan[0].version, site[0].version);
    assert_eq!(hunan[1..], site[1..]);
    assert_eq!(server.state.agreements.for_project("soetp"), site);
}

#[tokio::test]
async fn agreements_for_a_project_the_catalog_lacks_stop_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let content = tempfile::tempdir().unwrap();
    std::fs::create_dir(content.path().join("agreements")).unwrap();
    for id in ["service", "privacy", "sensitive"] {
        std::fs::write(
            content.path().join("agreements").join(format!("{id}.md")),
            "# 标题\n\n正文。\n",
        )
        .unwrap();
    }
    std::fs::create_dir_all(content.path().join("projects/hnsgzy/agreements")).unwrap();
    let config = server::config::Config {
        content_dir: content.path().to_path_buf(),
        ..common::config(dir.path())
    };
    let error = server::build(&config, common::leptos_options())
        .await
        .err()
        .expect("start-up fails");
    assert!(format!("{error:#}").contains("hnsgzy"), "{error:#}");
}

#[tokio::test]
async fn a_missing_agreement_stops_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let content = tempfile::tempdir().unwrap();
    std::fs::create_dir(content.path().join("agreements")).unwrap();
    for id in ["service", "privacy"] {
        std::fs::write(
            content.path().join("agreements").join(format!("{id}.md")),
            "# 标题\n\n正文。\n",
        )
        .unwrap();
    }
    let config = server::config::Config {
        content_dir: content.path().to_path_buf(),
        ..common::config(dir.path())
    };
    let error = server::build(&config, common::leptos_options())
        .await
        .err()
        .expect("start-up fails");
    assert!(format!("{error:#}").contains("sensitive.md"), "{error:#}");
}

#[tokio::test]
async fn services_follow_the_configuration() {
    use server::config::CaptchaMode;

    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    assert!(
        server.state.login.captcha_required(),
        "captcha on by default"
    );
    assert!(
        server.state.outbox.is_some(),
        "the local provider has an outbox"
    );

    let dir = tempfile::tempdir().unwrap();
    let config = server::config::Config {
        captcha: CaptchaMode::Off,
        ..common::config(dir.path())
    };
    let (server, _) = common::start_with(config).await;
    assert!(!server.state.login.captcha_required());

    // The local provider's messages land in the outbox the state exposes.
    let to = app::domain::mobile::validate("13812345678").unwrap();
    server
        .state
        .sms
        .send(
            &to,
            app::services::sms::SmsKind::Notice,
            "【数字证书网上办理】测试",
        )
        .await
        .unwrap();
    let messages = server
        .state
        .outbox
        .as_ref()
        .unwrap()
        .recent(5)
        .await
        .unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].text, "【数字证书网上办理】测试");
}

#[tokio::test]
async fn a_vendor_provider_has_no_outbox() {
    struct Vendor;
    #[async_trait::async_trait]
    impl app::services::sms::SmsSender for Vendor {
        async fn send(
            &self,
            _: &app::domain::mobile::Mobile,
            _: app::services::sms::SmsKind,
            _: &str,
        ) -> Result<(), app::services::sms::SmsError> {
            Ok(())
        }
    }
    let provider = server::vendor::sms::SmsProvider::external(std::sync::Arc::new(Vendor));
    assert!(provider.outbox.is_none());
}

async fn session_app(config: &server::config::Config, db: &server::store::Db) -> axum::Router {
    use axum::routing::get;
    use tower_sessions::Session;

    let store = server::http::sessions::SessionStore::new(db).unwrap();
    axum::Router::new()
        .route(
            "/in",
            get(|session: Session| async move {
                session.insert("user", 7_i64).await.unwrap();
                "ok"
            }),
        )
        .route(
            "/who",
            get(|session: Session| async move {
                format!("{:?}", session.get::<i64>("user").await.unwrap())
            }),
        )
        .layer(server::session_layer(
            config,
            store,
            std::sync::Arc::new(server::clock::SystemClock),
        ))
}

#[tokio::test]
async fn session_cookies_are_http_only_lax_and_secure_only_over_https() {
    use axum::body::Body;
    use axum::http::Request;

    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let config = common::config(dir.path());
    let app = session_app(&config, &server.db).await;

    let (_, headers, _) =
        common::send(&app, Request::get("/in").body(Body::empty()).unwrap()).await;
    let cookie = headers[header::SET_COOKIE].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("cp_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Max-Age=1800"), "{cookie}");
    assert!(!cookie.contains("Secure"), "{cookie}");

    // The session lives in the database, so any instance can read it.
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tower_sessions")
        .fetch_one(server.db.pool())
        .await
        .unwrap();
    assert_eq!(stored, 1);
    let pair = cookie.split(';').next().unwrap().to_owned();
    let other_instance = session_app(&config, &server.db).await;
    let (_, _, body) = common::send(
        &other_instance,
        Request::get("/who")
            .header(header::COOKIE, pair)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(body, "Some(7)");

    let https = server::config::Config {
        public_url: "https://ca.example.cn".into(),
        session_idle_minutes: 10,
        ..config
    };
    let app = session_app(&https, &server.db).await;
    let (_, headers, _) =
        common::send(&app, Request::get("/in").body(Body::empty()).unwrap()).await;
    let cookie = headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.contains("Secure"), "{cookie}");
    assert!(cookie.contains("Max-Age=600"), "{cookie}");
}

#[tokio::test]
async fn the_login_page_shows_a_captcha_the_server_remembers() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let (status, _, body) = get(&server, "/p/soetp/login").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("data:image/png;base64,"));
    let stored: Vec<String> = sqlx::query_scalar("SELECT id FROM captchas")
        .fetch_all(server.db.pool())
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert!(body.contains(&stored[0]), "the form carries the captcha id");
}
