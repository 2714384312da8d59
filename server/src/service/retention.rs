//! How long personal data is kept, enforced: the periodic jobs that delete what the privacy
//! policy (`content/agreements/privacy.md`) says goes after a while. Each period is a setting
//! (`DRAFT_RETENTION_DAYS`, `OUTBOX_RETENTION_DAYS`, `CANCELLED_RETENTION_DAYS`); the phone
//! step's photos have their own (`IDENTITY_RETENTION_DAYS`, in the handoff's purge).
//!
//! Submitted applications that are not cancelled are never deleted here: certification
//! records are kept as the law requires (see `privacy.md`).

use std::sync::Arc;

use app::services::StoreError;
use time::Duration;

use crate::clock::Clock;
use crate::config::Config;
use crate::service::erase::Files;
use crate::store::erase::Removed;
use crate::store::retention::RetentionRepo;
use crate::store::time::to_db;

/// The periods, in days.
#[derive(Clone, Copy, Debug)]
pub struct Periods {
    /// A draft never submitted, counted from its last save.
    pub drafts: u32,
    /// A message in the local SMS outbox, from when it was "sent".
    pub outbox: u32,
    /// A cancelled application, from its cancellation.
    pub cancelled: u32,
}

impl Periods {
    pub fn of(config: &Config) -> Self {
        Self {
            drafts: config.draft_retention_days,
            outbox: config.outbox_retention_days,
            cancelled: config.cancelled_retention_days,
        }
    }
}

/// What one run deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub drafts: u64,
    pub messages: u64,
    pub applications: u64,
}

pub struct Retention {
    repo: Arc<dyn RetentionRepo>,
    files: Files,
    clock: Arc<dyn Clock>,
    periods: Periods,
}

impl Retention {
    pub fn new(
        repo: Arc<dyn RetentionRepo>,
        files: Files,
        clock: Arc<dyn Clock>,
        periods: Periods,
    ) -> Self {
        Self {
            repo,
            files,
            clock,
            periods,
        }
    }

    /// The server's jobs, on its own folders and settings.
    pub fn of(
        config: &Config,
        repo: Arc<dyn RetentionRepo>,
        files: Files,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self::new(repo, files, clock, Periods::of(config))
    }

    /// Runs every job once (the maintenance task calls it each minute; a run with nothing due
    /// is three indexed look-ups).
    pub async fn run(&self) -> Result<Purged, StoreError> {
        let purged = Purged {
            drafts: self.drafts().await?,
            messages: self.outbox().await?,
            applications: self.cancelled().await?,
        };
        if purged != Purged::default() {
            tracing::info!(?purged, "personal data deleted after its retention period");
        }
        Ok(purged)
    }

    /// The instant `days` before now, as the stored timestamps write it.
    fn cutoff(&self, days: u32) -> i64 {
        to_db(self.clock.now() - Duration::days(i64::from(days)))
    }

    async fn drafts(&self) -> Result<u64, StoreError> {
        let cutoff = self.cutoff(self.periods.drafts);
        Ok(self.repo.purge_drafts(cutoff).await?)
    }

    async fn outbox(&self) -> Result<u64, StoreError> {
        let cutoff = self.cutoff(self.periods.outbox);
        Ok(self.repo.purge_outbox(cutoff).await?)
    }

    /// Cancelled applications whose last change (the cancellation) is past the period, one
    /// transaction each so a large backlog never holds the write lock for long.
    async fn cancelled(&self) -> Result<u64, StoreError> {
        let due = self
            .repo
            .cancelled_before(self.cutoff(self.periods.cancelled))
            .await?;
        let mut removed = Removed::default();
        for &id in &due {
            removed.extend(self.repo.erase_cancelled(id).await?);
        }
        self.files.drop(removed).await;
        Ok(due.len() as u64)
    }
}
