//! Reviewer accounts of the review console: the accounts with their sign-in counters and lock,
//! the wrong passwords per client address, and the console's audit trail. Every counter moves
//! in one guarded statement or transaction, so instances behind a balancer share them.

use super::{Db, StoreError};

/// An account as stored (without its password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewerRow {
    pub id: i64,
    pub login: String,
    pub name: String,
    /// `reviewer` or `admin`.
    pub role: String,
    pub disabled: bool,
    /// Unix seconds, as every time here.
    pub locked_until: Option<i64>,
    pub created_at: i64,
    pub last_login_at: Option<i64>,
}

#[derive(Debug, Clone, Copy)]
pub struct NewReviewer<'a> {
    pub login: &'a str,
    pub name: &'a str,
    pub role: &'a str,
    pub password_hash: &'a str,
    pub created_at: i64,
}

/// One line of the audit trail as the console shows it: (at, reviewer's name, action, detail).
pub type AuditLine = (i64, String, String, Option<String>);
/// An [`AuditLine`] with the number of the application it names, if any.
pub type NumberedAuditLine = (i64, String, String, Option<String>, Option<String>);

#[async_trait::async_trait]
pub trait ReviewerRepo: Send + Sync {
    /// Makes an account; `None` when the login is taken.
    async fn add(&self, new: NewReviewer<'_>) -> Result<Option<i64>, StoreError>;

    /// Every account, oldest first.
    async fn list(&self) -> Result<Vec<ReviewerRow>, StoreError>;

    async fn get(&self, id: i64) -> Result<Option<ReviewerRow>, StoreError>;

    /// Disables the account, or enables it again and lifts its lock; false when no account
    /// has that login.
    async fn set_disabled(&self, login: &str, disabled: bool) -> Result<bool, StoreError>;

    /// Counts a sign-in try against the enabled account `login` if it may try now: not
    /// locked (a lock run out by `now` is lifted and the count starts again) and fewer than
    /// `max_tries` counted. Returns its id and password hash.
    async fn take_try(
        &self,
        login: &str,
        now: i64,
        max_tries: i64,
    ) -> Result<Option<(i64, String)>, StoreError>;

    /// Takes back a try whose password was never checked.
    async fn give_back_try(&self, id: i64) -> Result<(), StoreError>;

    /// After a wrong password: locks the account until `until` if its tries are spent and it
    /// is not locked yet. True when this call locked it.
    async fn lock_if_spent(&self, id: i64, until: i64, max_tries: i64) -> Result<bool, StoreError>;

    /// After a right password: clears the count and notes the sign-in, unless the account
    /// was locked or disabled meanwhile (then false).
    async fn signed_in(&self, id: i64, now: i64) -> Result<bool, StoreError>;

    /// The enabled account `login` if it is locked or has `max_tries` counted.
    async fn locked_id(&self, login: &str, max_tries: i64) -> Result<Option<i64>, StoreError>;

    /// Takes a place among the wrong-password attempts of address `ip_key`, forgetting those
    /// before `window_start`, if fewer than `max` remain: its id, or else the time of the
    /// oldest that remains.
    async fn take_place(
        &self,
        ip_key: &str,
        now: i64,
        window_start: i64,
        max: i64,
    ) -> Result<Result<i64, i64>, StoreError>;

    /// Gives back the place of an attempt whose password was right.
    async fn give_back_place(&self, place: i64) -> Result<(), StoreError>;

    /// Records that reviewer `reviewer` did `action`.
    async fn audit(
        &self,
        reviewer: i64,
        application: Option<i64>,
        action: &str,
        detail: Option<&str>,
        at: i64,
    ) -> Result<(), StoreError>;

    /// The audit trail of one application, oldest first.
    async fn audit_of(&self, application: i64) -> Result<Vec<AuditLine>, StoreError>;

    /// Whether `reviewer` did `action` with `detail` on `application` at `since` or later.
    async fn audited_since(
        &self,
        reviewer: i64,
        application: i64,
        action: &str,
        detail: &str,
        since: i64,
    ) -> Result<bool, StoreError>;

    /// The console's last `limit` audit lines, newest first.
    async fn recent_audit(&self, limit: i64) -> Result<Vec<NumberedAuditLine>, StoreError>;
}

type Row = (
    i64,
    String,
    String,
    String,
    i64,
    Option<i64>,
    i64,
    Option<i64>,
);

const COLUMNS: &str = "id, login, name, role, disabled, locked_until, created_at, last_login_at";

fn row((id, login, name, role, disabled, locked_until, created_at, last): Row) -> ReviewerRow {
    ReviewerRow {
        id,
        login,
        name,
        role,
        disabled: disabled != 0,
        locked_until,
        created_at,
        last_login_at: last,
    }
}

#[async_trait::async_trait]
impl ReviewerRepo for Db {
    async fn add(&self, new: NewReviewer<'_>) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query_scalar(
            "INSERT INTO reviewers (login, name, role, password_hash, created_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (login) DO NOTHING RETURNING id",
        )
        .bind(new.login)
        .bind(new.name)
        .bind(new.role)
        .bind(new.password_hash)
        .bind(new.created_at)
        .fetch_optional(self.pool())
        .await?)
    }

    async fn list(&self) -> Result<Vec<ReviewerRow>, StoreError> {
        let rows: Vec<Row> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM reviewers ORDER BY id"))
                .fetch_all(self.pool())
                .await?;
        Ok(rows.into_iter().map(row).collect())
    }

    async fn get(&self, id: i64) -> Result<Option<ReviewerRow>, StoreError> {
        let found: Option<Row> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM reviewers WHERE id = $1"))
                .bind(id)
                .fetch_optional(self.pool())
                .await?;
        Ok(found.map(row))
    }

    async fn set_disabled(&self, login: &str, disabled: bool) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE reviewers SET disabled = $1,
                 failed_logins = CASE WHEN $1 = 1 THEN failed_logins ELSE 0 END,
                 locked_until = CASE WHEN $1 = 1 THEN locked_until ELSE NULL END
             WHERE login = $2",
        )
        .bind(i64::from(disabled))
        .bind(login)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn take_try(
        &self,
        login: &str,
        now: i64,
        max_tries: i64,
    ) -> Result<Option<(i64, String)>, StoreError> {
        // The lock check and the count in one statement: tries sent at once get the
        // account's `max_tries` and no more.
        Ok(sqlx::query_as(
            "UPDATE reviewers SET
                 failed_logins = CASE WHEN locked_until IS NULL THEN failed_logins ELSE 0 END + 1,
                 locked_until = NULL
             WHERE login = $1 AND disabled = 0
               AND (locked_until <= $2 OR (locked_until IS NULL AND failed_logins < $3))
             RETURNING id, password_hash",
        )
        .bind(login)
        .bind(now)
        .bind(max_tries)
        .fetch_optional(self.pool())
        .await?)
    }

    async fn give_back_try(&self, id: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE reviewers SET failed_logins = failed_logins - 1
             WHERE id = $1 AND failed_logins > 0 AND locked_until IS NULL",
        )
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn lock_if_spent(&self, id: i64, until: i64, max_tries: i64) -> Result<bool, StoreError> {
        let locked: Option<i64> = sqlx::query_scalar(
            "UPDATE reviewers SET locked_until = $1
             WHERE id = $2 AND locked_until IS NULL AND failed_logins >= $3
             RETURNING id",
        )
        .bind(until)
        .bind(id)
        .bind(max_tries)
        .fetch_optional(self.pool())
        .await?;
        Ok(locked.is_some())
    }

    async fn signed_in(&self, id: i64, now: i64) -> Result<bool, StoreError> {
        let done: Option<i64> = sqlx::query_scalar(
            "UPDATE reviewers SET failed_logins = 0, last_login_at = $1
             WHERE id = $2 AND disabled = 0 AND locked_until IS NULL
             RETURNING id",
        )
        .bind(now)
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        Ok(done.is_some())
    }

    async fn locked_id(&self, login: &str, max_tries: i64) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM reviewers
             WHERE login = $1 AND disabled = 0
               AND (locked_until IS NOT NULL OR failed_logins >= $2)",
        )
        .bind(login)
        .bind(max_tries)
        .fetch_optional(self.pool())
        .await?)
    }

    async fn take_place(
        &self,
        ip_key: &str,
        now: i64,
        window_start: i64,
        max: i64,
    ) -> Result<Result<i64, i64>, StoreError> {
        self.retry(|| async {
            let mut tx = self.begin_write().await?;
            sqlx::query("DELETE FROM console_login_attempts WHERE at <= $1")
                .bind(window_start)
                .execute(&mut *tx)
                .await?;
            let (count, oldest): (i64, Option<i64>) = sqlx::query_as(
                "SELECT COUNT(*), MIN(at) FROM console_login_attempts WHERE ip_key = $1",
            )
            .bind(ip_key)
            .fetch_one(&mut *tx)
            .await?;
            if count >= max {
                // Nothing to keep but the deletions of attempts out of the window.
                tx.commit().await?;
                return Ok(Err(oldest.unwrap_or(now)));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO console_login_attempts (ip_key, at) VALUES ($1, $2) RETURNING id",
            )
            .bind(ip_key)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Ok(id))
        })
        .await
    }

    async fn give_back_place(&self, place: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM console_login_attempts WHERE id = $1")
            .bind(place)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    async fn audit(
        &self,
        reviewer: i64,
        application: Option<i64>,
        action: &str,
        detail: Option<&str>,
        at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO reviewer_audit (reviewer_id, application_id, action, detail, at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(reviewer)
        .bind(application)
        .bind(action)
        .bind(detail)
        .bind(at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn audit_of(&self, application: i64) -> Result<Vec<AuditLine>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT a.at, r.name, a.action, a.detail FROM reviewer_audit a
             JOIN reviewers r ON r.id = a.reviewer_id
             WHERE a.application_id = $1 ORDER BY a.id",
        )
        .bind(application)
        .fetch_all(self.pool())
        .await?)
    }

    async fn audited_since(
        &self,
        reviewer: i64,
        application: i64,
        action: &str,
        detail: &str,
        since: i64,
    ) -> Result<bool, StoreError> {
        let seen: i64 = sqlx::query_scalar(
            "SELECT CASE WHEN EXISTS (
                 SELECT 1 FROM reviewer_audit WHERE reviewer_id = $1 AND application_id = $2
                 AND action = $3 AND detail = $4 AND at >= $5) THEN 1 ELSE 0 END",
        )
        .bind(reviewer)
        .bind(application)
        .bind(action)
        .bind(detail)
        .bind(since)
        .fetch_one(self.pool())
        .await?;
        Ok(seen == 1)
    }

    async fn recent_audit(&self, limit: i64) -> Result<Vec<NumberedAuditLine>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT a.at, r.name, a.action, a.detail, p.number FROM reviewer_audit a
             JOIN reviewers r ON r.id = a.reviewer_id
             LEFT JOIN applications p ON p.id = a.application_id
             ORDER BY a.id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }
}
