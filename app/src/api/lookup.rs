//! 证书查询 / 订单查询: a serial or application number, a code texted to the registered mobile
//! number, then the status. Nothing stays in the session beyond one page: without JavaScript the
//! outcome is a one-shot message the next page load takes.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::auth::Notice;
use crate::services::login::CaptchaImage;
use crate::services::lookup::LookupResult;

pub const FIELD_QUERY: &str = "lookup-query";
pub const FIELD_CAPTCHA: &str = "lookup-captcha";
pub const FIELD_CODE: &str = "lookup-code";

/// The reply to a lookup form, and what the page shows after it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupOutcome {
    /// The query folded, or as typed when it was refused; the code step carries it.
    pub query: String,
    /// The masked mobile number a code went to: the page asks for the code.
    pub sent_to: Option<String>,
    pub resend_after_secs: u32,
    pub notice: Option<Notice>,
    pub result: Option<LookupResult>,
    /// A fresh captcha when the old one was used up.
    pub captcha: Option<CaptchaImage>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupPage {
    pub captcha: Option<CaptchaImage>,
    /// What the last form left, without JavaScript; shown once.
    pub outcome: Option<LookupOutcome>,
}

#[cfg(feature = "ssr")]
const FLASH_KEY: &str = "lookup_flash";

#[server]
pub async fn load_lookup_page(project: String) -> Result<LookupPage, ServerFnError> {
    use super::auth::ssr::captcha_failed;
    use super::session;

    let state = session::state();
    if state.catalog.project(&project).is_none() {
        return Err(ServerFnError::new("没有这个项目"));
    }
    let outcome: Option<LookupOutcome> = session::take(FLASH_KEY).await?;
    let captcha = match outcome.as_ref().and_then(|o| o.captcha.clone()) {
        Some(captcha) => Some(captcha),
        None if state.login.captcha_required() => {
            Some(state.login.new_captcha().await.map_err(captcha_failed)?)
        }
        None => None,
    };
    Ok(LookupPage { captcha, outcome })
}

/// `intent` is `send` (text a code for `query`) or `check` (the code → the result).
#[server]
pub async fn lookup(
    project: String,
    query: String,
    #[server(default)] captcha_id: String,
    #[server(default)] captcha_answer: String,
    #[server(default)] code: String,
    #[server(default)] sent_to: String,
    intent: String,
) -> Result<LookupOutcome, ServerFnError> {
    use super::session;

    let outcome = if intent == "send" {
        ssr::send(&project, &query, &captcha_id, &captcha_answer).await?
    } else {
        ssr::check(&query, &code, sent_to).await
    };
    if session::is_plain_form() {
        session::put(FLASH_KEY, &outcome).await?;
    }
    Ok(outcome)
}

#[cfg(feature = "ssr")]
mod ssr {
    use leptos::prelude::ServerFnError;

    use super::{FIELD_CAPTCHA, FIELD_CODE, FIELD_QUERY, LookupOutcome};
    use crate::api::auth::Notice;
    use crate::api::auth::ssr::{captcha_failed, signature};
    use crate::api::session::{self, state};
    use crate::services::lookup::{LookupError, fold_query};

    /// The field a message belongs at; `code_step` when the page shows the code field.
    fn notice_of(error: &LookupError, code_step: bool) -> Option<Notice> {
        let field = if error.at_captcha() {
            FIELD_CAPTCHA
        } else if code_step && error.at_code() {
            FIELD_CODE
        } else {
            FIELD_QUERY
        };
        Some(Notice {
            field: Some(field.to_owned()),
            text: error.to_string(),
            is_error: true,
        })
    }

    pub async fn send(
        project: &str,
        query: &str,
        captcha_id: &str,
        captcha_answer: &str,
    ) -> Result<LookupOutcome, ServerFnError> {
        let state = state();
        let ip = session::client_ip().await?;
        let sent = state
            .lookup
            .send_code(query, captcha_id, captcha_answer, ip, &signature(project))
            .await;
        // A captcha is good for one try, right or wrong.
        let captcha = if state.login.captcha_required() {
            Some(state.login.new_captcha().await.map_err(captcha_failed)?)
        } else {
            None
        };
        let query = fold_query(query).unwrap_or_else(|| query.trim().to_owned());
        Ok(match sent {
            Ok(sent) => LookupOutcome {
                query,
                notice: Some(Notice {
                    field: Some(FIELD_CODE.to_owned()),
                    text: format!("验证码已发送至 {}，5分钟内有效", sent.to_masked),
                    is_error: false,
                }),
                sent_to: Some(sent.to_masked),
                resend_after_secs: sent.resend_after_secs,
                captcha,
                ..Default::default()
            },
            // The first step shows no code field: a resend asked too soon is said at the query.
            Err(error) => LookupOutcome {
                query,
                notice: notice_of(&error, false),
                captcha,
                ..Default::default()
            },
        })
    }

    pub async fn check(query: &str, code: &str, sent_to: String) -> LookupOutcome {
        match state().lookup.result(query, code).await {
            Ok(result) => LookupOutcome {
                result: Some(result),
                ..Default::default()
            },
            Err(error) => LookupOutcome {
                query: query.to_owned(),
                notice: notice_of(&error, true),
                // Still at the code step, unless the query itself was the trouble.
                sent_to: (error.at_code() && !sent_to.is_empty()).then_some(sent_to),
                ..Default::default()
            },
        }
    }
}
