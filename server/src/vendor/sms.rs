//! Text messages: the provider picked by `SMS_PROVIDER`.
//!
//! Only the local provider exists today. It sends nothing: each message goes into the
//! `sms_outbox` table, which `/dev/outbox` shows so a person or a test can read a code, and the
//! log gets a line with the number masked (never the text, which may hold a code). The table
//! keeps the number like every other: as its keyed hash and sealed ([`crate::mobiles`]). A
//! vendor is one more [`SmsSender`] passed to [`SmsProvider::external`], which has no outbox.

use std::sync::Arc;

use app::domain::mobile::Mobile;
use app::services::sms::{Outbox, OutboxMessage, SmsError, SmsKind, SmsSender};

use crate::clock::Clock;
use crate::config::SmsProviderKind;
use crate::crypto::Keys;
use crate::mobiles::{self, SMS_OUTBOX};
use crate::store::outbox::OutboxRepo;
use crate::store::time::{to_db, to_text};

/// Shown in the outbox for a number that does not open (the secret was changed since).
const UNREADABLE: &str = "（号码无法解密）";

/// The active provider: who sends, and the outbox when messages stay on this machine.
#[derive(Clone)]
pub struct SmsProvider {
    pub sender: Arc<dyn SmsSender>,
    pub outbox: Option<Arc<dyn Outbox>>,
}

impl SmsProvider {
    pub fn from_config(
        kind: SmsProviderKind,
        repo: Arc<dyn OutboxRepo>,
        keys: Arc<Keys>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        match kind {
            SmsProviderKind::Local => Self::local(repo, keys, clock),
        }
    }

    /// Messages are stored in `sms_outbox` and readable through the outbox.
    pub fn local(repo: Arc<dyn OutboxRepo>, keys: Arc<Keys>, clock: Arc<dyn Clock>) -> Self {
        let local = Arc::new(LocalSms { repo, keys, clock });
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
    repo: Arc<dyn OutboxRepo>,
    keys: Arc<Keys>,
    clock: Arc<dyn Clock>,
}

fn kind_text(kind: SmsKind) -> &'static str {
    match kind {
        SmsKind::LoginCode => "login_code",
        SmsKind::Notice => "notice",
        SmsKind::Reminder => "reminder",
    }
}

#[async_trait::async_trait]
impl SmsSender for LocalSms {
    async fn send(&self, to: &Mobile, kind: SmsKind, text: &str) -> Result<(), SmsError> {
        self.repo
            .put(
                &mobiles::index(&self.keys, to),
                &mobiles::seal(&self.keys, SMS_OUTBOX, to),
                kind_text(kind),
                text,
                to_db(self.clock.now()),
            )
            .await
            .map_err(|e| SmsError(format!("local outbox: {e}")))?;
        tracing::info!(to = %to.masked(), kind = kind_text(kind), "SMS kept in the local outbox (not sent)");
        Ok(())
    }
}

#[async_trait::async_trait]
impl Outbox for LocalSms {
    async fn recent(&self, limit: u32) -> Result<Vec<OutboxMessage>, SmsError> {
        let rows = self
            .repo
            .recent(i64::from(limit))
            .await
            .map_err(|e| SmsError(format!("local outbox: {e}")))?;
        Ok(rows
            .into_iter()
            .map(|row| OutboxMessage {
                id: row.id,
                to: mobiles::open(
                    &self.keys,
                    SMS_OUTBOX,
                    &row.mobile_index,
                    &row.mobile_sealed,
                )
                .map_or_else(|_| UNREADABLE.to_owned(), |m| m.as_str().to_owned()),
                kind: match row.kind.as_str() {
                    "login_code" => SmsKind::LoginCode,
                    "reminder" => SmsKind::Reminder,
                    _ => SmsKind::Notice,
                },
                text: row.text,
                sent_at: to_text(row.sent_at),
            })
            .collect())
    }
}
