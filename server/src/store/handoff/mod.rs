//! The phone hand-off's sessions: one `handoffs` row each (its state column by column, and a
//! `version` that every change raises so of two racing writers one wins), the link tokens that
//! open it, its steps, the names of its stored photos, and the wrong short codes per client
//! address. Times are Unix seconds. The rules that decide the changes are in
//! `service::handoff`; each method here is one atomic operation.

mod db;
mod write;

use app::domain::handoff::{FailReason, HandoffState, Role, Stage, Step};

use super::StoreError;

/// A session as stored (`subject` and `result` stay sealed; the service opens them).
#[derive(sqlx::FromRow, Clone, Debug)]
pub struct HandoffRow {
    pub id: i64,
    /// A [`Role`] code: who must do the session.
    pub person: String,
    pub subject: Vec<u8>,
    pub stage: String,
    pub failure: Option<String>,
    pub front_uploads: i64,
    pub back_uploads: i64,
    pub failed_attempts: i64,
    pub front_for_review: i64,
    pub back_for_review: i64,
    pub version: i64,
    pub device_hash: Option<Vec<u8>>,
    pub challenge: Option<String>,
    pub result: Option<Vec<u8>>,
    pub claim_deadline: i64,
    pub session_deadline: Option<i64>,
    pub ended_at: Option<i64>,
}

impl HandoffRow {
    /// The stored state, checked against the rules' limits.
    pub fn state(&self) -> Result<HandoffState, StoreError> {
        let broken = || StoreError::Corrupt(format!("handoff {} has a broken state", self.id));
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
            front_for_review: self.front_for_review != 0,
            back_for_review: self.back_for_review != 0,
        })
        .map_err(|_| broken())
    }

    pub fn role(&self) -> Result<Role, StoreError> {
        Role::parse(&self.person)
            .ok_or_else(|| StoreError::Corrupt(format!("handoff {} has a broken person", self.id)))
    }
}

/// One recorded step of a session.
#[derive(sqlx::FromRow, Clone, Debug)]
pub struct StepRow {
    pub kind: String,
    pub detail: Option<String>,
    pub at: i64,
}

/// The claim of a session by one device.
#[derive(Clone, Debug)]
pub struct Claim {
    pub device_hash: [u8; 32],
    pub at: i64,
    pub session_deadline: i64,
}

/// A change to one session: its new state and the steps that led there.
#[derive(Clone, Debug)]
pub struct Change {
    pub state: HandoffState,
    pub steps: Vec<Step>,
    pub claim: Option<Claim>,
    /// `Some(None)` clears the liveness challenge.
    pub challenge: Option<Option<String>>,
    /// The sealed record of readings, replacing the stored one.
    pub result: Option<Vec<u8>>,
}

impl Change {
    pub fn new(state: HandoffState, steps: Vec<Step>) -> Self {
        Self {
            state,
            steps,
            claim: None,
            challenge: None,
            result: None,
        }
    }
}

/// A photo or frame just put in storage.
#[derive(Clone, Debug)]
pub struct NewFile {
    pub object: String,
    pub size: i64,
    pub width: i64,
    pub height: i64,
}

/// A change to apply to a running session if it is still at `version`.
#[derive(Clone, Debug)]
pub struct Ending {
    pub id: i64,
    pub version: i64,
    pub change: Change,
}

/// A new session waiting for a claim.
pub struct NewHandoff<'a> {
    pub application_id: i64,
    pub person: Role,
    /// The hash of the QR link's secret.
    pub token_hash: [u8; 32],
    pub claim_deadline: i64,
    pub now: i64,
    /// Short codes to try in order; the first no waiting session holds is taken.
    pub short_codes: &'a [String],
    /// The subject sealed for the new row's id (the seal is bound to it).
    pub seal_subject: &'a (dyn Fn(i64) -> Vec<u8> + Send + Sync),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Created {
    Opened {
        id: i64,
        short_code: String,
    },
    /// The application's identity check is done (see [`HandoffRepo::completed`]).
    AlreadyCompleted,
    /// A session began or changed since the running ones were read: nothing was written.
    Stale,
}

