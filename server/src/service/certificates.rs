//! Issued certificates: made through the CA's issuing system when production starts, kept as
//! records, and shown to their owner with what the day allows (我的证书).

use std::collections::HashMap;
use std::sync::Arc;

use app::domain::business::{Business, change, replacement};
use app::domain::catalog::ProductKind;
use app::domain::certificate::{Certificate, Term};
use app::services::StoreError;
use app::services::applications::{ApplicationStore, SubmittedApplication};
use app::services::certificates::{
    CertificateIssuer, CertificateService, IssueError, IssueRequest, MyCertificate, RevokeRequest,
};
use app::services::login::UserId;
use app::state::Catalog;

use crate::clock::{Clock, china_date};
use crate::store::certificates::{CertificateRepo, CertificateRow, NewCertificate};

pub struct Certificates {
    repo: Arc<dyn CertificateRepo>,
    applications: Arc<dyn ApplicationStore>,
    issuer: Arc<dyn CertificateIssuer>,
    catalog: Arc<Catalog>,
    clock: Arc<dyn Clock>,
}

#[derive(Debug, thiserror::Error)]
pub enum IssuingError {
    #[error("no application numbered {0}")]
    NotFound(String),
    #[error(transparent)]
    Issuer(#[from] IssueError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<crate::store::StoreError> for IssuingError {
    fn from(error: crate::store::StoreError) -> Self {
        Self::Store(error.into())
    }
}

impl Certificates {
    pub fn new(
        repo: Arc<dyn CertificateRepo>,
        applications: Arc<dyn ApplicationStore>,
        issuer: Arc<dyn CertificateIssuer>,
        catalog: Arc<Catalog>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            repo,
            applications,
            issuer,
            catalog,
            clock,
        }
    }

    /// Issues every certificate of order `number` and records them; an order issued before
    /// gets its certificates back unchanged, without asking the issuing system again. The
    /// certificate of a replacement or a change keeps the term of the one it replaces, which
    /// is revoked.
    pub async fn issue(&self, number: &str) -> Result<Vec<CertificateRow>, IssuingError> {
        let submitted = self
            .applications
            .by_number(number)
            .await?
            .ok_or_else(|| IssuingError::NotFound(number.to_owned()))?;
        let issued = self.repo.of_application(number).await?;
        let certs = &submitted.application.selection.certs;
        if issued.len() == certs.len() {
            return Ok(issued);
        }
        // A new key, or new details: the certificate issued replaces the one the order holds.
        let replaced = match submitted.business {
            Business::Replacement | Business::Change => Some(
                self.repo
                    .lined(number)
                    .await?
                    .into_iter()
                    .next()
                    .ok_or_else(|| IssuingError::NotFound(number.to_owned()))?,
            ),
            _ => None,
        };
        let today = china_date(self.clock.now());
        let mut made = Vec::with_capacity(certs.len());
        for (position, choice) in certs.iter().enumerate() {
            let position = u32::try_from(position).unwrap_or(u32::MAX);
            if issued.iter().any(|row| row.position == position) {
                continue;
            }
            let (subject, holder) = names(&submitted, position);
            let request = IssueRequest {
                order_number: number.to_owned(),
                position,
                kind: choice.kind,
                term: match &replaced {
                    Some(old) => Term::Kept(old.validity),
                    None => Term::Years(choice.years),
                },
                subject,
                holder,
                today,
            };
            let certificate = self.issuer.issue(&request).await?;
            made.push(NewCertificate {
                position,
                kind: choice.kind,
                serial: certificate.serial,
                medium: certificate.medium,
                validity: certificate.validity,
            });
        }
        let at = self.clock.now();
        let rows = match (&replaced, made.as_slice()) {
            (Some(old), [new]) => {
                self.issuer
                    .revoke(&RevokeRequest {
                        order_number: number.to_owned(),
                        serial: old.serial.clone(),
                        reason: match submitted.business {
                            Business::Change => "证书信息变更，已按新信息签发新证书",
                            _ => "介质遗失或损坏，已补办新证书",
                        }
                        .to_owned(),
                    })
                    .await?;
                self.repo.record_replacement(number, new, at).await?
            }
            _ => self.repo.record_issued(number, &made, at).await?,
        };
        tracing::info!(
            number,
            count = rows.len(),
            issuer = self.issuer.provider(),
            "certificates issued"
        );
        Ok(rows)
    }

