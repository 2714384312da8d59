//! The local payment provider: a sandbox cashier on this server instead of WeChat Pay or
//! Alipay, so the whole path (QR code, paying, the signed notice, its check) runs on one
//! machine and nothing is charged.
//!
//! The trade's `code_url` is `<PUBLIC_URL>/sandbox/cashier/<out_trade_no>` (see `cashier`).
//! Like a real provider the sandbox keeps its own records of the trades (`sandbox_trades`):
//! the cashier pays there before it sends the notice, a query answers from there, and a trade
//! paid there can no longer be closed. A lost notice is therefore found by asking.
//! Its notices are signed like WeChat Pay v3's: `Wechatpay-Timestamp`, `Wechatpay-Nonce` and
//! `Wechatpay-Signature` = base64(HMAC-SHA256(timestamp \n nonce \n body \n)), with a key
//! derived from the server's secret instead of the platform certificate. The body is the
//! plain JSON a v3 notice carries inside its encrypted `resource`.

use std::sync::Arc;

use app::services::payment::{
    GatewayError, PaidNotice, PaymentGateway, PrecreateRequest, TradeState,
};
use axum::http::{HeaderMap, HeaderValue};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::clock::Clock;
use crate::crypto::{self, Keys};
use crate::store::sandbox::{SandboxRepo, SandboxTrade};
use crate::store::time::{to_db, to_text};

pub const PROVIDER: &str = "local";
pub const TIMESTAMP: &str = "wechatpay-timestamp";
pub const NONCE: &str = "wechatpay-nonce";
pub const SIGNATURE: &str = "wechatpay-signature";
pub const SERIAL: &str = "wechatpay-serial";
/// The "certificate serial" the sandbox signs under.
const SANDBOX_SERIAL: &str = "LOCAL-SANDBOX";
/// A notice signed longer ago than this (or this far ahead) is refused as a replay.
const MAX_SKEW_SECS: i64 = 300;

/// The notice body: the fields of WeChat Pay v3's decrypted transaction resource we use.
#[derive(Debug, Serialize, Deserialize)]
pub struct NoticeBody {
    pub event_type: String,
    pub out_trade_no: String,
    pub transaction_id: String,
    pub trade_state: String,
    pub amount: NoticeAmount,
    /// RFC 3339.
    pub success_time: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct NoticeAmount {
    /// Fen.
    pub total: i64,
    pub currency: String,
}

pub struct SandboxGateway {
    public_url: String,
    trades: Arc<dyn SandboxRepo>,
    keys: Arc<Keys>,
    clock: Arc<dyn Clock>,
}

impl SandboxGateway {
    pub fn new(
        public_url: &str,
        trades: Arc<dyn SandboxRepo>,
        keys: Arc<Keys>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            public_url: public_url.trim_end_matches('/').to_owned(),
            trades,
            keys,
            clock,
        }
    }

    /// The headers of a notice for `body`, as the provider would send them.
    pub fn sign(&self, body: &[u8]) -> HeaderMap {
        let timestamp = self.clock.now().unix_timestamp().to_string();
        let nonce: String = rand::rng()
            .sample_iter(rand::distr::Alphanumeric)
            .take(32)
            .map(char::from)
            .collect();
        let signature = STANDARD.encode(self.mac(&timestamp, &nonce, body));
        let mut headers = HeaderMap::new();
        for (name, value) in [
            (TIMESTAMP, timestamp),
            (NONCE, nonce),
            (SIGNATURE, signature),
            (SERIAL, SANDBOX_SERIAL.to_owned()),
        ] {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(name, value);
            }
        }
        headers
    }

    fn mac(&self, timestamp: &str, nonce: &str, body: &[u8]) -> [u8; 32] {
        let mut message = Vec::with_capacity(body.len() + 64);
        for part in [timestamp.as_bytes(), nonce.as_bytes(), body] {
            message.extend_from_slice(part);
            message.push(b'\n');
        }
        self.keys.sandbox_payment_mac(&message)
    }
}

fn provider_error(error: crate::store::StoreError) -> GatewayError {
    GatewayError::Provider(error.to_string())
}

