//! Replacement orders on both engines: one open order holds the certificate; recording the new
//! key's certificate revokes the old one and gives its hold back in the same step, once however
//! often it is recorded.

use crate::common;

use app::domain::business::Business;
use app::domain::catalog::ProductKind;
use app::domain::certificate::{CertStatus, Validity};
use common::seed;
use server::store::applications::NewApplication;
use server::store::certificate_orders::{CertificateOrderRepo, Opened};
use server::store::certificates::{CertificateRepo, NewCertificate};
use time::OffsetDateTime;
use time::macros::{date, datetime};

const AT: OffsetDateTime = datetime!(2026-12-07 10:00 +08:00);

fn certificate(serial: &str, validity: Validity) -> NewCertificate {
    NewCertificate {
        position: 0,
        kind: ProductKind::Org,
        serial: serial.into(),
        medium: format!("LK{serial}"),
        validity,
    }
}

fn order(user: i64) -> NewApplication<'static> {
    NewApplication {
        user,
        project: "soetp",
        day: "20261207",
        status: "awaiting_materials",
        quote: "{}",
        total_fen: 10_000,
        catalog_version: "seed",
        at: AT.unix_timestamp(),
    }
}

#[tokio::test]
async fn the_new_certificate_replaces_the_old_one_once_and_frees_it() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let owner = seed::user(&db, 1).await;
        let other = seed::user(&db, 2).await;
        seed::application(&db, owner, "SQ1", "completed").await;
        let term = Validity::for_years(date!(2025 - 03 - 01), 3);
        let old = db
            .record_issued("SQ1", &[certificate("AA01", term)], AT)
            .await
            .unwrap()[0]
            .clone();
        let seal = |_: &str| b"sealed".to_vec();

        // Not another user's; one open order at a time.
        assert_eq!(
            db.open(&order(other), Business::Replacement, old.id, &seal)
                .await
                .unwrap(),
            Opened::NotOpen(old.id)
        );
        let Opened::Number(number) = db
            .open(&order(owner), Business::Replacement, old.id, &seal)
            .await
            .unwrap()
        else {
            panic!("no order on {:?}", db.engine());
        };
        assert_eq!(
            db.open(&order(owner), Business::Replacement, old.id, &seal)
                .await
                .unwrap(),
            Opened::Held {
                certificate_id: old.id,
                by: number.clone()
            }
        );
        assert_eq!(db.lined(&number).await.unwrap(), std::slice::from_ref(&old));

        let rows = db
            .record_replacement(&number, &certificate("BB01", term), AT)
            .await
            .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].validity, term);
        assert_eq!(rows[0].status, CertStatus::Valid);
        let revoked = db.certificate(old.id).await.unwrap().unwrap();
        assert_eq!(revoked.status, CertStatus::Revoked, "{:?}", db.engine());

        // Recorded again (a retried production start): still the one certificate.
        let again = db
            .record_replacement(&number, &certificate("CC01", term), AT)
            .await
            .unwrap();
        assert_eq!(again, rows);
        // The hold is gone with the old certificate, which no business can open any more.
        assert_eq!(
            db.open(&order(owner), Business::Replacement, old.id, &seal)
                .await
                .unwrap(),
            Opened::NotOpen(old.id)
        );
        assert!(matches!(
            db.open(&order(owner), Business::Replacement, rows[0].id, &seal)
                .await
                .unwrap(),
            Opened::Number(_)
        ));
    }
}

#[tokio::test]
async fn releasing_an_order_frees_its_certificate() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let owner = seed::user(&db, 1).await;
        seed::application(&db, owner, "SQ1", "completed").await;
        let term = Validity::for_years(date!(2026 - 01 - 01), 1);
        let old = db
            .record_issued("SQ1", &[certificate("AA01", term)], AT)
            .await
            .unwrap()[0]
            .clone();
        let seal = |_: &str| b"sealed".to_vec();
        let Opened::Number(number) = db
            .open(&order(owner), Business::Replacement, old.id, &seal)
            .await
            .unwrap()
        else {
            panic!("no order on {:?}", db.engine());
        };
        db.release_holds(&number).await.unwrap();
        assert!(matches!(
            db.open(&order(owner), Business::Replacement, old.id, &seal)
                .await
                .unwrap(),
            Opened::Number(_)
        ));
        assert_eq!(
            db.certificate(old.id).await.unwrap().unwrap().status,
            CertStatus::Valid
        );
    }
}
