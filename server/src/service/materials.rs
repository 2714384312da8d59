//! The uploaded materials: a row per slot ([`MaterialRepo`]) and the encrypted object it
//! points to in the storage.
//!
//! Objects are named by the SHA-256 of the file, unkeyed: the same scan in two slots is stored
//! once. A plain hash tells someone who can list the folder, and already holds those exact
//! bytes, that the file is here; scans and phone photos differ with every capture, so a keyed
//! name would protect next to nothing and need a second secret to keep beside the encryption
//! key. The bytes themselves are sealed with AES-256-GCM bound to the name, so a file swapped
//! on disk does not decrypt.
//!
//! An upload writes its object first, with no database lock held (a slow disk or object
//! store must not stall every other write), then points the slot's row at it in a short
//! transaction. Should the row fail, the object is removed again; should the server stop in
//! between, the object is left unnamed and the periodic sweep (`crate::service::orphans`) removes it.
//!
//! An object no row names any more is deleted at once, under a lock that keeps any row from
//! starting to name it between the check and the delete ([`ObjectRepo::delete_if_unnamed`]). An
//! upload of the same bytes may still have written the object just before such a delete and
//! commit its row just after, so once committed it makes sure the object is there and writes
//! it again if not. Both hold with several server instances sharing the database and storage.

use std::sync::Arc;

use app::domain::materials::FileKind;
use app::services::StoreError;
use app::services::login::UserId;
use app::services::materials::{MaterialStore, NewMaterial, UploadedMaterial};
use bytes::Bytes;
use sha2::{Digest, Sha256};

use crate::clock::Clock;
use crate::crypto::Keys;
use crate::store::materials::{MaterialRepo, MaterialRow, ObjectRow};
use crate::store::objects::{Namer, ObjectRepo};
use crate::store::time::{from_text, to_text};
use crate::vendor::storage::Storage;

/// The longest file name kept, in characters; longer ones keep their end (the extension).
const FILE_NAME_MAX_CHARS: usize = 80;

pub struct Materials {
    repo: Arc<dyn MaterialRepo>,
    objects: Arc<dyn ObjectRepo>,
    storage: Arc<dyn Storage>,
    keys: Arc<Keys>,
    clock: Arc<dyn Clock>,
}

fn object_context(object: &str) -> String {
    format!("material:{object}")
}

fn file_name_context(number: &str, slot: &str) -> String {
    format!("material-name:{number}:{slot}")
}

impl Materials {
    pub fn new(
        repo: Arc<dyn MaterialRepo>,
        objects: Arc<dyn ObjectRepo>,
        storage: Arc<dyn Storage>,
        keys: Arc<Keys>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            repo,
            objects,
            storage,
            keys,
            clock,
        }
    }

    fn material(&self, number: &str, row: MaterialRow) -> Result<UploadedMaterial, StoreError> {
        let name = self
            .keys
            .open(&file_name_context(number, &row.slot), &row.file_name)
            .map_err(|e| StoreError::Backend(format!("material {number}/{}: {e}", row.slot)))?;
        let count = |value: Option<i64>| value.and_then(|v| u32::try_from(v).ok());
        Ok(UploadedMaterial {
            file_name: String::from_utf8_lossy(&name).into_owned(),
            slot: row.slot,
            kind: row.kind,
            size: u64::try_from(row.size).unwrap_or_default(),
            width: count(row.width),
            height: count(row.height),
            pages: count(row.pages),
            uploaded_at: to_text(row.uploaded_at),
        })
    }

    /// Deletes `object` from storage if no row names it any more. A failure only leaves an
    /// unreferenced object behind for the sweep, so it is logged, not returned.
    async fn collect(&self, object: &str) {
        let delete = Box::pin(self.storage.delete(object));
        let removed = self
            .objects
            .delete_if_unnamed(Namer::Materials, object, delete)
            .await;
        if let Err(error) = removed {
            tracing::warn!(%error, "removing an unused material object failed");
        }
    }

    /// Points the slot's row at `object`, already stored; returns the object it named before.
    async fn record(
        &self,
        application: i64,
        number: &str,
        object: &str,
        material: &UploadedMaterial,
    ) -> Result<Option<String>, StoreError> {
        let file_name = self.keys.seal(
            &file_name_context(number, &material.slot),
            material.file_name.as_bytes(),
        );
        let row = ObjectRow {
            object: object.to_owned(),
            row: MaterialRow {
                slot: material.slot.clone(),
                file_name,
                kind: material.kind.clone(),
                size: i64::try_from(material.size).unwrap_or(i64::MAX),
                width: material.width.map(i64::from),
                height: material.height.map(i64::from),
                pages: material.pages.map(i64::from),
                uploaded_at: from_text(&material.uploaded_at),
            },
        };
        Ok(self.repo.put(application, &row).await?)
    }

    async fn put(&self, object: &str, sealed: Bytes) -> Result<(), StoreError> {
        self.storage
            .put(object, sealed)
            .await
            .map_err(|e| StoreError::Backend(format!("storing material object: {e}")))
    }
}

