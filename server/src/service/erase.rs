//! Deleting for good the stored files of erased rows, once the erasure has committed: the
//! retention jobs and account closure erase the rows ([`crate::store::erase`]), then hand
//! what those rows named to [`Files::drop`].

use std::path::Path;
use std::sync::Arc;

use crate::config::Config;
use crate::store::erase::Removed;
use crate::store::objects::{Namer, ObjectRepo};
use crate::vendor::storage::{ObjectStorage, Storage};

/// The two folders files are stored in, for deleting what a committed erasure named.
pub struct Files {
    scans: Arc<dyn Storage>,
    photos: Arc<dyn Storage>,
    objects: Arc<dyn ObjectRepo>,
}

impl Files {
    pub fn new(
        scans: Arc<dyn Storage>,
        photos: Arc<dyn Storage>,
        objects: Arc<dyn ObjectRepo>,
    ) -> Self {
        Self {
            scans,
            photos,
            objects,
        }
    }

    /// The server's own folders (`uploads`, `identity` under `DATA_DIR`).
    pub fn of(config: &Config, objects: Arc<dyn ObjectRepo>) -> anyhow::Result<Self> {
        let local = |dir: &Path| -> anyhow::Result<Arc<dyn Storage>> {
            Ok(Arc::new(ObjectStorage::local(dir)?))
        };
        Ok(Self::new(
            local(&config.uploads_dir())?,
            local(&config.identity_dir())?,
            objects,
        ))
    }

    /// Deletes the photos, and each scan no remaining row names. A failure is logged and the
    /// rest go on: the row is already gone, so nothing can reach the file any more.
    pub async fn drop(&self, removed: Removed) {
        for object in removed.photos {
            if let Err(error) = self.photos.delete(&object).await {
                tracing::warn!(%error, object, "deleting an identity photo failed");
            }
        }
        for object in removed.scans {
            let delete = Box::pin(self.scans.delete(&object));
            let deleted = self
                .objects
                .delete_if_unnamed(Namer::Materials, &object, delete)
                .await;
            if let Err(error) = deleted {
                tracing::warn!(%error, object, "deleting an uploaded scan failed");
            }
        }
    }
}
