//! 注销 and 解锁: a texted code confirms that the registered agent (or natural person) asks, the
//! order is opened holding the certificate, and the CA's system carries it out: the certificate
//! revoked, or an unlock code texted. Should the CA's system or the SMS provider be away, the
//! order waits and the maintenance loop finishes it ([`CertificateActions::finish_pending`]).

use std::net::IpAddr;
use std::sync::Arc;

use app::domain::application::Application;
use app::domain::business::cancellation::Reason;
use app::domain::business::{Business, unlock};
use app::domain::certificate::{CertStatus, Certificate};
use app::domain::handoff::mask_name;
use app::domain::mobile::Mobile;
use app::domain::money::Fen;
use app::domain::order::{Event, Status};
use app::domain::quote::{Quote, QuoteLine};
use app::services::applications::{ApplicationStore, SubmittedApplication};
use app::services::certificate_actions::{
    ACTIONS, ActionCodeSent, ActionDone, ActionError, ActionPage, CertificateActionService,
    RedeemError,
};
use app::services::certificates::{CertificateIssuer, CertificateService, RevokeRequest};
use app::services::codes::{CodeError, six_digits};
use app::services::login::UserId;
use app::services::sms::{SmsKind, SmsSender};
use app::state::Catalog;
use rand::Rng;

use crate::clock::{Clock, china_date, china_day_start, number_day};
use crate::crypto::Keys;
use crate::http::client_addr::ip_key;
use crate::service::applications::application_context;
use crate::service::codes;
use crate::store::StoreError;
use crate::store::applications::NewApplication;
use crate::store::certificate_actions::{
    CertificateActionRepo, Checked, Confirmed, TextedCode, Typed,
};
use crate::store::holds::{Line, Opened};
use crate::store::logins::CodeLimits;
use crate::store::orders::{EventRow, Move};
use crate::store::time::to_db;

/// How long a confirmation code is valid.
pub const CODE_TTL_SECS: i64 = 5 * 60;
pub const RESEND_AFTER_SECS: i64 = 60;
/// Codes per certificate and business per China calendar day.
pub const DAILY_LIMIT: i64 = 5;
pub const MAX_ATTEMPTS: i64 = 5;
/// What the unlock code's row counts as its address: it was not asked for from one.
const DRIVER: &str = "unlock";
/// The purpose unlock codes are kept under.
const UNLOCK_CODE: &str = "unlock-code";

pub struct CertificateActions {
    repo: Arc<dyn CertificateActionRepo>,
    certificates: Arc<dyn CertificateService>,
    applications: Arc<dyn ApplicationStore>,
    issuer: Arc<dyn CertificateIssuer>,
    sms: Arc<dyn SmsSender>,
    catalog: Arc<Catalog>,
    keys: Arc<Keys>,
    clock: Arc<dyn Clock>,
    ip_hourly_limit: u32,
}

fn internal(error: impl std::fmt::Display) -> ActionError {
    tracing::error!(%error, "certificate action failed");
    ActionError::Internal
}

fn store_error(error: StoreError) -> ActionError {
    match error {
        StoreError::Busy => ActionError::Busy,
        other => internal(other),
    }
}

/// The statuses a certificate may be in for `business`.
fn statuses(business: Business) -> &'static [&'static str] {
    match business {
        Business::Cancellation => &["valid", "suspended"],
        _ => &["valid"],
    }
}

/// `…` and the serial's last 4 characters, as texts name a certificate.
fn serial_tail(serial: &str) -> &str {
    &serial[serial.len().saturating_sub(4)..]
}

pub fn confirm_text(signature: &str, business: Business, serial: &str, code: &str) -> String {
    format!(
        "{signature}您正在为尾号{}的数字证书办理{}，验证码是{code}，5分钟内有效。如非本人操作，请勿告诉他人并联系证书机构。",
        serial_tail(serial),
        business.label()
    )
}

