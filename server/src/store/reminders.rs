//! Expiry reminders: which valid certificates come near their last day, and the record of each
//! reminder sent (`certificate_reminders`), claimed before the SMS goes out so that several
//! instances running the job at once send it once.

use app::domain::catalog::ProductKind;
use sqlx::Row;
use time::{Date, OffsetDateTime};

use super::time::{day_from_db, day_to_db, to_db};
use super::{Db, StoreError};

/// A valid certificate expiring soon, with the reminders already sent for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueCertificate {
    pub id: i64,
    /// The number of the order that made it.
    pub number: String,
    pub project_id: String,
    /// Which of the application's certificates (names the holder of an org-personal one).
    pub position: u32,
    pub kind: ProductKind,
    pub serial: String,
    /// The last day it is valid.
    pub valid_to: Date,
    pub issued_at: i64,
    /// The reminders sent (or being sent), as days before expiry, smallest first.
    pub sent: Vec<u16>,
}

#[async_trait::async_trait]
pub trait ReminderRepo: Send + Sync {
    /// The valid certificates whose last day falls from `from` through `through`, both
    /// included, by id.
    async fn due(&self, from: Date, through: Date) -> Result<Vec<DueCertificate>, StoreError>;

    /// Records the reminder `days` before expiry of certificate `id` as sent at `at`; true
    /// only for the one caller that recorded it.
    async fn claim(&self, id: i64, days: u16, at: OffsetDateTime) -> Result<bool, StoreError>;

    /// Forgets a claimed reminder whose SMS did not go out, so the next run sends it again.
    async fn release(&self, id: i64, days: u16) -> Result<(), StoreError>;
}

#[async_trait::async_trait]
impl ReminderRepo for Db {
    async fn due(&self, from: Date, through: Date) -> Result<Vec<DueCertificate>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.id, a.number, c.project_id, c.position, c.kind, c.serial, c.valid_to,
                    c.issued_at, r.days
             FROM certificates c
             JOIN applications a ON a.id = c.application_id
             LEFT JOIN certificate_reminders r ON r.certificate_id = c.id
             WHERE c.status = 'valid' AND c.valid_to >= $1 AND c.valid_to <= $2
             ORDER BY c.id, r.days",
        )
        .bind(day_to_db(from))
        .bind(day_to_db(through))
        .fetch_all(self.pool())
        .await?;
        let mut due: Vec<DueCertificate> = Vec::new();
        for row in rows {
            let id: i64 = row.try_get("id")?;
            let days: Option<i32> = row.try_get("days")?;
            let days = days.map(|d| u16::try_from(d).map_err(|_| corrupt("days", d)));
            if due.last().is_none_or(|last| last.id != id) {
                let kind: String = row.try_get("kind")?;
                let position: i64 = row.try_get::<i32, _>("position")?.into();
                due.push(DueCertificate {
                    id,
                    number: row.try_get("number")?,
                    project_id: row.try_get("project_id")?,
                    position: u32::try_from(position).map_err(|_| corrupt("position", position))?,
                    kind: ProductKind::parse(&kind).ok_or_else(|| corrupt("kind", kind.clone()))?,
                    serial: row.try_get("serial")?,
                    valid_to: day_from_db(row.try_get("valid_to")?),
                    issued_at: row.try_get("issued_at")?,
                    sent: Vec::new(),
                });
            }
            if let (Some(days), Some(last)) = (days, due.last_mut()) {
                last.sent.push(days?);
            }
        }
        Ok(due)
    }

    async fn claim(&self, id: i64, days: u16, at: OffsetDateTime) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO certificate_reminders (certificate_id, days, sent_at) VALUES ($1, $2, $3)
             ON CONFLICT (certificate_id, days) DO NOTHING",
        )
        .bind(id)
        .bind(i64::from(days))
        .bind(to_db(at))
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn release(&self, id: i64, days: u16) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM certificate_reminders WHERE certificate_id = $1 AND days = $2")
            .bind(id)
            .bind(i64::from(days))
            .execute(self.pool())
            .await?;
        Ok(())
    }
}

fn corrupt(column: &str, value: impl std::fmt::Debug) -> StoreError {
    sqlx::Error::ColumnDecode {
        index: column.into(),
        source: format!("unknown value {value:?}").into(),
    }
    .into()
}
