//! Which stored objects (encrypted files in the uploads or identity storage) a row still
//! names, and deleting one that none does without a row starting to name it meanwhile.

use std::pin::Pin;

use super::{Db, Engine, StoreError};

/// A storage delete, run only if the object turns out unnamed.
pub type Delete<'a> = Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send + 'a>>;

/// The rows that name the objects of one store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Namer {
    /// Uploaded scans: `materials.object`.
    Materials,
    /// ID photos and liveness frames: `handoff_files.object`.
    HandoffFiles,
}

impl Namer {
    fn table(self) -> &'static str {
        match self {
            Namer::Materials => "materials",
            Namer::HandoffFiles => "handoff_files",
        }
    }
}

/// Why an object was not deleted.
#[derive(Debug, thiserror::Error)]
pub enum DeleteError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The storage refused the delete.
    #[error("deleting a stored object failed: {0}")]
    Storage(anyhow::Error),
}

#[async_trait::async_trait]
pub trait ObjectRepo: Send + Sync {
    /// Runs `delete` (the storage's delete of `key`) if no row of `namer` names `key`, while
    /// no row can start naming it; whether it ran.
    async fn delete_if_unnamed(
        &self,
        namer: Namer,
        key: &str,
        delete: Delete<'_>,
    ) -> Result<bool, DeleteError>;
}

#[async_trait::async_trait]
impl ObjectRepo for Db {
    async fn delete_if_unnamed(
        &self,
        namer: Namer,
        key: &str,
        delete: Delete<'_>,
    ) -> Result<bool, DeleteError> {
        // The write lock (SQLite) or a share lock on the naming table (PostgreSQL, taken
        // before the read) keeps every insert or update of a naming row waiting until the
        // storage's delete is done. Nothing is written; the lock is held for one delete.
        let mut tx = self.begin_write().await?;
        let table = namer.table();
        if self.engine() == Engine::Postgres {
            sqlx::query(&format!("LOCK TABLE {table} IN SHARE MODE"))
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from)?;
        }
        let named: i64 =
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table} WHERE object = $1"))
                .bind(key)
                .fetch_one(&mut *tx)
                .await
                .map_err(StoreError::from)?;
        if named == 0 {
            delete.await.map_err(DeleteError::Storage)?;
        }
        tx.rollback().await.map_err(StoreError::from)?;
        Ok(named == 0)
    }
}
