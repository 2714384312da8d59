//! Mobile-number login: an image captcha, then a 6-digit code by SMS.
//!
//! Everything is kept in the database, so several server processes enforce the same limits:
//! captcha answers and codes only as HMACs, limits as counts over `sms_codes`, and mobile
//! numbers only as their keyed hash (and, for accounts, sealed: [`crate::mobiles`]). Each check that
//! reads and then writes runs in a `BEGIN IMMEDIATE` transaction, which SQLite serialises.

use std::fmt::Display;
use std::net::IpAddr;
use std::sync::Arc;

use app::domain::mobile::Mobile;
use app::services::login::{CaptchaImage, CodeSent, LoginError, LoginService, UserId};
use app::services::sms::{SmsKind, SmsSender};
use rand::Rng;
use sqlx::SqlitePool;

use crate::clock::{Clock, china_day_start};
use crate::crypto::{Keys, same};
use crate::mobiles::{self, USERS};
use crate::store::time::to_db;

/// How long a captcha may be answered.
pub const CAPTCHA_TTL_SECS: i64 = 5 * 60;
/// How long an SMS code is valid.
pub const CODE_TTL_SECS: i64 = 5 * 60;
/// The wait between two codes to the same number.
pub const RESEND_AFTER_SECS: i64 = 60;
/// Wrong tries after which a code is dead.
pub const MAX_ATTEMPTS: i64 = 5;
/// Codes per number per China calendar day.
pub const DAILY_LIMIT: i64 = 10;
/// Letters in a captcha.
pub const CAPTCHA_LENGTH: u32 = 5;
/// Captcha characters: those of the crate's font that are hard to mistake for one another
/// (no 0/O, 1/I/L, 5/S, 2/Z, 8/B, 9/Q), upper case; answers are compared without case.
const CAPTCHA_CHARS: &str = "234679ACDEFGHJKMNPRTUVWXY";
/// Rows kept after sending, for the daily and hourly counts; older ones are purged.
const CODE_RETENTION_SECS: i64 = 2 * 24 * 60 * 60;

/// The text of a login-code message, opening with the project's `signature` (签名), as SMS
/// vendors require.
pub fn login_code_text(signature: &str, code: &str) -> String {
    format!(
        "{signature}您的登录验证码是{code}，5分钟内有效。工作人员不会向您索要验证码，请勿告诉他人。"
    )
}

#[derive(Debug, Clone, Copy)]
pub struct LoginSettings {
    /// `CAPTCHA=on`.
    pub captcha: bool,
    /// `SMS_IP_HOURLY_LIMIT`.
    pub ip_hourly_limit: u32,
}

pub struct SqlLoginService {
    pool: SqlitePool,
    keys: Arc<Keys>,
    sms: Arc<dyn SmsSender>,
    clock: Arc<dyn Clock>,
    settings: LoginSettings,
}

/// What a number kept in the session between "send" and "log in" is sealed to.
const PENDING_CONTEXT: &str = "mobile:session:pending login";

/// How long a 在新窗口中继续 ticket works: the window opens at once.
const HANDOVER_TTL_SECS: i64 = 120;

/// A storage failure: logged here (the error carries no personal data), shown generically.
fn internal(error: impl Display) -> LoginError {
    tracing::error!(%error, "login storage failed");
    LoginError::Internal
}

/// The address the per-IP cap counts by: an IPv4 address, or the /64 network of an IPv6 one
/// (one subscriber usually gets a whole /64).
pub fn ip_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// What an applicant typed as the code, folded to ASCII digits (full-width digits and spaces
/// are common with Chinese input methods).
fn typed_code(input: &str) -> Option<String> {
    let code = app::domain::normalize::compact(input);
    (code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())).then_some(code)
}

/// Draws a captcha: its answer and the PNG. The crate's generator is not `Send`, and anyone may
/// ask for one, so this runs in the bounded CPU pool.
fn draw_captcha() -> Option<(String, Vec<u8>)> {
    use captcha::Captcha;
    use captcha::filters::{Noise, Wave};

    let chars: Vec<char> = CAPTCHA_CHARS.chars().collect();
    let mut captcha = Captcha::new();
    captcha
        .set_chars(&chars)
        .add_chars(CAPTCHA_LENGTH)
        .apply_filter(Noise::new(0.1))
        .apply_filter(Wave::new(2.0, 8.0).horizontal())
        .view(200, 70)
        .set_color([0x1d, 0x4e, 0x89]);
    captcha.as_tuple()
}

