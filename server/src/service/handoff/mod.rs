//! [`Handoffs`]: the phone hand-off's rules over [`HandoffRepo`], its photos in storage.
//!
//! All state lives in the session's row, so any server instance sharing the database serves
//! any request (the desktop's event stream may run on one instance while the phone uploads to
//! another). Every change goes through [`app::domain::handoff::transition`] and is written
//! with a check of the row's `version` (optimistic locking): of two racing requests one wins,
//! the other is answered `conflict` and changes nothing. Expiry needs no timer: a session past
//! its deadline is expired by whichever request (or the maintenance task) sees it first.
//!
//! Personal data: the person's name, number and mobile (`subject`) and the readings
//! (`result`) are AES-256-GCM sealed in the row, bound to its id; photos and frames are sealed
//! in storage under random names. Nothing personal is logged, only ids, stages and codes.
//!
//! `create` opens sessions and texts links; `phone` is the phone's claim, ID photos and short
//! codes; `liveness` its liveness check; `view` what the desktop and the phone show; `review`
//! what a reviewer reads; `purge` the expiry and retention; `sealed` the sealed data and the
//! stored photos.

mod create;
mod liveness;
mod phone;
mod purge;
mod review;
mod sealed;
mod view;

use std::net::IpAddr;
use std::sync::Arc;

use app::domain::handoff::{self as rules, Event, HandoffState, IdSide, Stage, Step};
use app::services::applications::ApplicationStore;
use app::services::handoff::{
    CodeRedeemed, CreatedHandoff, HandoffError, HandoffService, HandoffStatus, IdPhotoResult,
    IdentityVerifier, LivenessChallenge, LivenessResult, PhoneState, SmsSent, VerifierError,
};
use app::services::login::UserId;
use app::services::sms::SmsSender;
use time::OffsetDateTime;

pub use review::{ReviewIdentity, ReviewedAttempt};

use crate::clock::Clock;
use crate::crypto::Keys;
use crate::handoff::token::{self, Gate};
use crate::store::StoreError;
use crate::store::handoff::{Change, HandoffRepo, HandoffRow, NewFile};
use crate::vendor::storage::Storage;

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

pub struct Handoffs {
    repo: Arc<dyn HandoffRepo>,
    applications: Arc<dyn ApplicationStore>,
    verifier: Arc<dyn IdentityVerifier>,
    sms: Arc<dyn SmsSender>,
    storage: Arc<dyn Storage>,
    keys: Arc<Keys>,
    clock: Arc<dyn Clock>,
    settings: HandoffSettings,
}

impl From<StoreError> for HandoffError {
    fn from(error: StoreError) -> Self {
        match error {
            // Two requests raced for the same session past the retries: the phone tries again.
            StoreError::Busy => HandoffError::Busy { secs: 2 },
            error => internal(error),
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

/// The state and steps `event` leads to, or why not.
fn apply(state: &HandoffState, event: Event) -> Result<(HandoffState, Vec<Step>), HandoffError> {
    let next = rules::transition(state, &event).map_err(|_| wrong_step(state))?;
    Ok((next, rules::steps_of(&event, &next)))
}

fn gate<'a>(row: &'a HandoffRow, state: &HandoffState) -> Gate<'a> {
    Gate {
        stage: state.stage,
        failure: state.failure,
        device_hash: row.device_hash.as_deref(),
    }
}

/// The time that matters now: the claim deadline while pending, the session deadline while
/// claimed, the end once ended.
fn deadline(row: &HandoffRow, stage: Stage) -> i64 {
    match stage {
        Stage::Pending => row.claim_deadline,
        s if s.is_terminal() => row.ended_at.unwrap_or(row.claim_deadline),
        _ => row.session_deadline.unwrap_or(row.claim_deadline),
    }
}

fn file_kind(side: IdSide) -> &'static str {
    match side {
        IdSide::Front => "id_front",
        IdSide::Back => "id_back",
    }
}

