//! Mobile-number login: an image captcha, then a 6-digit code by SMS.
//!
//! Everything is kept in the database ([`LoginRepo`]), so several server processes enforce
//! the same limits: captcha answers and codes only as HMACs, limits as counts over the codes
//! sent, and mobile numbers only as their keyed hash (and, for accounts, sealed:
//! [`crate::mobiles`]). Each check that reads and then writes is one repository call.

use std::fmt::Display;
use std::net::IpAddr;
use std::sync::Arc;

use app::domain::mobile::Mobile;
use app::services::login::{CaptchaImage, CodeSent, LoginError, LoginService, UserId};
use app::services::sms::{SmsKind, SmsSender};
use rand::Rng;

use crate::clock::{Clock, china_day_start};
use crate::crypto::{Keys, same};
use crate::http::client_addr::ip_key;
use crate::mobiles::{self, USERS};
use crate::store::logins::{CodeLimits, CodeTry, LoginRepo, NewCode, Reserved, Verified};

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

pub struct Logins {
    repo: Arc<dyn LoginRepo>,
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

impl Logins {
    pub fn new(
        repo: Arc<dyn LoginRepo>,
        keys: Arc<Keys>,
        sms: Arc<dyn SmsSender>,
        clock: Arc<dyn Clock>,
        settings: LoginSettings,
    ) -> Self {
        Self {
            repo,
            keys,
            sms,
            clock,
            settings,
        }
    }

    /// Deletes captchas past their expiry, codes too old to count towards any limit, and
    /// window handover tickets past theirs.
    pub async fn purge_expired(&self) -> Result<(), crate::store::StoreError> {
        let now = self.clock.now().unix_timestamp();
        self.repo.purge(now, now - CODE_RETENTION_SECS).await
    }

    /// Keeps the hash of a captcha answer for [`CAPTCHA_TTL_SECS`]; returns the captcha's id
    /// (128 random bits, hex). [`LoginService::new_captcha`] calls it with the drawn answer.
    pub async fn store_captcha(&self, answer: &str) -> Result<String, LoginError> {
        let id = hex::encode(rand::rng().random::<[u8; 16]>());
        self.repo
            .put_captcha(
                &id,
                &self.keys.captcha_mac(&id, answer),
                self.clock.now().unix_timestamp() + CAPTCHA_TTL_SECS,
            )
            .await
            .map_err(internal)?;
        Ok(id)
    }

    /// Checks and consumes a captcha: one try each, right or wrong (the lookup asks for one
    /// too).
    pub async fn check_captcha(&self, id: &str, answer: &str, now: i64) -> Result<(), LoginError> {
        if answer.trim().is_empty() {
            return Err(LoginError::CaptchaMissing);
        }
        if id.is_empty() || id.len() > 64 {
            return Err(LoginError::CaptchaExpired);
        }
        let Some((answer_hash, expires_at)) = self.repo.take_captcha(id).await.map_err(internal)?
        else {
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
        let index = mobiles::index(&self.keys, mobile);
        let ip_key = ip_key(ip);
        let code = NewCode {
            mobile_index: &index,
            code_hash,
            ip_key: &ip_key,
            now,
            expires_at: now + CODE_TTL_SECS,
        };
        let limits = CodeLimits {
            resend_after: RESEND_AFTER_SECS,
            daily: DAILY_LIMIT,
            day_start: china_day_start(self.clock.now()),
            ip_hourly: i64::from(self.settings.ip_hourly_limit),
        };
        match self
            .repo
            .reserve_code(code, limits)
            .await
            .map_err(internal)?
        {
            Reserved::Code(id) => Ok(id),
            Reserved::ResendIn(wait) => Err(LoginError::ResendTooSoon {
                secs: wait.clamp(1, RESEND_AFTER_SECS) as u32,
            }),
            Reserved::DailyLimit => Err(LoginError::DailyLimit),
            Reserved::IpLimit => {
                tracing::warn!(ip = %ip_key, "SMS code refused: hourly limit for this address");
                Err(LoginError::IpLimit)
            }
        }
    }
}
#[async_trait::async_trait]
impl LoginService for Logins {
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
        self.repo
            .put_handover(
                &hash,
                user.0,
                path,
                self.clock.now().unix_timestamp() + HANDOVER_TTL_SECS,
            )
            .await
            .map_err(internal)?;
        Ok(ticket)
    }

    async fn redeem_handover(&self, ticket: &str) -> Result<Option<(UserId, String)>, LoginError> {
        let Some(hash) = crate::handoff::token::hash(ticket) else {
            return Ok(None);
        };
        let used = self
            .repo
            .redeem_handover(&hash, self.clock.now().unix_timestamp())
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
            self.repo.forget_code(row).await.map_err(internal)?;
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
        let index = mobiles::index(&self.keys, mobile);
        let typed_hash =
            typed_code(code).map(|code| self.keys.sms_code_mac(mobile.as_str(), &code));
        let sealed = mobiles::seal(&self.keys, USERS, mobile);
        let ip = ip.to_string();
        let verified = self
            .repo
            .verify_code(CodeTry {
                mobile_index: &index,
                // Not six digits: a slip of the keyboard, not a guess; nothing is counted.
                typed_hash: typed_hash.as_ref().map(|hash| hash.as_slice()),
                now: self.clock.now().unix_timestamp(),
                max_attempts: MAX_ATTEMPTS,
                mobile_sealed: &sealed,
                ip: &ip,
            })
            .await
            .map_err(internal)?;
        match verified {
            Verified::NoCode => Err(LoginError::NoCode),
            Verified::Expired => Err(LoginError::CodeExpired),
            Verified::Locked => Err(LoginError::CodeLocked),
            Verified::Wrong { attempts } if attempts >= MAX_ATTEMPTS => {
                tracing::warn!(mobile = %mobile.masked(), "login code locked after wrong tries");
                Err(LoginError::CodeLocked)
            }
            Verified::Wrong { attempts } => Err(LoginError::CodeWrong {
                attempts_left: (MAX_ATTEMPTS - attempts) as u32,
            }),
            Verified::LoggedIn(user) => {
                tracing::info!(mobile = %mobile.masked(), user, "logged in");
                Ok(UserId(user))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
