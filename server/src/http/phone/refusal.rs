//! The handoff's refusals as HTTP answers: each [`HandoffError`] keeps its code and sentence,
//! with the status that says what the client can do about it.

use app::domain::handoff::PhotoProblem;
use app::services::handoff::HandoffError;
use axum::http::StatusCode;

use crate::http::answer::HttpError;

impl From<HandoffError> for HttpError {
    fn from(error: HandoffError) -> Self {
        let status = status(&error);
        if let HandoffError::Internal(cause) = &error {
            return HttpError::internal(cause);
        }
        let mut answer = HttpError::new(status, error.code(), error.to_string());
        if let Some(secs) = error.retry_after_secs() {
            answer = answer.retry_after(secs);
        }
        match error {
            HandoffError::WrongStep { stage } => answer.with("stage", stage),
            HandoffError::Failed(reason) => {
                answer.with("failure", app::services::handoff::FailureView::from(reason))
            }
            _ => answer,
        }
    }
}

fn status(error: &HandoffError) -> StatusCode {
    match error {
        HandoffError::NotFound | HandoffError::UnknownToken | HandoffError::CodeUnknown => {
            StatusCode::NOT_FOUND
        }
        HandoffError::Expired | HandoffError::Completed | HandoffError::Failed(_) => {
            StatusCode::GONE
        }
        HandoffError::OtherDevice => StatusCode::FORBIDDEN,
        HandoffError::NotClaimed
        | HandoffError::WrongStep { .. }
        | HandoffError::InProgress
        | HandoffError::AlreadyCompleted
        | HandoffError::NoPendingHandoff
        | HandoffError::ChallengeStale
        | HandoffError::Conflict => StatusCode::CONFLICT,
        HandoffError::SmsTooSoon { .. }
        | HandoffError::SmsDailyLimit
        | HandoffError::CodeLimit { .. } => StatusCode::TOO_MANY_REQUESTS,
        HandoffError::SmsFailed | HandoffError::VerifierUnavailable | HandoffError::Busy { .. } => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        HandoffError::Photo(PhotoProblem::TooLarge { .. }) => StatusCode::PAYLOAD_TOO_LARGE,
        HandoffError::Photo(PhotoProblem::NotImage) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        HandoffError::Photo(_) | HandoffError::FrameCount { .. } => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        HandoffError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}
