//! The login session store on both engines: what one instance saves another loads, and a
//! save never brings back a session that was deleted.

use crate::common;

use server::http::sessions::SessionStore;
use time::{Duration, OffsetDateTime};
use tower_sessions::session::{Id, Record};
use tower_sessions::{ExpiredDeletion, SessionStore as _};

fn record(user: i64, expiry: OffsetDateTime) -> Record {
    Record {
        id: Id::default(),
        data: [("user".to_owned(), serde_json::json!(user))].into(),
        expiry_date: expiry,
    }
}

#[tokio::test]
async fn sessions_are_shared_updated_and_never_revived() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let store = SessionStore::new(&db).unwrap();
        // A second instance on the same database: migrating again is harmless.
        let other = SessionStore::new(&db).unwrap();

        let later = OffsetDateTime::now_utc() + Duration::hours(1);
        let mut session = record(7, later);
        store.create(&mut session).await.unwrap();
        let loaded = other.load(&session.id).await.unwrap().unwrap();
        assert_eq!(loaded.data["user"], 7, "{:?}", db.engine());

        session.data.insert("user".into(), serde_json::json!(8));
        other.save(&session).await.unwrap();
        assert_eq!(
            store.load(&session.id).await.unwrap().unwrap().data["user"],
            8
        );

        store.delete(&session.id).await.unwrap();
        other.save(&session).await.unwrap();
        assert!(store.load(&session.id).await.unwrap().is_none());

        let mut expired = record(9, OffsetDateTime::now_utc() - Duration::minutes(1));
        store.create(&mut expired).await.unwrap();
        assert!(store.load(&expired.id).await.unwrap().is_none());
        store.delete_expired().await.unwrap();
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tower_sessions")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(left, 0, "{:?}", db.engine());
    }
}
