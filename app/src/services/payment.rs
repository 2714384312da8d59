//! Online payment (微信支付 / 支付宝). The provider sits behind [`PaymentGateway`], shaped after
//! WeChat Pay v3 Native and Alipay precreate: open a trade and get a `code_url` for the QR code,
//! query or close it, and check the signature of the provider's paid notice. The server keeps
//! one row per trade and turns a verified notice into the order's `PaidOnline` event
//! ([`PaymentService`] for the pages; the notify route is the server's own).

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::StoreError;
#[cfg(feature = "ssr")]
use super::login::UserId;
use crate::domain::order::PaymentMethod;
#[cfg(feature = "ssr")]
use crate::domain::order::Status;

/// A trade waiting to be paid, as the pay page draws it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenTrade {
    pub out_trade_no: String,
    pub method: PaymentMethod,
    /// What the provider will charge: the quote when the trade was opened.
    pub amount_fen: i64,
    /// What the QR code encodes.
    pub code_url: String,
    /// RFC 3339, UTC.
    pub expires_at: String,
    /// Seconds left when this was read, for the page's countdown.
    pub expires_in_secs: u32,
}

/// What a provider needs to open a trade.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug)]
pub struct PrecreateRequest {
    pub out_trade_no: String,
    pub method: PaymentMethod,
    pub amount_fen: i64,
    /// The line on the payer's bill (商品描述).
    pub description: String,
    pub expires_at: time::OffsetDateTime,
}

/// A paid notice (or query answer) whose signature checked out.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaidNotice {
    pub out_trade_no: String,
    /// The provider's own number for the payment.
    pub transaction_id: String,
    pub amount_fen: i64,
    /// RFC 3339.
    pub paid_at: String,
}

/// Where a trade stands at the provider.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TradeState {
    NotPaid,
    Paid(PaidNotice),
    Closed,
}

#[cfg(feature = "ssr")]
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// The notice's signature, timestamp or signer did not check out.
    #[error("payment notice signature refused: {0}")]
    Signature(String),
    #[error("payment notice malformed: {0}")]
    Malformed(String),
    #[error("payment provider failed: {0}")]
    Provider(String),
}

/// One payment provider (the local sandbox, WeChat Pay, Alipay).
#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait PaymentGateway: Send + Sync {
    /// Stored with each trade and part of the notify path (`/payment/notify/<provider>`).
    fn provider(&self) -> &'static str;

    /// Opens a trade; returns the `code_url` the QR code shows.
    async fn precreate(&self, request: &PrecreateRequest) -> Result<String, GatewayError>;

    async fn query(&self, out_trade_no: &str) -> Result<TradeState, GatewayError>;

    /// Closes a trade so it can no longer be paid.
    async fn close(&self, out_trade_no: &str) -> Result<(), GatewayError>;

    /// Checks a notice's signature and reads it. Only a successful payment comes back `Ok`.
    fn verify_notify(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<PaidNotice, GatewayError>;

    /// The answer the provider expects once a notice is recorded (content type, body);
    /// anything else makes it deliver the notice again later.
    fn success_reply(&self) -> (&'static str, String);
}

#[cfg(feature = "ssr")]
#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    #[error("没有找到这份申请")]
    NotFound,
    #[error("当前状态为“{}”，不能支付", .0.label())]
    NotNow(Status),
    #[error("支付服务暂时不可用，请稍后重试或改用对公转账")]
    Gateway(#[from] GatewayError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The payments of the applicant's own orders: another user's number reads as absent.
#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait PaymentService: Send + Sync {
    /// A trade for `method` at the current quote. Reuses the open one when it is for the same
    /// method and amount and has time left, unless `fresh`; otherwise closes every open trade
    /// of the order first, so only one QR code can be paid.
    async fn open_trade(
        &self,
        user: UserId,
        number: &str,
        method: PaymentMethod,
        fresh: bool,
    ) -> Result<OpenTrade, PaymentError>;

    /// The order's newest open trade that has not expired.
    async fn current(&self, user: UserId, number: &str) -> Result<Option<OpenTrade>, StoreError>;
}
