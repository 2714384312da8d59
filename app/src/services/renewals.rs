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
    /// Expired too long to renew without the checks of a new application: its renewal order
    /// asks for the scans and the phone step, and review, before payment.
    pub needs_checks: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RenewalPage {
    /// The catalog entry, so the browser prices the choice as the server will.
    pub project: Project,
    pub options: Vec<RenewalOption>,
}

/// A renewal order just made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenewalOrder {
    pub number: String,
    /// It starts with the scans and the phone step (see [`RenewalOption::needs_checks`]).
    pub needs_checks: bool,
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

    /// Makes the renewal order of `choices`: waiting for payment, or for the scans when a
    /// certificate in it needs the checks again.
    async fn open(
        &self,
        user: crate::services::login::UserId,
        project: &str,
        choices: &[crate::domain::business::renewal::RenewalChoice],
    ) -> Result<RenewalOrder, RenewalError>;
}
