//! [`SqlHandoffService`]: the handoff sessions in the database, their photos in storage.
//!
//! All state lives in the `handoffs` row, so any server instance sharing the database serves
//! any request (the desktop's event stream may run on one instance while the phone uploads to
//! another). Every change goes through [`app::domain::handoff::transition`] and is written
//! with a check of the row's `version` (optimistic locking): of two racing requests one wins,
//! the other is answered `conflict` and changes nothing. Expiry needs no timer: a session past
//! its deadline is expired by whichever request (or the maintenance task) sees it first.
//!
//! Personal data: the person's name, number and mobile (`subject`) and the readings
//! (`result`) are AES-256-GCM sealed in the row, bound to its id; photos and frames are sealed
//! in storage under random names. Nothing personal is logged, only ids, stages and codes.

use std::net::IpAddr;
use std::sync::Arc;

use app::domain::handoff::{
    self as rules, CHALLENGE_SECS, CLAIM_MINUTES, Event, FailReason, HandoffState, IdSide,
    MAX_FRAME_BYTES, MAX_FRAMES, MAX_PHOTO_BYTES, MIN_FRAME_SIDE, MIN_PHOTO_SIDE, Mismatch, Next,
    Prompt, Role, SESSION_MINUTES, Stage, Step,
};
use app::domain::mobile::Mobile;
use app::services::applications::ApplicationStore;
use app::services::handoff::{
    BackReading, CodeRedeemed, CreatedHandoff, FaceComparison, FailureView, FrontReading,
    HandoffError, HandoffService, HandoffStatus, IdPhotoResult, IdentityVerifier,
    LivenessChallenge, LivenessResult, MismatchView, PhoneState, PromptView, SmsSent, StepView,
    Subject, VerifierError,
};
use app::services::login::UserId;
use app::services::sms::{SmsKind, SmsSender};
use serde::{Deserialize, Serialize};
use sqlx::{SqliteConnection, SqlitePool};
use time::OffsetDateTime;

use super::photo;
use super::token::{self, Device, Gate};
use crate::clock::{Clock, china_date, china_day_start};
use crate::crypto::Keys;
use crate::login::ip_key;
use crate::materials::storage::Storage;
use crate::store::time::{to_db, to_text};

/// Seconds between two text messages for one application.
pub const SMS_RESEND_SECS: i64 = 60;
/// Text messages per application per China calendar day.
pub const SMS_DAILY_LIMIT: i64 = 5;
/// Wrong short codes one client address may type per window before it must wait.
pub const CODE_FAILURES_PER_WINDOW: i64 = 10;
pub const CODE_WINDOW_SECS: i64 = 15 * 60;

/// What the service needs from the configuration.
#[derive(Clone, Debug)]
pub struct HandoffSettings {
    /// `PUBLIC_URL`, the start of every link.
    pub public_url: String,
    /// `IDENTITY_RETENTION_DAYS`: photos and frames of ended sessions are deleted this long
    /// after the end.
    pub retention_days: u32,
}

pub struct SqlHandoffService {
    pool: SqlitePool,
    applications: Arc<dyn ApplicationStore>,
    verifier: Arc<dyn IdentityVerifier>,
    sms: Arc<dyn SmsSender>,
    storage: Arc<dyn Storage>,
    keys: Arc<Keys>,
    clock: Arc<dyn Clock>,
    settings: HandoffSettings,
}

#[derive(sqlx::FromRow, Clone)]
struct Row {
    id: i64,
    /// A [`Role`] code: who must do the session.
    person: String,
    subject: Vec<u8>,
    stage: String,
    failure: Option<String>,
    front_uploads: i64,
    back_uploads: i64,
    failed_attempts: i64,
    front_for_review: bool,
    back_for_review: bool,
    version: i64,
    device_hash: Option<Vec<u8>>,
    challenge: Option<String>,
    result: Option<Vec<u8>>,
    claim_deadline: i64,
    session_deadline: Option<i64>,
    ended_at: Option<i64>,
}

const COLUMNS: &str = "h.id, h.person, h.subject, h.stage, h.failure, h.front_uploads, \
     h.back_uploads, h.failed_attempts, h.front_for_review, h.back_for_review, h.version, \
     h.device_hash, h.challenge, h.result, h.claim_deadline, h.session_deadline, h.ended_at";

impl Row {
    fn state(&self) -> Result<HandoffState, HandoffError> {
        let broken = || HandoffError::Internal(format!("handoff {} has a broken state", self.id));
        let count = |n: i64| u8::try_from(n).map_err(|_| broken());
        let failure = match &self.failure {
            Some(code) => Some(FailReason::parse(code).ok_or_else(broken)?),
            None => None,
        };
        HandoffState::restore(HandoffState {
            stage: Stage::parse(&self.stage).ok_or_else(broken)?,
            failure,
            front_uploads: count(self.front_uploads)?,
            back_uploads: count(self.back_uploads)?,
            failed_attempts: count(self.failed_attempts)?,
            front_for_review: self.front_for_review,
            back_for_review: self.back_for_review,
        })
        .map_err(|_| broken())
    }

    fn role(&self) -> Result<Role, HandoffError> {
        Role::parse(&self.person).ok_or_else(|| {
            HandoffError::Internal(format!("handoff {} has a broken person", self.id))
        })
    }

    fn gate(&self, state: &HandoffState) -> Gate<'_> {
        Gate {
            stage: state.stage,
            failure: state.failure,
            device_hash: self.device_hash.as_deref(),
        }
    }

    /// The time that matters now: the claim deadline while pending, the session deadline
    /// while claimed, the end once ended.
    fn deadline(&self, stage: Stage) -> i64 {
        match stage {
            Stage::Pending => self.claim_deadline,
            s if s.is_terminal() => self.ended_at.unwrap_or(self.claim_deadline),
            _ => self.session_deadline.unwrap_or(self.claim_deadline),
        }
    }
}

/// The person as the form had them when the link was made.
#[derive(Serialize, Deserialize)]
struct StoredSubject {
    name: String,
    id_number: String,
    mobile: String,
}

/// The liveness prompts handed out and not yet answered (no personal data).
#[derive(Serialize, Deserialize)]
struct Challenge {
    id: String,
    prompts: Vec<Prompt>,
    expires_at: i64,
}

