//! The admin's page: the reviewer accounts and the recent audit log.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::{ConsoleState, SignedIn, page, server_error, view};
use crate::service::reviewers::Role;

/// One line of the admin's audit log: at, reviewer, action, detail, application number.
pub(crate) type AuditLine = (String, String, String, Option<String>, Option<String>);

pub(super) async fn reviewers_page(
    State(state): State<ConsoleState>,
    SignedIn(reviewer): SignedIn,
) -> Response {
    if reviewer.role != Role::Admin {
        return page(
            StatusCode::FORBIDDEN,
            view::message_page(
                Some(&reviewer),
                "无权访问",
                "只有管理员可以查看审核员账户。",
            ),
        );
    }
    let accounts = match state.reviewers.list().await {
        Ok(accounts) => accounts,
        Err(error) => return server_error(error),
    };
    let recent: Vec<AuditLine> = match state.reviewers.recent_audit(100).await {
        Ok(lines) => lines,
        Err(error) => return server_error(error),
    };
    let now = state.clock.now().unix_timestamp();
    page(
        StatusCode::OK,
        view::reviewers_page(&reviewer, &accounts, &recent, now),
    )
}
