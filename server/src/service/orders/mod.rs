//! Orders: the status of each application, changed only through the domain's state machine,
//! with every change in `order_events` and an SMS notice to the person who applies.
//!
//! A change reads the order, checks the move against the state machine and writes it with a
//! compare-and-set on the status it read ([`OrderRepo::move_if`]). Two reviewers clicking at
//! once, or two payment notices a second apart, therefore make one change; the other reads
//! again, finds the order already moved and is refused. A caller with writes of its own (a paid
//! notice's trade) plans the change here ([`Orders::plan`]) and writes it inside its own
//! transaction (`store::orders::move_in`), so both stand or neither does.

use std::sync::Arc;

use app::domain::business::Business;
use app::domain::order::{self, Event, Order, PaymentMethod, Status};
use app::services::StoreError;
use app::services::applications::ApplicationStore;
use app::services::login::UserId;
use app::services::orders::{
    Change, Flag, FlagItem, OrderError, OrderService, OrderView, Shipment, TimelineEntry, Who,
};
use app::services::sms::SmsSender;
use app::state::Catalog;

use crate::clock::Clock;
use crate::service::bank_check::Transfers;
use crate::service::certificates::{Certificates, IssuingError};
use crate::service::renewals::Renewals;
use crate::store::orders::{EventRow, Move, NewFlag, OrderRepo, OrderRow};
use crate::store::time::{to_db, to_text};

mod announce;
pub(crate) use announce::Applied;

/// The longest free-text note kept with a change, in characters.
pub const MAX_NOTE_CHARS: usize = 500;
/// How often a change is planned again after another change overtook it.
const MOVE_ATTEMPTS: usize = 4;

pub struct Orders {
    repo: Arc<dyn OrderRepo>,
    applications: Arc<dyn ApplicationStore>,
    catalog: Arc<Catalog>,
    sms: Arc<dyn SmsSender>,
    /// Sends the financial check's transfer when an order enters 待金融认证.
    bank_checks: Arc<Transfers>,
    /// Issues the order's certificates when production starts.
    certificates: Arc<Certificates>,
    /// Completes a renewal once paid, and gives back an unpaid one's certificates.
    renewals: Arc<Renewals>,
    clock: Arc<dyn Clock>,
}

/// What follows an order into the certificates' life: issuing them, and renewing them.
pub struct Issuing {
    pub certificates: Arc<Certificates>,
    pub renewals: Arc<Renewals>,
}

/// A change checked against the order as it was read, not yet written: write `change` to order
/// `id` (by `move_if` or `move_in`), and once committed pass `applied` to [`Orders::announce`].
pub(crate) struct Planned {
    pub(crate) id: i64,
    pub(crate) change: Move,
    pub(crate) applied: Applied,
}

fn damaged(number: &str, what: &str) -> StoreError {
    StoreError::Backend(format!("order {number}: unknown {what}"))
}

/// A repository's error as the order service's.
fn stored(error: crate::store::StoreError) -> OrderError {
    OrderError::Store(error.into())
}

fn status_of(number: &str, code: &str) -> Result<Status, StoreError> {
    Status::from_code(code).ok_or_else(|| damaged(number, "status"))
}

impl Orders {
    pub fn new(
        repo: Arc<dyn OrderRepo>,
        applications: Arc<dyn ApplicationStore>,
        catalog: Arc<Catalog>,
        sms: Arc<dyn SmsSender>,
        bank_checks: Arc<Transfers>,
        issuing: Issuing,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let Issuing {
            certificates,
            renewals,
        } = issuing;
        Self {
            repo,
            applications,
            catalog,
            sms,
            bank_checks,
            certificates,
            renewals,
            clock,
        }
    }

