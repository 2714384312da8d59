//! Reviewer accounts: made and disabled from the command line (`server reviewer …`), signed in
//! at `/console/login`, and the console's audit trail.
//!
//! Passwords are at least [`MIN_PASSWORD_CHARS`] characters, hashed with Argon2id (the
//! crate's defaults: 19 MiB, 2 passes, one lane, the OWASP minimum). Five wrong passwords in a
//! row lock the account for [`LOCK_MINUTES`], and one address gets ten wrong passwords per
//! quarter hour across all accounts (`throttle`); the counts and the lock live in the
//! database, so every instance behind a balancer honours them. A refused sign-in says nothing
//! about why (unknown login, wrong password, locked, disabled), and every refusal costs one
//! hash too, so neither the answer nor its timing tells which logins exist.

use std::net::IpAddr;
use std::sync::{Arc, OnceLock};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sqlx::SqlitePool;

use super::throttle;
use crate::clock::Clock;
use crate::store::time::{to_db, to_text};

/// Wrong passwords in a row that lock an account.
pub const MAX_FAILED_LOGINS: i64 = 5;
/// How long a locked account stays locked.
pub const LOCK_MINUTES: i64 = 15;
/// The shortest password accepted when an account is made.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// What a reviewer may do. Both review; an admin also sees the reviewers and the audit log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Role {
    Reviewer,
    Admin,
}

