//! Which agreement versions an applicant accepted, and when.

#[cfg(feature = "ssr")]
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::StoreError;
#[cfg(feature = "ssr")]
use super::login::UserId;

/// An agreement text the applicant must accept, loaded from `CONTENT_DIR/agreements/<id>.md`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agreement {
    /// The file stem: `service`, `privacy`, `sensitive`.
    pub id: String,
    /// The file's first line, without the leading `# `.
    pub title: String,
    /// SHA-256 of the file's bytes: what an acceptance records.
    pub version: String,
    /// The rest of the file: paragraphs separated by blank lines.
    pub body: String,
}

/// One accepted document: its id (`service`, `privacy`, `sensitive`) and content hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Acceptance {
    pub document: String,
    pub version: String,
}

#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait ConsentStore: Send + Sync {
    /// Appends the acceptances with the current time; earlier records are kept as history.
    async fn record(
        &self,
        user: UserId,
        accepted: &[Acceptance],
        ip: IpAddr,
    ) -> Result<(), StoreError>;

    /// The versions this user has accepted, latest first.
    async fn accepted(&self, user: UserId) -> Result<Vec<Acceptance>, StoreError>;
}
