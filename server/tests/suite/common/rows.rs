//! Rows the tests need before the one under test (a user, a catalog snapshot, a submitted
//! application), written on either engine.

use server::store::Db;
use server::store::applications::{ApplicationRepo, NewApplication, Submitted};

pub const VERSION: &str = "snapshot-1";

/// A new user; `n` makes the mobile index unique.
pub async fn user(db: &Db, n: u8) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO users (mobile_index, mobile_sealed, created_at, last_login_at, last_login_ip)
         VALUES ($1, $2, 0, 0, '127.0.0.1') RETURNING id",
    )
    .bind(vec![n; 32])
    .bind(vec![1u8; 40])
    .fetch_one(db.pool())
    .await
    .unwrap()
}

/// The catalog version applications name.
pub async fn snapshot(db: &Db) {
    sqlx::query(
        "INSERT INTO catalog_snapshots (content_hash, project_id, content, first_loaded_at)
         VALUES ($1, 'demo', '{}', 0) ON CONFLICT (content_hash) DO NOTHING",
    )
    .bind(VERSION)
    .execute(db.pool())
    .await
    .unwrap();
}

pub fn new_application<'a>(
    user: i64,
    project: &'a str,
    day: &'a str,
    at: i64,
) -> NewApplication<'a> {
    NewApplication {
        user,
        project,
        day,
        status: "awaiting_materials",
        quote: "{}",
        total_fen: 38_000,
        catalog_version: VERSION,
        at,
    }
}

/// Saves a draft of `project` for `user` and submits it on `day`; returns the number.
pub async fn submitted(db: &Db, user: i64, project: &str, day: &str, at: i64) -> String {
    snapshot(db).await;
    db.save_draft(user, project, b"draft", "org", at)
        .await
        .unwrap()
        .unwrap();
    let seal = |number: &str| number.as_bytes().to_vec();
    match db
        .submit(&new_application(user, project, day, at), &seal)
        .await
        .unwrap()
    {
        Submitted::New(number) => number,
        other => panic!("not submitted: {other:?}"),
    }
}

/// A user with a submitted application numbered `number`: (user id, application id).
pub async fn application(db: &Db, number: &str) -> (i64, i64) {
    let pool = db.pool();
    let user: i64 = sqlx::query_scalar(
        "INSERT INTO users (mobile_index, mobile_sealed, created_at, last_login_at, last_login_ip)
         VALUES ($1, $2, 0, 0, '127.0.0.1') RETURNING id",
    )
    .bind(number.as_bytes().repeat(3)[..32].to_vec())
    .bind(vec![1u8; 40])
    .fetch_one(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO catalog_snapshots (content_hash, project_id, content, first_loaded_at)
         VALUES ('h', 'p', '', 0) ON CONFLICT (content_hash) DO NOTHING",
    )
    .execute(pool)
    .await
    .unwrap();
    let draft: i64 = sqlx::query_scalar(
        "INSERT INTO drafts (user_id, project_id, data, step, created_at, saved_at)
         VALUES ($1, 'p', $2, 'review', 0, 0) RETURNING id",
    )
    .bind(user)
    .bind(vec![0u8])
    .fetch_one(pool)
    .await
    .unwrap();
    let application = sqlx::query_scalar(
        "INSERT INTO applications (number, user_id, project_id, draft_id, status, data, quote,
                                   total_fen, catalog_version, submitted_at, updated_at)
         VALUES ($1, $2, 'p', $3, 'submitted', $4, '', 0, 'h', 0, 0) RETURNING id",
    )
    .bind(number)
    .bind(user)
    .bind(draft)
    .bind(vec![0u8])
    .fetch_one(pool)
    .await
    .unwrap();
    (user, application)
}
