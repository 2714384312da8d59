//! Stored objects that no row names: the uploads of a row that failed or of a server that
//! stopped between writing the object and committing its row (objects are written first, see
//! `service::materials`), and deletes that failed. The periodic maintenance runs
//! [`Orphans::sweep`], which removes them once they are older than [`GRACE`], so an upload
//! still between its two steps is never touched.

use std::sync::Arc;

use crate::clock::Clock;
use crate::store::objects::{Namer, ObjectRepo};
use crate::vendor::storage::Storage;

/// An object younger than this is left alone: its row may be about to be committed.
pub const GRACE: time::Duration = time::Duration::hours(1);

pub struct Orphans {
    objects: Arc<dyn ObjectRepo>,
    stores: [(Arc<dyn Storage>, Namer); 2],
    clock: Arc<dyn Clock>,
}

impl Orphans {
    pub fn new(
        objects: Arc<dyn ObjectRepo>,
        uploads: Arc<dyn Storage>,
        identity: Arc<dyn Storage>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            objects,
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
                if object.modified > cutoff {
                    continue;
                }
                let delete = Box::pin(storage.delete(&object.key));
                if self
                    .objects
                    .delete_if_unnamed(*namer, &object.key, delete)
                    .await?
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
