//! 注销 and 解锁 of one certificate: the page's data, and one server function for the form's two
//! buttons (text a code; confirm with it). Without JavaScript the outcome is a one-shot message
//! the next page load takes.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::auth::Notice;
use crate::domain::business::Business;
use crate::services::certificate_actions::{ActionDone, ActionPage};

/// The path segment of each business's page: `/p/:project/certificates/:id/<segment>`.
pub fn segment(business: Business) -> &'static str {
    match business {
        Business::Cancellation => "cancel",
        Business::Unlock => "unlock",
        Business::Replacement => "replace",
        Business::Change => "change",
        _ => "",
    }
}

/// The business of a page confirmed by a texted code (注销, 解锁).
pub fn from_segment(segment: &str) -> Option<Business> {
    crate::services::certificate_actions::ACTIONS
        .into_iter()
        .find(|b| self::segment(*b) == segment)
}

/// What the form left: a code sent (and where), a message, or the business done.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionOutcome {
    pub sent_to: Option<String>,
    /// The reason chosen, kept across the two buttons.
    pub reason: String,
    pub notice: Option<Notice>,
    pub done: Option<ActionDone>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionPageData {
    pub page: ActionPage,
    pub outcome: Option<ActionOutcome>,
}

#[cfg(feature = "ssr")]
const FLASH_KEY: &str = "certificate_action_flash";

#[server]
pub async fn load_action_page(
    project: String,
    id: i64,
    action: String,
) -> Result<ActionPageData, ServerFnError> {
    use super::session::{self, internal};

    let business = from_segment(&action).ok_or_else(|| ServerFnError::new("没有这项业务"))?;
    let (user, project) = super::apply::ssr::open(&project).await?;
    let page = session::state()
        .certificate_actions
        .page(user, &project.id, id, business)
        .await
        .map_err(internal)?;
    let outcome: Option<ActionOutcome> = session::take(FLASH_KEY).await?;
    Ok(ActionPageData { page, outcome })
}

/// `intent` is `send` (text a confirmation code) or `confirm` (the code, and for a
/// cancellation the reason).
#[server]
pub async fn certificate_action(
    project: String,
    id: i64,
    action: String,
    intent: String,
    #[server(default)] code: String,
    #[server(default)] reason: String,
) -> Result<ActionOutcome, ServerFnError> {
    use super::session;
    use crate::domain::business::cancellation::Reason;
    use crate::services::certificate_actions::FIELD_CODE;

    let business = from_segment(&action).ok_or_else(|| ServerFnError::new("没有这项业务"))?;
    let (user, project) = super::apply::ssr::open(&project).await?;
    let service = &session::state().certificate_actions;
    let error_notice = |error: crate::services::certificate_actions::ActionError| Notice {
        field: error.field().map(str::to_owned),
        text: error.to_string(),
        is_error: true,
    };
    let outcome = if intent == "send" {
        let ip = session::client_ip().await?;
        match service.send_code(user, &project.id, id, business, ip).await {
            Ok(sent) => ActionOutcome {
                notice: Some(Notice {
                    field: Some(FIELD_CODE.to_owned()),
                    text: format!("验证码已发送至 {}，5分钟内有效", sent.to_masked),
                    is_error: false,
                }),
                sent_to: Some(sent.to_masked),
                reason,
                done: None,
            },
            Err(error) => ActionOutcome {
                notice: Some(error_notice(error)),
                reason,
                ..Default::default()
            },
        }
    } else {
        let chosen = Reason::parse(reason.trim());
        match service
            .confirm(user, &project.id, id, business, &code, chosen)
            .await
        {
            Ok(done) => ActionOutcome {
                done: Some(done),
                ..Default::default()
            },
            Err(error) => ActionOutcome {
                notice: Some(error_notice(error)),
                reason,
                ..Default::default()
            },
        }
    };
    if session::is_plain_form() {
        session::put(FLASH_KEY, &outcome).await?;
    }
    Ok(outcome)
}