/// Everything the providers said, for the reviewer; sealed in the row.
#[derive(Serialize, Deserialize, Default)]
struct Record {
    provider: String,
    front: Option<FrontReading>,
    back: Option<BackReading>,
    front_mismatches: Vec<Mismatch>,
    back_mismatches: Vec<Mismatch>,
    liveness: Vec<LivenessAttempt>,
}

#[derive(Serialize, Deserialize)]
struct LivenessAttempt {
    at: String,
    prompts: Vec<Prompt>,
    frames: usize,
    failure: Option<rules::LivenessFailure>,
    note: String,
    face: Option<FaceComparison>,
}

/// A change to one row, applied only if its version is still the one read.
struct Update {
    state: HandoffState,
    steps: Vec<Step>,
    /// Set with the claim: device hash, claimed at, session deadline.
    claim: Option<([u8; 32], i64, i64)>,
    /// `Some(None)` clears the challenge.
    challenge: Option<Option<String>>,
    result: Option<Vec<u8>>,
}

impl Update {
    fn new(state: HandoffState, steps: Vec<Step>) -> Self {
        Self {
            state,
            steps,
            claim: None,
            challenge: None,
            result: None,
        }
    }
}

fn internal(error: impl std::fmt::Display) -> HandoffError {
    HandoffError::Internal(error.to_string())
}

fn stamp(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .map(crate::clock::timestamp)
        .unwrap_or_default()
}

fn secs_until(deadline: i64, now: i64) -> u32 {
    u32::try_from((deadline - now).max(0)).unwrap_or(u32::MAX)
}

fn verifier_error(error: VerifierError) -> HandoffError {
    match error {
        VerifierError::Photo(problem) => HandoffError::Photo(problem),
        VerifierError::Busy => HandoffError::Busy {
            secs: crate::heavy::RETRY_AFTER_SECS,
        },
        VerifierError::Unavailable(cause) => {
            tracing::error!(%cause, "identity provider failed");
            HandoffError::VerifierUnavailable
        }
    }
}

fn wrong_step(state: &HandoffState) -> HandoffError {
    HandoffError::WrongStep { stage: state.stage }
}

/// Writes `update` if the row is still at `version`; whether it was.
async fn write(
    conn: &mut SqliteConnection,
    id: i64,
    version: i64,
    update: &Update,
    now: OffsetDateTime,
) -> Result<bool, HandoffError> {
    let state = &update.state;
    let unix = now.unix_timestamp();
    let (device_hash, claimed_at, session_deadline) = match &update.claim {
        Some((hash, at, deadline)) => (Some(hash.to_vec()), Some(*at), Some(*deadline)),
        None => (None, None, None),
    };
    let written = sqlx::query(
        "UPDATE handoffs SET
             stage = ?, failure = ?, front_uploads = ?, back_uploads = ?, failed_attempts = ?,
             front_for_review = ?, back_for_review = ?, version = version + 1,
             device_hash = COALESCE(?, device_hash),
             claimed_at = COALESCE(?, claimed_at),
             session_deadline = COALESCE(?, session_deadline),
             challenge = CASE WHEN ? THEN ? ELSE challenge END,
             result = COALESCE(?, result),
             short_code = CASE WHEN ? THEN short_code ELSE NULL END,
             ended_at = CASE WHEN ? THEN ? ELSE NULL END,
             updated_at = ?
         WHERE id = ? AND version = ?",
    )
    .bind(state.stage.code())
    .bind(state.failure.map(FailReason::code))
    .bind(i64::from(state.front_uploads))
    .bind(i64::from(state.back_uploads))
    .bind(i64::from(state.failed_attempts))
    .bind(state.front_for_review)
    .bind(state.back_for_review)
    .bind(device_hash)
    .bind(claimed_at)
    .bind(session_deadline)
    .bind(update.challenge.is_some())
    .bind(update.challenge.clone().flatten())
    .bind(update.result.clone())
    .bind(state.stage == Stage::Pending)
    .bind(state.stage.is_terminal())
    .bind(unix)
    .bind(to_db(now))
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await
    .map_err(internal)?
    .rows_affected();
    if written == 0 {
        return Ok(false);
    }
    for step in &update.steps {
        sqlx::query("INSERT INTO handoff_steps (handoff_id, kind, detail, at) VALUES (?, ?, ?, ?)")
            .bind(id)
            .bind(step.code())
            .bind(step.detail())
            .bind(to_db(now))
            .execute(&mut *conn)
            .await
            .map_err(internal)?;
    }
    tracing::info!(handoff = id, stage = state.stage.code(), "handoff changed");
    Ok(true)
}

/// The state and steps `event` leads to, or why not.
fn apply(state: &HandoffState, event: Event) -> Result<(HandoffState, Vec<Step>), HandoffError> {
    let next = rules::transition(state, &event).map_err(|_| wrong_step(state))?;
    Ok((next, rules::steps_of(&event, &next)))
}

