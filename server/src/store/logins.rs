//! Applicant logins: image captchas, SMS codes and their limits, the users they make, and the
//! tickets that carry a login into a new window. Captcha answers and codes are kept only as
//! HMACs and numbers only as their keyed index (and, for users, sealed); the service computes
//! them, so nothing here holds a key.

use sqlx::Row;

use super::codes::{Checked, spend};
use super::{Db, Engine, StoreError};

/// A code about to be sent: what [`LoginRepo::reserve_code`] stores when the limits allow.
#[derive(Debug, Clone, Copy)]
pub struct NewCode<'a> {
    pub mobile_index: &'a [u8],
    pub code_hash: &'a [u8],
    pub ip_key: &'a str,
    /// Unix seconds, as every time here.
    pub now: i64,
    pub expires_at: i64,
}

/// The limits a new code is checked against, counted over the codes kept.
#[derive(Debug, Clone, Copy)]
pub struct CodeLimits {
    /// The wait between two codes to one number.
    pub resend_after: i64,
    /// Codes per number since `day_start`.
    pub daily: i64,
    pub day_start: i64,
    /// Codes per address key in the hour before now.
    pub ip_hourly: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reserved {
    /// Stored under this id.
    Code(i64),
    /// The last code to this number went out this many seconds too recently.
    ResendIn(i64),
    DailyLimit,
    IpLimit,
}

/// A try at the latest code to a number, and the login it makes when right.
#[derive(Debug, Clone, Copy)]
pub struct CodeTry<'a> {
    pub mobile_index: &'a [u8],
    /// The HMAC of what was typed, or `None` when it was not six digits (not counted).
    pub typed_hash: Option<&'a [u8]>,
    pub now: i64,
    pub max_attempts: i64,
    /// The number sealed for `users`, kept for a new user.
    pub mobile_sealed: &'a [u8],
    pub ip: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verified {
    NoCode,
    /// Used already, or past its expiry.
    Expired,
    /// Out of tries before this one.
    Locked,
    /// Wrong (or not a code at all); the code has had `attempts` wrong tries now.
    Wrong {
        attempts: i64,
    },
    /// Right: the code is used up and this user logged in.
    LoggedIn(i64),
}

/// A number found in a column of an older SQLite database, where it was kept in clear.
pub type SealLegacy<'a> = &'a (dyn Fn(&str, &str) -> (Vec<u8>, Vec<u8>) + Send + Sync);

#[async_trait::async_trait]
pub trait LoginRepo: Send + Sync {
    async fn put_captcha(
        &self,
        id: &str,
        answer_hash: &[u8],
        expires_at: i64,
    ) -> Result<(), StoreError>;

    /// Removes the captcha and returns its answer's hash and expiry: one try each.
    async fn take_captcha(&self, id: &str) -> Result<Option<(Vec<u8>, i64)>, StoreError>;

    /// Counts the number's and the address's codes against `limits` and, if they allow,
    /// stores the new code, at once: two instances sending at the same moment cannot both
    /// find room.
    async fn reserve_code(
        &self,
        code: NewCode<'_>,
        limits: CodeLimits,
    ) -> Result<Reserved, StoreError>;

    /// Deletes a code that was never sent, so it neither works nor counts.
    async fn forget_code(&self, id: i64) -> Result<(), StoreError>;

