//! 手机端身份认证: the JSON the handoff routes exchange with the desktop and phone pages, the
//! [`HandoffService`] behind those routes, and the [`IdentityVerifier`] provider trait.
//!
//! The routes and their documentation are in the server crate (`server/src/handoff/routes.rs`);
//! the rules (stages, counters, prompts, comparison with the form) are in
//! [`crate::domain::handoff`]. The data types here are shared with the browser so the pages
//! deserialize exactly what the server sends; the traits exist only in the server build.

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::login::UserId;
use crate::domain::handoff::{
    FailReason, Field, IdSide, LivenessFailure, Mismatch, Next, PhotoProblem, Prompt, Stage, Step,
    TokenState,
};

/// The device cookie set by the claim: HttpOnly, SameSite=Lax, path `/m`.
pub const DEVICE_COOKIE: &str = "cp_handoff_device";

// --- desktop ---

/// `POST /p/{project}/applications/{number}/handoff`: a new link for the QR code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedHandoff {
    /// Absolute, from `PUBLIC_URL`: `https://ca.example.cn/m/<token>`. Draw it as the QR code.
    pub url: String,
    /// The same without scheme and host: `/m/<token>` (for "do it on this computer").
    pub path: String,
    /// Six digits to type at `/m` when the QR code cannot be scanned.
    pub short_code: String,
    /// When the link stops working if no device claimed it (RFC 3339, UTC).
    pub expires_at: String,
    /// Seconds until then, for the countdown (the browser's clock may be off).
    pub expires_in_secs: u32,
    /// The session this link belongs to; status and events carry it too.
    pub token_id: i64,
}

/// `POST …/handoff/sms`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmsSent {
    /// The mobile number it went to, masked: `138****5678`.
    pub to: String,
    /// Seconds before another may be sent.
    pub resend_after_secs: u32,
}

/// One progress line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepView {
    /// [`Step::code`]: `connected`, `id_recognised`, `liveness_failed`, …
    pub kind: String,
    /// [`Step::detail`]: the side (`front`/`back`) or reason code, when the kind has one.
    pub detail: Option<String>,
    pub message: String,
    /// Shown in the error style.
    pub problem: bool,
    /// RFC 3339, UTC.
    pub at: String,
}

impl StepView {
    pub fn new(step: Step, at: String) -> Self {
        Self {
            kind: step.code().to_owned(),
            detail: step.detail().map(str::to_owned),
            message: step.message(),
            problem: step.is_problem(),
            at,
        }
    }
}

/// A disagreement between the card and the form, ready to show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MismatchView {
    pub side: IdSide,
    pub field: Field,
    /// 姓名, 公民身份号码, 有效期限.
    pub label: String,
    pub form: String,
    pub card: String,
    pub message: String,
}

impl MismatchView {
    pub fn new(side: IdSide, mismatch: &Mismatch) -> Self {
        Self {
            side,
            field: mismatch.field,
            label: mismatch.field.label().to_owned(),
            form: mismatch.form.clone(),
            card: mismatch.card.clone(),
            message: mismatch.message(),
        }
    }
}

/// Why a session ended in `failed`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureView {
    /// [`FailReason::code`], or a [`LivenessFailure::code`] for one failed attempt.
    pub code: String,
    pub message: String,
}

impl From<FailReason> for FailureView {
    fn from(reason: FailReason) -> Self {
        Self {
            code: reason.code().to_owned(),
            message: reason.message().to_owned(),
        }
    }
}

impl From<LivenessFailure> for FailureView {
    fn from(reason: LivenessFailure) -> Self {
        Self {
            code: reason.code().to_owned(),
            message: reason.message().to_owned(),
        }
    }
}

