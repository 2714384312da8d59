//! Drafts, submitted applications and their daily numbers. The JSON columns arrive sealed
//! (the service seals and opens them); this layer only keeps rows.

use super::{Db, StoreError};

mod queue;
pub use queue::{Page, QueueFilter};

/// Application numbers read `SQ` (申请) + the China date + a daily sequence of at least four
/// digits: `SQ202503010001`. Not a province code, since one portal serves several platforms.
pub const NUMBER_PREFIX: &str = "SQ";

/// A draft as stored: sealed JSON, the step slug and when it was saved (Unix seconds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DraftRow {
    pub data: Vec<u8>,
    pub step: String,
    pub saved_at: i64,
    /// The application number it became, once submitted.
    pub submitted_as: Option<String>,
}

/// What [`ApplicationRepo::submit`] stores besides the sealed application.
pub struct NewApplication<'a> {
    pub user: i64,
    pub project: &'a str,
    /// The China calendar day, `YYYYMMDD`, whose sequence numbers it.
    pub day: &'a str,
    pub status: &'a str,
    /// The quote as JSON.
    pub quote: &'a str,
    pub total_fen: i64,
    pub catalog_version: &'a str,
    pub at: i64,
}

/// Seals the application's JSON for the number it is about to get.
pub type Sealer<'a> = &'a (dyn Fn(&str) -> Vec<u8> + Send + Sync);

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Submitted {
    /// Submitted now under this number.
    New(String),
    /// Submitted before (a double click, a retried request): the number it got then.
    Earlier(String),
    /// No open draft and nothing submitted.
    NoDraft,
}

/// A submitted application.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ApplicationRow {
    pub id: i64,
    pub number: String,
    pub user_id: i64,
    pub project_id: String,
    pub status: String,
    pub total_fen: i64,
    pub submitted_at: i64,
    /// The sealed application JSON.
    pub data: Vec<u8>,
    /// The quote JSON.
    pub quote: String,
    /// [`Business`](app::domain::business::Business) code.
    pub business: String,
}

/// A line of a list: an application without its contents.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct SummaryRow {
    pub number: String,
    pub project_id: String,
    pub status: String,
    pub total_fen: i64,
    pub submitted_at: i64,
    /// [`Business`](app::domain::business::Business) code.
    pub business: String,
}

/// The trade that paid an order online.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaidTrade {
    pub out_trade_no: String,
    pub transaction_id: Option<String>,
    pub amount_fen: i64,
    pub paid_at: Option<i64>,
}

/// The one owner check: `$2`, the owner's id, or NULL for anyone (a reviewer, the system).
pub(super) const OWNED_BY_2: &str = "(CAST($2 AS BIGINT) IS NULL OR user_id = $2)";

/// The application row whose `key_column` is `key`, as `columns` into `T`; only if `owner`
/// submitted it, when given. The one owner check every single-application read goes through.
pub(super) async fn owned_row<T, K>(
    db: &Db,
    columns: &str,
    key_column: &str,
    key: K,
    owner: Option<i64>,
) -> Result<Option<T>, StoreError>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    K: for<'q> sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + Send,
{
    Ok(sqlx::query_as(&format!(
        "SELECT {columns} FROM applications WHERE {key_column} = $1 AND {OWNED_BY_2}"
    ))
    .bind(key)
    .bind(owner)
    .fetch_optional(db.pool())
    .await?)
}

const COLUMNS: &str =
    "id, number, user_id, project_id, status, total_fen, submitted_at, data, quote, business";
const SUMMARY: &str = "number, project_id, status, total_fen, submitted_at, business";

#[async_trait::async_trait]
pub trait ApplicationRepo: Send + Sync {
    /// The user's open draft of `project`, else the latest submitted one.
    async fn draft(&self, user: i64, project: &str) -> Result<Option<DraftRow>, StoreError>;

    /// Writes the open draft (creating it if nothing was ever submitted) in one guarded
    /// statement, so it cannot interleave with a submit. `Err(number)` when the draft was
    /// submitted already.
    async fn save_draft(
        &self,
        user: i64,
        project: &str,
        data: &[u8],
        step: &str,
        at: i64,
    ) -> Result<Result<(), String>, StoreError>;

    async fn submit(
        &self,
        new: &NewApplication<'_>,
        seal: Sealer<'_>,
    ) -> Result<Submitted, StoreError>;

    /// The application with this id; only if `owner` submitted it, when given.
    async fn by_id(
        &self,
        id: i64,
        owner: Option<i64>,
    ) -> Result<Option<ApplicationRow>, StoreError>;

    /// The application with this number; only if `owner` submitted it, when given.
    async fn by_number(
        &self,
        number: &str,
        owner: Option<i64>,
    ) -> Result<Option<ApplicationRow>, StoreError>;

    /// The user's applications, newest first.
    async fn list(&self, user: i64) -> Result<Vec<SummaryRow>, StoreError>;

