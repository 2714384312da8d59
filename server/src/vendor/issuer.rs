//! The local issuing system: stands in for the CA's RA/CA so the whole life of a certificate
//! runs on one machine. Serial and U-key number are derived from the order number and the
//! position, so asking twice answers the same certificate, as a real adapter must.

use app::domain::certificate::Validity;
use app::services::certificates::{
    CertificateIssuer, IssueError, IssueRequest, IssuedCertificate, RenewRequest, RevokeRequest,
};
use sha2::{Digest, Sha256};

pub struct LocalIssuer;

#[async_trait::async_trait]
impl CertificateIssuer for LocalIssuer {
    fn provider(&self) -> &'static str {
        "local"
    }

    async fn issue(&self, request: &IssueRequest) -> Result<IssuedCertificate, IssueError> {
        let digest = Sha256::digest(format!("{}:{}", request.order_number, request.position));
        let serial: String = digest[..10].iter().map(|b| format!("{b:02X}")).collect();
        let medium = u64::from_be_bytes(digest[10..18].try_into().unwrap_or_default());
        Ok(IssuedCertificate {
            serial,
            // A U-key number as printed on the key: letters, then ten digits.
            medium: format!("LK{:010}", medium % 10_000_000_000),
            validity: request.term.validity(request.today),
        })
    }

    async fn renew(&self, request: &RenewRequest) -> Result<Validity, IssueError> {
        Ok(request.current.renewed(request.today, request.years))
    }

    /// Nothing to publish here: the portal's own record is the only revocation list.
    async fn revoke(&self, request: &RevokeRequest) -> Result<(), IssueError> {
        tracing::info!(serial = %request.serial, order = %request.order_number, "certificate revoked");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::domain::catalog::ProductKind;
    use app::domain::certificate::Term;
    use time::macros::date;

    fn request(position: u32) -> IssueRequest {
        IssueRequest {
            order_number: "SX20261207000001".into(),
            position,
            kind: ProductKind::Org,
            term: Term::Years(2),
            subject: "山西示例科技有限公司".into(),
            holder: None,
            today: date!(2026 - 12 - 07),
        }
    }

    #[tokio::test]
    async fn the_same_request_gets_the_same_certificate_and_another_position_another() {
        let first = LocalIssuer.issue(&request(0)).await.unwrap();
        assert_eq!(first, LocalIssuer.issue(&request(0)).await.unwrap());
        let second = LocalIssuer.issue(&request(1)).await.unwrap();
        assert_ne!(first.serial, second.serial);
        assert_eq!(first.serial.len(), 20);
        assert!(first.medium.starts_with("LK") && first.medium.len() == 12);
        assert_eq!(first.validity.to, date!(2028 - 12 - 06));
    }
}
