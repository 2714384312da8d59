//! 撤回同意 and 注销账号: the applicant's requests (`privacy_requests`) and what completing
//! one does. A reviewer completes them in the console (`console::requests`).
//!
//! * Withdrawing consent marks every acceptance withdrawn: the consent page asks again, and
//!   until the applicant agrees again no page of the flow opens and nothing can be submitted.
//! * Closing the account deletes the open drafts, cancelled applications with their files,
//!   the acceptances, the phone-handover tickets and every login session, and the login
//!   identity: the account row itself when nothing else names it; otherwise (submitted
//!   applications kept as certification records, 电子签名法 第二十四条) the row stays only as
//!   their owner, with the number replaced so it never signs anyone in again.

use std::sync::Arc;

use app::services::StoreError;
use app::services::login::UserId;
use app::services::privacy::{PrivacyOverview, PrivacyRequests, RequestKind, RequestState};
use sqlx::{SqliteConnection, SqlitePool};
use tower_sessions::session::Record;

use crate::clock::Clock;
use crate::erase::{self, Files, Removed};
use crate::store::backend;
use crate::store::time::{to_db, to_text};

/// A request waiting for a reviewer, as the console lists it.
pub struct Pending {
    pub id: i64,
    pub kind: RequestKind,
    /// `None` once the account is gone (only completed requests can be so).
    pub user: Option<i64>,
    pub requested_at: String,
    /// Submitted applications of the applicant that closure keeps.
    pub kept: Vec<String>,
}

/// A completed request, newest first in the console.
pub struct Completed {
    pub id: i64,
    pub kind: RequestKind,
    pub completed_at: String,
    pub reviewer: String,
    pub outcome: String,
}

pub struct SqlPrivacyRequests {
    pool: SqlitePool,
    files: Files,
    clock: Arc<dyn Clock>,
}

impl SqlPrivacyRequests {
    pub fn new(pool: SqlitePool, files: Files, clock: Arc<dyn Clock>) -> Self {
        Self { pool, files, clock }
    }

    pub async fn pending(&self) -> sqlx::Result<Vec<Pending>> {
        let rows: Vec<(i64, String, Option<i64>, i64)> = sqlx::query_as(
            "SELECT id, kind, user_id, requested_at FROM privacy_requests
             WHERE completed_at IS NULL ORDER BY requested_at, id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut pending = Vec::with_capacity(rows.len());
        for (id, kind, user, requested_at) in rows {
            let Some(kind) = RequestKind::from_code(&kind) else {
                continue;
            };
            let kept = match user {
                Some(user) => kept(&self.pool, user).await?,
                None => Vec::new(),
            };
            pending.push(Pending {
                id,
                kind,
                user,
                requested_at: to_text(requested_at),
                kept,
            });
        }
        Ok(pending)
    }

    pub async fn completed(&self, limit: i64) -> sqlx::Result<Vec<Completed>> {
        let rows: Vec<(i64, String, i64, String, Option<String>)> = sqlx::query_as(
            "SELECT p.id, p.kind, p.completed_at, r.name, p.outcome FROM privacy_requests p
             JOIN reviewers r ON r.id = p.reviewer_id
             WHERE p.completed_at IS NOT NULL ORDER BY p.completed_at DESC, p.id DESC LIMIT ?",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, kind, completed_at, reviewer, outcome)| {
                Some(Completed {
                    id,
                    kind: RequestKind::from_code(&kind)?,
                    completed_at: to_text(completed_at),
                    reviewer,
                    outcome: outcome.unwrap_or_default(),
                })
            })
            .collect())
    }

    /// Carries out open request `id` for `reviewer`; returns what was done, or `None` when
    /// there is no such open request (already completed, say by another reviewer).
    pub async fn complete(&self, id: i64, reviewer: i64) -> anyhow::Result<Option<String>> {
        let now = to_db(self.clock.now());
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let found: Option<(String, Option<i64>)> = sqlx::query_as(
            "SELECT kind, user_id FROM privacy_requests WHERE id = ? AND completed_at IS NULL",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((kind, Some(user))) = found else {
            return Ok(None);
        };
        let mut removed = Removed::default();
        let outcome = match RequestKind::from_code(&kind) {
            Some(RequestKind::WithdrawConsent) => {
                withdraw(&mut tx, user, crate::store::time::to_db(self.clock.now())).await?
            }
            Some(RequestKind::CloseAccount) => close(&mut tx, user, &mut removed).await?,
            None => anyhow::bail!("unknown privacy request kind {kind}"),
        };
        // Closing the account answers an open withdrawal too.
        sqlx::query(
            "UPDATE privacy_requests SET completed_at = ?, reviewer_id = ?, outcome = ?
             WHERE completed_at IS NULL AND (id = ? OR (user_id = ? AND ? = 'close_account'))",
        )
        .bind(now)
        .bind(reviewer)
        .bind(&outcome)
        .bind(id)
        .bind(user)
        .bind(&kind)
        .execute(&mut *tx)
        .await?;
        if kind == RequestKind::CloseAccount.code() {
            forget_account(&mut tx, user, now).await?;
        }
        tx.commit().await?;
        self.files.drop(&self.pool, removed).await;
        tracing::info!(request = id, kind, reviewer, "privacy request completed");
        Ok(Some(outcome))
    }
}

