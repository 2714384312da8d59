//! 金融认证: the 0.01-yuan transfer with a code in its memo, and the applicant entering it.

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::login::UserId;
#[cfg(feature = "ssr")]
use crate::domain::bank_account::BankAccount;

/// Where the applicant's financial check stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckState {
    /// Transfer sent; the code may be entered.
    Waiting,
    /// Every attempt was used: a new transfer is needed.
    Locked,
    /// Not entered in time: a new transfer is needed.
    Expired,
    Passed,
}

/// The current transfer, as the personal centre shows it. Never carries the code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankCheckView {
    pub account_name: String,
    pub opening_bank: String,
    /// `****1234`
    pub account_masked: String,
    /// RFC 3339, UTC.
    pub sent_at: String,
    /// RFC 3339, UTC.
    pub expires_at: String,
    pub attempts_left: u8,
    /// New transfers (with or without a corrected account) still possible.
    pub transfers_left: u8,
    pub state: CheckState,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum CodeOutcome {
    Passed,
    Wrong { attempts_left: u8 },
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum BankCheckError {
    #[error("没有找到这份申请")]
    NotFound,
    #[error("这份申请当前不需要金融认证")]
    NotNow,
    #[error("验证码已输错 5 次，请申请重新打款")]
    Locked,
    #[error("验证码已过期，请申请重新打款")]
    Expired,
    #[error("重新打款次数已用完，请联系受理机构")]
    NoTransfersLeft,
    /// A field's message: the code, the opening bank or the account number.
    #[error("{message}")]
    Invalid { field: String, message: String },
    #[error("打款暂时失败，请稍后重试")]
    TransferFailed,
    #[error("系统繁忙，请稍后重试")]
    Backend,
}

/// One micro-deposit to send.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug)]
pub struct MicroDeposit {
    pub number: String,
    pub account_name: String,
    pub opening_bank: String,
    pub account: BankAccount,
    pub amount_fen: i64,
    pub memo: String,
}

#[cfg(feature = "ssr")]
#[derive(Debug, thiserror::Error)]
#[error("transfer not sent: {0}")]
pub struct TransferError(pub String);

/// Who moves the 0.01 yuan: a bank's corporate API, or the local simulation.
#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait BankVerifier: Send + Sync {
    /// Sends the deposit; returns the bank's reference for it.
    async fn send(&self, deposit: &MicroDeposit) -> Result<String, TransferError>;
}

/// A line of the local provider's simulated bank statement, shown at `/dev/outbox`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementLine {
    pub account_name: String,
    pub opening_bank: String,
    pub account_masked: String,
    pub amount_fen: i64,
    pub memo: String,
    /// RFC 3339, UTC.
    pub at: String,
}

/// Read access to the simulated statements; exists only while the local bank is active.
#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait Statements: Send + Sync {
    async fn recent(&self, limit: u32) -> Result<Vec<StatementLine>, TransferError>;
}

/// Every method acts only on orders `owner` submitted.
#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait BankCheckService: Send + Sync {
    /// The current transfer; `None` while the order has none (not approved yet, or paid by
    /// bank transfer).
    async fn view(
        &self,
        owner: UserId,
        number: &str,
    ) -> Result<Option<BankCheckView>, BankCheckError>;

    /// Checks the code; on success the order moves on to 金融认证成功.
    async fn enter_code(
        &self,
        owner: UserId,
        number: &str,
        code: &str,
    ) -> Result<CodeOutcome, BankCheckError>;

    /// A new transfer with a new code, to a corrected account when `correction` (opening bank,
    /// account number) is given; the earlier code stops working.
    async fn resend(
        &self,
        owner: UserId,
        number: &str,
        correction: Option<(String, String)>,
    ) -> Result<BankCheckView, BankCheckError>;
}
