//! Drafts and submitted applications.
//!
//! Drafts and applications hold ID numbers and bank accounts, so their JSON is stored encrypted
//! (AES-256-GCM, see [`crate::crypto`]), bound to its owner (drafts) or its number
//! (applications): a blob copied to another row does not decrypt.

use std::sync::Arc;

use app::domain::application::Application;
use app::domain::draft::{Draft, Step};
use app::domain::order::Status;
use app::domain::quote::Quote;
use app::services::StoreError;
use app::services::applications::{
    ApplicationStore, ApplicationSummary, SavedDraft, SubmittedApplication,
};
use app::services::login::UserId;
use sqlx::{Sqlite, SqlitePool, Transaction};
use time::OffsetDateTime;

use crate::clock::{Clock, china_date};
use crate::crypto::Keys;
use crate::store::backend;
use crate::store::time::{to_db, to_text};

/// Application numbers read `SQ` (申请) + the China date + a daily sequence of at least four
/// digits: `SQ202503010001`. Not a province code, since one portal serves several platforms.
pub const NUMBER_PREFIX: &str = "SQ";

pub struct SqlApplicationStore {
    pool: SqlitePool,
    keys: Arc<Keys>,
    clock: Arc<dyn Clock>,
}

fn draft_context(user: UserId, project: &str) -> String {
    format!("draft:{}:{project}", user.0)
}

fn application_context(number: &str) -> String {
    format!("application:{number}")
}

impl SqlApplicationStore {
    pub fn new(pool: SqlitePool, keys: Arc<Keys>, clock: Arc<dyn Clock>) -> Self {
        Self { pool, keys, clock }
    }

    /// The submitted application's own JSON, decrypted (for reviewers and tests).
    pub async fn application_json(&self, number: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let sealed: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT data FROM applications WHERE number = ?")
                .bind(number)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?;
        sealed
            .map(|sealed| {
                self.keys
                    .open(&application_context(number), &sealed)
                    .map_err(|e| StoreError::Backend(format!("application {number}: {e}")))
            })
            .transpose()
    }
}

