//! The issued-certificate repository on both engines: one set per order however often (and
//! however concurrently) it is recorded, read back per order and per owner.

use crate::common;

use std::sync::Arc;

use app::domain::catalog::ProductKind;
use app::domain::certificate::{CertStatus, Validity};
use common::seed;
use server::store::certificates::{CertificateRepo, NewCertificate};
use time::OffsetDateTime;
use time::macros::{date, datetime};

const AT: OffsetDateTime = datetime!(2026-12-07 10:00 +08:00);

fn new(position: u32, kind: ProductKind, serial: &str, years: u8) -> NewCertificate {
    NewCertificate {
        position,
        kind,
        serial: serial.into(),
        medium: format!("LK{serial}"),
        validity: Validity::for_years(date!(2026 - 12 - 07), years),
    }
}

#[tokio::test]
async fn an_order_records_its_certificates_once_and_its_owner_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let owner = seed::user(&db, 1).await;
        let other = seed::user(&db, 2).await;
        seed::application(&db, owner, "SX1", "in_production").await;
        seed::application(&db, other, "SX2", "in_production").await;
        let made = [
            new(0, ProductKind::Org, "AA01", 2),
            new(1, ProductKind::OrgPersonal, "AA02", 1),
        ];
        let rows = db.record_issued("SX1", &made, AT).await.unwrap();
        assert_eq!(rows.len(), 2, "{:?}", db.engine());
        assert_eq!(rows[0].number, "SX1");
        assert_eq!(rows[0].user_id, owner);
        assert_eq!(rows[0].project_id, "soetp");
        assert_eq!(rows[0].status, CertStatus::Valid);
        assert_eq!(rows[1].kind, ProductKind::OrgPersonal);
        assert_eq!(rows[0].validity.to, date!(2028 - 12 - 06));
        assert_eq!(rows[1].validity.from, date!(2026 - 12 - 07));

        // Recording again (other serials, as a second reviewer's click would bring) keeps the
        // first set.
        let again = [
            new(0, ProductKind::Org, "BB01", 2),
            new(1, ProductKind::OrgPersonal, "BB02", 1),
        ];
        let rows = db.record_issued("SX1", &again, AT).await.unwrap();
        assert_eq!(
            rows.iter().map(|r| r.serial.as_str()).collect::<Vec<_>>(),
            ["AA01", "AA02"]
        );
        assert_eq!(db.of_application("SX1").await.unwrap(), rows);

        db.record_issued("SX2", &[new(0, ProductKind::Org, "CC01", 1)], AT)
            .await
            .unwrap();
        let mine = db.of_user(owner).await.unwrap();
        // Soonest expiry first: the one-year org-personal certificate.
        assert_eq!(
            mine.iter().map(|r| r.serial.as_str()).collect::<Vec<_>>(),
            ["AA02", "AA01"]
        );
        assert_eq!(db.of_user(other).await.unwrap().len(), 1);
        // A serial is the CA's: it cannot belong to two certificates.
        seed::application(&db, other, "SX3", "in_production").await;
        assert!(
            db.record_issued("SX3", &[new(0, ProductKind::Org, "CC01", 1)], AT)
                .await
                .is_err()
        );
        assert!(db.of_application("SX3").await.unwrap().is_empty());
        assert!(db.of_application("NOPE").await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn simultaneous_records_of_one_order_leave_one_set() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let owner = seed::user(&db, 1).await;
        seed::application(&db, owner, "SX1", "in_production").await;
        let db = Arc::new(db);
        let tasks: Vec<_> = (0..6)
            .map(|n| {
                let db = db.clone();
                tokio::spawn(async move {
                    let made = [new(0, ProductKind::Org, &format!("S{n}"), 1)];
                    db.record_issued("SX1", &made, AT).await
                })
            })
            .collect();
        let mut serials = Vec::new();
        for task in tasks {
            let rows = task.await.unwrap().unwrap();
            assert_eq!(rows.len(), 1);
            serials.push(rows[0].serial.clone());
        }
        serials.dedup();
        assert_eq!(serials.len(), 1, "{:?}: {serials:?}", db.engine());
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM certificates")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(count, 1);
    }
}