pub fn unlock_text(signature: &str, number: &str, serial: &str, code: &str) -> String {
    format!(
        "{signature}您的证书解锁申请 {number} 已受理。尾号{}证书的解锁码是{}，30分钟内有效，只能使用一次：请在证书助手中选择“解锁”，插入 U 盾，输入解锁码并设置新密码。",
        serial_tail(serial),
        unlock::grouped(code)
    )
}

pub fn cancelled_text(signature: &str, number: &str, serial: &str) -> String {
    format!(
        "{signature}您的证书注销申请 {number} 已办结，尾号{}的数字证书已注销，不能再用于登录或签章。如需证书，请重新申请。",
        serial_tail(serial)
    )
}

/// Who confirms `business` on a certificate of `application`, and the mobile the codes go to:
/// an org-personal certificate's holder for its unlock (their own key and PIN), where the
/// application has their mobile; otherwise the agent, or the natural person.
fn recipient<'a>(
    business: Business,
    holder: Option<&str>,
    application: &'a Application,
) -> (&'a str, &'a Mobile) {
    let (name, mobile, _) = recipient_in_role(business, holder, application);
    (name, mobile)
}

/// [`recipient`], with the role the page names them by.
fn recipient_in_role<'a>(
    business: Business,
    holder: Option<&str>,
    application: &'a Application,
) -> (&'a str, &'a Mobile, &'static str) {
    let holder = application
        .holders
        .iter()
        .filter(|_| business == Business::Unlock)
        .find(|h| Some(h.name.as_str()) == holder)
        .and_then(|h| {
            h.mobile
                .as_ref()
                .map(|m| (h.name.as_str(), m, "证书持有人"))
        });
    holder.unwrap_or_else(|| {
        let (role, person) = application.identity_subject();
        let role = match role {
            app::domain::handoff::Role::Agent => "经办人",
            _ => "申请人",
        };
        (person.name.as_str(), &person.mobile, role)
    })
}

