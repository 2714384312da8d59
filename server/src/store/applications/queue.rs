//! The console's queue: every application, filtered by typed values, a page at a time.

use super::{SUMMARY, SummaryRow};
use crate::store::{Db, StoreError};

/// What the console's queue shows; every field narrows it.
#[derive(Clone, Debug, Default)]
pub struct QueueFilter {
    /// Any of these statuses; empty means every status.
    pub statuses: Vec<String>,
    pub project: Option<String>,
    /// A [`Business`](app::domain::business::Business) code.
    pub business: Option<String>,
    /// Submitted at or after, Unix seconds.
    pub from: Option<i64>,
    /// Submitted before, Unix seconds.
    pub to: Option<i64>,
    pub newest_first: bool,
}

#[derive(Clone, Copy, Debug)]
pub struct Page {
    /// From 1.
    pub number: i64,
    pub size: i64,
}

pub(super) async fn search(
    db: &Db,
    filter: &QueueFilter,
    page: Page,
) -> Result<(i64, Vec<SummaryRow>), StoreError> {
    // Typed binds for every value; only the count of statuses and the direction shape
    // the text.
    let statuses: Vec<String> = (0..filter.statuses.len())
        .map(|i| format!("${}", i + 5))
        .collect();
    let status_test = if statuses.is_empty() {
        String::new()
    } else {
        format!("AND status IN ({})", statuses.join(", "))
    };
    let conditions = format!(
        "WHERE (CAST($1 AS TEXT) IS NULL OR project_id = $1)
           AND (CAST($2 AS BIGINT) IS NULL OR submitted_at >= $2)
           AND (CAST($3 AS BIGINT) IS NULL OR submitted_at < $3)
           AND (CAST($4 AS TEXT) IS NULL OR business = $4) {status_test}"
    );
    let direction = if filter.newest_first { "DESC" } else { "ASC" };
    let count_sql = format!("SELECT COUNT(*) FROM applications {conditions}");
    let mut count = sqlx::query_scalar(&count_sql)
        .bind(filter.project.as_deref())
        .bind(filter.from)
        .bind(filter.to)
        .bind(filter.business.as_deref());
    for status in &filter.statuses {
        count = count.bind(status.as_str());
    }
    let total: i64 = count.fetch_one(db.pool()).await?;
    let next = filter.statuses.len() + 5;
    let rows_sql = format!(
        "SELECT {SUMMARY} FROM applications {conditions}
         ORDER BY CASE WHEN status IN ('awaiting_review', 'awaiting_transfer') THEN 0 ELSE 1 END,
                  submitted_at {direction}, id {direction}
         LIMIT ${next} OFFSET ${}",
        next + 1
    );
    let mut rows = sqlx::query_as(&rows_sql)
        .bind(filter.project.as_deref())
        .bind(filter.from)
        .bind(filter.to)
        .bind(filter.business.as_deref());
    for status in &filter.statuses {
        rows = rows.bind(status.as_str());
    }
    let rows = rows
        .bind(page.size)
        .bind((page.number.max(1) - 1) * page.size)
        .fetch_all(db.pool())
        .await?;
    Ok((total, rows))
}
