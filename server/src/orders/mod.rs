//! Orders: the status of each application, changed only through the domain's state machine,
//! with every change in `order_events` and an SMS notice to the person who applies.
//!
//! A change runs in one `BEGIN IMMEDIATE` transaction: read the status, check the move, write
//! the new status with a guard on the old one, record the event (and a rejection's flags).
//! Two reviewers clicking at once, or two payment notices a second apart, therefore make one
//! change; the second finds the order already moved and is refused. A caller with writes of
//! its own (a paid notice's trade) makes the change inside its transaction instead
//! ([`SqlOrderService::apply_in`]), so both stand or neither does.

use std::sync::Arc;

use app::domain::order::{self, Event, Order, PaymentMethod, Status};
use app::services::StoreError;
use app::services::login::UserId;
use app::services::orders::{
    Change, Flag, FlagItem, OrderError, OrderService, OrderView, Shipment, TimelineEntry, Who,
};
use app::services::sms::SmsSender;
use app::state::Catalog;
use sqlx::{Sqlite, SqlitePool, Transaction};

use crate::applications::SqlApplicationStore;
use crate::bank_check::SqlBankChecks;
use crate::clock::Clock;
use crate::store::backend;
use crate::store::time::{to_db, to_text};

mod announce;
pub(crate) use announce::Applied;

/// The longest free-text note kept with a change, in characters.
pub const MAX_NOTE_CHARS: usize = 500;

pub struct SqlOrderService {
    pool: SqlitePool,
    applications: Arc<SqlApplicationStore>,
    catalog: Arc<Catalog>,
    sms: Arc<dyn SmsSender>,
    /// Sends the financial check's transfer when an order enters 待金融认证.
    bank_checks: Arc<SqlBankChecks>,
    clock: Arc<dyn Clock>,
}

type OrderRow = (
    i64,
    String,
    String,
    String,
    i64,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
);

/// item, label, reason, fixed at, changes.
type FlagRow = (String, String, String, Option<i64>, Option<String>);

/// event, from, to, actor, actor name, note, at.
type EventRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
);

const ORDER_COLUMNS: &str = "id, number, project_id, status, total_fen, submitted_at, \
                             payment_method, courier, tracking_no, shipped_at";

fn damaged(number: &str, what: &str) -> StoreError {
    StoreError::Backend(format!("order {number}: unknown {what}"))
}

