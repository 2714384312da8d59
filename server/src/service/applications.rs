//! Drafts and submitted applications.
//!
//! Drafts and applications hold ID numbers and bank accounts, so their JSON is stored encrypted
//! (AES-256-GCM, see [`crate::crypto`]), bound to its owner (drafts) or its number
//! (applications): a blob copied to another row does not decrypt.

use std::sync::Arc;

use app::domain::application::Application;
use app::domain::business::Business;
use app::domain::draft::{Draft, Step};
use app::domain::order::Status;
use app::domain::quote::Quote;
use app::services::StoreError;
use app::services::applications::{
    ApplicationStore, ApplicationSummary, SavedDraft, SubmittedApplication,
};
use app::services::login::UserId;

use crate::clock::{Clock, number_day};
use crate::crypto::Keys;
use crate::store::applications::{
    ApplicationRepo, ApplicationRow, NewApplication, Page, PaidTrade, QueueFilter, Submitted,
    SummaryRow,
};
use crate::store::time::{to_db, to_text};

pub use crate::store::applications::NUMBER_PREFIX;

/// What the console reads of an application besides its contents.
pub struct Record {
    pub id: i64,
    pub owner: UserId,
    pub quote: Option<Quote>,
}

pub struct Applications {
    repo: Arc<dyn ApplicationRepo>,
    keys: Arc<Keys>,
    clock: Arc<dyn Clock>,
}

fn draft_context(user: UserId, project: &str) -> String {
    format!("draft:{}:{project}", user.0)
}

pub(crate) fn application_context(number: &str) -> String {
    format!("application:{number}")
}

fn damaged(what: &str, e: &dyn std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("{what}: {e}"))
}

impl Applications {
    pub fn new(repo: Arc<dyn ApplicationRepo>, keys: Arc<Keys>, clock: Arc<dyn Clock>) -> Self {
        Self { repo, keys, clock }
    }

    /// The submitted application's own JSON, decrypted (for reviewers and tests).
    pub async fn application_json(&self, number: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(row) = self.repo.by_number(number, None).await? else {
            return Ok(None);
        };
        self.keys
            .open(&application_context(number), &row.data)
            .map(Some)
            .map_err(|e| damaged(&format!("application {number}"), &e))
    }

    /// For the console: the row id, owner and quote of application `number`.
    pub async fn record(&self, number: &str) -> Result<Option<Record>, StoreError> {
        Ok(self.repo.by_number(number, None).await?.map(|row| Record {
            id: row.id,
            owner: UserId(row.user_id),
            quote: serde_json::from_str(&row.quote).ok(),
        }))
    }

    /// For the console's queue: how many match, and one page of them.
    pub async fn search(
        &self,
        filter: &QueueFilter,
        page: Page,
    ) -> Result<(i64, Vec<SummaryRow>), StoreError> {
        Ok(self.repo.search(filter, page).await?)
    }

    /// The trade that paid application `id` online.
    pub async fn paid_trade(&self, id: i64) -> Result<Option<PaidTrade>, StoreError> {
        Ok(self.repo.paid_trade(id).await?)
    }

    /// The application numbered `number`, decrypted; only if `owner` submitted it, when given.
    async fn find(
        &self,
        number: &str,
        owner: Option<UserId>,
    ) -> Result<Option<SubmittedApplication>, StoreError> {
        let Some(row) = self.repo.by_number(number, owner.map(|u| u.0)).await? else {
            return Ok(None);
        };
        self.open(row).map(Some)
    }

    fn open(&self, row: ApplicationRow) -> Result<SubmittedApplication, StoreError> {
        let what = format!("application {}", row.number);
        let json = self
            .keys
            .open(&application_context(&row.number), &row.data)
            .map_err(|e| damaged(&what, &e))?;
        let application = serde_json::from_slice(&json).map_err(|e| damaged(&what, &e))?;
        let status = Status::from_code(&row.status).ok_or_else(|| damaged(&what, &row.status))?;
        Ok(SubmittedApplication {
            number: row.number,
            project_id: row.project_id,
            status,
            submitted_at: to_text(row.submitted_at),
            application,
            business: Business::parse(&row.business)
                .ok_or_else(|| damaged(&what, &row.business))?,
            quote: serde_json::from_str(&row.quote).ok(),
        })
    }
}

#[async_trait::async_trait]
impl ApplicationStore for Applications {
    async fn load_draft(
        &self,
        user: UserId,
        project: &str,
    ) -> Result<Option<SavedDraft>, StoreError> {
        // The open draft if there is one, otherwise the latest submitted one, so the page can
        // say it was submitted and under which number.
        let Some(row) = self.repo.draft(user.0, project).await? else {
            return Ok(None);
        };
        let what = format!("draft of user {}", user.0);
        let json = self
            .keys
            .open(&draft_context(user, project), &row.data)
            .map_err(|e| damaged(&what, &e))?;
        let draft: Draft = serde_json::from_slice(&json).map_err(|e| damaged(&what, &e))?;
        Ok(Some(SavedDraft {
            draft,
            step: Step::from_slug(&row.step).unwrap_or_default(),
            saved_at: to_text(row.saved_at),
            submitted_as: row.submitted_as,
        }))
    }

