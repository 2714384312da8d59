//! Recorded acceptances of the agreements. Rows are only ever added (a new version keeps the
//! old record) and withdrawn by the privacy requests, never edited.

use std::net::IpAddr;

use app::services::consent::Acceptance;
use time::OffsetDateTime;

use super::{Db, StoreError, time::to_db};

#[async_trait::async_trait]
pub trait ConsentRepo: Send + Sync {
    /// Records every acceptance at once, or none.
    async fn record(
        &self,
        user: i64,
        accepted: &[Acceptance],
        at: OffsetDateTime,
        ip: IpAddr,
    ) -> Result<(), StoreError>;

    /// The user's acceptances not withdrawn, newest first.
    async fn accepted(&self, user: i64) -> Result<Vec<Acceptance>, StoreError>;
}

#[async_trait::async_trait]
impl ConsentRepo for Db {
    async fn record(
        &self,
        user: i64,
        accepted: &[Acceptance],
        at: OffsetDateTime,
        ip: IpAddr,
    ) -> Result<(), StoreError> {
        let (at, ip) = (to_db(at), ip.to_string());
        self.retry(|| async {
            let mut tx = self.begin_write().await?;
            for acceptance in accepted {
                sqlx::query(
                    "INSERT INTO consents (user_id, document, version, accepted_at, ip)
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(user)
                .bind(&acceptance.document)
                .bind(&acceptance.version)
                .bind(at)
                .bind(&ip)
                .execute(&mut *tx)
                .await?;
            }
            Ok(tx.commit().await?)
        })
        .await
    }

    async fn accepted(&self, user: i64) -> Result<Vec<Acceptance>, StoreError> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT document, version FROM consents WHERE user_id = $1 AND withdrawn_at IS NULL
             ORDER BY accepted_at DESC, id DESC",
        )
        .bind(user)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(document, version)| Acceptance { document, version })
            .collect())
    }
}