/// The desktop's view of the application's latest session: the body of `GET …/handoff/status`
/// and of every `progress` server-sent event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoffStatus {
    /// `None` until a link was made for this application.
    pub token_id: Option<i64>,
    /// Grows with every change of the session; with `token_id` it identifies a snapshot.
    pub version: i64,
    pub stage: Option<Stage>,
    pub token_state: Option<TokenState>,
    /// The current state in words ([`Stage::label`]); empty without a session.
    pub label: String,
    pub failure: Option<FailureView>,
    /// While pending: when the link expires unclaimed; once claimed: when the session times
    /// out. RFC 3339, UTC.
    pub expires_at: Option<String>,
    pub expires_in_secs: Option<u32>,
    /// Oldest first.
    pub steps: Vec<StepView>,
    /// The latest reading of each side that disagreed with the form (cleared by a clean
    /// reading, kept when a side was accepted for review).
    pub mismatches: Vec<MismatchView>,
    /// Sides accepted after the last retake for the reviewer to decide.
    pub for_review: Vec<IdSide>,
    pub front_retakes_left: u8,
    pub back_retakes_left: u8,
    pub liveness_attempts_left: u8,
    /// Completed: the desktop moves on.
    pub done: bool,
}

// --- phone ---

/// `GET /m/{token}/state` and the `state` in every phone answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneState {
    pub stage: Stage,
    pub token_state: TokenState,
    /// Whether the device asking is the one that claimed the link.
    pub this_device: bool,
    pub next: Next,
    /// One sentence for the current screen.
    pub message: String,
    /// 经办人 or 申请人: who must do this.
    pub role: String,
    /// The person's name masked (`张*`); absent when another device holds the link.
    pub person: Option<String>,
    /// RFC 3339, UTC; see [`HandoffStatus::expires_at`].
    pub expires_at: String,
    pub expires_in_secs: u32,
    pub failure: Option<FailureView>,
    /// Only for the device that holds the link.
    pub mismatches: Vec<MismatchView>,
    pub front_retakes_left: u8,
    pub back_retakes_left: u8,
    pub liveness_attempts_left: u8,
    /// Only for the device that holds the link.
    pub steps: Vec<StepView>,
}

/// `POST /m/{token}/id/{side}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdPhotoResult {
    pub side: IdSide,
    /// The side is done (clean, or accepted for review); the next side or liveness follows.
    pub accepted: bool,
    /// Accepted although it disagrees with the form: the reviewer decides.
    pub for_review: bool,
    /// What disagrees; empty for a clean reading.
    pub mismatches: Vec<MismatchView>,
    pub retakes_left: u8,
    pub state: PhoneState,
}

/// A prompt as the phone shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromptView {
    pub code: Prompt,
    pub text: String,
}

/// `POST /m/{token}/liveness/start`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LivenessChallenge {
    /// Send back with the frames.
    pub challenge: String,
    /// Show one at a time, in this order.
    pub prompts: Vec<PromptView>,
    /// One frame looking straight at the camera first, then at least one per prompt.
    pub min_frames: u8,
    pub max_frames: u8,
    pub max_frame_bytes: u32,
    /// RFC 3339, UTC; frames sent later are refused with `challenge_stale`.
    pub expires_at: String,
}

/// `POST /m/{token}/liveness`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LivenessResult {
    pub passed: bool,
    /// `None` when the liveness check failed (no comparison was made).
    pub face_matched: Option<bool>,
    /// Why this attempt failed.
    pub failure: Option<FailureView>,
    pub attempts_left: u8,
    pub state: PhoneState,
}

/// `POST /m/code`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeRedeemed {
    pub url: String,
    pub path: String,
}

// --- errors ---

