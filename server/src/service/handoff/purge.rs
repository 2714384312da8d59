//! Expiry without a timer and the retention of identity photos, run by the maintenance task.

use app::services::handoff::HandoffError;

use super::{CODE_WINDOW_SECS, Handoffs};

impl Handoffs {
    /// Expires sessions past their deadline and deletes the photos and frames of sessions
    /// that ended more than the retention ago (their result and steps stay); also forgets old
    /// wrong short codes. Returns how many sessions were purged.
    pub async fn purge(&self) -> Result<u64, HandoffError> {
        let now = self.clock.now().unix_timestamp();
        for id in self.repo.overdue(now).await? {
            let row = self.by_id(id).await?;
            if let Err(error) = self.settle(row).await {
                tracing::warn!(handoff = id, %error, "expiring a handoff failed");
            }
        }
        let cutoff = now - i64::from(self.settings.retention_days) * 86_400;
        let mut purged = 0;
        for id in self.repo.ended_by(cutoff).await? {
            let objects = self.repo.purge(id, now).await?;
            self.drop_photos(&objects).await;
            purged += 1;
            tracing::info!(
                handoff = id,
                files = objects.len(),
                "identity photos deleted after retention"
            );
        }
        self.repo
            .forget_code_failures(now - CODE_WINDOW_SECS)
            .await?;
        Ok(purged)
    }
}
