//! 手机端身份认证 (the phone handoff): the rules of one verification session, shared by the
//! server and both pages.
//!
//! A session is created on the desktop and opened on a phone through a one-time link. It moves
//! through one [`Stage`] at a time:
//!
//! ```text
//! pending ─claim→ opened ─front→ id_front_done ─back→ id_back_done ─liveness→ liveness_passed
//!    ─face→ face_matched ─complete→ completed
//! any stage before completed ─expire / supersede→ expired
//! id_back_done / liveness_passed ─3rd failed attempt→ failed(reason)
//! ```
//!
//! [`transition`] is the only way to move: it takes the current [`HandoffState`] and an
//! [`Event`] and returns the next state or a [`TransitionError`]; [`steps_of`] says which
//! progress [`Step`]s (手机已连接, 身份证人像面已识别, …) the desktop shows for it.
//!
//! Counters and their limits:
//!
//! * an ID side whose reading disagrees with the form may be photographed again
//!   [`MAX_RETAKES`] times; the upload after the last retake is accepted whatever it shows and
//!   flagged for the reviewer ([`HandoffState::for_review`]);
//! * [`MAX_FAILED_ATTEMPTS`] failed liveness-and-face attempts end the session
//!   ([`FailReason`]).
//!
//! Also here: the random liveness [`Prompt`] sequence ([`prompt_sequence`]), the comparison of
//! what the card says with the form ([`compare_front`], [`check_back`]), and the limits the
//! pages check before uploading.
//!
//! ```
//! use app::domain::handoff::{self, Event, HandoffState, IdSide, Stage};
//!
//! let s = HandoffState::new();
//! let s = handoff::transition(&s, &Event::Claim).unwrap();
//! let s = handoff::transition(&s, &Event::IdPhoto { side: IdSide::Front, clean: false }).unwrap();
//! assert_eq!(s.stage, Stage::Opened);
//! assert_eq!(s.retakes_left(IdSide::Front), 3);
//! assert!(handoff::transition(&s, &Event::Complete).is_err());
//! ```

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use super::id_number;
use super::normalize::{clean_text, fold_char};
use super::text::person_name;

/// Minutes a new link may wait to be opened (claimed) before it expires.
pub const CLAIM_MINUTES: i64 = 10;
/// Minutes a claimed session has to finish, counted from the claim.
pub const SESSION_MINUTES: i64 = 30;
/// Retakes per ID side after a reading that disagrees with the form; the upload after the
/// last one is accepted for the reviewer to decide.
pub const MAX_RETAKES: u8 = 3;
/// Uploads per ID side: the first photo and its retakes.
pub const MAX_UPLOADS_PER_SIDE: u8 = MAX_RETAKES + 1;
/// Failed liveness attempts (a liveness check or the face comparison after it) that end the
/// session.
pub const MAX_FAILED_ATTEMPTS: u8 = 3;
/// Digits of the short code typed at `/m` when the QR code cannot be scanned.
pub const SHORT_CODE_LEN: usize = 6;
/// The largest ID-card photo accepted, in bytes (as for material uploads).
pub const MAX_PHOTO_BYTES: usize = super::materials::MAX_UPLOAD_BYTES;
/// The smallest ID-card photo accepted, on its shorter side, in pixels.
pub const MIN_PHOTO_SIDE: u32 = 300;
/// The largest liveness frame accepted, in bytes.
pub const MAX_FRAME_BYTES: usize = 512 * 1024;
/// The smallest liveness frame accepted, on its shorter side, in pixels.
pub const MIN_FRAME_SIDE: u32 = 120;
/// Frames in one liveness attempt, at most; at least one more than there are prompts.
pub const MAX_FRAMES: usize = 8;
/// Seconds a liveness challenge (its prompts) stays valid after it is handed out.
pub const CHALLENGE_SECS: i64 = 120;

// --- stages and state ---

/// Where a session stands. `Failed` always comes with a [`FailReason`] in
/// [`HandoffState::failure`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Created on the desktop; the link was not opened yet.
    Pending,
    /// Claimed by one device; the ID card's portrait side comes next.
    Opened,
    IdFrontDone,
    IdBackDone,
    LivenessPassed,
    FaceMatched,
    Completed,
    /// Not opened in time, not finished in time, or replaced by a newer link.
    Expired,
    Failed,
}

impl Stage {
    pub const ALL: [Stage; 9] = [
        Stage::Pending,
        Stage::Opened,
        Stage::IdFrontDone,
        Stage::IdBackDone,
        Stage::LivenessPassed,
        Stage::FaceMatched,
        Stage::Completed,
        Stage::Expired,
        Stage::Failed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Stage::Pending => "pending",
            Stage::Opened => "opened",
            Stage::IdFrontDone => "id_front_done",
            Stage::IdBackDone => "id_back_done",
            Stage::LivenessPassed => "liveness_passed",
            Stage::FaceMatched => "face_matched",
            Stage::Completed => "completed",
            Stage::Expired => "expired",
            Stage::Failed => "failed",
        }
    }

    pub fn parse(code: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Completed, expired and failed sessions accept no event.
    pub fn is_terminal(self) -> bool {
        matches!(self, Stage::Completed | Stage::Expired | Stage::Failed)
    }

    /// Claimed by a device (and not ended).
    pub fn is_claimed(self) -> bool {
        !self.is_terminal() && self != Stage::Pending
    }

    /// The link's own state: pending → opened → completed / expired (or failed).
    pub fn token_state(self) -> TokenState {
        match self {
            Stage::Pending => TokenState::Pending,
            Stage::Completed => TokenState::Completed,
            Stage::Expired => TokenState::Expired,
            Stage::Failed => TokenState::Failed,
            _ => TokenState::Opened,
        }
    }

    /// What the desktop shows as the current state.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Pending => "等待手机扫码",
            Stage::Opened => "手机已连接，请拍摄身份证人像面",
            Stage::IdFrontDone => "身份证人像面已识别，请拍摄国徽面",
            Stage::IdBackDone => "身份证国徽面已识别，请进行活体检测",
            Stage::LivenessPassed => "活体检测通过，正在进行人脸比对",
            Stage::FaceMatched => "人脸比对通过",
            Stage::Completed => "身份认证已完成",
            Stage::Expired => "二维码已失效，请刷新二维码后重新扫码",
            Stage::Failed => "身份认证未通过",
        }
    }
}

