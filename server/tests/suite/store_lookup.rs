//! The lookup repository on both engines: what a query finds, the codes' limits, and a code
//! that answers once however many try it at the same moment.

use crate::common;

use std::sync::Arc;

use app::domain::catalog::ProductKind;
use app::domain::certificate::Validity;
use common::seed;
use server::store::Db;
use server::store::certificates::{CertificateRepo, NewCertificate};
use server::store::logins::{CodeLimits, LoginRepo, Reserved};
use server::store::lookup::{Checked, Found, LookupRepo, TextedCode};
use time::macros::{date, datetime};

const NOW: i64 = 1_796_601_600;
const IP: &str = "203.0.113.7";
const HASH: [u8; 32] = [9; 32];

const LIMITS: CodeLimits = CodeLimits {
    resend_after: 60,
    daily: 3,
    day_start: NOW - 3600,
    ip_hourly: 4,
};

fn key(n: u8) -> Vec<u8> {
    vec![n; 32]
}

fn code<'a>(to: &'a [u8], ip_key: &'a str, now: i64) -> TextedCode<'a> {
    TextedCode {
        to,
        code_hash: &HASH,
        ip_key,
        now,
        expires_at: now + 300,
    }
}

async fn count(db: &Db) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM lookup_codes")
        .fetch_one(db.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_query_finds_a_certificate_by_serial_or_an_application_by_number() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let owner = seed::user(&db, 1).await;
        seed::application(&db, owner, "SQ1", "in_production").await;
        seed::application(&db, owner, "SQ2", "awaiting_payment").await;
        let made = [NewCertificate {
            position: 0,
            kind: ProductKind::Org,
            serial: "00AA11BB22CC33DD44EE".into(),
            medium: "LK1".into(),
            validity: Validity::for_years(date!(2026 - 12 - 07), 1),
        }];
        db.record_issued("SQ1", &made, datetime!(2026-12-07 10:00 +08:00))
            .await
            .unwrap();

        assert_eq!(
            db.find("00AA11BB22CC33DD44EE").await.unwrap(),
            Some(Found {
                number: "SQ1".into(),
                serial: Some("00AA11BB22CC33DD44EE".into()),
            })
        );
        assert_eq!(
            db.find("SQ2").await.unwrap(),
            Some(Found {
                number: "SQ2".into(),
                serial: None,
            })
        );
        assert_eq!(db.find("SQ3").await.unwrap(), None);
    }
}

#[tokio::test]
async fn codes_wait_between_sends_and_stop_at_the_daily_and_hourly_counts() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let engine = db.engine();
        let one = key(1);
        assert!(matches!(
            db.reserve(code(&one, IP, NOW), LIMITS).await.unwrap(),
            Reserved::Code(_)
        ));
        assert_eq!(
            db.reserve(code(&one, IP, NOW + 20), LIMITS).await.unwrap(),
            Reserved::ResendIn(40),
            "{engine:?}"
        );
        for at in [NOW + 60, NOW + 120] {
            assert!(matches!(
                db.reserve(code(&one, IP, at), LIMITS).await.unwrap(),
                Reserved::Code(_)
            ));
        }
        assert_eq!(
            db.reserve(code(&one, IP, NOW + 180), LIMITS).await.unwrap(),
            Reserved::DailyLimit
        );
        // Three codes from this address this hour; a fourth query makes four, a fifth none.
        let Reserved::Code(fourth) = db
            .reserve(code(&key(2), IP, NOW + 180), LIMITS)
            .await
            .unwrap()
        else {
            panic!("{engine:?}");
        };
        assert_eq!(
            db.reserve(code(&key(3), IP, NOW + 181), LIMITS)
                .await
                .unwrap(),
            Reserved::IpLimit
        );
        // A code never sent is forgotten, and frees its place.
        db.forget(fourth).await.unwrap();
        assert!(matches!(
            db.reserve(code(&key(3), IP, NOW + 182), LIMITS)
                .await
                .unwrap(),
            Reserved::Code(_)
        ));
        assert_eq!(count(&db).await, 4);
        // Deleted with login's codes, by the maintenance loop.
        LoginRepo::purge(&db, NOW, NOW + 100).await.unwrap();
        assert_eq!(count(&db).await, 2);
    }
}

#[tokio::test]
async fn a_code_counts_wrong_tries_expires_and_answers_once() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let one = key(1);
        assert_eq!(
            db.check(&one, &HASH, NOW, 5).await.unwrap(),
            Checked::NoCode
        );
        db.reserve(code(&one, IP, NOW), LIMITS).await.unwrap();
        for attempts in 1..=2 {
            assert_eq!(
                db.check(&one, &[0; 32], NOW + 1, 2).await.unwrap(),
                Checked::Wrong { attempts }
            );
        }
        assert_eq!(
            db.check(&one, &HASH, NOW + 1, 2).await.unwrap(),
            Checked::Locked
        );

        let two = key(2);
        db.reserve(code(&two, IP, NOW), LIMITS).await.unwrap();
        assert_eq!(
            db.check(&two, &HASH, NOW + 300, 5).await.unwrap(),
            Checked::Expired
        );

        let three = key(3);
        db.reserve(code(&three, IP, NOW), LIMITS).await.unwrap();
        assert_eq!(
            db.check(&three, &HASH, NOW + 1, 5).await.unwrap(),
            Checked::Right
        );
        assert_eq!(
            db.check(&three, &HASH, NOW + 2, 5).await.unwrap(),
            Checked::Expired
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_tries_of_one_code_answer_once_and_concurrent_sends_make_one_code() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let db = Arc::new(db);
        let sends: Vec<_> = (0..8)
            .map(|_| {
                let db = db.clone();
                tokio::spawn(async move { db.reserve(code(&key(1), IP, NOW), LIMITS).await })
            })
            .collect();
        let mut made = 0;
        for send in sends {
            if matches!(send.await.unwrap().unwrap(), Reserved::Code(_)) {
                made += 1;
            }
        }
        assert_eq!(made, 1, "{:?}", db.engine());

        let tries: Vec<_> = (0..8)
            .map(|_| {
                let db = db.clone();
                tokio::spawn(async move { db.check(&key(1), &HASH, NOW + 1, 5).await })
            })
            .collect();
        let mut right = 0;
        for attempt in tries {
            if attempt.await.unwrap().unwrap() == Checked::Right {
                right += 1;
            }
        }
        assert_eq!(right, 1, "{:?}", db.engine());
    }
}