impl SqlHandoffService {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        pool: SqlitePool,
        applications: Arc<dyn ApplicationStore>,
        verifier: Arc<dyn IdentityVerifier>,
        sms: Arc<dyn SmsSender>,
        storage: Arc<dyn Storage>,
        keys: Arc<Keys>,
        clock: Arc<dyn Clock>,
        settings: HandoffSettings,
    ) -> Self {
        Self {
            pool,
            applications,
            verifier,
            sms,
            storage,
            keys,
            clock,
            settings,
        }
    }

    fn url(&self, token: &str) -> (String, String) {
        let path = format!("/m/{token}");
        let url = format!("{}{path}", self.settings.public_url.trim_end_matches('/'));
        (url, path)
    }

    fn subject(&self, row: &Row) -> Result<StoredSubject, HandoffError> {
        let json = self
            .keys
            .open(&format!("handoff-subject:{}", row.id), &row.subject)
            .map_err(|e| internal(format!("handoff {} subject: {e}", row.id)))?;
        serde_json::from_slice(&json).map_err(internal)
    }

    fn record(&self, row: &Row) -> Result<Record, HandoffError> {
        let Some(sealed) = &row.result else {
            return Ok(Record {
                provider: self.verifier.provider().to_owned(),
                ..Record::default()
            });
        };
        let json = self
            .keys
            .open(&format!("handoff-result:{}", row.id), sealed)
            .map_err(|e| internal(format!("handoff {} result: {e}", row.id)))?;
        serde_json::from_slice(&json).map_err(internal)
    }

    fn seal_record(&self, id: i64, record: &Record) -> Result<Vec<u8>, HandoffError> {
        let json = serde_json::to_vec(record).map_err(internal)?;
        Ok(self.keys.seal(&format!("handoff-result:{id}"), &json))
    }

    async fn by_id(&self, id: i64) -> Result<Row, HandoffError> {
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM handoffs h WHERE h.id = ?"))
            .bind(id)
            .fetch_one(&self.pool)
            .await
            .map_err(internal)
    }

    /// The session `token` opens, settled against the clock.
    async fn by_token(&self, token: &str) -> Result<Row, HandoffError> {
        let hash = token::hash(token).ok_or(HandoffError::UnknownToken)?;
        let row: Option<Row> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM handoff_tokens t JOIN handoffs h ON h.id = t.handoff_id
             WHERE t.token_hash = ?"
        ))
        .bind(&hash[..])
        .fetch_optional(&self.pool)
        .await
        .map_err(internal)?;
        self.settle(row.ok_or(HandoffError::UnknownToken)?).await
    }

    /// Expires the session if its time ran out; returns the row as it now stands.
    async fn settle(&self, row: Row) -> Result<Row, HandoffError> {
        let state = row.state()?;
        let now = self.clock.now();
        if !token::overdue(
            state.stage,
            now.unix_timestamp(),
            row.claim_deadline,
            row.session_deadline,
        ) {
            return Ok(row);
        }
        let (next, steps) = apply(&state, Event::Expire)?;
        let mut conn = self.pool.acquire().await.map_err(internal)?;
        // Lost race: someone else changed it first; read what they wrote.
        write(
            &mut conn,
            row.id,
            row.version,
            &Update::new(next, steps),
            now,
        )
        .await?;
        drop(conn);
        self.by_id(row.id).await
    }

    /// The id of `user`'s application `number`.
    async fn owned_application(&self, user: UserId, number: &str) -> Result<i64, HandoffError> {
        sqlx::query_scalar("SELECT id FROM applications WHERE number = ? AND user_id = ?")
            .bind(number)
            .bind(user.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(internal)?
            .ok_or(HandoffError::NotFound)
    }

    async fn latest(&self, application_id: i64) -> Result<Option<Row>, HandoffError> {
        let row: Option<Row> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM handoffs h WHERE h.application_id = ? ORDER BY h.id DESC LIMIT 1"
        ))
        .bind(application_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(internal)?;
        match row {
            Some(row) => Ok(Some(self.settle(row).await?)),
            None => Ok(None),
        }
    }

    async fn steps(&self, id: i64) -> Result<Vec<StepView>, HandoffError> {
        let rows: Vec<(String, Option<String>, i64)> = sqlx::query_as(
            "SELECT kind, detail, at FROM handoff_steps WHERE handoff_id = ? ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .map_err(internal)?;
        Ok(rows
            .into_iter()
            .filter_map(|(kind, detail, at)| {
                Step::parse(&kind, detail.as_deref()).map(|step| StepView::new(step, to_text(at)))
            })
            .collect())
    }

    fn mismatch_views(record: &Record) -> Vec<MismatchView> {
        let front = record
            .front_mismatches
            .iter()
            .map(|m| MismatchView::new(IdSide::Front, m));
        let back = record
            .back_mismatches
            .iter()
            .map(|m| MismatchView::new(IdSide::Back, m));
        front.chain(back).collect()
    }

    async fn desktop_view(&self, row: Option<Row>) -> Result<HandoffStatus, HandoffError> {
        let now = self.clock.now().unix_timestamp();
        let Some(row) = row else {
            return Ok(HandoffStatus {
                token_id: None,
                version: 0,
                stage: None,
                token_state: None,
                label: String::new(),
                failure: None,
                expires_at: None,
                expires_in_secs: None,
                steps: Vec::new(),
                mismatches: Vec::new(),
                for_review: Vec::new(),
                front_retakes_left: rules::MAX_RETAKES,
                back_retakes_left: rules::MAX_RETAKES,
                liveness_attempts_left: rules::MAX_FAILED_ATTEMPTS,
                done: false,
            });
        };
        let state = row.state()?;
        let record = self.record(&row)?;
        let deadline = row.deadline(state.stage);
        let live = !state.stage.is_terminal();
        Ok(HandoffStatus {
            token_id: Some(row.id),
            version: row.version,
            stage: Some(state.stage),
            token_state: Some(state.stage.token_state()),
            label: state.stage.label().to_owned(),
            failure: state.failure.map(FailureView::from),
            expires_at: live.then(|| stamp(deadline)),
            expires_in_secs: live.then(|| secs_until(deadline, now)),
            steps: self.steps(row.id).await?,
            mismatches: Self::mismatch_views(&record),
            for_review: [IdSide::Front, IdSide::Back]
                .into_iter()
                .filter(|side| state.for_review(*side))
                .collect(),
            front_retakes_left: state.retakes_left(IdSide::Front),
            back_retakes_left: state.retakes_left(IdSide::Back),
            liveness_attempts_left: state.attempts_left(),
            done: state.stage == Stage::Completed,
        })
    }

    async fn phone_view(&self, row: &Row, device: Device) -> Result<PhoneState, HandoffError> {
        let state = row.state()?;
        let now = self.clock.now().unix_timestamp();
        let holder = device == Device::Holder;
        let other = device == Device::Other;
        let steps = if holder {
            self.steps(row.id).await?
        } else {
            Vec::new()
        };
        let superseded = steps.iter().any(|s| s.kind == Step::Superseded.code())
            || (!holder && self.was_superseded(row.id).await?);
        let person = if other {
            None
        } else {
            Some(rules::mask_name(&self.subject(row)?.name))
        };
        let next = match state.stage {
            Stage::Completed if !holder => Next::Rescan,
            stage if !stage.is_terminal() && other => Next::OtherDevice,
            _ => state.next(),
        };
        let role = row.role()?.label();
        let message = match (state.stage, next) {
            (_, Next::OtherDevice) => HandoffError::OtherDevice.to_string(),
            (Stage::Pending, _) => format!(
                "请{role}{}本人在这台设备上完成身份证拍摄和人脸识别。点击“开始认证”后，此链接只能在这台设备上使用",
                person.as_deref().unwrap_or_default()
            ),
            (Stage::Opened, _) => "请拍摄身份证人像面（有照片的一面）".to_owned(),
            (Stage::IdFrontDone, _) => "请拍摄身份证国徽面（有国徽的一面）".to_owned(),
            (Stage::IdBackDone | Stage::LivenessPassed | Stage::FaceMatched, _) => {
                "请进行活体检测：正对镜头，按提示完成动作".to_owned()
            }
            (Stage::Completed, Next::Done) => "身份认证已完成，请回到电脑上继续办理".to_owned(),
            (Stage::Completed, _) => {
                "此链接已完成认证，不能再次使用。如需重新认证，请回到电脑上重新扫码".to_owned()
            }
            (Stage::Expired, _) if superseded => {
                "电脑上已生成新的二维码，此链接已作废。请扫描电脑上最新的二维码".to_owned()
            }
            (Stage::Expired, _) => HandoffError::Expired.to_string(),
            (Stage::Failed, _) => state
                .failure
                .map(|r| r.message().to_owned())
                .unwrap_or_else(|| HandoffError::Expired.to_string()),
        };
        let deadline = row.deadline(state.stage);
        let mismatches = if holder {
            Self::mismatch_views(&self.record(row)?)
        } else {
            Vec::new()
        };
        Ok(PhoneState {
            stage: state.stage,
            token_state: state.stage.token_state(),
            this_device: holder,
            next,
            message,
            role: role.to_owned(),
            person,
            expires_at: stamp(deadline),
            expires_in_secs: secs_until(deadline, now),
            failure: state.failure.map(FailureView::from),
            mismatches,
            front_retakes_left: state.retakes_left(IdSide::Front),
            back_retakes_left: state.retakes_left(IdSide::Back),
            liveness_attempts_left: state.attempts_left(),
            steps,
        })
    }

    async fn was_superseded(&self, id: i64) -> Result<bool, HandoffError> {
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM handoff_steps WHERE handoff_id = ? AND kind = ?)",
        )
        .bind(id)
        .bind(Step::Superseded.code())
        .fetch_one(&self.pool)
        .await
        .map_err(internal)
    }

    /// The session behind `token` for the device that holds it, with its state.
    async fn held(
        &self,
        token: &str,
        device: Option<&str>,
    ) -> Result<(Row, HandoffState), HandoffError> {
        let row = self.by_token(token).await?;
        let state = row.state()?;
        token::admit(&row.gate(&state), device)?;
        Ok((row, state))
    }

    /// Seals and stores a photo under a new random name; returns the name.
    async fn put_photo(&self, bytes: &[u8]) -> Result<String, HandoffError> {
        let key = token::new_object_key();
        let sealed = self.keys.seal(&photo_context(&key), bytes);
        self.storage
            .put(&key, sealed.into())
            .await
            .map_err(|e| internal(format!("storing identity photo: {e}")))?;
        Ok(key)
    }

    async fn get_photo(&self, key: &str) -> Result<Vec<u8>, HandoffError> {
        let sealed = self
            .storage
            .get(key)
            .await
            .map_err(|e| internal(format!("reading identity photo: {e}")))?
            .ok_or_else(|| internal(format!("identity photo {key} missing")))?;
        self.keys
            .open(&photo_context(key), &sealed)
            .map_err(|e| internal(format!("identity photo {key}: {e}")))
    }

    /// Deletes stored photos; failures leave an orphan behind, which is logged.
    async fn drop_photos(&self, keys: &[String]) {
        for key in keys {
            if let Err(error) = self.storage.delete(key).await {
                tracing::warn!(%error, "deleting an identity photo failed");
            }
        }
    }

    /// Writes `update` and replaces the files of `kind` with `files` (name, size, width,
    /// height), in one transaction. On success returns the names no longer used; on a lost
    /// race the new files are deleted again and `conflict` is returned.
    async fn commit(
        &self,
        row: &Row,
        update: Update,
        kind: Option<&str>,
        files: &[(String, usize, u32, u32)],
    ) -> Result<(), HandoffError> {
        let now = self.clock.now();
        let outcome: Result<Option<Vec<String>>, HandoffError> = async {
            let mut tx = self
                .pool
                .begin_with("BEGIN IMMEDIATE")
                .await
                .map_err(internal)?;
            if !write(&mut tx, row.id, row.version, &update, now).await? {
                return Ok(None);
            }
            let mut old = Vec::new();
            if let Some(kind) = kind {
                old = sqlx::query_scalar(
                    "DELETE FROM handoff_files WHERE handoff_id = ? AND kind = ? RETURNING object",
                )
                .bind(row.id)
                .bind(kind)
                .fetch_all(&mut *tx)
                .await
                .map_err(internal)?;
                for (seq, (object, size, width, height)) in files.iter().enumerate() {
                    sqlx::query(
                        "INSERT INTO handoff_files
                             (handoff_id, kind, seq, object, size, width, height, stored_at)
                         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    )
                    .bind(row.id)
                    .bind(kind)
                    .bind(seq as i64)
                    .bind(object)
                    .bind(*size as i64)
                    .bind(i64::from(*width))
                    .bind(i64::from(*height))
                    .bind(to_db(now))
                    .execute(&mut *tx)
                    .await
                    .map_err(internal)?;
                }
            }
            tx.commit().await.map_err(internal)?;
            Ok(Some(old))
        }
        .await;
        let new: Vec<String> = files.iter().map(|f| f.0.clone()).collect();
        match outcome {
            Ok(Some(old)) => {
                self.drop_photos(&old).await;
                Ok(())
            }
            Ok(None) => {
                self.drop_photos(&new).await;
                Err(HandoffError::Conflict)
            }
            Err(error) => {
                self.drop_photos(&new).await;
                Err(error)
            }
        }
    }

    /// Expires sessions past their deadline and deletes the photos and frames of sessions
    /// that ended more than the retention ago (their result and steps stay); also forgets old
    /// wrong short codes. Returns how many sessions were purged. Run by the maintenance task.
    pub async fn purge(&self) -> Result<u64, HandoffError> {
        let now = self.clock.now().unix_timestamp();
        let overdue: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM handoffs WHERE ended_at IS NULL
               AND (claim_deadline <= ?1 AND stage = 'pending' OR session_deadline <= ?1)",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await
        .map_err(internal)?;
        for id in overdue {
            let row = self.by_id(id).await?;
            if let Err(error) = self.settle(row).await {
                tracing::warn!(handoff = id, %error, "expiring a handoff failed");
            }
        }
        let cutoff = now - i64::from(self.settings.retention_days) * 86_400;
        let ended: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM handoffs WHERE purged_at IS NULL AND ended_at <= ? ORDER BY id",
        )
        .bind(cutoff)
        .fetch_all(&self.pool)
        .await
        .map_err(internal)?;
        let mut purged = 0;
        for id in ended {
            let mut tx = self.pool.begin().await.map_err(internal)?;
            let objects: Vec<String> = sqlx::query_scalar(
                "DELETE FROM handoff_files WHERE handoff_id = ? RETURNING object",
            )
            .bind(id)
            .fetch_all(&mut *tx)
            .await
            .map_err(internal)?;
            // The links go too: they can open nothing any more.
            sqlx::query("DELETE FROM handoff_tokens WHERE handoff_id = ?")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(internal)?;
            sqlx::query("UPDATE handoffs SET purged_at = ?, challenge = NULL WHERE id = ?")
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(internal)?;
            tx.commit().await.map_err(internal)?;
            self.drop_photos(&objects).await;
            purged += 1;
            tracing::info!(
                handoff = id,
                files = objects.len(),
                "identity photos deleted after retention"
            );
        }
        sqlx::query("DELETE FROM handoff_code_failures WHERE at <= ?")
            .bind(now - CODE_WINDOW_SECS)
            .execute(&self.pool)
            .await
            .map_err(internal)?;
        Ok(purged)
    }
}

