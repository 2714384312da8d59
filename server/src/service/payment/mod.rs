//! Trades in the `payments` table, and what a verified paid notice does to them and the order.
//!
//! The amount is always the server's quote for the application at the moment the trade is
//! opened, recomputed from the catalog, never the browser's figure.
//!
//! A notice is handled so that retries (providers repeat one for hours) and near-simultaneous
//! duplicates change things once, and never halfway: in one writing transaction (the
//! repository's `record_paid`) the trade moves to `paid` by a guarded `UPDATE … WHERE state IN ('created', 'closed')` and the
//! order moves by `PaidOnline`, whose own guard on the status lets exactly one of two racing
//! notices record the event. Should either write fail, neither stands and the provider is told
//! to try again. A notice for a trade already paid is answered as success (and moves an order
//! still waiting, as a trade paid before this was one transaction may have left it).
//!
//! A notice that never arrives is made up for by the sweep in `reconcile`, which asks the
//! provider about trades left open and records what it answers the same way.
//!
//! A notice for a *closed* trade is still recorded: the payer may have scanned the old code
//! just before it was replaced, and the money did arrive. If the order is still waiting it
//! becomes paid by that trade; if it was already paid another way, the second payment is kept
//! as `paid` and logged as an error for the CA to refund by hand.

use std::sync::Arc;

use app::domain::order::{Event, PaymentMethod, Status};
use app::services::StoreError;
use app::services::applications::ApplicationStore;
use app::services::login::UserId;
use app::services::payment::{
    GatewayError, OpenTrade, PaidNotice, PaymentError, PaymentGateway, PaymentService,
    PrecreateRequest,
};
use app::state::Catalog;
use axum::http::HeaderMap;
use rand::Rng;

use self::reconcile::Settled;
use crate::clock::Clock;
use crate::service::orders::{Applied, Orders};
use crate::store::payments::{NewTrade, Notice, Noticed, OpenTradeRow, PaymentRepo};
use crate::store::time::{from_db, from_text, to_db, to_text};

pub mod reconcile;

/// How long a QR code can be paid. The page asks for a new one shortly before.
pub const TRADE_MINUTES: i64 = 15;
/// An open trade with less time left than this is not handed out again.
const REUSE_MIN_SECS: i64 = 60;
/// How often a request for a code starts over when other requests for the same order keep
/// opening trades meanwhile.
const OPEN_ATTEMPTS: usize = 3;

/// Why a notice was not recorded. The provider gets an error status and tries again later,
/// except that a forged or wrong notice never becomes valid.
#[derive(Debug, thiserror::Error)]
pub enum NotifyRefusal {
    #[error(transparent)]
    Gateway(#[from] GatewayError),
    #[error("no trade {0}")]
    UnknownTrade(String),
    #[error("trade {out_trade_no}: notice says {notified} fen, trade is for {expected} fen")]
    Amount {
        out_trade_no: String,
        expected: i64,
        notified: i64,
    },
    #[error("trade {0} was already paid under another transaction id")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<crate::store::StoreError> for NotifyRefusal {
    fn from(error: crate::store::StoreError) -> Self {
        Self::Store(error.into())
    }
}

/// What a recorded notice did.
#[derive(Debug, PartialEq, Eq)]
pub enum NotifyOutcome {
    /// The trade became paid now.
    Recorded,
    /// A repeated notice for a trade already paid.
    AlreadyPaid,
}

pub struct OnlinePayments {
    repo: Arc<dyn PaymentRepo>,
    applications: Arc<dyn ApplicationStore>,
    /// Announces the order's move a paid notice made (log, SMS).
    orders: Arc<Orders>,
    catalog: Arc<Catalog>,
    gateway: Arc<dyn PaymentGateway>,
    clock: Arc<dyn Clock>,
}

impl OnlinePayments {
    pub fn new(
        repo: Arc<dyn PaymentRepo>,
        applications: Arc<dyn ApplicationStore>,
        orders: Arc<Orders>,
        catalog: Arc<Catalog>,
        gateway: Arc<dyn PaymentGateway>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            repo,
            applications,
            orders,
            catalog,
            gateway,
            clock,
        }
    }

    pub fn gateway(&self) -> &Arc<dyn PaymentGateway> {
        &self.gateway
    }

    fn open_trade_of(&self, row: OpenTradeRow) -> Option<OpenTrade> {
        let left = from_db(row.expires_at) - self.clock.now();
        Some(OpenTrade {
            out_trade_no: row.out_trade_no,
            method: PaymentMethod::from_code(&row.method)?,
            amount_fen: row.amount_fen,
            code_url: row.code_url,
            expires_at: to_text(row.expires_at),
            expires_in_secs: u32::try_from(left.whole_seconds()).unwrap_or(0),
        })
    }

    /// The open trades of application `id`, newest first.
    async fn open_trades(&self, id: i64) -> Result<Vec<OpenTrade>, StoreError> {
        Ok(self
            .repo
            .open_trades(id)
            .await?
            .into_iter()
            .filter_map(|r| self.open_trade_of(r))
            .collect())
    }

