//! The local bank: a [`BankVerifier`] that sends nothing and writes each transfer to
//! `bank_statements`, a simulated statement of the applicant's account that `/dev/outbox`
//! shows, so the 金融认证 path runs on one machine. The checks themselves are
//! [`crate::service::bank_check`].

use std::sync::Arc;

use app::services::bank_check::{
    BankVerifier, MicroDeposit, StatementLine, Statements, TransferError,
};

use crate::clock::Clock;
pub use crate::service::bank_check::{BankChecks, Transfers};
use crate::store::bank_checks::{StatementRepo, StatementRow};
use crate::store::time::{to_db, to_text};

/// The local bank: sends nothing, writes the transfer to the simulated statement.
pub struct LocalBank {
    statement: Arc<dyn StatementRepo>,
    clock: Arc<dyn Clock>,
}

impl LocalBank {
    pub fn new(statement: Arc<dyn StatementRepo>, clock: Arc<dyn Clock>) -> Self {
        Self { statement, clock }
    }
}

#[async_trait::async_trait]
impl BankVerifier for LocalBank {
    async fn send(&self, deposit: &MicroDeposit) -> Result<String, TransferError> {
        let line = StatementRow {
            account_name: deposit.account_name.clone(),
            opening_bank: deposit.opening_bank.clone(),
            account_masked: deposit.account.masked(),
            amount_fen: deposit.amount_fen,
            memo: deposit.memo.clone(),
            at: to_db(self.clock.now()),
        };
        let id = self
            .statement
            .add_line(&line)
            .await
            .map_err(|e| TransferError(e.to_string()))?;
        Ok(format!("LOCAL{id:010}"))
    }
}

#[async_trait::async_trait]
impl Statements for LocalBank {
    async fn recent(&self, limit: u32) -> Result<Vec<StatementLine>, TransferError> {
        let rows = self
            .statement
            .recent_lines(i64::from(limit))
            .await
            .map_err(|e| TransferError(e.to_string()))?;
        Ok(rows
            .into_iter()
            .map(|row| StatementLine {
                account_name: row.account_name,
                opening_bank: row.opening_bank,
                account_masked: row.account_masked,
                amount_fen: row.amount_fen,
                memo: row.memo,
                at: to_text(row.at),
            })
            .collect())
    }
}
