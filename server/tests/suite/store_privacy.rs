//! The privacy-request and retention repositories on both engines: requests, their one-time
//! completion, and the erasure of an account or a cancelled application across its tables.

use crate::common;

use std::sync::Arc;

use common::seed;
use server::store::Db;
use server::store::erase::Removed;
use server::store::privacy::{CLOSE_ACCOUNT, Done, PrivacyRepo, WITHDRAW_CONSENT};
use server::store::retention::RetentionRepo;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::SessionStore;

fn words(done: &Done) -> String {
    format!("{done:?}")
}

async fn exec(db: &Db, sql: &str, id: i64) {
    sqlx::query(sql).bind(id).execute(db.pool()).await.unwrap();
}

async fn count(db: &Db, sql: &str, id: i64) -> i64 {
    seed::count(db, sql, id).await
}

async fn reviewer(db: &Db) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO reviewers (login, name, role, password_hash, created_at)
         VALUES ('r1', '审核员甲', 'reviewer', 'x', 0) RETURNING id",
    )
    .fetch_one(db.pool())
    .await
    .unwrap()
}

async fn consent(db: &Db, user: i64) {
    sqlx::query(
        "INSERT INTO consents (user_id, document, version, ip, accepted_at)
         VALUES ($1, 'privacy', $2, '127.0.0.1', 0)",
    )
    .bind(user)
    .bind("a".repeat(64))
    .execute(db.pool())
    .await
    .unwrap();
}

/// The session store's table, as the server creates it, with a session signed in as each user.
async fn sessions(db: &Db, users: &[i64]) {
    let store = server::store::sessions::SessionStore::new(db).unwrap();
    for (i, &user) in users.iter().enumerate() {
        let mut record = Record {
            id: Id(i as i128 + 1),
            data: Default::default(),
            expiry_date: time::OffsetDateTime::now_utc() + time::Duration::days(1),
        };
        record
            .data
            .insert(app::api::session::USER_KEY.into(), user.into());
        store.create(&mut record).await.unwrap();
    }
}

/// A cancelled application with a scan, a phone-step session with a photo, a payment, a
/// timeline line and a reviewer's audit line; returns its id.
async fn cancelled(db: &Db, user: i64, number: &str, reviewer: i64) -> i64 {
    let id = seed::application(db, user, number, "cancelled").await;
    let scan = sqlx::query(
        "INSERT INTO materials (application_id, slot, object, kind, size, file_name, uploaded_at)
         VALUES ($1, 'license', $2, 'jpeg', 1, $3, 0)",
    )
    .bind(id)
    .bind(format!("{id:064}"))
    .bind(vec![1u8]);
    scan.execute(db.pool()).await.unwrap();
    let handoff: i64 = sqlx::query_scalar(
        "INSERT INTO handoffs (application_id, person, subject, stage, created_at,
                               claim_deadline, updated_at)
         VALUES ($1, 'agent', $2, 'pending', 0, 0, 0) RETURNING id",
    )
    .bind(id)
    .bind(vec![0u8])
    .fetch_one(db.pool())
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO handoff_files (handoff_id, kind, seq, object, size, width, height, stored_at)
         VALUES ($1, 'id_front', 0, $2, 1, 1, 1, 0)",
    )
    .bind(handoff)
    .bind(format!("p{handoff:063}"))
    .execute(db.pool())
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO handoff_tokens (handoff_id, token_hash, channel, created_at)
         VALUES ($1, $2, 'qr', 0)",
    )
    .bind(handoff)
    .bind(vec![handoff as u8; 32])
    .execute(db.pool())
    .await
    .unwrap();
    exec(
        db,
        "INSERT INTO handoff_steps (handoff_id, kind, at) VALUES ($1, 'opened', 0)",
        handoff,
    )
    .await;
    for sql in [
        "INSERT INTO order_events (application_id, event, from_status, to_status, actor, at)
         VALUES ($1, 'cancel', 'awaiting_payment', 'cancelled', 'applicant', 0)",
        "INSERT INTO payments (out_trade_no, application_id, provider, method, amount_fen, state,
                               code_url, expires_at, created_at)
         VALUES ('T' || CAST($1 AS TEXT), $1, 'local', 'wechat', 1, 'closed', 'u', 0, 0)",
    ] {
        exec(db, sql, id).await;
    }
    sqlx::query(
        "INSERT INTO reviewer_audit (reviewer_id, application_id, action, at)
         VALUES ($1, $2, 'viewed', 0)",
    )
    .bind(reviewer)
    .bind(id)
    .execute(db.pool())
    .await
    .unwrap();
    id
}

fn objects(id: i64, handoff_photo: &str) -> Removed {
    Removed {
        scans: vec![format!("{id:064}")],
        photos: vec![handoff_photo.to_owned()],
    }
}

