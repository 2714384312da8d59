//! 注销 and 解锁 of one issued certificate: businesses with nothing to pay, upload or review,
//! confirmed by a code texted to the mobile registered with the certificate's order (the agent's,
//! or the natural person's own), each an order of its own.

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use std::net::IpAddr;

use crate::domain::business::Business;
use crate::domain::certificate::{CertState, Certificate};
use crate::services::codes::CodeError;

/// The businesses this service does.
pub const ACTIONS: [Business; 2] = [Business::Cancellation, Business::Unlock];

/// What the page for one certificate and one business shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionPage {
    pub business: Business,
    pub project_name: String,
    pub certificate: Certificate,
    pub state: CertState,
    /// Why the business is not open for this certificate now; `None` when it is.
    pub refusal: Option<String>,
    /// Who confirms, masked (张*), in which role (经办人, 申请人, 证书持有人), and the mobile
    /// the code goes to (139****1234).
    pub confirmer: String,
    pub confirmer_role: String,
    pub mobile_masked: String,
}

/// A confirmation code went out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionCodeSent {
    pub to_masked: String,
    pub resend_after_secs: u32,
}

/// The business was confirmed: its order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionDone {
    pub number: String,
    /// The CA's system has not answered yet: done later, with a text when it is.
    pub pending: bool,
    /// Where an unlock code went.
    pub to_masked: String,
}

/// Why a step failed; `Display` is the message shown at the field ([`ActionError::field`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ActionError {
    #[error("没有找到这张证书")]
    NotFound,
    #[error("{0}")]
    NotOpen(String),
    #[error("这张证书正在办理另一项业务（申请编号 {0}），请办结后再试")]
    Held(String),
    #[error("请选择注销原因")]
    ReasonMissing,
    #[error(transparent)]
    Code(#[from] CodeError),
    #[error("服务器正忙，请稍等几秒后重试")]
    Busy,
    #[error("系统繁忙，请稍后重试")]
    Internal,
}

/// The form's fields, for messages at the field.
pub const FIELD_REASON: &str = "action-reason";
pub const FIELD_CODE: &str = "action-code";

impl ActionError {
    /// The field the message belongs at; `None`: above the form.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::ReasonMissing => Some(FIELD_REASON),
            Self::Code(_) => Some(FIELD_CODE),
            _ => None,
        }
    }
}

/// Why an unlock code presented by the CA's driver was refused (`Display` for the driver's
/// user).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum RedeemError {
    #[error("证书序列号或解锁码格式不正确")]
    Malformed,
    #[error("解锁码不正确或已失效，请在网上办理平台重新申请解锁")]
    Refused,
    #[error("解锁码输入错误次数过多，请在网上办理平台重新申请解锁")]
    Locked,
    #[error("服务器正忙，请稍后重试")]
    Busy,
}

#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait CertificateActionService: Send + Sync {
    /// The page for `business` on the user's certificate `id` in `project`.
    async fn page(
        &self,
        user: crate::services::login::UserId,
        project: &str,
        id: i64,
        business: Business,
    ) -> Result<ActionPage, ActionError>;

    /// Texts a confirmation code (5 minutes, single use) to the certificate's registered
    /// mobile; one a minute, a few a day per certificate and business, a cap per address.
    async fn send_code(
        &self,
        user: crate::services::login::UserId,
        project: &str,
        id: i64,
        business: Business,
        ip: IpAddr,
    ) -> Result<ActionCodeSent, ActionError>;

    /// With the right code, opens the business's order and has the CA's system carry it out:
    /// the certificate revoked (a text tells the applicant), or an unlock code texted.
    async fn confirm(
        &self,
        user: crate::services::login::UserId,
        project: &str,
        id: i64,
        business: Business,
        code: &str,
        reason: Option<crate::domain::business::cancellation::Reason>,
    ) -> Result<ActionDone, ActionError>;

    /// The CA's driver presents a certificate's serial and the unlock code the holder typed:
    /// right once, within its time, before 5 wrong tries.
    async fn redeem_unlock(&self, serial: &str, code: &str) -> Result<(), RedeemError>;
}
