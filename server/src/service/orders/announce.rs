//! What follows a committed order change: the log line, the financial check's transfer and
//! the SMS notice to the person who applies. Kept apart from the change itself so a caller
//! that commits the change in its own transaction (a paid notice) announces it the same way.

use app::domain::order::{self, Event, Status};
use app::services::sms::SmsKind;

use super::Orders;

/// A change written but not yet committed: what [`Orders::announce`] needs.
pub(crate) struct Applied {
    pub(super) number: String,
    pub(super) event: Event,
    /// The last event recorded (approval is followed by the system's own step).
    pub(super) last: Event,
    pub(super) to: Status,
    pub(super) detail: Option<String>,
}

impl Applied {
    /// A one-step change another store made in its own transaction (a paid notice's).
    pub(crate) fn new(number: &str, event: Event, to: Status, detail: Option<String>) -> Self {
        Self {
            number: number.to_owned(),
            event,
            last: event,
            to,
            detail,
        }
    }
}

impl Orders {
    /// What follows a committed change: the log line, the financial check's transfer and the
    /// notice. Returns the new status.
    pub(crate) async fn announce(&self, applied: Applied) -> Status {
        let Applied {
            number,
            event,
            last,
            to,
            detail,
        } = applied;
        let number = number.as_str();
        tracing::info!(
            number,
            event = event.code(),
            to = to.code(),
            "order changed"
        );
        if to == Status::AwaitingBankCheck {
            // Before the notice, which tells the applicant the transfer went out. Should it
            // fail, the personal centre sends it when the applicant opens the order.
            if let Err(error) = self.bank_checks.start(number).await {
                tracing::error!(%error, number, "financial check transfer not sent");
            }
        }
        self.notify(number, last, detail.as_deref()).await;
        to
    }

    /// Sends the notice for arriving at `to`, signed for the order's project, to the person
    /// who applies (the agent, or the natural person). A failed send is logged, not undone:
    /// the change stands and the personal centre shows it.
    async fn notify(&self, number: &str, event: Event, detail: Option<&str>) {
        let Some(body) = order::notice(number, event, detail) else {
            return;
        };
        let found = match self.applications.by_number(number).await {
            Ok(Some(found)) => found,
            Ok(None) => return,
            Err(error) => {
                tracing::error!(%error, number, "notice not sent: application unreadable");
                return;
            }
        };
        let signature = self
            .catalog
            .project(&found.project_id)
            .map(|p| p.sms_signature.clone())
            .unwrap_or_default();
        let mobile = found.application.identity_subject().1.mobile.clone();
        if let Err(error) = self
            .sms
            .send(&mobile, SmsKind::Notice, &format!("{signature}{body}"))
            .await
        {
            tracing::error!(%error, number, "order notice SMS failed");
        }
    }
}
