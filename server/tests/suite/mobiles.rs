//! Applicants' mobile numbers are kept encrypted, found through a keyed hash: nothing in the
//! database file gives a number away, and a database written before that is converted at start.

use crate::common;

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use common::applicant::{OWNER, user};
use common::browser::Browser;
use common::{contains, database_bytes};
use server::clock::ManualClock;
use server::config::{CaptchaMode, Config};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};

/// A second applicant who asks for a code and never types it.
const WAITING: &str = "13912340007";
/// Numbers written by a server from before the encryption.
const OLD_USER: &str = "13800000001";
const OLD_CODE_ONLY: &str = "13800000002";

/// A local install as the tests run it: no image captcha, the clock at [`common::START`].
async fn start(dir: &Path) -> (server::Server, Arc<ManualClock>) {
    common::start_with(Config {
        captcha: CaptchaMode::Off,
        ..common::config(dir)
    })
    .await
}

/// [`start`] on the SQLite file in `dir` whatever `TEST_ENGINE` says: numbers in clear exist
/// only in SQLite databases from before the encryption.
async fn start_on_sqlite(dir: &Path) -> (server::Server, Arc<ManualClock>) {
    common::start_with(Config {
        captcha: CaptchaMode::Off,
        ..common::config_on(server::store::Engine::Sqlite, dir)
    })
    .await
}

async fn close(server: server::Server) {
    server.maintenance.abort();
    server.db.pool().close().await;
    server.db.close().await;
}

fn assert_nowhere(dir: &Path, numbers: &[&str]) {
    let bytes = database_bytes(dir);
    assert!(!bytes.is_empty(), "the database was written");
    for number in numbers {
        assert!(
            !contains(&bytes, number.as_bytes()),
            "{number} is in the database file in clear"
        );
    }
}

#[tokio::test]
async fn signing_in_leaves_no_mobile_number_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let (server, clock) = start(dir.path()).await;
    let browser = Browser::new(&server);
    browser.sign_in(OWNER, &[]).await;
    // Signed in again later: the same account, found by its number.
    let first = user(&server, OWNER).await;
    clock.advance(time::Duration::minutes(2));
    Browser::new(&server).sign_in(OWNER, &[]).await;
    assert_eq!(user(&server, OWNER).await, first);

    let waiting = Browser::new(&server);
    let sent = waiting
        .send(common::applicant::login_request(format!(
            "project={}&mobile={WAITING}&intent=send",
            common::applicant::PROJECT
        )))
        .await;
    assert_eq!(sent.status, axum::http::StatusCode::OK, "{}", sent.body);
    // The login page still offers the number the code went to.
    let page = waiting
        .send(
            axum::http::Request::get(format!("/p/{}/login", common::applicant::PROJECT))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert!(page.body.contains(WAITING), "{}", page.body);

    close(server).await;
    assert_nowhere(dir.path(), &[OWNER, WAITING]);
}

/// The database as the server left it before migration 0018, with an account, a recent code
/// and a kept message, each naming a number in clear.
async fn database_before_encryption(dir: &Path) -> i64 {
    let url = format!("sqlite://{}", dir.join("portal.db").display());
    let options = SqliteConnectOptions::from_str(&url)
        .unwrap()
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .connect_with(options)
        .await
        .unwrap();
    let mut migrator = sqlx::migrate!("./migrations/sqlite");
    migrator.migrations = migrator
        .migrations
        .iter()
        .filter(|m| m.version < 18)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    migrator.run(&pool).await.unwrap();
    let now = common::START.unix_timestamp();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (mobile, created_at, last_login_at, last_login_ip)
         VALUES (?, '2025-02-01T00:00:00.000Z', '2025-02-01T00:00:00.000Z', '127.0.0.1')
         RETURNING id",
    )
    .bind(OLD_USER)
    .fetch_one(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO consents (user_id, document, version, accepted_at, ip)
         VALUES (?, 'privacy', ?, '2025-02-01T00:00:00.000Z', '127.0.0.1')",
    )
    .bind(id)
    .bind("0".repeat(64))
    .execute(&pool)
    .await
    .unwrap();
    // A code sent a moment ago: the wait before the next one still holds after the upgrade.
    sqlx::query(
        "INSERT INTO sms_codes (mobile, code_hash, ip_key, sent_at, expires_at)
         VALUES (?, zeroblob(32), '127.0.0.1', ?, ?)",
    )
    .bind(OLD_CODE_ONLY)
    .bind(now - 10)
    .bind(now + 290)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO sms_outbox (to_mobile, kind, text, sent_at)
         VALUES (?, 'notice', '您的申请已受理', '2025-02-01T00:00:00.000Z')",
    )
    .bind(OLD_USER)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    assert!(contains(&database_bytes(dir), OLD_USER.as_bytes()));
    id
}

#[tokio::test]
async fn a_database_with_numbers_in_clear_is_converted_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let old_id = database_before_encryption(dir.path()).await;

    let (server, _) = start_on_sqlite(dir.path()).await;
    close(server).await;
    assert_nowhere(dir.path(), &[OLD_USER, OLD_CODE_ONLY]);

    // Started again (nothing left to convert), everything is found by number.
    let (server, _) = start_on_sqlite(dir.path()).await;
    assert_eq!(user(&server, OLD_USER).await.0, old_id);
    assert_eq!(
        common::applicant::last_sms(&server, OLD_USER)
            .await
            .as_deref(),
        Some("您的申请已受理")
    );
    let outbox = server.state.outbox.clone().unwrap();
    let messages = outbox.recent(10).await.unwrap();
    assert_eq!(messages[0].to, OLD_USER, "the outbox shows the number");
    let mobile = app::domain::mobile::validate(OLD_CODE_ONLY).unwrap();
    let again = server
        .state
        .login
        .send_code(&mobile, "", "", "203.0.113.9".parse().unwrap(), "【测试】")
        .await;
    assert!(
        matches!(
            again,
            Err(app::services::login::LoginError::ResendTooSoon { .. })
        ),
        "{again:?}"
    );
    // The old account signs in as itself.
    Browser::new(&server).sign_in(OLD_USER, &[]).await;
    assert_eq!(user(&server, OLD_USER).await.0, old_id);
    close(server).await;
    assert_nowhere(dir.path(), &[OLD_USER, OLD_CODE_ONLY]);
}
