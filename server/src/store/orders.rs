//! The status of each application, its history (`order_events`) and a rejection's flags.
//!
//! A status only changes by [`OrderRepo::move_if`] (or [`move_in`], inside another
//! repository's transaction): a compare-and-set on the status the caller saw, written together
//! with its events, so of two racing changes exactly one is recorded.

use sqlx::AnyConnection;

use super::applications::owned_row;
use super::{Db, StoreError};

/// An order as the pages show it, without its history.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct OrderRow {
    pub id: i64,
    pub number: String,
    pub user_id: i64,
    pub project_id: String,
    pub status: String,
    /// [`Business`](app::domain::business::Business) code: `new`, `renewal`, …
    pub business: String,
    pub total_fen: i64,
    pub submitted_at: i64,
    pub payment_method: Option<String>,
    pub courier: Option<String>,
    pub tracking_no: Option<String>,
    pub shipped_at: Option<i64>,
}

/// One recorded step; `actor_id` is the user's or the reviewer's id.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct EventRow {
    pub event: String,
    pub from_status: String,
    pub to_status: String,
    pub actor: String,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub note: Option<String>,
    pub at: i64,
}

/// An item a rejection flagged, and whether the applicant says it is fixed.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct FlagRow {
    pub item: String,
    pub label: String,
    pub reason: String,
    pub fixed_at: Option<i64>,
    pub changes: Option<String>,
}

/// A flag to record with a rejection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewFlag {
    pub item: String,
    pub label: String,
    pub reason: String,
}

/// One change of status: from the status the caller saw, through the recorded `events`
/// (each one's `from_status`/`to_status`; an approval is followed by the system's step), with
/// what the change writes besides.
#[derive(Clone, Debug, Default)]
pub struct Move {
    pub events: Vec<EventRow>,
    /// `Some(None)` clears the payment method.
    pub payment_method: Option<Option<String>>,
    /// Courier and tracking number; shipped at the first event's time.
    pub shipment: Option<(String, String)>,
    /// Recorded with the first event.
    pub flags: Vec<NewFlag>,
}

const COLUMNS: &str = "id, number, user_id, project_id, status, business, total_fen, \
                       submitted_at, payment_method, courier, tracking_no, shipped_at";

#[async_trait::async_trait]
pub trait OrderRepo: Send + Sync {
    /// The order numbered `number`; only if `owner` submitted it, when given.
    async fn order(&self, number: &str, owner: Option<i64>)
    -> Result<Option<OrderRow>, StoreError>;

    /// The owner's orders, newest first.
    async fn orders(&self, owner: i64) -> Result<Vec<OrderRow>, StoreError>;

    /// Makes `change` if order `id` is still in the first event's `from_status`. `false`
    /// (and nothing written) if it is not.
    async fn move_if(&self, id: i64, change: &Move) -> Result<bool, StoreError>;

    /// The order's events, oldest first.
    async fn timeline(&self, id: i64) -> Result<Vec<EventRow>, StoreError>;

    /// The flags of the order's latest rejection.
    async fn flags(&self, id: i64) -> Result<Vec<FlagRow>, StoreError>;

    /// Marks a flag of the latest rejection fixed, while the order is still `rejected`.
    /// `false` if it was not (or has no such flag).
    async fn mark_fixed(
        &self,
        id: i64,
        item: &str,
        changes: Option<&str>,
        at: i64,
    ) -> Result<bool, StoreError>;
}

#[async_trait::async_trait]
impl OrderRepo for Db {
    async fn order(
        &self,
        number: &str,
        owner: Option<i64>,
    ) -> Result<Option<OrderRow>, StoreError> {
        owned_row(self, COLUMNS, "number", number.to_owned(), owner).await
    }

    async fn orders(&self, owner: i64) -> Result<Vec<OrderRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM applications WHERE user_id = $1
             ORDER BY submitted_at DESC, id DESC"
        ))
        .bind(owner)
        .fetch_all(self.pool())
        .await?)
    }

    async fn move_if(&self, id: i64, change: &Move) -> Result<bool, StoreError> {
        self.retry(|| async {
            let mut tx = self.begin_write().await?;
            if !move_in(&mut tx, id, change).await? {
                return Ok(false);
            }
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    async fn timeline(&self, id: i64) -> Result<Vec<EventRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT event, from_status, to_status, actor, actor_id, actor_name, note, at
             FROM order_events WHERE application_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?)
    }

    async fn flags(&self, id: i64) -> Result<Vec<FlagRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT item, label, reason, fixed_at, changes FROM rejection_flags
             WHERE application_id = $1
               AND event_id = (SELECT MAX(event_id) FROM rejection_flags WHERE application_id = $1)
             ORDER BY id",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?)
    }

    async fn mark_fixed(
        &self,
        id: i64,
        item: &str,
        changes: Option<&str>,
        at: i64,
    ) -> Result<bool, StoreError> {
        let updated = sqlx::query(
            "UPDATE rejection_flags SET fixed_at = $1, changes = $4
             WHERE application_id = $2 AND item = $3
               AND event_id = (SELECT MAX(event_id) FROM rejection_flags WHERE application_id = $2)
               AND EXISTS (SELECT 1 FROM applications WHERE id = $2 AND status = 'rejected')",
        )
        .bind(at)
        .bind(id)
        .bind(item)
        .bind(changes)
        .execute(self.pool())
        .await?;
        Ok(updated.rows_affected() == 1)
    }
}

/// [`OrderRepo::move_if`] inside a writing transaction another repository owns (a paid notice
/// moves the order with its trade): `false`, with nothing written, if order `id` is no longer
/// in the first event's `from_status`, so the caller's own writes may still be committed.
pub(crate) async fn move_in(
    conn: &mut AnyConnection,
    id: i64,
    change: &Move,
) -> Result<bool, StoreError> {
    let (Some(first), Some(last)) = (change.events.first(), change.events.last()) else {
        return Ok(false);
    };
    let updated = sqlx::query(
        "UPDATE applications SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
    )
    .bind(&last.to_status)
    .bind(last.at)
    .bind(id)
    .bind(&first.from_status)
    .execute(&mut *conn)
    .await?;
    if updated.rows_affected() != 1 {
        return Ok(false);
    }
    if let Some(method) = &change.payment_method {
        sqlx::query("UPDATE applications SET payment_method = $1 WHERE id = $2")
            .bind(method.as_deref())
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    if let Some((courier, tracking)) = &change.shipment {
        sqlx::query(
            "UPDATE applications SET courier = $1, tracking_no = $2, shipped_at = $3
             WHERE id = $4",
        )
        .bind(courier)
        .bind(tracking)
        .bind(first.at)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    }
    for (i, event) in change.events.iter().enumerate() {
        let event_id: i64 = sqlx::query_scalar(
            "INSERT INTO order_events (application_id, event, from_status, to_status, actor,
                                       actor_id, actor_name, note, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(id)
        .bind(&event.event)
        .bind(&event.from_status)
        .bind(&event.to_status)
        .bind(&event.actor)
        .bind(event.actor_id)
        .bind(event.actor_name.as_deref())
        .bind(event.note.as_deref())
        .bind(event.at)
        .fetch_one(&mut *conn)
        .await?;
        if i > 0 {
            continue;
        }
        for flag in &change.flags {
            sqlx::query(
                "INSERT INTO rejection_flags (application_id, event_id, item, label, reason)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_id, item) DO NOTHING",
            )
            .bind(id)
            .bind(event_id)
            .bind(&flag.item)
            .bind(&flag.label)
            .bind(&flag.reason)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(true)
}
