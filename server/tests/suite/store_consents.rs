//! The consent repository on both engines.

use crate::common;

use std::net::{IpAddr, Ipv4Addr};

use app::services::consent::Acceptance;
use server::store::consents::ConsentRepo;
use server::store::{Db, time};

async fn user(db: &Db) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO users (mobile_index, mobile_sealed, created_at, last_login_at, last_login_ip)
         VALUES ($1, $2, 0, 0, '127.0.0.1') RETURNING id",
    )
    .bind(vec![7u8; 32])
    .bind(vec![1u8; 40])
    .fetch_one(db.pool())
    .await
    .unwrap()
}

fn acceptance(document: &str, version: char) -> Acceptance {
    Acceptance {
        document: document.to_owned(),
        version: version.to_string().repeat(64),
    }
}

#[tokio::test]
async fn acceptances_are_kept_newest_first_and_all_or_none() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let user = user(&db).await;
        let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let first = [acceptance("terms", 'a'), acceptance("privacy", 'b')];
        db.record(user, &first, common::START, ip).await.unwrap();
        let later = common::START + ::time::Duration::minutes(5);
        db.record(user, &[acceptance("terms", 'c')], later, ip)
            .await
            .unwrap();
        let kept = db.accepted(user).await.unwrap();
        assert_eq!(kept.len(), 3, "{:?}", db.engine());
        assert_eq!(kept[0].version, "c".repeat(64));

        // A bad version (the table checks its length) fails the whole call.
        let bad = [
            acceptance("terms", 'd'),
            Acceptance {
                document: "privacy".into(),
                version: "short".into(),
            },
        ];
        assert!(db.record(user, &bad, later, ip).await.is_err());
        assert_eq!(
            db.accepted(user).await.unwrap().len(),
            3,
            "{:?}",
            db.engine()
        );

        let stamp: i64 =
            sqlx::query_scalar("SELECT max(accepted_at) FROM consents WHERE user_id = $1")
                .bind(user)
                .fetch_one(db.pool())
                .await
                .unwrap();
        assert_eq!(time::from_db(stamp), later);
    }
}
