//! [`HandoffRepo`] in SQL both engines run.

use super::write::{COLUMNS, COMPLETED, insert_token, write};
use super::{
    Change, CodeLimit, Created, Ending, HandoffRepo, HandoffRow, NewFile, NewHandoff, Redeemed,
    SmsLimits, SmsToken, StepRow,
};
use crate::store::{Db, StoreError};

#[async_trait::async_trait]
impl HandoffRepo for Db {
    async fn application(
        &self,
        number: &str,
        owner: Option<i64>,
    ) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM applications
             WHERE number = $1 AND (CAST($2 AS BIGINT) IS NULL OR user_id = $2)",
        )
        .bind(number)
        .bind(owner)
        .fetch_optional(self.pool())
        .await?)
    }

    async fn by_id(&self, id: i64) -> Result<Option<HandoffRow>, StoreError> {
        Ok(
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM handoffs h WHERE h.id = $1"))
                .bind(id)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    async fn by_token(&self, token_hash: &[u8; 32]) -> Result<Option<HandoffRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM handoff_tokens t JOIN handoffs h ON h.id = t.handoff_id
             WHERE t.token_hash = $1"
        ))
        .bind(&token_hash[..])
        .fetch_optional(self.pool())
        .await?)
    }

    async fn latest(&self, application_id: i64) -> Result<Option<HandoffRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM handoffs h WHERE h.application_id = $1
             ORDER BY h.id DESC LIMIT 1"
        ))
        .bind(application_id)
        .fetch_optional(self.pool())
        .await?)
    }

    async fn running(&self, application_id: i64) -> Result<Vec<HandoffRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM handoffs h WHERE h.application_id = $1 AND h.ended_at IS NULL
             ORDER BY h.id"
        ))
        .bind(application_id)
        .fetch_all(self.pool())
        .await?)
    }

    async fn completed(&self, application_id: i64) -> Result<bool, StoreError> {
        let completed: i64 = sqlx::query_scalar(COMPLETED)
            .bind(application_id)
            .fetch_one(self.pool())
            .await?;
        Ok(completed == 1)
    }

    async fn create(&self, new: NewHandoff<'_>, endings: &[Ending]) -> Result<Created, StoreError> {
        self.retry(|| async {
            let mut tx = self.begin_write().await?;
            let completed: i64 = sqlx::query_scalar(COMPLETED)
                .bind(new.application_id)
                .fetch_one(&mut *tx)
                .await?;
            if completed == 1 {
                return Ok(Created::AlreadyCompleted);
            }
            for ending in endings {
                if !write(&mut tx, ending.id, ending.version, &ending.change, new.now).await? {
                    return Ok(Created::Stale);
                }
            }
            let running: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM handoffs WHERE application_id = $1 AND ended_at IS NULL",
            )
            .bind(new.application_id)
            .fetch_one(&mut *tx)
            .await?;
            if running > 0 {
                return Ok(Created::Stale);
            }
            // Codes of sessions no longer waiting are free again.
            sqlx::query(
                "UPDATE handoffs SET short_code = NULL
                 WHERE short_code IS NOT NULL AND (stage <> 'pending' OR claim_deadline <= $1)",
            )
            .bind(new.now)
            .execute(&mut *tx)
            .await?;
            let mut short_code = String::new();
            for candidate in new.short_codes {
                short_code.clone_from(candidate);
                let taken: i64 =
                    sqlx::query_scalar("SELECT COUNT(*) FROM handoffs WHERE short_code = $1")
                        .bind(candidate)
                        .fetch_one(&mut *tx)
                        .await?;
                if taken == 0 {
                    break;
                }
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO handoffs (application_id, person, subject, stage, short_code,
                                       created_at, claim_deadline, updated_at)
                 VALUES ($1, $2, $3, 'pending', $4, $5, $6, $5) RETURNING id",
            )
            .bind(new.application_id)
            .bind(new.person.code())
            .bind(Vec::<u8>::new())
            .bind(&short_code)
            .bind(new.now)
            .bind(new.claim_deadline)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query("UPDATE handoffs SET subject = $1 WHERE id = $2")
                .bind((new.seal_subject)(id))
                .bind(id)
                .execute(&mut *tx)
                .await?;
            insert_token(&mut tx, &new.token_hash, id, "qr", new.now).await?;
            tx.commit().await?;
            Ok(Created::Opened { id, short_code })
        })
        .await
    }

    async fn write_if_version(
        &self,
        id: i64,
        version: i64,
        change: &Change,
        files: Option<(&str, &[NewFile])>,
        now: i64,
    ) -> Result<Option<Vec<String>>, StoreError> {
        self.retry(|| async {
            let mut tx = self.begin_write().await?;
            if !write(&mut tx, id, version, change, now).await? {
                return Ok(None);
            }
            let mut old = Vec::new();
            if let Some((kind, files)) = files {
                old = sqlx::query_scalar(
                    "DELETE FROM handoff_files WHERE handoff_id = $1 AND kind = $2
                     RETURNING object",
                )
                .bind(id)
                .bind(kind)
                .fetch_all(&mut *tx)
                .await?;
                for (seq, file) in (0_i64..).zip(files) {
                    sqlx::query(
                        "INSERT INTO handoff_files
                             (handoff_id, kind, seq, object, size, width, height, stored_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(id)
                    .bind(kind)
                    .bind(seq)
                    .bind(&file.object)
                    .bind(file.size)
                    .bind(file.width)
                    .bind(file.height)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            tx.commit().await?;
            Ok(Some(old))
        })
        .await
    }

    async fn set_challenge(&self, id: i64, version: i64, json: &str) -> Result<bool, StoreError> {
        let written =
            sqlx::query("UPDATE handoffs SET challenge = $1 WHERE id = $2 AND version = $3")
                .bind(json)
                .bind(id)
                .bind(version)
                .execute(self.pool())
                .await?
                .rows_affected();
        Ok(written == 1)
    }

    async fn steps(&self, id: i64) -> Result<Vec<StepRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT kind, detail, at FROM handoff_steps WHERE handoff_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?)
    }

    async fn has_step(&self, id: i64, kind: &str) -> Result<bool, StoreError> {
        let found: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM handoff_steps WHERE handoff_id = $1 AND kind = $2",
        )
        .bind(id)
        .bind(kind)
        .fetch_one(self.pool())
        .await?;
        Ok(found > 0)
    }

    async fn add_sms_token(
        &self,
        application_id: i64,
        handoff_id: i64,
        token_hash: &[u8; 32],
        now: i64,
        limits: SmsLimits,
    ) -> Result<SmsToken, StoreError> {
        self.retry(|| async {
            let mut tx = self.begin_write().await?;
            let (last, today): (Option<i64>, i64) = sqlx::query_as(
                "SELECT MAX(t.created_at), COUNT(CASE WHEN t.created_at >= $1 THEN 1 END)
                 FROM handoff_tokens t JOIN handoffs h ON h.id = t.handoff_id
                 WHERE h.application_id = $2 AND t.channel = 'sms'",
            )
            .bind(limits.day_start)
            .bind(application_id)
            .fetch_one(&mut *tx)
            .await?;
            if let Some(last) = last.filter(|last| now - last < limits.resend_secs) {
                return Ok(SmsToken::TooSoon { last });
            }
            if today >= limits.per_day {
                return Ok(SmsToken::DailyLimit);
            }
            insert_token(&mut tx, token_hash, handoff_id, "sms", now).await?;
            tx.commit().await?;
            Ok(SmsToken::Added)
        })
        .await
    }

    async fn delete_token(&self, token_hash: &[u8; 32]) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM handoff_tokens WHERE token_hash = $1")
            .bind(&token_hash[..])
            .execute(self.pool())
            .await?;
        Ok(())
    }

    async fn redeem_code(
        &self,
        ip_key: &str,
        code: Option<&str>,
        token_hash: &[u8; 32],
        now: i64,
        limit: CodeLimit,
    ) -> Result<Redeemed, StoreError> {
        self.retry(|| async {
            let mut tx = self.begin_write().await?;
            let (failures, oldest): (i64, Option<i64>) = sqlx::query_as(
                "SELECT COUNT(*), MIN(at) FROM handoff_code_failures WHERE ip_key = $1 AND at > $2",
            )
            .bind(ip_key)
            .bind(limit.window_start)
            .fetch_one(&mut *tx)
            .await?;
            if failures >= limit.failures {
                return Ok(Redeemed::Limited {
                    oldest: oldest.unwrap_or(now),
                });
            }
            let Some(code) = code else {
                return Ok(Redeemed::Unknown);
            };
            let found: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM handoffs
                 WHERE short_code = $1 AND stage = 'pending' AND claim_deadline > $2",
            )
            .bind(code)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(id) = found else {
                sqlx::query("INSERT INTO handoff_code_failures (ip_key, at) VALUES ($1, $2)")
                    .bind(ip_key)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                return Ok(Redeemed::Unknown);
            };
            // Single use: the code opens one link, then it is gone.
            sqlx::query("UPDATE handoffs SET short_code = NULL WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            insert_token(&mut tx, token_hash, id, "code", now).await?;
            tx.commit().await?;
            Ok(Redeemed::Opened { handoff_id: id })
        })
        .await
    }

    async fn file(&self, id: i64, kind: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT object FROM handoff_files WHERE handoff_id = $1 AND kind = $2
             ORDER BY seq DESC LIMIT 1",
        )
        .bind(id)
        .bind(kind)
        .fetch_optional(self.pool())
        .await?)
    }

    async fn file_kinds(&self, id: i64) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT kind FROM handoff_files WHERE handoff_id = $1 ORDER BY kind",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?)
    }

    async fn latest_file(&self, number: &str, kind: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT f.object FROM handoff_files f
             WHERE f.kind = $2 AND f.handoff_id = (
                 SELECT h.id FROM handoffs h JOIN applications a ON a.id = h.application_id
                 WHERE a.number = $1 ORDER BY h.id DESC LIMIT 1)
             ORDER BY f.seq DESC LIMIT 1",
        )
        .bind(number)
        .bind(kind)
        .fetch_optional(self.pool())
        .await?)
    }

    async fn overdue(&self, now: i64) -> Result<Vec<i64>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM handoffs WHERE ended_at IS NULL
               AND (claim_deadline <= $1 AND stage = 'pending' OR session_deadline <= $1)
             ORDER BY id",
        )
        .bind(now)
        .fetch_all(self.pool())
        .await?)
    }

    async fn ended_by(&self, cutoff: i64) -> Result<Vec<i64>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM handoffs WHERE purged_at IS NULL AND ended_at <= $1 ORDER BY id",
        )
        .bind(cutoff)
        .fetch_all(self.pool())
        .await?)
    }

    async fn purge(&self, id: i64, now: i64) -> Result<Vec<String>, StoreError> {
        self.retry(|| async {
            let mut tx = self.begin_write().await?;
            let objects: Vec<String> = sqlx::query_scalar(
                "DELETE FROM handoff_files WHERE handoff_id = $1 RETURNING object",
            )
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
            // The links go too: they can open nothing any more.
            sqlx::query("DELETE FROM handoff_tokens WHERE handoff_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE handoffs SET purged_at = $1, challenge = NULL WHERE id = $2")
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(objects)
        })
        .await
    }

    async fn forget_code_failures(&self, before: i64) -> Result<u64, StoreError> {
        Ok(
            sqlx::query("DELETE FROM handoff_code_failures WHERE at <= $1")
                .bind(before)
                .execute(self.pool())
                .await?
                .rows_affected(),
        )
    }
}