    async fn build_view(&self, row: OrderRow) -> Result<OrderView, StoreError> {
        let number = row.number;
        let status = status_of(&number, &row.status)?;
        let payment_method = row
            .payment_method
            .map(|m| PaymentMethod::from_code(&m).ok_or_else(|| damaged(&number, "method")))
            .transpose()?;
        let mut timeline = Vec::new();
        for event in self.repo.timeline(row.id).await? {
            timeline.push(TimelineEntry {
                event: Event::from_code(&event.event).ok_or_else(|| damaged(&number, "event"))?,
                from: status_of(&number, &event.from_status)?,
                to: status_of(&number, &event.to_status)?,
                actor: order::Actor::from_code(&event.actor)
                    .ok_or_else(|| damaged(&number, "actor"))?,
                actor_name: event.actor_name,
                note: event.note,
                at: to_text(event.at),
            });
        }
        // The flags of the latest rejection, and only while it is the one being answered.
        let flags = if matches!(status, Status::Rejected | Status::AwaitingReview) {
            self.repo
                .flags(row.id)
                .await?
                .into_iter()
                .filter_map(|flag| {
                    Some(Flag {
                        item: FlagItem::parse(&flag.item)?,
                        label: flag.label,
                        reason: flag.reason,
                        fixed_at: flag.fixed_at.map(to_text),
                        changes: flag.changes,
                    })
                })
                .collect()
        } else {
            Vec::new()
        };
        let shipment = match (row.courier, row.tracking_no, row.shipped_at) {
            (Some(courier), Some(tracking_no), Some(shipped_at)) => Some(Shipment {
                courier,
                tracking_no,
                shipped_at: to_text(shipped_at),
            }),
            _ => None,
        };
        Ok(OrderView {
            business: Business::parse(&row.business).ok_or_else(|| damaged(&number, "business"))?,
            number,
            project_id: row.project_id,
            status,
            payment_method,
            total_fen: row.total_fen,
            submitted_at: to_text(row.submitted_at),
            timeline,
            flags,
            shipment,
        })
    }

    /// Checks `change` against order `number` as it is now and says what to write. Writes
    /// nothing.
    pub(crate) async fn plan(&self, number: &str, change: &Change) -> Result<Planned, OrderError> {
        let note = clean_note(change.note.as_deref())?;
        let at = to_db(self.clock.now());
        let owner = match &change.who {
            Who::Applicant(user) => Some(user.0),
            _ => None,
        };
        let Some(row) = self.repo.order(number, owner).await.map_err(stored)? else {
            return Err(OrderError::NotFound);
        };
        let method = row
            .payment_method
            .map(|m| PaymentMethod::from_code(&m).ok_or_else(|| damaged(number, "method")))
            .transpose()?;
        let order = Order {
            business: Business::parse(&row.business).ok_or_else(|| damaged(number, "business"))?,
            status: status_of(number, &row.status)?,
            money: method.map(PaymentMethod::money),
        };
        // Checked before anything below is planned.
        order.apply(change.event, change.who.actor())?;

        // What the event needs besides the move itself.
        let mut planned = Move::default();
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
                planned.flags = change
                    .flags
                    .iter()
                    .map(|(item, label, reason)| NewFlag {
                        item: item.code(),
                        label: label.clone(),
                        reason: reason.clone(),
                    })
                    .collect();
            }
            Event::Ship => {
                let (courier, tracking) = shipment(change.shipment.as_ref())?;
                detail = Some(format!("{courier} 运单号 {tracking}"));
                planned.shipment = Some((courier.to_owned(), tracking.to_owned()));
            }
            Event::PaidOnline | Event::VoucherUploaded => {
                let Some(method) = change.payment_method else {
                    return Err(OrderError::Incomplete("缺少支付方式".into()));
                };
                if method.is_online() != (change.event == Event::PaidOnline) {
                    return Err(OrderError::Incomplete("支付方式与操作不符".into()));
                }
                planned.payment_method = Some(Some(method.code().to_owned()));
            }
            Event::TransferRefused => planned.payment_method = Some(None),
            _ => {}
        }

        // A rejection's timeline line keeps the reviewer's own note (the flags have their own
        // rows); the notice spells out both.
        let timeline_note = if change.event == Event::Reject {
            note
        } else {
            detail.clone()
        };
        let mut next = step(
            &mut planned,
            order,
            change.event,
            &change.who,
            timeline_note,
            at,
        )?;
        // Approval is followed at once by the system's step, which depends on the money; the
        // notice is that step's.
        let mut last = change.event;
        if next.status == Status::Approved {
            let method =
                method.ok_or_else(|| damaged(number, "payment method of an approved order"))?;
            last = method.after_approval();
            next = step(&mut planned, next, last, &Who::System, None, at)?;
        }
        Ok(Planned {
            id: row.id,
            change: planned,
            applied: Applied {
                number: number.to_owned(),
                event: change.event,
                last,
                to: next.status,
                detail,
            },
        })
    }
}

