//! Deleting personal data for good: a whole application with every row that hangs off it,
//! and afterwards the stored files those rows named. Used by the retention jobs and by
//! account closure.

use std::path::Path;
use std::sync::Arc;

use sqlx::{SqliteConnection, SqlitePool};

use crate::config::Config;
use crate::materials::storage::{ObjectStorage, Storage};

/// The storage objects rows named before they were deleted.
#[derive(Debug, Default)]
pub struct Removed {
    /// Uploaded scans: content-addressed, so another application may still name one.
    pub scans: Vec<String>,
    /// Phone-step ID photos and liveness frames: each named by exactly one row.
    pub photos: Vec<String>,
}

impl Removed {
    pub fn extend(&mut self, other: Removed) {
        self.scans.extend(other.scans);
        self.photos.extend(other.photos);
    }
}

/// Deletes application `id`, the draft it was submitted from, its scans' rows, its phone-step
/// sessions, payments, financial checks and timeline, inside the caller's transaction. The
/// reviewers' audit lines stay (who looked at what is their record) without the link.
/// Returns the objects to delete once the transaction has committed.
pub async fn application(tx: &mut SqliteConnection, id: i64) -> sqlx::Result<Removed> {
    // The draft names the application and the application its draft; checked at commit.
    sqlx::query("PRAGMA defer_foreign_keys = ON")
        .execute(&mut *tx)
        .await?;
    let scans =
        sqlx::query_scalar("DELETE FROM materials WHERE application_id = ? RETURNING object")
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
    let photos = sqlx::query_scalar(
        "DELETE FROM handoff_files
         WHERE handoff_id IN (SELECT id FROM handoffs WHERE application_id = ?)
         RETURNING object",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    for sql in [
        "DELETE FROM handoff_tokens WHERE handoff_id IN (SELECT id FROM handoffs WHERE application_id = ?1)",
        "DELETE FROM handoff_steps WHERE handoff_id IN (SELECT id FROM handoffs WHERE application_id = ?1)",
        "DELETE FROM handoffs WHERE application_id = ?1",
        "DELETE FROM rejection_flags WHERE application_id = ?1",
        "DELETE FROM order_events WHERE application_id = ?1",
        "DELETE FROM payments WHERE application_id = ?1",
        "DELETE FROM bank_checks WHERE application_id = ?1",
        "UPDATE reviewer_audit SET application_id = NULL WHERE application_id = ?1",
        "DELETE FROM drafts WHERE id = (SELECT draft_id FROM applications WHERE id = ?1)",
        "DELETE FROM applications WHERE id = ?1",
    ] {
        sqlx::query(sql).bind(id).execute(&mut *tx).await?;
    }
    Ok(Removed { scans, photos })
}

/// The two folders files are stored in, for deleting what a committed erasure named.
pub struct Files {
    scans: Arc<dyn Storage>,
    photos: Arc<dyn Storage>,
}

impl Files {
    pub fn new(scans: Arc<dyn Storage>, photos: Arc<dyn Storage>) -> Self {
        Self { scans, photos }
    }

    /// The server's own folders (`uploads`, `identity` under `DATA_DIR`).
    pub fn of(config: &Config) -> anyhow::Result<Self> {
        let local = |dir: &Path| -> anyhow::Result<Arc<dyn Storage>> {
            Ok(Arc::new(ObjectStorage::local(dir)?))
        };
        Ok(Self::new(
            local(&config.uploads_dir())?,
            local(&config.identity_dir())?,
        ))
    }

    /// Deletes the photos, and each scan no remaining row names. A failure is logged and the
    /// rest go on: the row is already gone, so nothing can reach the file any more.
    pub async fn drop(&self, pool: &SqlitePool, removed: Removed) {
        for object in removed.photos {
            if let Err(error) = self.photos.delete(&object).await {
                tracing::warn!(%error, object, "deleting an identity photo failed");
            }
        }
        for object in removed.scans {
            let named: Result<bool, _> =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM materials WHERE object = ?)")
                    .bind(&object)
                    .fetch_one(pool)
                    .await;
            match named {
                Ok(true) => {}
                Ok(false) => {
                    if let Err(error) = self.scans.delete(&object).await {
                        tracing::warn!(%error, object, "deleting an uploaded scan failed");
                    }
                }
                Err(error) => tracing::warn!(%error, object, "checking a scan's other uses failed"),
            }
        }
    }
}