impl CertificateActions {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        repo: Arc<dyn CertificateActionRepo>,
        certificates: Arc<dyn CertificateService>,
        applications: Arc<dyn ApplicationStore>,
        issuer: Arc<dyn CertificateIssuer>,
        sms: Arc<dyn SmsSender>,
        catalog: Arc<Catalog>,
        keys: Arc<Keys>,
        clock: Arc<dyn Clock>,
        ip_hourly_limit: u32,
    ) -> Self {
        Self {
            repo,
            certificates,
            applications,
            issuer,
            sms,
            catalog,
            keys,
            clock,
            ip_hourly_limit,
        }
    }

    fn signature(&self, project: &str) -> String {
        self.catalog
            .project(project)
            .map(|p| p.sms_signature.clone())
            .unwrap_or_default()
    }

    /// The user's certificate `id` in `project`, the application it came from, and why
    /// `business` is not open for it today (if not).
    async fn mine(
        &self,
        user: UserId,
        project: &str,
        id: i64,
        business: Business,
    ) -> Result<(Certificate, SubmittedApplication, Option<String>), ActionError> {
        if !ACTIONS.contains(&business) {
            return Err(ActionError::NotFound);
        }
        let rules = &self
            .catalog
            .project(project)
            .ok_or(ActionError::NotFound)?
            .lifecycle;
        let certificate = self
            .certificates
            .one(user, project, id)
            .await
            .map_err(internal)?
            .ok_or(ActionError::NotFound)?;
        let submitted = self
            .applications
            .submitted(user, &certificate.order_number)
            .await
            .map_err(internal)?
            .ok_or(ActionError::NotFound)?;
        let refusal = certificate.refusal(business, rules, china_date(self.clock.now()));
        Ok((certificate, submitted, refusal))
    }

    fn code_key(&self, business: Business, id: i64) -> [u8; 32] {
        self.keys.certificate_action_index(business.code(), id)
    }

    fn code_mac(&self, business: Business, id: i64, code: &str) -> [u8; 32] {
        self.keys
            .sms_code_mac(&format!("{}:{id}", business.code()), code)
    }

    /// Unlock codes are found apart from the confirmation codes, so asking for a new
    /// confirmation never shadows an unlock code the driver is about to present.
    fn unlock_key(&self, id: i64) -> [u8; 32] {
        self.keys.certificate_action_index(UNLOCK_CODE, id)
    }

    fn unlock_mac(&self, id: i64, code: &str) -> [u8; 32] {
        self.keys.sms_code_mac(&format!("{UNLOCK_CODE}:{id}"), code)
    }

    /// Has the CA's system carry out order `number` and completes it; `false` when it is
    /// left for the next try (or was done already).
    pub async fn finish(&self, number: &str) -> anyhow::Result<bool> {
        let Some((row, reason)) = self.repo.line(number).await? else {
            return Ok(false);
        };
        let Some(found) = self.applications.by_number(number).await? else {
            return Ok(false);
        };
        let signature = self.signature(&found.project_id);
        // The copy keeps the certificate's holder only.
        let holder = found.application.holders.first().map(|h| h.name.as_str());
        let mobile = recipient(found.business, holder, &found.application)
            .1
            .clone();
        let at = to_db(self.clock.now());
        let event = |note: String| Move {
            events: vec![EventRow {
                event: Event::Complete.code().to_owned(),
                from_status: Status::InProduction.code().to_owned(),
                to_status: Status::Completed.code().to_owned(),
                actor: "system".to_owned(),
                actor_id: None,
                actor_name: None,
                note: Some(note),
                at,
            }],
            ..Move::default()
        };
        match found.business {
            Business::Cancellation => {
                let reason = reason
                    .as_deref()
                    .and_then(Reason::parse)
                    .map_or("未说明", Reason::label);
                self.issuer
                    .revoke(&RevokeRequest {
                        order_number: number.to_owned(),
                        serial: row.serial.clone(),
                        reason: reason.to_owned(),
                    })
                    .await?;
                let change = event(format!("证书已注销。注销原因：{reason}"));
                if !self
                    .repo
                    .complete(number, Some(CertStatus::Cancelled), None, &change)
                    .await?
                {
                    return Ok(false);
                }
                let text = cancelled_text(&signature, number, &row.serial);
                if let Err(error) = self.sms.send(&mobile, SmsKind::Notice, &text).await {
                    tracing::error!(%error, number, "cancellation notice not sent");
                }
                tracing::info!(number, "certificate cancelled");
                Ok(true)
            }
            Business::Unlock => {
                let code: String = {
                    let mut rng = rand::rng();
                    (0..unlock::CODE_LEN)
                        .map(|_| {
                            let i = rng.random_range(0..unlock::ALPHABET.len());
                            char::from(unlock::ALPHABET[i])
                        })
                        .collect()
                };
                let now = self.clock.now().unix_timestamp();
                let key = self.unlock_key(row.id);
                let mac = self.unlock_mac(row.id, &code);
                // Texted first: a code that never arrived must not be the one that counts.
                let text = unlock_text(&signature, number, &row.serial, &code);
                self.sms.send(&mobile, SmsKind::Notice, &text).await?;
                let stored = TextedCode {
                    to: &key,
                    code_hash: &mac,
                    ip_key: DRIVER,
                    now,
                    expires_at: now + unlock::CODE_TTL_SECS,
                };
                let change = event(format!("解锁码已发送至{}", mobile.masked()));
                let done = self
                    .repo
                    .complete(number, None, Some(stored), &change)
                    .await?;
                tracing::info!(number, "unlock code sent");
                Ok(done)
            }
            _ => Ok(false),
        }
    }

    /// Finishes the cancellations and unlocks the CA's system or the SMS provider left.
    pub async fn finish_pending(&self) {
        for business in ACTIONS {
            let numbers = match self.repo.pending(business).await {
                Ok(numbers) => numbers,
                Err(error) => {
                    tracing::warn!(%error, "listing pending certificate businesses failed");
                    continue;
                }
            };
            for number in numbers {
                if let Err(error) = self.finish(&number).await {
                    tracing::warn!(%error, number, "certificate business still pending");
                }
            }
        }
    }
}

