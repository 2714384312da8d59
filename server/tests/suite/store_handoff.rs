//! The handoff repository on both engines: sessions, the version-guarded write, links, files,
//! short codes and the purge.

use crate::common;

use app::domain::handoff::{Event, HandoffState, IdSide, Role, Stage};
use common::handoff::{T0, application, change, codes, file, open, opened};
use server::store::handoff::{
    Claim, CodeLimit, Created, Ending, HandoffRepo, HandoffRow, Redeemed, SmsLimits, SmsToken,
};

#[tokio::test]
async fn sessions_open_with_a_free_code_and_a_new_one_ends_the_running_one() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let engine = db.engine();
        let app = application(&db, "SQ202503010001").await;
        let (first, code) = opened(open(&db, app, 1, &codes(&["111111"]), &[]).await);
        assert_eq!(code, "111111");
        let row = db.by_id(first).await.unwrap().unwrap();
        assert_eq!(row.state().unwrap(), HandoffState::default());
        assert_eq!((row.version, row.role().unwrap()), (1, Role::Agent));
        assert_eq!(row.subject, format!("subject of {first}").into_bytes());
        assert_eq!(db.by_token(&[1; 32]).await.unwrap().unwrap().id, first);
        assert!(db.by_token(&[9; 32]).await.unwrap().is_none());
        assert_eq!(
            db.application("SQ202503010001", None).await.unwrap(),
            Some(app)
        );
        assert_eq!(
            db.application("SQ202503010001", Some(-1)).await.unwrap(),
            None
        );

        // Another session while one runs and is not ended with it: refused, nothing written.
        let other = codes(&["222222"]);
        assert_eq!(
            open(&db, app, 2, &other, &[]).await,
            Created::Stale,
            "{engine:?}"
        );
        let ending = |row: &HandoffRow, version| Ending {
            id: row.id,
            version,
            change: change(row, Event::Supersede),
        };
        let stale = [ending(&row, 7)];
        assert_eq!(open(&db, app, 2, &other, &stale).await, Created::Stale);
        assert_eq!(db.running(app).await.unwrap().len(), 1);
        assert!(db.by_token(&[2; 32]).await.unwrap().is_none());

        // Ended with it: the old code is free again and a taken one is skipped.
        let (second, code) = opened(
            open(
                &db,
                app,
                2,
                &codes(&["111111", "333333"]),
                &[ending(&row, 1)],
            )
            .await,
        );
        assert_eq!(
            code, "111111",
            "{engine:?}: the superseded session's code is free"
        );
        let old = db.by_id(first).await.unwrap().unwrap();
        assert_eq!(old.state().unwrap().stage, Stage::Expired);
        assert_eq!((old.version, old.ended_at), (2, Some(T0)));
        assert!(db.has_step(first, "superseded").await.unwrap());
        assert!(!db.has_step(second, "superseded").await.unwrap());
        let steps = db.steps(first).await.unwrap();
        assert_eq!(steps.len(), 1);
        assert_eq!((steps[0].kind.as_str(), steps[0].at), ("superseded", T0));
        let running = db.running(app).await.unwrap();
        assert_eq!(running.iter().map(|r| r.id).collect::<Vec<_>>(), [second]);
        assert_eq!(db.latest(app).await.unwrap().unwrap().id, second);
        let other_app = application(&db, "SQ202503010009").await;
        let (_, code) = opened(open(&db, other_app, 3, &codes(&["111111", "333333"]), &[]).await);
        assert_eq!(
            code, "333333",
            "{engine:?}: a waiting session's code is taken"
        );
    }
}

#[tokio::test]
async fn a_completed_session_counts_until_a_rejection_asks_for_identity_again() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let pool = db.pool();
        let app = application(&db, "SQ202503010002").await;
        let (id, _) = opened(open(&db, app, 1, &codes(&["444444"]), &[]).await);
        assert!(!db.completed(app).await.unwrap());
        sqlx::query("UPDATE handoffs SET stage = 'completed', ended_at = $1 WHERE id = $2")
            .bind(T0 + 100)
            .bind(id)
            .execute(pool)
            .await
            .unwrap();
        assert!(db.completed(app).await.unwrap());
        assert_eq!(
            open(&db, app, 2, &codes(&["555555"]), &[]).await,
            Created::AlreadyCompleted
        );

        let reject = |at: i64, item: &'static str| async move {
            let event: i64 = sqlx::query_scalar(
                "INSERT INTO order_events (application_id, event, from_status, to_status, actor, at)
                 VALUES ($1, 'reject', 'submitted', 'rejected', 'reviewer', $2) RETURNING id",
            )
            .bind(app)
            .bind(at)
            .fetch_one(pool)
            .await
            .unwrap();
            sqlx::query(
                "INSERT INTO rejection_flags (application_id, event_id, item, label, reason)
                 VALUES ($1, $2, $3, 'x', 'y')",
            )
            .bind(app)
            .bind(event)
            .bind(item)
            .execute(pool)
            .await
            .unwrap();
            sqlx::query("UPDATE applications SET status = 'rejected' WHERE id = $1")
                .bind(app)
                .execute(pool)
                .await
                .unwrap();
        };
        // A rejection about something else leaves the check done.
        reject(T0 + 200, "org").await;
        assert!(db.completed(app).await.unwrap());
        // One asking for identity after it reopens it; a new session may start.
        reject(T0 + 300, "identity").await;
        assert!(!db.completed(app).await.unwrap());
        opened(open(&db, app, 2, &codes(&["555555"]), &[]).await);
    }
}

