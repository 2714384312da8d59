//! The scans uploaded for a submitted application, one file per slot.

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::StoreError;
#[cfg(feature = "ssr")]
use super::login::UserId;
#[cfg(feature = "ssr")]
use crate::domain::materials::Inspected;

/// The session key under which an upload without JavaScript leaves its [`MaterialsFlash`]
/// for the materials page to show once.
pub const FLASH_KEY: &str = "materials_flash";

/// A stored file, as the materials page lists it. The file itself is at
/// `/p/{project}/applications/{number}/materials/{slot}/file`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadedMaterial {
    pub slot: String,
    /// The name it was uploaded under, without folders or control characters.
    pub file_name: String,
    /// `jpeg`, `png` or `pdf`, by content ([`crate::domain::materials::FileKind`]).
    pub kind: String,
    pub size: u64,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub pages: Option<u32>,
    /// RFC 3339, UTC.
    pub uploaded_at: String,
}

/// The outcome of a plain form upload or removal, shown once on the materials page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialsFlash {
    pub slot: String,
    pub ok: bool,
    pub message: String,
}

/// A file that passed inspection, ready to store.
#[cfg(feature = "ssr")]
pub struct NewMaterial {
    pub slot: String,
    pub file_name: String,
    pub inspected: Inspected,
    pub bytes: Vec<u8>,
}

/// Every method acts only on applications `user` owns: another user's number reads as absent.
#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait MaterialStore: Send + Sync {
    /// The application's stored files, by slot id.
    async fn list(&self, user: UserId, number: &str) -> Result<Vec<UploadedMaterial>, StoreError>;

    /// Stores the file in its slot, replacing what was there. `None`: no such application.
    async fn save(
        &self,
        user: UserId,
        number: &str,
        material: NewMaterial,
    ) -> Result<Option<UploadedMaterial>, StoreError>;

    /// Empties the slot; whether it held a file.
    async fn remove(&self, user: UserId, number: &str, slot: &str) -> Result<bool, StoreError>;

    /// The slot's file, decrypted.
    async fn open(
        &self,
        user: UserId,
        number: &str,
        slot: &str,
    ) -> Result<Option<(UploadedMaterial, Vec<u8>)>, StoreError>;
}
