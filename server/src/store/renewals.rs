//! Renewal orders: made from the owner's certificates, each certificate held by one open order
//! at a time, and completed together with the certificates' new validity.

use app::domain::business::Business;
use app::domain::certificate::Validity;

use super::applications::{NewApplication, Sealer};
use super::certificates::CertificateRow;
use super::holds::{Line, move_order, open_in, release_in};
use super::orders::Move;
use super::time::day_to_db;
use super::{Db, StoreError};

pub use super::holds::Opened;

#[async_trait::async_trait]
pub trait RenewalRepo: Send + Sync {
    /// Makes a renewal order of `choices` (certificate id, years) for `new.user` in
    /// `new.project`, all or nothing: each certificate must be that user's, valid and in that
    /// project, and not held by another open order; this order then holds them.
    async fn open(
        &self,
        new: &NewApplication<'_>,
        choices: &[(i64, u8)],
        seal: Sealer<'_>,
    ) -> Result<Opened, StoreError>;

    /// The certificates of renewal order `number` with the years bought, in id order.
    async fn lines(&self, number: &str) -> Result<Vec<(CertificateRow, u8)>, StoreError>;

    /// Gives the certificates their new term, moves the order by `change` and releases
    /// its holds, at once; `false` (and nothing written) if the order already moved on.
    async fn complete(
        &self,
        number: &str,
        renewed: &[(i64, Validity)],
        change: &Move,
    ) -> Result<bool, StoreError>;

    /// Renewal orders paid but not yet completed (the issuing system did not answer), oldest
    /// first.
    async fn unfinished(&self) -> Result<Vec<String>, StoreError>;
}

#[async_trait::async_trait]
impl RenewalRepo for Db {
    async fn open(
        &self,
        new: &NewApplication<'_>,
        choices: &[(i64, u8)],
        seal: Sealer<'_>,
    ) -> Result<Opened, StoreError> {
        let lines: Vec<Line<'_>> = choices
            .iter()
            .map(|(certificate_id, years)| Line {
                certificate_id: *certificate_id,
                years: *years,
                reason: None,
            })
            .collect();
        self.retry(|| async {
            let mut tx = self.begin_write().await?;
            let opened = open_in(&mut tx, new, Business::Renewal, &["valid"], &lines, seal).await?;
            if matches!(opened, Opened::Number(_)) {
                tx.commit().await?;
            }
            Ok(opened)
        })
        .await
    }

    async fn lines(&self, number: &str) -> Result<Vec<(CertificateRow, u8)>, StoreError> {
        let years: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT o.certificate_id, o.years FROM order_certificates o
             JOIN applications a ON a.id = o.application_id
             WHERE a.number = $1 ORDER BY o.certificate_id",
        )
        .bind(number)
        .fetch_all(self.pool())
        .await?;
        let mut lines = Vec::with_capacity(years.len());
        for (id, years) in years {
            let row = super::certificates::by_id(self.pool(), id)
                .await?
                .ok_or_else(|| StoreError::Corrupt(format!("certificate {id} of {number}")))?;
            let years = u8::try_from(years)
                .map_err(|_| StoreError::Corrupt(format!("years of {number}")))?;
            lines.push((row, years));
        }
        Ok(lines)
    }

    async fn complete(
        &self,
        number: &str,
        renewed: &[(i64, Validity)],
        change: &Move,
    ) -> Result<bool, StoreError> {
        let at = change.events.first().map_or(0, |e| e.at);
        self.retry(|| async {
            let mut tx = self.begin_write().await?;
            let Some(id) = move_order(&mut tx, number, change).await? else {
                return Ok(false);
            };
            for (certificate, validity) in renewed {
                sqlx::query(
                    "UPDATE certificates SET valid_from = $1, valid_to = $2, updated_at = $3
                     WHERE id = $4 AND status = 'valid'",
                )
                .bind(day_to_db(validity.from))
                .bind(day_to_db(validity.to))
                .bind(at)
                .bind(certificate)
                .execute(&mut *tx)
                .await?;
                // A new term earns its own reminders.
                sqlx::query("DELETE FROM certificate_reminders WHERE certificate_id = $1")
                    .bind(certificate)
                    .execute(&mut *tx)
                    .await?;
            }
            release_in(&mut tx, id).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    async fn unfinished(&self) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT number FROM applications WHERE business = $1 AND status = 'in_production'
             ORDER BY updated_at, id",
        )
        .bind(Business::Renewal.code())
        .fetch_all(self.pool())
        .await?)
    }
}
