//! Orders made from one of the owner's valid certificates that go the way of a new application
//! (介质补办, 信息变更): the order holds the certificate until the certificate issued for it
//! replaces it, or the order is cancelled.

use app::domain::business::Business;

use super::applications::{NewApplication, Sealer};
use super::holds::{Line, open_in};
use super::{Db, StoreError};

pub use super::holds::Opened;

#[async_trait::async_trait]
pub trait CertificateOrderRepo: Send + Sync {
    /// Makes a `business` order for certificate `certificate_id` of `new.user` in
    /// `new.project`, all or nothing: the certificate must be that user's, valid and in that
    /// project, and not held by another open order; this order then holds it.
    async fn open(
        &self,
        new: &NewApplication<'_>,
        business: Business,
        certificate_id: i64,
        seal: Sealer<'_>,
    ) -> Result<Opened, StoreError>;
}

#[async_trait::async_trait]
impl CertificateOrderRepo for Db {
    async fn open(
        &self,
        new: &NewApplication<'_>,
        business: Business,
        certificate_id: i64,
        seal: Sealer<'_>,
    ) -> Result<Opened, StoreError> {
        let line = Line {
            certificate_id,
            years: 0,
            reason: None,
        };
        self.retry(|| async {
            let mut tx = self.begin_write().await?;
            let opened = open_in(
                &mut tx,
                new,
                business,
                &["valid"],
                std::slice::from_ref(&line),
                seal,
            )
            .await?;
            if matches!(opened, Opened::Number(_)) {
                tx.commit().await?;
            }
            Ok(opened)
        })
        .await
    }
}