fn photo_context(key: &str) -> String {
    format!("identity-photo:{key}")
}

fn file_kind(side: IdSide) -> &'static str {
    match side {
        IdSide::Front => "id_front",
        IdSide::Back => "id_back",
    }
}

/// Checks photos in the bounded CPU pool; when it is full the phone is told to try again.
async fn decode_all(
    images: Vec<Vec<u8>>,
    max_bytes: usize,
    min_side: u32,
) -> Result<(Vec<Vec<u8>>, Vec<(u32, u32)>), HandoffError> {
    crate::heavy::run("checking phone photos", move || {
        let sizes = images
            .iter()
            .map(|bytes| photo::decode(bytes, max_bytes, min_side).map(|p| (p.width, p.height)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok::<_, rules::PhotoProblem>((images, sizes))
    })
    .await
    .map_err(|refused| match refused {
        crate::heavy::Refused::Busy => HandoffError::Busy {
            secs: crate::heavy::RETRY_AFTER_SECS,
        },
        crate::heavy::Refused::Panicked => internal(refused),
    })?
    .map_err(HandoffError::Photo)
}

#[async_trait::async_trait]
impl HandoffService for SqlHandoffService {
    async fn create(
        &self,
        user: UserId,
        number: &str,
        restart: bool,
    ) -> Result<CreatedHandoff, HandoffError> {
        let submitted = self
            .applications
            .submitted(user, number)
            .await
            .map_err(internal)?
            .ok_or(HandoffError::NotFound)?;
        let application_id = self.owned_application(user, number).await?;
        let (role, person) = submitted.application.identity_subject();
        let subject = StoredSubject {
            name: person.name.as_str().to_owned(),
            id_number: person.id_number.as_str().to_owned(),
            mobile: person.mobile.as_str().to_owned(),
        };
        let subject_json = serde_json::to_vec(&subject).map_err(internal)?;

        let now = self.clock.now();
        let unix = now.unix_timestamp();
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(internal)?;
        // A completed check is final, unless review sent the application back asking for it
        // again (the current rejection flags `identity`); then a session completed after
        // that rejection is final again.
        let completed: bool = sqlx::query_scalar(
            "SELECT EXISTS (
                SELECT 1 FROM handoffs h WHERE h.application_id = ?1 AND h.stage = 'completed'
                AND NOT EXISTS (
                    SELECT 1 FROM applications a
                    JOIN rejection_flags f ON f.application_id = a.id AND f.item = 'identity'
                    JOIN order_events e ON e.id = f.event_id
                    WHERE a.id = ?1 AND a.status = 'rejected'
                      AND f.event_id = (SELECT MAX(event_id) FROM rejection_flags
                                        WHERE application_id = ?1)
                      AND unixepoch(e.at) >= h.ended_at))",
        )
        .bind(application_id)
        .fetch_one(&mut *tx)
        .await
        .map_err(internal)?;
        if completed {
            return Err(HandoffError::AlreadyCompleted);
        }
        let running: Vec<Row> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM handoffs h WHERE h.application_id = ? AND h.ended_at IS NULL"
        ))
        .bind(application_id)
        .fetch_all(&mut *tx)
        .await
        .map_err(internal)?;
        for row in running {
            let state = row.state()?;
            let event =
                if token::overdue(state.stage, unix, row.claim_deadline, row.session_deadline) {
                    Event::Expire
                } else if state.stage.is_claimed() && !restart {
                    return Err(HandoffError::InProgress);
                } else {
                    Event::Supersede
                };
            let (next, steps) = apply(&state, event)?;
            if !write(&mut tx, row.id, row.version, &Update::new(next, steps), now).await? {
                return Err(HandoffError::Conflict);
            }
        }
        // Codes of sessions no longer waiting are free again.
        sqlx::query(
            "UPDATE handoffs SET short_code = NULL
             WHERE short_code IS NOT NULL AND (stage != 'pending' OR claim_deadline <= ?)",
        )
        .bind(unix)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
        let mut short_code = token::new_short_code();
        for _ in 0..20 {
            let taken: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM handoffs WHERE short_code = ?)")
                    .bind(&short_code)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(internal)?;
            if !taken {
                break;
            }
            short_code = token::new_short_code();
        }
        let claim_deadline = unix + CLAIM_MINUTES * 60;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO handoffs (application_id, person, subject, stage, short_code,
                                   created_at, claim_deadline, updated_at)
             VALUES (?, ?, x'', 'pending', ?, ?, ?, ?) RETURNING id",
        )
        .bind(application_id)
        .bind(role.code())
        .bind(&short_code)
        .bind(unix)
        .bind(claim_deadline)
        .bind(to_db(now))
        .fetch_one(&mut *tx)
        .await
        .map_err(internal)?;
        sqlx::query("UPDATE handoffs SET subject = ? WHERE id = ?")
            .bind(
                self.keys
                    .seal(&format!("handoff-subject:{id}"), &subject_json),
            )
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        let secret = token::new_secret();
        insert_token(&mut tx, &secret, id, "qr", unix).await?;
        tx.commit().await.map_err(internal)?;
        tracing::info!(handoff = id, number, "handoff link created");
        let (url, path) = self.url(&secret);
        Ok(CreatedHandoff {
            url,
            path,
            short_code,
            expires_at: stamp(claim_deadline),
            expires_in_secs: secs_until(claim_deadline, unix),
            token_id: id,
        })
    }

    async fn send_sms(
        &self,
        user: UserId,
        number: &str,
        signature: &str,
    ) -> Result<SmsSent, HandoffError> {
        let application_id = self.owned_application(user, number).await?;
        let row = self
            .latest(application_id)
            .await?
            .ok_or(HandoffError::NoPendingHandoff)?;
        let state = row.state()?;
        match state.stage {
            Stage::Pending => {}
            stage if stage.is_claimed() => return Err(HandoffError::InProgress),
            Stage::Completed => return Err(HandoffError::AlreadyCompleted),
            _ => return Err(HandoffError::NoPendingHandoff),
        }
        let subject = self.subject(&row)?;
        let role = row.role()?.label();
        let mobile = Mobile::try_from(subject.mobile).map_err(internal)?;
        let now = self.clock.now();
        let unix = now.unix_timestamp();

        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(internal)?;
        let (last, today): (Option<i64>, i64) = sqlx::query_as(
            "SELECT MAX(t.created_at), COUNT(CASE WHEN t.created_at >= ? THEN 1 END)
             FROM handoff_tokens t JOIN handoffs h ON h.id = t.handoff_id
             WHERE h.application_id = ? AND t.channel = 'sms'",
        )
        .bind(china_day_start(now))
        .bind(application_id)
        .fetch_one(&mut *tx)
        .await
        .map_err(internal)?;
        if let Some(last) = last {
            let wait = SMS_RESEND_SECS - (unix - last);
            if wait > 0 {
                return Err(HandoffError::SmsTooSoon { secs: wait as u32 });
            }
        }
        if today >= SMS_DAILY_LIMIT {
            return Err(HandoffError::SmsDailyLimit);
        }
        let secret = token::new_secret();
        insert_token(&mut tx, &secret, row.id, "sms", unix).await?;
        tx.commit().await.map_err(internal)?;

        let minutes = (row.claim_deadline - unix).max(60) / 60;
        let (url, _) = self.url(&secret);
        let text = format!(
            "{signature}您正在办理数字证书，请{role}本人用手机打开以下链接，\
             拍摄身份证并完成人脸识别，{minutes}分钟内有效，请勿转发：{url}"
        );
        if let Err(error) = self.sms.send(&mobile, SmsKind::Notice, &text).await {
            tracing::error!(%error, handoff = row.id, "handoff link SMS failed");
            let _ = sqlx::query("DELETE FROM handoff_tokens WHERE token_hash = ?")
                .bind(token::hash(&secret).map(|h| h.to_vec()))
                .execute(&self.pool)
                .await;
            return Err(HandoffError::SmsFailed);
        }
        tracing::info!(handoff = row.id, to = %mobile.masked(), "handoff link sent by SMS");
        Ok(SmsSent {
            to: mobile.masked(),
            resend_after_secs: SMS_RESEND_SECS as u32,
        })
    }

    async fn status(&self, user: UserId, number: &str) -> Result<HandoffStatus, HandoffError> {
        let application_id = self.owned_application(user, number).await?;
        let row = self.latest(application_id).await?;
        self.desktop_view(row).await
    }

    async fn phone_state(
        &self,
        token: &str,
        device: Option<&str>,
    ) -> Result<PhoneState, HandoffError> {
        let row = self.by_token(token).await?;
        let state = row.state()?;
        let device = token::device_of(&row.gate(&state), device);
        self.phone_view(&row, device).await
    }

    async fn claim(
        &self,
        token: &str,
        device: Option<&str>,
    ) -> Result<(PhoneState, Option<String>), HandoffError> {
        let row = self.by_token(token).await?;
        let state = row.state()?;
        if token::admit_claim(&row.gate(&state), device)? == Device::Holder {
            return Ok((self.phone_view(&row, Device::Holder).await?, None));
        }
        let (next, steps) = apply(&state, Event::Claim)?;
        let secret = token::new_secret();
        let hash = token::hash(&secret).ok_or_else(|| internal("device secret"))?;
        let now = self.clock.now().unix_timestamp();
        let mut update = Update::new(next, steps);
        update.claim = Some((hash, now, now + SESSION_MINUTES * 60));
        match self.commit(&row, update, None, &[]).await {
            Ok(()) => {}
            // Two devices claimed at once and the other won: say so, rather than "retry".
            Err(HandoffError::Conflict) => {
                let row = self.settle(self.by_id(row.id).await?).await?;
                let state = row.state()?;
                token::admit_claim(&row.gate(&state), None)?;
                return Err(HandoffError::Conflict);
            }
            Err(error) => return Err(error),
        }
        let row = self.by_id(row.id).await?;
        Ok((self.phone_view(&row, Device::Holder).await?, Some(secret)))
    }

    async fn id_photo(
        &self,
        token: &str,
        device: Option<&str>,
        side: IdSide,
        image: Vec<u8>,
    ) -> Result<IdPhotoResult, HandoffError> {
        let (row, state) = self.held(token, device).await?;
        let expected = match side {
            IdSide::Front => Stage::Opened,
            IdSide::Back => Stage::IdFrontDone,
        };
        if state.stage != expected {
            return Err(wrong_step(&state));
        }
        let (mut images, sizes) = decode_all(vec![image], MAX_PHOTO_BYTES, MIN_PHOTO_SIDE).await?;
        let image = images.pop().unwrap_or_default();
        let (width, height) = sizes[0];
        let stored = self.subject(&row)?;
        let subject = Subject {
            name: stored.name,
            id_number: stored.id_number,
        };
        let mut record = self.record(&row)?;
        record.provider = self.verifier.provider().to_owned();
        let mismatches = match side {
            IdSide::Front => {
                let reading = self
                    .verifier
                    .ocr_front(&subject, &image)
                    .await
                    .map_err(verifier_error)?;
                let found = rules::compare_front(
                    &subject.name,
                    &subject.id_number,
                    &reading.name,
                    &reading.id_number,
                );
                record.front = Some(reading);
                record.front_mismatches = found.clone();
                found
            }
            IdSide::Back => {
                let reading = self
                    .verifier
                    .ocr_back(&subject, &image)
                    .await
                    .map_err(verifier_error)?;
                let today = china_date(self.clock.now());
                let found = rules::check_back(reading.validity.as_deref(), today);
                record.back = Some(reading);
                record.back_mismatches = found.clone();
                found
            }
        };
        let event = Event::IdPhoto {
            side,
            clean: mismatches.is_empty(),
        };
        let (next, steps) = apply(&state, event)?;
        let key = self.put_photo(&image).await?;
        let mut update = Update::new(next, steps);
        update.result = Some(self.seal_record(row.id, &record)?);
        self.commit(
            &row,
            update,
            Some(file_kind(side)),
            &[(key, image.len(), width, height)],
        )
        .await?;
        let row = self.by_id(row.id).await?;
        let accepted = next.stage != state.stage;
        Ok(IdPhotoResult {
            side,
            accepted,
            for_review: next.for_review(side),
            mismatches: mismatches
                .iter()
                .map(|m| MismatchView::new(side, m))
                .collect(),
            retakes_left: next.retakes_left(side),
            state: self.phone_view(&row, Device::Holder).await?,
        })
    }

    async fn start_liveness(
        &self,
        token: &str,
        device: Option<&str>,
    ) -> Result<LivenessChallenge, HandoffError> {
        let (row, state) = self.held(token, device).await?;
        if state.stage != Stage::IdBackDone {
            return Err(wrong_step(&state));
        }
        let prompts = rules::prompt_sequence(rand::random());
        let expires_at = self.clock.now().unix_timestamp() + CHALLENGE_SECS;
        let challenge = Challenge {
            id: token::new_secret(),
            prompts: prompts.clone(),
            expires_at,
        };
        let json = serde_json::to_string(&challenge).map_err(internal)?;
        // Handing out prompts changes nothing the desktop shows: no new version.
        let written = sqlx::query("UPDATE handoffs SET challenge = ? WHERE id = ? AND version = ?")
            .bind(json)
            .bind(row.id)
            .bind(row.version)
            .execute(&self.pool)
            .await
            .map_err(internal)?
            .rows_affected();
        if written == 0 {
            return Err(HandoffError::Conflict);
        }
        Ok(LivenessChallenge {
            challenge: challenge.id,
            prompts: prompts
                .iter()
                .map(|p| PromptView {
                    code: *p,
                    text: p.text().to_owned(),
                })
                .collect(),
            min_frames: (prompts.len() + 1) as u8,
            max_frames: MAX_FRAMES as u8,
            max_frame_bytes: MAX_FRAME_BYTES as u32,
            expires_at: stamp(expires_at),
        })
    }

    async fn liveness(
        &self,
        token: &str,
        device: Option<&str>,
        challenge: &str,
        frames: Vec<Vec<u8>>,
    ) -> Result<LivenessResult, HandoffError> {
        let (row, state) = self.held(token, device).await?;
        if state.stage != Stage::IdBackDone {
            return Err(wrong_step(&state));
        }
        let now = self.clock.now();
        let issued: Option<Challenge> = row
            .challenge
            .as_deref()
            .and_then(|json| serde_json::from_str(json).ok());
        let issued = issued
            .filter(|c| {
                c.expires_at > now.unix_timestamp()
                    && crate::crypto::same(c.id.as_bytes(), challenge.as_bytes())
            })
            .ok_or(HandoffError::ChallengeStale)?;
        let min = issued.prompts.len() + 1;
        if !(min..=MAX_FRAMES).contains(&frames.len()) {
            return Err(HandoffError::FrameCount {
                min: min as u8,
                max: MAX_FRAMES as u8,
                got: frames.len(),
            });
        }
        let (frames, sizes) = decode_all(frames, MAX_FRAME_BYTES, MIN_FRAME_SIDE).await?;
        let verdict = self
            .verifier
            .liveness(&issued.prompts, &frames)
            .await
            .map_err(verifier_error)?;
        let (mut next, mut steps) = apply(
            &state,
            Event::Liveness {
                failure: verdict.failure,
            },
        )?;
        let mut face = None;
        if verdict.failure.is_none() {
            let front: Option<String> = sqlx::query_scalar(
                "SELECT object FROM handoff_files WHERE handoff_id = ? AND kind = 'id_front'",
            )
            .bind(row.id)
            .fetch_optional(&self.pool)
            .await
            .map_err(internal)?;
            let front = front.ok_or_else(|| internal("ID front photo missing"))?;
            let id_front = self.get_photo(&front).await?;
            let compared = self
                .verifier
                .face_compare(&id_front, &frames[0])
                .await
                .map_err(verifier_error)?;
            let (after, more) = apply(
                &next,
                Event::FaceCompare {
                    matched: compared.matched,
                },
            )?;
            (next, steps) = (after, [steps, more].concat());
            if compared.matched {
                let (after, more) = apply(&next, Event::Complete)?;
                (next, steps) = (after, [steps, more].concat());
            }
            face = Some(compared);
        }
        let mut record = self.record(&row)?;
        record.provider = self.verifier.provider().to_owned();
        record.liveness.push(LivenessAttempt {
            at: crate::clock::timestamp(now),
            prompts: issued.prompts.clone(),
            frames: frames.len(),
            failure: verdict.failure,
            note: verdict.note,
            face: face.clone(),
        });
        let mut stored = Vec::with_capacity(frames.len());
        for (bytes, (width, height)) in frames.iter().zip(&sizes) {
            match self.put_photo(bytes).await {
                Ok(key) => stored.push((key, bytes.len(), *width, *height)),
                Err(error) => {
                    let keys: Vec<String> = stored.into_iter().map(|f| f.0).collect();
                    self.drop_photos(&keys).await;
                    return Err(error);
                }
            }
        }
        let mut update = Update::new(next, steps);
        update.challenge = Some(None);
        update.result = Some(self.seal_record(row.id, &record)?);
        self.commit(&row, update, Some("frame"), &stored).await?;
        let row = self.by_id(row.id).await?;
        let face_matched = face.as_ref().map(|f| f.matched);
        let failure = match (verdict.failure, face_matched) {
            (Some(reason), _) => Some(FailureView::from(reason)),
            (None, Some(false)) => Some(FailureView {
                code: "face_mismatch".into(),
                message: "人脸与身份证照片不一致。请确认由身份证本人操作，正对镜头重试".into(),
            }),
            _ => None,
        };
        Ok(LivenessResult {
            passed: verdict.failure.is_none(),
            face_matched,
            failure,
            attempts_left: next.attempts_left(),
            state: self.phone_view(&row, Device::Holder).await?,
        })
    }

    async fn redeem_code(&self, code: &str, ip: IpAddr) -> Result<CodeRedeemed, HandoffError> {
        let now = self.clock.now().unix_timestamp();
        let ip_key = ip_key(ip);
        // The count, the look-up and the miss it may record share one write transaction, so
        // guesses sent at once are counted one after another and the limit holds exactly.
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(internal)?;
        let failures: (i64, Option<i64>) = sqlx::query_as(
            "SELECT COUNT(*), MIN(at) FROM handoff_code_failures WHERE ip_key = ? AND at > ?",
        )
        .bind(&ip_key)
        .bind(now - CODE_WINDOW_SECS)
        .fetch_one(&mut *tx)
        .await
        .map_err(internal)?;
        if failures.0 >= CODE_FAILURES_PER_WINDOW {
            let oldest = failures.1.unwrap_or(now);
            let secs = (oldest + CODE_WINDOW_SECS - now).max(1) as u32;
            tracing::warn!(ip = %ip_key, "short code refused: too many wrong codes");
            return Err(HandoffError::CodeLimit { secs });
        }
        // A code of the wrong shape is a slip of the keyboard, not a guess: not counted.
        let code = token::typed_short_code(code).ok_or(HandoffError::CodeUnknown)?;
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM handoffs
             WHERE short_code = ? AND stage = 'pending' AND claim_deadline > ?",
        )
        .bind(&code)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await
        .map_err(internal)?;
        let Some(id) = found else {
            sqlx::query("INSERT INTO handoff_code_failures (ip_key, at) VALUES (?, ?)")
                .bind(&ip_key)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(internal)?;
            tx.commit().await.map_err(internal)?;
            return Err(HandoffError::CodeUnknown);
        };
        // Single use: the code opens one link, then it is gone.
        sqlx::query("UPDATE handoffs SET short_code = NULL WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        let secret = token::new_secret();
        insert_token(&mut tx, &secret, id, "code", now).await?;
        tx.commit().await.map_err(internal)?;
        tracing::info!(handoff = id, "short code redeemed");
        let (url, path) = self.url(&secret);
        Ok(CodeRedeemed { url, path })
    }
}