impl Handoffs {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        repo: Arc<dyn HandoffRepo>,
        applications: Arc<dyn ApplicationStore>,
        verifier: Arc<dyn IdentityVerifier>,
        sms: Arc<dyn SmsSender>,
        storage: Arc<dyn Storage>,
        keys: Arc<Keys>,
        clock: Arc<dyn Clock>,
        settings: HandoffSettings,
    ) -> Self {
        Self {
            repo,
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

    async fn by_id(&self, id: i64) -> Result<HandoffRow, HandoffError> {
        self.repo
            .by_id(id)
            .await?
            .ok_or_else(|| internal(format!("handoff {id} missing")))
    }

    /// The session `token` opens, settled against the clock.
    async fn by_token(&self, token: &str) -> Result<HandoffRow, HandoffError> {
        let hash = token::hash(token).ok_or(HandoffError::UnknownToken)?;
        let row = self.repo.by_token(&hash).await?;
        self.settle(row.ok_or(HandoffError::UnknownToken)?).await
    }

    /// The id of `user`'s application `number`.
    async fn owned_application(&self, user: UserId, number: &str) -> Result<i64, HandoffError> {
        self.repo
            .application(number, Some(user.0))
            .await?
            .ok_or(HandoffError::NotFound)
    }

    async fn latest(&self, application_id: i64) -> Result<Option<HandoffRow>, HandoffError> {
        match self.repo.latest(application_id).await? {
            Some(row) => Ok(Some(self.settle(row).await?)),
            None => Ok(None),
        }
    }

    /// Expires the session if its time ran out; returns the row as it now stands.
    async fn settle(&self, row: HandoffRow) -> Result<HandoffRow, HandoffError> {
        let state = row.state()?;
        let now = self.clock.now().unix_timestamp();
        if !token::overdue(state.stage, now, row.claim_deadline, row.session_deadline) {
            return Ok(row);
        }
        let (next, steps) = apply(&state, Event::Expire)?;
        // Lost race: someone else changed it first; read what they wrote.
        let change = Change::new(next, steps);
        if self
            .repo
            .write_if_version(row.id, row.version, &change, None, now)
            .await?
            .is_some()
        {
            tracing::info!(
                handoff = row.id,
                stage = next.stage.code(),
                "handoff changed"
            );
        }
        self.by_id(row.id).await
    }

    /// The session behind `token` for the device that holds it, with its state.
    async fn held(
        &self,
        token: &str,
        device: Option<&str>,
    ) -> Result<(HandoffRow, HandoffState), HandoffError> {
        let row = self.by_token(token).await?;
        let state = row.state()?;
        token::admit(&gate(&row, &state), device)?;
        Ok((row, state))
    }

    /// Writes `change` and replaces the files of `kind` with `files`. On success deletes the
    /// objects no longer used; on a lost race deletes the new files again and answers
    /// `conflict`.
    async fn commit(
        &self,
        row: &HandoffRow,
        change: Change,
        files: Option<(&str, &[NewFile])>,
    ) -> Result<(), HandoffError> {
        let now = self.clock.now().unix_timestamp();
        let outcome = self
            .repo
            .write_if_version(row.id, row.version, &change, files, now)
            .await;
        let new: Vec<String> = files
            .map(|(_, files)| files.iter().map(|f| f.object.clone()).collect())
            .unwrap_or_default();
        match outcome {
            Ok(Some(old)) => {
                tracing::info!(
                    handoff = row.id,
                    stage = change.state.stage.code(),
                    "handoff changed"
                );
                self.drop_photos(&old).await;
                Ok(())
            }
            Ok(None) => {
                self.drop_photos(&new).await;
                Err(HandoffError::Conflict)
            }
            Err(error) => {
                self.drop_photos(&new).await;
                Err(error.into())
            }
        }
    }
}

#[async_trait::async_trait]
impl HandoffService for Handoffs {
    async fn create(
        &self,
        user: UserId,
        number: &str,
        restart: bool,
    ) -> Result<CreatedHandoff, HandoffError> {
        self.open(user, number, restart).await
    }

    async fn send_sms(
        &self,
        user: UserId,
        number: &str,
        signature: &str,
    ) -> Result<SmsSent, HandoffError> {
        self.text_link(user, number, signature).await
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
        let device = token::device_of(&gate(&row, &state), device);
        self.phone_view(&row, device).await
    }

    async fn claim(
        &self,
        token: &str,
        device: Option<&str>,
    ) -> Result<(PhoneState, Option<String>), HandoffError> {
        self.claim_session(token, device).await
    }

    async fn id_photo(
        &self,
        token: &str,
        device: Option<&str>,
        side: IdSide,
        image: Vec<u8>,
    ) -> Result<IdPhotoResult, HandoffError> {
        self.take_id_photo(token, device, side, image).await
    }

    async fn start_liveness(
        &self,
        token: &str,
        device: Option<&str>,
    ) -> Result<LivenessChallenge, HandoffError> {
        self.hand_out_prompts(token, device).await
    }

    async fn liveness(
        &self,
        token: &str,
        device: Option<&str>,
        challenge: &str,
        frames: Vec<Vec<u8>>,
    ) -> Result<LivenessResult, HandoffError> {
        self.check_liveness(token, device, challenge, frames).await
    }

    async fn redeem_code(&self, code: &str, ip: IpAddr) -> Result<CodeRedeemed, HandoffError> {
        self.trade_code(code, ip).await
    }
}