/// The state of the link itself, as the issue words it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenState {
    Pending,
    Opened,
    Completed,
    Expired,
    Failed,
}

/// Who photographs their ID card and does the liveness check: an organisation's agent, or
/// the private individual a natural-person certificate is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 经办人.
    Agent,
    /// 申请人.
    Applicant,
}

impl Role {
    pub fn code(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Applicant => "applicant",
        }
    }

    pub fn parse(code: &str) -> Option<Role> {
        [Role::Agent, Role::Applicant]
            .into_iter()
            .find(|r| r.code() == code)
    }

    /// How pages and messages name the person.
    pub fn label(self) -> &'static str {
        match self {
            Role::Agent => "经办人",
            Role::Applicant => "申请人",
        }
    }
}

/// The two sides of the resident identity card.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdSide {
    /// 人像面: name, number, photo.
    Front,
    /// 国徽面: issuing authority and validity.
    Back,
}

impl IdSide {
    pub fn code(self) -> &'static str {
        match self {
            IdSide::Front => "front",
            IdSide::Back => "back",
        }
    }

    pub fn parse(code: &str) -> Option<IdSide> {
        match code {
            "front" => Some(IdSide::Front),
            "back" => Some(IdSide::Back),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            IdSide::Front => "人像面",
            IdSide::Back => "国徽面",
        }
    }
}

/// Why a session failed for good.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailReason {
    /// The last of [`MAX_FAILED_ATTEMPTS`] attempts failed at the liveness check.
    LivenessAttempts,
    /// The last of [`MAX_FAILED_ATTEMPTS`] attempts failed at the face comparison.
    FaceMismatch,
}

impl FailReason {
    pub fn code(self) -> &'static str {
        match self {
            FailReason::LivenessAttempts => "liveness_attempts",
            FailReason::FaceMismatch => "face_mismatch",
        }
    }

    pub fn parse(code: &str) -> Option<FailReason> {
        [FailReason::LivenessAttempts, FailReason::FaceMismatch]
            .into_iter()
            .find(|r| r.code() == code)
    }

    pub fn message(self) -> &'static str {
        match self {
            FailReason::LivenessAttempts => {
                "活体检测已连续3次未通过，本次认证结束。请在光线充足处、由本人正对镜头按提示做动作，\
                 然后回到电脑上刷新二维码重新开始"
            }
            FailReason::FaceMismatch => {
                "人脸与身份证照片已连续3次比对不一致，本次认证结束。请确认由身份证本人操作，\
                 然后回到电脑上刷新二维码重新开始"
            }
        }
    }
}

/// Why one liveness attempt failed, as a provider reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LivenessFailure {
    /// The frames do not change: a photo or a frozen picture rather than a person.
    StillImage,
    NoFace,
    MultipleFaces,
    /// A prompted action was not seen.
    PromptNotFollowed,
    /// Too dark, too bright or blurred to judge.
    PoorQuality,
    /// A screen, mask or printed photo was detected.
    Spoof,
    /// Any other reason the provider gives.
    Other,
}

impl LivenessFailure {
    pub const ALL: [LivenessFailure; 7] = [
        LivenessFailure::StillImage,
        LivenessFailure::NoFace,
        LivenessFailure::MultipleFaces,
        LivenessFailure::PromptNotFollowed,
        LivenessFailure::PoorQuality,
        LivenessFailure::Spoof,
        LivenessFailure::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            LivenessFailure::StillImage => "still_image",
            LivenessFailure::NoFace => "no_face",
            LivenessFailure::MultipleFaces => "multiple_faces",
            LivenessFailure::PromptNotFollowed => "prompt_not_followed",
            LivenessFailure::PoorQuality => "poor_quality",
            LivenessFailure::Spoof => "spoof",
            LivenessFailure::Other => "other",
        }
    }

    pub fn parse(code: &str) -> Option<LivenessFailure> {
        LivenessFailure::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn message(self) -> &'static str {
        match self {
            LivenessFailure::StillImage => {
                "画面没有变化。请本人正对镜头，按提示做动作，不要使用照片或视频"
            }
            LivenessFailure::NoFace => "没有检测到人脸。请将面部完整放入取景框内",
            LivenessFailure::MultipleFaces => "画面中有多张人脸。请确保只有本人在镜头前",
            LivenessFailure::PromptNotFollowed => "没有检测到提示的动作。请按屏幕提示逐一完成",
            LivenessFailure::PoorQuality => {
                "画面太暗、太亮或模糊。请到光线均匀的地方，保持手机稳定"
            }
            LivenessFailure::Spoof => "检测到翻拍或遮挡。请本人直接面对镜头，不要使用照片或屏幕",
            LivenessFailure::Other => "活体检测未通过，请重试",
        }
    }
}

/// A session's stage with its counters. Built only by [`HandoffState::new`] and
/// [`transition`] (and read back from storage by [`HandoffState::restore`]), so the counters
/// stay within their limits and `failure` is set exactly when the stage is `Failed`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoffState {
    pub stage: Stage,
    pub failure: Option<FailReason>,
    /// Photos of the portrait side received, at most [`MAX_UPLOADS_PER_SIDE`].
    pub front_uploads: u8,
    pub back_uploads: u8,
    /// Liveness attempts that failed (at the check or the face comparison), at most
    /// [`MAX_FAILED_ATTEMPTS`].
    pub failed_attempts: u8,
    /// The portrait side was accepted after its last retake although it disagreed with the form.
    pub front_for_review: bool,
    pub back_for_review: bool,
}

impl Default for HandoffState {
    fn default() -> Self {
        Self::new()
    }
}