    /// Checks a provider's notice and records it; see the module documentation.
    pub async fn notify(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<NotifyOutcome, NotifyRefusal> {
        let notice = self.gateway.verify_notify(headers, body)?;
        self.record_paid(&notice).await
    }

    /// Records a payment the provider vouched for (by a signed notice or a query answer):
    /// the trade and the order in one transaction, then announces the order's move.
    async fn record_paid(&self, notice: &PaidNotice) -> Result<NotifyOutcome, NotifyRefusal> {
        let out_trade_no = notice.out_trade_no.clone();
        let recorded = self
            .repo
            .record_paid(&Notice {
                provider: self.gateway.provider().to_owned(),
                out_trade_no: out_trade_no.clone(),
                transaction_id: notice.transaction_id.clone(),
                amount_fen: notice.amount_fen,
                paid_at: from_text(&notice.paid_at),
                at: to_db(self.clock.now()),
            })
            .await?;
        let paid = match recorded {
            Noticed::Paid(paid) => paid,
            Noticed::UnknownTrade => return Err(NotifyRefusal::UnknownTrade(out_trade_no)),
            Noticed::Conflict => return Err(NotifyRefusal::Conflict(out_trade_no)),
            Noticed::Amount { expected } => {
                return Err(NotifyRefusal::Amount {
                    out_trade_no,
                    expected,
                    notified: notice.amount_fen,
                });
            }
        };
        let number = paid.number.as_str();
        if paid.new && paid.was_closed {
            tracing::warn!(number, out_trade_no, "closed trade was paid");
        }
        match paid.moved_to {
            Some(to) => {
                let moved = Applied::new(number, Event::PaidOnline, to, Some(paid.note.clone()));
                self.orders.announce(moved).await;
            }
            // Another notice (or another way of paying) got there first.
            None if paid.new => tracing::error!(
                number,
                out_trade_no,
                "money arrived for an order that no longer waits for it: refund by hand"
            ),
            None => {}
        }
        Ok(if paid.new {
            NotifyOutcome::Recorded
        } else {
            NotifyOutcome::AlreadyPaid
        })
    }
}

/// A new merchant order number: the application number and six random characters, within
/// WeChat's 32-character limit and its charset.
fn new_out_trade_no(number: &str) -> String {
    let tail: String = rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(6)
        .map(char::from)
        .collect();
    format!("{number}P{tail}")
}

#[async_trait::async_trait]
impl PaymentService for OnlinePayments {
    async fn open_trade(
        &self,
        user: UserId,
        number: &str,
        method: PaymentMethod,
        fresh: bool,
    ) -> Result<OpenTrade, PaymentError> {
        if !method.is_online() {
            return Err(PaymentError::NotFound);
        }
        let submitted = self
            .applications
            .submitted(user, number)
            .await?
            .ok_or(PaymentError::NotFound)?;
        if submitted.status != Status::AwaitingPayment {
            return Err(PaymentError::NotNow(submitted.status));
        }
        let id = self
            .repo
            .application_of(user.0, number)
            .await
            .map_err(StoreError::from)?
            .ok_or(PaymentError::NotFound)?;
        let project = self
            .catalog
            .project(&submitted.project_id)
            .ok_or_else(|| StoreError::Backend(format!("{number}: project not in catalog")))?;
        let amount_fen = submitted
            .price(project)
            .map_err(|e| StoreError::Backend(format!("{number}: quote: {e}")))?
            .total
            .0;
        let wanted = |t: &OpenTrade| {
            t.method == method
                && t.amount_fen == amount_fen
                && i64::from(t.expires_in_secs) > REUSE_MIN_SECS
        };
        let mut fresh = fresh;
        for _ in 0..OPEN_ATTEMPTS {
            let open = self.open_trades(id).await?;
            if !fresh && let Some(trade) = open.first().filter(|t| wanted(t)) {
                return Ok(trade.clone());
            }
            // Only one code can be paid: the open ones are closed before another is made.
            for trade in &open {
                if self.close(&trade.out_trade_no).await? == Settled::Paid {
                    let status = self
                        .applications
                        .submitted(user, number)
                        .await?
                        .map_or(Status::AwaitingReview, |s| s.status);
                    return Err(PaymentError::NotNow(status));
                }
            }
            let now = self.clock.now();
            let expires_at = now + time::Duration::minutes(TRADE_MINUTES);
            let request = PrecreateRequest {
                out_trade_no: new_out_trade_no(number),
                method,
                amount_fen,
                description: format!("{} 数字证书 {number}", project.ca.short_name),
                expires_at,
            };
            let code_url = self.gateway.precreate(&request).await?;
            let trade = NewTrade {
                out_trade_no: request.out_trade_no.clone(),
                application_id: id,
                provider: self.gateway.provider().to_owned(),
                method,
                amount_fen,
                code_url: code_url.clone(),
                expires_at: to_db(expires_at),
                created_at: to_db(now),
            };
            if self.repo.open(&trade).await.map_err(StoreError::from)? {
                return Ok(OpenTrade {
                    out_trade_no: request.out_trade_no,
                    method,
                    amount_fen,
                    code_url,
                    expires_at: crate::clock::timestamp(expires_at),
                    expires_in_secs: u32::try_from(TRADE_MINUTES * 60).unwrap_or(0),
                });
            }
            // Another request for this order opened a trade meanwhile. Its code is as new as
            // this one, so it stands if it is for the same method and amount (even when this
            // request asked for a fresh one); this trade goes.
            if let Err(error) = self.gateway.close(&request.out_trade_no).await {
                tracing::warn!(%error, "closing an unused payment trade failed");
            }
            fresh = false;
        }
        Err(StoreError::Backend(format!("{number}: payment trades kept changing")).into())
    }

    async fn current(&self, user: UserId, number: &str) -> Result<Option<OpenTrade>, StoreError> {
        let Some(id) = self.repo.application_of(user.0, number).await? else {
            return Ok(None);
        };
        Ok(self
            .open_trades(id)
            .await?
            .into_iter()
            .find(|t| t.expires_in_secs > 0))
    }
}