/// Adds one recorded step to `planned` and returns the order after it.
fn step(
    planned: &mut Move,
    order: Order,
    event: Event,
    who: &Who,
    note: Option<String>,
    at: i64,
) -> Result<Order, OrderError> {
    let next = order.apply(event, who.actor())?;
    let (actor_id, actor_name) = match who {
        Who::Applicant(user) => (Some(user.0), None),
        Who::Reviewer { id, name } => (Some(*id), Some(name.clone())),
        Who::System => (None, None),
    };
    planned.events.push(EventRow {
        event: event.code().to_owned(),
        from_status: order.status.code().to_owned(),
        to_status: next.status.code().to_owned(),
        actor: who.actor().code().to_owned(),
        actor_id,
        actor_name,
        note,
        at,
    });
    Ok(next)
}

/// A shipment's courier and tracking number, trimmed and checked.
fn shipment(given: Option<&(String, String)>) -> Result<(&str, &str), OrderError> {
    let Some((courier, tracking)) = given
        .map(|(c, t)| (c.trim(), t.trim()))
        .filter(|(c, t)| !c.is_empty() && !t.is_empty())
    else {
        return Err(OrderError::Incomplete("请填写快递公司和运单号".into()));
    };
    let tracking_ok =
        (6..=30).contains(&tracking.len()) && tracking.bytes().all(|b| b.is_ascii_alphanumeric());
    if !tracking_ok {
        return Err(OrderError::Incomplete(
            "运单号应为 6 至 30 位字母或数字".into(),
        ));
    }
    if courier.chars().count() > 20 {
        return Err(OrderError::Incomplete("快递公司名称最多 20 个字".into()));
    }
    Ok((courier, tracking))
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
impl OrderService for Orders {
    async fn view(
        &self,
        owner: Option<UserId>,
        number: &str,
    ) -> Result<Option<OrderView>, StoreError> {
        match self.repo.order(number, owner.map(|u| u.0)).await? {
            Some(row) => Ok(Some(self.build_view(row).await?)),
            None => Ok(None),
        }
    }

    async fn list(&self, owner: UserId) -> Result<Vec<OrderView>, StoreError> {
        let mut out = Vec::new();
        for row in self.repo.orders(owner.0).await? {
            out.push(self.build_view(row).await?);
        }
        Ok(out)
    }

    async fn apply(&self, number: &str, change: Change) -> Result<Status, OrderError> {
        for _ in 0..MOVE_ATTEMPTS {
            let planned = self.plan(number, &change).await?;
            // The certificates exist before the order says 制证中; issuing is idempotent, so
            // a move lost to another change issues nothing twice.
            if change.event == Event::StartProduction {
                self.certificates
                    .issue(number)
                    .await
                    .map_err(|error| match error {
                        IssuingError::Store(error) => OrderError::Store(error),
                        other => {
                            tracing::error!(number, error = %other, "issuing certificates failed");
                            OrderError::Incomplete(
                                "证书签发系统暂时没有响应，订单没有变化，请稍后再试".into(),
                            )
                        }
                    })?;
            }
            if self
                .repo
                .move_if(planned.id, &planned.change)
                .await
                .map_err(stored)?
            {
                return Ok(self.announce(planned.applied).await);
            }
            // Another change came first: check this one against where it left the order.
        }
        Err(StoreError::Backend(format!("order {number} kept changing")).into())
    }

    async fn mark_fixed(
        &self,
        owner: UserId,
        number: &str,
        item: &FlagItem,
        changes: Option<&str>,
    ) -> Result<(), OrderError> {
        let Some(row) = self
            .repo
            .order(number, Some(owner.0))
            .await
            .map_err(stored)?
        else {
            return Err(OrderError::NotFound);
        };
        let not_now = |status: &str| -> OrderError {
            match status_of(number, status) {
                Ok(from) => order::TransitionError::NotNow {
                    from,
                    event: Event::Resubmit,
                }
                .into(),
                Err(error) => error.into(),
            }
        };
        if row.status != Status::Rejected.code() {
            return Err(not_now(&row.status));
        }
        let at = to_db(self.clock.now());
        if !self
            .repo
            .mark_fixed(row.id, &item.code(), changes, at)
            .await
            .map_err(stored)?
        {
            // Resubmitted meanwhile, or no such flag (which changes nothing, as before).
            if let Some(now) = self
                .repo
                .order(number, Some(owner.0))
                .await
                .map_err(stored)?
                && now.status != Status::Rejected.code()
            {
                return Err(not_now(&now.status));
            }
        }
        Ok(())
    }
}
