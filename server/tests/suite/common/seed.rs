//! Rows that the repository tests build on, written straight into either engine: a user and a
//! submitted application, without the services that normally make them.

use server::store::Db;

/// A user whose sealed mobile is made of byte `n`.
pub async fn user(db: &Db, n: u8) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO users (mobile_index, mobile_sealed, created_at, last_login_at, last_login_ip)
         VALUES ($1, $2, 0, 0, '127.0.0.1') RETURNING id",
    )
    .bind(vec![n; 32])
    .bind(vec![n; 40])
    .fetch_one(db.pool())
    .await
    .unwrap()
}

/// An application `number` of `user` in `status`, submitted from a draft; returns its id.
pub async fn application(db: &Db, user: i64, number: &str, status: &str) -> i64 {
    sqlx::query(
        "INSERT INTO catalog_snapshots (content_hash, project_id, content, first_loaded_at)
         VALUES ('seed', 'soetp', '', 0) ON CONFLICT (content_hash) DO NOTHING",
    )
    .execute(db.pool())
    .await
    .unwrap();
    let draft: i64 = sqlx::query_scalar(
        "INSERT INTO drafts (user_id, project_id, data, step, created_at, saved_at)
         VALUES ($1, $2, $3, 'review', 0, 0) RETURNING id",
    )
    .bind(user)
    .bind(format!("soetp-{number}"))
    .bind(vec![0u8; 4])
    .fetch_one(db.pool())
    .await
    .unwrap();
    let id = sqlx::query_scalar(
        "INSERT INTO applications (number, user_id, project_id, draft_id, status, data, quote,
                                   total_fen, catalog_version, submitted_at, updated_at)
         VALUES ($1, $2, 'soetp', $3, $4, $5, '{}', 100, 'seed', 0, 0) RETURNING id",
    )
    .bind(number)
    .bind(user)
    .bind(draft)
    .bind(status)
    .bind(vec![0u8; 4])
    .fetch_one(db.pool())
    .await
    .unwrap();
    sqlx::query("UPDATE drafts SET submitted_as = $1 WHERE id = $2")
        .bind(number)
        .bind(draft)
        .execute(db.pool())
        .await
        .unwrap();
    id
}

/// How many rows `sql` (a `SELECT COUNT(*)` with `$1`) counts for `id`.
pub async fn count(db: &Db, sql: &str, id: i64) -> i64 {
    sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(db.pool())
        .await
        .unwrap()
}