/// A stored state that breaks the invariants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("stored handoff state is inconsistent")]
pub struct InvalidState;

impl HandoffState {
    pub const fn new() -> Self {
        Self {
            stage: Stage::Pending,
            failure: None,
            front_uploads: 0,
            back_uploads: 0,
            failed_attempts: 0,
            front_for_review: false,
            back_for_review: false,
        }
    }

    /// A state read back from storage, checked against the invariants [`transition`] keeps.
    pub fn restore(state: HandoffState) -> Result<HandoffState, InvalidState> {
        let ok = state.front_uploads <= MAX_UPLOADS_PER_SIDE
            && state.back_uploads <= MAX_UPLOADS_PER_SIDE
            && state.failed_attempts <= MAX_FAILED_ATTEMPTS
            && (state.stage == Stage::Failed) == state.failure.is_some()
            && (state.failed_attempts < MAX_FAILED_ATTEMPTS || state.stage == Stage::Failed);
        if ok { Ok(state) } else { Err(InvalidState) }
    }

    pub fn uploads(&self, side: IdSide) -> u8 {
        match side {
            IdSide::Front => self.front_uploads,
            IdSide::Back => self.back_uploads,
        }
    }

    /// Retakes still allowed on `side` before the next upload is accepted for review.
    pub fn retakes_left(&self, side: IdSide) -> u8 {
        (MAX_UPLOADS_PER_SIDE - self.uploads(side).min(MAX_UPLOADS_PER_SIDE)).min(MAX_RETAKES)
    }

    pub fn for_review(&self, side: IdSide) -> bool {
        match side {
            IdSide::Front => self.front_for_review,
            IdSide::Back => self.back_for_review,
        }
    }

    pub fn attempts_left(&self) -> u8 {
        MAX_FAILED_ATTEMPTS - self.failed_attempts.min(MAX_FAILED_ATTEMPTS)
    }

    /// What the phone should ask for next.
    pub fn next(&self) -> Next {
        match self.stage {
            Stage::Pending => Next::Claim,
            Stage::Opened => Next::IdFront,
            Stage::IdFrontDone => Next::IdBack,
            Stage::IdBackDone | Stage::LivenessPassed | Stage::FaceMatched => Next::Liveness,
            Stage::Completed => Next::Done,
            Stage::Expired | Stage::Failed => Next::Rescan,
        }
    }
}

/// The phone page's next screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Next {
    /// Show who must do this and a 开始认证 button (the claim).
    Claim,
    IdFront,
    IdBack,
    Liveness,
    /// Finished: go back to the computer.
    Done,
    /// Claimed by another device: only a new QR code helps on this one.
    OtherDevice,
    /// Expired or failed: rescan from the computer.
    Rescan,
}

// --- events and transitions ---

/// Something that happened to a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// A device opened the link with an explicit action.
    Claim,
    /// A photo of one side was read; `clean` when it agrees with the form.
    IdPhoto {
        side: IdSide,
        clean: bool,
    },
    /// A liveness check: passed, or why not.
    Liveness {
        failure: Option<LivenessFailure>,
    },
    /// The face comparison after a passed liveness check.
    FaceCompare {
        matched: bool,
    },
    Complete,
    /// The claim window or the session time ran out.
    Expire,
    /// A newer link was made for the same application.
    Supersede,
}

impl Event {
    pub fn name(&self) -> &'static str {
        match self {
            Event::Claim => "claim",
            Event::IdPhoto {
                side: IdSide::Front,
                ..
            } => "id_front",
            Event::IdPhoto {
                side: IdSide::Back, ..
            } => "id_back",
            Event::Liveness { .. } => "liveness",
            Event::FaceCompare { .. } => "face_compare",
            Event::Complete => "complete",
            Event::Expire => "expire",
            Event::Supersede => "supersede",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("本次认证已结束（{}），请回到电脑上重新扫码", .0.label())]
    Ended(Stage),
    #[error("现在不能进行这一步（当前：{}）", .stage.label())]
    OutOfOrder { stage: Stage, event: &'static str },
}

/// The state after `event`, or why `event` cannot happen now. Never changes `state`.
pub fn transition(state: &HandoffState, event: &Event) -> Result<HandoffState, TransitionError> {
    let stage = state.stage;
    if stage.is_terminal() {
        return Err(TransitionError::Ended(stage));
    }
    let out_of_order = Err(TransitionError::OutOfOrder {
        stage,
        event: event.name(),
    });
    let mut next = *state;
    match (*event, stage) {
        (Event::Expire | Event::Supersede, _) => next.stage = Stage::Expired,
        (Event::Claim, Stage::Pending) => next.stage = Stage::Opened,
        (Event::IdPhoto { side, clean }, _) => {
            let (expected, done) = match side {
                IdSide::Front => (Stage::Opened, Stage::IdFrontDone),
                IdSide::Back => (Stage::IdFrontDone, Stage::IdBackDone),
            };
            if stage != expected || state.uploads(side) >= MAX_UPLOADS_PER_SIDE {
                return out_of_order;
            }
            let (uploads, review) = match side {
                IdSide::Front => (&mut next.front_uploads, &mut next.front_for_review),
                IdSide::Back => (&mut next.back_uploads, &mut next.back_for_review),
            };
            *uploads += 1;
            if clean {
                next.stage = done;
            } else if *uploads == MAX_UPLOADS_PER_SIDE {
                *review = true;
                next.stage = done;
            }
        }
        (Event::Liveness { failure: None }, Stage::IdBackDone) => {
            next.stage = Stage::LivenessPassed;
        }
        (Event::Liveness { failure: Some(_) }, Stage::IdBackDone) => {
            fail_attempt(&mut next, FailReason::LivenessAttempts);
        }
        (Event::FaceCompare { matched: true }, Stage::LivenessPassed) => {
            next.stage = Stage::FaceMatched;
        }
        (Event::FaceCompare { matched: false }, Stage::LivenessPassed) => {
            next.stage = Stage::IdBackDone;
            fail_attempt(&mut next, FailReason::FaceMismatch);
        }
        (Event::Complete, Stage::FaceMatched) => next.stage = Stage::Completed,
        _ => return out_of_order,
    }
    Ok(next)
}

fn fail_attempt(state: &mut HandoffState, reason: FailReason) {
    state.failed_attempts += 1;
    if state.failed_attempts >= MAX_FAILED_ATTEMPTS {
        state.stage = Stage::Failed;
        state.failure = Some(reason);
    }
}

// --- progress shown on the desktop ---

/// One line of progress, as the desktop lists it and the server records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// 手机已连接.
    Connected,
    IdRecognised(IdSide),
    /// The reading disagrees with the form; a retake is asked for.
    IdMismatch(IdSide),
    /// Accepted after the last retake although it disagrees: the reviewer decides.
    IdForReview(IdSide),
    LivenessPassed,
    LivenessFailed(LivenessFailure),
    FaceMatched,
    FaceMismatch,
    Completed,
    Expired,
    /// A newer QR code replaced this one.
    Superseded,
    Failed(FailReason),
}

