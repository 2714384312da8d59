//! 我的证书: the signed-in applicant's issued certificates.

use leptos::prelude::*;

use crate::services::certificates::MyCertificate;

/// Every certificate of the signed-in applicant, soonest expiry first, with the businesses
/// open to each today.
#[server]
pub async fn load_my_certificates(project: String) -> Result<Vec<MyCertificate>, ServerFnError> {
    use super::session::{self, internal};

    let (user, _) = super::apply::ssr::open(&project).await?;
    session::state()
        .certificates
        .mine(user)
        .await
        .map_err(internal)
}
