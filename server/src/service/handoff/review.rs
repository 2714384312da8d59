//! What a reviewer reads of an application's phone step.

use app::domain::handoff::IdSide;
use app::services::handoff::{HandoffError, HandoffStatus};

use super::{Handoffs, file_kind};

/// One liveness attempt as a reviewer reads it.
#[derive(Clone, Debug)]
pub struct ReviewedAttempt {
    /// RFC 3339, UTC.
    pub at: String,
    /// `None`: passed; otherwise why not, in Chinese.
    pub failure: Option<String>,
    pub note: String,
    /// Whether the face matched the ID photo, and the provider's score, when compared.
    pub face: Option<(bool, Option<f32>)>,
}

/// The phone step of an application as the review console shows it: the latest session's
/// progress and mismatches, what the provider noted, each liveness attempt, and which ID
/// photos are still stored (they go `IDENTITY_RETENTION_DAYS` after the session ended).
#[derive(Clone, Debug)]
pub struct ReviewIdentity {
    pub status: HandoffStatus,
    pub provider: String,
    pub notes: Vec<String>,
    pub attempts: Vec<ReviewedAttempt>,
    pub photos: Vec<IdSide>,
}

impl Handoffs {
    /// The latest phone session of application `number`, for a reviewer; `None` when the
    /// applicant never started one (or there is no such application).
    pub async fn review(&self, number: &str) -> Result<Option<ReviewIdentity>, HandoffError> {
        let Some(application) = self.repo.application(number, None).await? else {
            return Ok(None);
        };
        let Some(row) = self.latest(application).await? else {
            return Ok(None);
        };
        let record = self.record(&row)?;
        let stored = self.repo.file_kinds(row.id).await?;
        let mut notes = Vec::new();
        if let Some(front) = &record.front {
            notes.push(format!("人像面：{}", front.note));
        }
        if let Some(back) = &record.back {
            notes.push(format!("国徽面：{}", back.note));
        }
        let attempts = record
            .liveness
            .iter()
            .map(|a| ReviewedAttempt {
                at: a.at.clone(),
                failure: a.failure.map(|f| f.message().to_owned()),
                note: a.note.clone(),
                face: a.face.as_ref().map(|f| (f.matched, f.score)),
            })
            .collect();
        let provider = record.provider.clone();
        Ok(Some(ReviewIdentity {
            status: self.desktop_view(Some(row)).await?,
            provider,
            notes,
            attempts,
            photos: [IdSide::Front, IdSide::Back]
                .into_iter()
                .filter(|side| stored.iter().any(|k| k == file_kind(*side)))
                .collect(),
        }))
    }

    /// The stored ID photo of one side from the latest phone session of `number`, decrypted,
    /// for a reviewer; `None` when there is none (never taken, or deleted after retention).
    pub async fn review_photo(
        &self,
        number: &str,
        side: IdSide,
    ) -> Result<Option<Vec<u8>>, HandoffError> {
        match self.repo.latest_file(number, file_kind(side)).await? {
            Some(key) => Ok(Some(self.get_photo(&key).await?)),
            None => Ok(None),
        }
    }
}
