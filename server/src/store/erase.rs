//! Deleting a whole application with every row that hangs off it, inside the caller's
//! transaction: for the retention jobs ([`super::retention`]) and account closure
//! ([`super::privacy`]).

use sqlx::AnyConnection;

use super::{Engine, StoreError};

/// The storage objects rows named before they were deleted, to delete once committed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Removed {
    /// Uploaded scans: content-addressed, so another application may still name one.
    pub scans: Vec<String>,
    /// Phone-step ID photos and liveness frames: each named by exactly one row.
    pub photos: Vec<String>,
}

impl Removed {
    pub fn extend(&mut self, other: Removed) {
        self.scans.extend(other.scans);
        self.photos.extend(other.photos);
    }
}

/// Deletes application `id`, the draft it was submitted from, its scans' rows, its phone-step
/// sessions, payments, financial checks and timeline. The reviewers' audit lines stay (who
/// looked at what is their record) without the link.
pub(super) async fn application(
    conn: &mut AnyConnection,
    engine: Engine,
    id: i64,
) -> Result<Removed, StoreError> {
    // The draft names the application and the application its draft; checked at commit.
    let defer = match engine {
        Engine::Sqlite => "PRAGMA defer_foreign_keys = ON",
        Engine::Postgres => "SET CONSTRAINTS ALL DEFERRED",
    };
    sqlx::query(defer).execute(&mut *conn).await?;
    let scans =
        sqlx::query_scalar("DELETE FROM materials WHERE application_id = $1 RETURNING object")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    let photos = sqlx::query_scalar(
        "DELETE FROM handoff_files
         WHERE handoff_id IN (SELECT id FROM handoffs WHERE application_id = $1)
         RETURNING object",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    for sql in [
        "DELETE FROM handoff_tokens
         WHERE handoff_id IN (SELECT id FROM handoffs WHERE application_id = $1)",
        "DELETE FROM handoff_steps
         WHERE handoff_id IN (SELECT id FROM handoffs WHERE application_id = $1)",
        "DELETE FROM handoffs WHERE application_id = $1",
        "DELETE FROM certificate_holds WHERE application_id = $1
         OR certificate_id IN (SELECT id FROM certificates WHERE application_id = $1)",
        "DELETE FROM order_certificates WHERE application_id = $1
         OR certificate_id IN (SELECT id FROM certificates WHERE application_id = $1)",
        "DELETE FROM certificate_reminders
         WHERE certificate_id IN (SELECT id FROM certificates WHERE application_id = $1)",
        "DELETE FROM certificates WHERE application_id = $1",
        "DELETE FROM rejection_flags WHERE application_id = $1",
        "DELETE FROM order_events WHERE application_id = $1",
        "DELETE FROM payments WHERE application_id = $1",
        "DELETE FROM bank_checks WHERE application_id = $1",
        "UPDATE reviewer_audit SET application_id = NULL WHERE application_id = $1",
    ] {
        sqlx::query(sql).bind(id).execute(&mut *conn).await?;
    }
    // The application before its draft: the draft's name for it is the deferred check.
    let draft: Option<Option<i64>> =
        sqlx::query_scalar("DELETE FROM applications WHERE id = $1 RETURNING draft_id")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    sqlx::query("DELETE FROM drafts WHERE id = $1")
        .bind(draft.flatten())
        .execute(&mut *conn)
        .await?;
    Ok(Removed { scans, photos })
}
