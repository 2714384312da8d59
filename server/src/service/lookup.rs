//! 证书查询 / 订单查询: a certificate serial or an application number, a code texted to the
//! mobile number registered with it, then its status with names masked. The captcha is login's;
//! the limits are counted in the database ([`LookupRepo`]) per query and per client address;
//! old codes go with login's ([`Logins::purge_expired`]).

use std::fmt::Display;
use std::net::IpAddr;
use std::sync::Arc;

use app::domain::application::Variant;
use app::domain::catalog::ProductKind;
use app::domain::certificate::{Certificate, date_label};
use app::domain::handoff::mask_name;
use app::services::applications::{ApplicationStore, SubmittedApplication};
use app::services::codes::{CodeError, six_digits};
use app::services::login::{LoginError, LoginService};
use app::services::lookup::{
    CertificateFacts, LookupCodeSent, LookupError, LookupResult, LookupService, OrderFacts,
    fold_query, mask_org,
};
use app::services::sms::{SmsKind, SmsSender};
use app::state::Catalog;
use rand::Rng;

use crate::clock::{Clock, china_date, china_day_start};
use crate::crypto::Keys;
use crate::http::client_addr::ip_key;
use crate::service::certificates::Certificates;
use crate::service::codes;
use crate::service::login::Logins;
use crate::store::logins::{CodeLimits, Reserved};
use crate::store::lookup::{Found, LookupRepo, TextedCode};

/// How long a code is valid.
pub const CODE_TTL_SECS: i64 = 5 * 60;
/// The wait between two codes for one query.
pub const RESEND_AFTER_SECS: i64 = 60;
/// Codes per query per China calendar day.
pub const DAILY_LIMIT: i64 = 5;
/// Wrong tries after which a code is dead.
pub const MAX_ATTEMPTS: i64 = 5;

pub fn lookup_code_text(signature: &str, code: &str) -> String {
    format!(
        "{signature}您正在查询证书或申请的办理状态，验证码是{code}，5分钟内有效。如非本人操作，请忽略本短信。"
    )
}

pub struct Lookup {
    repo: Arc<dyn LookupRepo>,
    applications: Arc<dyn ApplicationStore>,
    certificates: Arc<Certificates>,
    logins: Arc<Logins>,
    keys: Arc<Keys>,
    sms: Arc<dyn SmsSender>,
    catalog: Arc<Catalog>,
    clock: Arc<dyn Clock>,
    ip_hourly_limit: u32,
}

/// A storage failure: logged here (the error carries no personal data), shown generically.
fn internal(error: impl Display) -> LookupError {
    tracing::error!(%error, "lookup storage failed");
    LookupError::Internal
}

fn captcha_error(error: LoginError) -> LookupError {
    match error {
        LoginError::CaptchaMissing => LookupError::CaptchaMissing,
        LoginError::CaptchaWrong => LookupError::CaptchaWrong,
        LoginError::CaptchaExpired => LookupError::CaptchaExpired,
        LoginError::Busy => LookupError::Busy,
        _ => LookupError::Internal,
    }
}

impl Lookup {
    /// What a folded query names, with the order's application.
    async fn named(&self, query: &str) -> Result<(Found, SubmittedApplication), LookupError> {
        let found = self
            .repo
            .find(query)
            .await
            .map_err(internal)?
            .ok_or(LookupError::NotFound)?;
        let submitted = self
            .applications
            .by_number(&found.number)
            .await
            .map_err(internal)?
            .ok_or(LookupError::NotFound)?;
        Ok((found, submitted))
    }

    #[allow(clippy::too_many_arguments)]
    pub fn new(
        repo: Arc<dyn LookupRepo>,
        applications: Arc<dyn ApplicationStore>,
        certificates: Arc<Certificates>,
        logins: Arc<Logins>,
        keys: Arc<Keys>,
        sms: Arc<dyn SmsSender>,
        catalog: Arc<Catalog>,
        clock: Arc<dyn Clock>,
        ip_hourly_limit: u32,
    ) -> Self {
        Self {
            repo,
            applications,
            certificates,
            logins,
            keys,
            sms,
            catalog,
            clock,
            ip_hourly_limit,
        }
    }

    fn masked_subject(variant: Variant, name: &str) -> String {
        match variant {
            Variant::Organisation => mask_org(name),
            Variant::NaturalPerson => mask_name(name),
        }
    }