impl Step {
    /// The step's kind, as stored and sent: `connected`, `id_recognised`, …
    pub fn code(&self) -> &'static str {
        match self {
            Step::Connected => "connected",
            Step::IdRecognised(_) => "id_recognised",
            Step::IdMismatch(_) => "id_mismatch",
            Step::IdForReview(_) => "id_for_review",
            Step::LivenessPassed => "liveness_passed",
            Step::LivenessFailed(_) => "liveness_failed",
            Step::FaceMatched => "face_matched",
            Step::FaceMismatch => "face_mismatch",
            Step::Completed => "completed",
            Step::Expired => "expired",
            Step::Superseded => "superseded",
            Step::Failed(_) => "failed",
        }
    }

    /// The side or reason a kind carries: `front`, `still_image`, …
    pub fn detail(&self) -> Option<&'static str> {
        match self {
            Step::IdRecognised(side) | Step::IdMismatch(side) | Step::IdForReview(side) => {
                Some(side.code())
            }
            Step::LivenessFailed(reason) => Some(reason.code()),
            Step::Failed(reason) => Some(reason.code()),
            _ => None,
        }
    }

    /// The step stored as [`Step::code`] and [`Step::detail`].
    pub fn parse(code: &str, detail: Option<&str>) -> Option<Step> {
        let side = || detail.and_then(IdSide::parse);
        Some(match code {
            "connected" => Step::Connected,
            "id_recognised" => Step::IdRecognised(side()?),
            "id_mismatch" => Step::IdMismatch(side()?),
            "id_for_review" => Step::IdForReview(side()?),
            "liveness_passed" => Step::LivenessPassed,
            "liveness_failed" => Step::LivenessFailed(detail.and_then(LivenessFailure::parse)?),
            "face_matched" => Step::FaceMatched,
            "face_mismatch" => Step::FaceMismatch,
            "completed" => Step::Completed,
            "expired" => Step::Expired,
            "superseded" => Step::Superseded,
            "failed" => Step::Failed(detail.and_then(FailReason::parse)?),
            _ => return None,
        })
    }

    /// The line the desktop shows.
    pub fn message(&self) -> String {
        match self {
            Step::Connected => "手机已连接".into(),
            Step::IdRecognised(IdSide::Front) => "身份证人像面已识别".into(),
            Step::IdRecognised(IdSide::Back) => "身份证国徽面已识别".into(),
            Step::IdMismatch(side) => {
                format!("身份证{}与申请表信息不一致，等待重新拍摄", side.label())
            }
            Step::IdForReview(side) => {
                format!(
                    "身份证{}与申请表信息不一致，已多次重拍，将由审核人员核对",
                    side.label()
                )
            }
            Step::LivenessPassed => "活体检测通过".into(),
            Step::LivenessFailed(reason) => format!("活体检测未通过：{}", reason.message()),
            Step::FaceMatched => "人脸比对通过".into(),
            Step::FaceMismatch => "人脸与身份证照片比对不一致".into(),
            Step::Completed => "已完成".into(),
            Step::Expired => "二维码已过期".into(),
            Step::Superseded => "已生成新的二维码，此前的二维码作废".into(),
            Step::Failed(reason) => reason.message().into(),
        }
    }

    /// Whether the line reports a problem (the desktop shows those in the error style).
    pub fn is_problem(&self) -> bool {
        matches!(
            self,
            Step::IdMismatch(_)
                | Step::IdForReview(_)
                | Step::LivenessFailed(_)
                | Step::FaceMismatch
                | Step::Expired
                | Step::Superseded
                | Step::Failed(_)
        )
    }
}

/// The progress lines `event` adds, given the state it led to.
pub fn steps_of(event: &Event, after: &HandoffState) -> Vec<Step> {
    let mut steps = match *event {
        Event::Claim => vec![Step::Connected],
        Event::IdPhoto { side, clean: true } => vec![Step::IdRecognised(side)],
        Event::IdPhoto { side, clean: false } if after.for_review(side) => {
            vec![Step::IdForReview(side)]
        }
        Event::IdPhoto { side, .. } => vec![Step::IdMismatch(side)],
        Event::Liveness { failure: None } => vec![Step::LivenessPassed],
        Event::Liveness {
            failure: Some(reason),
        } => vec![Step::LivenessFailed(reason)],
        Event::FaceCompare { matched: true } => vec![Step::FaceMatched],
        Event::FaceCompare { matched: false } => vec![Step::FaceMismatch],
        Event::Complete => vec![Step::Completed],
        Event::Expire => vec![Step::Expired],
        Event::Supersede => vec![Step::Superseded],
    };
    if let (Stage::Failed, Some(reason)) = (after.stage, after.failure)
        && matches!(event, Event::Liveness { .. } | Event::FaceCompare { .. })
    {
        steps.push(Step::Failed(reason));
    }
    steps
}

// --- liveness prompts ---

/// One action of the active liveness check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Prompt {
    Blink,
    OpenMouth,
    TurnLeft,
    TurnRight,
    Nod,
}

