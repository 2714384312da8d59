//! Rows that no repository of the test's area writes by itself, on either engine.

use server::store::Db;

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
