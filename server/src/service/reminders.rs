//! Expiry reminders: one SMS per certificate for each of its project's reminder days
//! (`Lifecycle.reminder_days`), to the person who applied, with the link to renew.
//!
//! The reminder due on a day is the one for the smallest reminder day not below the days
//! left, provided the certificate already existed on that reminder's day: a reminder missed
//! (the certificate was issued later, or no instance ran) gives way to the next one instead
//! of two arriving at once, and nothing is sent once the certificate has expired. Each
//! reminder is claimed in the database before it is sent, so instances running the job at
//! once send it once; a claim whose SMS failed is released for the next run.

use std::collections::HashMap;
use std::sync::Arc;

use app::domain::application::Applicant;
use app::domain::catalog::{ProductKind, Project};
use app::domain::certificate::date_label;
use app::services::StoreError;
use app::services::applications::{ApplicationStore, SubmittedApplication};
use app::services::sms::{SmsKind, SmsSender};
use app::state::Catalog;
use time::{Date, Duration};

use crate::clock::{Clock, china_date};
use crate::store::reminders::{DueCertificate, ReminderRepo};
use crate::store::time::from_db;

pub struct Reminders {
    repo: Arc<dyn ReminderRepo>,
    applications: Arc<dyn ApplicationStore>,
    sms: Arc<dyn SmsSender>,
    catalog: Arc<Catalog>,
    clock: Arc<dyn Clock>,
    /// Where the portal is reached (`PUBLIC_URL`): the link in the text.
    public_url: String,
}

/// What one run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunReport {
    pub sent: usize,
    /// Claimed, but the SMS failed: released for the next run.
    pub failed: usize,
}

impl Reminders {
    pub fn new(
        repo: Arc<dyn ReminderRepo>,
        applications: Arc<dyn ApplicationStore>,
        sms: Arc<dyn SmsSender>,
        catalog: Arc<Catalog>,
        clock: Arc<dyn Clock>,
        public_url: String,
    ) -> Self {
        Self {
            repo,
            applications,
            sms,
            catalog,
            clock,
            public_url,
        }
    }

    /// Sends the reminders due today that no instance has sent.
    pub async fn run(&self) -> Result<RunReport, StoreError> {
        let now = self.clock.now();
        let today = china_date(now);
        let widest = self
            .catalog
            .projects()
            .flat_map(|p| p.lifecycle.reminder_days.iter().copied())
            .max();
        let Some(widest) = widest else {
            return Ok(RunReport::default());
        };
        let candidates = self
            .repo
            .due(today, today + Duration::days(i64::from(widest)))
            .await?;
        let mut report = RunReport::default();
        let mut applications: HashMap<String, Option<SubmittedApplication>> = HashMap::new();
        for certificate in candidates {
            let Some(project) = self.catalog.project(&certificate.project_id) else {
                continue;
            };
            let Some(days) = due_reminder(&certificate, &project.lifecycle.reminder_days, today)
            else {
                continue;
            };
            if !self.repo.claim(certificate.id, days, now).await? {
                continue;
            }
            if !applications.contains_key(&certificate.number) {
                let found = match self.applications.by_number(&certificate.number).await {
                    Ok(found) => found,
                    Err(error) => {
                        self.repo.release(certificate.id, days).await?;
                        return Err(error);
                    }
                };
                applications.insert(certificate.number.clone(), found);
            }
            let Some(submitted) = &applications[&certificate.number] else {
                // Erased since: nobody to tell, now or later.
                tracing::warn!(
                    number = certificate.number,
                    "reminder dropped: no application"
                );
                continue;
            };
            let (mobile, text) = self.message(&certificate, project, submitted, today);
            if let Err(error) = self.sms.send(mobile, SmsKind::Reminder, &text).await {
                tracing::error!(%error, number = certificate.number, days, "reminder SMS failed");
                self.repo.release(certificate.id, days).await?;
                report.failed += 1;
            } else {
                report.sent += 1;
            }
        }
        if report != RunReport::default() {
            tracing::info!(
                sent = report.sent,
                failed = report.failed,
                "expiry reminders"
            );
        }
        Ok(report)
    }

    /// The recipient and the text of `certificate`'s reminder.
    fn message<'a>(
        &self,
        certificate: &DueCertificate,
        project: &Project,
        submitted: &'a SubmittedApplication,
        today: Date,
    ) -> (&'a app::domain::mobile::Mobile, String) {
        let application = &submitted.application;
        let owner = match (&application.applicant, certificate.kind) {
            (Applicant::NaturalPerson { .. }, _) => "您".to_owned(),
            (_, ProductKind::OrgPersonal) => {
                let holder = holder(submitted, certificate.position).unwrap_or_default();
                format!("您单位{holder}")
            }
            _ => "您单位".to_owned(),
        };
        let serial: Vec<char> = certificate.serial.chars().collect();
        let tail: String = serial[serial.len().saturating_sub(6)..].iter().collect();
        let left = (certificate.valid_to - today).whole_days();
        let left = if left == 0 {
            "今天是最后一天".to_owned()
        } else {
            format!("还有{left}天")
        };
        let link = format!(
            "{}/p/{}/me",
            self.public_url.trim_end_matches('/'),
            project.id
        );
        let text = format!(
            "{signature}{owner}在“{name}”的{kind}（序列号尾号 {tail}）将于{date}到期（{left}），\
             请在到期前登录 {link} 办理续期。",
            signature = project.sms_signature,
            name = project.name,
            kind = certificate.kind.label(),
            date = date_label(certificate.valid_to),
        );
        (&application.identity_subject().1.mobile, text)
    }
}

/// The reminder (days before expiry) due for `certificate` on `today`, if any and not sent.
fn due_reminder(certificate: &DueCertificate, reminder_days: &[u16], today: Date) -> Option<u16> {
    let left = (certificate.valid_to - today).whole_days();
    if left < 0 {
        return None;
    }
    let days = reminder_days
        .iter()
        .copied()
        .filter(|d| i64::from(*d) >= left)
        .min()?;
    let reminder_day = certificate.valid_to - Duration::days(i64::from(days));
    let issued = china_date(from_db(certificate.issued_at));
    (issued <= reminder_day && !certificate.sent.contains(&days)).then_some(days)
}

/// The holder of the org-personal certificate at `position` (holders are listed in the order
/// of those certificates).
fn holder(submitted: &SubmittedApplication, position: u32) -> Option<String> {
    let application = &submitted.application;
    let certs = &application.selection.certs;
    let position = usize::try_from(position).ok()?;
    let index = certs
        .get(..position)?
        .iter()
        .filter(|c| c.kind == ProductKind::OrgPersonal)
        .count();
    application
        .holders
        .get(index)
        .map(|h| h.name.as_str().to_owned())
}
