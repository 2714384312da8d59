//! Trades in the `payments` table, and what a verified paid notice does to them and the order.
//!
//! The amount is always the server's quote for the application at the moment the trade is
//! opened, recomputed from the catalog, never the browser's figure.
//!
//! A notice is handled so that retries (providers repeat one for hours) and near-simultaneous
//! duplicates change things once: the trade moves to `paid` by a guarded
//! `UPDATE … WHERE state IN ('created', 'closed')` inside one `BEGIN IMMEDIATE` transaction,
//! then the order moves by `PaidOnline` through the order service, whose own guard on the
//! status lets exactly one of two racing notices record the event. A notice for a trade
//! already paid is answered as success and, should the server have stopped between the two
//! steps, repairs the order.
//!
//! A notice for a *closed* trade is still recorded: the payer may have scanned the old code
//! just before it was replaced, and the money did arrive. If the order is still waiting it
//! becomes paid by that trade; if it was already paid another way, the second payment is kept
//! as `paid` and logged as an error for the CA to refund by hand.

use std::sync::Arc;

use app::domain::order::{Event, PaymentMethod, Status};
use app::domain::quote;
use app::services::StoreError;
use app::services::applications::ApplicationStore;
use app::services::login::UserId;
use app::services::orders::{Change, OrderError, OrderService, Who};
use app::services::payment::{
    GatewayError, OpenTrade, PaidNotice, PaymentError, PaymentGateway, PaymentService,
    PrecreateRequest,
};
use app::state::Catalog;
use axum::http::HeaderMap;
use rand::Rng;
use sqlx::SqlitePool;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::clock::{Clock, timestamp};
use crate::consents::backend;

/// How long a QR code can be paid. The page asks for a new one shortly before.
pub const TRADE_MINUTES: i64 = 15;
/// An open trade with less time left than this is not handed out again.
const REUSE_MIN_SECS: i64 = 60;

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

/// What a recorded notice did.
#[derive(Debug, PartialEq, Eq)]
pub enum NotifyOutcome {
    /// The trade became paid now.
    Recorded,
    /// A repeated notice for a trade already paid.
    AlreadyPaid,
}

pub struct SqlPaymentService {
    pool: SqlitePool,
    applications: Arc<dyn ApplicationStore>,
    orders: Arc<dyn OrderService>,
    catalog: Arc<Catalog>,
    gateway: Arc<dyn PaymentGateway>,
    clock: Arc<dyn Clock>,
}

type TradeRow = (String, String, i64, String, String);