impl Role {
    pub fn code(self) -> &'static str {
        match self {
            Role::Reviewer => "reviewer",
            Role::Admin => "admin",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        match code {
            "reviewer" => Some(Role::Reviewer),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Reviewer => "审核员",
            Role::Admin => "管理员",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reviewer {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub role: Role,
    pub disabled: bool,
    /// Unix seconds, while locked.
    pub locked_until: Option<i64>,
    pub created_at: String,
    pub last_login_at: Option<String>,
}

/// The outcome of a sign-in.
#[derive(Debug)]
pub enum SignIn {
    Reviewer(Reviewer),
    /// Unknown login, wrong password, locked or disabled: never said which.
    Refused,
    /// This address sent too many wrong passwords; it may try again in `wait_secs`.
    Throttled {
        wait_secs: i64,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("登录名只能包含小写字母、数字和 . _ -，长度 3 至 32 位")]
    BadLogin,
    #[error("姓名不能为空，最多 20 个字")]
    BadName,
    #[error("密码太短：至少需要 {MIN_PASSWORD_CHARS} 个字符")]
    WeakPassword,
    #[error("登录名 {0} 已存在")]
    Taken(String),
    #[error("没有登录名为 {0} 的账户")]
    NoSuchLogin(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// Too many password checks at once (the CPU pool is full).
    #[error("服务器正忙，请稍等几秒后重新登录")]
    Busy,
    #[error("{0}")]
    Internal(String),
}

impl From<crate::heavy::Refused> for AccountError {
    fn from(refused: crate::heavy::Refused) -> Self {
        match refused {
            crate::heavy::Refused::Busy => AccountError::Busy,
            crate::heavy::Refused::Panicked => AccountError::Internal(refused.to_string()),
        }
    }
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

fn reviewer((id, login, name, role, disabled, locked_until, created_at, last): Row) -> Reviewer {
    Reviewer {
        id,
        login,
        name,
        // The table's CHECK allows only the two.
        role: Role::from_code(&role).unwrap_or(Role::Reviewer),
        disabled: disabled != 0,
        locked_until,
        created_at: to_text(created_at),
        last_login_at: last.map(to_text),
    }
}

/// Whether `login` may name an account.
pub fn valid_login(login: &str) -> bool {
    (3..=32).contains(&login.len())
        && login
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

fn hash_password(password: &str) -> Result<String, AccountError> {
    use rand::RngCore;
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| AccountError::Internal(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| AccountError::Internal(e.to_string()))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// A hash of nothing anyone knows, checked against when the login does not exist.
fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password("not a password of anyone").unwrap_or_default())
}

pub struct ReviewerStore {
    pool: SqlitePool,
    clock: Arc<dyn Clock>,
}

impl ReviewerStore {
    pub fn new(pool: SqlitePool, clock: Arc<dyn Clock>) -> Self {
        Self { pool, clock }
    }

    /// Makes an account; returns its id.
    pub async fn add(
        &self,
        login: &str,
        name: &str,
        role: Role,
        password: &str,
    ) -> Result<i64, AccountError> {
        let login = login.trim();
        if !valid_login(login) {
            return Err(AccountError::BadLogin);
        }
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 20 || name.chars().any(char::is_control) {
            return Err(AccountError::BadName);
        }
        if password.chars().count() < MIN_PASSWORD_CHARS {
            return Err(AccountError::WeakPassword);
        }
        let password = password.to_owned();
        let hash =
            crate::heavy::run("hashing a password", move || hash_password(&password)).await??;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO reviewers (login, name, role, password_hash, created_at)
             VALUES (?, ?, ?, ?, ?) ON CONFLICT (login) DO NOTHING RETURNING id",
        )
        .bind(login)
        .bind(name)
        .bind(role.code())
        .bind(hash)
        .bind(to_db(self.clock.now()))
        .fetch_optional(&self.pool)
        .await?;
        id.ok_or_else(|| AccountError::Taken(login.to_owned()))
    }

    pub async fn list(&self) -> Result<Vec<Reviewer>, AccountError> {
        let rows: Vec<Row> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM reviewers ORDER BY id"))
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(reviewer).collect())
    }

    pub async fn get(&self, id: i64) -> Result<Option<Reviewer>, AccountError> {
        let row: Option<Row> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM reviewers WHERE id = ?"))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(reviewer))
    }

    /// Disables (or enables again, which also lifts a lock) the account `login`. A disabled
    /// reviewer's open console sessions end at their next request.
    pub async fn set_disabled(&self, login: &str, disabled: bool) -> Result<(), AccountError> {
        let done = sqlx::query(
            "UPDATE reviewers SET disabled = ?,
                 failed_logins = CASE WHEN ? THEN failed_logins ELSE 0 END,
                 locked_until = CASE WHEN ? THEN locked_until ELSE NULL END
             WHERE login = ?",
        )
        .bind(i64::from(disabled))
        .bind(disabled)
        .bind(disabled)
        .bind(login.trim())
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(AccountError::NoSuchLogin(login.trim().to_owned()));
        }
        Ok(())
    }

    /// Whether the reviewer whose login and password these are may sign in now, from `ip`.
    /// Every refusal for the account's sake looks the same to the caller; an address that
    /// sent too many wrong passwords is told to wait.
    ///
    /// The attempt is counted before the password is checked, in the same statement that
    /// checks the lock, so attempts sent at once get the account's five tries and no more;
    /// a wrong password only ever sets the lock, and a right one finishing after the lock
    /// landed is refused too.
    pub async fn authenticate(
        &self,
        login: &str,
        password: &str,
        ip: IpAddr,
    ) -> Result<SignIn, AccountError> {
        let now = self.clock.now();
        let unix = now.unix_timestamp();
        let place = match throttle::take(&self.pool, ip, unix).await? {
            Ok(place) => place,
            Err(wait_secs) => return Ok(SignIn::Throttled { wait_secs }),
        };
        // A lock that has run out is lifted here, and its count starts again.
        let row: Option<(i64, String)> = sqlx::query_as(
            "UPDATE reviewers SET
                 failed_logins = CASE WHEN locked_until IS NULL THEN failed_logins ELSE 0 END + 1,
                 locked_until = NULL
             WHERE login = ?1 AND disabled = 0
               AND (locked_until <= ?2 OR (locked_until IS NULL AND failed_logins < ?3))
             RETURNING id, password_hash",
        )
        .bind(login.trim())
        .bind(unix)
        .bind(MAX_FAILED_LOGINS)
        .fetch_optional(&self.pool)
        .await?;
        let hash = row
            .as_ref()
            .map_or_else(|| dummy_hash().to_owned(), |r| r.1.clone());
        let password = password.to_owned();
        let checked = crate::heavy::run("checking a password", move || {
            verify_password(&password, &hash)
        })
        .await;
        let matches = match checked {
            Ok(matches) => matches,
            Err(refused) => {
                // Nothing was checked: the account's try and the address's place go back, so
                // a busy server never locks anyone out.
                if let Some((id, _)) = &row {
                    self.give_back_try(*id).await?;
                }
                throttle::give_back(&self.pool, place).await?;
                return Err(refused.into());
            }
        };
        let Some((id, _)) = row else {
            self.audit_refusal(login.trim()).await?;
            return Ok(SignIn::Refused);
        };
        if !matches {
            let locked: Option<i64> = sqlx::query_scalar(
                "UPDATE reviewers SET locked_until = ?
                 WHERE id = ? AND locked_until IS NULL AND failed_logins >= ?
                 RETURNING id",
            )
            .bind(unix + LOCK_MINUTES * 60)
            .bind(id)
            .bind(MAX_FAILED_LOGINS)
            .fetch_optional(&self.pool)
            .await?;
            let action = if locked.is_some() {
                "login_failed_locked"
            } else {
                "login_failed"
            };
            self.audit(id, None, action, None).await?;
            return Ok(SignIn::Refused);
        }
        let signed_in: Option<i64> = sqlx::query_scalar(
            "UPDATE reviewers SET failed_logins = 0, last_login_at = ?
             WHERE id = ? AND disabled = 0 AND locked_until IS NULL
             RETURNING id",
        )
        .bind(to_db(now))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        if signed_in.is_none() {
            self.audit(id, None, "login_refused_locked", None).await?;
            return Ok(SignIn::Refused);
        }
        throttle::give_back(&self.pool, place).await?;
        self.audit(id, None, "login", None).await?;
        Ok(self
            .get(id)
            .await?
            .map_or(SignIn::Refused, SignIn::Reviewer))
    }

    /// Undoes the count [`Self::authenticate`] took for an attempt whose password was never
    /// checked.
    async fn give_back_try(&self, id: i64) -> Result<(), AccountError> {
        sqlx::query(
            "UPDATE reviewers SET failed_logins = failed_logins - 1
             WHERE id = ? AND failed_logins > 0 AND locked_until IS NULL",
        )
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Audits a sign-in refused before its password was checked, when the account exists
    /// and was locked (or had its five tries in flight); unknown and disabled logins leave
    /// no trace.
    async fn audit_refusal(&self, login: &str) -> Result<(), AccountError> {
        let locked: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM reviewers
             WHERE login = ? AND disabled = 0
               AND (locked_until IS NOT NULL OR failed_logins >= ?)",
        )
        .bind(login)
        .bind(MAX_FAILED_LOGINS)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(id) = locked {
            self.audit(id, None, "login_refused_locked", None).await?;
        }
        Ok(())
    }

    /// Records that reviewer `reviewer` did `action` (on application `application`, the
    /// table's id), with `detail` naming a field or slot, never its content.
    pub async fn audit(
        &self,
        reviewer: i64,
        application: Option<i64>,
        action: &str,
        detail: Option<&str>,
    ) -> Result<(), AccountError> {
        sqlx::query(
            "INSERT INTO reviewer_audit (reviewer_id, application_id, action, detail, at)
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(reviewer)
        .bind(application)
        .bind(action)
        .bind(detail)
        .bind(to_db(self.clock.now()))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The console's audit entries for one application, oldest first: (at, reviewer name,
    /// action, detail).
    pub async fn audit_of(
        &self,
        application: i64,
    ) -> Result<Vec<(String, String, String, Option<String>)>, AccountError> {
        let rows: Vec<(i64, String, String, Option<String>)> = sqlx::query_as(
            "SELECT a.at, r.name, a.action, a.detail FROM reviewer_audit a
             JOIN reviewers r ON r.id = a.reviewer_id
             WHERE a.application_id = ? ORDER BY a.id",
        )
        .bind(application)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(at, name, action, detail)| (to_text(at), name, action, detail))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_are_plain_lower_case() {
        assert!(valid_login("zhang.shen-he_1"));
        assert!(!valid_login("Zhang"));
        assert!(!valid_login("张审核"));
        assert!(!valid_login("ab"));
        assert!(!valid_login("a b c"));
    }

    #[test]
    fn hashes_are_argon2id_and_verify_only_the_password() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("correct horsf", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
        assert_ne!(hash, hash_password("correct horse").unwrap());
    }
}
