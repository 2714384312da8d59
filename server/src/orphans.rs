//! Stored objects that no row names: the uploads of a row that failed or of a server that
//! stopped between writing the object and committing its row (objects are written first, see
//! `materials::store`), and deletes that failed. The periodic maintenance runs
//! [`Orphans::sweep`], which removes them once they are older than [`GRACE`], so an upload
//! still between its two steps is never touched.

use std::sync::Arc;

use sqlx::SqlitePool;

use crate::clock::Clock;
use crate::materials::storage::Storage;

/// An object younger than this is left alone: its row may be about to be committed.
pub const GRACE: time::Duration = time::Duration::hours(1);

/// The rows that name the objects of one store.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Namer {
    /// Uploaded scans: `materials.object`.
    Materials,
    /// ID photos and liveness frames: `handoff_files.object`.
    HandoffFiles,
}

impl Namer {
    fn query(self) -> &'static str {
        match self {
            Namer::Materials => "SELECT EXISTS (SELECT 1 FROM materials WHERE object = ?)",
            Namer::HandoffFiles => "SELECT EXISTS (SELECT 1 FROM handoff_files WHERE object = ?)",
        }
    }
}

/// Deletes `key` from `storage` unless a row of `namer` names it; returns whether it went.
///
/// The check and the delete run under SQLite's write lock (`BEGIN IMMEDIATE`), so no row can
/// start naming the object in between; nothing is written, and the lock is held for one
/// delete only.
pub(crate) async fn remove_if_unnamed(
    pool: &SqlitePool,
    storage: &dyn Storage,
    namer: Namer,
    key: &str,
) -> anyhow::Result<bool> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let named: bool = sqlx::query_scalar(namer.query())
        .bind(key)
        .fetch_one(&mut *tx)
        .await?;
    if !named {
        storage.delete(key).await?;
    }
    tx.rollback().await?;
    Ok(!named)
}

pub struct Orphans {
    pool: SqlitePool,
    stores: [(Arc<dyn Storage>, Namer); 2],
    clock: Arc<dyn Clock>,
}

impl Orphans {
    pub fn new(
        pool: SqlitePool,
        uploads: Arc<dyn Storage>,
        identity: Arc<dyn Storage>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            pool,
            stores: [(uploads, Namer::Materials), (identity, Namer::HandoffFiles)],
            clock,
        }
    }

    /// Removes the objects older than [`GRACE`] that no row names; returns how many.
    pub async fn sweep(&self) -> anyhow::Result<usize> {
        let cutoff = self.clock.now() - GRACE;
        let mut removed = 0;
        for (storage, namer) in &self.stores {
            let mut gone = 0;
            for object in storage.list().await? {
                if object.modified <= cutoff
                    && remove_if_unnamed(&self.pool, &**storage, *namer, &object.key).await?
                {
                    gone += 1;
                }
            }
            if gone > 0 {
                tracing::info!(?namer, removed = gone, "unnamed stored objects removed");
            }
            removed += gone;
        }
        Ok(removed)
    }
}
