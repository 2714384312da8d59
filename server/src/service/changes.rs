//! 信息变更: the page's data and the change order. The certificate's own application, narrowed
//! to it ([`FromCertificate::source`]), is made a draft again; the details typed go through the
//! form's rules; the order then reads with the new details, priced at the project's change fee
//! and holding the certificate. Issuing it
//! ([`Certificates::issue`](crate::service::certificates::Certificates::issue)) keeps the old
//! term and revokes the old certificate.

use std::collections::HashMap;
use std::sync::Arc;

use app::domain::business::{Business, change};
use app::domain::catalog::Project;
use app::domain::certificate::Certificate;
use app::services::changes::{ChangeError, ChangeField, ChangePage, ChangeSection, ChangeService};
use app::services::login::UserId;

use crate::service::from_certificate::{FromCertificate, Refused};

pub struct Changes {
    base: Arc<FromCertificate>,
}

fn refused(refused: Refused) -> ChangeError {
    match refused {
        Refused::NotFound => ChangeError::NotFound,
        Refused::Held(by) => ChangeError::Held(by),
        Refused::Unavailable => ChangeError::Unavailable,
    }
}

impl Changes {
    pub fn new(base: Arc<FromCertificate>) -> Self {
        Self { base }
    }

    /// The user's certificate `id` and why it cannot be changed online now.
    async fn mine(
        &self,
        user: UserId,
        project: &str,
        id: i64,
    ) -> Result<(&Project, Certificate, Option<String>), ChangeError> {
        let (catalog, certificate, refusal) = self
            .base
            .certificate(user, project, id, Business::Change)
            .await
            .map_err(refused)?;
        let refusal =
            refusal.or_else(|| {
                catalog.lifecycle.change_fee.is_none().then(|| {
                    "本项目暂未开通网上信息变更，请携带变更后的证照到证书机构办理".to_owned()
                })
            });
        Ok((catalog, certificate, refusal))
    }
}

#[async_trait::async_trait]
impl ChangeService for Changes {
    async fn page(&self, user: UserId, project: &str, id: i64) -> Result<ChangePage, ChangeError> {
        let (catalog, certificate, refusal) = self.mine(user, project, id).await?;
        let source = self
            .base
            .source(user, &certificate)
            .await
            .map_err(refused)?;
        let draft = change::draft_of(&source);
        let sections = change::sections(certificate.kind)
            .into_iter()
            .map(|s| ChangeSection {
                label: s.label.to_owned(),
                fields: s
                    .fields
                    .iter()
                    .map(|f| ChangeField {
                        id: f.id.to_owned(),
                        label: f.label.to_owned(),
                        hint: f.hint.to_owned(),
                        value: change::get(&draft, f.id),
                    })
                    .collect(),
            })
            .collect();
        let today = self.base.today();
        let siblings = self
            .base
            .siblings(user, &certificate, Business::Change)
            .await
            .map_err(refused)?;
        Ok(ChangePage {
            siblings,
            project_name: catalog.name.clone(),
            state: certificate.state(&catalog.lifecycle, today),
            quote: refusal
                .is_none()
                .then(|| change::quote(catalog, &certificate))
                .flatten(),
            certificate,
            refusal,
            sections,
            today,
        })
    }

    async fn open(
        &self,
        user: UserId,
        project: &str,
        id: i64,
        values: &HashMap<String, String>,
    ) -> Result<String, ChangeError> {
        let (catalog, certificate, refusal) = self.mine(user, project, id).await?;
        if let Some(reason) = refusal {
            return Err(ChangeError::NotOpen(reason));
        }
        let quote = change::quote(catalog, &certificate).ok_or(ChangeError::NotFound)?;
        let source = self
            .base
            .source(user, &certificate)
            .await
            .map_err(refused)?;
        let (after, changed) = change::apply(
            &source,
            certificate.kind,
            values,
            catalog,
            self.base.today(),
        )
        .map_err(ChangeError::Fields)?;
        if changed.is_empty() {
            return Err(ChangeError::NothingChanged);
        }
        self.base
            .order(user, project, Business::Change, id, &after, &quote)
            .await
            .map_err(refused)
    }
}
