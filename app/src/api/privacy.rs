//! 撤回同意 and 注销账号 in 个人中心: the state of the applicant's requests, and making one.
//! Reachable with only a login, without the agreements accepted: an applicant who withdrew
//! consent must still be able to close the account.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::services::privacy::RequestKind;

/// A request as the page shows it, times in Beijing time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestLine {
    pub kind: RequestKind,
    pub requested_at: String,
    pub completed_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivacyPage {
    pub project_id: String,
    pub requests: Vec<RequestLine>,
    /// Submitted applications kept by law if the account is closed.
    pub kept: Vec<String>,
    /// The request whose confirmation box was left unticked on the last plain-form try.
    pub unconfirmed: Option<RequestKind>,
}

impl PrivacyPage {
    pub fn latest(&self, kind: RequestKind) -> Option<&RequestLine> {
        self.requests.iter().find(|r| r.kind == kind)
    }
}

/// The outcome of asking, shown beside the form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivacyReply {
    pub kind: RequestKind,
    pub ok: bool,
    pub message: String,
}

#[cfg(feature = "ssr")]
const FLASH_KEY: &str = "privacy_unconfirmed";

#[server]
pub async fn load_privacy_page(project: String) -> Result<PrivacyPage, ServerFnError> {
    use super::apply::ssr::clock_label_full;
    use super::session::{self, internal};
    use crate::services::privacy::PrivacyOverview;

    let user = session::require_user(&project).await?;
    let PrivacyOverview { requests, kept } = session::state()
        .privacy
        .overview(user)
        .await
        .map_err(internal)?;
    let unconfirmed: Option<String> = session::take(FLASH_KEY).await?;
    Ok(PrivacyPage {
        project_id: project,
        requests: requests
            .into_iter()
            .map(|r| RequestLine {
                kind: r.kind,
                requested_at: clock_label_full(&r.requested_at),
                completed_at: r.completed_at.as_deref().map(clock_label_full),
            })
            .collect(),
        kept,
        unconfirmed: unconfirmed.as_deref().and_then(RequestKind::from_code),
    })
}

/// `confirm` is `"true"` when the applicant ticked that they understand the consequences.
#[server]
pub async fn request_privacy(
    project: String,
    kind: String,
    #[server(default)] confirm: Option<String>,
) -> Result<PrivacyReply, ServerFnError> {
    use super::session::{self, internal};

    let user = session::require_user(&project).await?;
    let Some(kind) = RequestKind::from_code(&kind) else {
        return Err(ServerFnError::new("没有这种请求"));
    };
    if confirm.as_deref() != Some("true") {
        if session::is_plain_form() {
            session::put(FLASH_KEY, &kind.code()).await?;
        }
        return Ok(PrivacyReply {
            kind,
            ok: false,
            message: format!("请先勾选确认您已了解{}的后果", kind.label()),
        });
    }
    let recorded = session::state()
        .privacy
        .request(user, kind)
        .await
        .map_err(internal)?;
    let message = if recorded {
        format!("已收到您的{}申请，审核员处理后生效。", kind.label())
    } else {
        format!("您的{}申请已在处理中，无需重复提交。", kind.label())
    };
    Ok(PrivacyReply {
        kind,
        ok: true,
        message,
    })
}
