//! 证书查询 / 订单查询: what the public lookup finds, and its SMS codes with their limits. A
//! query is kept only as its keyed hash and a code only as its HMAC; the service computes both,
//! so nothing here holds a key.

use super::codes::spend;
use super::logins::{CodeLimits, Reserved};
use super::{Db, StoreError};

pub use super::codes::TextedCode;

/// What a folded query names: an application, and which certificate of it for a serial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub number: String,
    /// The serial when the query was one.
    pub serial: Option<String>,
}

pub use super::codes::Checked;

#[async_trait::async_trait]
pub trait LookupRepo: Send + Sync {
    /// The certificate with this serial, or else the application with this number.
    async fn find(&self, query: &str) -> Result<Option<Found>, StoreError>;

    /// Counts the query's and the address's codes against `limits` and, if they allow, stores
    /// the new code, at once.
    async fn reserve(
        &self,
        code: TextedCode<'_>,
        limits: CodeLimits,
    ) -> Result<Reserved, StoreError>;

    /// Deletes a code that was never sent, so it neither works nor counts.
    async fn forget(&self, id: i64) -> Result<(), StoreError>;

    /// Checks `typed_hash` against the query's latest code: a wrong try counts once, a right
    /// one uses the code up, at once, so a code answers once.
    async fn check(
        &self,
        query_key: &[u8],
        typed_hash: &[u8],
        now: i64,
        max_attempts: i64,
    ) -> Result<Checked, StoreError>;
}

#[async_trait::async_trait]
impl LookupRepo for Db {
    async fn find(&self, query: &str) -> Result<Option<Found>, StoreError> {
        let by_serial: Option<String> = sqlx::query_scalar(
            "SELECT a.number FROM certificates c JOIN applications a ON a.id = c.application_id
             WHERE c.serial = $1",
        )
        .bind(query)
        .fetch_optional(self.pool())
        .await?;
        if let Some(number) = by_serial {
            return Ok(Some(Found {
                number,
                serial: Some(query.to_owned()),
            }));
        }
        let number: Option<String> =
            sqlx::query_scalar("SELECT number FROM applications WHERE number = $1")
                .bind(query)
                .fetch_optional(self.pool())
                .await?;
        Ok(number.map(|number| Found {
            number,
            serial: None,
        }))
    }

    async fn reserve(
        &self,
        code: TextedCode<'_>,
        limits: CodeLimits,
    ) -> Result<Reserved, StoreError> {
        super::codes::reserve(self, ("lookup_codes", "query_key"), code, limits).await
    }

    async fn forget(&self, id: i64) -> Result<(), StoreError> {
        super::codes::forget(self, ("lookup_codes", "query_key"), id).await
    }

    async fn check(
        &self,
        query_key: &[u8],
        typed_hash: &[u8],
        now: i64,
        max_attempts: i64,
    ) -> Result<Checked, StoreError> {
        self.retry(|| async {
            let mut tx = self.begin_write().await?;
            let checked = spend(
                &mut tx,
                ("lookup_codes", "query_key"),
                query_key,
                Some(typed_hash),
                now,
                max_attempts,
            )
            .await?;
            tx.commit().await?;
            Ok(checked)
        })
        .await
    }
}