    async fn save_draft(
        &self,
        user: UserId,
        project: &str,
        draft: &Draft,
        step: Step,
    ) -> Result<String, StoreError> {
        let json = serde_json::to_vec(draft).map_err(|e| StoreError::Backend(e.to_string()))?;
        let sealed = self.keys.seal(&draft_context(user, project), &json);
        let now = to_db(self.clock.now());
        match self
            .repo
            .save_draft(user.0, project, &sealed, step.slug(), now)
            .await?
        {
            Ok(()) => Ok(to_text(now)),
            Err(number) => Err(StoreError::Submitted(number)),
        }
    }

    async fn submit(
        &self,
        user: UserId,
        project: &str,
        application: &Application,
        quote: &Quote,
        catalog_version: &str,
    ) -> Result<String, StoreError> {
        let application_json =
            serde_json::to_vec(application).map_err(|e| StoreError::Backend(e.to_string()))?;
        let quote_json =
            serde_json::to_string(quote).map_err(|e| StoreError::Backend(e.to_string()))?;
        let now = self.clock.now();
        let day = number_day(now);
        let new = NewApplication {
            user: user.0,
            project,
            day: &day,
            status: Status::AwaitingMaterials.code(),
            quote: &quote_json,
            total_fen: quote.total.0,
            catalog_version,
            at: to_db(now),
        };
        let seal = |number: &str| {
            self.keys
                .seal(&application_context(number), &application_json)
        };
        match self.repo.submit(&new, &seal).await? {
            Submitted::New(number) => {
                tracing::info!(%number, user = user.0, project, "application submitted");
                Ok(number)
            }
            Submitted::Earlier(number) => Ok(number),
            Submitted::NoDraft => Err(StoreError::NoDraft),
        }
    }

    async fn list(&self, user: UserId) -> Result<Vec<ApplicationSummary>, StoreError> {
        self.repo
            .list(user.0)
            .await?
            .into_iter()
            .map(|row| {
                Ok(ApplicationSummary {
                    status: Status::from_code(&row.status).ok_or_else(|| {
                        damaged(&format!("application {}", row.number), &row.status)
                    })?,
                    business: Business::parse(&row.business).ok_or_else(|| {
                        damaged(&format!("application {}", row.number), &row.business)
                    })?,
                    number: row.number,
                    project_id: row.project_id,
                    total_fen: row.total_fen,
                    submitted_at: to_text(row.submitted_at),
                })
            })
            .collect()
    }

    async fn submitted(
        &self,
        user: UserId,
        number: &str,
    ) -> Result<Option<SubmittedApplication>, StoreError> {
        self.find(number, Some(user)).await
    }

    async fn amend(
        &self,
        user: UserId,
        number: &str,
        application: &Application,
    ) -> Result<bool, StoreError> {
        let json =
            serde_json::to_vec(application).map_err(|e| StoreError::Backend(e.to_string()))?;
        let sealed = self.keys.seal(&application_context(number), &json);
        Ok(self
            .repo
            .amend(user.0, number, &sealed, to_db(self.clock.now()))
            .await?)
    }

    async fn submitted_draft(
        &self,
        user: UserId,
        number: &str,
    ) -> Result<Option<Draft>, StoreError> {
        let Some((sealed, project)) = self.repo.submitted_draft(user.0, number).await? else {
            return Ok(None);
        };
        let what = format!("draft of {number}");
        let json = self
            .keys
            .open(&draft_context(user, &project), &sealed)
            .map_err(|e| damaged(&what, &e))?;
        serde_json::from_slice(&json)
            .map(Some)
            .map_err(|e| damaged(&what, &e))
    }

    async fn correct(
        &self,
        user: UserId,
        number: &str,
        draft: &Draft,
        application: &Application,
    ) -> Result<bool, StoreError> {
        let draft_json =
            serde_json::to_vec(draft).map_err(|e| StoreError::Backend(e.to_string()))?;
        let application_json =
            serde_json::to_vec(application).map_err(|e| StoreError::Backend(e.to_string()))?;
        // The draft is sealed for its project, which only the owner's application names.
        let Some(row) = self.repo.by_number(number, Some(user.0)).await? else {
            return Ok(false);
        };
        let draft = self
            .keys
            .seal(&draft_context(user, &row.project_id), &draft_json);
        let application = self
            .keys
            .seal(&application_context(number), &application_json);
        Ok(self
            .repo
            .correct(
                user.0,
                number,
                &draft,
                &application,
                to_db(self.clock.now()),
            )
            .await?)
    }

    async fn by_number(&self, number: &str) -> Result<Option<SubmittedApplication>, StoreError> {
        self.find(number, None).await
    }
}
