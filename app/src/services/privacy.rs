//! 撤回同意 and 注销账号: what an applicant asks of their personal data in 个人中心, and how
//! far each request has got. A reviewer completes them in the console.

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::StoreError;
#[cfg(feature = "ssr")]
use super::login::UserId;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RequestKind {
    /// Withdraw consent to the processing of personal and sensitive personal information.
    WithdrawConsent,
    /// Close the account.
    CloseAccount,
}

impl RequestKind {
    pub const ALL: [RequestKind; 2] = [RequestKind::WithdrawConsent, RequestKind::CloseAccount];

    pub fn code(self) -> &'static str {
        match self {
            RequestKind::WithdrawConsent => "withdraw_consent",
            RequestKind::CloseAccount => "close_account",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            RequestKind::WithdrawConsent => "撤回同意",
            RequestKind::CloseAccount => "注销账号",
        }
    }
}

/// One request, as its owner sees it. Times are RFC 3339, UTC.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestState {
    pub kind: RequestKind,
    pub requested_at: String,
    pub completed_at: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivacyOverview {
    /// The newest request of each kind the applicant made.
    pub requests: Vec<RequestState>,
    /// The applicant's submitted applications that closing the account keeps, because the
    /// law requires certification records to be kept (numbers only).
    pub kept: Vec<String>,
}

impl PrivacyOverview {
    pub fn latest(&self, kind: RequestKind) -> Option<&RequestState> {
        self.requests.iter().find(|r| r.kind == kind)
    }
}

#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait PrivacyRequests: Send + Sync {
    async fn overview(&self, user: UserId) -> Result<PrivacyOverview, StoreError>;

    /// Records a request. An open request of the same kind is left as it is: `false`.
    async fn request(&self, user: UserId, kind: RequestKind) -> Result<bool, StoreError>;
}
