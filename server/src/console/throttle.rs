//! Console sign-ins per client address: at most [`MAX_PER_ADDRESS`] wrong passwords from one
//! address in [`WINDOW_SECS`], whichever accounts they name, so an address cannot work
//! through every account's five tries. The count lives in the database, like the accounts'
//! locks, so every instance behind a balancer shares it.
//!
//! An attempt takes its place before the password is checked (in one write transaction with
//! the count, so attempts sent at once cannot all see room) and gives it back when the
//! password was right.

use std::net::IpAddr;

use sqlx::SqlitePool;

use crate::login::ip_key;

/// Wrong passwords one address may send per window.
pub const MAX_PER_ADDRESS: i64 = 10;
/// The window, in seconds.
pub const WINDOW_SECS: i64 = 15 * 60;

/// An attempt's place in its address's count.
#[derive(Debug)]
#[must_use = "a right password gives the place back"]
pub struct Place(i64);

/// Takes a place for an attempt from `ip` at `now` (Unix seconds), or says how many seconds
/// the address must wait.
pub async fn take(
    pool: &SqlitePool,
    ip: IpAddr,
    now: i64,
) -> Result<Result<Place, i64>, sqlx::Error> {
    let key = ip_key(ip);
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    sqlx::query("DELETE FROM console_login_attempts WHERE at <= ?")
        .bind(now - WINDOW_SECS)
        .execute(&mut *tx)
        .await?;
    let (count, oldest): (i64, Option<i64>) =
        sqlx::query_as("SELECT COUNT(*), MIN(at) FROM console_login_attempts WHERE ip_key = ?")
            .bind(&key)
            .fetch_one(&mut *tx)
            .await?;
    if count >= MAX_PER_ADDRESS {
        tracing::warn!(ip = %key, "console sign-in refused: too many wrong passwords");
        return Ok(Err((oldest.unwrap_or(now) + WINDOW_SECS - now).max(1)));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO console_login_attempts (ip_key, at) VALUES (?, ?) RETURNING id",
    )
    .bind(&key)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Ok(Place(id)))
}

/// Gives back the place of an attempt whose password was right.
pub async fn give_back(pool: &SqlitePool, place: Place) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM console_login_attempts WHERE id = ?")
        .bind(place.0)
        .execute(pool)
        .await?;
    Ok(())
}
