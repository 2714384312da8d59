//! 金融认证 transfers (`bank_checks`: one row per transfer, the newest counts) and the local
//! bank's simulated statement (`bank_statements`).

use super::{Db, StoreError};

/// The newest transfer of an application, with how many were sent in all.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct CheckRow {
    pub id: i64,
    pub code_mac: Vec<u8>,
    pub account_name: String,
    pub opening_bank: String,
    pub account_masked: String,
    pub attempts: i64,
    pub sent_at: i64,
    pub expires_at: i64,
    pub passed_at: Option<i64>,
    pub transfers: i64,
}

/// A transfer just sent, to record.
#[derive(Clone, Debug)]
pub struct NewCheck {
    pub application_id: i64,
    pub code_mac: Vec<u8>,
    pub account_name: String,
    pub opening_bank: String,
    pub account_masked: String,
    pub reference: String,
    pub sent_at: i64,
    pub expires_at: i64,
}

/// A line of the simulated statement.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct StatementRow {
    pub account_name: String,
    pub opening_bank: String,
    pub account_masked: String,
    pub amount_fen: i64,
    pub memo: String,
    pub at: i64,
}

#[async_trait::async_trait]
pub trait BankCheckRepo: Send + Sync {
    /// Application `number`'s id and status, if `owner` (when given) submitted it.
    async fn application(
        &self,
        owner: Option<i64>,
        number: &str,
    ) -> Result<Option<(i64, String)>, StoreError>;

    async fn latest(&self, application_id: i64) -> Result<Option<CheckRow>, StoreError>;

    /// How many transfers were sent for the application.
    async fn transfers(&self, application_id: i64) -> Result<i64, StoreError>;

    async fn record(&self, check: &NewCheck) -> Result<(), StoreError>;

    /// Counts one try at check `id` (passing it at `passed_at` when given), unless it passed
    /// already or had `max_attempts`; `false` then.
    async fn count_attempt(
        &self,
        id: i64,
        passed_at: Option<i64>,
        max_attempts: i64,
    ) -> Result<bool, StoreError>;
}

#[async_trait::async_trait]
pub trait StatementRepo: Send + Sync {
    /// Adds a line; its id.
    async fn add_line(&self, line: &StatementRow) -> Result<i64, StoreError>;

    /// The newest lines first.
    async fn recent_lines(&self, limit: i64) -> Result<Vec<StatementRow>, StoreError>;
}

#[async_trait::async_trait]
impl BankCheckRepo for Db {
    async fn application(
        &self,
        owner: Option<i64>,
        number: &str,
    ) -> Result<Option<(i64, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, status FROM applications
             WHERE number = $1 AND (CAST($2 AS BIGINT) IS NULL OR user_id = $2)",
        )
        .bind(number)
        .bind(owner)
        .fetch_optional(self.pool())
        .await?)
    }

    async fn latest(&self, application_id: i64) -> Result<Option<CheckRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, code_mac, account_name, opening_bank, account_masked, attempts, sent_at,
                    expires_at, passed_at,
                    (SELECT COUNT(*) FROM bank_checks WHERE application_id = $1) AS transfers
             FROM bank_checks WHERE application_id = $1 ORDER BY id DESC LIMIT 1",
        )
        .bind(application_id)
        .fetch_optional(self.pool())
        .await?)
    }

    async fn transfers(&self, application_id: i64) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM bank_checks WHERE application_id = $1")
                .bind(application_id)
                .fetch_one(self.pool())
                .await?,
        )
    }

    async fn record(&self, check: &NewCheck) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO bank_checks (application_id, code_mac, account_name, opening_bank,
                                      account_masked, reference, sent_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(check.application_id)
        .bind(&check.code_mac)
        .bind(&check.account_name)
        .bind(&check.opening_bank)
        .bind(&check.account_masked)
        .bind(&check.reference)
        .bind(check.sent_at)
        .bind(check.expires_at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn count_attempt(
        &self,
        id: i64,
        passed_at: Option<i64>,
        max_attempts: i64,
    ) -> Result<bool, StoreError> {
        // One guarded statement: two tries at once both count, none beyond the limit.
        let counted = sqlx::query(
            "UPDATE bank_checks SET attempts = attempts + 1, passed_at = $1
             WHERE id = $2 AND passed_at IS NULL AND attempts < $3",
        )
        .bind(passed_at)
        .bind(id)
        .bind(max_attempts)
        .execute(self.pool())
        .await?;
        Ok(counted.rows_affected() == 1)
    }
}

#[async_trait::async_trait]
impl StatementRepo for Db {
    async fn add_line(&self, line: &StatementRow) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "INSERT INTO bank_statements (account_name, opening_bank, account_masked, amount_fen,
                                          memo, at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(&line.account_name)
        .bind(&line.opening_bank)
        .bind(&line.account_masked)
        .bind(line.amount_fen)
        .bind(&line.memo)
        .bind(line.at)
        .fetch_one(self.pool())
        .await?)
    }

    async fn recent_lines(&self, limit: i64) -> Result<Vec<StatementRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT account_name, opening_bank, account_masked, amount_fen, memo, at
             FROM bank_statements ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }
}