    /// Checks a try against the number's latest code: a wrong one counts once, a right one
    /// uses the code and makes (or updates) the user, all at once, so a code logs in once.
    async fn verify_code(&self, attempt: CodeTry<'_>) -> Result<Verified, StoreError>;

    async fn put_handover(
        &self,
        token_hash: &[u8],
        user: i64,
        path: &str,
        expires_at: i64,
    ) -> Result<(), StoreError>;

    /// Uses a ticket still valid at `now`: its user and path, once.
    async fn redeem_handover(
        &self,
        token_hash: &[u8],
        now: i64,
    ) -> Result<Option<(i64, String)>, StoreError>;

    /// Deletes captchas and tickets expired at `now`, and codes (login's and the lookup's)
    /// sent before `codes_before`.
    async fn purge(&self, now: i64, codes_before: i64) -> Result<(), StoreError>;

    /// Replaces every number kept in clear (`legacy_mobile`) by its index and, where the table
    /// keeps one, sealed copy (`seal(table, digits)`), at once; returns how many.
    async fn seal_legacy(&self, seal: SealLegacy<'_>) -> Result<u64, StoreError>;
}

#[async_trait::async_trait]
impl LoginRepo for Db {
    async fn put_captcha(
        &self,
        id: &str,
        answer_hash: &[u8],
        expires_at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO captchas (id, answer_hash, expires_at) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(answer_hash)
            .bind(expires_at)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    async fn take_captcha(&self, id: &str) -> Result<Option<(Vec<u8>, i64)>, StoreError> {
        Ok(
            sqlx::query_as("DELETE FROM captchas WHERE id = $1 RETURNING answer_hash, expires_at")
                .bind(id)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    async fn reserve_code(
        &self,
        code: NewCode<'_>,
        limits: CodeLimits,
    ) -> Result<Reserved, StoreError> {
        super::codes::reserve(
            self,
            ("sms_codes", "mobile_index"),
            super::codes::TextedCode {
                to: code.mobile_index,
                code_hash: code.code_hash,
                ip_key: code.ip_key,
                now: code.now,
                expires_at: code.expires_at,
            },
            limits,
        )
        .await
    }

    async fn forget_code(&self, id: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sms_codes WHERE id = $1")
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    async fn verify_code(&self, attempt: CodeTry<'_>) -> Result<Verified, StoreError> {
        self.retry(|| async {
            let mut tx = self.begin_write().await?;
            let checked = spend(
                &mut tx,
                ("sms_codes", "mobile_index"),
                attempt.mobile_index,
                attempt.typed_hash,
                attempt.now,
                attempt.max_attempts,
            )
            .await?;
            match checked {
                Checked::NoCode => return Ok(Verified::NoCode),
                Checked::Expired => return Ok(Verified::Expired),
                Checked::Locked => return Ok(Verified::Locked),
                Checked::Wrong { attempts } => {
                    tx.commit().await?;
                    return Ok(Verified::Wrong { attempts });
                }
                Checked::Right => {}
            }
            let user: i64 = sqlx::query_scalar(
                "INSERT INTO users (mobile_index, mobile_sealed, created_at, last_login_at,
                                    last_login_ip)
                 VALUES ($1, $2, $3, $3, $4)
                 ON CONFLICT (mobile_index) DO UPDATE
                 SET last_login_at = excluded.last_login_at,
                     last_login_ip = excluded.last_login_ip
                 RETURNING id",
            )
            .bind(attempt.mobile_index)
            .bind(attempt.mobile_sealed)
            .bind(attempt.now)
            .bind(attempt.ip)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Verified::LoggedIn(user))
        })
        .await
    }

    async fn put_handover(
        &self,
        token_hash: &[u8],
        user: i64,
        path: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO session_handovers (token_hash, user_id, path, expires_at)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(user)
        .bind(path)
        .bind(expires_at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn redeem_handover(
        &self,
        token_hash: &[u8],
        now: i64,
    ) -> Result<Option<(i64, String)>, StoreError> {
        // One statement: two windows racing with the same ticket cannot both get it.
        Ok(sqlx::query_as(
            "UPDATE session_handovers SET used_at = $1
             WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1
             RETURNING user_id, path",
        )
        .bind(now)
        .bind(token_hash)
        .fetch_optional(self.pool())
        .await?)
    }

    async fn purge(&self, now: i64, codes_before: i64) -> Result<(), StoreError> {
        for (sql, at) in [
            ("DELETE FROM session_handovers WHERE expires_at <= $1", now),
            ("DELETE FROM captchas WHERE expires_at <= $1", now),
            ("DELETE FROM sms_codes WHERE sent_at < $1", codes_before),
            ("DELETE FROM lookup_codes WHERE sent_at < $1", codes_before),
            (
                "DELETE FROM certificate_codes WHERE sent_at < $1",
                codes_before,
            ),
        ] {
            sqlx::query(sql).bind(at).execute(self.pool()).await?;
        }
        Ok(())
    }

    async fn seal_legacy(&self, seal: SealLegacy<'_>) -> Result<u64, StoreError> {
        let sealed = self
            .retry(|| async {
                let mut tx = self.begin_write().await?;
                let mut sealed = 0;
                // (table, whether it keeps a sealed copy)
                for (table, keeps_sealed) in
                    [("users", true), ("sms_codes", false), ("sms_outbox", true)]
                {
                    let rows = sqlx::query(&format!(
                        "SELECT id, legacy_mobile FROM {table} WHERE legacy_mobile IS NOT NULL"
                    ))
                    .fetch_all(&mut *tx)
                    .await?;
                    for row in rows {
                        let (id, digits): (i64, String) = (row.try_get(0)?, row.try_get(1)?);
                        let (index, sealed_copy) = seal(table, &digits);
                        let set_sealed = if keeps_sealed {
                            ", mobile_sealed = $3"
                        } else {
                            ""
                        };
                        let sql = format!(
                            "UPDATE {table} SET mobile_index = $1{set_sealed}, legacy_mobile = NULL
                             WHERE id = $2"
                        );
                        let mut update = sqlx::query(&sql).bind(index).bind(id);
                        if keeps_sealed {
                            update = update.bind(sealed_copy);
                        }
                        update.execute(&mut *tx).await?;
                        sealed += 1;
                    }
                }
                tx.commit().await?;
                Ok(sealed)
            })
            .await?;
        if sealed > 0 && self.engine() == Engine::Sqlite {
            // The old pages, which held the numbers, leave the write-ahead log too.
            let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
                .fetch_one(self.pool())
                .await?;
            if busy != 0 {
                tracing::warn!(
                    "mobile numbers sealed, but another connection kept the write-ahead log \
                     from being emptied; it is folded in at the next checkpoint"
                );
            }
        }
        Ok(sealed)
    }
}
