//! Trades (`payments`): opened one at a time per order, closed, and paid by a provider's
//! notice together with the order's move, in one transaction.
//!
//! One open trade per order is the partial unique index `payments_one_open`; opening asks the
//! index (`ON CONFLICT … DO NOTHING`), so two requests at once cannot both open one. A notice
//! is recorded by a guarded `UPDATE … WHERE state IN ('created', 'closed')` and the order's
//! own guarded move in the same writing transaction: repeated or simultaneous notices (also
//! to different servers on one PostgreSQL database) make one payment and one order event.

use app::domain::business::Business;
use app::domain::order::{Actor, Event, Order, PaymentMethod, Status};
use sqlx::AnyConnection;

use super::orders::{EventRow, Move};
use super::{Db, StoreError};

/// An open trade as the pay page shows it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct OpenTradeRow {
    pub out_trade_no: String,
    pub method: String,
    pub amount_fen: i64,
    pub code_url: String,
    pub expires_at: i64,
}

/// The first payment of an application, as the console shows it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct PaidTradeRow {
    pub out_trade_no: String,
    pub transaction_id: Option<String>,
    pub amount_fen: i64,
    pub paid_at: Option<i64>,
}

/// A trade just created at the provider, to record.
#[derive(Clone, Debug)]
pub struct NewTrade {
    pub out_trade_no: String,
    pub application_id: i64,
    pub provider: String,
    pub method: PaymentMethod,
    pub amount_fen: i64,
    pub code_url: String,
    pub expires_at: i64,
    pub created_at: i64,
}

/// A paid notice the provider vouched for, with the time it is recorded.
#[derive(Clone, Debug)]
pub struct Notice {
    pub provider: String,
    pub out_trade_no: String,
    pub transaction_id: String,
    pub amount_fen: i64,
    pub paid_at: i64,
    pub at: i64,
}

/// What recording a notice did. The refusals wrote nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Noticed {
    UnknownTrade,
    Amount {
        expected: i64,
    },
    /// The trade was paid under another transaction id.
    Conflict,
    Paid(Paid),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paid {
    /// The trade became paid now (not a repeated notice).
    pub new: bool,
    /// It had been closed (a replaced code that was paid anyway).
    pub was_closed: bool,
    pub number: String,
    pub method: PaymentMethod,
    /// The order's new status, or `None` when it no longer waited for this payment.
    pub moved_to: Option<Status>,
    /// The note of the order event.
    pub note: String,
}

#[async_trait::async_trait]
pub trait PaymentRepo: Send + Sync {
    /// The row id of application `number`, if `user` submitted it.
    async fn application_of(&self, user: i64, number: &str) -> Result<Option<i64>, StoreError>;

    /// The open trades of an application, newest first.
    async fn open_trades(&self, application_id: i64) -> Result<Vec<OpenTradeRow>, StoreError>;

    /// Records a trade unless the application has an open one already; `false` then.
    async fn open(&self, trade: &NewTrade) -> Result<bool, StoreError>;

    /// Closes an open trade; `false` when it was not open.
    async fn close_trade(&self, out_trade_no: &str, at: i64) -> Result<bool, StoreError>;

    /// Records a paid notice: the trade and the order's move, both or neither.
    async fn record_paid(&self, notice: &Notice) -> Result<Noticed, StoreError>;

    /// Open trades of `provider` created at or before `created_before`, oldest first:
    /// (out_trade_no, expires_at).
    async fn due_for_reconcile(
        &self,
        provider: &str,
        created_before: i64,
        limit: i64,
    ) -> Result<Vec<(String, i64)>, StoreError>;

    /// The application's first paid trade (a later one is a double payment to refund).
    async fn paid_trade(&self, application_id: i64) -> Result<Option<PaidTradeRow>, StoreError>;
}