async fn insert_token(
    conn: &mut SqliteConnection,
    secret: &str,
    handoff_id: i64,
    channel: &str,
    now: i64,
) -> Result<(), HandoffError> {
    let hash = token::hash(secret).ok_or_else(|| internal("new token does not hash"))?;
    sqlx::query(
        "INSERT INTO handoff_tokens (token_hash, handoff_id, channel, created_at)
         VALUES (?, ?, ?, ?)",
    )
    .bind(&hash[..])
    .bind(handoff_id)
    .bind(channel)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(internal)?;
    Ok(())
}

/// One liveness attempt as a reviewer reads it.
#[derive(Clone, Debug)]
pub struct ReviewedAttempt {
    /// RFC 3339, UTC.
    pub at: String,
    /// `None`: passed; otherwise why not, in Chinese.
    pub failure: Option<String>,
    pub note: String,
    /// Whether the face matched the ID photo, and the provider's score, when compared.
    pub face: Option<(bool, Option<f32>)>,
}

/// The phone step of an application as the review console shows it: the latest session's
/// progress and mismatches, what the provider noted, each liveness attempt, and which ID
/// photos are still stored (they go `IDENTITY_RETENTION_DAYS` after the session ended).
#[derive(Clone, Debug)]
pub struct ReviewIdentity {
    pub status: HandoffStatus,
    pub provider: String,
    pub notes: Vec<String>,
    pub attempts: Vec<ReviewedAttempt>,
    pub photos: Vec<IdSide>,
}

