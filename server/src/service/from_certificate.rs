//! What 介质补办 and 信息变更 share: the user's certificate and why a business is not open for
//! it, the certificate's own application narrowed to it, and the order made from that
//! application, priced and holding the certificate. From there such an order goes the way of a
//! new application.

use std::sync::Arc;

use app::domain::application::Application;
use app::domain::business::{Business, replacement};
use app::domain::catalog::Project;
use app::domain::certificate::Certificate;
use app::domain::quote::Quote;
use app::services::applications::ApplicationStore;
use app::services::certificates::CertificateService;
use app::services::login::UserId;
use app::state::Catalog;
use time::OffsetDateTime;

use crate::clock::{Clock, china_date, number_day};
use crate::crypto::Keys;
use crate::service::applications::application_context;
use crate::store::applications::NewApplication;
use crate::store::certificate_orders::{CertificateOrderRepo, Opened};
use crate::store::certificates::CertificateRepo;
use crate::store::time::to_db;

/// Why no order was made from the certificate.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    NotFound,
    /// Another open order (its number) holds the certificate.
    Held(String),
    Unavailable,
}

fn unavailable(error: impl std::fmt::Display) -> Refused {
    tracing::error!(%error, "order from a certificate unavailable");
    Refused::Unavailable
}

/// Where the stores live, for [`FromCertificate::new`].
pub struct Stores {
    pub orders: Arc<dyn CertificateOrderRepo>,
    pub certificates: Arc<dyn CertificateRepo>,
    pub applications: Arc<dyn ApplicationStore>,
}

pub struct FromCertificate {
    orders: Arc<dyn CertificateOrderRepo>,
    rows: Arc<dyn CertificateRepo>,
    applications: Arc<dyn ApplicationStore>,
    certificates: Arc<dyn CertificateService>,
    catalog: Arc<Catalog>,
    keys: Arc<Keys>,
    clock: Arc<dyn Clock>,
}

impl FromCertificate {
    pub fn new(
        stores: Stores,
        certificates: Arc<dyn CertificateService>,
        catalog: Arc<Catalog>,
        keys: Arc<Keys>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            orders: stores.orders,
            rows: stores.certificates,
            applications: stores.applications,
            certificates,
            catalog,
            keys,
            clock,
        }
    }

    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    pub fn today(&self) -> time::Date {
        china_date(self.clock.now())
    }

    /// The user's certificate `id` in `project`, and why `business` is not open for it today.
    pub async fn certificate(
        &self,
        user: UserId,
        project: &str,
        id: i64,
        business: Business,
    ) -> Result<(&Project, Certificate, Option<String>), Refused> {
        let catalog = self.catalog.project(project).ok_or(Refused::NotFound)?;
        let certificate = self
            .certificates
            .one(user, project, id)
            .await
            .map_err(unavailable)?
            .ok_or(Refused::NotFound)?;
        let refusal = certificate.refusal(business, &catalog.lifecycle, self.today());
        Ok((catalog, certificate, refusal))
    }

    /// The user's other certificates naming the same organisation as `certificate` that
    /// `business` is open to today (none for a natural person's).
    pub async fn siblings(
        &self,
        user: UserId,
        certificate: &Certificate,
        business: Business,
    ) -> Result<Vec<Certificate>, Refused> {
        use app::domain::catalog::ProductKind;
        let Some(catalog) = self.catalog.project(&certificate.project_id) else {
            return Ok(Vec::new());
        };
        if certificate.kind == ProductKind::NaturalPerson {
            return Ok(Vec::new());
        }
        let today = self.today();
        Ok(self
            .certificates
            .mine(user)
            .await
            .map_err(unavailable)?
            .into_iter()
            .map(|m| m.certificate)
            .filter(|c| {
                c.id != certificate.id
                    && c.project_id == certificate.project_id
                    && c.kind != ProductKind::NaturalPerson
                    && c.subject == certificate.subject
                    && c.refusal(business, &catalog.lifecycle, today).is_none()
            })
            .collect())
    }

    /// The application `certificate` came from, narrowed to it (and its holder), with the
    /// years it was bought for.
    pub async fn source(
        &self,
        user: UserId,
        certificate: &Certificate,
    ) -> Result<Application, Refused> {
        let row = self
            .rows
            .certificate(certificate.id)
            .await
            .map_err(unavailable)?
            .ok_or(Refused::NotFound)?;
        let source = self
            .applications
            .submitted(user, &certificate.order_number)
            .await
            .map_err(unavailable)?
            .ok_or(Refused::NotFound)?
            .application;
        let years = usize::try_from(row.position)
            .ok()
            .and_then(|p| source.selection.certs.get(p))
            .map_or(1, |choice| choice.years);
        replacement::narrowed(&source, row.position, years).ok_or(Refused::NotFound)
    }

    /// Makes the `business` order for certificate `id`, reading as `application` and priced
    /// at `quote`; its number. It waits for the scans and the phone identity check.
    pub async fn order(
        &self,
        user: UserId,
        project: &str,
        business: Business,
        id: i64,
        application: &Application,
        quote: &Quote,
    ) -> Result<String, Refused> {
        let version = self.catalog.version(project).ok_or(Refused::NotFound)?;
        let json = serde_json::to_vec(application).map_err(unavailable)?;
        let quote_json = serde_json::to_string(quote).map_err(unavailable)?;
        let day = number_day(self.clock.now());
        let new = NewApplication {
            user: user.0,
            project,
            day: &day,
            status: business.first_status().code(),
            quote: &quote_json,
            total_fen: quote.total.0,
            catalog_version: version,
            at: to_db(self.clock.now()),
        };
        let seal = |number: &str| self.keys.seal(&application_context(number), &json);
        match self.orders.open(&new, business, id, &seal).await {
            Ok(Opened::Number(number)) => {
                tracing::info!(%number, user = user.0, project, business = business.code(), "order made from a certificate");
                Ok(number)
            }
            Ok(Opened::NotOpen(_)) => Err(Refused::NotFound),
            Ok(Opened::Held { by, .. }) => Err(Refused::Held(by)),
            Err(error) => Err(unavailable(error)),
        }
    }
}
