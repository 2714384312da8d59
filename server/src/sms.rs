//! Text messages: the provider picked by `SMS_PROVIDER`.
//!
//! Only the local provider exists today. It sends nothing: each message goes into the
//! `sms_outbox` table, which `/dev/outbox` shows so a person or a test can read a code, and the
//! log gets a line with the number masked (never the text, which may hold a code). A vendor is
//! one more [`SmsSender`] passed to [`SmsProvider::external`], which has no outbox.

use std::sync::Arc;

use app::domain::mobile::Mobile;
use app::services::sms::{Outbox, OutboxMessage, SmsError, SmsKind, SmsSender};
use sqlx::SqlitePool;

use crate::clock::{Clock, timestamp};
use crate::config::SmsProviderKind;

/// The active provider: who sends, and the outbox when messages stay on this machine.
#[derive(Clone)]
pub struct SmsProvider {
    pub sender: Arc<dyn SmsSender>,
    pub outbox: Option<Arc<dyn Outbox>>,
}

impl SmsProvider {
    pub fn from_config(kind: SmsProviderKind, pool: SqlitePool, clock: Arc<dyn Clock>) -> Self {
        match kind {
            SmsProviderKind::Local => Self::local(pool, clock),
        }
    }

    /// Messages are stored in `sms_outbox` and readable through the outbox.
    pub fn local(pool: SqlitePool, clock: Arc<dyn Clock>) -> Self {
        let local = Arc::new(LocalSms { pool, clock });
        Self {
            sender: local.clone(),
            outbox: Some(local),
        }
    }

    /// A provider that really delivers: nothing is kept for `/dev/outbox`.
    pub fn external(sender: Arc<dyn SmsSender>) -> Self {
        Self {
            sender,
            outbox: None,
        }
    }
}

pub struct LocalSms {
    pool: SqlitePool,
    clock: Arc<dyn Clock>,
}

fn kind_text(kind: SmsKind) -> &'static str {
    match kind {
        SmsKind::LoginCode => "login_code",
        SmsKind::Notice => "notice",
    }
}

#[async_trait::async_trait]
impl SmsSender for LocalSms {
    async fn send(&self, to: &Mobile, kind: SmsKind, text: &str) -> Result<(), SmsError> {
        sqlx::query("INSERT INTO sms_outbox (to_mobile, kind, text, sent_at) VALUES (?, ?, ?, ?)")
            .bind(to.as_str())
            .bind(kind_text(kind))
            .bind(text)
            .bind(timestamp(self.clock.now()))
            .execute(&self.pool)
            .await
            .map_err(|e| SmsError(format!("local outbox: {e}")))?;
        tracing::info!(to = %to.masked(), kind = kind_text(kind), "SMS kept in the local outbox (not sent)");
        Ok(())
    }
}

#[async_trait::async_trait]
impl Outbox for LocalSms {
    async fn recent(&self, limit: u32) -> Result<Vec<OutboxMessage>, SmsError> {
        let rows: Vec<(i64, String, String, String, String)> = sqlx::query_as(
            "SELECT id, to_mobile, kind, text, sent_at FROM sms_outbox ORDER BY id DESC LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(|e| SmsError(format!("local outbox: {e}")))?;
        Ok(rows
            .into_iter()
            .map(|(id, to, kind, text, sent_at)| OutboxMessage {
                id,
                to,
                kind: if kind == "login_code" {
                    SmsKind::LoginCode
                } else {
                    SmsKind::Notice
                },
                text,
                sent_at,
            })
            .collect())
    }
}