/// The limits on text messages of one application, checked with the insert.
#[derive(Clone, Copy, Debug)]
pub struct SmsLimits {
    pub resend_secs: i64,
    pub per_day: i64,
    /// When today (China time) began.
    pub day_start: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmsToken {
    Added,
    /// The last one went at `last`, less than the resend interval ago.
    TooSoon {
        last: i64,
    },
    DailyLimit,
}

/// How many wrong short codes one address may type since when.
#[derive(Clone, Copy, Debug)]
pub struct CodeLimit {
    pub failures: i64,
    pub window_start: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Redeemed {
    /// Too many wrong codes; the oldest counted one was typed at `oldest`.
    Limited {
        oldest: i64,
    },
    Unknown,
    Opened {
        handoff_id: i64,
    },
}

#[async_trait::async_trait]
pub trait HandoffRepo: Send + Sync {
    /// The id of application `number` (of user `owner`, when given).
    async fn application(
        &self,
        number: &str,
        owner: Option<i64>,
    ) -> Result<Option<i64>, StoreError>;

    async fn by_id(&self, id: i64) -> Result<Option<HandoffRow>, StoreError>;

    /// The session a link token (its hash) opens.
    async fn by_token(&self, token_hash: &[u8; 32]) -> Result<Option<HandoffRow>, StoreError>;

    /// The application's newest session.
    async fn latest(&self, application_id: i64) -> Result<Option<HandoffRow>, StoreError>;

    /// The application's sessions not yet ended.
    async fn running(&self, application_id: i64) -> Result<Vec<HandoffRow>, StoreError>;

    /// Whether the application has a completed session that still counts: one not followed by
    /// a rejection (the current one) that asks for the identity check again.
    async fn completed(&self, application_id: i64) -> Result<bool, StoreError>;

    /// Ends the `endings` (each only if still at its version), frees the short codes of
    /// sessions no longer waiting, and opens a new session with its QR token; all or nothing.
    /// `Stale` when an ending lost its race or another session runs that was not in `endings`.
    async fn create(&self, new: NewHandoff<'_>, endings: &[Ending]) -> Result<Created, StoreError>;

    /// Writes `change` and its steps if the session is still at `version`, and with `files`
    /// (kind, files) replaces the session's files of that kind, in one transaction. `None` when
    /// the version moved (nothing written); else the replaced objects, to delete from storage.
    async fn write_if_version(
        &self,
        id: i64,
        version: i64,
        change: &Change,
        files: Option<(&str, &[NewFile])>,
        now: i64,
    ) -> Result<Option<Vec<String>>, StoreError>;

    /// Stores the liveness prompts handed out, if the session is still at `version` (which
    /// stays: the desktop shows nothing new). Whether it was.
    async fn set_challenge(&self, id: i64, version: i64, json: &str) -> Result<bool, StoreError>;

    async fn steps(&self, id: i64) -> Result<Vec<StepRow>, StoreError>;

    /// Whether the session recorded a step of `kind`.
    async fn has_step(&self, id: i64, kind: &str) -> Result<bool, StoreError>;

    /// Adds an SMS link token for the application's session `handoff_id`, unless the
    /// application's text messages reach `limits`.
    async fn add_sms_token(
        &self,
        application_id: i64,
        handoff_id: i64,
        token_hash: &[u8; 32],
        now: i64,
        limits: SmsLimits,
    ) -> Result<SmsToken, StoreError>;

    async fn delete_token(&self, token_hash: &[u8; 32]) -> Result<(), StoreError>;

    /// With the wrong codes from `ip_key` under `limit`: trades `code` of a waiting session
    /// for a new link token (the code is gone), or counts it as a wrong code. `code: None`
    /// checks the limit only. One transaction, so guesses sent at once are counted in turn.
    async fn redeem_code(
        &self,
        ip_key: &str,
        code: Option<&str>,
        token_hash: &[u8; 32],
        now: i64,
        limit: CodeLimit,
    ) -> Result<Redeemed, StoreError>;

    /// The stored object of the session's file `kind` (the last of them).
    async fn file(&self, id: i64, kind: &str) -> Result<Option<String>, StoreError>;

    /// The kinds of the session's stored files.
    async fn file_kinds(&self, id: i64) -> Result<Vec<String>, StoreError>;

    /// The stored object of file `kind` of application `number`'s newest session.
    async fn latest_file(&self, number: &str, kind: &str) -> Result<Option<String>, StoreError>;

    /// Sessions not ended whose deadline passed by `now`.
    async fn overdue(&self, now: i64) -> Result<Vec<i64>, StoreError>;

    /// Sessions that ended by `cutoff` and still have their files.
    async fn ended_by(&self, cutoff: i64) -> Result<Vec<i64>, StoreError>;

    /// Forgets the session's files and links (its state, result and steps stay); returns the
    /// objects, to delete from storage.
    async fn purge(&self, id: i64, now: i64) -> Result<Vec<String>, StoreError>;

    /// Forgets the wrong short codes typed before `before`; how many.
    async fn forget_code_failures(&self, before: i64) -> Result<u64, StoreError>;
}
