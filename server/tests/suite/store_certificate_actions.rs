//! The certificate businesses' repository on both engines: a confirmation spends its code and
//! opens the order at once; a wrong code counts and writes nothing else; a held certificate
//! leaves a right code unspent; completion happens once; an unlock code answers once.

use crate::common;

use app::domain::business::Business;
use app::domain::catalog::ProductKind;
use app::domain::certificate::{CertStatus, Validity};
use common::seed;
use server::store::Db;
use server::store::applications::NewApplication;
use server::store::certificate_actions::{
    CertificateActionRepo, Checked, Confirmed, TextedCode, Typed,
};
use server::store::certificates::{CertificateRepo, NewCertificate};
use server::store::holds::{Line, Opened};
use server::store::logins::{CodeLimits, Reserved};
use server::store::orders::{EventRow, Move};
use time::macros::{date, datetime};

const NOW: i64 = 1_796_601_600;
const CANCEL: [u8; 32] = [7; 32];
const UNLOCK: [u8; 32] = [8; 32];
const UNLOCK_CODE: [u8; 32] = [9; 32];
const RIGHT: [u8; 32] = [1; 32];
const WRONG: [u8; 32] = [2; 32];
const SERIAL: &str = "00AA11BB22CC33DD44EE";

const LIMITS: CodeLimits = CodeLimits {
    resend_after: 60,
    daily: 5,
    day_start: NOW - 3600,
    ip_hourly: 10,
};

/// The owner's issued organisation certificate; its id.
async fn issued(db: &Db, owner: i64) -> i64 {
    seed::application(db, owner, "SQ1", "in_production").await;
    let made = [NewCertificate {
        position: 0,
        kind: ProductKind::Org,
        serial: SERIAL.into(),
        medium: "LK1".into(),
        validity: Validity::for_years(date!(2026 - 12 - 07), 1),
    }];
    db.record_issued("SQ1", &made, datetime!(2026-12-07 10:00 +08:00))
        .await
        .unwrap()[0]
        .id
}

fn order(user: i64) -> NewApplication<'static> {
    NewApplication {
        user,
        project: "soetp",
        day: "20261207",
        status: "in_production",
        quote: "{}",
        total_fen: 0,
        catalog_version: "seed",
        at: NOW,
    }
}

fn sent(to: &[u8]) -> TextedCode<'_> {
    TextedCode {
        to,
        code_hash: &RIGHT,
        ip_key: "203.0.113.7",
        now: NOW,
        expires_at: NOW + 300,
    }
}

fn typed<'a>(action_key: &'a [u8], code_hash: &'a [u8]) -> Typed<'a> {
    Typed {
        action_key,
        code_hash,
        now: NOW + 10,
        max_attempts: 5,
    }
}

fn done() -> Move {
    Move {
        events: vec![EventRow {
            event: "complete".into(),
            from_status: "in_production".into(),
            to_status: "completed".into(),
            actor: "system".into(),
            actor_id: None,
            actor_name: None,
            note: None,
            at: NOW + 20,
        }],
        ..Move::default()
    }
}

async fn confirm(
    db: &Db,
    owner: i64,
    id: i64,
    key: &[u8],
    hash: &[u8],
    business: Business,
) -> Confirmed {
    let line = Line {
        certificate_id: id,
        years: 0,
        reason: (business == Business::Cancellation).then_some("holder_left"),
    };
    db.confirm(
        typed(key, hash),
        &order(owner),
        business,
        &["valid", "suspended"],
        &line,
        &|_: &str| vec![0u8; 4],
    )
    .await
    .unwrap()
}

async fn count(db: &Db, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(db.pool()).await.unwrap()
}

