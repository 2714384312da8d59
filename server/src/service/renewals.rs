//! 续期: the renewal page's data, the renewal order (checked, priced and holding its
//! certificates), and its completion once paid: the issuing system gives each certificate its
//! new term and the order is done.

use std::sync::Arc;

use app::domain::business::Business;
use app::domain::business::renewal::{self, RenewalChoice};
use app::domain::certificate::Certificate;
use app::domain::order::{Event, Status};
use app::services::certificates::{CertificateIssuer, CertificateService, RenewRequest};
use app::services::login::UserId;
use app::services::renewals::{
    RenewalError, RenewalOption, RenewalOrder, RenewalPage, RenewalService,
};
use app::state::Catalog;

use crate::clock::{Clock, china_date, number_day};
use crate::crypto::Keys;
use crate::service::applications::application_context;
use crate::service::from_certificate::FromCertificate;
use crate::store::applications::NewApplication;
use crate::store::orders::{EventRow, Move};
use crate::store::renewals::{Opened, RenewalRepo};
use crate::store::time::to_db;

pub struct Renewals {
    repo: Arc<dyn RenewalRepo>,
    certificates: Arc<dyn CertificateService>,
    /// Each certificate's own application, narrowed to it.
    sources: Arc<FromCertificate>,
    issuer: Arc<dyn CertificateIssuer>,
    catalog: Arc<Catalog>,
    keys: Arc<Keys>,
    clock: Arc<dyn Clock>,
}

/// A renewal completed: the new last day, for the notice.
pub struct Finished {
    pub last_day: time::Date,
}

impl Renewals {
    pub fn new(
        repo: Arc<dyn RenewalRepo>,
        certificates: Arc<dyn CertificateService>,
        sources: Arc<FromCertificate>,
        issuer: Arc<dyn CertificateIssuer>,
        catalog: Arc<Catalog>,
        keys: Arc<Keys>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            repo,
            certificates,
            sources,
            issuer,
            catalog,
            keys,
            clock,
        }
    }

    /// Completes paid renewal order `number`: the issuing system renews each certificate and
    /// the order moves to 已完成 with the new terms. `None` when there is nothing to do (not a
    /// renewal, or completed already); an error leaves it paid and waiting, for the next try.
    pub async fn finish(&self, number: &str) -> anyhow::Result<Option<Finished>> {
        let lines = self.repo.lines(number).await?;
        if lines.is_empty() {
            return Ok(None);
        }
        let today = china_date(self.clock.now());
        let mut renewed = Vec::with_capacity(lines.len());
        for (row, years) in &lines {
            let request = RenewRequest {
                order_number: number.to_owned(),
                serial: row.serial.clone(),
                kind: row.kind,
                years: *years,
                current: row.validity,
                today,
            };
            renewed.push((row.id, self.issuer.renew(&request).await?));
        }
        let at = to_db(self.clock.now());
        let last_day = renewed.iter().map(|(_, v)| v.to).max().unwrap_or(today);
        let change = Move {
            events: vec![EventRow {
                event: Event::Issue.code().to_owned(),
                from_status: Status::InProduction.code().to_owned(),
                to_status: Status::Completed.code().to_owned(),
                actor: "system".to_owned(),
                actor_id: None,
                actor_name: None,
                note: Some(format!(
                    "新的有效期至{}",
                    app::domain::certificate::date_label(last_day)
                )),
                at,
            }],
            ..Move::default()
        };
        if !self.repo.complete(number, &renewed, &change).await? {
            return Ok(None);
        }
        tracing::info!(number, count = renewed.len(), "certificates renewed");
        Ok(Some(Finished { last_day }))
    }

    /// Renewals paid while the issuing system was away.
    pub async fn unfinished(&self) -> anyhow::Result<Vec<String>> {
        Ok(self.repo.unfinished().await?)
    }

    async fn mine(&self, user: UserId, project: &str) -> Result<Vec<Certificate>, RenewalError> {
        Ok(self
            .certificates
            .mine(user)
            .await
            .map_err(|_| RenewalError::Unavailable)?
            .into_iter()
            .map(|m| m.certificate)
            .filter(|c| c.project_id == project)
            .collect())
    }
}

