//! 注销: the holder withdraws a certificate for good. Free, confirmed with a code texted to the
//! registered mobile and a reason; the CA's system revokes it and the order is done. Nothing
//! is refunded online (the seeds' halls refund, if at all, by the CA's own procedure).

use serde::{Deserialize, Serialize};

use crate::domain::order::{Actor, Event, Status, TransitionError, may};

/// Why the holder withdraws the certificate (the revocation request's reason).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The organisation closed, merged or was deregistered.
    OrganisationClosed,
    /// The holder left the organisation.
    HolderLeft,
    NoLongerNeeded,
    /// The certificate names a wrong or outdated detail.
    WrongDetails,
    /// The key may be in someone else's hands.
    KeyCompromised,
}

impl Reason {
    pub const ALL: [Reason; 5] = [
        Reason::NoLongerNeeded,
        Reason::OrganisationClosed,
        Reason::HolderLeft,
        Reason::WrongDetails,
        Reason::KeyCompromised,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Reason::OrganisationClosed => "organisation_closed",
            Reason::HolderLeft => "holder_left",
            Reason::NoLongerNeeded => "no_longer_needed",
            Reason::WrongDetails => "wrong_details",
            Reason::KeyCompromised => "key_compromised",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Reason::OrganisationClosed => "单位已注销、合并或撤销",
            Reason::HolderLeft => "证书持有人已离职",
            Reason::NoLongerNeeded => "不再参与投标，无需使用",
            Reason::WrongDetails => "证书信息有误或已过时",
            Reason::KeyCompromised => "U 盾或密码可能已被他人掌握",
        }
    }
}

/// The steps of a cancellation: opened once the code is right, done when the CA's system has
/// revoked the certificate (retried until it answers).
pub fn transition(from: Status, event: Event, actor: Actor) -> Result<Status, TransitionError> {
    let to = match (from, event) {
        (Status::InProduction, Event::Complete) => Status::Completed,
        _ => return Err(TransitionError::NotNow { from, event }),
    };
    if !may(actor, event) {
        return Err(TransitionError::NotAllowed { actor, event });
    }
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_round_trip() {
        for reason in Reason::ALL {
            assert_eq!(Reason::parse(reason.code()), Some(reason));
        }
        assert_eq!(Reason::parse("其他"), None);
    }

    #[test]
    fn only_the_system_completes_and_only_once() {
        assert_eq!(
            transition(Status::InProduction, Event::Complete, Actor::System),
            Ok(Status::Completed)
        );
        assert!(transition(Status::InProduction, Event::Complete, Actor::Applicant).is_err());
        for event in Event::ALL {
            for actor in [Actor::Applicant, Actor::Reviewer, Actor::System] {
                assert!(transition(Status::Completed, event, actor).is_err());
            }
        }
    }
}