impl Prompt {
    pub const ALL: [Prompt; 5] = [
        Prompt::Blink,
        Prompt::OpenMouth,
        Prompt::TurnLeft,
        Prompt::TurnRight,
        Prompt::Nod,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Prompt::Blink => "blink",
            Prompt::OpenMouth => "open_mouth",
            Prompt::TurnLeft => "turn_left",
            Prompt::TurnRight => "turn_right",
            Prompt::Nod => "nod",
        }
    }

    pub fn parse(code: &str) -> Option<Prompt> {
        Prompt::ALL.into_iter().find(|p| p.code() == code)
    }

    /// The word on screen.
    pub fn text(self) -> &'static str {
        match self {
            Prompt::Blink => "眨眼",
            Prompt::OpenMouth => "张嘴",
            Prompt::TurnLeft => "向左转头",
            Prompt::TurnRight => "向右转头",
            Prompt::Nod => "点头",
        }
    }
}

/// The fewest and most prompts in one liveness check.
pub const PROMPTS_MIN: usize = 2;
pub const PROMPTS_MAX: usize = 3;

/// A sequence of 2–3 distinct prompts drawn from `seed` (the server passes fresh random bits;
/// the same seed gives the same sequence, so tests can fix it).
///
/// ```
/// use app::domain::handoff::prompt_sequence;
/// let prompts = prompt_sequence(7);
/// assert!((2..=3).contains(&prompts.len()));
/// assert_eq!(prompts, prompt_sequence(7));
/// ```
pub fn prompt_sequence(seed: u64) -> Vec<Prompt> {
    let mut rng = SplitMix64(seed);
    let mut all = Prompt::ALL;
    // Fisher–Yates; the modulo bias over 5 values from 64 bits is negligible.
    for i in (1..all.len()).rev() {
        let j = (rng.next() % (i as u64 + 1)) as usize;
        all.swap(i, j);
    }
    let len = PROMPTS_MIN + (rng.next() % (PROMPTS_MAX - PROMPTS_MIN + 1) as u64) as usize;
    all[..len].to_vec()
}

/// A tiny, well-mixed generator (Steele, Lea and Flood 2014): enough to turn one random
/// 64-bit seed into a shuffle, and pure, so the browser and tests can run it.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

// --- comparing the card with the form ---

/// A field of the card that is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Name,
    IdNumber,
    /// 有效期限 on the back: checked against today, not the form.
    Validity,
}

impl Field {
    pub fn label(self) -> &'static str {
        match self {
            Field::Name => "姓名",
            Field::IdNumber => "公民身份号码",
            Field::Validity => "有效期限",
        }
    }
}

/// One disagreement between the card and the form (or, for [`Field::Validity`], a card that
/// is not valid today). `form` and `card` are shown as they are, so the applicant sees which
/// value differs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mismatch {
    pub field: Field,
    /// The value on the form; empty for [`Field::Validity`].
    pub form: String,
    /// The value read from the card; empty when nothing could be read.
    pub card: String,
}

impl Mismatch {
    pub fn message(&self) -> String {
        let card = if self.card.is_empty() {
            "未能识别".to_owned()
        } else {
            format!("“{}”", self.card)
        };
        match self.field {
            Field::Validity if self.card.is_empty() => {
                "未能识别身份证有效期限，请重新拍摄国徽面，确保文字清晰".into()
            }
            Field::Validity => format!(
                "身份证已过期（有效期限{}），请使用有效期内的身份证",
                self.card
            ),
            field => format!(
                "{}不一致：申请表为“{}”，身份证为{card}",
                field.label(),
                self.form
            ),
        }
    }
}

/// The name as compared: folded, spaces dropped, dot look-alikes as `·`, Latin letters in
/// upper case. A reading that is not a valid name is compared as folded text.
fn comparable_name(name: &str) -> String {
    let canonical = person_name::validate(name)
        .map(|n| n.as_str().to_owned())
        .unwrap_or_else(|_| clean_text(name));
    let mut folded = String::with_capacity(canonical.len());
    for c in canonical.chars().filter(|c| !c.is_whitespace()) {
        match c {
            '.' | '\u{2022}' | '\u{2027}' | '\u{30FB}' | '\u{FF65}' => folded.push('\u{00B7}'),
            c => folded.extend(c.to_uppercase()),
        }
    }
    folded
}

/// The portrait side's name and number against the form's. Both numbers are folded with
/// [`id_number::compact`] (full-width digits, a lower-case `x`, spaces) before comparing.
///
/// ```
/// use app::domain::handoff::{compare_front, Field};
/// assert!(compare_front("张三", "11010519491231002X", " 张 三", "11010519491231002x").is_empty());
/// let found = compare_front("张三", "11010519491231002X", "李四", "11010519491231002X");
/// assert_eq!(found.len(), 1);
/// assert_eq!(found[0].field, Field::Name);
/// assert_eq!(found[0].message(), "姓名不一致：申请表为“张三”，身份证为“李四”");
/// ```
pub fn compare_front(
    form_name: &str,
    form_id_number: &str,
    card_name: &str,
    card_id_number: &str,
) -> Vec<Mismatch> {
    let mut found = Vec::new();
    let card_name = clean_text(card_name);
    if card_name.is_empty() || comparable_name(&card_name) != comparable_name(form_name) {
        found.push(Mismatch {
            field: Field::Name,
            form: form_name.to_owned(),
            card: card_name,
        });
    }
    let card_number = id_number::compact(card_id_number);
    if card_number.is_empty() || card_number != id_number::compact(form_id_number) {
        found.push(Mismatch {
            field: Field::IdNumber,
            form: form_id_number.to_owned(),
            card: card_number,
        });
    }
    found
}

/// The end of a card's validity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValidUntil {
    Date(Date),
    /// 长期: cards issued after the holder's 46th birthday.
    LongTerm,
}

