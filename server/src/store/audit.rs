//! Reading the reviewers' audit trail (`reviewer_audit`); the entries are written with the
//! reviewer accounts.

use super::{Db, StoreError};

/// One audit entry: when (Unix seconds), the reviewer's name, the action, its detail and the
/// application's number.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditEntry {
    pub at: i64,
    pub reviewer: String,
    pub action: String,
    pub detail: Option<String>,
    pub number: Option<String>,
}

#[async_trait::async_trait]
pub trait AuditRepo: Send + Sync {
    /// Whether the reviewer did `action` with `detail` on the application at `since` or later.
    async fn seen_since(
        &self,
        reviewer: i64,
        application: i64,
        action: &str,
        detail: &str,
        since: i64,
    ) -> Result<bool, StoreError>;

    /// The latest `limit` entries, newest first.
    async fn recent(&self, limit: i64) -> Result<Vec<AuditEntry>, StoreError>;
}

#[async_trait::async_trait]
impl AuditRepo for Db {
    async fn seen_since(
        &self,
        reviewer: i64,
        application: i64,
        action: &str,
        detail: &str,
        since: i64,
    ) -> Result<bool, StoreError> {
        let seen: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM reviewer_audit
             WHERE reviewer_id = $1 AND application_id = $2 AND action = $3 AND detail = $4
               AND at >= $5",
        )
        .bind(reviewer)
        .bind(application)
        .bind(action)
        .bind(detail)
        .bind(since)
        .fetch_one(self.pool())
        .await?;
        Ok(seen > 0)
    }

    async fn recent(&self, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT a.at, r.name AS reviewer, a.action, a.detail, p.number
             FROM reviewer_audit a
             JOIN reviewers r ON r.id = a.reviewer_id
             LEFT JOIN applications p ON p.id = a.application_id
             ORDER BY a.id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }
}
