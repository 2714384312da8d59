//! The queue: the applications a reviewer has work in, filtered by status, project and day.

use std::collections::BTreeMap;

use app::domain::business::Business;
use app::domain::order::Status;
use app::services::applications::ApplicationStore;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::{ConsoleState, PAGE_SIZE, SignedIn, page, server_error, view};
use crate::store::applications::{Page, QueueFilter, SummaryRow};
use crate::store::time::{to_db, to_text};

#[derive(Deserialize, Default, Clone)]
pub(crate) struct QueueQuery {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub project: String,
    /// A business code; empty: every business.
    #[serde(default)]
    pub business: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub page: Option<i64>,
}

/// One line of the queue.
pub(crate) struct QueueRow {
    pub number: String,
    pub project: String,
    pub applicant: String,
    pub personal: bool,
    pub total_fen: i64,
    pub business: Business,
    pub status: Status,
    pub submitted_at: String,
}

/// The statuses a reviewer has work in, shown unless another filter is picked.
pub(super) const WORK: [Status; 2] = [Status::AwaitingReview, Status::AwaitingTransfer];

/// The instant the China calendar day `text` (`YYYY-MM-DD`) begins, plus `days`.
fn china_day(text: &str, days: i64) -> Option<i64> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(text.trim(), format).ok()?;
    let start = date
        .midnight()
        .assume_offset(time::macros::offset!(+8))
        .checked_add(time::Duration::days(days))?;
    Some(to_db(start))
}

pub(super) async fn queue(
    State(state): State<ConsoleState>,
    SignedIn(reviewer): SignedIn,
    Query(query): Query<QueueQuery>,
) -> Response {
    let mut filter = QueueFilter {
        newest_first: query.sort == "newest",
        ..QueueFilter::default()
    };
    let mut problems: BTreeMap<String, String> = BTreeMap::new();
    match query.status.as_str() {
        "" => filter.statuses = WORK.iter().map(|s| s.code().to_owned()).collect(),
        "all" => {}
        code => match Status::from_code(code) {
            Some(status) => filter.statuses = vec![status.code().to_owned()],
            None => {
                problems.insert("status".into(), "没有这个状态".into());
            }
        },
    }
    if !query.project.is_empty() {
        filter.project = Some(query.project.clone());
    }
    if !query.business.is_empty() {
        match Business::parse(&query.business) {
            Some(business) => filter.business = Some(business.code().to_owned()),
            None => {
                problems.insert("business".into(), "没有这项业务".into());
            }
        }
    }
    if !query.from.trim().is_empty() {
        filter.from = china_day(&query.from, 0);
        if filter.from.is_none() {
            problems.insert("from".into(), "日期格式应为 2025-03-01".into());
        }
    }
    if !query.to.trim().is_empty() {
        filter.to = china_day(&query.to, 1);
        if filter.to.is_none() {
            problems.insert("to".into(), "日期格式应为 2025-03-01".into());
        }
    }
    let page_no = query.page.unwrap_or(1).max(1);
    let page_of = Page {
        number: page_no,
        size: PAGE_SIZE,
    };
    let (total, rows) = match state.applications.search(&filter, page_of).await {
        Ok(found) => found,
        Err(error) => return server_error(error),
    };
    let mut lines = Vec::with_capacity(rows.len());
    for SummaryRow {
        number,
        project_id,
        status,
        total_fen,
        submitted_at,
        business,
    } in rows
    {
        let (applicant, personal) = match state.applications.by_number(&number).await {
            Ok(Some(found)) => (
                found.application.applicant_name().to_owned(),
                found.application.variant() == app::domain::application::Variant::NaturalPerson,
            ),
            Ok(None) => continue,
            Err(error) => return server_error(error),
        };
        let project = state
            .catalog
            .project(&project_id)
            .map_or(project_id.clone(), |p| p.name.clone());
        lines.push(QueueRow {
            number,
            project,
            applicant,
            personal,
            total_fen,
            business: Business::parse(&business).unwrap_or(Business::New),
            status: Status::from_code(&status).unwrap_or(Status::AwaitingReview),
            submitted_at: to_text(submitted_at),
        });
    }
    let projects: Vec<(String, String)> = state
        .catalog
        .projects()
        .map(|p| (p.id.clone(), p.name.clone()))
        .collect();
    page(
        StatusCode::OK,
        view::queue_page(
            &reviewer, &query, &projects, &lines, total, page_no, &problems,
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::console::china_time;

    #[test]
    fn times_show_in_china() {
        assert_eq!(china_time("2025-03-01T16:30:00.000Z"), "2025-03-02 00:30");
        assert_eq!(china_time("garbage"), "garbage");
        assert_eq!(
            china_day("2025-03-02", 0),
            Some(1_740_844_800) // 2025-03-01T16:00Z
        );
        assert_eq!(china_day("2025-03-02", 1), Some(1_740_931_200));
        assert_eq!(china_day("2025/03/02", 0), None);
    }
}