    fn facts(&self, certificate: &Certificate) -> CertificateFacts {
        let today = china_date(self.clock.now());
        let rules = self
            .catalog
            .project(&certificate.project_id)
            .map(|p| p.lifecycle.clone())
            .unwrap_or_default();
        let subject = match certificate.kind {
            ProductKind::NaturalPerson => mask_name(&certificate.subject),
            _ => mask_org(&certificate.subject),
        };
        CertificateFacts {
            kind: certificate.kind.label().to_owned(),
            state: certificate.state(&rules, today),
            valid_from: date_label(certificate.validity.from),
            valid_to: date_label(certificate.validity.to),
            serial: certificate.serial.clone(),
            subject,
            holder: certificate.holder.as_deref().map(mask_name),
        }
    }
}

#[async_trait::async_trait]
impl LookupService for Lookup {
    async fn send_code(
        &self,
        query: &str,
        captcha_id: &str,
        captcha_answer: &str,
        ip: IpAddr,
        signature: &str,
    ) -> Result<LookupCodeSent, LookupError> {
        let query = fold_query(query).ok_or(LookupError::QueryMissing)?;
        let now = self.clock.now().unix_timestamp();
        if self.logins.captcha_required() {
            self.logins
                .check_captcha(captcha_id, captcha_answer, now)
                .await
                .map_err(captcha_error)?;
        }
        let (_, submitted) = self.named(&query).await?;
        let mobile = submitted.application.identity_subject().1.mobile.clone();

        let code = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
        let query_key = self.keys.lookup_index(&query);
        let ip_key = ip_key(ip);
        let reserved = self
            .repo
            .reserve(
                TextedCode {
                    to: &query_key,
                    code_hash: &self.keys.sms_code_mac(&query, &code),
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
            .map_err(internal)?;
        if reserved == Reserved::IpLimit {
            tracing::warn!(ip = %ip_key, "lookup code refused: hourly limit for this address");
        }
        let row = codes::reserved(reserved, RESEND_AFTER_SECS)?;
        let text = lookup_code_text(signature, &code);
        if let Err(error) = self.sms.send(&mobile, SmsKind::LoginCode, &text).await {
            tracing::error!(%error, to = %mobile.masked(), "lookup code not sent");
            // Not sent, so it must neither work nor count against the limits.
            self.repo.forget(row).await.map_err(internal)?;
            return Err(CodeError::SmsFailed.into());
        }
        tracing::info!(to = %mobile.masked(), "lookup code sent");
        Ok(LookupCodeSent {
            to_masked: mobile.masked(),
            resend_after_secs: RESEND_AFTER_SECS as u32,
        })
    }

    async fn result(&self, query: &str, code: &str) -> Result<LookupResult, LookupError> {
        let query = fold_query(query).ok_or(LookupError::QueryMissing)?;
        let code = six_digits(code)?;
        let checked = self
            .repo
            .check(
                &self.keys.lookup_index(&query),
                &self.keys.sms_code_mac(&query, &code),
                self.clock.now().unix_timestamp(),
                MAX_ATTEMPTS,
            )
            .await
            .map_err(internal)?;
        codes::verdict(checked, MAX_ATTEMPTS)?;
        let (found, submitted) = self.named(&query).await?;
        let certificates = self
            .certificates
            .of_order(&found.number)
            .await
            .map_err(internal)?;
        if let Some(serial) = &found.serial {
            let certificate = certificates
                .iter()
                .find(|c| &c.serial == serial)
                .ok_or(LookupError::NotFound)?;
            return Ok(LookupResult::Certificate(self.facts(certificate)));
        }
        let submitted_on = time::OffsetDateTime::parse(
            &submitted.submitted_at,
            &time::format_description::well_known::Rfc3339,
        )
        .map(|at| date_label(china_date(at)))
        .unwrap_or_default();
        let application = &submitted.application;
        Ok(LookupResult::Order(OrderFacts {
            number: submitted.number.clone(),
            status: submitted.status.label().to_owned(),
            submitted_on,
            subject: Self::masked_subject(application.variant(), application.applicant_name()),
            certificates: certificates.iter().map(|c| self.facts(c)).collect(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_carries_the_signature_and_the_code() {
        let text = lookup_code_text("【深圳CA】", "123456");
        assert!(text.starts_with("【深圳CA】") && text.contains("123456"));
    }
}