/// 有效期限 as printed on the back: `2015.03.01-2035.03.01` or `2015.03.01-长期`. Full-width
/// digits and any dash or `至` between the dates are accepted, since OCR returns all of them.
///
/// ```
/// use app::domain::handoff::{parse_validity, ValidUntil};
/// use time::macros::date;
/// assert_eq!(
///     parse_validity("2015.03.01-2035.03.01"),
///     Some((date!(2015 - 03 - 01), ValidUntil::Date(date!(2035 - 03 - 01))))
/// );
/// assert_eq!(parse_validity("2015.03.01－长期").unwrap().1, ValidUntil::LongTerm);
/// assert_eq!(parse_validity("2015.13.01-2035.03.01"), None);
/// ```
pub fn parse_validity(text: &str) -> Option<(Date, ValidUntil)> {
    let folded: String = text
        .chars()
        .map(fold_char)
        .filter(|c| !c.is_whitespace())
        .collect();
    let (from, until) = folded.split_once('-').or_else(|| folded.split_once('至'))?;
    let from = printed_date(from)?;
    let until = if until == "长期" {
        ValidUntil::LongTerm
    } else {
        ValidUntil::Date(printed_date(until)?)
    };
    Some((from, until))
}

/// `2015.03.01` (also with `/` or no separator).
fn printed_date(text: &str) -> Option<Date> {
    let digits: String = text.chars().filter(|c| !matches!(c, '.' | '/')).collect();
    if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year = digits[..4].parse().ok()?;
    let month: u8 = digits[4..6].parse().ok()?;
    let day = digits[6..].parse().ok()?;
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

/// The back side's validity against `today`. `None`: the provider does not read it (the local
/// provider), so there is nothing to check.
///
/// ```
/// use app::domain::handoff::check_back;
/// use time::macros::date;
/// let today = date!(2025 - 03 - 01);
/// assert!(check_back(Some("2015.03.01-2035.03.01"), today).is_empty());
/// assert!(check_back(None, today).is_empty());
/// assert_eq!(
///     check_back(Some("2005.03.01-2025.02.28"), today)[0].message(),
///     "身份证已过期（有效期限2005.03.01-2025.02.28），请使用有效期内的身份证"
/// );
/// ```
pub fn check_back(validity: Option<&str>, today: Date) -> Vec<Mismatch> {
    let Some(text) = validity else {
        return Vec::new();
    };
    let problem = |card: &str| {
        vec![Mismatch {
            field: Field::Validity,
            form: String::new(),
            card: card.to_owned(),
        }]
    };
    match parse_validity(text) {
        None => problem(""),
        Some((_, ValidUntil::Date(until))) if until < today => problem(text.trim()),
        Some(_) => Vec::new(),
    }
}

/// The first character of a name and a star for each of the rest: enough for the person to
/// recognise a link meant for them, too little for anyone else.
///
/// ```
/// use app::domain::handoff::mask_name;
/// assert_eq!(mask_name("张三"), "张*");
/// assert_eq!(mask_name("阿依古丽·买买提"), "阿*******");
/// ```
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
        None => String::new(),
    }
}

/// Why a photo or frame was not accepted before any provider saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum PhotoProblem {
    #[error("没有收到照片，请重新拍摄")]
    Empty,
    #[error("照片过大，请重新拍摄（最大 {max} KB）", max = .max_bytes / 1024)]
    TooLarge { max_bytes: usize },
    #[error("只能上传 JPG 或 PNG 格式的照片")]
    NotImage,
    #[error("照片无法读取，可能没有上传完整，请重新拍摄")]
    Corrupt,
    #[error("照片太小（短边不足 {min_side} 像素），请靠近一些重新拍摄")]
    TooSmall { min_side: u32 },
}