#[tokio::test]
async fn writes_need_the_version_read_and_replace_the_files_of_their_kind() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let engine = db.engine();
        let app = application(&db, "SQ202503010003").await;
        let (id, _) = opened(open(&db, app, 1, &codes(&["666666"]), &[]).await);
        let row = db.by_id(id).await.unwrap().unwrap();
        let mut claim = change(&row, Event::Claim);
        claim.claim = Some(Claim {
            device_hash: [5; 32],
            at: T0 + 10,
            session_deadline: T0 + 1000,
        });
        claim.result = Some(b"sealed".to_vec());
        let written = db.write_if_version(id, 1, &claim, None, T0 + 10).await;
        assert_eq!(written.unwrap(), Some(Vec::new()), "{engine:?}");
        assert_eq!(
            db.write_if_version(id, 1, &claim, None, T0).await.unwrap(),
            None
        );
        let row = db.by_id(id).await.unwrap().unwrap();
        assert_eq!(row.state().unwrap().stage, Stage::Opened);
        assert_eq!(row.version, 2);
        assert_eq!(row.device_hash, Some(vec![5; 32]));
        assert_eq!(
            (row.session_deadline, row.ended_at),
            (Some(T0 + 1000), None)
        );
        assert_eq!(row.result.as_deref(), Some(&b"sealed"[..]));
        // A claimed session's short code is gone.
        let code = db
            .redeem_code("ip", Some("666666"), &[7; 32], T0, limit())
            .await;
        assert_eq!(code.unwrap(), Redeemed::Unknown);

        // The liveness prompts need the version too and do not raise it.
        assert!(db.set_challenge(id, 2, "{}").await.unwrap());
        assert!(!db.set_challenge(id, 1, "[]").await.unwrap());
        let row = db.by_id(id).await.unwrap().unwrap();
        assert_eq!((row.version, row.challenge.as_deref()), (2, Some("{}")));

        // A photo, then a retake: the first object comes back to be deleted.
        let photo = change(
            &row,
            Event::IdPhoto {
                side: IdSide::Front,
                clean: false,
            },
        );
        let front = Some(("id_front", &[file(1)][..]));
        assert_eq!(
            db.write_if_version(id, 2, &photo, front, T0).await.unwrap(),
            Some(vec![])
        );
        let row = db.by_id(id).await.unwrap().unwrap();
        assert_eq!(
            row.challenge.as_deref(),
            Some("{}"),
            "a change without one keeps it"
        );
        let retake = change(
            &row,
            Event::IdPhoto {
                side: IdSide::Front,
                clean: true,
            },
        );
        let front = Some(("id_front", &[file(2)][..]));
        let old = db
            .write_if_version(id, 3, &retake, front, T0)
            .await
            .unwrap();
        assert_eq!(old, Some(vec![file(1).object]), "{engine:?}");
        let lost = Some(("id_front", &[file(3)][..]));
        assert_eq!(
            db.write_if_version(id, 3, &retake, lost, T0).await.unwrap(),
            None
        );
        assert_eq!(db.file(id, "id_front").await.unwrap(), Some(file(2).object));
        assert_eq!(db.file(id, "id_back").await.unwrap(), None);
        let frames = [file(4), file(5)];
        let mut clear = change(&db.by_id(id).await.unwrap().unwrap(), Event::Expire);
        clear.challenge = Some(None);
        db.write_if_version(id, 4, &clear, Some(("frame", &frames)), T0 + 20)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(db.file(id, "frame").await.unwrap(), Some(file(5).object));
        assert_eq!(db.file_kinds(id).await.unwrap(), ["frame", "id_front"]);
        let latest = db.latest_file("SQ202503010003", "id_front").await.unwrap();
        assert_eq!(latest, Some(file(2).object));
        assert_eq!(db.latest_file("SQ-none", "id_front").await.unwrap(), None);
        let row = db.by_id(id).await.unwrap().unwrap();
        assert_eq!(row.challenge, None);
        assert_eq!(
            (row.stage.as_str(), row.ended_at),
            ("expired", Some(T0 + 20))
        );
        let kinds: Vec<String> = db
            .steps(id)
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.kind)
            .collect();
        assert_eq!(
            kinds.first().map(String::as_str),
            Some("connected"),
            "{kinds:?}"
        );
        assert_eq!(
            kinds.last().map(String::as_str),
            Some("expired"),
            "{kinds:?}"
        );
    }
}