#[tokio::test]
async fn a_request_is_open_once_per_kind_and_completed_once() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let engine = db.engine();
        let user = seed::user(&db, 1).await;
        let reviewer = reviewer(&db).await;
        seed::application(&db, user, "A1", "awaiting_review").await;
        seed::application(&db, user, "A2", "cancelled").await;
        consent(&db, user).await;
        assert_eq!(db.kept(user).await.unwrap(), ["A1"]);

        assert!(db.request(user, WITHDRAW_CONSENT, 10).await.unwrap());
        assert!(
            !db.request(user, WITHDRAW_CONSENT, 11).await.unwrap(),
            "{engine:?}"
        );
        let pending = db.pending().await.unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(
            (pending[0].user_id, pending[0].requested_at),
            (Some(user), 10)
        );

        let id = pending[0].id;
        let completion = db
            .complete(id, reviewer, 20, &words)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(completion.kind, WITHDRAW_CONSENT);
        assert_eq!(completion.done, Done::Withdrawn { consents: 1 });
        assert_eq!(completion.outcome, "Withdrawn { consents: 1 }");
        assert_eq!(completion.removed, Removed::default());
        assert_eq!(db.complete(id, reviewer, 21, &words).await.unwrap(), None);
        let withdrawn = "SELECT COUNT(*) FROM consents WHERE user_id = $1 AND withdrawn_at = 20";
        assert_eq!(count(&db, withdrawn, user).await, 1);

        let done = db.completed(10).await.unwrap();
        assert_eq!((done[0].id, done[0].completed_at), (id, 20));
        assert_eq!(done[0].reviewer, "审核员甲");
        assert_eq!(
            done[0].outcome.as_deref(),
            Some("Withdrawn { consents: 1 }")
        );
        assert!(db.pending().await.unwrap().is_empty());
        // Completed, so the kind can be asked for again.
        assert!(db.request(user, WITHDRAW_CONSENT, 30).await.unwrap());
        let mine = db.requests_of(user).await.unwrap();
        assert_eq!(mine.len(), 2);
        assert_eq!((mine[0].requested_at, mine[0].completed_at), (30, None));
        assert_eq!(mine[1].completed_at, Some(20));
    }
}

#[tokio::test]
async fn closing_an_account_erases_it_all_at_once_and_keeps_the_certification_records() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let engine = db.engine();
        let (user, other) = (seed::user(&db, 1).await, seed::user(&db, 2).await);
        let reviewer = reviewer(&db).await;
        seed::application(&db, user, "A1", "awaiting_review").await;
        let gone = cancelled(&db, user, "A2", reviewer).await;
        sqlx::query(
            "INSERT INTO drafts (user_id, project_id, data, step, created_at, saved_at)
             VALUES ($1, 'open', $2, 'org', 0, 0)",
        )
        .bind(user)
        .bind(vec![0u8])
        .execute(db.pool())
        .await
        .unwrap();
        consent(&db, user).await;
        sqlx::query(
            "INSERT INTO session_handovers (token_hash, user_id, path, expires_at)
             VALUES ($1, $2, '/p/x', 0)",
        )
        .bind(vec![9u8; 32])
        .bind(user)
        .execute(db.pool())
        .await
        .unwrap();
        sessions(&db, &[user, other, user]).await;
        db.request(user, WITHDRAW_CONSENT, 10).await.unwrap();
        db.request(user, CLOSE_ACCOUNT, 11).await.unwrap();
        let close = db.pending().await.unwrap()[1].id;

        let photo: String = sqlx::query_scalar(
            "SELECT f.object FROM handoff_files f JOIN handoffs h ON h.id = f.handoff_id
             WHERE h.application_id = $1",
        )
        .bind(gone)
        .fetch_one(db.pool())
        .await
        .unwrap();
        let completion = db.complete(close, reviewer, 20, &words).await.unwrap();
        let completion = completion.unwrap_or_else(|| panic!("{engine:?}"));
        assert_eq!(
            completion.done,
            Done::Closed {
                drafts: 1,
                cancelled: 1,
                sessions: 2,
                kept: vec!["A1".into()],
            },
            "{engine:?}"
        );
        assert_eq!(completion.removed, objects(gone, &photo));
        // The withdrawal is answered by the closure.
        assert!(db.pending().await.unwrap().is_empty());

        for (sql, left) in [
            ("SELECT COUNT(*) FROM applications WHERE user_id = $1", 1),
            ("SELECT COUNT(*) FROM drafts WHERE user_id = $1", 1),
            ("SELECT COUNT(*) FROM consents WHERE user_id = $1", 0),
            (
                "SELECT COUNT(*) FROM session_handovers WHERE user_id = $1",
                0,
            ),
            (
                "SELECT COUNT(*) FROM users
                 WHERE id = $1 AND closed_at = 20 AND mobile_index IS NULL
                   AND mobile_sealed IS NULL AND last_login_ip = ''",
                1,
            ),
        ] {
            assert_eq!(count(&db, sql, user).await, left, "{engine:?}: {sql}");
        }
        for sql in [
            "SELECT COUNT(*) FROM materials WHERE application_id = $1",
            "SELECT COUNT(*) FROM handoffs WHERE application_id = $1",
            "SELECT COUNT(*) FROM payments WHERE application_id = $1",
            "SELECT COUNT(*) FROM order_events WHERE application_id = $1",
            "SELECT COUNT(*) FROM reviewer_audit WHERE application_id = $1",
        ] {
            assert_eq!(count(&db, sql, gone).await, 0, "{engine:?}: {sql}");
        }
        assert_eq!(
            count(
                &db,
                "SELECT COUNT(*) FROM reviewer_audit WHERE reviewer_id = $1",
                reviewer
            )
            .await,
            1,
            "the audit line stays without its link"
        );
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tower_sessions")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(left, 1, "the other user's session stays");
    }
}