#[tokio::test]
async fn a_right_code_opens_one_order_holding_the_certificate_and_it_completes_once() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let engine = db.engine();
        let owner = seed::user(&db, 1).await;
        let id = issued(&db, owner).await;
        assert!(matches!(
            db.reserve(sent(&CANCEL), LIMITS).await.unwrap(),
            Reserved::Code(_)
        ));

        let wrong = confirm(&db, owner, id, &CANCEL, &WRONG, Business::Cancellation).await;
        assert_eq!(
            wrong,
            Confirmed::Code(Checked::Wrong { attempts: 1 }),
            "{engine:?}"
        );
        let orders = "SELECT COUNT(*) FROM applications WHERE business = 'cancellation'";
        assert_eq!(count(&db, orders).await, 0);

        let Confirmed::Opened(Opened::Number(number)) =
            confirm(&db, owner, id, &CANCEL, &RIGHT, Business::Cancellation).await
        else {
            panic!("{engine:?}: not opened");
        };
        let (row, reason) = db.line(&number).await.unwrap().unwrap();
        assert_eq!((row.id, reason.as_deref()), (id, Some("holder_left")));
        assert_eq!(
            db.pending(Business::Cancellation).await.unwrap(),
            std::slice::from_ref(&number)
        );
        // The code is used up.
        assert_eq!(
            confirm(&db, owner, id, &CANCEL, &RIGHT, Business::Cancellation).await,
            Confirmed::Code(Checked::Expired)
        );

        assert!(
            db.complete(&number, Some(CertStatus::Cancelled), None, &done())
                .await
                .unwrap()
        );
        assert!(
            !db.complete(&number, Some(CertStatus::Cancelled), None, &done())
                .await
                .unwrap()
        );
        let status: String = sqlx::query_scalar("SELECT status FROM certificates WHERE id = $1")
            .bind(id)
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(status, "cancelled");
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM certificate_holds").await,
            0
        );
        assert!(db.pending(Business::Cancellation).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_held_certificate_leaves_a_right_code_unspent() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let owner = seed::user(&db, 1).await;
        let id = issued(&db, owner).await;
        db.reserve(sent(&UNLOCK), LIMITS).await.unwrap();
        let Confirmed::Opened(Opened::Number(first)) =
            confirm(&db, owner, id, &UNLOCK, &RIGHT, Business::Unlock).await
        else {
            panic!("not opened");
        };
        db.reserve(sent(&CANCEL), LIMITS).await.unwrap();
        assert_eq!(
            confirm(&db, owner, id, &CANCEL, &RIGHT, Business::Cancellation).await,
            Confirmed::Opened(Opened::Held {
                certificate_id: id,
                by: first.clone(),
            })
        );
        // Once the unlock is done, the same code still opens the cancellation.
        assert!(db.complete(&first, None, None, &done()).await.unwrap());
        assert!(matches!(
            confirm(&db, owner, id, &CANCEL, &RIGHT, Business::Cancellation).await,
            Confirmed::Opened(Opened::Number(_))
        ));
        // Another user's certificate is not theirs to open.
        let stranger = seed::user(&db, 2).await;
        db.reserve(sent(&[3; 32]), LIMITS).await.unwrap();
        assert_eq!(
            confirm(&db, stranger, id, &[3; 32], &RIGHT, Business::Unlock).await,
            Confirmed::Opened(Opened::NotOpen(id))
        );
    }
}

#[tokio::test]
async fn an_unlock_code_stored_with_the_completion_answers_once() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let owner = seed::user(&db, 1).await;
        let id = issued(&db, owner).await;
        db.reserve(sent(&UNLOCK), LIMITS).await.unwrap();
        let Confirmed::Opened(Opened::Number(number)) =
            confirm(&db, owner, id, &UNLOCK, &RIGHT, Business::Unlock).await
        else {
            panic!("not opened");
        };
        let code = TextedCode {
            to: &UNLOCK_CODE,
            code_hash: &RIGHT,
            ip_key: "unlock",
            now: NOW + 20,
            expires_at: NOW + 1800,
        };
        assert!(
            db.complete(&number, None, Some(code), &done())
                .await
                .unwrap()
        );
        assert_eq!(db.by_serial(SERIAL).await.unwrap().unwrap().id, id);
        assert!(db.by_serial("FFFF").await.unwrap().is_none());

        assert_eq!(
            db.redeem(typed(&UNLOCK_CODE, &WRONG)).await.unwrap(),
            Checked::Wrong { attempts: 1 }
        );
        assert_eq!(
            db.redeem(typed(&UNLOCK_CODE, &RIGHT)).await.unwrap(),
            Checked::Right
        );
        assert_eq!(
            db.redeem(typed(&UNLOCK_CODE, &RIGHT)).await.unwrap(),
            Checked::Expired
        );
    }
}
