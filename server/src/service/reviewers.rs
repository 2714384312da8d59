//! Reviewer accounts: made and disabled from the command line (`server reviewer …`), signed in
//! at `/console/login`, and the console's audit trail.
//!
//! Passwords are at least [`MIN_PASSWORD_CHARS`] characters, hashed with Argon2id (the
//! crate's defaults: 19 MiB, 2 passes, one lane, the OWASP minimum). Five wrong passwords in a
//! row lock the account for [`LOCK_MINUTES`], and one address gets ten wrong passwords per
//! quarter hour across all accounts; the counts and the lock live in the
//! database, so every instance behind a balancer honours them. A refused sign-in says nothing
//! about why (unknown login, wrong password, locked, disabled), and every refusal costs one
//! hash too, so neither the answer nor its timing tells which logins exist.

use std::net::IpAddr;
use std::sync::{Arc, OnceLock};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::clock::Clock;
use crate::http::client_addr::ip_key;
use crate::store::StoreError;
use crate::store::reviewers::{NewReviewer, ReviewerRepo, ReviewerRow};
use crate::store::time::{to_db, to_text};

/// Wrong passwords in a row that lock an account.
pub const MAX_FAILED_LOGINS: i64 = 5;
/// How long a locked account stays locked.
pub const LOCK_MINUTES: i64 = 15;
/// The shortest password accepted when an account is made.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Wrong passwords one address may send per window, whichever accounts they name, so an
/// address cannot work through every account's tries.
pub const MAX_PER_ADDRESS: i64 = 10;
/// That window, in seconds.
pub const ADDRESS_WINDOW_SECS: i64 = 15 * 60;

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
    Database(#[from] StoreError),
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

fn reviewer(row: ReviewerRow) -> Reviewer {
    Reviewer {
        id: row.id,
        // The table's CHECK allows only the two.
        role: Role::from_code(&row.role).unwrap_or(Role::Reviewer),
        login: row.login,
        name: row.name,
        disabled: row.disabled,
        locked_until: row.locked_until,
        created_at: to_text(row.created_at),
        last_login_at: row.last_login_at.map(to_text),
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

/// The accounts' rules over [`ReviewerRepo`]; the console and `server reviewer …` use it.
pub struct Reviewers {
    repo: Arc<dyn ReviewerRepo>,
    clock: Arc<dyn Clock>,
}

impl Reviewers {
    pub fn new(repo: Arc<dyn ReviewerRepo>, clock: Arc<dyn Clock>) -> Self {
        Self { repo, clock }
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
        let id = self
            .repo
            .add(NewReviewer {
                login,
                name,
                role: role.code(),
                password_hash: &hash,
                created_at: to_db(self.clock.now()),
            })
            .await?;
        id.ok_or_else(|| AccountError::Taken(login.to_owned()))
    }

    pub async fn list(&self) -> Result<Vec<Reviewer>, AccountError> {
        Ok(self.repo.list().await?.into_iter().map(reviewer).collect())
    }

    pub async fn get(&self, id: i64) -> Result<Option<Reviewer>, AccountError> {
        Ok(self.repo.get(id).await?.map(reviewer))
    }

    /// Disables (or enables again, which also lifts a lock) the account `login`. A disabled
    /// reviewer's open console sessions end at their next request.
    pub async fn set_disabled(&self, login: &str, disabled: bool) -> Result<(), AccountError> {
        if !self.repo.set_disabled(login.trim(), disabled).await? {
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
    /// landed is refused too. The address's place is taken the same way, before the check,
    /// and given back when the password was right.
    pub async fn authenticate(
        &self,
        login: &str,
        password: &str,
        ip: IpAddr,
    ) -> Result<SignIn, AccountError> {
        let now = to_db(self.clock.now());
        let key = ip_key(ip);
        let place = match self
            .repo
            .take_place(&key, now, now - ADDRESS_WINDOW_SECS, MAX_PER_ADDRESS)
            .await?
        {
            Ok(place) => place,
            Err(oldest) => {
                tracing::warn!(ip = %key, "console sign-in refused: too many wrong passwords");
                let wait_secs = (oldest + ADDRESS_WINDOW_SECS - now).max(1);
                return Ok(SignIn::Throttled { wait_secs });
            }
        };
        // A lock that has run out is lifted here, and its count starts again.
        let row = self
            .repo
            .take_try(login.trim(), now, MAX_FAILED_LOGINS)
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
                    self.repo.give_back_try(*id).await?;
                }
                self.repo.give_back_place(place).await?;
                return Err(refused.into());
            }
        };
        let Some((id, _)) = row else {
            // Refused before its password counted: audited when the account exists and was
            // locked (or had its tries in flight); unknown and disabled logins leave no trace.
            if let Some(id) = self.repo.locked_id(login.trim(), MAX_FAILED_LOGINS).await? {
                self.audit(id, None, "login_refused_locked", None).await?;
            }
            return Ok(SignIn::Refused);
        };
        if !matches {
            let locked = self
                .repo
                .lock_if_spent(id, now + LOCK_MINUTES * 60, MAX_FAILED_LOGINS)
                .await?;
            let action = if locked {
                "login_failed_locked"
            } else {
                "login_failed"
            };
            self.audit(id, None, action, None).await?;
            return Ok(SignIn::Refused);
        }
        if !self.repo.signed_in(id, now).await? {
            self.audit(id, None, "login_refused_locked", None).await?;
            return Ok(SignIn::Refused);
        }
        self.repo.give_back_place(place).await?;
        self.audit(id, None, "login", None).await?;
        Ok(self
            .get(id)
            .await?
            .map_or(SignIn::Refused, SignIn::Reviewer))
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
        let at = to_db(self.clock.now());
        Ok(self
            .repo
            .audit(reviewer, application, action, detail, at)
            .await?)
    }

    /// The console's audit entries for one application, oldest first: (at, reviewer name,
    /// action, detail).
    pub async fn audit_of(
        &self,
        application: i64,
    ) -> Result<Vec<(String, String, String, Option<String>)>, AccountError> {
        Ok(self
            .repo
            .audit_of(application)
            .await?
            .into_iter()
            .map(|(at, name, action, detail)| (to_text(at), name, action, detail))
            .collect())
    }

    /// Records a view of `detail` unless the reviewer viewed it on that application within
    /// `within` already (the detail page loads every scan each time it is shown).
    pub async fn audit_view(
        &self,
        reviewer: i64,
        application: i64,
        action: &str,
        detail: &str,
        within: time::Duration,
    ) -> Result<(), AccountError> {
        let since = to_db(self.clock.now() - within);
        if !self
            .repo
            .audited_since(reviewer, application, action, detail, since)
            .await?
        {
            self.audit(reviewer, Some(application), action, Some(detail))
                .await?;
        }
        Ok(())
    }

    /// The console's last `limit` audit entries, newest first: (at, reviewer name, action,
    /// detail, application number).
    pub async fn recent_audit(
        &self,
        limit: i64,
    ) -> Result<Vec<(String, String, String, Option<String>, Option<String>)>, AccountError> {
        Ok(self
            .repo
            .recent_audit(limit)
            .await?
            .into_iter()
            .map(|(at, name, action, detail, number)| (to_text(at), name, action, detail, number))
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