#[async_trait::async_trait]
impl MaterialStore for Materials {
    async fn list(&self, user: UserId, number: &str) -> Result<Vec<UploadedMaterial>, StoreError> {
        let rows = self.repo.list(user.0, number).await?;
        rows.into_iter()
            .map(|row| self.material(number, row))
            .collect()
    }

    async fn save(
        &self,
        user: UserId,
        number: &str,
        material: NewMaterial,
    ) -> Result<Option<UploadedMaterial>, StoreError> {
        let NewMaterial {
            slot,
            file_name,
            inspected,
            bytes,
        } = material;
        let object = hex::encode(Sha256::digest(&bytes));
        let saved = UploadedMaterial {
            slot,
            file_name: clean_file_name(&file_name, inspected.kind),
            kind: inspected.kind.as_str().to_owned(),
            size: bytes.len() as u64,
            width: inspected.width,
            height: inspected.height,
            pages: inspected.pages,
            uploaded_at: crate::clock::timestamp(self.clock.now()),
        };
        let sealed = Bytes::from(self.keys.seal(&object_context(&object), &bytes));
        let Some(application) = self.repo.owned(user.0, number).await? else {
            return Ok(None);
        };
        self.put(&object, sealed.clone()).await?;
        let previous = match self.record(application, number, &object, &saved).await {
            Ok(previous) => previous,
            Err(error) => {
                self.collect(&object).await;
                return Err(error);
            }
        };
        // Removed meanwhile as unnamed (see the module documentation): written again.
        let there = self
            .storage
            .exists(&object)
            .await
            .map_err(|e| StoreError::Backend(format!("checking material object: {e}")))?;
        if !there {
            tracing::warn!(
                number,
                "material object removed before its row was committed"
            );
            self.put(&object, sealed).await?;
        }
        if let Some(previous) = previous
            && previous != object
        {
            self.collect(&previous).await;
        }
        tracing::info!(
            number,
            slot = saved.slot,
            size = saved.size,
            kind = saved.kind,
            "material stored"
        );
        Ok(Some(saved))
    }

    async fn remove(&self, user: UserId, number: &str, slot: &str) -> Result<bool, StoreError> {
        let Some(object) = self.repo.remove(user.0, number, slot).await? else {
            return Ok(false);
        };
        self.collect(&object).await;
        tracing::info!(number, slot, "material removed");
        Ok(true)
    }

    async fn open(
        &self,
        user: UserId,
        number: &str,
        slot: &str,
    ) -> Result<Option<(UploadedMaterial, Vec<u8>)>, StoreError> {
        let Some(ObjectRow { object, row }) = self.repo.find(user.0, number, slot).await? else {
            return Ok(None);
        };
        let material = self.material(number, row)?;
        let missing = || {
            StoreError::Backend(format!(
                "material object of {number}/{} missing",
                material.slot
            ))
        };
        let sealed = self
            .storage
            .get(&object)
            .await
            .map_err(|e| StoreError::Backend(format!("reading material object: {e}")))?
            .ok_or_else(missing)?;
        let bytes = self
            .keys
            .open(&object_context(&object), &sealed)
            .map_err(|e| StoreError::Backend(format!("material object {object}: {e}")))?;
        Ok(Some((material, bytes)))
    }
}

/// The name as shown back to the applicant: the last path component (browsers on Windows
/// have sent `C:\fakepath\…`), without control or bidirectional-override characters (which
/// can make `gpj.exe` read as `exe.jpg`), at most [`FILE_NAME_MAX_CHARS`] characters.
pub fn clean_file_name(name: &str, kind: FileKind) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '\u{200E}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
        .collect();
    let cleaned = cleaned.trim();
    let count = cleaned.chars().count();
    if count == 0 {
        return format!("未命名.{}", kind.extension());
    }
    cleaned
        .chars()
        .skip(count.saturating_sub(FILE_NAME_MAX_CHARS))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_folders_controls_and_direction_tricks() {
        let jpeg = FileKind::Jpeg;
        assert_eq!(
            clean_file_name(r"C:\fakepath\营业执照.jpg", jpeg),
            "营业执照.jpg"
        );
        assert_eq!(clean_file_name("../../etc/passwd", jpeg), "passwd");
        assert_eq!(clean_file_name("scan\u{202E}gpj.exe", jpeg), "scangpj.exe");
        assert_eq!(clean_file_name("a\r\nb.png", jpeg), "ab.png");
        assert_eq!(clean_file_name("  ", FileKind::Pdf), "未命名.pdf");
        let long = format!("{}.pdf", "长".repeat(100));
        let kept = clean_file_name(&long, FileKind::Pdf);
        assert_eq!(kept.chars().count(), FILE_NAME_MAX_CHARS);
        assert!(kept.ends_with("长.pdf"));
    }
}