    /// How many applications match, and one page of them: the work statuses first, then by
    /// time.
    async fn search(
        &self,
        filter: &QueueFilter,
        page: Page,
    ) -> Result<(i64, Vec<SummaryRow>), StoreError>;

    /// Replaces the owner's application JSON. `false` if it is not theirs.
    async fn amend(
        &self,
        owner: i64,
        number: &str,
        data: &[u8],
        at: i64,
    ) -> Result<bool, StoreError>;

    /// The draft an application was submitted from: sealed JSON and its project.
    async fn submitted_draft(
        &self,
        owner: i64,
        number: &str,
    ) -> Result<Option<(Vec<u8>, String)>, StoreError>;

    /// Replaces both the submitted draft and the application JSON, together. `false` if the
    /// application is not the owner's.
    async fn correct(
        &self,
        owner: i64,
        number: &str,
        draft: &[u8],
        application: &[u8],
        at: i64,
    ) -> Result<bool, StoreError>;

    /// The trade that paid application `id` online, the first if several did.
    async fn paid_trade(&self, id: i64) -> Result<Option<PaidTrade>, StoreError>;
}

#[async_trait::async_trait]
impl ApplicationRepo for Db {
    async fn draft(&self, user: i64, project: &str) -> Result<Option<DraftRow>, StoreError> {
        let row: Option<(Vec<u8>, String, i64, Option<String>)> = sqlx::query_as(
            "SELECT data, step, saved_at, submitted_as FROM drafts
             WHERE user_id = $1 AND project_id = $2
             ORDER BY submitted_as IS NULL DESC, id DESC LIMIT 1",
        )
        .bind(user)
        .bind(project)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|(data, step, saved_at, submitted_as)| DraftRow {
            data,
            step,
            saved_at,
            submitted_as,
        }))
    }

    async fn save_draft(
        &self,
        user: i64,
        project: &str,
        data: &[u8],
        step: &str,
        at: i64,
    ) -> Result<Result<(), String>, StoreError> {
        // Writes only while an open draft exists or nothing was ever submitted. One writing
        // transaction, not only one statement: on PostgreSQL a submit committing between this
        // statement's look at the drafts and its insert would otherwise leave a new open
        // draft beside the submitted one; serializable, one of the two runs again.
        self.retry(|| async {
            let mut tx = self.begin_write().await?;
            let written = sqlx::query(
                "INSERT INTO drafts (user_id, project_id, data, step, created_at, saved_at)
                 SELECT $1, $2, $3, $4, $5, $5
                 WHERE EXISTS (SELECT 1 FROM drafts
                               WHERE user_id = $1 AND project_id = $2 AND submitted_as IS NULL)
                    OR NOT EXISTS (SELECT 1 FROM drafts
                                   WHERE user_id = $1 AND project_id = $2
                                     AND submitted_as IS NOT NULL)
                 ON CONFLICT (user_id, project_id) WHERE submitted_as IS NULL DO UPDATE
                 SET data = excluded.data, step = excluded.step, saved_at = excluded.saved_at",
            )
            .bind(user)
            .bind(project)
            .bind(data)
            .bind(step)
            .bind(at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let outcome = if written == 1 {
                Ok(())
            } else {
                Err(sqlx::query_scalar(
                    "SELECT submitted_as FROM drafts
                     WHERE user_id = $1 AND project_id = $2 AND submitted_as IS NOT NULL
                     ORDER BY saved_at DESC, id DESC LIMIT 1",
                )
                .bind(user)
                .bind(project)
                .fetch_one(&mut *tx)
                .await?)
            };
            tx.commit().await?;
            Ok(outcome)
        })
        .await
    }

    async fn submit(
        &self,
        new: &NewApplication<'_>,
        seal: Sealer<'_>,
    ) -> Result<Submitted, StoreError> {
        self.retry(|| async {
            let mut tx = self.begin_write().await?;
            let open: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM drafts
                 WHERE user_id = $1 AND project_id = $2 AND submitted_as IS NULL",
            )
            .bind(new.user)
            .bind(new.project)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(draft_id) = open else {
                let earlier: Option<String> = sqlx::query_scalar(
                    "SELECT submitted_as FROM drafts
                     WHERE user_id = $1 AND project_id = $2 AND submitted_as IS NOT NULL
                     ORDER BY id DESC LIMIT 1",
                )
                .bind(new.user)
                .bind(new.project)
                .fetch_optional(&mut *tx)
                .await?;
                return Ok(earlier.map_or(Submitted::NoDraft, Submitted::Earlier));
            };
            let number = next_number(&mut tx, new.day).await?;
            // The UNIQUE draft_id is the last line of defence should two writers ever both
            // find the draft open.
            let inserted = sqlx::query(
                "INSERT INTO applications (number, user_id, project_id, draft_id, status, data,
                                           quote, total_fen, catalog_version, submitted_at,
                                           updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
                 ON CONFLICT (draft_id) DO NOTHING",
            )
            .bind(&number)
            .bind(new.user)
            .bind(new.project)
            .bind(draft_id)
            .bind(new.status)
            .bind(seal(&number))
            .bind(new.quote)
            .bind(new.total_fen)
            .bind(new.catalog_version)
            .bind(new.at)
            .execute(&mut *tx)
            .await?;
            if inserted.rows_affected() == 0 {
                let earlier: String =
                    sqlx::query_scalar("SELECT number FROM applications WHERE draft_id = $1")
                        .bind(draft_id)
                        .fetch_one(&mut *tx)
                        .await?;
                return Ok(Submitted::Earlier(earlier));
            }
            sqlx::query("UPDATE drafts SET submitted_as = $1 WHERE id = $2")
                .bind(&number)
                .bind(draft_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(Submitted::New(number))
        })
        .await
    }

    async fn by_id(
        &self,
        id: i64,
        owner: Option<i64>,
    ) -> Result<Option<ApplicationRow>, StoreError> {
        owned_row(self, COLUMNS, "id", id, owner).await
    }

    async fn by_number(
        &self,
        number: &str,
        owner: Option<i64>,
    ) -> Result<Option<ApplicationRow>, StoreError> {
        owned_row(self, COLUMNS, "number", number.to_owned(), owner).await
    }

    async fn list(&self, user: i64) -> Result<Vec<SummaryRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {SUMMARY} FROM applications WHERE user_id = $1
             ORDER BY submitted_at DESC, id DESC"
        ))
        .bind(user)
        .fetch_all(self.pool())
        .await?)
    }

    async fn search(
        &self,
        filter: &QueueFilter,
        page: Page,
    ) -> Result<(i64, Vec<SummaryRow>), StoreError> {
        queue::search(self, filter, page).await
    }

    async fn amend(
        &self,
        owner: i64,
        number: &str,
        data: &[u8],
        at: i64,
    ) -> Result<bool, StoreError> {
        let updated = sqlx::query(
            "UPDATE applications SET data = $1, updated_at = $2
             WHERE number = $3 AND user_id = $4",
        )
        .bind(data)
        .bind(at)
        .bind(number)
        .bind(owner)
        .execute(self.pool())
        .await?;
        Ok(updated.rows_affected() == 1)
    }

    async fn submitted_draft(
        &self,
        owner: i64,
        number: &str,
    ) -> Result<Option<(Vec<u8>, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT data, project_id FROM drafts WHERE submitted_as = $1 AND user_id = $2",
        )
        .bind(number)
        .bind(owner)
        .fetch_optional(self.pool())
        .await?)
    }

    async fn correct(
        &self,
        owner: i64,
        number: &str,
        draft: &[u8],
        application: &[u8],
        at: i64,
    ) -> Result<bool, StoreError> {
        self.retry(|| async {
            let mut tx = self.begin_write().await?;
            let updated = sqlx::query(
                "UPDATE applications SET data = $1, updated_at = $2
                 WHERE number = $3 AND user_id = $4",
            )
            .bind(application)
            .bind(at)
            .bind(number)
            .bind(owner)
            .execute(&mut *tx)
            .await?;
            if updated.rows_affected() != 1 {
                return Ok(false);
            }
            sqlx::query(
                "UPDATE drafts SET data = $1, saved_at = $2 WHERE submitted_as = $3 AND user_id = $4",
            )
            .bind(draft)
            .bind(at)
            .bind(number)
            .bind(owner)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    async fn paid_trade(&self, id: i64) -> Result<Option<PaidTrade>, StoreError> {
        let row: Option<(String, Option<String>, i64, Option<i64>)> = sqlx::query_as(
            "SELECT out_trade_no, transaction_id, amount_fen, paid_at FROM payments
             WHERE application_id = $1 AND state = 'paid' ORDER BY paid_at, id LIMIT 1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(
            |(out_trade_no, transaction_id, amount_fen, paid_at)| PaidTrade {
                out_trade_no,
                transaction_id,
                amount_fen,
                paid_at,
            },
        ))
    }
}

/// The next order number of China calendar day `day` (`YYYYMMDD`), inside the caller's
/// writing transaction: every business numbers its orders from the same sequence.
pub(crate) async fn next_number(
    conn: &mut sqlx::AnyConnection,
    day: &str,
) -> Result<String, StoreError> {
    let seq: i64 = sqlx::query_scalar(
        "INSERT INTO application_numbers (day, last) VALUES ($1, 1)
         ON CONFLICT (day) DO UPDATE SET last = application_numbers.last + 1
         RETURNING last",
    )
    .bind(day)
    .fetch_one(conn)
    .await?;
    Ok(format!("{NUMBER_PREFIX}{day}{seq:04}"))
}
