//! 续期: the page's data and the server function that makes the renewal order, then sends the
//! browser (or a plain form post) on to the pay page, or to the scans first.

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::services::renewals::RenewalPage;

#[server]
pub async fn load_renewal_page(project: String) -> Result<RenewalPage, ServerFnError> {
    use super::session::{self, internal};

    let (user, project) = super::apply::ssr::open(&project).await?;
    session::state()
        .renewals
        .page(user, &project.id)
        .await
        .map_err(internal)
}

/// `years` maps a certificate id to the years to add (`0` or missing: not renewed), as the
/// form's `years[<id>]` selects send it. On success the answer is a redirect to the pay page
/// (or to the materials page, when the order needs the checks); otherwise the reason, to show
/// on the form.
#[server]
pub async fn start_renewal(
    project: String,
    #[server(default)] years: BTreeMap<String, String>,
) -> Result<Option<String>, ServerFnError> {
    use crate::domain::business::renewal::RenewalChoice;
    use crate::services::renewals::RenewalError;

    let (user, project) = super::apply::ssr::open(&project).await?;
    let mut choices = Vec::new();
    for (id, years) in &years {
        let (Ok(certificate_id), Ok(years)) = (id.parse::<i64>(), years.trim().parse::<u8>())
        else {
            return Ok(Some(RenewalError::NotFound.to_string()));
        };
        if years > 0 {
            choices.push(RenewalChoice {
                certificate_id,
                years,
            });
        }
    }
    match super::session::state()
        .renewals
        .open(user, &project.id, &choices)
        .await
    {
        Ok(order) => {
            let mount = crate::paths::request_mount();
            leptos_axum::redirect(&if order.needs_checks {
                mount.materials_page(&project.id, &order.number)
            } else {
                mount.pay_page(&project.id, &order.number)
            });
            Ok(None)
        }
        Err(error) => Ok(Some(error.to_string())),
    }
}
