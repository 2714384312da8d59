//! The reminder repository on both engines: which valid certificates come near expiry with the
//! reminders sent for them, and a claim that only one of many concurrent callers wins.

use crate::common;

use std::sync::Arc;

use app::domain::catalog::ProductKind;
use app::domain::certificate::Validity;
use common::seed;
use server::store::Db;
use server::store::certificates::{CertificateRepo, NewCertificate};
use server::store::reminders::ReminderRepo;
use time::OffsetDateTime;
use time::macros::{date, datetime};

const AT: OffsetDateTime = datetime!(2026-12-07 10:00 +08:00);

/// Order `number` with an org certificate valid for `years` from 7 Dec 2026 (through 6 Dec),
/// and an org-personal one for one year; returns their ids.
async fn issued(db: &Db, user: i64, number: &str, years: u8) -> Vec<i64> {
    seed::application(db, user, number, "in_production").await;
    let made = [
        NewCertificate {
            position: 0,
            kind: ProductKind::Org,
            serial: format!("{number}A"),
            medium: "LK1".into(),
            validity: Validity::for_years(date!(2026 - 12 - 07), years),
        },
        NewCertificate {
            position: 1,
            kind: ProductKind::OrgPersonal,
            serial: format!("{number}B"),
            medium: "LK2".into(),
            validity: Validity::for_years(date!(2026 - 12 - 07), 1),
        },
    ];
    let rows = db.record_issued(number, &made, AT).await.unwrap();
    rows.iter().map(|r| r.id).collect()
}

#[tokio::test]
async fn due_lists_valid_certificates_in_the_window_with_the_reminders_sent() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let user = seed::user(&db, 1).await;
        let ids = issued(&db, user, "SX1", 2).await;
        // Both expire on 6 Dec 2027 / 2028; a window ending on the one-year expiry finds one.
        let due = db
            .due(date!(2027 - 11 - 06), date!(2027 - 12 - 06))
            .await
            .unwrap();
        assert_eq!(due.len(), 1, "{:?}", db.engine());
        let first = &due[0];
        assert_eq!(first.id, ids[1]);
        assert_eq!(first.number, "SX1");
        assert_eq!(first.project_id, "soetp");
        assert_eq!(first.position, 1);
        assert_eq!(first.kind, ProductKind::OrgPersonal);
        assert_eq!(first.serial, "SX1B");
        assert_eq!(first.valid_to, date!(2027 - 12 - 06));
        assert_eq!(first.issued_at, AT.unix_timestamp());
        assert!(first.sent.is_empty());
        // Both ends are included; a day before the window or after the expiry finds nothing.
        assert_eq!(
            db.due(date!(2027 - 12 - 06), date!(2027 - 12 - 06))
                .await
                .unwrap()
                .len(),
            1
        );
        assert!(
            db.due(date!(2027 - 12 - 07), date!(2028 - 12 - 05))
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            db.due(date!(2027 - 11 - 06), date!(2027 - 12 - 05))
                .await
                .unwrap()
                .is_empty()
        );

        // Claims show as sent, smallest first; a second claim of the same reminder loses.
        assert!(db.claim(ids[1], 30, AT).await.unwrap());
        assert!(db.claim(ids[1], 7, AT).await.unwrap());
        assert!(!db.claim(ids[1], 30, AT).await.unwrap());
        let due = db
            .due(date!(2027 - 11 - 06), date!(2028 - 12 - 06))
            .await
            .unwrap();
        assert_eq!(due.len(), 2);
        assert_eq!(due[0].id, ids[0]);
        assert!(due[0].sent.is_empty());
        assert_eq!(due[1].sent, [7, 30]);

        // A released claim can be made again; releasing what was never claimed does nothing.
        db.release(ids[1], 30).await.unwrap();
        db.release(ids[0], 30).await.unwrap();
        let due = db
            .due(date!(2027 - 11 - 06), date!(2027 - 12 - 06))
            .await
            .unwrap();
        assert_eq!(due[0].sent, [7]);
        assert!(db.claim(ids[1], 30, AT).await.unwrap());

        // Only valid certificates are reminded of.
        sqlx::query("UPDATE certificates SET status = 'cancelled' WHERE id = $1")
            .bind(ids[1])
            .execute(db.pool())
            .await
            .unwrap();
        assert!(
            db.due(date!(2027 - 11 - 06), date!(2027 - 12 - 06))
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_concurrent_claims_of_one_reminder_exactly_one_wins() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let user = seed::user(&db, 1).await;
        let ids = issued(&db, user, "SX1", 1).await;
        let db = Arc::new(db);
        let claims: Vec<_> = (0..8)
            .map(|_| {
                let db = db.clone();
                let id = ids[0];
                tokio::spawn(async move { db.claim(id, 30, AT).await.unwrap() })
            })
            .collect();
        let mut won = 0;
        for claim in claims {
            won += usize::from(claim.await.unwrap());
        }
        assert_eq!(won, 1, "{:?}", db.engine());
        let rows: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM certificate_reminders WHERE certificate_id = $1",
        )
        .bind(ids[0])
        .fetch_one(db.pool())
        .await
        .unwrap();
        assert_eq!(rows, 1);
    }
}
