//! Recorded acceptances of the agreements.

use std::net::IpAddr;
use std::sync::Arc;

use app::services::StoreError;
use app::services::consent::{Acceptance, ConsentStore};
use app::services::login::UserId;
use sqlx::SqlitePool;

use crate::clock::{Clock, timestamp};

pub struct SqlConsentStore {
    pool: SqlitePool,
    clock: Arc<dyn Clock>,
}

impl SqlConsentStore {
    pub fn new(pool: SqlitePool, clock: Arc<dyn Clock>) -> Self {
        Self { pool, clock }
    }
}

pub(crate) fn backend(error: sqlx::Error) -> StoreError {
    StoreError::Backend(error.to_string())
}

#[async_trait::async_trait]
impl ConsentStore for SqlConsentStore {
    async fn record(
        &self,
        user: UserId,
        accepted: &[Acceptance],
        ip: IpAddr,
    ) -> Result<(), StoreError> {
        let now = timestamp(self.clock.now());
        let mut tx = self.pool.begin().await.map_err(backend)?;
        for acceptance in accepted {
            sqlx::query(
                "INSERT INTO consents (user_id, document, version, accepted_at, ip)
                 VALUES (?, ?, ?, ?, ?)",
            )
            .bind(user.0)
            .bind(&acceptance.document)
            .bind(&acceptance.version)
            .bind(&now)
            .bind(ip.to_string())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        }
        tx.commit().await.map_err(backend)
    }

    async fn accepted(&self, user: UserId) -> Result<Vec<Acceptance>, StoreError> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT document, version FROM consents WHERE user_id = ? AND withdrawn_at IS NULL
             ORDER BY accepted_at DESC, id DESC",
        )
        .bind(user.0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        Ok(rows
            .into_iter()
            .map(|(document, version)| Acceptance { document, version })
            .collect())
    }
}