#[tokio::test]
async fn an_account_with_nothing_to_keep_is_deleted() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let user = seed::user(&db, 1).await;
        let reviewer = reviewer(&db).await;
        sessions(&db, &[]).await;
        db.request(user, CLOSE_ACCOUNT, 10).await.unwrap();
        let id = db.pending().await.unwrap()[0].id;
        db.complete(id, reviewer, 20, &words)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM users WHERE id = $1", user).await,
            0
        );
        let done = "SELECT COUNT(*) FROM privacy_requests WHERE id = $1 AND user_id IS NULL";
        assert_eq!(count(&db, done, id).await, 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reviewers_completing_one_request_at_once_complete_it_once() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let user = seed::user(&db, 1).await;
        let reviewer = reviewer(&db).await;
        seed::application(&db, user, "A1", "awaiting_review").await;
        cancelled(&db, user, "A2", reviewer).await;
        sessions(&db, &[user]).await;
        db.request(user, CLOSE_ACCOUNT, 10).await.unwrap();
        let id = db.pending().await.unwrap()[0].id;
        let db = Arc::new(db);
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let db = db.clone();
                tokio::spawn(async move { db.complete(id, reviewer, 20, &words).await })
            })
            .collect();
        let mut completed = 0;
        for task in tasks {
            completed += usize::from(task.await.unwrap().unwrap().is_some());
        }
        assert_eq!(completed, 1, "{:?}", db.engine());
    }
}

#[tokio::test]
async fn retention_deletes_what_is_past_its_period_and_only_that() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let user = seed::user(&db, 1).await;
        let reviewer = reviewer(&db).await;
        for (project, saved_at) in [("old", 10), ("new", 30)] {
            sqlx::query(
                "INSERT INTO drafts (user_id, project_id, data, step, created_at, saved_at)
                 VALUES ($1, $2, $3, 'org', 0, $4)",
            )
            .bind(user)
            .bind(project)
            .bind(vec![0u8])
            .bind(saved_at)
            .execute(db.pool())
            .await
            .unwrap();
        }
        for sent_at in [10, 30] {
            sqlx::query("INSERT INTO sms_outbox (kind, text, sent_at) VALUES ('notice', 'x', $1)")
                .bind(sent_at)
                .execute(db.pool())
                .await
                .unwrap();
        }
        let kept = seed::application(&db, user, "A1", "awaiting_review").await;
        let gone = cancelled(&db, user, "A2", reviewer).await;

        // Submitted drafts stay whatever their age.
        assert_eq!(db.purge_drafts(20).await.unwrap(), 1);
        assert_eq!(db.purge_drafts(20).await.unwrap(), 0);
        assert_eq!(db.purge_outbox(20).await.unwrap(), 1);
        assert_eq!(db.cancelled_before(1).await.unwrap(), [gone]);
        assert!(db.cancelled_before(0).await.unwrap().is_empty());

        assert_eq!(db.erase_cancelled(kept).await.unwrap(), Removed::default());
        let removed = db.erase_cancelled(gone).await.unwrap();
        assert_eq!(removed.scans, [format!("{gone:064}")], "{:?}", db.engine());
        assert_eq!(removed.photos.len(), 1);
        assert_eq!(db.erase_cancelled(gone).await.unwrap(), Removed::default());
        let left = "SELECT COUNT(*) FROM applications WHERE user_id = $1";
        assert_eq!(count(&db, left, user).await, 1);
        let drafts = "SELECT COUNT(*) FROM drafts WHERE user_id = $1";
        assert_eq!(
            count(&db, drafts, user).await,
            2,
            "the kept one's and the new one"
        );
    }
}
