//! 撤回同意 and 注销账号 requests (`privacy_requests`), and completing one: the withdrawal, or
//! the account's erasure across its tables, with the request's completion in one transaction.

use sqlx::AnyConnection;
use tower_sessions::session::Record;

use super::erase::{self, Removed};
use super::{Db, Engine, StoreError};

/// The kinds as stored.
pub const WITHDRAW_CONSENT: &str = "withdraw_consent";
pub const CLOSE_ACCOUNT: &str = "close_account";

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct RequestRow {
    pub kind: String,
    pub requested_at: i64,
    pub completed_at: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct PendingRow {
    pub id: i64,
    pub kind: String,
    pub user_id: Option<i64>,
    pub requested_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct CompletedRow {
    pub id: i64,
    pub kind: String,
    pub completed_at: i64,
    pub reviewer: String,
    pub outcome: Option<String>,
}

/// What completing a request did, before its outcome is written in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Done {
    Withdrawn {
        consents: u64,
    },
    Closed {
        drafts: u64,
        cancelled: u64,
        sessions: u64,
        /// The applications kept as certification records.
        kept: Vec<String>,
    },
}

/// A completed request: what was done, its outcome text, and the stored objects to delete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    pub kind: String,
    pub done: Done,
    pub outcome: String,
    pub removed: Removed,
}

#[async_trait::async_trait]
pub trait PrivacyRepo: Send + Sync {
    /// Records a request unless the user has an open one of that kind; whether it did.
    async fn request(&self, user: i64, kind: &str, at: i64) -> Result<bool, StoreError>;

    /// The user's requests, newest first.
    async fn requests_of(&self, user: i64) -> Result<Vec<RequestRow>, StoreError>;

    /// The user's submitted applications that are not cancelled (closure keeps them).
    async fn kept(&self, user: i64) -> Result<Vec<String>, StoreError>;

    /// Open requests, oldest first.
    async fn pending(&self) -> Result<Vec<PendingRow>, StoreError>;

    /// Completed requests with their reviewer's name, newest first.
    async fn completed(&self, limit: i64) -> Result<Vec<CompletedRow>, StoreError>;

    /// Carries out open request `id`: withdraws the consents, or erases the account (its
    /// open drafts, cancelled applications, acceptances, handover tickets, sessions and its
    /// number), and marks it (and, for a closure, the user's other open requests) completed
    /// by `reviewer` with `outcome(&done)`; all in one transaction. `None` when there is no
    /// such open request.
    async fn complete(
        &self,
        id: i64,
        reviewer: i64,
        at: i64,
        outcome: &(dyn for<'d> Fn(&'d Done) -> String + Sync),
    ) -> Result<Option<Completion>, StoreError>;
}

#[async_trait::async_trait]
impl PrivacyRepo for Db {
    async fn request(&self, user: i64, kind: &str, at: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO privacy_requests (user_id, kind, requested_at) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind(user)
        .bind(kind)
        .bind(at)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn requests_of(&self, user: i64) -> Result<Vec<RequestRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT kind, requested_at, completed_at FROM privacy_requests WHERE user_id = $1
             ORDER BY requested_at DESC, id DESC",
        )
        .bind(user)
        .fetch_all(self.pool())
        .await?)
    }

    async fn kept(&self, user: i64) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT number FROM applications WHERE user_id = $1 AND status <> 'cancelled'
             ORDER BY submitted_at, id",
        )
        .bind(user)
        .fetch_all(self.pool())
        .await?)
    }

    async fn pending(&self) -> Result<Vec<PendingRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, kind, user_id, requested_at FROM privacy_requests
             WHERE completed_at IS NULL ORDER BY requested_at, id",
        )
        .fetch_all(self.pool())
        .await?)
    }

    async fn completed(&self, limit: i64) -> Result<Vec<CompletedRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT p.id, p.kind, p.completed_at, r.name AS reviewer, p.outcome
             FROM privacy_requests p JOIN reviewers r ON r.id = p.reviewer_id
             WHERE p.completed_at IS NOT NULL ORDER BY p.completed_at DESC, p.id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }

    async fn complete(
        &self,
        id: i64,
        reviewer: i64,
        at: i64,
        outcome: &(dyn for<'d> Fn(&'d Done) -> String + Sync),
    ) -> Result<Option<Completion>, StoreError> {
        self.retry(|| async {
            let mut tx = self.begin_write().await?;
            let found: Option<(String, Option<i64>)> = sqlx::query_as(
                "SELECT kind, user_id FROM privacy_requests
                 WHERE id = $1 AND completed_at IS NULL",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((kind, Some(user))) = found else {
                return Ok(None);
            };
            let mut removed = Removed::default();
            let done = match kind.as_str() {
                WITHDRAW_CONSENT => withdraw(&mut tx, user, at).await?,
                CLOSE_ACCOUNT => close(&mut tx, self.engine(), user, &mut removed).await?,
                other => return Err(StoreError::Corrupt(format!("privacy request kind {other}"))),
            };
            let text = outcome(&done);
            // Closing the account answers an open withdrawal too.
            let closing = kind == CLOSE_ACCOUNT;
            sqlx::query(if closing {
                "UPDATE privacy_requests SET completed_at = $1, reviewer_id = $2, outcome = $3
                 WHERE completed_at IS NULL AND (id = $4 OR user_id = $5)"
            } else {
                "UPDATE privacy_requests SET completed_at = $1, reviewer_id = $2, outcome = $3
                 WHERE completed_at IS NULL AND id = $4 AND user_id = $5"
            })
            .bind(at)
            .bind(reviewer)
            .bind(&text)
            .bind(id)
            .bind(user)
            .execute(&mut *tx)
            .await?;
            if closing {
                forget_account(&mut tx, user, at).await?;
            }
            tx.commit().await?;
            Ok(Some(Completion {
                kind,
                done,
                outcome: text,
                removed,
            }))
        })
        .await
    }
}