#[async_trait::async_trait]
impl RenewalService for Renewals {
    async fn page(&self, user: UserId, project: &str) -> Result<RenewalPage, RenewalError> {
        let catalog = self
            .catalog
            .project(project)
            .ok_or(RenewalError::NotFound)?;
        let today = china_date(self.clock.now());
        let options = self
            .mine(user, project)
            .await?
            .into_iter()
            .map(|certificate| {
                let reason = certificate.refusal(Business::Renewal, &catalog.lifecycle, today);
                RenewalOption {
                    state: certificate.state(&catalog.lifecycle, today),
                    days_left: certificate.validity.days_left(today),
                    reason,
                    terms: catalog
                        .product(certificate.kind)
                        .map(|p| renewal::terms(catalog, p))
                        .unwrap_or_default(),
                    needs_checks: certificate.renewal_needs_checks(&catalog.lifecycle, today),
                    certificate,
                }
            })
            .collect();
        Ok(RenewalPage {
            project: catalog.clone(),
            options,
        })
    }

    async fn open(
        &self,
        user: UserId,
        project: &str,
        choices: &[RenewalChoice],
    ) -> Result<RenewalOrder, RenewalError> {
        if choices.is_empty() {
            return Err(RenewalError::NothingChosen);
        }
        let catalog = self
            .catalog
            .project(project)
            .ok_or(RenewalError::NotFound)?;
        let version = self
            .catalog
            .version(project)
            .ok_or(RenewalError::NotFound)?;
        let today = china_date(self.clock.now());
        let mine = self.mine(user, project).await?;
        let mut chosen = Vec::with_capacity(choices.len());
        for choice in choices {
            let certificate = mine
                .iter()
                .find(|c| c.id == choice.certificate_id)
                .ok_or(RenewalError::NotFound)?;
            if let Some(reason) = certificate.refusal(Business::Renewal, &catalog.lifecycle, today)
            {
                return Err(RenewalError::NotOpen(reason));
            }
            chosen.push((certificate, choice.years));
        }
        let needs_checks = chosen
            .iter()
            .any(|(c, _)| c.renewal_needs_checks(&catalog.lifecycle, today));
        let quote = renewal::quote(catalog, &chosen).map_err(RenewalError::Quote)?;
        // The order reads like the application the first certificate came from, with the
        // renewed certificates as its selection and each org-personal one's holder taken from
        // its own application, by position: names need not be unique.
        let mut application = None;
        let mut holders = Vec::new();
        for (certificate, years) in &chosen {
            let source = self
                .sources
                .source(user, certificate)
                .await
                .map_err(|_| RenewalError::NotFound)?;
            holders.extend(source.holders.iter().map(|holder| {
                let mut holder = holder.clone();
                holder.years = *years;
                holder
            }));
            application.get_or_insert(source);
        }
        let mut application = application.ok_or(RenewalError::NothingChosen)?;
        application.selection.certs = chosen
            .iter()
            .map(|(c, years)| app::domain::quote::CertChoice {
                kind: c.kind,
                years: *years,
            })
            .collect();
        application.selection.shipping = None;
        application.holders = holders;
        let json = serde_json::to_vec(&application).map_err(|_| RenewalError::Unavailable)?;
        let quote_json = serde_json::to_string(&quote).map_err(|_| RenewalError::Unavailable)?;
        let day = number_day(self.clock.now());
        let new = NewApplication {
            user: user.0,
            project,
            day: &day,
            status: renewal::first_status(needs_checks).code(),
            quote: &quote_json,
            total_fen: quote.total.0,
            catalog_version: version,
            at: to_db(self.clock.now()),
        };
        let seal = |number: &str| self.keys.seal(&application_context(number), &json);
        let pairs: Vec<(i64, u8)> = choices
            .iter()
            .map(|c| (c.certificate_id, c.years))
            .collect();
        match self.repo.open(&new, &pairs, &seal).await {
            Ok(Opened::Number(number)) => {
                tracing::info!(%number, user = user.0, project, needs_checks, "renewal ordered");
                Ok(RenewalOrder {
                    number,
                    needs_checks,
                })
            }
            Ok(Opened::NotOpen(_)) => Err(RenewalError::NotFound),
            Ok(Opened::Held { by, .. }) => Err(RenewalError::Held(by)),
            Err(error) => {
                tracing::error!(%error, "renewal order not made");
                Err(RenewalError::Unavailable)
            }
        }
    }
}