impl SqlOrderService {
    pub fn new(
        pool: SqlitePool,
        applications: Arc<SqlApplicationStore>,
        catalog: Arc<Catalog>,
        sms: Arc<dyn SmsSender>,
        bank_checks: Arc<SqlBankChecks>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            pool,
            applications,
            catalog,
            sms,
            bank_checks,
            clock,
        }
    }

    async fn build_view(&self, row: OrderRow) -> Result<OrderView, StoreError> {
        let (
            id,
            number,
            project_id,
            status,
            total_fen,
            submitted_at,
            method,
            courier,
            tracking_no,
            shipped_at,
        ) = row;
        let status = Status::from_code(&status).ok_or_else(|| damaged(&number, "status"))?;
        let payment_method = method
            .map(|m| PaymentMethod::from_code(&m).ok_or_else(|| damaged(&number, "method")))
            .transpose()?;
        let events: Vec<EventRow> = sqlx::query_as(
            "SELECT event, from_status, to_status, actor, actor_name, note, at
             FROM order_events WHERE application_id = ? ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        let mut timeline = Vec::with_capacity(events.len());
        for (event, from, to, actor, actor_name, note, at) in events {
            timeline.push(TimelineEntry {
                event: Event::from_code(&event).ok_or_else(|| damaged(&number, "event"))?,
                from: Status::from_code(&from).ok_or_else(|| damaged(&number, "status"))?,
                to: Status::from_code(&to).ok_or_else(|| damaged(&number, "status"))?,
                actor: order::Actor::from_code(&actor).ok_or_else(|| damaged(&number, "actor"))?,
                actor_name,
                note,
                at: to_text(at),
            });
        }
        // The flags of the latest rejection, and only while it is the one being answered.
        let flags = if matches!(status, Status::Rejected) || status == Status::AwaitingReview {
            let rows: Vec<FlagRow> = sqlx::query_as(
                "SELECT item, label, reason, fixed_at, changes FROM rejection_flags
                 WHERE application_id = ?1
                   AND event_id = (SELECT MAX(event_id) FROM rejection_flags
                                   WHERE application_id = ?1)
                 ORDER BY id",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
            rows.into_iter()
                .filter_map(|(item, label, reason, fixed_at, changes)| {
                    Some(Flag {
                        item: FlagItem::parse(&item)?,
                        label,
                        reason,
                        fixed_at: fixed_at.map(to_text),
                        changes,
                    })
                })
                .collect()
        } else {
            Vec::new()
        };
        let shipment = match (courier, tracking_no, shipped_at) {
            (Some(courier), Some(tracking_no), Some(shipped_at)) => Some(Shipment {
                courier,
                tracking_no,
                shipped_at: to_text(shipped_at),
            }),
            _ => None,
        };
        Ok(OrderView {
            number,
            project_id,
            status,
            payment_method,
            total_fen,
            submitted_at: to_text(submitted_at),
            timeline,
            flags,
            shipment,
        })
    }

    /// Makes `change` inside `tx`, which the caller commits and then passes the result to
    /// [`Self::announce`]. A refused change writes nothing, so the caller's own writes in
    /// `tx` may still be committed.
    pub(crate) async fn apply_in(
        &self,
        tx: &mut Transaction<'_, Sqlite>,
        number: &str,
        change: Change,
    ) -> Result<Applied, OrderError> {
        let note = clean_note(change.note.as_deref())?;
        let at = to_db(self.clock.now());
        let owner = match &change.who {
            Who::Applicant(user) => Some(user.0),
            _ => None,
        };
        let row: Option<(i64, String, Option<String>)> = sqlx::query_as(
            "SELECT id, status, payment_method FROM applications
             WHERE number = ?1 AND (?2 IS NULL OR user_id = ?2)",
        )
        .bind(number)
        .bind(owner)
        .fetch_optional(&mut **tx)
        .await
        .map_err(backend)?;
        let Some((id, status, method)) = row else {
            return Err(OrderError::NotFound);
        };
        let from = Status::from_code(&status).ok_or_else(|| damaged(number, "status"))?;
        let method = method
            .map(|m| PaymentMethod::from_code(&m).ok_or_else(|| damaged(number, "method")))
            .transpose()?;
        let order = Order {
            status: from,
            money: method.map(PaymentMethod::money),
        };
        // Checked before anything below is written.
        order.apply(change.event, change.who.actor())?;

        // What the event needs besides the move itself.
        let mut detail = note.clone();
        match change.event {
            Event::Reject => {
                if change.flags.is_empty() {
                    return Err(OrderError::Incomplete("请至少选择一项未通过的内容".into()));
                }
                let reasons: Vec<String> = change
                    .flags
                    .iter()
                    .map(|(_, label, reason)| format!("{label}{reason}"))
                    .collect();
                let mut text = reasons.join("；");
                if let Some(note) = &note {
                    text.push('；');
                    text.push_str(note);
                }
                detail = Some(text);
            }
            Event::Ship => {
                let Some((courier, tracking)) = change
                    .shipment
                    .as_ref()
                    .map(|(c, t)| (c.trim(), t.trim()))
                    .filter(|(c, t)| !c.is_empty() && !t.is_empty())
                else {
                    return Err(OrderError::Incomplete("请填写快递公司和运单号".into()));
                };
                let tracking_ok = (6..=30).contains(&tracking.len())
                    && tracking.bytes().all(|b| b.is_ascii_alphanumeric());
                if !tracking_ok {
                    return Err(OrderError::Incomplete(
                        "运单号应为 6 至 30 位字母或数字".into(),
                    ));
                }
                if courier.chars().count() > 20 {
                    return Err(OrderError::Incomplete("快递公司名称最多 20 个字".into()));
                }
                sqlx::query(
                    "UPDATE applications SET courier = ?, tracking_no = ?, shipped_at = ?
                     WHERE id = ?",
                )
                .bind(courier)
                .bind(tracking)
                .bind(at)
                .bind(id)
                .execute(&mut **tx)
                .await
                .map_err(backend)?;
                detail = Some(format!("{courier} 运单号 {tracking}"));
            }
            Event::PaidOnline | Event::VoucherUploaded => {
                let Some(method) = change.payment_method else {
                    return Err(OrderError::Incomplete("缺少支付方式".into()));
                };
                if method.is_online() != (change.event == Event::PaidOnline) {
                    return Err(OrderError::Incomplete("支付方式与操作不符".into()));
                }
                sqlx::query("UPDATE applications SET payment_method = ? WHERE id = ?")
                    .bind(method.code())
                    .bind(id)
                    .execute(&mut **tx)
                    .await
                    .map_err(backend)?;
            }
            Event::TransferRefused => {
                sqlx::query("UPDATE applications SET payment_method = NULL WHERE id = ?")
                    .bind(id)
                    .execute(&mut **tx)
                    .await
                    .map_err(backend)?;
            }
            _ => {}
        }

        // A rejection's timeline line keeps the reviewer's own note (the flags have their own
        // rows); the notice spells out both.
        let timeline_note = if change.event == Event::Reject {
            note.as_deref()
        } else {
            detail.as_deref()
        };
        let (mut next, event_id) =
            record(tx, id, order, change.event, &change.who, timeline_note, at).await?;
        if change.event == Event::Reject {
            for (item, label, reason) in &change.flags {
                sqlx::query(
                    "INSERT INTO rejection_flags (application_id, event_id, item, label, reason)
                     VALUES (?, ?, ?, ?, ?) ON CONFLICT (event_id, item) DO NOTHING",
                )
                .bind(id)
                .bind(event_id)
                .bind(item.code())
                .bind(label)
                .bind(reason)
                .execute(&mut **tx)
                .await
                .map_err(backend)?;
            }
        }
        // Approval is followed at once by the system's step, which depends on the money; the
        // notice is that step's.
        let mut last = change.event;
        if next.status == Status::Approved {
            let method =
                method.ok_or_else(|| damaged(number, "payment method of an approved order"))?;
            last = method.after_approval();
            (next, _) = record(tx, id, next, last, &Who::System, None, at).await?;
        }
        Ok(Applied {
            number: number.to_owned(),
            event: change.event,
            last,
            to: next.status,
            detail,
        })
    }
}

/// Records one move inside `tx` and returns the new status.
async fn record(
    tx: &mut Transaction<'_, Sqlite>,
    application_id: i64,
    order: Order,
    event: Event,
    who: &Who,
    note: Option<&str>,
    at: i64,
) -> Result<(Order, i64), OrderError> {
    let from = order.status;
    let next = order.apply(event, who.actor())?;
    let to = next.status;
    let updated = sqlx::query(
        "UPDATE applications SET status = ?, updated_at = ? WHERE id = ? AND status = ?",
    )
    .bind(to.code())
    .bind(at)
    .bind(application_id)
    .bind(from.code())
    .execute(&mut **tx)
    .await
    .map_err(backend)?;
    if updated.rows_affected() != 1 {
        return Err(StoreError::Backend("order changed under a write lock".into()).into());
    }
    let (actor_id, actor_name) = match who {
        Who::Applicant(user) => (Some(user.0), None),
        Who::Reviewer { id, name } => (Some(*id), Some(name.as_str())),
        Who::System => (None, None),
    };
    let event_id: i64 = sqlx::query_scalar(
        "INSERT INTO order_events (application_id, event, from_status, to_status, actor,
                                   actor_id, actor_name, note, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(application_id)
    .bind(event.code())
    .bind(from.code())
    .bind(to.code())
    .bind(who.actor().code())
    .bind(actor_id)
    .bind(actor_name)
    .bind(note)
    .bind(at)
    .fetch_one(&mut **tx)
    .await
    .map_err(backend)?;
    Ok((next, event_id))
}

/// Trims a free-text note and refuses one that is too long.
fn clean_note(note: Option<&str>) -> Result<Option<String>, OrderError> {
    let Some(note) = note.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(OrderError::Incomplete(format!(
            "说明最多 {MAX_NOTE_CHARS} 个字"
        )));
    }
    Ok(Some(note.to_owned()))
}

#[async_trait::async_trait]
impl OrderService for SqlOrderService {
    async fn view(
        &self,
        owner: Option<UserId>,
        number: &str,
    ) -> Result<Option<OrderView>, StoreError> {
        let row: Option<OrderRow> = sqlx::query_as(&format!(
            "SELECT {ORDER_COLUMNS} FROM applications
             WHERE number = ?1 AND (?2 IS NULL OR user_id = ?2)"
        ))
        .bind(number)
        .bind(owner.map(|u| u.0))
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        match row {
            Some(row) => Ok(Some(self.build_view(row).await?)),
            None => Ok(None),
        }
    }

    async fn list(&self, owner: UserId) -> Result<Vec<OrderView>, StoreError> {
        let rows: Vec<OrderRow> = sqlx::query_as(&format!(
            "SELECT {ORDER_COLUMNS} FROM applications WHERE user_id = ?
             ORDER BY submitted_at DESC, id DESC"
        ))
        .bind(owner.0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            out.push(self.build_view(row).await?);
        }
        Ok(out)
    }

    async fn apply(&self, number: &str, change: Change) -> Result<Status, OrderError> {
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(backend)?;
        let applied = self.apply_in(&mut tx, number, change).await?;
        tx.commit().await.map_err(backend)?;
        Ok(self.announce(applied).await)
    }

    async fn mark_fixed(
        &self,
        owner: UserId,
        number: &str,
        item: &FlagItem,
        changes: Option<&str>,
    ) -> Result<(), OrderError> {
        let at = to_db(self.clock.now());
        let row: Option<(i64, String)> =
            sqlx::query_as("SELECT id, status FROM applications WHERE number = ? AND user_id = ?")
                .bind(number)
                .bind(owner.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?;
        let Some((id, status)) = row else {
            return Err(OrderError::NotFound);
        };
        if status != Status::Rejected.code() {
            return Err(order::TransitionError::NotNow {
                from: Status::from_code(&status).ok_or_else(|| damaged(number, "status"))?,
                event: Event::Resubmit,
            }
            .into());
        }
        sqlx::query(
            "UPDATE rejection_flags SET fixed_at = ?1, changes = ?4
             WHERE application_id = ?2 AND item = ?3
               AND event_id = (SELECT MAX(event_id) FROM rejection_flags WHERE application_id = ?2)",
        )
        .bind(at)
        .bind(id)
        .bind(item.code())
        .bind(changes)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }
}