#[tokio::test]
async fn text_message_links_keep_to_the_interval_and_the_daily_limit() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let engine = db.engine();
        let app = application(&db, "SQ202503010004").await;
        let (id, _) = opened(open(&db, app, 1, &codes(&["777777"]), &[]).await);
        let limits = SmsLimits {
            resend_secs: 60,
            per_day: 2,
            day_start: T0 - 3600,
        };
        let send = |token: u8, at: i64| {
            let db = &db;
            async move { db.add_sms_token(app, id, &[token; 32], at, limits).await }
        };
        assert_eq!(send(10, T0).await.unwrap(), SmsToken::Added);
        assert_eq!(
            send(11, T0 + 59).await.unwrap(),
            SmsToken::TooSoon { last: T0 },
            "{engine:?}"
        );
        assert_eq!(send(11, T0 + 60).await.unwrap(), SmsToken::Added);
        assert_eq!(send(12, T0 + 200).await.unwrap(), SmsToken::DailyLimit);
        assert_eq!(db.by_token(&[11; 32]).await.unwrap().unwrap().id, id);
        db.delete_token(&[11; 32]).await.unwrap();
        assert!(db.by_token(&[11; 32]).await.unwrap().is_none());
        // The next day counts afresh (the QR link never counted).
        let tomorrow = SmsLimits {
            day_start: T0 + 3600,
            ..limits
        };
        let next = db
            .add_sms_token(app, id, &[12; 32], T0 + 3600, tomorrow)
            .await;
        assert_eq!(next.unwrap(), SmsToken::Added);
    }
}

fn limit() -> CodeLimit {
    CodeLimit {
        failures: 3,
        window_start: T0 - 900,
    }
}

#[tokio::test]
async fn a_short_code_opens_once_and_wrong_ones_are_limited_per_address() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let engine = db.engine();
        let app = application(&db, "SQ202503010005").await;
        let (id, _) = opened(open(&db, app, 1, &codes(&["888888"]), &[]).await);
        let redeem = |ip: &'static str, code: Option<&'static str>, token: u8| {
            let db = &db;
            async move { db.redeem_code(ip, code, &[token; 32], T0, limit()).await }
        };
        assert_eq!(
            redeem("a", Some("888888"), 20).await.unwrap(),
            Redeemed::Opened { handoff_id: id }
        );
        assert_eq!(db.by_token(&[20; 32]).await.unwrap().unwrap().id, id);
        assert_eq!(
            redeem("a", Some("888888"), 21).await.unwrap(),
            Redeemed::Unknown
        );
        assert_eq!(
            redeem("a", Some("000001"), 21).await.unwrap(),
            Redeemed::Unknown
        );
        assert_eq!(
            redeem("a", None, 21).await.unwrap(),
            Redeemed::Unknown,
            "not counted"
        );
        assert_eq!(
            redeem("a", Some("000002"), 21).await.unwrap(),
            Redeemed::Unknown
        );
        let limited = Redeemed::Limited { oldest: T0 };
        assert_eq!(
            redeem("a", Some("000003"), 21).await.unwrap(),
            limited,
            "{engine:?}"
        );
        assert_eq!(redeem("a", None, 21).await.unwrap(), limited);
        assert_eq!(
            redeem("b", Some("000003"), 21).await.unwrap(),
            Redeemed::Unknown
        );
        // Old failures leave the window and are forgotten.
        assert_eq!(db.forget_code_failures(T0 - 1).await.unwrap(), 0);
        assert_eq!(db.forget_code_failures(T0).await.unwrap(), 4);
        assert_eq!(
            redeem("a", Some("000004"), 21).await.unwrap(),
            Redeemed::Unknown
        );
    }
}

