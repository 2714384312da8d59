//! What follows a committed order change: the log line, the financial check's transfer and
//! the SMS notice to the person who applies. Kept apart from the change itself so a caller
//! that commits the change in its own transaction (a paid notice) announces it the same way.

use app::domain::application::Variant;
use app::domain::business::{Business, renewal};
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
        let business = match self.repo.order(number, None).await {
            Ok(Some(row)) => Business::parse(&row.business).unwrap_or(Business::New),
            _ => Business::New,
        };
        if to == Status::Cancelled
            && business != Business::New
            && let Err(error) = self.certificates.release(number).await
        {
            tracing::error!(%error, number, "releasing a cancelled order's certificates failed");
        }
        if business == Business::Renewal {
            return self
                .after_renewal_move(number, last, to, detail.as_deref())
                .await;
        }
        self.notify(number, last, detail.as_deref()).await;
        to
    }

    /// A renewal paid goes on at once to the issuing system. Only the outcome is told: paid
    /// and renewed is one message. Before the money, a renewal that needs the checks is told
    /// how review goes.
    async fn after_renewal_move(
        &self,
        number: &str,
        event: Event,
        to: Status,
        detail: Option<&str>,
    ) -> Status {
        match to {
            Status::InProduction => self.finish_renewal(number).await,
            _ => {
                if matches!(
                    event,
                    Event::TransferRefused
                        | Event::ReadyToPay
                        | Event::Reject
                        | Event::Resubmit
                        | Event::Approve
                ) {
                    self.notify(number, event, detail).await;
                }
                to
            }
        }
    }

    /// Completes the renewals paid while the issuing system was away.
    pub async fn finish_unfinished_renewals(&self) {
        match self.renewals.unfinished().await {
            Ok(numbers) => {
                for number in numbers {
                    self.finish_renewal(&number).await;
                }
            }
            Err(error) => tracing::warn!(%error, "listing unfinished renewals failed"),
        }
    }

    /// Completes paid renewal `number` and tells the applicant its new term. Should the
    /// issuing system fail, the order stays 制证中 and the maintenance loop tries again.
    pub(crate) async fn finish_renewal(&self, number: &str) -> Status {
        match self.renewals.finish(number).await {
            Ok(Some(finished)) => {
                let detail = app::domain::certificate::date_label(finished.last_day);
                self.notify(number, Event::Issue, Some(&detail)).await;
                Status::Completed
            }
            Ok(None) => Status::InProduction,
            Err(error) => {
                tracing::error!(%error, number, "renewal not completed yet");
                Status::InProduction
            }
        }
    }

    /// Sends the notice for arriving at `to`, signed for the order's project, to the person
    /// who applies (the agent, or the natural person). A failed send is logged, not undone:
    /// the change stands and the personal centre shows it.
    async fn notify(&self, number: &str, event: Event, detail: Option<&str>) {
        let found = match self.applications.by_number(number).await {
            Ok(Some(found)) => found,
            Ok(None) => return,
            Err(error) => {
                tracing::error!(%error, number, "notice not sent: application unreadable");
                return;
            }
        };
        let personal = found.application.variant() == Variant::NaturalPerson;
        let own = match found.business {
            Business::Renewal => renewal::notice(number, event),
            _ => None,
        };
        let Some(body) = own.or_else(|| order::notice(number, event, detail, personal)) else {
            return;
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