impl SqlLoginService {
    pub fn new(
        pool: SqlitePool,
        keys: Arc<Keys>,
        sms: Arc<dyn SmsSender>,
        clock: Arc<dyn Clock>,
        settings: LoginSettings,
    ) -> Self {
        Self {
            pool,
            keys,
            sms,
            clock,
            settings,
        }
    }

    /// Deletes captchas past their expiry, codes too old to count towards any limit, and
    /// window handover tickets past theirs.
    pub async fn purge_expired(&self) -> Result<(), sqlx::Error> {
        let now = self.clock.now().unix_timestamp();
        sqlx::query("DELETE FROM session_handovers WHERE expires_at <= ?")
            .bind(now)
            .execute(&self.pool)
            .await?;
        sqlx::query("DELETE FROM captchas WHERE expires_at <= ?")
            .bind(now)
            .execute(&self.pool)
            .await?;
        sqlx::query("DELETE FROM sms_codes WHERE sent_at < ?")
            .bind(now - CODE_RETENTION_SECS)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Keeps the hash of a captcha answer for [`CAPTCHA_TTL_SECS`]; returns the captcha's id
    /// (128 random bits, hex). [`LoginService::new_captcha`] calls it with the drawn answer.
    pub async fn store_captcha(&self, answer: &str) -> Result<String, LoginError> {
        let id = hex::encode(rand::rng().random::<[u8; 16]>());
        sqlx::query("INSERT INTO captchas (id, answer_hash, expires_at) VALUES (?, ?, ?)")
            .bind(&id)
            .bind(self.keys.captcha_mac(&id, answer).as_slice())
            .bind(self.clock.now().unix_timestamp() + CAPTCHA_TTL_SECS)
            .execute(&self.pool)
            .await
            .map_err(internal)?;
        Ok(id)
    }

    /// Checks and consumes a captcha: one try each, right or wrong.
    async fn check_captcha(&self, id: &str, answer: &str, now: i64) -> Result<(), LoginError> {
        if answer.trim().is_empty() {
            return Err(LoginError::CaptchaMissing);
        }
        if id.is_empty() || id.len() > 64 {
            return Err(LoginError::CaptchaExpired);
        }
        let row: Option<(Vec<u8>, i64)> =
            sqlx::query_as("DELETE FROM captchas WHERE id = ? RETURNING answer_hash, expires_at")
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(internal)?;
        let Some((answer_hash, expires_at)) = row else {
            return Err(LoginError::CaptchaExpired);
        };
        if expires_at <= now {
            return Err(LoginError::CaptchaExpired);
        }
        if !same(&self.keys.captcha_mac(id, answer), &answer_hash) {
            return Err(LoginError::CaptchaWrong);
        }
        Ok(())
    }

    /// Applies the limits and stores the new code's hash; returns the row id.
    async fn reserve_code(
        &self,
        mobile: &Mobile,
        code_hash: &[u8],
        ip: IpAddr,
        now: i64,
    ) -> Result<i64, LoginError> {
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(internal)?;
        let index = mobiles::index(&self.keys, mobile);
        let last_sent: Option<i64> =
            sqlx::query_scalar("SELECT MAX(sent_at) FROM sms_codes WHERE mobile_index = ?")
                .bind(index.as_slice())
                .fetch_one(&mut *tx)
                .await
                .map_err(internal)?;
        if let Some(last) = last_sent {
            let wait = RESEND_AFTER_SECS - (now - last);
            if wait > 0 {
                return Err(LoginError::ResendTooSoon {
                    secs: wait.clamp(1, RESEND_AFTER_SECS) as u32,
                });
            }
        }
        let today: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sms_codes WHERE mobile_index = ? AND sent_at >= ?",
        )
        .bind(index.as_slice())
        .bind(china_day_start(self.clock.now()))
        .fetch_one(&mut *tx)
        .await
        .map_err(internal)?;
        if today >= DAILY_LIMIT {
            return Err(LoginError::DailyLimit);
        }
        let ip_key = ip_key(ip);
        let this_hour: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM sms_codes WHERE ip_key = ? AND sent_at > ?")
                .bind(&ip_key)
                .bind(now - 3600)
                .fetch_one(&mut *tx)
                .await
                .map_err(internal)?;
        if this_hour >= i64::from(self.settings.ip_hourly_limit) {
            tracing::warn!(ip = %ip_key, "SMS code refused: hourly limit for this address");
            return Err(LoginError::IpLimit);
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO sms_codes (mobile_index, code_hash, ip_key, sent_at, expires_at)
             VALUES (?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(index.as_slice())
        .bind(code_hash)
        .bind(&ip_key)
        .bind(now)
        .bind(now + CODE_TTL_SECS)
        .fetch_one(&mut *tx)
        .await
        .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        Ok(id)
    }
}

#[async_trait::async_trait]
impl LoginService for SqlLoginService {
    fn captcha_required(&self) -> bool {
        self.settings.captcha
    }

    fn seal_pending(&self, mobile: &Mobile) -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .encode(self.keys.seal(PENDING_CONTEXT, mobile.as_str().as_bytes()))
    }

    fn open_pending(&self, sealed: &str) -> Option<Mobile> {
        use base64::Engine;
        let sealed = base64::engine::general_purpose::STANDARD
            .decode(sealed)
            .ok()?;
        let digits = self.keys.open(PENDING_CONTEXT, &sealed).ok()?;
        Mobile::try_from(String::from_utf8(digits).ok()?).ok()
    }

    async fn issue_handover(&self, user: UserId, path: &str) -> Result<String, LoginError> {
        let ticket = crate::handoff::token::new_secret();
        let hash = crate::handoff::token::hash(&ticket).ok_or(LoginError::Internal)?;
        sqlx::query(
            "INSERT INTO session_handovers (token_hash, user_id, path, expires_at)
             VALUES (?, ?, ?, ?)",
        )
        .bind(hash.as_slice())
        .bind(user.0)
        .bind(path)
        .bind(self.clock.now().unix_timestamp() + HANDOVER_TTL_SECS)
        .execute(&self.pool)
        .await
        .map_err(internal)?;
        Ok(ticket)
    }

    async fn redeem_handover(&self, ticket: &str) -> Result<Option<(UserId, String)>, LoginError> {
        let Some(hash) = crate::handoff::token::hash(ticket) else {
            return Ok(None);
        };
        let now = self.clock.now().unix_timestamp();
        // One statement: two windows racing with the same ticket cannot both get it.
        let used: Option<(i64, String)> = sqlx::query_as(
            "UPDATE session_handovers SET used_at = ?1
             WHERE token_hash = ?2 AND used_at IS NULL AND expires_at > ?1
             RETURNING user_id, path",
        )
        .bind(now)
        .bind(hash.as_slice())
        .fetch_optional(&self.pool)
        .await
        .map_err(internal)?;
        Ok(used.map(|(user, path)| (UserId(user), path)))
    }

    async fn new_captcha(&self) -> Result<CaptchaImage, LoginError> {
        use base64::Engine;
        use base64::engine::general_purpose::STANDARD;

        let (answer, png) = crate::heavy::run("drawing a captcha", draw_captcha)
            .await
            .map_err(|refused| match refused {
                crate::heavy::Refused::Busy => LoginError::Busy,
                crate::heavy::Refused::Panicked => internal(refused),
            })?
            .ok_or_else(|| internal("captcha image could not be encoded"))?;
        let id = self.store_captcha(&answer).await?;
        Ok(CaptchaImage {
            id,
            data_url: format!("data:image/png;base64,{}", STANDARD.encode(png)),
        })
    }

    async fn send_code(
        &self,
        mobile: &Mobile,
        captcha_id: &str,
        captcha_answer: &str,
        ip: IpAddr,
        signature: &str,
    ) -> Result<CodeSent, LoginError> {
        let now = self.clock.now().unix_timestamp();
        if self.settings.captcha {
            self.check_captcha(captcha_id, captcha_answer, now).await?;
        }
        let code = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
        let code_hash = self.keys.sms_code_mac(mobile.as_str(), &code);
        let row = self.reserve_code(mobile, &code_hash, ip, now).await?;

        if let Err(error) = self
            .sms
            .send(
                mobile,
                SmsKind::LoginCode,
                &login_code_text(signature, &code),
            )
            .await
        {
            tracing::error!(%error, to = %mobile.masked(), "login code not sent");
            // Not sent, so it must neither work nor count against the applicant's limits.
            sqlx::query("DELETE FROM sms_codes WHERE id = ?")
                .bind(row)
                .execute(&self.pool)
                .await
                .map_err(internal)?;
            return Err(LoginError::SmsFailed);
        }
        tracing::info!(to = %mobile.masked(), "login code sent");
        Ok(CodeSent {
            resend_after_secs: RESEND_AFTER_SECS as u32,
            expires_in_secs: CODE_TTL_SECS as u32,
        })
    }

    async fn verify_code(
        &self,
        mobile: &Mobile,
        code: &str,
        ip: IpAddr,
    ) -> Result<UserId, LoginError> {
        let now_at = self.clock.now();
        let now = now_at.unix_timestamp();
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(internal)?;
        let latest: Option<(i64, Vec<u8>, i64, i64, Option<i64>)> = sqlx::query_as(
            "SELECT id, code_hash, expires_at, attempts, used_at FROM sms_codes
             WHERE mobile_index = ? ORDER BY sent_at DESC, id DESC LIMIT 1",
        )
        .bind(mobiles::index(&self.keys, mobile).as_slice())
        .fetch_optional(&mut *tx)
        .await
        .map_err(internal)?;
        let Some((id, code_hash, expires_at, attempts, used_at)) = latest else {
            return Err(LoginError::NoCode);
        };
        if used_at.is_some() || expires_at <= now {
            return Err(LoginError::CodeExpired);
        }
        if attempts >= MAX_ATTEMPTS {
            return Err(LoginError::CodeLocked);
        }
        let Some(code) = typed_code(code) else {
            // Not six digits: a slip of the keyboard, not a guess; nothing is counted.
            return Err(LoginError::CodeWrong {
                attempts_left: (MAX_ATTEMPTS - attempts) as u32,
            });
        };
        if !same(&self.keys.sms_code_mac(mobile.as_str(), &code), &code_hash) {
            let attempts = attempts + 1;
            sqlx::query("UPDATE sms_codes SET attempts = ? WHERE id = ?")
                .bind(attempts)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(internal)?;
            tx.commit().await.map_err(internal)?;
            return Err(if attempts >= MAX_ATTEMPTS {
                tracing::warn!(mobile = %mobile.masked(), "login code locked after wrong tries");
                LoginError::CodeLocked
            } else {
                LoginError::CodeWrong {
                    attempts_left: (MAX_ATTEMPTS - attempts) as u32,
                }
            });
        }

        sqlx::query("UPDATE sms_codes SET used_at = ? WHERE id = ?")
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        let stamp = to_db(now_at);
        let user: i64 = sqlx::query_scalar(
            "INSERT INTO users (mobile_index, mobile_sealed, created_at, last_login_at,
                                last_login_ip)
             VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (mobile_index) DO UPDATE
             SET last_login_at = excluded.last_login_at, last_login_ip = excluded.last_login_ip
             RETURNING id",
        )
        .bind(mobiles::index(&self.keys, mobile).as_slice())
        .bind(mobiles::seal(&self.keys, USERS, mobile))
        .bind(stamp)
        .bind(stamp)
        .bind(ip.to_string())
        .fetch_one(&mut *tx)
        .await
        .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        tracing::info!(mobile = %mobile.masked(), user, "logged in");
        Ok(UserId(user))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_are_counted_by_their_64_network() {
        assert_eq!(ip_key("203.0.113.9".parse().unwrap()), "203.0.113.9");
        assert_eq!(ip_key("::ffff:203.0.113.9".parse().unwrap()), "203.0.113.9");
        assert_eq!(
            ip_key("2001:db8:1:2:aaaa::1".parse().unwrap()),
            ip_key("2001:db8:1:2:bbbb::2".parse().unwrap())
        );
        assert_eq!(
            ip_key("2001:db8:1:2::1".parse().unwrap()),
            "2001:db8:1:2::/64"
        );
    }

    #[test]
    fn typed_codes_are_folded_to_six_ascii_digits() {
        assert_eq!(typed_code(" １２３４５６ ").as_deref(), Some("123456"));
        assert_eq!(typed_code("12345"), None);
        assert_eq!(typed_code("12345a"), None);
    }

    #[test]
    fn a_captcha_has_five_characters_from_the_safe_set() {
        let (answer, png) = draw_captcha().unwrap();
        assert_eq!(answer.chars().count(), CAPTCHA_LENGTH as usize);
        assert!(answer.chars().all(|c| CAPTCHA_CHARS.contains(c)));
        assert!(png.starts_with(b"\x89PNG"));
    }

    #[test]
    fn the_message_carries_the_signature_and_the_code() {
        let text = login_code_text("【深圳CA】", "123456");
        assert!(text.starts_with("【深圳CA】"));
        assert!(text.contains("123456"));
    }
}
