//! Reviewer accounts: made and disabled from the command line (`server reviewer …`), signed in
//! at `/console/login`, and the console's audit trail.
//!
//! Passwords are hashed with Argon2id (the crate's defaults: 19 MiB, 2 passes, one lane, the
//! OWASP minimum). Five wrong passwords in a row lock the account for [`LOCK_MINUTES`]; the
//! count and the lock live in the database, so every instance behind a balancer honours them.
//! A refused sign-in says nothing about why (unknown login, wrong password, locked, disabled),
//! and an unknown login costs one hash too, so neither the answer nor its timing tells which
//! logins exist.

use std::sync::{Arc, OnceLock};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sqlx::SqlitePool;

use crate::clock::{Clock, timestamp};

/// Wrong passwords in a row that lock an account.
pub const MAX_FAILED_LOGINS: i64 = 5;
/// How long a locked account stays locked.
pub const LOCK_MINUTES: i64 = 15;
/// The shortest password accepted when an account is made.
pub const MIN_PASSWORD_CHARS: usize = 10;

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

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("登录名只能包含小写字母、数字和 . _ -，长度 3 至 32 位")]
    BadLogin,
    #[error("姓名不能为空，最多 20 个字")]
    BadName,
    #[error("密码至少 {MIN_PASSWORD_CHARS} 位")]
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
    String,
    Option<String>,
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
        created_at,
        last_login_at: last,
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
        .bind(timestamp(self.clock.now()))
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

    /// The reviewer whose login and password these are, if they may sign in now. Every
    /// refusal looks the same to the caller.
    pub async fn authenticate(
        &self,
        login: &str,
        password: &str,
    ) -> Result<Option<Reviewer>, AccountError> {
        let now = self.clock.now();
        let row: Option<(i64, String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT id, password_hash, disabled, locked_until FROM reviewers WHERE login = ?",
        )
        .bind(login.trim())
        .fetch_optional(&self.pool)
        .await?;
        let hash = row
            .as_ref()
            .map_or_else(|| dummy_hash().to_owned(), |r| r.1.clone());
        let password = password.to_owned();
        let matches = crate::heavy::run("checking a password", move || {
            verify_password(&password, &hash)
        })
        .await?;
        let Some((id, _, disabled, locked_until)) = row else {
            return Ok(None);
        };
        if disabled != 0 {
            return Ok(None);
        }
        let unix = now.unix_timestamp();
        if locked_until.is_some_and(|until| until > unix) {
            self.audit(id, None, "login_refused_locked", None).await?;
            return Ok(None);
        }
        if !matches {
            // One statement, so two instances counting at once lose no failure.
            let locked: Option<i64> = sqlx::query_scalar(
                "UPDATE reviewers SET
                     locked_until = CASE WHEN failed_logins + 1 >= ?1 THEN ?2 ELSE NULL END,
                     failed_logins = CASE WHEN failed_logins + 1 >= ?1 THEN 0
                                          ELSE failed_logins + 1 END
                 WHERE id = ?3 RETURNING locked_until",
            )
            .bind(MAX_FAILED_LOGINS)
            .bind(unix + LOCK_MINUTES * 60)
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
            let action = if locked.is_some() {
                "login_failed_locked"
            } else {
                "login_failed"
            };
            self.audit(id, None, action, None).await?;
            return Ok(None);
        }
        sqlx::query(
            "UPDATE reviewers SET failed_logins = 0, locked_until = NULL, last_login_at = ?
             WHERE id = ?",
        )
        .bind(timestamp(now))
        .bind(id)
        .execute(&self.pool)
        .await?;
        self.audit(id, None, "login", None).await?;
        self.get(id).await
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
        .bind(timestamp(self.clock.now()))
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
        Ok(sqlx::query_as(
            "SELECT a.at, r.name, a.action, a.detail FROM reviewer_audit a
             JOIN reviewers r ON r.id = a.reviewer_id
             WHERE a.application_id = ? ORDER BY a.id",
        )
        .bind(application)
        .fetch_all(&self.pool)
        .await?)
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
