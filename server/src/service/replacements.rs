//! 介质补办: the page's data and the replacement order, made from the certificate's own
//! application narrowed to it, priced at the medium fee and holding the certificate. From there
//! it is an order like a new application's; issuing it ([`Certificates::issue`]) keeps the old
//! term and revokes the old certificate.
//!
//! [`Certificates::issue`]: crate::service::certificates::Certificates::issue

use std::sync::Arc;

use app::domain::business::{Business, replacement};
use app::domain::catalog::Project;
use app::domain::certificate::Certificate;
use app::services::applications::ApplicationStore;
use app::services::certificates::CertificateService;
use app::services::login::UserId;
use app::services::replacements::{ReplacementError, ReplacementPage, ReplacementService};
use app::state::Catalog;

use crate::clock::{Clock, china_date, number_day};
use crate::crypto::Keys;
use crate::service::applications::application_context;
use crate::store::applications::NewApplication;
use crate::store::certificates::CertificateRepo;
use crate::store::replacements::{Opened, ReplacementRepo};
use crate::store::time::to_db;

pub struct Replacements {
    repo: Arc<dyn ReplacementRepo>,
    certificate_rows: Arc<dyn CertificateRepo>,
    certificates: Arc<dyn CertificateService>,
    applications: Arc<dyn ApplicationStore>,
    catalog: Arc<Catalog>,
    keys: Arc<Keys>,
    clock: Arc<dyn Clock>,
}

/// Where the stores live, for [`Replacements::new`].
pub struct ReplacementStores {
    pub orders: Arc<dyn ReplacementRepo>,
    pub certificates: Arc<dyn CertificateRepo>,
    pub applications: Arc<dyn ApplicationStore>,
}

fn unavailable(error: impl std::fmt::Display) -> ReplacementError {
    tracing::error!(%error, "replacement unavailable");
    ReplacementError::Unavailable
}

impl Replacements {
    pub fn new(
        stores: ReplacementStores,
        certificates: Arc<dyn CertificateService>,
        catalog: Arc<Catalog>,
        keys: Arc<Keys>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            repo: stores.orders,
            certificate_rows: stores.certificates,
            certificates,
            applications: stores.applications,
            catalog,
            keys,
            clock,
        }
    }

    /// The user's certificate `id` in `project`, and why no key can be ordered for it today.
    async fn mine(
        &self,
        user: UserId,
        project: &str,
        id: i64,
    ) -> Result<(&Project, Certificate, Option<String>), ReplacementError> {
        let catalog = self
            .catalog
            .project(project)
            .ok_or(ReplacementError::NotFound)?;
        let certificate = self
            .certificates
            .mine(user)
            .await
            .map_err(unavailable)?
            .into_iter()
            .map(|m| m.certificate)
            .find(|c| c.id == id && c.project_id == project)
            .ok_or(ReplacementError::NotFound)?;
        let today = china_date(self.clock.now());
        let refusal = certificate.refusal(Business::Replacement, &catalog.lifecycle, today);
        Ok((catalog, certificate, refusal))
    }
}

#[async_trait::async_trait]
impl ReplacementService for Replacements {
    async fn page(
        &self,
        user: UserId,
        project: &str,
        id: i64,
    ) -> Result<ReplacementPage, ReplacementError> {
        let (catalog, certificate, refusal) = self.mine(user, project, id).await?;
        let today = china_date(self.clock.now());
        let quote = match refusal {
            None => {
                Some(replacement::quote(catalog, &certificate).map_err(ReplacementError::Quote)?)
            }
            Some(_) => None,
        };
        Ok(ReplacementPage {
            project_name: catalog.name.clone(),
            state: certificate.state(&catalog.lifecycle, today),
            certificate,
            refusal,
            quote,
        })
    }

    async fn open(&self, user: UserId, project: &str, id: i64) -> Result<String, ReplacementError> {
        let (catalog, certificate, refusal) = self.mine(user, project, id).await?;
        if let Some(reason) = refusal {
            return Err(ReplacementError::NotOpen(reason));
        }
        let version = self
            .catalog
            .version(project)
            .ok_or(ReplacementError::NotFound)?;
        let quote = replacement::quote(catalog, &certificate).map_err(ReplacementError::Quote)?;
        let row = self
            .certificate_rows
            .certificate(id)
            .await
            .map_err(unavailable)?
            .ok_or(ReplacementError::NotFound)?;
        let source = self
            .applications
            .submitted(user, &certificate.order_number)
            .await
            .map_err(unavailable)?
            .ok_or(ReplacementError::NotFound)?
            .application;
        let years = usize::try_from(row.position)
            .ok()
            .and_then(|p| source.selection.certs.get(p))
            .map_or(1, |choice| choice.years);
        let application = replacement::narrowed(&source, row.position, years)
            .ok_or(ReplacementError::NotFound)?;
        let json = serde_json::to_vec(&application).map_err(unavailable)?;
        let quote_json = serde_json::to_string(&quote).map_err(unavailable)?;
        let day = number_day(self.clock.now());
        let new = NewApplication {
            user: user.0,
            project,
            day: &day,
            status: Business::Replacement.first_status().code(),
            quote: &quote_json,
            total_fen: quote.total.0,
            catalog_version: version,
            at: to_db(self.clock.now()),
        };
        let seal = |number: &str| self.keys.seal(&application_context(number), &json);
        match self.repo.open(&new, id, &seal).await {
            Ok(Opened::Number(number)) => {
                tracing::info!(%number, user = user.0, project, "replacement ordered");
                Ok(number)
            }
            Ok(Opened::NotOpen(_)) => Err(ReplacementError::NotFound),
            Ok(Opened::Held { by, .. }) => Err(ReplacementError::Held(by)),
            Err(error) => Err(unavailable(error)),
        }
    }
}