impl SandboxGateway {
    /// The payer confirms at the cashier: the trade is paid in the sandbox's records, and the
    /// signed notice to send is returned (headers, body). `None` when the trade cannot be paid
    /// (unknown, already paid, closed or expired).
    pub async fn pay(
        &self,
        out_trade_no: &str,
    ) -> Result<Option<(HeaderMap, Vec<u8>)>, GatewayError> {
        let transaction_id: String = std::iter::once("4200".to_owned())
            .chain((0..24).map(|_| rand::rng().random_range(0..10).to_string()))
            .collect();
        let now_at = self.clock.now();
        let now = to_db(now_at);
        let amount = self
            .trades
            .sandbox_pay(out_trade_no, &transaction_id, now)
            .await
            .map_err(provider_error)?;
        let Some(total) = amount else {
            return Ok(None);
        };
        let body = NoticeBody {
            event_type: "TRANSACTION.SUCCESS".into(),
            out_trade_no: out_trade_no.to_owned(),
            transaction_id,
            trade_state: "SUCCESS".into(),
            amount: NoticeAmount {
                total,
                currency: "CNY".into(),
            },
            success_time: crate::clock::timestamp(now_at),
        };
        let body = serde_json::to_vec(&body).map_err(|e| GatewayError::Malformed(e.to_string()))?;
        Ok(Some((self.sign(&body), body)))
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Result<&'a str, GatewayError> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| GatewayError::Signature(format!("no {name} header")))
}

#[async_trait::async_trait]
impl PaymentGateway for SandboxGateway {
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    async fn precreate(&self, request: &PrecreateRequest) -> Result<String, GatewayError> {
        self.trades
            .sandbox_open(
                &request.out_trade_no,
                request.amount_fen,
                to_db(request.expires_at),
            )
            .await
            .map_err(provider_error)?;
        Ok(format!(
            "{}/sandbox/cashier/{}",
            self.public_url, request.out_trade_no
        ))
    }

    async fn query(&self, out_trade_no: &str) -> Result<TradeState, GatewayError> {
        let trade = self
            .trades
            .sandbox_trade(out_trade_no)
            .await
            .map_err(provider_error)?;
        match trade {
            Some(SandboxTrade {
                state,
                amount_fen,
                transaction_id: Some(transaction_id),
                paid_at: Some(paid_at),
            }) if state == "paid" => Ok(TradeState::Paid(PaidNotice {
                out_trade_no: out_trade_no.to_owned(),
                transaction_id,
                amount_fen,
                paid_at: to_text(paid_at),
            })),
            Some(trade) if trade.state == "closed" => Ok(TradeState::Closed),
            Some(_) => Ok(TradeState::NotPaid),
            None => Err(GatewayError::Provider(format!(
                "sandbox has no trade {out_trade_no}"
            ))),
        }
    }

    /// Refused for a trade already paid, as WeChat Pay's `ORDER_PAID`.
    async fn close(&self, out_trade_no: &str) -> Result<(), GatewayError> {
        let state = self
            .trades
            .sandbox_close(out_trade_no)
            .await
            .map_err(provider_error)?;
        match state.as_deref() {
            Some("closed") => Ok(()),
            Some(_) => Err(GatewayError::Provider(format!(
                "sandbox trade {out_trade_no} is already paid"
            ))),
            None => Err(GatewayError::Provider(format!(
                "sandbox has no trade {out_trade_no}"
            ))),
        }
    }

    fn verify_notify(&self, headers: &HeaderMap, body: &[u8]) -> Result<PaidNotice, GatewayError> {
        let timestamp = header(headers, TIMESTAMP)?;
        let nonce = header(headers, NONCE)?;
        let given = STANDARD
            .decode(header(headers, SIGNATURE)?)
            .map_err(|_| GatewayError::Signature("signature is not base64".into()))?;
        if header(headers, SERIAL)? != SANDBOX_SERIAL {
            return Err(GatewayError::Signature("unknown signer serial".into()));
        }
        if !crypto::same(&given, &self.mac(timestamp, nonce, body)) {
            return Err(GatewayError::Signature("signature does not match".into()));
        }
        let signed_at: i64 = timestamp
            .parse()
            .map_err(|_| GatewayError::Signature("timestamp is not a number".into()))?;
        if (self.clock.now().unix_timestamp() - signed_at).abs() > MAX_SKEW_SECS {
            return Err(GatewayError::Signature("timestamp too old or ahead".into()));
        }
        let notice: NoticeBody =
            serde_json::from_slice(body).map_err(|e| GatewayError::Malformed(e.to_string()))?;
        if notice.event_type != "TRANSACTION.SUCCESS" || notice.trade_state != "SUCCESS" {
            return Err(GatewayError::Malformed(format!(
                "not a successful payment: {} {}",
                notice.event_type, notice.trade_state
            )));
        }
        if notice.amount.currency != "CNY" {
            return Err(GatewayError::Malformed("currency is not CNY".into()));
        }
        Ok(PaidNotice {
            out_trade_no: notice.out_trade_no,
            transaction_id: notice.transaction_id,
            amount_fen: notice.amount.total,
            paid_at: notice.success_time,
        })
    }

    /// WeChat Pay v3 takes a 2xx with this body as "received".
    fn success_reply(&self) -> (&'static str, String) {
        (
            "application/json",
            r#"{"code":"SUCCESS","message":"成功"}"#.to_owned(),
        )
    }
}
