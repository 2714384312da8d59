//! 介质补办: the page's data and the replacement order, made from the certificate's own
//! application narrowed to it and priced at the medium fee ([`FromCertificate`]). Issuing it
//! ([`Certificates::issue`](crate::service::certificates::Certificates::issue)) keeps the old
//! term and revokes the old certificate.

use std::sync::Arc;

use app::domain::business::{Business, replacement};
use app::services::login::UserId;
use app::services::replacements::{ReplacementError, ReplacementPage, ReplacementService};

use crate::service::from_certificate::{FromCertificate, Refused};

pub struct Replacements {
    base: Arc<FromCertificate>,
}

impl Replacements {
    pub fn new(base: Arc<FromCertificate>) -> Self {
        Self { base }
    }
}

fn refused(refused: Refused) -> ReplacementError {
    match refused {
        Refused::NotFound => ReplacementError::NotFound,
        Refused::Held(by) => ReplacementError::Held(by),
        Refused::Unavailable => ReplacementError::Unavailable,
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
        let (catalog, certificate, refusal) = self
            .base
            .certificate(user, project, id, Business::Replacement)
            .await
            .map_err(refused)?;
        let quote = match refusal {
            None => {
                Some(replacement::quote(catalog, &certificate).map_err(ReplacementError::Quote)?)
            }
            Some(_) => None,
        };
        Ok(ReplacementPage {
            project_name: catalog.name.clone(),
            state: certificate.state(&catalog.lifecycle, self.base.today()),
            certificate,
            refusal,
            quote,
        })
    }

    async fn open(&self, user: UserId, project: &str, id: i64) -> Result<String, ReplacementError> {
        let (catalog, certificate, refusal) = self
            .base
            .certificate(user, project, id, Business::Replacement)
            .await
            .map_err(refused)?;
        if let Some(reason) = refusal {
            return Err(ReplacementError::NotOpen(reason));
        }
        let quote = replacement::quote(catalog, &certificate).map_err(ReplacementError::Quote)?;
        let application = self
            .base
            .source(user, &certificate)
            .await
            .map_err(refused)?;
        self.base
            .order(
                user,
                project,
                Business::Replacement,
                id,
                &application,
                &quote,
            )
            .await
            .map_err(refused)
    }
}
