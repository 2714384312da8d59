//! Drafts saved as the applicant types, and submitted applications.

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::StoreError;
#[cfg(feature = "ssr")]
use super::login::UserId;
#[cfg(feature = "ssr")]
use crate::domain::application::Application;
use crate::domain::draft::{Draft, Step};
use crate::domain::order::Status;
#[cfg(feature = "ssr")]
use crate::domain::quote::Quote;

/// The applicant's draft for one project, where they left it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedDraft {
    pub draft: Draft,
    pub step: Step,
    /// RFC 3339, UTC.
    pub saved_at: String,
    /// Set once the draft was submitted: its application number.
    pub submitted_as: Option<String>,
}

/// A submitted application, as the applicant's list shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationSummary {
    pub number: String,
    pub project_id: String,
    pub status: Status,
    pub total_fen: i64,
    /// RFC 3339, UTC.
    pub submitted_at: String,
    pub business: crate::domain::business::Business,
}

/// A submitted application with its contents, for its owner.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubmittedApplication {
    pub number: String,
    pub project_id: String,
    pub status: Status,
    /// RFC 3339, UTC.
    pub submitted_at: String,
    pub application: Application,
    pub business: crate::domain::business::Business,
    /// The quote as stored when the order was made.
    pub quote: Option<crate::domain::quote::Quote>,
}

#[cfg(feature = "ssr")]
impl SubmittedApplication {
    /// What the order costs now: a new application is priced from the catalog in force (so a
    /// corrected price reaches orders not yet paid); a renewal keeps the price it was made with,
    /// which named its certificates.
    pub fn price(
        &self,
        project: &crate::domain::catalog::Project,
    ) -> Result<crate::domain::quote::Quote, crate::domain::quote::QuoteError> {
        match (&self.business, &self.quote) {
            (crate::domain::business::Business::New, _) | (_, None) => {
                crate::domain::quote::quote(project, &self.application.selection)
            }
            (_, Some(stored)) => Ok(stored.clone()),
        }
    }
}

#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait ApplicationStore: Send + Sync {
    /// The open (not yet submitted) draft of `user` for `project`, if any.
    async fn load_draft(
        &self,
        user: UserId,
        project: &str,
    ) -> Result<Option<SavedDraft>, StoreError>;

    /// Creates or replaces the open draft; returns the time saved (RFC 3339). Refused with
    /// [`StoreError::Submitted`] once the draft was submitted, atomically, so a late autosave
    /// cannot reopen a submitted application.
    async fn save_draft(
        &self,
        user: UserId,
        project: &str,
        draft: &Draft,
        step: Step,
    ) -> Result<String, StoreError>;

    /// Turns the open draft into an application with a new number, in one transaction.
    /// Idempotent: when the draft was already submitted (double click, retried request),
    /// returns the number it got then and creates nothing.
    async fn submit(
        &self,
        user: UserId,
        project: &str,
        application: &Application,
        quote: &Quote,
        catalog_version: &str,
    ) -> Result<String, StoreError>;

    /// The user's submitted applications, newest first.
    async fn list(&self, user: UserId) -> Result<Vec<ApplicationSummary>, StoreError>;

    /// The application numbered `number`, decrypted, if `user` submitted it.
    async fn submitted(
        &self,
        user: UserId,
        number: &str,
    ) -> Result<Option<SubmittedApplication>, StoreError>;

    /// Replaces the contents of `user`'s application `number` (a corrected section or bank
    /// account); `false` when there is no such application of theirs. The caller checks that
    /// the order allows it.
    async fn amend(
        &self,
        user: UserId,
        number: &str,
        application: &Application,
    ) -> Result<bool, StoreError>;

    /// The draft `user`'s application `number` was submitted from (the form's own text).
    async fn submitted_draft(
        &self,
        user: UserId,
        number: &str,
    ) -> Result<Option<Draft>, StoreError>;

    /// Replaces both the submitted draft and the application (a corrected form section), in
    /// one transaction; `false` when there is no such application of theirs.
    async fn correct(
        &self,
        user: UserId,
        number: &str,
        draft: &Draft,
        application: &Application,
    ) -> Result<bool, StoreError>;

    /// The application numbered `number`, whoever submitted it: for the verification page
    /// that printed documents link to, and for reviewers.
    async fn by_number(&self, number: &str) -> Result<Option<SubmittedApplication>, StoreError>;
}
