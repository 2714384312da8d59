//! The signed-in applicant of a request to the server's own routes (uploads, the handoff, the
//! server-rendered PDFs), and the one check that an application a path names is theirs.

use app::api::session::USER_KEY;
use app::domain::catalog::Project;
use app::services::applications::SubmittedApplication;
use app::services::login::UserId;
use app::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use tower_sessions::Session;

use crate::http::answer::HttpError;

/// The signed-in applicant, as a handler argument; without one the request is refused with
/// 401 `unauthenticated` (take `Result<CurrentUser, HttpError>` to answer otherwise, e.g. a
/// redirect to the login page).
#[derive(Clone, Copy, Debug)]
pub struct CurrentUser(pub UserId);

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, HttpError> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, cause)| HttpError::internal(cause))?;
        session
            .get::<i64>(USER_KEY)
            .await
            .map_err(HttpError::internal)?
            .map(|id| Self(UserId(id)))
            .ok_or_else(HttpError::sign_in)
    }
}

/// `user`'s application `number` in `project`, with the project. Someone else's application,
/// one in another project and an unknown project all answer the same 404, `not_found`.
pub async fn owned<'a>(
    state: &'a AppState,
    user: UserId,
    project: &str,
    number: &str,
    not_found: &str,
) -> Result<(&'a Project, SubmittedApplication), HttpError> {
    let missing = || HttpError::not_found(not_found);
    let project = state.catalog.project(project).ok_or_else(missing)?;
    let submitted = state
        .applications
        .submitted(user, number)
        .await?
        .filter(|a| a.project_id == project.id)
        .ok_or_else(missing)?;
    Ok((project, submitted))
}