impl PhotoProblem {
    pub fn code(&self) -> &'static str {
        match self {
            PhotoProblem::Empty => "photo_empty",
            PhotoProblem::TooLarge { .. } => "photo_too_large",
            PhotoProblem::NotImage => "photo_not_image",
            PhotoProblem::Corrupt => "photo_corrupt",
            PhotoProblem::TooSmall { .. } => "photo_too_small",
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::macros::date;

    use super::*;

    fn run(events: &[Event]) -> HandoffState {
        events.iter().fold(HandoffState::new(), |s, e| {
            transition(&s, e).unwrap_or_else(|err| panic!("{e:?} from {s:?}: {err}"))
        })
    }

    fn photo(side: IdSide, clean: bool) -> Event {
        Event::IdPhoto { side, clean }
    }

    const PASS: Event = Event::Liveness { failure: None };
    const STILL: Event = Event::Liveness {
        failure: Some(LivenessFailure::StillImage),
    };

    #[test]
    fn roles_round_trip_through_their_codes() {
        for role in [Role::Agent, Role::Applicant] {
            assert_eq!(Role::parse(role.code()), Some(role));
        }
        assert_eq!(Role::parse("legal_rep"), None);
        assert_eq!(Role::Applicant.label(), "申请人");
    }

    #[test]
    fn the_happy_path_reaches_completed_with_a_step_each() {
        let events = [
            Event::Claim,
            photo(IdSide::Front, true),
            photo(IdSide::Back, true),
            PASS,
            Event::FaceCompare { matched: true },
            Event::Complete,
        ];
        let mut state = HandoffState::new();
        let mut messages = Vec::new();
        for event in &events {
            state = transition(&state, event).unwrap();
            messages.extend(steps_of(event, &state).iter().map(Step::message));
        }
        assert_eq!(state.stage, Stage::Completed);
        assert_eq!(state.stage.token_state(), TokenState::Completed);
        assert_eq!(
            messages,
            [
                "手机已连接",
                "身份证人像面已识别",
                "身份证国徽面已识别",
                "活体检测通过",
                "人脸比对通过",
                "已完成"
            ]
        );
        assert_eq!(
            transition(&state, &Event::Claim),
            Err(TransitionError::Ended(Stage::Completed))
        );
    }

    #[test]
    fn a_side_is_accepted_for_review_after_three_retakes() {
        let mut state = run(&[Event::Claim]);
        assert_eq!(state.retakes_left(IdSide::Front), 3);
        // The first photo and two retakes disagree: one retake is left after them.
        for left in [3, 2, 1] {
            state = transition(&state, &photo(IdSide::Front, false)).unwrap();
            assert_eq!(state.stage, Stage::Opened);
            assert_eq!(state.retakes_left(IdSide::Front), left);
            assert_eq!(
                steps_of(&photo(IdSide::Front, false), &state),
                [Step::IdMismatch(IdSide::Front)]
            );
        }
        // The third retake is accepted whatever it shows.
        state = transition(&state, &photo(IdSide::Front, false)).unwrap();
        assert_eq!(state.retakes_left(IdSide::Front), 0);
        assert_eq!(state.stage, Stage::IdFrontDone);
        assert!(state.front_for_review);
        assert_eq!(state.front_uploads, MAX_UPLOADS_PER_SIDE);
        assert_eq!(
            steps_of(&photo(IdSide::Front, false), &state),
            [Step::IdForReview(IdSide::Front)]
        );
        // The back is counted on its own.
        assert_eq!(state.retakes_left(IdSide::Back), 3);
    }

    #[test]
    fn three_failed_attempts_end_the_session() {
        let base = run(&[
            Event::Claim,
            photo(IdSide::Front, true),
            photo(IdSide::Back, true),
        ]);
        let state = run_from(base, &[STILL, STILL]);
        assert_eq!((state.stage, state.attempts_left()), (Stage::IdBackDone, 1));
        let failed = transition(&state, &STILL).unwrap();
        assert_eq!(failed.stage, Stage::Failed);
        assert_eq!(failed.failure, Some(FailReason::LivenessAttempts));
        assert_eq!(
            steps_of(&STILL, &failed),
            [
                Step::LivenessFailed(LivenessFailure::StillImage),
                Step::Failed(FailReason::LivenessAttempts)
            ]
        );
        // A face mismatch is a failed attempt too, and sends the session back to liveness.
        let face = run_from(base, &[STILL, PASS, Event::FaceCompare { matched: false }]);
        assert_eq!((face.stage, face.failed_attempts), (Stage::IdBackDone, 2));
        let ended = run_from(face, &[PASS, Event::FaceCompare { matched: false }]);
        assert_eq!(ended.failure, Some(FailReason::FaceMismatch));
    }

    fn run_from(state: HandoffState, events: &[Event]) -> HandoffState {
        events.iter().fold(state, |s, e| transition(&s, e).unwrap())
    }

    #[test]
    fn expiry_and_supersession_end_any_open_stage() {
        for events in [
            &[][..],
            &[Event::Claim][..],
            &[Event::Claim, photo(IdSide::Front, true)][..],
        ] {
            let state = run(events);
            assert_eq!(
                transition(&state, &Event::Expire).unwrap().stage,
                Stage::Expired
            );
            let superseded = transition(&state, &Event::Supersede).unwrap();
            assert_eq!(superseded.stage, Stage::Expired);
            assert_eq!(steps_of(&Event::Supersede, &superseded), [Step::Superseded]);
        }
    }

    #[test]
    fn out_of_order_events_are_refused() {
        let pending = HandoffState::new();
        assert!(matches!(
            transition(&pending, &photo(IdSide::Front, true)),
            Err(TransitionError::OutOfOrder {
                stage: Stage::Pending,
                event: "id_front"
            })
        ));
        let opened = run(&[Event::Claim]);
        assert!(transition(&opened, &Event::Claim).is_err());
        assert!(transition(&opened, &photo(IdSide::Back, true)).is_err());
        assert!(transition(&opened, &PASS).is_err());
        assert_eq!(
            transition(&opened, &Event::Complete)
                .unwrap_err()
                .to_string(),
            "现在不能进行这一步（当前：手机已连接，请拍摄身份证人像面）"
        );
    }

    #[test]
    fn codes_round_trip() {
        for stage in Stage::ALL {
            assert_eq!(Stage::parse(stage.code()), Some(stage));
        }
        for prompt in Prompt::ALL {
            assert_eq!(Prompt::parse(prompt.code()), Some(prompt));
        }
        let steps = [
            Step::Connected,
            Step::IdRecognised(IdSide::Back),
            Step::IdMismatch(IdSide::Front),
            Step::IdForReview(IdSide::Back),
            Step::LivenessPassed,
            Step::LivenessFailed(LivenessFailure::Spoof),
            Step::FaceMatched,
            Step::FaceMismatch,
            Step::Completed,
            Step::Expired,
            Step::Superseded,
            Step::Failed(FailReason::FaceMismatch),
        ];
        for step in steps {
            assert_eq!(Step::parse(step.code(), step.detail()), Some(step));
        }
        assert_eq!(Step::parse("id_recognised", None), None);
        assert_eq!(Step::parse("nonsense", None), None);
    }

    #[test]
    fn mismatches_name_the_field_and_both_values() {
        let form_id = "11010519491231002X";
        assert!(compare_front("阿依古丽·买买提", form_id, "阿依古丽•买买提", form_id).is_empty());
        assert!(compare_front("Anna Müller", form_id, "ANNA  MÜLLER", form_id).is_empty());
        let both = compare_front("张三", form_id, "", "１１０１０５１９４９１２３１００２３");
        assert_eq!(both.len(), 2);
        assert_eq!(
            both[0].message(),
            "姓名不一致：申请表为“张三”，身份证为未能识别"
        );
        assert_eq!(
            both[1].message(),
            "公民身份号码不一致：申请表为“11010519491231002X”，身份证为“110105194912310023”"
        );
    }

    #[test]
    fn validity_is_read_leniently_and_checked_against_today() {
        let today = date!(2025 - 03 - 01);
        assert!(check_back(Some("2010.07.21-长期"), today).is_empty());
        assert!(check_back(Some("2015.03.01 至 2025.03.01"), today).is_empty());
        assert_eq!(
            check_back(Some("看不清"), today)[0].message(),
            "未能识别身份证有效期限，请重新拍摄国徽面，确保文字清晰"
        );
    }

    #[test]
    fn restore_refuses_states_transition_cannot_make() {
        assert!(HandoffState::restore(HandoffState::new()).is_ok());
        let bad = [
            HandoffState {
                front_uploads: MAX_UPLOADS_PER_SIDE + 1,
                ..HandoffState::new()
            },
            HandoffState {
                stage: Stage::Failed,
                ..HandoffState::new()
            },
            HandoffState {
                failure: Some(FailReason::FaceMismatch),
                ..HandoffState::new()
            },
            HandoffState {
                failed_attempts: MAX_FAILED_ATTEMPTS,
                stage: Stage::IdBackDone,
                ..HandoffState::new()
            },
        ];
        for state in bad {
            assert_eq!(HandoffState::restore(state), Err(InvalidState), "{state:?}");
        }
    }

    // --- properties ---

    fn any_event() -> impl Strategy<Value = Event> {
        let side = prop_oneof![Just(IdSide::Front), Just(IdSide::Back)];
        let failure = prop::option::of(prop::sample::select(LivenessFailure::ALL.to_vec()));
        prop_oneof![
            Just(Event::Claim),
            (side, any::<bool>()).prop_map(|(side, clean)| Event::IdPhoto { side, clean }),
            failure.prop_map(|failure| Event::Liveness { failure }),
            any::<bool>().prop_map(|matched| Event::FaceCompare { matched }),
            Just(Event::Complete),
            Just(Event::Expire),
            Just(Event::Supersede),
        ]
    }

    /// The edges of the diagram in the module docs, written out independently of
    /// [`transition`]: from which stage an event may come, and where it may lead.
    fn allowed(from: Stage, event: &Event) -> &'static [Stage] {
        use Stage::*;
        if from.is_terminal() {
            return &[];
        }
        match event {
            Event::Expire | Event::Supersede => &[Expired],
            Event::Claim if from == Pending => &[Opened],
            Event::IdPhoto {
                side: IdSide::Front,
                ..
            } if from == Opened => &[Opened, IdFrontDone],
            Event::IdPhoto {
                side: IdSide::Back, ..
            } if from == IdFrontDone => &[IdFrontDone, IdBackDone],
            Event::Liveness { failure: None } if from == IdBackDone => &[LivenessPassed],
            Event::Liveness { failure: Some(_) } if from == IdBackDone => &[IdBackDone, Failed],
            Event::FaceCompare { matched: true } if from == LivenessPassed => &[FaceMatched],
            Event::FaceCompare { matched: false } if from == LivenessPassed => {
                &[IdBackDone, Failed]
            }
            Event::Complete if from == FaceMatched => &[Completed],
            _ => &[],
        }
    }

