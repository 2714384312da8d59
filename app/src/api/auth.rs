//! Login by mobile number, image captcha and SMS code.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::services::login::CaptchaImage;

/// A message for one field of the login form (or for the whole form when `field` is `None`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub field: Option<String>,
    pub text: String,
    pub is_error: bool,
}

impl Notice {
    /// The text, when this is an error at `field`.
    pub fn error_at(&self, field: &str) -> Option<String> {
        (self.is_error && self.field.as_deref() == Some(field)).then(|| self.text.clone())
    }

    /// The text, when this is news rather than an error (a code sent).
    pub fn info(&self) -> Option<String> {
        (!self.is_error).then(|| self.text.clone())
    }
}

/// What the login page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginPage {
    pub captcha: Option<CaptchaImage>,
    /// The number a code was last sent to, to fill the form again.
    pub mobile: String,
    pub code_sent: bool,
    pub notice: Option<Notice>,
}

/// The reply to a login form submission.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginOutcome {
    pub notice: Option<Notice>,
    pub code_sent: bool,
    pub resend_after_secs: u32,
    /// A fresh captcha when the old one was used up.
    pub captcha: Option<CaptchaImage>,
}

pub const FIELD_MOBILE: &str = "login-mobile";
pub const FIELD_CAPTCHA: &str = "login-captcha";
pub const FIELD_CODE: &str = "login-code";

#[cfg(feature = "ssr")]
const FLASH_KEY: &str = "login_flash";
#[cfg(feature = "ssr")]
const MOBILE_KEY: &str = "login_mobile";

#[server]
pub async fn load_login_page(project: String) -> Result<LoginPage, ServerFnError> {
    use super::session;
    use ssr::captcha_failed;
    if session::current_user().await?.is_some() {
        let user = session::current_user().await?.expect("checked above");
        leptos_axum::redirect(&ssr::next_page(user, &project).await?);
    }
    let state = session::state();
    let flash: Option<LoginOutcome> = session::take(FLASH_KEY).await?;
    let mobile = session::peek::<String>(MOBILE_KEY)
        .await?
        .and_then(|sealed| state.login.open_pending(&sealed))
        .map(|mobile| mobile.as_str().to_owned());
    let captcha = match flash.as_ref().and_then(|f| f.captcha.clone()) {
        Some(captcha) => Some(captcha),
        None if state.login.captcha_required() => {
            Some(state.login.new_captcha().await.map_err(captcha_failed)?)
        }
        None => None,
    };
    Ok(LoginPage {
        captcha,
        code_sent: mobile.is_some(),
        mobile: mobile.unwrap_or_default(),
        notice: flash.and_then(|f| f.notice),
    })
}

#[server]
pub async fn new_captcha() -> Result<CaptchaImage, ServerFnError> {
    use super::session::state;
    state()
        .login
        .new_captcha()
        .await
        .map_err(ssr::captcha_failed)
}

/// `intent` is `send` (text me a code) or `login` (check the code and sign in).
#[server]
pub async fn login(
    project: String,
    mobile: String,
    #[server(default)] captcha_id: String,
    #[server(default)] captcha_answer: String,
    #[server(default)] code: String,
    intent: String,
) -> Result<LoginOutcome, ServerFnError> {
    use super::session;
    let outcome = if intent == "send" {
        ssr::send(&project, &mobile, &captcha_id, &captcha_answer).await?
    } else {
        match ssr::verify(&mobile, &code).await? {
            Ok(user) => {
                session::sign_in(user).await?;
                leptos_axum::redirect(&ssr::next_page(user, &project).await?);
                return Ok(LoginOutcome::default());
            }
            Err(outcome) => outcome,
        }
    };
    if session::is_plain_form() {
        session::put(FLASH_KEY, &outcome).await?;
    }
    Ok(outcome)
}

