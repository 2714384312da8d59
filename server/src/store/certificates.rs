//! Issued certificates: one row per certificate of an order, written once when the CA issues
//! them, then only their status changes. Names and mobiles are not here: they stay in the
//! encrypted application the certificate came from.

use app::domain::catalog::ProductKind;
use app::domain::certificate::{CertStatus, Validity};
use sqlx::any::AnyRow;
use sqlx::{FromRow, Row};
use time::OffsetDateTime;

use super::time::{day_from_db, day_to_db, to_db};
use super::{Db, StoreError};

/// A certificate as the CA's issuing system made it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCertificate {
    /// Which of the application's certificates, in the order of its selection.
    pub position: u32,
    pub kind: ProductKind,
    pub serial: String,
    pub medium: String,
    pub validity: Validity,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateRow {
    pub id: i64,
    pub application_id: i64,
    /// The number of the order that made it.
    pub number: String,
    pub position: u32,
    pub user_id: i64,
    pub project_id: String,
    pub kind: ProductKind,
    pub serial: String,
    pub medium: String,
    pub validity: Validity,
    pub status: CertStatus,
    pub issued_at: i64,
}

const COLUMNS: &str = "c.id, c.application_id, a.number, c.position, c.user_id, c.project_id,
    c.kind, c.serial, c.medium, c.valid_from, c.valid_to, c.status, c.issued_at";

impl FromRow<'_, AnyRow> for CertificateRow {
    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        let corrupt = |column: &str, value: String| sqlx::Error::ColumnDecode {
            index: column.into(),
            source: format!("unknown value {value:?}").into(),
        };
        let kind: String = row.try_get("kind")?;
        let status: String = row.try_get("status")?;
        let position: i32 = row.try_get("position")?;
        Ok(Self {
            id: row.try_get("id")?,
            application_id: row.try_get("application_id")?,
            number: row.try_get("number")?,
            position: u32::try_from(position)
                .map_err(|_| corrupt("position", position.to_string()))?,
            user_id: row.try_get("user_id")?,
            project_id: row.try_get("project_id")?,
            kind: ProductKind::parse(&kind).ok_or_else(|| corrupt("kind", kind.clone()))?,
            serial: row.try_get("serial")?,
            medium: row.try_get("medium")?,
            validity: Validity {
                from: day_from_db(row.try_get("valid_from")?),
                to: day_from_db(row.try_get("valid_to")?),
            },
            status: CertStatus::parse(&status).ok_or_else(|| corrupt("status", status.clone()))?,
            issued_at: row.try_get("issued_at")?,
        })
    }
}

#[async_trait::async_trait]
pub trait CertificateRepo: Send + Sync {
    /// Records the certificates of application `number` as issued at `at` and returns
    /// them all. Certificates already recorded for a position are kept as they are, so issuing
    /// twice (two reviewers at once, a retried request) leaves one set.
    async fn record_issued(
        &self,
        number: &str,
        certificates: &[NewCertificate],
        at: OffsetDateTime,
    ) -> Result<Vec<CertificateRow>, StoreError>;

    /// Records the new key's certificate of replacement order `number`, revokes the certificate
    /// it replaces and gives that one's hold back, at once; like [`Self::record_issued`],
    /// recording twice leaves one.
    async fn record_replacement(
        &self,
        number: &str,
        certificate: &NewCertificate,
        at: OffsetDateTime,
    ) -> Result<Vec<CertificateRow>, StoreError>;

    /// The certificates business order `number` is about (renewed, replaced, cancelled…), in
    /// id order.
    async fn lined(&self, number: &str) -> Result<Vec<CertificateRow>, StoreError>;

    /// Gives back the certificates order `number` held: it ended without completing.
    async fn release_holds(&self, number: &str) -> Result<(), StoreError>;

    /// The certificates an order made, in the order of its selection.
    async fn of_application(&self, number: &str) -> Result<Vec<CertificateRow>, StoreError>;

    /// Certificate `id`, if there is one.
    async fn certificate(&self, id: i64) -> Result<Option<CertificateRow>, StoreError>;

    /// Every certificate of `user`, soonest expiry first.
    async fn of_user(&self, user: i64) -> Result<Vec<CertificateRow>, StoreError>;
}

