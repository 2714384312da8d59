//! 金融认证: sends the 0.01-yuan transfer with a code in its memo when an order paid online is
//! approved, and checks the code the applicant enters.
//!
//! The code is stored only as a keyed hash bound to the application number; no API returns
//! it. The transfers are kept by [`BankCheckRepo`]; the bank is a [`BankVerifier`] (the local
//! one is `crate::vendor::bank::LocalBank`).

use std::sync::Arc;

use app::domain::bank_account;
use app::domain::bank_check::{self, AMOUNT_FEN, MAX_ATTEMPTS, MAX_TRANSFERS, VALID_HOURS};
use app::domain::banks;
use app::domain::order::{Event, Status};
use app::services::applications::ApplicationStore;
use app::services::bank_check::{
    BankCheckError, BankCheckService, BankCheckView, BankVerifier, CheckState, CodeOutcome,
    MicroDeposit,
};
use app::services::login::UserId;
use app::services::orders::{Change, OrderError, OrderService, Who};
use rand::Rng;
use time::OffsetDateTime;

use crate::clock::Clock;
use crate::crypto::{Keys, same};
use crate::store::bank_checks::{BankCheckRepo, CheckRow, NewCheck};
use crate::store::time::{to_db, to_text};

/// Sends the transfers and reads them back.
pub struct Transfers {
    repo: Arc<dyn BankCheckRepo>,
    applications: Arc<dyn ApplicationStore>,
    verifier: Arc<dyn BankVerifier>,
    keys: Arc<Keys>,
    clock: Arc<dyn Clock>,
}

fn backend(error: impl std::fmt::Display) -> BankCheckError {
    tracing::error!(%error, "financial check failed");
    BankCheckError::Backend
}

fn rfc3339(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .map(crate::clock::timestamp)
        .unwrap_or_default()
}

impl Transfers {
    pub fn new(
        repo: Arc<dyn BankCheckRepo>,
        applications: Arc<dyn ApplicationStore>,
        verifier: Arc<dyn BankVerifier>,
        keys: Arc<Keys>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            repo,
            applications,
            verifier,
            keys,
            clock,
        }
    }

    /// The application's id and status, if `owner` (when given) submitted it.
    async fn order(
        &self,
        owner: Option<UserId>,
        number: &str,
    ) -> Result<(i64, Status), BankCheckError> {
        let row = self
            .repo
            .application(owner.map(|u| u.0), number)
            .await
            .map_err(backend)?;
        let (id, status) = row.ok_or(BankCheckError::NotFound)?;
        let status = Status::from_code(&status).ok_or_else(|| backend("unknown status"))?;
        Ok((id, status))
    }

    async fn latest(&self, application_id: i64) -> Result<Option<CheckRow>, BankCheckError> {
        self.repo.latest(application_id).await.map_err(backend)
    }

    fn view_of(&self, row: &CheckRow) -> BankCheckView {
        let now = self.clock.now().unix_timestamp();
        let attempts_left = (i64::from(MAX_ATTEMPTS) - row.attempts).max(0) as u8;
        let state = if row.passed_at.is_some() {
            CheckState::Passed
        } else if attempts_left == 0 {
            CheckState::Locked
        } else if now >= row.expires_at {
            CheckState::Expired
        } else {
            CheckState::Waiting
        };
        BankCheckView {
            account_name: row.account_name.clone(),
            opening_bank: row.opening_bank.clone(),
            account_masked: row.account_masked.clone(),
            sent_at: to_text(row.sent_at),
            expires_at: rfc3339(row.expires_at),
            attempts_left,
            transfers_left: (i64::from(MAX_TRANSFERS) - row.transfers).max(0) as u8,
            state,
        }
    }

    /// Sends a new transfer with a new code to the account in the application, and records
    /// it; the earlier code stops counting because only the newest row does.
    pub async fn start(&self, number: &str) -> Result<(), BankCheckError> {
        let (id, status) = self.order(None, number).await?;
        if status != Status::AwaitingBankCheck {
            return Err(BankCheckError::NotNow);
        }
        let sent = self.repo.transfers(id).await.map_err(backend)?;
        if sent >= i64::from(MAX_TRANSFERS) {
            return Err(BankCheckError::NoTransfersLeft);
        }
        let application = self
            .applications
            .by_number(number)
            .await
            .map_err(backend)?
            .ok_or(BankCheckError::NotFound)?
            .application;
        let (name, opening_bank, account) = application.bank_account();
        let code = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
        let deposit = MicroDeposit {
            number: number.to_owned(),
            account_name: name.to_owned(),
            opening_bank: opening_bank.as_str().to_owned(),
            account: account.clone(),
            amount_fen: AMOUNT_FEN,
            memo: bank_check::memo(&code, number),
        };
        let reference = self.verifier.send(&deposit).await.map_err(|error| {
            tracing::error!(%error, number, "micro-deposit failed");
            BankCheckError::TransferFailed
        })?;
        let now = self.clock.now();
        let check = NewCheck {
            application_id: id,
            code_mac: self.keys.bank_code_mac(number, &code).to_vec(),
            account_name: name.to_owned(),
            opening_bank: opening_bank.as_str().to_owned(),
            account_masked: account.masked(),
            reference,
            sent_at: to_db(now),
            expires_at: now.unix_timestamp() + VALID_HOURS * 3600,
        };
        self.repo.record(&check).await.map_err(backend)?;
        tracing::info!(number, to = %account.masked(), "financial check transfer sent");
        Ok(())
    }
}

