//! The sealed parts of a session (the person, the readings) and its photos in storage.

use app::domain::handoff::{self as rules, Mismatch, Prompt};
use app::services::handoff::{BackReading, FaceComparison, FrontReading, HandoffError};
use serde::{Deserialize, Serialize};

use super::{Handoffs, internal};
use crate::handoff::{photo, token};
use crate::store::handoff::HandoffRow;

/// The person as the form had them when the link was made.
#[derive(Serialize, Deserialize)]
pub(super) struct StoredSubject {
    pub name: String,
    pub id_number: String,
    pub mobile: String,
}

/// The liveness prompts handed out and not yet answered (no personal data).
#[derive(Serialize, Deserialize)]
pub(super) struct Challenge {
    pub id: String,
    pub prompts: Vec<Prompt>,
    pub expires_at: i64,
}

/// Everything the providers said, for the reviewer; sealed in the row.
#[derive(Serialize, Deserialize, Default)]
pub(super) struct Record {
    pub provider: String,
    pub front: Option<FrontReading>,
    pub back: Option<BackReading>,
    pub front_mismatches: Vec<Mismatch>,
    pub back_mismatches: Vec<Mismatch>,
    pub liveness: Vec<LivenessAttempt>,
}

#[derive(Serialize, Deserialize)]
pub(super) struct LivenessAttempt {
    pub at: String,
    pub prompts: Vec<Prompt>,
    pub frames: usize,
    pub failure: Option<rules::LivenessFailure>,
    pub note: String,
    pub face: Option<FaceComparison>,
}

pub(super) fn subject_context(id: i64) -> String {
    format!("handoff-subject:{id}")
}

fn photo_context(key: &str) -> String {
    format!("identity-photo:{key}")
}

impl Handoffs {
    pub(super) fn subject(&self, row: &HandoffRow) -> Result<StoredSubject, HandoffError> {
        let json = self
            .keys
            .open(&subject_context(row.id), &row.subject)
            .map_err(|e| internal(format!("handoff {} subject: {e}", row.id)))?;
        serde_json::from_slice(&json).map_err(internal)
    }

    pub(super) fn record(&self, row: &HandoffRow) -> Result<Record, HandoffError> {
        let Some(sealed) = &row.result else {
            return Ok(Record {
                provider: self.verifier.provider().to_owned(),
                ..Record::default()
            });
        };
        let json = self
            .keys
            .open(&format!("handoff-result:{}", row.id), sealed)
            .map_err(|e| internal(format!("handoff {} result: {e}", row.id)))?;
        serde_json::from_slice(&json).map_err(internal)
    }

    pub(super) fn seal_record(&self, id: i64, record: &Record) -> Result<Vec<u8>, HandoffError> {
        let json = serde_json::to_vec(record).map_err(internal)?;
        Ok(self.keys.seal(&format!("handoff-result:{id}"), &json))
    }

    /// Seals and stores a photo under a new random name; returns the name.
    pub(super) async fn put_photo(&self, bytes: &[u8]) -> Result<String, HandoffError> {
        let key = token::new_object_key();
        let sealed = self.keys.seal(&photo_context(&key), bytes);
        self.storage
            .put(&key, sealed.into())
            .await
            .map_err(|e| internal(format!("storing identity photo: {e}")))?;
        Ok(key)
    }

    pub(super) async fn get_photo(&self, key: &str) -> Result<Vec<u8>, HandoffError> {
        let sealed = self
            .storage
            .get(key)
            .await
            .map_err(|e| internal(format!("reading identity photo: {e}")))?
            .ok_or_else(|| internal(format!("identity photo {key} missing")))?;
        self.keys
            .open(&photo_context(key), &sealed)
            .map_err(|e| internal(format!("identity photo {key}: {e}")))
    }

    /// Deletes stored photos; failures leave an orphan behind, which is logged.
    pub(super) async fn drop_photos(&self, keys: &[String]) {
        for key in keys {
            if let Err(error) = self.storage.delete(key).await {
                tracing::warn!(%error, "deleting an identity photo failed");
            }
        }
    }
}

/// Checks photos in the bounded CPU pool; when it is full the phone is told to try again.
pub(super) async fn decode_all(
    images: Vec<Vec<u8>>,
    max_bytes: usize,
    min_side: u32,
) -> Result<(Vec<Vec<u8>>, Vec<(u32, u32)>), HandoffError> {
    crate::heavy::run("checking phone photos", move || {
        let sizes = images
            .iter()
            .map(|bytes| photo::decode(bytes, max_bytes, min_side).map(|p| (p.width, p.height)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok::<_, rules::PhotoProblem>((images, sizes))
    })
    .await
    .map_err(|refused| match refused {
        crate::heavy::Refused::Busy => HandoffError::Busy {
            secs: crate::heavy::RETRY_AFTER_SECS,
        },
        crate::heavy::Refused::Panicked => internal(refused),
    })?
    .map_err(HandoffError::Photo)
}
