//! The local payment provider's own records (`sandbox_trades`), kept apart from `payments` as
//! a real provider's would be.

use super::{Db, StoreError};

/// A sandbox trade as its query answers.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct SandboxTrade {
    /// `open`, `paid` or `closed`.
    pub state: String,
    pub amount_fen: i64,
    pub transaction_id: Option<String>,
    pub paid_at: Option<i64>,
}

/// What the sandbox cashier shows of a trade.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct CashierRow {
    pub number: String,
    pub amount_fen: i64,
    pub state: String,
    pub expires_at: i64,
    pub project_id: String,
    pub method: String,
    /// The order's status.
    pub status: String,
}

#[async_trait::async_trait]
pub trait SandboxRepo: Send + Sync {
    async fn sandbox_open(
        &self,
        out_trade_no: &str,
        amount_fen: i64,
        expires_at: i64,
    ) -> Result<(), StoreError>;

    /// Pays an open, unexpired trade; its amount, or `None` when it cannot be paid.
    async fn sandbox_pay(
        &self,
        out_trade_no: &str,
        transaction_id: &str,
        at: i64,
    ) -> Result<Option<i64>, StoreError>;

    async fn sandbox_trade(&self, out_trade_no: &str) -> Result<Option<SandboxTrade>, StoreError>;

    /// Closes an open trade; the state it is in afterwards (`paid` stays paid).
    async fn sandbox_close(&self, out_trade_no: &str) -> Result<Option<String>, StoreError>;

    /// The trade with its order, for the cashier page.
    async fn cashier_view(&self, out_trade_no: &str) -> Result<Option<CashierRow>, StoreError>;
}

#[async_trait::async_trait]
impl SandboxRepo for Db {
    async fn sandbox_open(
        &self,
        out_trade_no: &str,
        amount_fen: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sandbox_trades (out_trade_no, amount_fen, state, expires_at)
             VALUES ($1, $2, 'open', $3)",
        )
        .bind(out_trade_no)
        .bind(amount_fen)
        .bind(expires_at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn sandbox_pay(
        &self,
        out_trade_no: &str,
        transaction_id: &str,
        at: i64,
    ) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query_scalar(
            "UPDATE sandbox_trades SET state = 'paid', transaction_id = $1, paid_at = $2
             WHERE out_trade_no = $3 AND state = 'open' AND expires_at > $2
             RETURNING amount_fen",
        )
        .bind(transaction_id)
        .bind(at)
        .bind(out_trade_no)
        .fetch_optional(self.pool())
        .await?)
    }

    async fn sandbox_trade(&self, out_trade_no: &str) -> Result<Option<SandboxTrade>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT state, amount_fen, transaction_id, paid_at FROM sandbox_trades
             WHERE out_trade_no = $1",
        )
        .bind(out_trade_no)
        .fetch_optional(self.pool())
        .await?)
    }

    async fn sandbox_close(&self, out_trade_no: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "UPDATE sandbox_trades SET state = CASE state WHEN 'open' THEN 'closed' ELSE state END
             WHERE out_trade_no = $1 RETURNING state",
        )
        .bind(out_trade_no)
        .fetch_optional(self.pool())
        .await?)
    }

    async fn cashier_view(&self, out_trade_no: &str) -> Result<Option<CashierRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT a.number, s.amount_fen, s.state, s.expires_at, a.project_id, p.method,
                    a.status
             FROM sandbox_trades s
             JOIN payments p ON p.out_trade_no = s.out_trade_no
             JOIN applications a ON a.id = p.application_id
             WHERE s.out_trade_no = $1 AND p.provider = 'local'",
        )
        .bind(out_trade_no)
        .fetch_optional(self.pool())
        .await?)
    }
}