#[async_trait::async_trait]
impl PaymentRepo for Db {
    async fn application_of(&self, user: i64, number: &str) -> Result<Option<i64>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT id FROM applications WHERE number = $1 AND user_id = $2")
                .bind(number)
                .bind(user)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    async fn open_trades(&self, application_id: i64) -> Result<Vec<OpenTradeRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT out_trade_no, method, amount_fen, code_url, expires_at FROM payments
             WHERE application_id = $1 AND state = 'created' ORDER BY id DESC",
        )
        .bind(application_id)
        .fetch_all(self.pool())
        .await?)
    }

    async fn open(&self, trade: &NewTrade) -> Result<bool, StoreError> {
        let inserted = sqlx::query(
            "INSERT INTO payments (out_trade_no, application_id, provider, method, amount_fen,
                                   state, code_url, expires_at, created_at)
             VALUES ($1, $2, $3, $4, $5, 'created', $6, $7, $8)
             ON CONFLICT (application_id) WHERE state = 'created' DO NOTHING",
        )
        .bind(&trade.out_trade_no)
        .bind(trade.application_id)
        .bind(&trade.provider)
        .bind(trade.method.code())
        .bind(trade.amount_fen)
        .bind(&trade.code_url)
        .bind(trade.expires_at)
        .bind(trade.created_at)
        .execute(self.pool())
        .await?;
        Ok(inserted.rows_affected() == 1)
    }

    async fn close_trade(&self, out_trade_no: &str, at: i64) -> Result<bool, StoreError> {
        let closed = sqlx::query(
            "UPDATE payments SET state = 'closed', closed_at = $1
             WHERE out_trade_no = $2 AND state = 'created'",
        )
        .bind(at)
        .bind(out_trade_no)
        .execute(self.pool())
        .await?;
        Ok(closed.rows_affected() == 1)
    }

    async fn record_paid(&self, notice: &Notice) -> Result<Noticed, StoreError> {
        self.retry(|| async {
            let mut tx = self.begin_write().await?;
            let row: Option<(i64, i64, String, i64, String, Option<String>, String)> =
                sqlx::query_as(
                    "SELECT p.id, p.application_id, p.method, p.amount_fen, p.state,
                            p.transaction_id, a.number
                     FROM payments p JOIN applications a ON a.id = p.application_id
                     WHERE p.out_trade_no = $1 AND p.provider = $2",
                )
                .bind(&notice.out_trade_no)
                .bind(&notice.provider)
                .fetch_optional(&mut *tx)
                .await?;
            let Some((id, application_id, method, expected, state, transaction_id, number)) = row
            else {
                return Ok(Noticed::UnknownTrade);
            };
            if notice.amount_fen != expected {
                return Ok(Noticed::Amount { expected });
            }
            let method = PaymentMethod::from_code(&method)
                .ok_or_else(|| StoreError::Corrupt(format!("payment {id}: method {method}")))?;
            let new = state != "paid";
            if !new && transaction_id.as_deref() != Some(notice.transaction_id.as_str()) {
                return Ok(Noticed::Conflict);
            }
            if new {
                let updated = sqlx::query(
                    "UPDATE payments SET state = 'paid', transaction_id = $1, paid_at = $2
                     WHERE id = $3 AND state IN ('created', 'closed')",
                )
                .bind(&notice.transaction_id)
                .bind(notice.paid_at)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                if updated.rows_affected() != 1 {
                    return Err(StoreError::Corrupt(format!(
                        "payment {id} changed under a write lock"
                    )));
                }
            }
            let note = format!("{} 交易单号 {}", method.label(), notice.transaction_id);
            let moved_to =
                move_order_paid(&mut tx, application_id, method, &note, notice.at).await?;
            tx.commit().await?;
            Ok(Noticed::Paid(Paid {
                new,
                was_closed: state == "closed",
                number,
                method,
                moved_to,
                note,
            }))
        })
        .await
    }

    async fn due_for_reconcile(
        &self,
        provider: &str,
        created_before: i64,
        limit: i64,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT out_trade_no, expires_at FROM payments
             WHERE state = 'created' AND provider = $1 AND created_at <= $2
             ORDER BY created_at LIMIT $3",
        )
        .bind(provider)
        .bind(created_before)
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }

    async fn paid_trade(&self, application_id: i64) -> Result<Option<PaidTradeRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT out_trade_no, transaction_id, amount_fen, paid_at FROM payments
             WHERE application_id = $1 AND state = 'paid' ORDER BY paid_at, id LIMIT 1",
        )
        .bind(application_id)
        .fetch_optional(self.pool())
        .await?)
    }
}

/// Moves the order to paid online inside the notice's transaction, if it still waits for
/// payment; `None` when it does not (another notice or another way of paying came first).
/// The order's rules decide ([`Order::apply`]); the orders store writes the move.
async fn move_order_paid(
    conn: &mut AnyConnection,
    application_id: i64,
    method: PaymentMethod,
    note: &str,
    at: i64,
) -> Result<Option<Status>, StoreError> {
    let (status, current, business): (String, Option<String>, String) =
        sqlx::query_as("SELECT status, payment_method, business FROM applications WHERE id = $1")
            .bind(application_id)
            .fetch_one(&mut *conn)
            .await?;
    let corrupt = || StoreError::Corrupt(format!("application {application_id}: status"));
    let from = Status::from_code(&status).ok_or_else(corrupt)?;
    let order = Order {
        business: Business::parse(&business).ok_or_else(corrupt)?,
        status: from,
        money: current
            .as_deref()
            .and_then(PaymentMethod::from_code)
            .map(PaymentMethod::money),
    };
    let Ok(next) = order.apply(Event::PaidOnline, Actor::System) else {
        return Ok(None);
    };
    let change = Move {
        events: vec![EventRow {
            event: Event::PaidOnline.code().to_owned(),
            from_status: from.code().to_owned(),
            to_status: next.status.code().to_owned(),
            actor: Actor::System.code().to_owned(),
            actor_id: None,
            actor_name: None,
            note: Some(note.to_owned()),
            at,
        }],
        payment_method: Some(Some(method.code().to_owned())),
        shipment: None,
        flags: Vec::new(),
    };
    if !super::orders::move_in(conn, application_id, &change).await? {
        return Err(StoreError::Corrupt(format!(
            "order {application_id} changed under a write lock"
        )));
    }
    Ok(Some(next.status))
}