/// Everything a handoff route can refuse with; `code()` is the stable string in the JSON.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HandoffError {
    /// No such application of this user (or project).
    #[error("找不到这份申请")]
    NotFound,
    #[error("二维码链接无效。请回到电脑上重新扫码")]
    UnknownToken,
    #[error("二维码已过期或已作废。请回到电脑上刷新二维码后重新扫码")]
    Expired,
    #[error("本次身份认证已经完成，链接不能再次使用。请回到电脑上继续办理")]
    Completed,
    #[error("{}", .0.message())]
    Failed(FailReason),
    #[error("此链接已在另一台设备上打开。如需在这台设备上认证，请回到电脑上重新扫码")]
    OtherDevice,
    #[error("请先点击“开始认证”")]
    NotClaimed,
    #[error("现在不能进行这一步，请按页面提示操作")]
    WrongStep { stage: Stage },
    #[error("手机正在认证中。如需重新开始，请选择“重新生成二维码”")]
    InProgress,
    #[error("这份申请已完成身份认证")]
    AlreadyCompleted,
    #[error("请先生成二维码，再发送短信链接")]
    NoPendingHandoff,
    #[error("短信发送过于频繁，请{secs}秒后再试")]
    SmsTooSoon { secs: u32 },
    #[error("今天发送的认证短信已达上限，请扫描二维码或使用短码")]
    SmsDailyLimit,
    #[error("短信发送失败，请稍后重试或扫描二维码")]
    SmsFailed,
    #[error("短码不正确或已失效，请核对电脑上显示的6位短码")]
    CodeUnknown,
    #[error("短码输错次数过多，请{secs}秒后再试，或直接扫描二维码")]
    CodeLimit { secs: u32 },
    #[error("{0}")]
    Photo(PhotoProblem),
    #[error("活体检测需要{min}至{max}张画面，收到{got}张，请重新检测")]
    FrameCount { min: u8, max: u8, got: usize },
    #[error("活体检测的提示已过期，请重新开始检测")]
    ChallengeStale,
    #[error("操作过于频繁，请稍后重试")]
    Conflict,
    #[error("身份核验服务暂时不可用，请稍后重试")]
    VerifierUnavailable,
    /// Too many photos being checked at once.
    #[error("服务器正忙，暂时无法检查照片，请{secs}秒后重试")]
    Busy { secs: u32 },
    /// Logged with its cause; the applicant sees a generic message.
    #[error("系统繁忙，请稍后重试")]
    Internal(String),
}

impl HandoffError {
    pub fn code(&self) -> &'static str {
        match self {
            HandoffError::NotFound => "not_found",
            HandoffError::UnknownToken => "unknown_token",
            HandoffError::Expired => "expired",
            HandoffError::Completed => "completed",
            HandoffError::Failed(_) => "failed",
            HandoffError::OtherDevice => "other_device",
            HandoffError::NotClaimed => "not_claimed",
            HandoffError::WrongStep { .. } => "wrong_step",
            HandoffError::InProgress => "in_progress",
            HandoffError::AlreadyCompleted => "already_completed",
            HandoffError::NoPendingHandoff => "no_pending_handoff",
            HandoffError::SmsTooSoon { .. } => "sms_too_soon",
            HandoffError::SmsDailyLimit => "sms_daily_limit",
            HandoffError::SmsFailed => "sms_failed",
            HandoffError::CodeUnknown => "code_unknown",
            HandoffError::CodeLimit { .. } => "code_limit",
            HandoffError::Photo(problem) => problem.code(),
            HandoffError::FrameCount { .. } => "frame_count",
            HandoffError::ChallengeStale => "challenge_stale",
            HandoffError::Conflict => "conflict",
            HandoffError::VerifierUnavailable => "verifier_unavailable",
            HandoffError::Busy { .. } => "busy",
            HandoffError::Internal(_) => "server_error",
        }
    }

    /// Seconds to wait before trying again, for the limits.
    pub fn retry_after_secs(&self) -> Option<u32> {
        match self {
            HandoffError::SmsTooSoon { secs }
            | HandoffError::CodeLimit { secs }
            | HandoffError::Busy { secs } => Some(*secs),
            _ => None,
        }
    }
}

// --- the provider ---

/// The person the session is for, as the form gives them. A vendor may use it (some compare
/// with the national database by name and number); the local provider echoes it as its reading.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    pub name: String,
    pub id_number: String,
}

impl std::fmt::Debug for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Subject(<redacted>)")
    }
}

/// What the portrait side says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrontReading {
    /// Empty when not readable.
    pub name: String,
    pub id_number: String,
    /// How the reading was made, for the record (the local provider says it read nothing).
    pub note: String,
}

