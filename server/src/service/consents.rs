//! Recording the applicant's acceptance of the agreements, with the time and address.

use std::net::IpAddr;
use std::sync::Arc;

use app::services::StoreError;
use app::services::consent::{Acceptance, ConsentStore};
use app::services::login::UserId;

use crate::clock::Clock;
use crate::store::consents::ConsentRepo;

pub struct Consents {
    repo: Arc<dyn ConsentRepo>,
    clock: Arc<dyn Clock>,
}

impl Consents {
    pub fn new(repo: Arc<dyn ConsentRepo>, clock: Arc<dyn Clock>) -> Self {
        Self { repo, clock }
    }
}

#[async_trait::async_trait]
impl ConsentStore for Consents {
    async fn record(
        &self,
        user: UserId,
        accepted: &[Acceptance],
        ip: IpAddr,
    ) -> Result<(), StoreError> {
        Ok(self
            .repo
            .record(user.0, accepted, self.clock.now(), ip)
            .await?)
    }

    async fn accepted(&self, user: UserId) -> Result<Vec<Acceptance>, StoreError> {
        Ok(self.repo.accepted(user.0).await?)
    }
}