/// The user's submitted applications that are not cancelled: certification records.
async fn kept(pool: &SqlitePool, user: i64) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT number FROM applications WHERE user_id = ? AND status <> 'cancelled'
         ORDER BY submitted_at, id",
    )
    .bind(user)
    .fetch_all(pool)
    .await
}

async fn withdraw(tx: &mut SqliteConnection, user: i64, now: i64) -> sqlx::Result<String> {
    let done = sqlx::query(
        "UPDATE consents SET withdrawn_at = ? WHERE user_id = ? AND withdrawn_at IS NULL",
    )
    .bind(now)
    .bind(user)
    .execute(&mut *tx)
    .await?;
    Ok(format!("撤回同意记录 {} 条", done.rows_affected()))
}

async fn close(
    tx: &mut SqliteConnection,
    user: i64,
    removed: &mut Removed,
) -> anyhow::Result<String> {
    let cancelled: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM applications WHERE user_id = ? AND status = 'cancelled'",
    )
    .bind(user)
    .fetch_all(&mut *tx)
    .await?;
    for &id in &cancelled {
        removed.extend(erase::application(&mut *tx, id).await?);
    }
    let drafts = sqlx::query("DELETE FROM drafts WHERE user_id = ? AND submitted_as IS NULL")
        .bind(user)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    for sql in [
        "DELETE FROM consents WHERE user_id = ?",
        "DELETE FROM session_handovers WHERE user_id = ?",
    ] {
        sqlx::query(sql).bind(user).execute(&mut *tx).await?;
    }
    let sessions = end_sessions(&mut *tx, user).await?;
    let kept: Vec<String> = sqlx::query_scalar(
        "SELECT number FROM applications WHERE user_id = ? ORDER BY submitted_at, id",
    )
    .bind(user)
    .fetch_all(&mut *tx)
    .await?;
    let kept_text = if kept.is_empty() {
        "无".to_owned()
    } else {
        kept.join("、")
    };
    Ok(format!(
        "删除草稿 {drafts} 份、已取消的申请 {} 份，结束登录会话 {sessions} 个；依法保留的申请：{kept_text}",
        cancelled.len()
    ))
}

/// Deletes the account row when nothing names it any more; otherwise forgets its number (index
/// and sealed copy), so the row only tells whose kept applications these were and the number
/// can sign up afresh.
async fn forget_account(tx: &mut SqliteConnection, user: i64, now: i64) -> sqlx::Result<()> {
    let owns: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM applications WHERE user_id = ?)")
            .bind(user)
            .fetch_one(&mut *tx)
            .await?;
    if owns {
        sqlx::query(
            "UPDATE users SET mobile_index = NULL, mobile_sealed = NULL, legacy_mobile = NULL,
                              last_login_ip = '', closed_at = ?
             WHERE id = ?",
        )
        .bind(now)
        .bind(user)
        .execute(&mut *tx)
        .await?;
    } else {
        sqlx::query("UPDATE privacy_requests SET user_id = NULL WHERE user_id = ?")
            .bind(user)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM users WHERE id = ?")
            .bind(user)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// Deletes every stored session (site and embed) signed in as `user`: the session store keeps
/// no index by user, so each record is read.
async fn end_sessions(tx: &mut SqliteConnection, user: i64) -> anyhow::Result<u64> {
    let rows: Vec<(String, Vec<u8>)> = sqlx::query_as("SELECT id, data FROM tower_sessions")
        .fetch_all(&mut *tx)
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
            sqlx::query("DELETE FROM tower_sessions WHERE id = ?")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            ended += 1;
        }
    }
    Ok(ended)
}

#[async_trait::async_trait]
impl PrivacyRequests for SqlPrivacyRequests {
    async fn overview(&self, user: UserId) -> Result<PrivacyOverview, StoreError> {
        let rows: Vec<(String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT kind, requested_at, completed_at FROM privacy_requests WHERE user_id = ?
             ORDER BY requested_at DESC, id DESC",
        )
        .bind(user.0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        let mut requests: Vec<RequestState> = Vec::new();
        for (kind, requested_at, completed_at) in rows {
            let Some(kind) = RequestKind::from_code(&kind) else {
                continue;
            };
            if requests.iter().all(|r| r.kind != kind) {
                requests.push(RequestState {
                    kind,
                    requested_at: to_text(requested_at),
                    completed_at: completed_at.map(to_text),
                });
            }
        }
        Ok(PrivacyOverview {
            requests,
            kept: kept(&self.pool, user.0).await.map_err(backend)?,
        })
    }

    async fn request(&self, user: UserId, kind: RequestKind) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO privacy_requests (user_id, kind, requested_at) VALUES (?, ?, ?)
             ON CONFLICT DO NOTHING",
        )
        .bind(user.0)
        .bind(kind.code())
        .bind(to_db(self.clock.now()))
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        if done.rows_affected() > 0 {
            tracing::info!(user = user.0, kind = kind.code(), "privacy request made");
        }
        Ok(done.rows_affected() > 0)
    }
}
