//! The order behind a submitted application: its status, the timeline of how it got there, a
//! rejection's flagged items and the shipment. Every change goes through
//! [`OrderService::apply`], which checks it against [`crate::domain::order::transition`],
//! records who did it, when and why, and sends the SMS notice.

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::StoreError;
#[cfg(feature = "ssr")]
use super::login::UserId;
#[cfg(feature = "ssr")]
use crate::domain::order::TransitionError;
use crate::domain::order::{Actor, Event, NextAction, PaymentMethod, Status};

/// One line of an order's timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub event: Event,
    pub from: Status,
    pub to: Status,
    pub actor: Actor,
    /// The reviewer's display name; `None` for the applicant and the system.
    pub actor_name: Option<String>,
    /// Why: the rejection's note, the courier and tracking number, a refused transfer's reason.
    pub note: Option<String>,
    /// RFC 3339, UTC.
    pub at: String,
}

pub use crate::domain::review::FlagItem;

/// An item a reviewer flagged, with the reason the applicant reads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flag {
    pub item: FlagItem,
    /// What the item is called (授权委托书, 经办人信息, 手机身份认证).
    pub label: String,
    pub reason: String,
    /// RFC 3339, UTC: when the applicant changed it, if they did.
    pub fixed_at: Option<String>,
    /// For a corrected form section: which fields changed (移动电话、电子邮箱).
    pub changes: Option<String>,
}

/// How the certificate travels back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipment {
    pub courier: String,
    pub tracking_no: String,
    /// RFC 3339, UTC.
    pub shipped_at: String,
}

/// An order as its owner (or a reviewer) sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderView {
    pub number: String,
    pub project_id: String,
    pub business: crate::domain::business::Business,
    pub status: Status,
    pub payment_method: Option<PaymentMethod>,
    pub total_fen: i64,
    /// RFC 3339, UTC.
    pub submitted_at: String,
    /// Oldest first.
    pub timeline: Vec<TimelineEntry>,
    /// The latest rejection's flagged items; empty unless the order was rejected.
    pub flags: Vec<Flag>,
    pub shipment: Option<Shipment>,
}

impl OrderView {
    pub fn next_action(&self) -> NextAction {
        NextAction::for_status(self.status)
    }
}

/// Who asks for a change.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Who {
    /// The applicant: only their own orders.
    Applicant(UserId),
    Reviewer {
        id: i64,
        name: String,
    },
    System,
}

#[cfg(feature = "ssr")]
impl Who {
    pub fn actor(&self) -> Actor {
        match self {
            Who::Applicant(_) => Actor::Applicant,
            Who::Reviewer { .. } => Actor::Reviewer,
            Who::System => Actor::System,
        }
    }
}

/// A change to apply to an order.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub event: Event,
    pub who: Who,
    /// Free text shown on the timeline and in the notice (a rejection's note).
    pub note: Option<String>,
    /// For [`Event::Reject`]: at least one.
    pub flags: Vec<(FlagItem, String, String)>,
    /// For [`Event::Ship`].
    pub shipment: Option<(String, String)>,
    /// For [`Event::PaidOnline`] and [`Event::VoucherUploaded`].
    pub payment_method: Option<PaymentMethod>,
}

#[cfg(feature = "ssr")]
impl Change {
    pub fn new(event: Event, who: Who) -> Self {
        Self {
            event,
            who,
            note: None,
            flags: Vec::new(),
            shipment: None,
            payment_method: None,
        }
    }
}

#[cfg(feature = "ssr")]
#[derive(Debug, thiserror::Error)]
pub enum OrderError {
    #[error("没有找到这份申请")]
    NotFound,
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// The change is incomplete (no flag for a rejection, no tracking number for a shipment);
    /// the message says what is missing.
    #[error("{0}")]
    Incomplete(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait OrderService: Send + Sync {
    /// The order numbered `number`; with `owner`, only if that applicant submitted it.
    async fn view(
        &self,
        owner: Option<UserId>,
        number: &str,
    ) -> Result<Option<OrderView>, StoreError>;

    /// The applicant's orders, newest first.
    async fn list(&self, owner: UserId) -> Result<Vec<OrderView>, StoreError>;

    /// Checks and records `change`, runs the system's follow-up step (after approval: the
    /// financial check or acceptance), and sends the notice. Returns the new status.
    async fn apply(&self, number: &str, change: Change) -> Result<Status, OrderError>;

    /// Marks the flagged `item` of a rejected order as changed by its owner, with what changed.
    async fn mark_fixed(
        &self,
        owner: UserId,
        number: &str,
        item: &FlagItem,
        changes: Option<&str>,
    ) -> Result<(), OrderError>;
}
