//! The local SMS provider's outbox: messages kept instead of sent, the number only as its
//! keyed index and sealed copy (the service seals and opens them).

use super::{Db, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    pub id: i64,
    pub mobile_index: Vec<u8>,
    pub mobile_sealed: Vec<u8>,
    /// `login_code` or `notice`.
    pub kind: String,
    pub text: String,
    /// Unix seconds.
    pub sent_at: i64,
}

#[async_trait::async_trait]
pub trait OutboxRepo: Send + Sync {
    async fn put(
        &self,
        mobile_index: &[u8],
        mobile_sealed: &[u8],
        kind: &str,
        text: &str,
        sent_at: i64,
    ) -> Result<(), StoreError>;

    /// The last `limit` messages, newest first.
    async fn recent(&self, limit: i64) -> Result<Vec<OutboxRow>, StoreError>;
}

#[async_trait::async_trait]
impl OutboxRepo for Db {
    async fn put(
        &self,
        mobile_index: &[u8],
        mobile_sealed: &[u8],
        kind: &str,
        text: &str,
        sent_at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sms_outbox (mobile_index, mobile_sealed, kind, text, sent_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(mobile_index)
        .bind(mobile_sealed)
        .bind(kind)
        .bind(text)
        .bind(sent_at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn recent(&self, limit: i64) -> Result<Vec<OutboxRow>, StoreError> {
        let rows: Vec<(i64, Vec<u8>, Vec<u8>, String, String, i64)> = sqlx::query_as(
            "SELECT id, mobile_index, mobile_sealed, kind, text, sent_at FROM sms_outbox
             ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, mobile_index, mobile_sealed, kind, text, sent_at)| OutboxRow {
                    id,
                    mobile_index,
                    mobile_sealed,
                    kind,
                    text,
                    sent_at,
                },
            )
            .collect())
    }
}
