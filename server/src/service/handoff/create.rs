//! Opening a session for the desktop (its QR link and short code) and texting its link.

use app::domain::handoff::{CLAIM_MINUTES, Event, Stage};
use app::domain::mobile::Mobile;
use app::services::handoff::{CreatedHandoff, HandoffError, SmsSent};
use app::services::login::UserId;
use app::services::sms::SmsKind;

use super::sealed::{StoredSubject, subject_context};
use super::{Handoffs, SMS_DAILY_LIMIT, SMS_RESEND_SECS, apply, internal, secs_until, stamp};
use crate::clock::china_day_start;
use crate::handoff::token;
use crate::store::handoff::{Change, Created, Ending, NewHandoff, SmsLimits, SmsToken};

/// Short codes tried for a new session: six digits rarely collide among the few waiting.
const CODE_CANDIDATES: usize = 20;
/// Times a new session is tried when another request changed the running ones meanwhile.
const CREATE_ATTEMPTS: usize = 3;

impl Handoffs {
    /// A new session for application `number`, ending the running ones (refused while one
    /// is claimed, unless `restart`).
    pub(super) async fn open(
        &self,
        user: UserId,
        number: &str,
        restart: bool,
    ) -> Result<CreatedHandoff, HandoffError> {
        let submitted = self
            .applications
            .submitted(user, number)
            .await
            .map_err(internal)?
            .ok_or(HandoffError::NotFound)?;
        let application_id = self.owned_application(user, number).await?;
        let (role, person) = submitted.application.identity_subject();
        let subject = StoredSubject {
            name: person.name.as_str().to_owned(),
            id_number: person.id_number.as_str().to_owned(),
            mobile: person.mobile.as_str().to_owned(),
        };
        let subject_json = serde_json::to_vec(&subject).map_err(internal)?;
        let seal_subject = |id: i64| self.keys.seal(&subject_context(id), &subject_json);

        // A completed check is final, unless review sent the application back asking for it
        // again (the current rejection flags `identity`); then a session completed after
        // that rejection is final again.
        if self.repo.completed(application_id).await? {
            return Err(HandoffError::AlreadyCompleted);
        }
        for _ in 0..CREATE_ATTEMPTS {
            let now = self.clock.now().unix_timestamp();
            let mut endings = Vec::new();
            for row in self.repo.running(application_id).await? {
                let state = row.state()?;
                let event =
                    if token::overdue(state.stage, now, row.claim_deadline, row.session_deadline) {
                        Event::Expire
                    } else if state.stage.is_claimed() && !restart {
                        return Err(HandoffError::InProgress);
                    } else {
                        Event::Supersede
                    };
                let (next, steps) = apply(&state, event)?;
                endings.push(Ending {
                    id: row.id,
                    version: row.version,
                    change: Change::new(next, steps),
                });
            }
            let short_codes: Vec<String> = (0..CODE_CANDIDATES)
                .map(|_| token::new_short_code())
                .collect();
            let secret = token::new_secret();
            let token_hash = token::hash(&secret).ok_or_else(|| internal("new token"))?;
            let claim_deadline = now + CLAIM_MINUTES * 60;
            let new = NewHandoff {
                application_id,
                person: role,
                token_hash,
                claim_deadline,
                now,
                short_codes: &short_codes,
                seal_subject: &seal_subject,
            };
            let (id, short_code) = match self.repo.create(new, &endings).await? {
                Created::Opened { id, short_code } => (id, short_code),
                Created::AlreadyCompleted => return Err(HandoffError::AlreadyCompleted),
                // Another request began or changed a session meanwhile: decide again.
                Created::Stale => continue,
            };
            for ending in &endings {
                tracing::info!(handoff = ending.id, "handoff ended by a new link");
            }
            tracing::info!(handoff = id, number, "handoff link created");
            let (url, path) = self.url(&secret);
            return Ok(CreatedHandoff {
                url,
                path,
                short_code,
                expires_at: stamp(claim_deadline),
                expires_in_secs: secs_until(claim_deadline, now),
                token_id: id,
            });
        }
        Err(HandoffError::Conflict)
    }

    /// Texts the waiting session's link to the person, within the limits per application.
    pub(super) async fn text_link(
        &self,
        user: UserId,
        number: &str,
        signature: &str,
    ) -> Result<SmsSent, HandoffError> {
        let application_id = self.owned_application(user, number).await?;
        let row = self
            .latest(application_id)
            .await?
            .ok_or(HandoffError::NoPendingHandoff)?;
        let state = row.state()?;
        match state.stage {
            Stage::Pending => {}
            stage if stage.is_claimed() => return Err(HandoffError::InProgress),
            Stage::Completed => return Err(HandoffError::AlreadyCompleted),
            _ => return Err(HandoffError::NoPendingHandoff),
        }
        let subject = self.subject(&row)?;
        let role = row.role()?.label();
        let mobile = Mobile::try_from(subject.mobile).map_err(internal)?;
        let now = self.clock.now();
        let unix = now.unix_timestamp();

        let secret = token::new_secret();
        let hash = token::hash(&secret).ok_or_else(|| internal("new token"))?;
        let limits = SmsLimits {
            resend_secs: SMS_RESEND_SECS,
            per_day: SMS_DAILY_LIMIT,
            day_start: china_day_start(now),
        };
        match self
            .repo
            .add_sms_token(application_id, row.id, &hash, unix, limits)
            .await?
        {
            SmsToken::Added => {}
            SmsToken::TooSoon { last } => {
                let secs = (SMS_RESEND_SECS - (unix - last)) as u32;
                return Err(HandoffError::SmsTooSoon { secs });
            }
            SmsToken::DailyLimit => return Err(HandoffError::SmsDailyLimit),
        }

        let minutes = (row.claim_deadline - unix).max(60) / 60;
        let (url, _) = self.url(&secret);
        let text = format!(
            "{signature}您正在办理数字证书，请{role}本人用手机打开以下链接，\
             拍摄身份证并完成人脸识别，{minutes}分钟内有效，请勿转发：{url}"
        );
        if let Err(error) = self.sms.send(&mobile, SmsKind::Notice, &text).await {
            tracing::error!(%error, handoff = row.id, "handoff link SMS failed");
            if let Err(error) = self.repo.delete_token(&hash).await {
                tracing::warn!(%error, handoff = row.id, "unsent link stays stored");
            }
            return Err(HandoffError::SmsFailed);
        }
        tracing::info!(handoff = row.id, to = %mobile.masked(), "handoff link sent by SMS");
        Ok(SmsSent {
            to: mobile.masked(),
            resend_after_secs: SMS_RESEND_SECS as u32,
        })
    }
}
