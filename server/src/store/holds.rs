//! An order about issued certificates (renewal, cancellation, unlock): the check that each is
//! the user's, in the project and in a status the business accepts, and not held by another
//! open order; then the order, its lines and its holds, inside the caller's transaction.

use app::domain::business::Business;
use sqlx::AnyConnection;

use super::StoreError;
use super::applications::{NewApplication, Sealer, next_number};
use super::orders::{Move, move_in};

/// What opening an order about certificates made, or why not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Opened {
    Number(String),
    /// The certificate is not the user's, not in a status the business accepts, or not in the
    /// project.
    NotOpen(i64),
    /// Another open order (its number) already holds the certificate.
    Held {
        certificate_id: i64,
        by: String,
    },
}

/// One certificate of the order: its id, the years bought (0 when none are) and the
/// applicant's reason, when the business asks for one.
pub struct Line<'a> {
    pub certificate_id: i64,
    pub years: u8,
    pub reason: Option<&'a str>,
}

/// Checks and writes the order; the caller commits only on [`Opened::Number`].
pub(super) async fn open_in(
    tx: &mut AnyConnection,
    new: &NewApplication<'_>,
    business: Business,
    statuses: &[&str],
    lines: &[Line<'_>],
    seal: Sealer<'_>,
) -> Result<Opened, StoreError> {
    for line in lines {
        let status: Option<String> = sqlx::query_scalar(
            "SELECT status FROM certificates WHERE id = $1 AND user_id = $2 AND project_id = $3",
        )
        .bind(line.certificate_id)
        .bind(new.user)
        .bind(new.project)
        .fetch_optional(&mut *tx)
        .await?;
        if !status.is_some_and(|s| statuses.contains(&s.as_str())) {
            return Ok(Opened::NotOpen(line.certificate_id));
        }
        let by: Option<String> = sqlx::query_scalar(
            "SELECT a.number FROM certificate_holds h
             JOIN applications a ON a.id = h.application_id WHERE h.certificate_id = $1",
        )
        .bind(line.certificate_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(by) = by {
            return Ok(Opened::Held {
                certificate_id: line.certificate_id,
                by,
            });
        }
    }
    let number = next_number(tx, new.day).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO applications (number, user_id, project_id, status, data, quote,
                                   total_fen, catalog_version, submitted_at, updated_at,
                                   business)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10) RETURNING id",
    )
    .bind(&number)
    .bind(new.user)
    .bind(new.project)
    .bind(new.status)
    .bind(seal(&number))
    .bind(new.quote)
    .bind(new.total_fen)
    .bind(new.catalog_version)
    .bind(new.at)
    .bind(business.code())
    .fetch_one(&mut *tx)
    .await?;
    for line in lines {
        sqlx::query(
            "INSERT INTO order_certificates (application_id, certificate_id, years, reason)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(line.certificate_id)
        .bind(i64::from(line.years))
        .bind(line.reason)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO certificate_holds (certificate_id, application_id) VALUES ($1, $2)",
        )
        .bind(line.certificate_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    }
    Ok(Opened::Number(number))
}

/// Moves order `number` by `change` inside the caller's transaction: its id, or `None` (and
/// nothing written) when there is no such order or it already moved on.
pub(super) async fn move_order(
    tx: &mut AnyConnection,
    number: &str,
    change: &Move,
) -> Result<Option<i64>, StoreError> {
    let id: Option<i64> = sqlx::query_scalar("SELECT id FROM applications WHERE number = $1")
        .bind(number)
        .fetch_optional(&mut *tx)
        .await?;
    match id {
        Some(id) if move_in(tx, id, change).await? => Ok(Some(id)),
        _ => Ok(None),
    }
}

/// Gives back the certificates order `id` held.
pub(super) async fn release_in(tx: &mut AnyConnection, id: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM certificate_holds WHERE application_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}
