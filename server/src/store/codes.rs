//! The limits every texted code shares, whatever it is for (a login, a lookup): the wait
//! between two codes to one recipient, a daily count per recipient and an hourly count per
//! address, checked and the code stored in one writing transaction.

use super::logins::{CodeLimits, Reserved};
use super::{Db, StoreError};

/// A code about to be sent, and where such codes are kept.
pub(super) struct Sent<'a> {
    /// The table, and its column naming the recipient (constants, never input).
    pub table: &'static str,
    pub to_column: &'static str,
    /// The recipient's keyed index.
    pub to: &'a [u8],
    pub code_hash: &'a [u8],
    pub ip_key: &'a str,
    pub now: i64,
    pub expires_at: i64,
}

/// Counts the recipient's and the address's codes against `limits` and, if they allow,
/// stores the new code, at once.
pub(super) async fn reserve(
    db: &Db,
    code: Sent<'_>,
    limits: CodeLimits,
) -> Result<Reserved, StoreError> {
    let Sent {
        table, to_column, ..
    } = code;
    db.retry(|| async {
        let mut tx = db.begin_write().await?;
        let last_sent: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT MAX(sent_at) FROM {table} WHERE {to_column} = $1"
        ))
        .bind(code.to)
        .fetch_one(&mut *tx)
        .await?;
        if let Some(last) = last_sent {
            let wait = limits.resend_after - (code.now - last);
            if wait > 0 {
                return Ok(Reserved::ResendIn(wait));
            }
        }
        let today: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM {table} WHERE {to_column} = $1 AND sent_at >= $2"
        ))
        .bind(code.to)
        .bind(limits.day_start)
        .fetch_one(&mut *tx)
        .await?;
        if today >= limits.daily {
            return Ok(Reserved::DailyLimit);
        }
        let this_hour: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM {table} WHERE ip_key = $1 AND sent_at > $2"
        ))
        .bind(code.ip_key)
        .bind(code.now - 3600)
        .fetch_one(&mut *tx)
        .await?;
        if this_hour >= limits.ip_hourly {
            return Ok(Reserved::IpLimit);
        }
        let id: i64 = sqlx::query_scalar(&format!(
            "INSERT INTO {table} ({to_column}, code_hash, ip_key, sent_at, expires_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id"
        ))
        .bind(code.to)
        .bind(code.code_hash)
        .bind(code.ip_key)
        .bind(code.now)
        .bind(code.expires_at)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Reserved::Code(id))
    })
    .await
}
