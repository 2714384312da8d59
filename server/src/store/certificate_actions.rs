//! 注销 and 解锁: the codes about one certificate (the texted confirmation, the unlock code the
//! CA's driver redeems), the order opened by a right confirmation, and its completion. Codes are
//! found by a keyed hash of their purpose and the certificate, and kept only as HMACs; the
//! service computes both.

use app::domain::business::Business;
use app::domain::certificate::CertStatus;

use super::applications::{NewApplication, Sealer};
use super::certificates::CertificateRow;
pub use super::codes::Checked;
use super::codes::{Table, forget, reserve, spend};
use super::holds::{Line, Opened, move_order, open_in, release_in};
use super::logins::{CodeLimits, Reserved};
use super::orders::Move;
use super::{Db, StoreError};

const CODES: Table = ("certificate_codes", "action_key");

/// A code about to be sent (or, for an unlock code, stored with the completion).
pub use super::codes::TextedCode;

/// A typed confirmation code against the latest one sent for a purpose.
#[derive(Debug, Clone, Copy)]
pub struct Typed<'a> {
    pub action_key: &'a [u8],
    pub code_hash: &'a [u8],
    pub now: i64,
    pub max_attempts: i64,
}

/// What a confirmation did: the code's verdict, and the order when it was right and the
/// certificate could take the business.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmed {
    Code(Checked),
    Opened(Opened),
}

#[async_trait::async_trait]
pub trait CertificateActionRepo: Send + Sync {
    async fn by_serial(&self, serial: &str) -> Result<Option<CertificateRow>, StoreError>;

    /// Counts the purpose's and the address's codes against `limits` and, if they allow,
    /// stores the new code, at once.
    async fn reserve(
        &self,
        code: TextedCode<'_>,
        limits: CodeLimits,
    ) -> Result<Reserved, StoreError>;

    /// Deletes a code that was never sent, so it neither works nor counts.
    async fn forget(&self, id: i64) -> Result<(), StoreError>;

    /// Spends the confirmation code and, when it was right, opens the order of `business` on
    /// `line`'s certificate (in one of `statuses`), at once. A wrong try is counted; a right
    /// code on a certificate that cannot take the business is left unspent.
    async fn confirm(
        &self,
        typed: Typed<'_>,
        new: &NewApplication<'_>,
        business: Business,
        statuses: &[&str],
        line: &Line<'_>,
        seal: Sealer<'_>,
    ) -> Result<Confirmed, StoreError>;

    /// The certificate of order `number` and the applicant's reason.
    async fn line(
        &self,
        number: &str,
    ) -> Result<Option<(CertificateRow, Option<String>)>, StoreError>;

    /// Orders of `business` opened but not completed (the CA's system did not answer), oldest
    /// first.
    async fn pending(&self, business: Business) -> Result<Vec<String>, StoreError>;

    /// Moves order `number` by `change`, sets its certificate's status (when given), stores
    /// the unlock code (when given) and releases the hold, at once; `false` (and nothing
    /// written) if the order already moved on.
    async fn complete(
        &self,
        number: &str,
        status: Option<CertStatus>,
        unlock: Option<TextedCode<'_>>,
        change: &Move,
    ) -> Result<bool, StoreError>;

    /// Checks an unlock code presented for a certificate: a wrong try counts once, a right one
    /// uses it up.
    async fn redeem(&self, typed: Typed<'_>) -> Result<Checked, StoreError>;
}

#[async_trait::async_trait]
impl CertificateActionRepo for Db {
    async fn by_serial(&self, serial: &str) -> Result<Option<CertificateRow>, StoreError> {
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM certificates WHERE serial = $1")
            .bind(serial)
            .fetch_optional(self.pool())
            .await?;
        match id {
            Some(id) => super::certificates::by_id(self.pool(), id).await,
            None => Ok(None),
        }
    }

    async fn reserve(
        &self,
        code: TextedCode<'_>,
        limits: CodeLimits,
    ) -> Result<Reserved, StoreError> {
        reserve(self, CODES, code, limits).await
    }

    async fn forget(&self, id: i64) -> Result<(), StoreError> {
        forget(self, CODES, id).await
    }

    async fn confirm(
        &self,
        typed: Typed<'_>,
        new: &NewApplication<'_>,
        business: Business,
        statuses: &[&str],
        line: &Line<'_>,
        seal: Sealer<'_>,
    ) -> Result<Confirmed, StoreError> {
        self.retry(|| async {
            let mut tx = self.begin_write().await?;
            let checked = spend(
                &mut tx,
                CODES,
                typed.action_key,
                Some(typed.code_hash),
                typed.now,
                typed.max_attempts,
            )
            .await?;
            if checked != Checked::Right {
                tx.commit().await?;
                return Ok(Confirmed::Code(checked));
            }
            let opened = open_in(
                &mut tx,
                new,
                business,
                statuses,
                std::slice::from_ref(line),
                seal,
            )
            .await?;
            if matches!(opened, Opened::Number(_)) {
                tx.commit().await?;
            }
            Ok(Confirmed::Opened(opened))
        })
        .await
    }

    async fn line(
        &self,
        number: &str,
    ) -> Result<Option<(CertificateRow, Option<String>)>, StoreError> {
        let found: Option<(i64, Option<String>)> = sqlx::query_as(
            "SELECT o.certificate_id, o.reason FROM order_certificates o
             JOIN applications a ON a.id = o.application_id WHERE a.number = $1",
        )
        .bind(number)
        .fetch_optional(self.pool())
        .await?;
        let Some((id, reason)) = found else {
            return Ok(None);
        };
        let row = super::certificates::by_id(self.pool(), id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("certificate {id} of {number}")))?;
        Ok(Some((row, reason)))
    }

    async fn pending(&self, business: Business) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT number FROM applications WHERE business = $1 AND status = 'in_production'
             ORDER BY updated_at, id",
        )
        .bind(business.code())
        .fetch_all(self.pool())
        .await?)
    }

    async fn complete(
        &self,
        number: &str,
        status: Option<CertStatus>,
        unlock: Option<TextedCode<'_>>,
        change: &Move,
    ) -> Result<bool, StoreError> {
        let at = change.events.first().map_or(0, |e| e.at);
        self.retry(|| async {
            let mut tx = self.begin_write().await?;
            let Some(id) = move_order(&mut tx, number, change).await? else {
                return Ok(false);
            };
            if let Some(status) = status {
                sqlx::query(
                    "UPDATE certificates SET status = $1, updated_at = $2
                     WHERE id IN (SELECT certificate_id FROM order_certificates
                                  WHERE application_id = $3)",
                )
                .bind(status.code())
                .bind(at)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
            if let Some(code) = unlock {
                sqlx::query(
                    "INSERT INTO certificate_codes (action_key, code_hash, ip_key, sent_at, expires_at)
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(code.to)
                .bind(code.code_hash)
                .bind(code.ip_key)
                .bind(code.now)
                .bind(code.expires_at)
                .execute(&mut *tx)
                .await?;
            }
            release_in(&mut tx, id).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    async fn redeem(&self, typed: Typed<'_>) -> Result<Checked, StoreError> {
        self.retry(|| async {
            let mut tx = self.begin_write().await?;
            let checked = spend(
                &mut tx,
                CODES,
                typed.action_key,
                Some(typed.code_hash),
                typed.now,
                typed.max_attempts,
            )
            .await?;
            tx.commit().await?;
            Ok(checked)
        })
        .await
    }
}