async fn withdraw(conn: &mut AnyConnection, user: i64, at: i64) -> Result<Done, StoreError> {
    let done = sqlx::query(
        "UPDATE consents SET withdrawn_at = $1 WHERE user_id = $2 AND withdrawn_at IS NULL",
    )
    .bind(at)
    .bind(user)
    .execute(&mut *conn)
    .await?;
    Ok(Done::Withdrawn {
        consents: done.rows_affected(),
    })
}

async fn close(
    conn: &mut AnyConnection,
    engine: Engine,
    user: i64,
    removed: &mut Removed,
) -> Result<Done, StoreError> {
    let cancelled: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM applications WHERE user_id = $1 AND status = 'cancelled'",
    )
    .bind(user)
    .fetch_all(&mut *conn)
    .await?;
    for &id in &cancelled {
        removed.extend(erase::application(&mut *conn, engine, id).await?);
    }
    let drafts = sqlx::query("DELETE FROM drafts WHERE user_id = $1 AND submitted_as IS NULL")
        .bind(user)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    for sql in [
        "DELETE FROM consents WHERE user_id = $1",
        "DELETE FROM session_handovers WHERE user_id = $1",
    ] {
        sqlx::query(sql).bind(user).execute(&mut *conn).await?;
    }
    let sessions = end_sessions(&mut *conn, user).await?;
    let kept = sqlx::query_scalar(
        "SELECT number FROM applications WHERE user_id = $1 ORDER BY submitted_at, id",
    )
    .bind(user)
    .fetch_all(&mut *conn)
    .await?;
    Ok(Done::Closed {
        drafts,
        cancelled: cancelled.len() as u64,
        sessions,
        kept,
    })
}

/// Deletes the account row when nothing names it any more; otherwise forgets its number (index
/// and sealed copy), so the row only tells whose kept applications these were and the number
/// can sign up afresh.
async fn forget_account(conn: &mut AnyConnection, user: i64, at: i64) -> Result<(), StoreError> {
    let owns: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM applications WHERE user_id = $1")
        .bind(user)
        .fetch_one(&mut *conn)
        .await?;
    if owns > 0 {
        sqlx::query(
            "UPDATE users SET mobile_index = NULL, mobile_sealed = NULL, legacy_mobile = NULL,
                              last_login_ip = '', closed_at = $1
             WHERE id = $2",
        )
        .bind(at)
        .bind(user)
        .execute(&mut *conn)
        .await?;
    } else {
        sqlx::query("UPDATE privacy_requests SET user_id = NULL WHERE user_id = $1")
            .bind(user)
            .execute(&mut *conn)
            .await?;
        sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(user)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Deletes every stored session (site and embed) signed in as `user`: the session store keeps
/// no index by user, so each record is read.
async fn end_sessions(conn: &mut AnyConnection, user: i64) -> Result<u64, StoreError> {
    let table = super::sessions::TABLE;
    let rows: Vec<(String, Vec<u8>)> = sqlx::query_as(&format!("SELECT id, data FROM {table}"))
        .fetch_all(&mut *conn)
        .await?;
    let mut ended = 0;
    for (id, data) in rows {
        let Ok(record) = rmp_serde::from_slice::<Record>(&data) else {
            continue;
        };
        let owner = record
            .data
            .get(app::api::session::USER_KEY)
            .and_then(serde_json::Value::as_i64);
        if owner == Some(user) {
            sqlx::query(&format!("DELETE FROM {table} WHERE id = $1"))
                .bind(id)
                .execute(&mut *conn)
                .await?;
            ended += 1;
        }
    }
    Ok(ended)
}