#[async_trait::async_trait]
impl CertificateActionService for CertificateActions {
    async fn page(
        &self,
        user: UserId,
        project: &str,
        id: i64,
        business: Business,
    ) -> Result<ActionPage, ActionError> {
        let (certificate, submitted, refusal) = self.mine(user, project, id, business).await?;
        let catalog = self.catalog.project(project).ok_or(ActionError::NotFound)?;
        let (name, mobile, role) = recipient_in_role(
            business,
            certificate.holder.as_deref(),
            &submitted.application,
        );
        let (confirmer, mobile_masked) = (mask_name(name), mobile.masked());
        Ok(ActionPage {
            business,
            project_name: catalog.name.clone(),
            state: certificate.state(&catalog.lifecycle, china_date(self.clock.now())),
            certificate,
            refusal,
            confirmer,
            confirmer_role: role.to_owned(),
            mobile_masked,
        })
    }

    async fn send_code(
        &self,
        user: UserId,
        project: &str,
        id: i64,
        business: Business,
        ip: IpAddr,
    ) -> Result<ActionCodeSent, ActionError> {
        let (certificate, submitted, refusal) = self.mine(user, project, id, business).await?;
        if let Some(reason) = refusal {
            return Err(ActionError::NotOpen(reason));
        }
        let mobile = recipient(
            business,
            certificate.holder.as_deref(),
            &submitted.application,
        )
        .1
        .clone();
        let code = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
        let now = self.clock.now().unix_timestamp();
        let ip_key = ip_key(ip);
        let reserved = self
            .repo
            .reserve(
                TextedCode {
                    to: &self.code_key(business, id),
                    code_hash: &self.code_mac(business, id, &code),
                    ip_key: &ip_key,
                    now,
                    expires_at: now + CODE_TTL_SECS,
                },
                CodeLimits {
                    resend_after: RESEND_AFTER_SECS,
                    daily: DAILY_LIMIT,
                    day_start: china_day_start(self.clock.now()),
                    ip_hourly: i64::from(self.ip_hourly_limit),
                },
            )
            .await
            .map_err(store_error)?;
        let row = codes::reserved(reserved, RESEND_AFTER_SECS)?;
        let text = confirm_text(
            &self.signature(project),
            business,
            &certificate.serial,
            &code,
        );
        if let Err(error) = self.sms.send(&mobile, SmsKind::LoginCode, &text).await {
            tracing::error!(%error, to = %mobile.masked(), "confirmation code not sent");
            self.repo.forget(row).await.map_err(store_error)?;
            return Err(CodeError::SmsFailed.into());
        }
        Ok(ActionCodeSent {
            to_masked: mobile.masked(),
            resend_after_secs: RESEND_AFTER_SECS as u32,
        })
    }

