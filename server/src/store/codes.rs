//! The limits every texted code shares, whatever it is for (a login, a lookup): the wait
//! between two codes to one recipient, a daily count per recipient and an hourly count per
//! address, checked and the code stored in one writing transaction.

use sqlx::AnyConnection;

use super::logins::{CodeLimits, Reserved};
use super::{Db, StoreError};
use crate::crypto::same;

/// A texted code about to be stored, whatever it is for.
#[derive(Debug, Clone, Copy)]
pub struct TextedCode<'a> {
    /// What it is for, as a keyed hash: the recipient's mobile, a lookup's query, a
    /// certificate's business.
    pub to: &'a [u8],
    pub code_hash: &'a [u8],
    pub ip_key: &'a str,
    /// Unix seconds, as every time here.
    pub now: i64,
    pub expires_at: i64,
}

/// Where one kind of code is kept: the table and its column naming the recipient
/// (constants, never input).
pub(super) type Table = (&'static str, &'static str);

/// Counts the recipient's and the address's codes against `limits` and, if they allow,
/// stores the new code, at once.
pub(super) async fn reserve(
    db: &Db,
    (table, to_column): Table,
    code: TextedCode<'_>,
    limits: CodeLimits,
) -> Result<Reserved, StoreError> {
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

/// Deletes a code that was never sent, so it neither works nor counts.
pub(super) async fn forget(db: &Db, (table, _): Table, id: i64) -> Result<(), StoreError> {
    sqlx::query(&format!("DELETE FROM {table} WHERE id = $1"))
        .bind(id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// What a typed code did to the latest code sent to its recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checked {
    NoCode,
    /// Used already, or past its expiry.
    Expired,
    /// Out of tries before this one.
    Locked,
    /// Wrong (or not a code at all); the code has had `attempts` wrong tries now.
    Wrong {
        attempts: i64,
    },
    /// Right: the code is used up.
    Right,
}

/// The latest code: id, HMAC, expiry, wrong tries so far, when it was used.
type Latest = (i64, Vec<u8>, i64, i64, Option<i64>);

/// Checks `typed` (the HMAC of what was typed; `None` when it was no code at all, which does
/// not count) against the latest code to `to`, inside the caller's writing transaction: a
/// wrong try is counted and a right one uses the code up. The caller commits.
pub(super) async fn spend(
    conn: &mut AnyConnection,
    (table, to_column): Table,
    to: &[u8],
    typed: Option<&[u8]>,
    now: i64,
    max_attempts: i64,
) -> Result<Checked, StoreError> {
    let latest: Option<Latest> = sqlx::query_as(&format!(
        "SELECT id, code_hash, expires_at, attempts, used_at FROM {table}
         WHERE {to_column} = $1 ORDER BY sent_at DESC, id DESC LIMIT 1"
    ))
    .bind(to)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((id, code_hash, expires_at, attempts, used_at)) = latest else {
        return Ok(Checked::NoCode);
    };
    if used_at.is_some() || expires_at <= now {
        return Ok(Checked::Expired);
    }
    if attempts >= max_attempts {
        return Ok(Checked::Locked);
    }
    let Some(typed) = typed else {
        return Ok(Checked::Wrong { attempts });
    };
    if !same(typed, &code_hash) {
        sqlx::query(&format!(
            "UPDATE {table} SET attempts = attempts + 1 WHERE id = $1"
        ))
        .bind(id)
        .execute(&mut *conn)
        .await?;
        return Ok(Checked::Wrong {
            attempts: attempts + 1,
        });
    }
    sqlx::query(&format!("UPDATE {table} SET used_at = $1 WHERE id = $2"))
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(Checked::Right)
}