#[server]
pub async fn logout(project: String) -> Result<(), ServerFnError> {
    super::session::sign_out().await?;
    leptos_axum::redirect(&format!(
        "{}/login",
        crate::paths::request_mount().project(&project)
    ));
    Ok(())
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use leptos::prelude::ServerFnError;

    use super::{FIELD_CAPTCHA, FIELD_CODE, FIELD_MOBILE, LoginOutcome, MOBILE_KEY, Notice};
    use crate::api::session::{self, internal, state};
    use crate::domain::mobile;
    use crate::services::login::{LoginError, UserId};

    /// A captcha that could not be drawn: "busy" said as such (not logged as a fault), anything
    /// else logged and answered generically.
    pub fn captcha_failed(error: LoginError) -> ServerFnError {
        match error {
            LoginError::Busy => ServerFnError::new(error.to_string()),
            error => internal(error),
        }
    }

    fn error(field: &str, text: impl ToString) -> Option<Notice> {
        Some(Notice {
            field: Some(field.to_owned()),
            text: text.to_string(),
            is_error: true,
        })
    }

    /// Which form field a login error belongs to.
    fn field_of(error: &LoginError) -> &'static str {
        match error {
            LoginError::CaptchaMissing | LoginError::CaptchaWrong | LoginError::CaptchaExpired => {
                FIELD_CAPTCHA
            }
            LoginError::NoCode
            | LoginError::CodeWrong { .. }
            | LoginError::CodeExpired
            | LoginError::CodeLocked => FIELD_CODE,
            _ => FIELD_MOBILE,
        }
    }

    /// The project's SMS signature (the catalog's `sms_signature`); the site's own name for a
    /// project that does not exist, whose login page refuses anyway.
    pub(crate) fn signature(project: &str) -> String {
        state().catalog.project(project).map_or_else(
            || "【数字证书网上办理】".to_owned(),
            |p| p.sms_signature.clone(),
        )
    }

    pub async fn send(
        project: &str,
        mobile: &str,
        captcha_id: &str,
        captcha_answer: &str,
    ) -> Result<LoginOutcome, ServerFnError> {
        let state = state();
        let mobile = match mobile::validate(mobile) {
            Ok(mobile) => mobile,
            Err(e) => {
                return Ok(LoginOutcome {
                    notice: error(FIELD_MOBILE, e),
                    ..Default::default()
                });
            }
        };
        let ip = session::client_ip().await?;
        let result = state
            .login
            .send_code(&mobile, captcha_id, captcha_answer, ip, &signature(project))
            .await;
        // A captcha is good for one try, right or wrong.
        let captcha = if state.login.captcha_required() {
            Some(state.login.new_captcha().await.map_err(captcha_failed)?)
        } else {
            None
        };
        Ok(match result {
            Ok(sent) => {
                session::put(MOBILE_KEY, &state.login.seal_pending(&mobile)).await?;
                LoginOutcome {
                    notice: Some(Notice {
                        field: Some(FIELD_CODE.to_owned()),
                        text: format!("验证码已发送至 {}，5分钟内有效", mobile.masked()),
                        is_error: false,
                    }),
                    code_sent: true,
                    resend_after_secs: sent.resend_after_secs,
                    captcha,
                }
            }
            Err(LoginError::ResendTooSoon { secs }) => LoginOutcome {
                notice: error(FIELD_CODE, LoginError::ResendTooSoon { secs }),
                code_sent: true,
                resend_after_secs: secs,
                captcha,
            },
            Err(e) => LoginOutcome {
                notice: error(field_of(&e), &e),
                captcha,
                ..Default::default()
            },
        })
    }

    pub async fn verify(
        mobile: &str,
        code: &str,
    ) -> Result<Result<UserId, LoginOutcome>, ServerFnError> {
        let state = state();
        let mobile = match mobile::validate(mobile) {
            Ok(mobile) => mobile,
            Err(e) => {
                return Ok(Err(LoginOutcome {
                    notice: error(FIELD_MOBILE, e),
                    ..Default::default()
                }));
            }
        };
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(Err(LoginOutcome {
                notice: error(FIELD_CODE, "请输入6位数字短信验证码"),
                code_sent: true,
                ..Default::default()
            }));
        }
        let ip = session::client_ip().await?;
        match state.login.verify_code(&mobile, &code, ip).await {
            Ok(user) => Ok(Ok(user)),
            Err(e) => Ok(Err(LoginOutcome {
                notice: error(field_of(&e), &e),
                code_sent: true,
                ..Default::default()
            })),
        }
    }

    /// Where a signed-in applicant continues: the agreements first, then their draft's step.
    pub async fn next_page(user: UserId, project: &str) -> Result<String, ServerFnError> {
        let state = state();
        if !crate::api::consent::ssr::has_accepted_all(user, project).await? {
            return Ok(format!(
                "{}/consent",
                crate::paths::request_mount().project(project)
            ));
        }
        let step = state
            .applications
            .load_draft(user, project)
            .await
            .map_err(internal)?
            .map(|saved| saved.step)
            .unwrap_or_default();
        Ok(format!(
            "{}/apply/{}",
            crate::paths::request_mount().project(project),
            step.slug()
        ))
    }
}