    proptest! {
        #[test]
        fn only_edges_of_the_diagram_are_taken_and_counters_stay_in_bounds(
            events in prop::collection::vec(any_event(), 0..60)
        ) {
            let mut state = HandoffState::new();
            for event in &events {
                let before = state;
                match transition(&before, event) {
                    Ok(after) => {
                        prop_assert!(
                            allowed(before.stage, event).contains(&after.stage),
                            "{event:?} took {:?} to {:?}", before.stage, after.stage
                        );
                        prop_assert_eq!(HandoffState::restore(after), Ok(after));
                        // Counters only grow, one at a time.
                        prop_assert!(after.front_uploads >= before.front_uploads);
                        prop_assert!(after.back_uploads >= before.back_uploads);
                        prop_assert!(after.failed_attempts >= before.failed_attempts);
                        prop_assert!(
                            (after.front_uploads - before.front_uploads)
                                + (after.back_uploads - before.back_uploads)
                                + (after.failed_attempts - before.failed_attempts)
                                <= 1
                        );
                        prop_assert!(!steps_of(event, &after).is_empty());
                        state = after;
                    }
                    Err(_) => prop_assert!(
                        allowed(before.stage, event).is_empty()
                            || matches!(event, Event::IdPhoto { side, .. }
                                if before.uploads(*side) >= MAX_UPLOADS_PER_SIDE),
                        "{event:?} refused from {:?}", before.stage
                    ),
                }
                prop_assert!(state.front_uploads <= MAX_UPLOADS_PER_SIDE);
                prop_assert!(state.back_uploads <= MAX_UPLOADS_PER_SIDE);
                prop_assert!(state.failed_attempts <= MAX_FAILED_ATTEMPTS);
                prop_assert!(state.retakes_left(IdSide::Front) <= MAX_RETAKES);
                prop_assert_eq!(state.stage == Stage::Failed, state.failure.is_some());
            }
        }

        #[test]
        fn prompt_sequences_have_two_or_three_distinct_prompts(seed in any::<u64>()) {
            let prompts = prompt_sequence(seed);
            prop_assert!((PROMPTS_MIN..=PROMPTS_MAX).contains(&prompts.len()));
            let mut distinct = prompts.clone();
            distinct.sort_by_key(|p| p.code());
            distinct.dedup();
            prop_assert_eq!(distinct.len(), prompts.len());
        }

        #[test]
        fn a_card_that_reads_as_the_form_never_mismatches(
            body in "[1-6][0-9]{5}19[5-9][0-9]0[1-9]1[0-9][0-9]{3}",
            name in "[\u{4E00}-\u{9FA5}]{2,4}",
        ) {
            let id = format!("{body}{}", id_number::calc_check_digit(&body).unwrap());
            let lower = id.to_lowercase();
            prop_assert!(compare_front(&name, &id, &name, &lower).is_empty());
        }
    }

    #[test]
    fn every_prompt_and_length_occurs() {
        let mut seen = std::collections::HashSet::new();
        let mut lengths = std::collections::HashSet::new();
        for seed in 0..200 {
            let prompts = prompt_sequence(seed);
            lengths.insert(prompts.len());
            seen.extend(prompts);
        }
        assert_eq!(seen.len(), Prompt::ALL.len());
        assert_eq!(lengths.len(), 2);
    }
}
