//! Issued certificates: the CA's issuing system that makes them, and what the personal centre
//! reads of them (我的证书).

use serde::{Deserialize, Serialize};

use crate::domain::certificate::{CertState, Certificate, Offer};

/// One certificate on the 我的证书 page, with what the day makes of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyCertificate {
    pub certificate: Certificate,
    pub project_name: String,
    pub state: CertState,
    /// Days left after today; negative once expired.
    pub days_left: i64,
    /// Every business, open or with the reason it is not.
    pub offers: Vec<Offer>,
}

#[cfg(feature = "ssr")]
pub use ssr::*;

#[cfg(feature = "ssr")]
mod ssr {
    use time::Date;

    use super::MyCertificate;
    use crate::domain::catalog::ProductKind;
    use crate::domain::certificate::{Term, Validity};
    use crate::services::StoreError;
    use crate::services::login::UserId;

    /// What the issuing system is asked for: one certificate of an order.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct IssueRequest {
        pub order_number: String,
        /// Which of the order's certificates; with the number, the key that makes asking
        /// twice return the same certificate.
        pub position: u32,
        pub kind: ProductKind,
        pub term: Term,
        /// The organisation, or the natural person.
        pub subject: String,
        pub holder: Option<String>,
        /// The day it is issued (China's calendar).
        pub today: Date,
    }

    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct IssuedCertificate {
        pub serial: String,
        pub medium: String,
        pub validity: Validity,
    }

    /// A renewal of one issued certificate.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct RenewRequest {
        pub order_number: String,
        pub serial: String,
        pub kind: ProductKind,
        pub years: u8,
        pub current: Validity,
        pub today: Date,
    }

    /// A certificate withdrawn at the holder's request (注销) or replaced (吊销).
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct RevokeRequest {
        pub order_number: String,
        pub serial: String,
        /// The reason as the CA records it.
        pub reason: String,
    }

    #[derive(Debug, thiserror::Error)]
    pub enum IssueError {
        /// The issuing system did not answer or refused; the order does not move.
        #[error("the issuing system is unavailable: {0}")]
        Unavailable(String),
    }

    /// The CA's own issuing system (RA/CA), which assigns serials and validity. The local
    /// stand-in derives both from the request; a real adapter must be idempotent on
    /// `(order_number, position)`, since a retried request must not make a second certificate.
    #[async_trait::async_trait]
    pub trait CertificateIssuer: Send + Sync {
        fn provider(&self) -> &'static str;
        async fn issue(&self, request: &IssueRequest) -> Result<IssuedCertificate, IssueError>;
        /// The certificate's new term; asked again for the same order and serial, the same
        /// answer.
        async fn renew(&self, request: &RenewRequest) -> Result<Validity, IssueError>;
        /// Revokes the certificate (and publishes it in the CA's revocation list); revoking
        /// one already revoked by the same order succeeds.
        async fn revoke(&self, request: &RevokeRequest) -> Result<(), IssueError>;
    }

    #[async_trait::async_trait]
    pub trait CertificateService: Send + Sync {
        /// Every certificate of `user`, soonest expiry first.
        async fn mine(&self, user: UserId) -> Result<Vec<MyCertificate>, StoreError>;

        /// Certificate `id` if it is `user`'s and in `project`; `None` for anyone else's, so a
        /// business page never tells whether someone else's certificate exists.
        async fn one(
            &self,
            user: UserId,
            project: &str,
            id: i64,
        ) -> Result<Option<crate::domain::certificate::Certificate>, StoreError> {
            Ok(self
                .mine(user)
                .await?
                .into_iter()
                .map(|m| m.certificate)
                .find(|c| c.id == id && c.project_id == project))
        }

        /// What 变更 order `number` changes on its certificate; empty for any other order.
        async fn changes(
            &self,
            number: &str,
        ) -> Result<Vec<crate::domain::business::change::Changed>, StoreError>;
    }
}
