//! Mobile-number login: image captcha, then a 6-digit SMS code.

#[cfg(feature = "ssr")]
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::domain::mobile::Mobile;

/// An applicant account, keyed by the mobile number it logged in with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UserId(pub i64);

/// A fresh image captcha: the id to send back with the answer, and the picture.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaptchaImage {
    pub id: String,
    /// `data:image/png;base64,...`, so no extra request or route is needed.
    pub data_url: String,
}

/// A code was sent; the applicant may ask again after `resend_after_secs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeSent {
    pub resend_after_secs: u32,
    pub expires_in_secs: u32,
}

/// Why a login step failed; `Display` is the message shown to the applicant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum LoginError {
    #[error("请输入图片中的验证码")]
    CaptchaMissing,
    #[error("图片验证码不正确，请看清后重新输入")]
    CaptchaWrong,
    #[error("图片验证码已过期，请点击图片换一张")]
    CaptchaExpired,
    #[error("验证码已发送，请{secs}秒后再重新获取")]
    ResendTooSoon { secs: u32 },
    #[error("该手机号今日获取验证码次数已达上限，请明天再试")]
    DailyLimit,
    #[error("当前网络获取验证码过于频繁，请稍后再试")]
    IpLimit,
    #[error("请先获取短信验证码")]
    NoCode,
    #[error("短信验证码不正确，还可以再试{attempts_left}次")]
    CodeWrong { attempts_left: u32 },
    #[error("短信验证码已过期，请重新获取")]
    CodeExpired,
    #[error("短信验证码输入错误次数过多，请重新获取")]
    CodeLocked,
    #[error("短信发送失败，请稍后重试")]
    SmsFailed,
    /// Too many captchas being drawn at once: the page asks to try again shortly.
    #[error("服务器正忙，暂时无法生成图片验证码，请稍等几秒后刷新页面")]
    Busy,
    #[error("系统繁忙，请稍后重试")]
    Internal,
}

#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait LoginService: Send + Sync {
    /// Whether login asks for an image captcha (`CAPTCHA=off` turns it off for automated tests).
    fn captcha_required(&self) -> bool;

    /// A new captcha; its answer is kept server-side (hashed, expiring, single-use).
    async fn new_captcha(&self) -> Result<CaptchaImage, LoginError>;

    /// Checks the captcha and the rate limits, stores a new hashed code and texts it.
    /// Limits: resend after 60 s, 10 codes per number per day, a cap per client IP.
    async fn send_code(
        &self,
        mobile: &Mobile,
        captcha_id: &str,
        captcha_answer: &str,
        ip: IpAddr,
        signature: &str,
    ) -> Result<CodeSent, LoginError>;

    /// Checks the latest code for `mobile` (5 minutes, single use, locked after 5 wrong tries)
    /// and returns the account, creating it on first login.
    async fn verify_code(
        &self,
        mobile: &Mobile,
        code: &str,
        ip: IpAddr,
    ) -> Result<UserId, LoginError>;

    /// The number a code was just sent to, sealed for the session (kept in the database) so
    /// the login page can offer it again without the number being stored in clear.
    fn seal_pending(&self, mobile: &Mobile) -> String;

    /// The number [`LoginService::seal_pending`] sealed; `None` when it does not open (the
    /// server secret changed since, or the value was not one it sealed).
    fn open_pending(&self, sealed: &str) -> Option<Mobile>;

    /// 在新窗口中继续: a one-time ticket, valid for two minutes, that signs `user` in at the
    /// site `path` in a new top-level window. An embedded flow's session cookie is
    /// partitioned under the portal, so the new window could not see it otherwise.
    async fn issue_handover(&self, user: UserId, path: &str) -> Result<String, LoginError>;

    /// The user and path a ticket was issued for, using it up; `None` for a ticket that is
    /// unknown, used or expired.
    async fn redeem_handover(&self, ticket: &str) -> Result<Option<(UserId, String)>, LoginError>;
}