/// What the emblem side says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackReading {
    /// 有效期限 as printed (`2015.03.01-2035.03.01`, `2015.03.01-长期`); `None` when the
    /// provider does not read it.
    pub validity: Option<String>,
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LivenessVerdict {
    /// `None`: passed.
    pub failure: Option<LivenessFailure>,
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaceComparison {
    pub matched: bool,
    /// The vendor's similarity score, 0–100; `None` when no real comparison was made.
    pub score: Option<f32>,
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifierError {
    /// The image cannot be used (not an image, too small): the phone retakes it.
    #[error("{0}")]
    Photo(PhotoProblem),
    /// The vendor did not answer or refused the request.
    #[error("identity provider unavailable: {0}")]
    Unavailable(String),
    /// Too much checking at once (the local provider's CPU pool, a vendor's rate limit): the
    /// phone tries again shortly.
    #[error("identity provider busy")]
    Busy,
}

/// ID-card OCR, active liveness and face comparison: the local provider by default, a vendor
/// (Tencent FaceID, Alibaba Cloud, …) as one more implementation. Images are JPEG or PNG bytes
/// that already passed the size and decode checks; implementations must not log them.
#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait IdentityVerifier: Send + Sync {
    /// A short name for the record: `local`, `tencent`, …
    fn provider(&self) -> &'static str;

    /// Reads name and ID number from a photo of the portrait side.
    async fn ocr_front(
        &self,
        subject: &Subject,
        image: &[u8],
    ) -> Result<FrontReading, VerifierError>;

    /// Reads the validity from a photo of the emblem side.
    async fn ocr_back(&self, subject: &Subject, image: &[u8])
    -> Result<BackReading, VerifierError>;

    /// Whether `frames` (in capture order: one looking straight at the camera, then at least
    /// one per prompt) show a live person following `prompts`.
    async fn liveness(
        &self,
        prompts: &[Prompt],
        frames: &[Vec<u8>],
    ) -> Result<LivenessVerdict, VerifierError>;

    /// Whether the face in `frame` is the one on the ID card's portrait side.
    async fn face_compare(
        &self,
        id_front: &[u8],
        frame: &[u8],
    ) -> Result<FaceComparison, VerifierError>;
}

// --- the service behind the routes ---

/// The handoff sessions. Desktop methods act only on applications `user` owns; phone methods
/// take the link's token and the device cookie's value (if the request had one).
#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait HandoffService: Send + Sync {
    /// A new link for the application, retiring any earlier one that is still pending. A
    /// session claimed by a phone and still running is retired only with `restart`.
    async fn create(
        &self,
        user: UserId,
        number: &str,
        restart: bool,
    ) -> Result<CreatedHandoff, HandoffError>;

    /// Texts a link for the pending session to the person's mobile number, opening with the
    /// project's SMS `signature`.
    async fn send_sms(
        &self,
        user: UserId,
        number: &str,
        signature: &str,
    ) -> Result<SmsSent, HandoffError>;

    /// The application's latest session, for the desktop.
    async fn status(&self, user: UserId, number: &str) -> Result<HandoffStatus, HandoffError>;

    /// The session behind `token`, as the device with `device` sees it. Never claims.
    async fn phone_state(
        &self,
        token: &str,
        device: Option<&str>,
    ) -> Result<PhoneState, HandoffError>;

    /// Binds the session to the asking device. Returns the state and, when the device is
    /// bound now, the new device secret to set as [`DEVICE_COOKIE`].
    async fn claim(
        &self,
        token: &str,
        device: Option<&str>,
    ) -> Result<(PhoneState, Option<String>), HandoffError>;

    async fn id_photo(
        &self,
        token: &str,
        device: Option<&str>,
        side: IdSide,
        image: Vec<u8>,
    ) -> Result<IdPhotoResult, HandoffError>;

    async fn start_liveness(
        &self,
        token: &str,
        device: Option<&str>,
    ) -> Result<LivenessChallenge, HandoffError>;

    async fn liveness(
        &self,
        token: &str,
        device: Option<&str>,
        challenge: &str,
        frames: Vec<Vec<u8>>,
    ) -> Result<LivenessResult, HandoffError>;

    /// The link for a short code typed on the phone, from `ip`.
    async fn redeem_code(
        &self,
        code: &str,
        ip: std::net::IpAddr,
    ) -> Result<CodeRedeemed, HandoffError>;
}
