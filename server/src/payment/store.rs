//! Trades in the `payments` table, and what a verified paid notice does to them and the order.
//!
//! The amount is always the server's quote for the application at the moment the trade is
//! opened, recomputed from the catalog, never the browser's figure.
//!
//! A notice is handled so that retries (providers repeat one for hours) and near-simultaneous
//! duplicates change things once, and never halfway: in one `BEGIN IMMEDIATE` transaction the
//! trade moves to `paid` by a guarded `UPDATE … WHERE state IN ('created', 'closed')` and the
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
use app::domain::quote;
use app::services::StoreError;
use app::services::applications::ApplicationStore;
use app::services::login::UserId;
use app::services::orders::{Change, OrderError, Who};
use app::services::payment::{
    GatewayError, OpenTrade, PaidNotice, PaymentError, PaymentGateway, PaymentService,
    PrecreateRequest,
};
use app::state::Catalog;
use axum::http::HeaderMap;
use rand::Rng;
use sqlx::SqlitePool;
use time::OffsetDateTime;

use super::reconcile::Settled;
use crate::clock::Clock;
use crate::service::orders::{Applied, Orders};
use crate::store::backend;
use crate::store::orders;
use crate::store::time::{to_db, to_text};

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

/// What a recorded notice did.
#[derive(Debug, PartialEq, Eq)]
pub enum NotifyOutcome {
    /// The trade became paid now.
    Recorded,
    /// A repeated notice for a trade already paid.
    AlreadyPaid,
}

pub struct SqlPaymentService {
    /// A paid notice's transaction, which moves the order too (`store::orders::move_in`).
    db: crate::store::Db,
    pub(super) pool: SqlitePool,
    applications: Arc<dyn ApplicationStore>,
    orders: Arc<Orders>,
    catalog: Arc<Catalog>,
    gateway: Arc<dyn PaymentGateway>,
    pub(super) clock: Arc<dyn Clock>,
}

type TradeRow = (String, String, i64, String, i64);

impl SqlPaymentService {
    pub fn new(
        db: crate::store::Db,
        pool: SqlitePool,
        applications: Arc<dyn ApplicationStore>,
        orders: Arc<Orders>,
        catalog: Arc<Catalog>,
        gateway: Arc<dyn PaymentGateway>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            db,
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
        let left = crate::store::time::from_db(expires_at) - self.clock.now();
        Some(OpenTrade {
            out_trade_no,
            method: PaymentMethod::from_code(&method)?,
            amount_fen,
            code_url,
            expires_at: to_text(expires_at),
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
    /// the trade and the order in one transaction.
    pub(super) async fn record_paid(
        &self,
        notice: &PaidNotice,
    ) -> Result<NotifyOutcome, NotifyRefusal> {
        let mut tx = self.db.begin_write().await.map_err(StoreError::from)?;
        let row: Option<(i64, String, i64, String, Option<String>, String)> = sqlx::query_as(
            "SELECT p.id, p.method, p.amount_fen, p.state, p.transaction_id, a.number
             FROM payments p JOIN applications a ON a.id = p.application_id
             WHERE p.out_trade_no = $1 AND p.provider = $2",
        )
        .bind(&notice.out_trade_no)
        .bind(self.gateway.provider())
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend)?;
        let Some((id, method, expected, state, transaction_id, number)) = row else {
            return Err(NotifyRefusal::UnknownTrade(notice.out_trade_no.clone()));
        };
        if notice.amount_fen != expected {
            return Err(NotifyRefusal::Amount {
                out_trade_no: notice.out_trade_no.clone(),
                expected,
                notified: notice.amount_fen,
            });
        }
        let outcome = if state == "paid" {
            if transaction_id.as_deref() != Some(notice.transaction_id.as_str()) {
                return Err(NotifyRefusal::Conflict(notice.out_trade_no.clone()));
            }
            NotifyOutcome::AlreadyPaid
        } else {
            let updated = sqlx::query(
                "UPDATE payments SET state = 'paid', transaction_id = $1, paid_at = $2
                 WHERE id = $3 AND state IN ('created', 'closed')",
            )
            .bind(&notice.transaction_id)
            .bind(crate::store::time::from_text(&notice.paid_at))
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
        let method = PaymentMethod::from_code(&method)
            .ok_or_else(|| StoreError::Backend(format!("payment {id}: method {method}")))?;
        let moved = self
            .settle_order(
                &mut tx,
                &number,
                method,
                notice,
                outcome == NotifyOutcome::Recorded,
            )
            .await?;
        tx.commit().await.map_err(backend)?;
        if let Some(moved) = moved {
            self.orders.announce(moved).await;
        }
        Ok(outcome)
    }

    /// Moves the order to paid by this trade inside `tx`, if it still waits for payment.
    async fn settle_order(
        &self,
        tx: &mut sqlx::AnyConnection,
        number: &str,
        method: PaymentMethod,
        notice: &PaidNotice,
        new: bool,
    ) -> Result<Option<Applied>, StoreError> {
        let mut change = Change::new(Event::PaidOnline, Who::System);
        change.payment_method = Some(method);
        change.note = Some(format!(
            "{} 交易单号 {}",
            method.label(),
            notice.transaction_id
        ));
        let moved = match self.orders.plan(number, &change).await {
            Ok(planned) => orders::move_in(tx, planned.id, &planned.change)
                .await?
                .then_some(planned.applied),
            // Another notice (or another way of paying) got there first.
            Err(OrderError::Transition(_)) => None,
            Err(OrderError::Store(error)) => return Err(error),
            Err(other) => return Err(StoreError::Backend(other.to_string())),
        };
        if moved.is_none() && new {
            tracing::error!(
                number,
                out_trade_no = notice.out_trade_no,
                "money arrived for an order that no longer waits for it: refund by hand"
            );
        }
        Ok(moved)
    }

    /// Records a trade just opened at the provider, unless the application has an open one
    /// already (another request's): one statement, so two cannot both find none. `false`
    /// when another was there.
    async fn insert_trade(
        &self,
        application_id: i64,
        request: &PrecreateRequest,
        code_url: &str,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let inserted = sqlx::query(
            "INSERT INTO payments (out_trade_no, application_id, provider, method, amount_fen,
                                   state, code_url, expires_at, created_at)
             SELECT ?1, ?2, ?3, ?4, ?5, 'created', ?6, ?7, ?8
             WHERE NOT EXISTS (SELECT 1 FROM payments
                               WHERE application_id = ?2 AND state = 'created')",
        )
        .bind(&request.out_trade_no)
        .bind(application_id)
        .bind(self.gateway.provider())
        .bind(request.method.code())
        .bind(request.amount_fen)
        .bind(code_url)
        .bind(to_db(request.expires_at))
        .bind(to_db(now))
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(inserted.rows_affected() == 1)
    }

    /// The application's row id, if `user` submitted it.
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
            if self.insert_trade(id, &request, &code_url, now).await? {
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
