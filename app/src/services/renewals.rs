//! 续期 from the applicant's side: the page's data, the order it makes, and why it refuses.

use serde::{Deserialize, Serialize};

use crate::domain::catalog::Project;
use crate::domain::certificate::{CertState, Certificate};
use crate::domain::quote::QuoteError;

/// One of the applicant's certificates on the renewal page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenewalOption {
    pub certificate: Certificate,
    pub state: CertState,
    pub days_left: i64,
    /// Why it cannot be renewed now; `None` when it can.
    pub reason: Option<String>,
    /// The terms on offer, in years.
    pub terms: Vec<u8>,
    /// Expired too long to renew: it takes a new application's checks, which the applicant
    /// may start from this certificate's details.
    pub needs_checks: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RenewalPage {
    /// The catalog entry, so the browser prices the choice as the server will.
    pub project: Project,
    pub options: Vec<RenewalOption>,
}

/// Why a renewal order was not made; the message is shown on the form.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum RenewalError {
    #[error("请至少选择一张要续期的证书")]
    NothingChosen,
    #[error("没有找到所选的证书，请刷新页面后重新选择")]
    NotFound,
    /// The certificate's own reason (e.g. 到期前30日内可续期).
    #[error("{0}")]
    NotOpen(String),
    #[error("证书过期已超过一年，需要按新办重新提交资料并审核")]
    NeedsChecks,
    #[error("您有一份尚未提交的新申请，请先提交或清空后再按原信息重新申请")]
    DraftOpen,
    #[error("所选证书已有一笔未完成的业务（申请编号 {0}），请先完成支付或取消后再办理")]
    Held(String),
    #[error("{0}")]
    Quote(QuoteError),
    #[error("系统繁忙，请稍后重试")]
    Unavailable,
}

#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait RenewalService: Send + Sync {
    /// The applicant's certificates in `project`, each renewable now or with the reason.
    async fn page(
        &self,
        user: crate::services::login::UserId,
        project: &str,
    ) -> Result<RenewalPage, RenewalError>;

    /// Starts a new application from the details of certificate `id`, expired too long to be
    /// renewed: the applicant's open draft becomes them (refused when a draft is under way).
    async fn reapply(
        &self,
        user: crate::services::login::UserId,
        project: &str,
        id: i64,
    ) -> Result<(), RenewalError>;

    /// Makes the renewal order of `choices` and returns its number; it waits for payment.
    async fn open(
        &self,
        user: crate::services::login::UserId,
        project: &str,
        choices: &[crate::domain::business::renewal::RenewalChoice],
    ) -> Result<String, RenewalError>;
}