fn side_kind(side: IdSide) -> &'static str {
    match side {
        IdSide::Front => "id_front",
        IdSide::Back => "id_back",
    }
}

impl SqlHandoffService {
    /// The latest phone session of application `number`, for a reviewer; `None` when the
    /// applicant never started one (or there is no such application).
    pub async fn review(&self, number: &str) -> Result<Option<ReviewIdentity>, HandoffError> {
        let application: Option<i64> =
            sqlx::query_scalar("SELECT id FROM applications WHERE number = ?")
                .bind(number)
                .fetch_optional(&self.pool)
                .await
                .map_err(internal)?;
        let Some(application) = application else {
            return Ok(None);
        };
        let Some(row) = self.latest(application).await? else {
            return Ok(None);
        };
        let record = self.record(&row)?;
        let photos: Vec<String> = sqlx::query_scalar(
            "SELECT kind FROM handoff_files WHERE handoff_id = ? AND kind IN ('id_front', 'id_back')
             ORDER BY kind DESC",
        )
        .bind(row.id)
        .fetch_all(&self.pool)
        .await
        .map_err(internal)?;
        let mut notes = Vec::new();
        if let Some(front) = &record.front {
            notes.push(format!("人像面：{}", front.note));
        }
        if let Some(back) = &record.back {
            notes.push(format!("国徽面：{}", back.note));
        }
        let attempts = record
            .liveness
            .iter()
            .map(|a| ReviewedAttempt {
                at: a.at.clone(),
                failure: a.failure.map(|f| f.message().to_owned()),
                note: a.note.clone(),
                face: a.face.as_ref().map(|f| (f.matched, f.score)),
            })
            .collect();
        let provider = record.provider.clone();
        Ok(Some(ReviewIdentity {
            status: self.desktop_view(Some(row)).await?,
            provider,
            notes,
            attempts,
            photos: [IdSide::Front, IdSide::Back]
                .into_iter()
                .filter(|side| photos.iter().any(|k| k == side_kind(*side)))
                .collect(),
        }))
    }

    /// The stored ID photo of one side from the latest phone session of `number`, decrypted,
    /// for a reviewer; `None` when there is none (never taken, or deleted after retention).
    pub async fn review_photo(
        &self,
        number: &str,
        side: IdSide,
    ) -> Result<Option<Vec<u8>>, HandoffError> {
        let object: Option<String> = sqlx::query_scalar(
            "SELECT f.object FROM handoff_files f
             WHERE f.kind = ?2 AND f.handoff_id = (
                 SELECT h.id FROM handoffs h JOIN applications a ON a.id = h.application_id
                 WHERE a.number = ?1 ORDER BY h.id DESC LIMIT 1)
             ORDER BY f.seq DESC LIMIT 1",
        )
        .bind(number)
        .bind(side_kind(side))
        .fetch_optional(&self.pool)
        .await
        .map_err(internal)?;
        match object {
            Some(key) => Ok(Some(self.get_photo(&key).await?)),
            None => Ok(None),
        }
    }
}