impl SqlPaymentService {
    pub fn new(
        pool: SqlitePool,
        applications: Arc<dyn ApplicationStore>,
        orders: Arc<dyn OrderService>,
        catalog: Arc<Catalog>,
        gateway: Arc<dyn PaymentGateway>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            pool,
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

    fn open_trade_of(&self, row: TradeRow) -> Option<OpenTrade> {
        let (out_trade_no, method, amount_fen, code_url, expires_at) = row;
        let left = OffsetDateTime::parse(&expires_at, &Rfc3339).ok()? - self.clock.now();
        Some(OpenTrade {
            out_trade_no,
            method: PaymentMethod::from_code(&method)?,
            amount_fen,
            code_url,
            expires_at,
            expires_in_secs: u32::try_from(left.whole_seconds()).unwrap_or(0),
        })
    }

    /// The open trades of application `id`, newest first.
    async fn open_trades(&self, id: i64) -> Result<Vec<OpenTrade>, StoreError> {
        let rows: Vec<TradeRow> = sqlx::query_as(
            "SELECT out_trade_no, method, amount_fen, code_url, expires_at FROM payments
             WHERE application_id = ? AND state = 'created' ORDER BY id DESC",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        Ok(rows
            .into_iter()
            .filter_map(|r| self.open_trade_of(r))
            .collect())
    }

    /// Closes a trade at the provider, then here. A provider that cannot close it (already
    /// paid there) leaves it open here too, so its notice still counts in full.
    async fn close(&self, out_trade_no: &str) -> Result<(), PaymentError> {
        if let Err(error) = self.gateway.close(out_trade_no).await {
            tracing::warn!(%error, out_trade_no, "closing a payment trade failed");
            return Ok(());
        }
        sqlx::query(
            "UPDATE payments SET state = 'closed', closed_at = ?
             WHERE out_trade_no = ? AND state = 'created'",
        )
        .bind(timestamp(self.clock.now()))
        .bind(out_trade_no)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    /// Checks a provider's notice and records it; see the module documentation.
    pub async fn notify(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<NotifyOutcome, NotifyRefusal> {
        let notice = self.gateway.verify_notify(headers, body)?;
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(backend)?;
        let row: Option<(i64, String, i64, String, Option<String>, String)> = sqlx::query_as(
            "SELECT p.id, p.method, p.amount_fen, p.state, p.transaction_id, a.number
             FROM payments p JOIN applications a ON a.id = p.application_id
             WHERE p.out_trade_no = ? AND p.provider = ?",
        )
        .bind(&notice.out_trade_no)
        .bind(self.gateway.provider())
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend)?;
        let Some((id, method, expected, state, transaction_id, number)) = row else {
            return Err(NotifyRefusal::UnknownTrade(notice.out_trade_no));
        };
        if notice.amount_fen != expected {
            return Err(NotifyRefusal::Amount {
                out_trade_no: notice.out_trade_no,
                expected,
                notified: notice.amount_fen,
            });
        }
        let outcome = if state == "paid" {
            if transaction_id.as_deref() != Some(notice.transaction_id.as_str()) {
                return Err(NotifyRefusal::Conflict(notice.out_trade_no));
            }
            NotifyOutcome::AlreadyPaid
        } else {
            let updated = sqlx::query(
                "UPDATE payments SET state = 'paid', transaction_id = ?, paid_at = ?
                 WHERE id = ? AND state IN ('created', 'closed')",
            )
            .bind(&notice.transaction_id)
            .bind(&notice.paid_at)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            if updated.rows_affected() != 1 {
                return Err(
                    StoreError::Backend("payment changed under a write lock".into()).into(),
                );
            }
            if state == "closed" {
                tracing::warn!(
                    number,
                    out_trade_no = notice.out_trade_no,
                    "closed trade was paid"
                );
            }
            NotifyOutcome::Recorded
        };
        tx.commit().await.map_err(backend)?;
        let method = PaymentMethod::from_code(&method)
            .ok_or_else(|| StoreError::Backend(format!("payment {id}: method {method}")))?;
        self.settle_order(&number, method, &notice, outcome == NotifyOutcome::Recorded)
            .await?;
        Ok(outcome)
    }

    /// Moves the order to paid by this trade, if it still waits for payment.
    async fn settle_order(
        &self,
        number: &str,
        method: PaymentMethod,
        notice: &PaidNotice,
        new: bool,
    ) -> Result<(), StoreError> {
        let mut change = Change::new(Event::PaidOnline, Who::System);
        change.payment_method = Some(method);
        change.note = Some(format!(
            "{} 交易单号 {}",
            method.label(),
            notice.transaction_id
        ));
        match self.orders.apply(number, change).await {
            Ok(_) => Ok(()),
            // Another notice (or another way of paying) got there first.
            Err(OrderError::Transition(_)) => {
                if new {
                    tracing::error!(
                        number,
                        out_trade_no = notice.out_trade_no,
                        "money arrived for an order that no longer waits for it: refund by hand"
                    );
                }
                Ok(())
            }
            Err(OrderError::Store(error)) => Err(error),
            Err(other) => Err(StoreError::Backend(other.to_string())),
        }
    }

    /// The application's row id, stored total and project, if `user` submitted it.
    async fn owned(&self, user: UserId, number: &str) -> Result<Option<i64>, StoreError> {
        sqlx::query_scalar("SELECT id FROM applications WHERE number = ? AND user_id = ?")
            .bind(number)
            .bind(user.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)
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
impl PaymentService for SqlPaymentService {
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
            .owned(user, number)
            .await?
            .ok_or(PaymentError::NotFound)?;
        let project = self
            .catalog
            .project(&submitted.project_id)
            .ok_or_else(|| StoreError::Backend(format!("{number}: project not in catalog")))?;
        let amount_fen = quote::quote(project, &submitted.application.selection)
            .map_err(|e| StoreError::Backend(format!("{number}: quote: {e}")))?
            .total
            .0;
        let open = self.open_trades(id).await?;
        if !fresh
            && let Some(trade) = open.first().filter(|t| {
                t.method == method
                    && t.amount_fen == amount_fen
                    && i64::from(t.expires_in_secs) > REUSE_MIN_SECS
            })
        {
            return Ok(trade.clone());
        }
        for trade in &open {
            self.close(&trade.out_trade_no).await?;
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
        sqlx::query(
            "INSERT INTO payments (out_trade_no, application_id, provider, method, amount_fen,
                                   state, code_url, expires_at, created_at)
             VALUES (?, ?, ?, ?, ?, 'created', ?, ?, ?)",
        )
        .bind(&request.out_trade_no)
        .bind(id)
        .bind(self.gateway.provider())
        .bind(method.code())
        .bind(amount_fen)
        .bind(&code_url)
        .bind(timestamp(expires_at))
        .bind(timestamp(now))
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(OpenTrade {
            out_trade_no: request.out_trade_no,
            method,
            amount_fen,
            code_url,
            expires_at: timestamp(expires_at),
            expires_in_secs: u32::try_from(TRADE_MINUTES * 60).unwrap_or(0),
        })
    }

    async fn current(&self, user: UserId, number: &str) -> Result<Option<OpenTrade>, StoreError> {
        let Some(id) = self.owned(user, number).await? else {
            return Ok(None);
        };
        Ok(self
            .open_trades(id)
            .await?
            .into_iter()
            .find(|t| t.expires_in_secs > 0))
    }
}
