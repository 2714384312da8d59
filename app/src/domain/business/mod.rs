//! The hall's businesses: the new application, and what may be done with a certificate once
//! issued. Each is an order with its own number, quote and timeline on the one order state
//! machine; what differs per business is which steps apply ([`transition`]), and it lives in
//! one module per business.

pub mod cancellation;
pub mod change;
pub mod renewal;
pub mod replacement;
pub mod unlock;

use serde::{Deserialize, Serialize};

use crate::domain::order::{self, Actor, Event, Status, TransitionError};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Business {
    /// 新办: a new application, ending with the keys shipped.
    New,
    Renewal,
    Change,
    Unlock,
    Replacement,
    Cancellation,
}

impl Business {
    pub const ALL: [Business; 6] = [
        Business::New,
        Business::Renewal,
        Business::Change,
        Business::Unlock,
        Business::Replacement,
        Business::Cancellation,
    ];

    /// What an issued certificate may be taken to.
    pub const LIFECYCLE: [Business; 5] = [
        Business::Renewal,
        Business::Change,
        Business::Unlock,
        Business::Replacement,
        Business::Cancellation,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Business::New => "new",
            Business::Renewal => "renewal",
            Business::Change => "change",
            Business::Unlock => "unlock",
            Business::Replacement => "replacement",
            Business::Cancellation => "cancellation",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Business::New => "新办",
            Business::Renewal => "续期",
            Business::Change => "信息变更",
            Business::Unlock => "解锁",
            Business::Replacement => "介质补办",
            Business::Cancellation => "注销",
        }
    }

    /// `status` as an order of this business reads it: 制证中 fits a certificate being made on
    /// a key (a new one, a replacement, a change); a renewal, cancellation or unlock in the CA's
    /// hands is 办理中.
    pub fn status_label(self, status: Status) -> &'static str {
        match (self, status) {
            (
                Business::Renewal | Business::Cancellation | Business::Unlock,
                Status::InProduction,
            ) => "办理中",
            _ => status.label(),
        }
    }

    /// Whether its order ends with a certificate on a new key, whose PIN reaches the applicant
    /// (a renewal keeps the key and its PIN; cancellation and unlock make no certificate).
    pub fn delivers_pin(self) -> bool {
        matches!(
            self,
            Business::New | Business::Change | Business::Replacement
        )
    }

    /// Whether its checks (review) come before the money: a renewal that needs them is
    /// reviewed first, so nothing is paid for a renewal review refuses.
    pub fn reviews_before_payment(self) -> bool {
        self == Business::Renewal
    }

    /// The status an order of this business starts in.
    pub fn first_status(self) -> Status {
        match self {
            Business::Renewal => Status::AwaitingPayment,
            // Confirmed by a texted code before the order exists; the CA's system finishes it.
            Business::Cancellation | Business::Unlock => Status::InProduction,
            _ => Status::AwaitingMaterials,
        }
    }
}

/// The status `event` leads an order of `business` to from `from`, or why it cannot happen.
pub fn transition(
    business: Business,
    from: Status,
    event: Event,
    actor: Actor,
) -> Result<Status, TransitionError> {
    match business {
        Business::New => order::transition(from, event, actor),
        Business::Renewal => renewal::transition(from, event, actor),
        Business::Cancellation => cancellation::transition(from, event, actor),
        Business::Unlock => unlock::transition(from, event, actor),
        Business::Replacement => replacement::transition(from, event, actor),
        Business::Change => change::transition(from, event, actor),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for business in Business::ALL {
            assert_eq!(Business::parse(business.code()), Some(business));
        }
        assert_eq!(Business::parse("renew"), None);
    }
}