    /// Gives back the certificates held by order `number`, which ended without completing.
    pub async fn release(&self, number: &str) -> Result<(), StoreError> {
        Ok(self.repo.release_holds(number).await?)
    }

    /// The certificates business order `number` is about (renewed, replaced, cancelled…), as
    /// the console shows them: each named from the application that made it.
    pub async fn lined(&self, number: &str) -> Result<Vec<Certificate>, StoreError> {
        let mut lined = Vec::new();
        for row in self.repo.lined(number).await? {
            if let Some(source) = self.applications.by_number(&row.number).await? {
                lined.push(certificate(row, &source));
            }
        }
        Ok(lined)
    }

    /// The certificates of order `number`, as the console shows them.
    pub async fn of_order(&self, number: &str) -> Result<Vec<Certificate>, StoreError> {
        let rows = self.repo.of_application(number).await?;
        let Some(submitted) = self.applications.by_number(number).await? else {
            return Ok(Vec::new());
        };
        Ok(rows
            .into_iter()
            .map(|row| certificate(row, &submitted))
            .collect())
    }
}

#[async_trait::async_trait]
impl CertificateService for Certificates {
    async fn changes(&self, number: &str) -> Result<Vec<change::Changed>, StoreError> {
        let Some(row) = self.repo.lined(number).await?.into_iter().next() else {
            return Ok(Vec::new());
        };
        let (Some(source), Some(order)) = (
            self.applications.by_number(&row.number).await?,
            self.applications.by_number(number).await?,
        ) else {
            return Ok(Vec::new());
        };
        if order.business != Business::Change {
            return Ok(Vec::new());
        }
        let before = replacement::narrowed(&source.application, row.position, 1);
        Ok(before.map_or_else(Vec::new, |before| {
            change::changes(&before, &order.application, row.kind)
        }))
    }

    async fn mine(&self, user: UserId) -> Result<Vec<MyCertificate>, StoreError> {
        let rows = self.repo.of_user(user.0).await?;
        let today = china_date(self.clock.now());
        let mut applications: HashMap<String, SubmittedApplication> = HashMap::new();
        let mut mine = Vec::with_capacity(rows.len());
        for row in rows {
            if !applications.contains_key(&row.number) {
                let Some(found) = self.applications.submitted(user, &row.number).await? else {
                    continue;
                };
                applications.insert(row.number.clone(), found);
            }
            let Some(project) = self.catalog.project(&row.project_id) else {
                continue;
            };
            let number = row.number.clone();
            let certificate = certificate(row, &applications[&number]);
            mine.push(MyCertificate {
                project_name: project.name.clone(),
                state: certificate.state(&project.lifecycle, today),
                days_left: certificate.validity.days_left(today),
                offers: certificate.offers(&project.lifecycle, today),
                certificate,
            });
        }
        Ok(mine)
    }
}

fn certificate(row: CertificateRow, submitted: &SubmittedApplication) -> Certificate {
    let (subject, holder) = names(submitted, row.position);
    Certificate {
        id: row.id,
        project_id: row.project_id,
        order_number: row.number,
        kind: row.kind,
        subject,
        holder,
        serial: row.serial,
        medium: row.medium,
        validity: row.validity,
        status: row.status,
    }
}

/// The subject of the application's certificate at `position`, and the holder of an
/// org-personal one (holders are listed in the order of those certificates).
fn names(submitted: &SubmittedApplication, position: u32) -> (String, Option<String>) {
    let application = &submitted.application;
    let subject = application.applicant_name().to_owned();
    let certs = &application.selection.certs;
    let position = usize::try_from(position).unwrap_or(usize::MAX);
    let holder = certs.get(position).and_then(|choice| {
        (choice.kind == ProductKind::OrgPersonal).then(|| {
            let index = certs[..position]
                .iter()
                .filter(|c| c.kind == ProductKind::OrgPersonal)
                .count();
            application
                .holders
                .get(index)
                .map(|h| h.name.as_str().to_owned())
        })?
    });
    (subject, holder)
}