    async fn confirm(
        &self,
        user: UserId,
        project: &str,
        id: i64,
        business: Business,
        code: &str,
        reason: Option<Reason>,
    ) -> Result<ActionDone, ActionError> {
        let (certificate, submitted, refusal) = self.mine(user, project, id, business).await?;
        if let Some(refusal) = refusal {
            return Err(ActionError::NotOpen(refusal));
        }
        if business == Business::Cancellation && reason.is_none() {
            return Err(ActionError::ReasonMissing);
        }
        let code = six_digits(code)?;
        let version = self.catalog.version(project).ok_or(ActionError::NotFound)?;
        let quote = Quote {
            lines: vec![QuoteLine {
                label: format!("{} · {}", certificate.kind.label(), business.label()),
                detail: "不收费".to_owned(),
                amount: Fen(0),
            }],
            total: Fen(0),
        };
        // The order reads like the application the certificate came from, narrowed to it.
        let mut application = submitted.application;
        application.selection.certs = vec![app::domain::quote::CertChoice {
            kind: certificate.kind,
            years: 1,
        }];
        application.selection.shipping = None;
        application
            .holders
            .retain(|h| certificate.holder.as_deref() == Some(h.name.as_str()));
        let to_masked = recipient(business, certificate.holder.as_deref(), &application)
            .1
            .masked();
        let json = serde_json::to_vec(&application).map_err(internal)?;
        let quote_json = serde_json::to_string(&quote).map_err(internal)?;
        let day = number_day(self.clock.now());
        let new = NewApplication {
            user: user.0,
            project,
            day: &day,
            status: business.first_status().code(),
            quote: &quote_json,
            total_fen: 0,
            catalog_version: version,
            at: to_db(self.clock.now()),
        };
        let seal = |number: &str| self.keys.seal(&application_context(number), &json);
        let line = Line {
            certificate_id: id,
            years: 0,
            reason: reason.map(Reason::code),
        };
        let typed = Typed {
            action_key: &self.code_key(business, id),
            code_hash: &self.code_mac(business, id, &code),
            now: self.clock.now().unix_timestamp(),
            max_attempts: MAX_ATTEMPTS,
        };
        let confirmed = self
            .repo
            .confirm(typed, &new, business, statuses(business), &line, &seal)
            .await
            .map_err(store_error)?;
        let number = match confirmed {
            Confirmed::Opened(Opened::Number(number)) => number,
            Confirmed::Opened(Opened::Held { by, .. }) => return Err(ActionError::Held(by)),
            Confirmed::Opened(Opened::NotOpen(_)) => {
                return Err(ActionError::NotOpen("证书当前不能办理这项业务".to_owned()));
            }
            // A right code opens the order or says why not; so this is a wrong one.
            Confirmed::Code(checked) => {
                codes::verdict(checked, MAX_ATTEMPTS)?;
                return Err(ActionError::Internal);
            }
        };
        tracing::info!(%number, user = user.0, project, business = business.code(), "certificate business opened");
        let pending = match self.finish(&number).await {
            Ok(done) => !done,
            Err(error) => {
                tracing::warn!(%error, %number, "certificate business left for the next try");
                true
            }
        };
        Ok(ActionDone {
            number,
            pending,
            to_masked,
        })
    }

    async fn redeem_unlock(&self, serial: &str, code: &str) -> Result<(), RedeemError> {
        let serial = app::services::lookup::fold_query(serial).ok_or(RedeemError::Malformed)?;
        let code = unlock::normalise(code).ok_or(RedeemError::Malformed)?;
        let busy = |error: StoreError| match error {
            StoreError::Busy => RedeemError::Busy,
            other => {
                tracing::error!(error = %other, "unlock code check failed");
                RedeemError::Busy
            }
        };
        let row = self
            .repo
            .by_serial(&serial)
            .await
            .map_err(busy)?
            .ok_or(RedeemError::Refused)?;
        if row.status != CertStatus::Valid {
            return Err(RedeemError::Refused);
        }
        let checked = self
            .repo
            .redeem(Typed {
                action_key: &self.unlock_key(row.id),
                code_hash: &self.unlock_mac(row.id, &code),
                now: self.clock.now().unix_timestamp(),
                max_attempts: unlock::MAX_ATTEMPTS,
            })
            .await
            .map_err(busy)?;
        match checked {
            Checked::Right => {
                tracing::info!(serial = %row.serial, "unlock code redeemed");
                Ok(())
            }
            Checked::Locked => Err(RedeemError::Locked),
            Checked::Wrong { attempts } if attempts >= unlock::MAX_ATTEMPTS => {
                Err(RedeemError::Locked)
            }
            _ => Err(RedeemError::Refused),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_name_the_certificate_by_its_serials_tail_and_carry_the_signature() {
        let text = confirm_text(
            "【山西CA】",
            Business::Cancellation,
            "5A3F0C1122334455ABCD",
            "123456",
        );
        assert!(
            text.starts_with("【山西CA】") && text.contains("尾号ABCD") && text.contains("注销")
        );
        let text = unlock_text("【山西CA】", "SQ1", "5A3F0C1122334455ABCD", "ABCD2345WXYZ");
        assert!(text.contains("ABCD-2345-WXYZ") && text.contains("30分钟"));
    }
}
