//! Replacement orders (介质补办): made from one of the owner's valid certificates, which the
//! order holds until the new key's certificate replaces it or the order is cancelled.

use app::domain::business::Business;

use super::applications::{NewApplication, Sealer};
use super::holds::{Line, open_in};
use super::{Db, StoreError};

pub use super::holds::Opened;

#[async_trait::async_trait]
pub trait ReplacementRepo: Send + Sync {
    /// Makes a replacement order for certificate `certificate_id` of `new.user` in
    /// `new.project`, all or nothing: the certificate must be that user's, valid and in that
    /// project, and not held by another open order; this order then holds it.
    async fn open(
        &self,
        new: &NewApplication<'_>,
        certificate_id: i64,
        seal: Sealer<'_>,
    ) -> Result<Opened, StoreError>;
}

#[async_trait::async_trait]
impl ReplacementRepo for Db {
    async fn open(
        &self,
        new: &NewApplication<'_>,
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
                Business::Replacement,
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
