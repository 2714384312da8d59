//! The statements several [`super::HandoffRepo`] methods share inside their transactions.

use app::domain::handoff::{FailReason, Stage};
use sqlx::AnyConnection;

use super::Change;
use crate::store::StoreError;

pub(super) const COLUMNS: &str = "h.id, h.person, h.subject, h.stage, h.failure, h.front_uploads, \
     h.back_uploads, h.failed_attempts, h.front_for_review, h.back_for_review, h.version, \
     h.device_hash, h.challenge, h.result, h.claim_deadline, h.session_deadline, h.ended_at";

/// Writes `change` if the row is still at `version`; whether it was.
pub(super) async fn write(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    change: &Change,
    now: i64,
) -> Result<bool, StoreError> {
    let state = &change.state;
    let claim = change.claim.as_ref();
    let written = sqlx::query(
        "UPDATE handoffs SET
             stage = $1, failure = $2, front_uploads = $3, back_uploads = $4,
             failed_attempts = $5, front_for_review = $6, back_for_review = $7,
             version = version + 1,
             device_hash = COALESCE($8, device_hash),
             claimed_at = COALESCE($9, claimed_at),
             session_deadline = COALESCE($10, session_deadline),
             challenge = CASE WHEN $11 = 1 THEN CAST($12 AS TEXT) ELSE challenge END,
             result = COALESCE($13, result),
             short_code = CASE WHEN $14 = 1 THEN short_code ELSE NULL END,
             ended_at = CASE WHEN $15 = 1 THEN CAST($16 AS BIGINT) ELSE NULL END,
             updated_at = $16
         WHERE id = $17 AND version = $18",
    )
    .bind(state.stage.code())
    .bind(state.failure.map(FailReason::code))
    .bind(i64::from(state.front_uploads))
    .bind(i64::from(state.back_uploads))
    .bind(i64::from(state.failed_attempts))
    .bind(i64::from(state.front_for_review))
    .bind(i64::from(state.back_for_review))
    .bind(claim.map(|c| c.device_hash.to_vec()))
    .bind(claim.map(|c| c.at))
    .bind(claim.map(|c| c.session_deadline))
    .bind(i64::from(change.challenge.is_some()))
    .bind(change.challenge.clone().flatten())
    .bind(change.result.clone())
    .bind(i64::from(state.stage == Stage::Pending))
    .bind(i64::from(state.stage.is_terminal()))
    .bind(now)
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if written == 0 {
        return Ok(false);
    }
    for step in &change.steps {
        sqlx::query(
            "INSERT INTO handoff_steps (handoff_id, kind, detail, at) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(step.code())
        .bind(step.detail())
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(true)
}

pub(super) async fn insert_token(
    conn: &mut AnyConnection,
    token_hash: &[u8; 32],
    handoff_id: i64,
    channel: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO handoff_tokens (token_hash, handoff_id, channel, created_at)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(&token_hash[..])
    .bind(handoff_id)
    .bind(channel)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A session completed and not sent back since by the current rejection asking for identity.
pub(super) const COMPLETED: &str = "SELECT CASE WHEN EXISTS (
    SELECT 1 FROM handoffs h WHERE h.application_id = $1 AND h.stage = 'completed'
    AND NOT EXISTS (
        SELECT 1 FROM applications a
        JOIN rejection_flags f ON f.application_id = a.id AND f.item = 'identity'
        JOIN order_events e ON e.id = f.event_id
        WHERE a.id = $1 AND a.status = 'rejected'
          AND f.event_id = (SELECT MAX(event_id) FROM rejection_flags WHERE application_id = $1)
          AND e.at >= h.ended_at)) THEN 1 ELSE 0 END";