/// The next number for the China calendar day of `now`.
async fn next_number(
    tx: &mut Transaction<'_, Sqlite>,
    now: OffsetDateTime,
) -> Result<String, sqlx::Error> {
    let date = china_date(now);
    let day = format!(
        "{:04}{:02}{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    );
    let seq: i64 = sqlx::query_scalar(
        "INSERT INTO application_numbers (day, last) VALUES (?, 1)
         ON CONFLICT (day) DO UPDATE SET last = last + 1
         RETURNING last",
    )
    .bind(&day)
    .fetch_one(&mut **tx)
    .await?;
    Ok(format!("{NUMBER_PREFIX}{day}{seq:04}"))
}

#[async_trait::async_trait]
impl ApplicationStore for SqlApplicationStore {
    async fn load_draft(
        &self,
        user: UserId,
        project: &str,
    ) -> Result<Option<SavedDraft>, StoreError> {
        // The open draft if there is one, otherwise the latest submitted one, so the page can
        // say it was submitted and under which number.
        let row: Option<(Vec<u8>, String, i64, Option<String>)> = sqlx::query_as(
            "SELECT data, step, saved_at, submitted_as FROM drafts
             WHERE user_id = ? AND project_id = ?
             ORDER BY submitted_as IS NULL DESC, id DESC LIMIT 1",
        )
        .bind(user.0)
        .bind(project)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        let Some((sealed, step, saved_at, submitted_as)) = row else {
            return Ok(None);
        };
        let json = self
            .keys
            .open(&draft_context(user, project), &sealed)
            .map_err(|e| StoreError::Backend(format!("draft of user {}: {e}", user.0)))?;
        let draft: Draft = serde_json::from_slice(&json)
            .map_err(|e| StoreError::Backend(format!("draft of user {}: {e}", user.0)))?;
        Ok(Some(SavedDraft {
            draft,
            step: Step::from_slug(&step).unwrap_or_default(),
            saved_at: to_text(saved_at),
            submitted_as,
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
        // One statement, so it cannot interleave with a submit: it writes only while an open
        // draft exists or nothing was ever submitted.
        let written = sqlx::query(
            "INSERT INTO drafts (user_id, project_id, data, step, created_at, saved_at)
             SELECT ?1, ?2, ?3, ?4, ?5, ?5
             WHERE EXISTS (SELECT 1 FROM drafts
                           WHERE user_id = ?1 AND project_id = ?2 AND submitted_as IS NULL)
                OR NOT EXISTS (SELECT 1 FROM drafts
                               WHERE user_id = ?1 AND project_id = ?2 AND submitted_as IS NOT NULL)
             ON CONFLICT (user_id, project_id) WHERE submitted_as IS NULL DO UPDATE
             SET data = excluded.data, step = excluded.step, saved_at = excluded.saved_at",
        )
        .bind(user.0)
        .bind(project)
        .bind(sealed)
        .bind(step.slug())
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(backend)?
        .rows_affected();
        if written == 0 {
            let number: String = sqlx::query_scalar(
                "SELECT submitted_as FROM drafts
                 WHERE user_id = ? AND project_id = ? AND submitted_as IS NOT NULL
                 ORDER BY saved_at DESC LIMIT 1",
            )
            .bind(user.0)
            .bind(project)
            .fetch_one(&self.pool)
            .await
            .map_err(backend)?;
            return Err(StoreError::Submitted(number));
        }
        Ok(to_text(now))
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
        let stamp = to_db(now);

        // IMMEDIATE takes the write lock first, so two submits run one after the other and the
        // second finds the draft already submitted.
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(backend)?;
        let open: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM drafts WHERE user_id = ? AND project_id = ? AND submitted_as IS NULL",
        )
        .bind(user.0)
        .bind(project)
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend)?;
        let Some(draft_id) = open else {
            // Submitted already (double click, retried request): the number it got then.
            let earlier: Option<String> = sqlx::query_scalar(
                "SELECT submitted_as FROM drafts
                 WHERE user_id = ? AND project_id = ? AND submitted_as IS NOT NULL
                 ORDER BY id DESC LIMIT 1",
            )
            .bind(user.0)
            .bind(project)
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
            return earlier.ok_or(StoreError::NoDraft);
        };

        let number = next_number(&mut tx, now).await.map_err(backend)?;
        let sealed = self
            .keys
            .seal(&application_context(&number), &application_json);
        let inserted = sqlx::query(
            "INSERT INTO applications (number, user_id, project_id, draft_id, status, data, quote,
                                       total_fen, catalog_version, submitted_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (draft_id) DO NOTHING",
        )
        .bind(&number)
        .bind(user.0)
        .bind(project)
        .bind(draft_id)
        .bind(Status::AwaitingMaterials.code())
        .bind(sealed)
        .bind(quote_json)
        .bind(quote.total.0)
        .bind(catalog_version)
        .bind(stamp)
        .bind(stamp)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        if inserted.rows_affected() == 0 {
            // Another writer turned this draft into an application first (the UNIQUE draft_id
            // is the last line of defence if transactions ever stop being serialised).
            drop(tx);
            return sqlx::query_scalar("SELECT number FROM applications WHERE draft_id = ?")
                .bind(draft_id)
                .fetch_one(&self.pool)
                .await
                .map_err(backend);
        }
        sqlx::query("UPDATE drafts SET submitted_as = ? WHERE id = ?")
            .bind(&number)
            .bind(draft_id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        tracing::info!(%number, user = user.0, project, "application submitted");
        Ok(number)
    }

    async fn list(&self, user: UserId) -> Result<Vec<ApplicationSummary>, StoreError> {
        let rows: Vec<(String, String, String, i64, i64)> = sqlx::query_as(
            "SELECT number, project_id, status, total_fen, submitted_at FROM applications
             WHERE user_id = ? ORDER BY submitted_at DESC, id DESC",
        )
        .bind(user.0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        Ok(rows
            .into_iter()
            .map(|(number, project_id, status, total_fen, submitted_at)| {
                Ok(ApplicationSummary {
                    status: Status::from_code(&status).ok_or_else(|| {
                        StoreError::Backend(format!("application {number}: status {status}"))
                    })?,
                    number,
                    project_id,
                    total_fen,
                    submitted_at: to_text(submitted_at),
                })
            })
            .collect::<Result<_, StoreError>>()?)
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
        let updated = sqlx::query(
            "UPDATE applications SET data = ?, updated_at = ? WHERE number = ? AND user_id = ?",
        )
        .bind(sealed)
        .bind(to_db(self.clock.now()))
        .bind(number)
        .bind(user.0)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(updated.rows_affected() == 1)
    }

    async fn submitted_draft(
        &self,
        user: UserId,
        number: &str,
    ) -> Result<Option<Draft>, StoreError> {
        let row: Option<(Vec<u8>, String)> = sqlx::query_as(
            "SELECT data, project_id FROM drafts WHERE submitted_as = ? AND user_id = ?",
        )
        .bind(number)
        .bind(user.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        let Some((sealed, project)) = row else {
            return Ok(None);
        };
        let damaged =
            |e: &dyn std::fmt::Display| StoreError::Backend(format!("draft of {number}: {e}"));
        let json = self
            .keys
            .open(&draft_context(user, &project), &sealed)
            .map_err(|e| damaged(&e))?;
        serde_json::from_slice(&json)
            .map(Some)
            .map_err(|e| damaged(&e))
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
        let now = to_db(self.clock.now());
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let project: Option<String> = sqlx::query_scalar(
            "SELECT project_id FROM applications WHERE number = ? AND user_id = ?",
        )
        .bind(number)
        .bind(user.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend)?;
        let Some(project) = project else {
            return Ok(false);
        };
        sqlx::query(
            "UPDATE drafts SET data = ?, saved_at = ? WHERE submitted_as = ? AND user_id = ?",
        )
        .bind(self.keys.seal(&draft_context(user, &project), &draft_json))
        .bind(now)
        .bind(number)
        .bind(user.0)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        sqlx::query(
            "UPDATE applications SET data = ?, updated_at = ? WHERE number = ? AND user_id = ?",
        )
        .bind(
            self.keys
                .seal(&application_context(number), &application_json),
        )
        .bind(now)
        .bind(number)
        .bind(user.0)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(true)
    }

    async fn by_number(&self, number: &str) -> Result<Option<SubmittedApplication>, StoreError> {
        self.find(number, None).await
    }
}

impl SqlApplicationStore {
    /// The application numbered `number`, decrypted; only if `owner` submitted it, when given.
    async fn find(
        &self,
        number: &str,
        owner: Option<UserId>,
    ) -> Result<Option<SubmittedApplication>, StoreError> {
        let row: Option<(String, String, i64, Vec<u8>)> = sqlx::query_as(
            "SELECT project_id, status, submitted_at, data FROM applications \
             WHERE number = ? AND (? IS NULL OR user_id = ?)",
        )
        .bind(number)
        .bind(owner.map(|u| u.0))
        .bind(owner.map(|u| u.0))
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        let Some((project_id, status, submitted_at, sealed)) = row else {
            return Ok(None);
        };
        let damaged =
            |e: &dyn std::fmt::Display| StoreError::Backend(format!("application {number}: {e}"));
        let json = self
            .keys
            .open(&application_context(number), &sealed)
            .map_err(|e| damaged(&e))?;
        let application = serde_json::from_slice(&json).map_err(|e| damaged(&e))?;
        let status = Status::from_code(&status).ok_or_else(|| damaged(&status))?;
        Ok(Some(SubmittedApplication {
            number: number.to_owned(),
            project_id,
            status,
            submitted_at: to_text(submitted_at),
            application,
        }))
    }
}
