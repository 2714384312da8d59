//! 介质补办 from the applicant's side: the page's data, the order it makes, and why it refuses.

use serde::{Deserialize, Serialize};

use crate::domain::certificate::{CertState, Certificate};
use crate::domain::quote::{Quote, QuoteError};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplacementPage {
    pub project_name: String,
    pub certificate: Certificate,
    pub state: CertState,
    /// Why a new key cannot be ordered for it now; `None` when it can.
    pub refusal: Option<String>,
    /// What it costs, when it can.
    pub quote: Option<Quote>,
}

/// Why a replacement order was not made; the message is shown on the page.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum ReplacementError {
    #[error("没有找到这张证书，请回到个人中心重新选择")]
    NotFound,
    /// The certificate's own reason (e.g. 证书已过期，请先办理续期).
    #[error("{0}")]
    NotOpen(String),
    #[error("这张证书已有一笔未完成的业务（申请编号 {0}），请先完成或取消后再办理")]
    Held(String),
    #[error("{0}")]
    Quote(QuoteError),
    #[error("系统繁忙，请稍后重试")]
    Unavailable,
}

#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait ReplacementService: Send + Sync {
    /// Certificate `id` of the applicant in `project`, and whether a new key can be ordered.
    async fn page(
        &self,
        user: crate::services::login::UserId,
        project: &str,
        id: i64,
    ) -> Result<ReplacementPage, ReplacementError>;

    /// Makes the replacement order for certificate `id` and returns its number; it waits for
    /// the scans and the phone identity check, as a new application does.
    async fn open(
        &self,
        user: crate::services::login::UserId,
        project: &str,
        id: i64,
    ) -> Result<String, ReplacementError>;
}
