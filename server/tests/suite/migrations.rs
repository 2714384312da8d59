//! SQLite databases from before the one timestamp representation keep their times.

use crate::common;

use sqlx::sqlite::SqlitePoolOptions;

#[tokio::test]
async fn text_timestamps_become_unix_seconds_with_rows_and_ids_kept() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("portal.db").display()
    );
    let pool = SqlitePoolOptions::new().connect(&url).await.unwrap();
    let mut before = sqlx::migrate!("./migrations/sqlite");
    before.migrations = before
        .migrations
        .iter()
        .filter(|m| m.version < 20)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    before.run(&pool).await.unwrap();
    sqlx::query(
        "INSERT INTO users (id, mobile_index, mobile_sealed, created_at, last_login_at,
                            last_login_ip)
         VALUES (41, zeroblob(32), x'01', '2025-03-01T02:00:00.000Z',
                 '2025-03-01T02:00:05.250Z', '127.0.0.1')",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO reviewers (id, login, name, role, password_hash, created_at)
         VALUES (7, 'li', '李审核', 'reviewer', 'x', '2025-02-28T16:00:00.000Z')",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO reviewer_audit (reviewer_id, action, at)
         VALUES (7, 'sign_in', '2025-03-01T02:00:00.999Z')",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;

    let db = server::store::Db::connect(&url).await.unwrap();
    let start = common::START.unix_timestamp();
    let user: (i64, i64, Option<i64>) =
        sqlx::query_as("SELECT created_at, last_login_at, closed_at FROM users WHERE id = 41")
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert_eq!(user, (start, start + 5, None));
    let reviewer: i64 = sqlx::query_scalar("SELECT created_at FROM reviewers WHERE id = 7")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(reviewer, start - 10 * 3600);
    let audit: (i64, i64) = sqlx::query_as("SELECT reviewer_id, at FROM reviewer_audit")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(audit, (7, start));
}

/// `server copy-to` copies every table there is (a new table must be added to its list).
#[tokio::test]
async fn the_copy_to_postgresql_names_every_table() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("portal.db").display());
    let db = server::store::Db::connect(&url).await.unwrap();
    let mut tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table'
           AND name NOT IN ('_sqlx_migrations', 'tower_sessions') ORDER BY name",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    let mut listed: Vec<String> = server::store::copy::TABLES
        .iter()
        .map(|t| (*t).to_owned())
        .collect();
    tables.sort();
    listed.sort();
    assert_eq!(listed, tables);
}