#[tokio::test]
async fn overdue_sessions_are_found_and_ended_ones_lose_files_and_links() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let engine = db.engine();
        let app = application(&db, "SQ202503010006").await;
        let (id, _) = opened(open(&db, app, 1, &codes(&["999999"]), &[]).await);
        assert!(db.overdue(T0 + 599).await.unwrap().is_empty());
        assert_eq!(db.overdue(T0 + 600).await.unwrap(), [id], "{engine:?}");
        let row = db.by_id(id).await.unwrap().unwrap();
        let mut expire = change(&row, Event::Expire);
        expire.challenge = Some(Some("{}".into()));
        let frames = [file(6)];
        db.write_if_version(id, 1, &expire, Some(("frame", &frames)), T0 + 600)
            .await
            .unwrap()
            .unwrap();
        assert!(db.overdue(T0 + 700).await.unwrap().is_empty());
        assert!(db.ended_by(T0 + 599).await.unwrap().is_empty());
        assert_eq!(db.ended_by(T0 + 600).await.unwrap(), [id]);
        assert_eq!(db.purge(id, T0 + 700).await.unwrap(), [file(6).object]);
        assert!(
            db.ended_by(T0 + 800).await.unwrap().is_empty(),
            "{engine:?}"
        );
        assert!(db.by_token(&[1; 32]).await.unwrap().is_none());
        let row = db.by_id(id).await.unwrap().unwrap();
        assert_eq!((row.stage.as_str(), row.challenge), ("expired", None));
        assert_eq!(db.steps(id).await.unwrap().len(), 1, "the steps stay");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_concurrent_writers_at_one_version_exactly_one_wins() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let engine = db.engine();
        let app = application(&db, "SQ202503010007").await;
        let (id, _) = opened(open(&db, app, 1, &codes(&["123123"]), &[]).await);
        let row = db.by_id(id).await.unwrap().unwrap();
        let writers = (0..8u8).map(|n| {
            let (db, mut claim) = (db.clone(), change(&row, Event::Claim));
            claim.claim = Some(Claim {
                device_hash: [n; 32],
                at: T0,
                session_deadline: T0 + 1000,
            });
            tokio::spawn(async move {
                let files = [file(n + 10)];
                db.write_if_version(id, 1, &claim, Some(("id_front", &files)), T0)
                    .await
            })
        });
        let mut won = Vec::new();
        for (n, writer) in futures_util::future::join_all(writers)
            .await
            .into_iter()
            .enumerate()
        {
            if writer.unwrap().expect("no writer fails").is_some() {
                won.push(n as u8);
            }
        }
        assert_eq!(won.len(), 1, "{engine:?}: {won:?}");
        let row = db.by_id(id).await.unwrap().unwrap();
        assert_eq!(row.version, 2);
        assert_eq!(row.device_hash, Some(vec![won[0]; 32]));
        assert_eq!(
            db.file(id, "id_front").await.unwrap(),
            Some(file(won[0] + 10).object)
        );
        assert_eq!(db.steps(id).await.unwrap().len(), 1, "{engine:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_wrong_codes_from_one_address_stop_at_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let engine = db.engine();
        let guesses = (0..12).map(|n| {
            let db = db.clone();
            tokio::spawn(async move {
                let code = format!("{:06}", 200_000 + n);
                db.redeem_code("c", Some(&code), &[3; 32], T0, limit())
                    .await
            })
        });
        let (mut unknown, mut limited) = (0, 0);
        for guess in futures_util::future::join_all(guesses).await {
            match guess.unwrap().expect("no guess fails") {
                Redeemed::Unknown => unknown += 1,
                Redeemed::Limited { .. } => limited += 1,
                other => panic!("{other:?}"),
            }
        }
        assert_eq!((unknown, limited), (3, 9), "{engine:?}");
        let recorded: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM handoff_code_failures")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(recorded, 3, "{engine:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_concurrent_new_sessions_for_one_application_exactly_one_opens() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let engine = db.engine();
        let app = application(&db, "SQ202503010008").await;
        let creators = (0..6u8).map(|n| {
            let db = db.clone();
            tokio::spawn(async move {
                let code = [format!("{:06}", 300_000 + u32::from(n))];
                open(&db, app, n + 1, &code, &[]).await
            })
        });
        let outcomes = futures_util::future::join_all(creators).await;
        let opened = outcomes
            .into_iter()
            .filter(|outcome| matches!(outcome.as_ref().unwrap(), Created::Opened { .. }))
            .count();
        assert_eq!(opened, 1, "{engine:?}: the others found it running");
        assert_eq!(db.running(app).await.unwrap().len(), 1, "{engine:?}");
    }
}