/// The order moves on once the code is right. Used right after a correct code, and again when
/// the personal centre finds a passed check on an order that did not move (the first attempt
/// failed between the two writes).
async fn pass_order(
    orders: &dyn OrderService,
    owner: UserId,
    number: &str,
) -> Result<(), BankCheckError> {
    match orders
        .apply(
            number,
            Change::new(Event::BankCheckPassed, Who::Applicant(owner)),
        )
        .await
    {
        Ok(_) | Err(OrderError::Transition(_)) => Ok(()),
        Err(error) => Err(backend(error)),
    }
}

/// [`Transfers`] together with the orders they move.
pub struct BankChecks {
    pub checks: Arc<Transfers>,
    pub orders: Arc<dyn OrderService>,
}

#[async_trait::async_trait]
impl BankCheckService for BankChecks {
    async fn view(
        &self,
        owner: UserId,
        number: &str,
    ) -> Result<Option<BankCheckView>, BankCheckError> {
        let (id, status) = self.checks.order(Some(owner), number).await?;
        let mut row = self.checks.latest(id).await?;
        if row.is_none() && status == Status::AwaitingBankCheck {
            // The transfer after approval failed: try again now.
            self.checks.start(number).await?;
            row = self.checks.latest(id).await?;
        }
        let Some(row) = row else {
            return Ok(None);
        };
        if row.passed_at.is_some() && status == Status::AwaitingBankCheck {
            pass_order(self.orders.as_ref(), owner, number).await?;
        }
        Ok(Some(self.checks.view_of(&row)))
    }

    async fn enter_code(
        &self,
        owner: UserId,
        number: &str,
        code: &str,
    ) -> Result<CodeOutcome, BankCheckError> {
        let code = bank_check::validate_code(code).map_err(|e| BankCheckError::Invalid {
            field: "code".into(),
            message: e.to_string(),
        })?;
        let (id, status) = self.checks.order(Some(owner), number).await?;
        if status != Status::AwaitingBankCheck {
            return Err(BankCheckError::NotNow);
        }
        let row = self
            .checks
            .latest(id)
            .await?
            .ok_or(BankCheckError::NotNow)?;
        match self.checks.view_of(&row).state {
            CheckState::Waiting => {}
            CheckState::Locked => return Err(BankCheckError::Locked),
            CheckState::Expired => return Err(BankCheckError::Expired),
            CheckState::Passed => return Ok(CodeOutcome::Passed),
        }
        let right = same(
            &self.checks.keys.bank_code_mac(number, &code),
            &row.code_mac,
        );
        let at = to_db(self.checks.clock.now());
        // Counted with a guard, so two wrong tries at once both count and none beyond the limit.
        let counted = self
            .checks
            .repo
            .count_attempt(row.id, right.then_some(at), i64::from(MAX_ATTEMPTS))
            .await
            .map_err(backend)?;
        if !counted {
            return Err(BankCheckError::Locked);
        }
        if right {
            pass_order(self.orders.as_ref(), owner, number).await?;
            return Ok(CodeOutcome::Passed);
        }
        let attempts_left = (i64::from(MAX_ATTEMPTS) - row.attempts - 1).max(0) as u8;
        Ok(CodeOutcome::Wrong { attempts_left })
    }

    async fn resend(
        &self,
        owner: UserId,
        number: &str,
        correction: Option<(String, String)>,
    ) -> Result<BankCheckView, BankCheckError> {
        let (id, status) = self.checks.order(Some(owner), number).await?;
        if status != Status::AwaitingBankCheck {
            return Err(BankCheckError::NotNow);
        }
        if let Some((opening_bank, account)) = correction {
            let opening_bank =
                banks::validate(&opening_bank).map_err(|e| BankCheckError::Invalid {
                    field: "opening_bank".into(),
                    message: e.to_string(),
                })?;
            let account =
                bank_account::validate(&account).map_err(|e| BankCheckError::Invalid {
                    field: "account_number".into(),
                    message: e.to_string(),
                })?;
            let mut application = self
                .checks
                .applications
                .submitted(owner, number)
                .await
                .map_err(backend)?
                .ok_or(BankCheckError::NotFound)?
                .application;
            application.set_bank_account(opening_bank, account);
            self.checks
                .applications
                .amend(owner, number, &application)
                .await
                .map_err(backend)?;
        }
        self.checks.start(number).await?;
        let row = self
            .checks
            .latest(id)
            .await?
            .ok_or_else(|| backend("transfer recorded but not found"))?;
        Ok(self.checks.view_of(&row))
    }
}
