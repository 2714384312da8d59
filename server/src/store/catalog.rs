//! The catalog file versions quotes were computed from: each version's text is kept once, so
//! an application's `catalog_version` always names a text that can be read again.

use super::{Db, StoreError};

#[async_trait::async_trait]
pub trait CatalogRepo: Send + Sync {
    /// Keeps `content` under `hash` unless that version is already kept.
    async fn keep_snapshot(
        &self,
        hash: &str,
        project: &str,
        content: &str,
        at: i64,
    ) -> Result<(), StoreError>;
}

#[async_trait::async_trait]
impl CatalogRepo for Db {
    async fn keep_snapshot(
        &self,
        hash: &str,
        project: &str,
        content: &str,
        at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO catalog_snapshots (content_hash, project_id, content, first_loaded_at)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (content_hash) DO NOTHING",
        )
        .bind(hash)
        .bind(project)
        .bind(content)
        .bind(at)
        .execute(self.pool())
        .await?;
        Ok(())
    }
}