#[async_trait::async_trait]
impl CertificateRepo for Db {
    async fn record_issued(
        &self,
        number: &str,
        certificates: &[NewCertificate],
        at: OffsetDateTime,
    ) -> Result<Vec<CertificateRow>, StoreError> {
        let at = to_db(at);
        self.retry(|| async {
            let mut tx = self.begin_write().await?;
            for certificate in certificates {
                insert_in(&mut tx, number, certificate, at).await?;
            }
            let rows = of_application(&mut tx, number).await?;
            tx.commit().await?;
            Ok(rows)
        })
        .await
    }

    async fn record_replacement(
        &self,
        number: &str,
        certificate: &NewCertificate,
        at: OffsetDateTime,
    ) -> Result<Vec<CertificateRow>, StoreError> {
        let at = to_db(at);
        self.retry(|| async {
            let mut tx = self.begin_write().await?;
            insert_in(&mut tx, number, certificate, at).await?;
            sqlx::query(
                "UPDATE certificates SET status = 'revoked', updated_at = $2
                 WHERE status = 'valid' AND id IN (
                     SELECT o.certificate_id FROM order_certificates o
                     JOIN applications a ON a.id = o.application_id WHERE a.number = $1)",
            )
            .bind(number)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            release_number(&mut tx, number).await?;
            let rows = of_application(&mut tx, number).await?;
            tx.commit().await?;
            Ok(rows)
        })
        .await
    }

    async fn lined(&self, number: &str) -> Result<Vec<CertificateRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM order_certificates o
             JOIN applications l ON l.id = o.application_id
             JOIN certificates c ON c.id = o.certificate_id
             JOIN applications a ON a.id = c.application_id
             WHERE l.number = $1 ORDER BY c.id"
        ))
        .bind(number)
        .fetch_all(self.pool())
        .await?)
    }

    async fn release_holds(&self, number: &str) -> Result<(), StoreError> {
        let mut conn = self.pool().acquire().await?;
        release_number(&mut conn, number).await
    }

    async fn certificate(&self, id: i64) -> Result<Option<CertificateRow>, StoreError> {
        by_id(self.pool(), id).await
    }

    async fn of_application(&self, number: &str) -> Result<Vec<CertificateRow>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        of_application(&mut conn, number).await
    }

    async fn of_user(&self, user: i64) -> Result<Vec<CertificateRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM certificates c JOIN applications a ON a.id = c.application_id
             WHERE c.user_id = $1 ORDER BY c.valid_to, c.id"
        ))
        .bind(user)
        .fetch_all(self.pool())
        .await?)
    }
}

/// Writes `certificate` of order `number`, unless one is recorded at its position already.
async fn insert_in(
    tx: &mut sqlx::AnyConnection,
    number: &str,
    certificate: &NewCertificate,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO certificates (application_id, position, user_id, project_id, kind,
             serial, medium, valid_from, valid_to, status, issued_at, updated_at)
         SELECT id, $2, user_id, project_id, $3, $4, $5, $6, $7, 'valid', $8, $8
         FROM applications WHERE number = $1
         ON CONFLICT (application_id, position) DO NOTHING",
    )
    .bind(number)
    .bind(i32::try_from(certificate.position).unwrap_or(i32::MAX))
    .bind(certificate.kind.code())
    .bind(&certificate.serial)
    .bind(&certificate.medium)
    .bind(day_to_db(certificate.validity.from))
    .bind(day_to_db(certificate.validity.to))
    .bind(at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Deletes the holds of order `number`.
async fn release_number(conn: &mut sqlx::AnyConnection, number: &str) -> Result<(), StoreError> {
    sqlx::query(
        "DELETE FROM certificate_holds
         WHERE application_id IN (SELECT id FROM applications WHERE number = $1)",
    )
    .bind(number)
    .execute(conn)
    .await?;
    Ok(())
}

async fn of_application(
    conn: &mut sqlx::AnyConnection,
    number: &str,
) -> Result<Vec<CertificateRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM certificates c JOIN applications a ON a.id = c.application_id
         WHERE a.number = $1 ORDER BY c.position"
    ))
    .bind(number)
    .fetch_all(conn)
    .await?)
}

/// Certificate `id`, if there is one.
pub(crate) async fn by_id(
    pool: &sqlx::AnyPool,
    id: i64,
) -> Result<Option<CertificateRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM certificates c JOIN applications a ON a.id = c.application_id
         WHERE c.id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?)
}
