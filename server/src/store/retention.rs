//! The rows the retention jobs delete once their period is over (`crate::retention`).

use super::erase::{self, Removed};
use super::{Db, StoreError};

#[async_trait::async_trait]
pub trait RetentionRepo: Send + Sync {
    /// Deletes drafts never submitted and last saved before `before`; how many.
    async fn purge_drafts(&self, before: i64) -> Result<u64, StoreError>;

    /// Deletes local outbox messages sent before `before`; how many.
    async fn purge_outbox(&self, before: i64) -> Result<u64, StoreError>;

    /// Cancelled applications last changed before `before`, by id.
    async fn cancelled_before(&self, before: i64) -> Result<Vec<i64>, StoreError>;

    /// Erases application `id` with every row that hangs off it, if it is still cancelled;
    /// the stored objects its rows named.
    async fn erase_cancelled(&self, id: i64) -> Result<Removed, StoreError>;
}

#[async_trait::async_trait]
impl RetentionRepo for Db {
    async fn purge_drafts(&self, before: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM drafts WHERE submitted_as IS NULL AND saved_at < $1")
            .bind(before)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }

    async fn purge_outbox(&self, before: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sms_outbox WHERE sent_at < $1")
            .bind(before)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }

    async fn cancelled_before(&self, before: i64) -> Result<Vec<i64>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM applications WHERE status = 'cancelled' AND updated_at < $1
             ORDER BY id",
        )
        .bind(before)
        .fetch_all(self.pool())
        .await?)
    }

    async fn erase_cancelled(&self, id: i64) -> Result<Removed, StoreError> {
        self.retry(|| async {
            let mut tx = self.begin_write().await?;
            let cancelled: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM applications WHERE id = $1 AND status = 'cancelled'",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            if cancelled == 0 {
                return Ok(Removed::default());
            }
            let removed = erase::application(&mut tx, self.engine(), id).await?;
            tx.commit().await?;
            Ok(removed)
        })
        .await
    }
}
