//! The materials and stored-object repositories on both engines, including a row that tries
//! to name an object while it is being deleted.

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::seed;
use server::store::Db;
use server::store::materials::{MaterialRepo, MaterialRow, ObjectRow};
use server::store::objects::{Namer, ObjectRepo};
use tokio::sync::oneshot;

fn scan(slot: &str, object: char) -> ObjectRow {
    ObjectRow {
        object: object.to_string().repeat(64),
        row: MaterialRow {
            slot: slot.to_owned(),
            file_name: vec![1, 2, 3],
            kind: "jpeg".into(),
            size: 1234,
            width: Some(640),
            height: Some(480),
            pages: None,
            uploaded_at: 1_000,
        },
    }
}

async fn application(db: &Db) -> (i64, i64) {
    let user = seed::user(db, 1).await;
    (
        user,
        seed::application(db, user, "A1", "awaiting_materials").await,
    )
}

#[tokio::test]
async fn a_slot_holds_one_row_that_only_its_owner_reaches() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let (user, id) = application(&db).await;
        assert_eq!(db.owned(user, "A1").await.unwrap(), Some(id));
        assert_eq!(db.owned(user + 1, "A1").await.unwrap(), None);

        assert_eq!(db.put(id, &scan("license", 'a')).await.unwrap(), None);
        assert_eq!(db.put(id, &scan("id_card", 'b')).await.unwrap(), None);
        let replaced = db.put(id, &scan("license", 'c')).await.unwrap();
        assert_eq!(replaced, Some("a".repeat(64)), "{:?}", db.engine());

        let listed = db.list(user, "A1").await.unwrap();
        let slots: Vec<_> = listed.iter().map(|r| r.slot.as_str()).collect();
        assert_eq!(slots, ["id_card", "license"]);
        assert_eq!(listed[1], scan("license", 'c').row);
        assert!(db.list(user + 1, "A1").await.unwrap().is_empty());

        assert_eq!(
            db.find(user, "A1", "license").await.unwrap(),
            Some(scan("license", 'c'))
        );
        assert_eq!(db.find(user + 1, "A1", "license").await.unwrap(), None);
        assert_eq!(db.remove(user + 1, "A1", "license").await.unwrap(), None);
        assert_eq!(
            db.remove(user, "A1", "license").await.unwrap(),
            Some("c".repeat(64))
        );
        assert_eq!(db.remove(user, "A1", "license").await.unwrap(), None);
        assert_eq!(db.find(user, "A1", "license").await.unwrap(), None);
    }
}

#[tokio::test]
async fn only_an_object_no_row_names_is_deleted() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let (_, id) = application(&db).await;
        db.put(id, &scan("license", 'a')).await.unwrap();
        let ran = Arc::new(AtomicBool::new(false));
        let delete = |ran: Arc<AtomicBool>| {
            Box::pin(async move {
                ran.store(true, Ordering::SeqCst);
                Ok(())
            })
        };
        let named = "a".repeat(64);
        let gone = db
            .delete_if_unnamed(Namer::Materials, &named, delete(ran.clone()))
            .await
            .unwrap();
        assert!(!gone && !ran.load(Ordering::SeqCst), "{:?}", db.engine());
        // The same key means nothing to the identity photos' rows.
        let gone = db
            .delete_if_unnamed(Namer::HandoffFiles, &named, delete(ran.clone()))
            .await
            .unwrap();
        assert!(gone && ran.load(Ordering::SeqCst));

        let failing = Box::pin(async { Err(anyhow::anyhow!("disk gone")) });
        let unnamed = "f".repeat(64);
        assert!(
            db.delete_if_unnamed(Namer::Materials, &unnamed, failing)
                .await
                .is_err()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_row_naming_an_object_waits_until_its_deletion_is_done() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let (_, id) = application(&db).await;
        let db = Arc::new(db);
        let (started, deleting) = oneshot::channel();
        let (release, released) = oneshot::channel::<()>();
        let deleted = Arc::new(AtomicBool::new(false));
        let collector = tokio::spawn({
            let (db, deleted) = (db.clone(), deleted.clone());
            async move {
                let delete = Box::pin(async move {
                    started.send(()).unwrap();
                    released.await.unwrap();
                    deleted.store(true, Ordering::SeqCst);
                    Ok(())
                });
                db.delete_if_unnamed(Namer::Materials, &"a".repeat(64), delete)
                    .await
            }
        });
        deleting.await.unwrap();
        let upload = tokio::spawn({
            let (db, deleted) = (db.clone(), deleted.clone());
            async move {
                let previous = db.put(id, &scan("license", 'a')).await;
                (previous, deleted.load(Ordering::SeqCst))
            }
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            !upload.is_finished(),
            "{:?}: the row did not wait",
            db.engine()
        );
        release.send(()).unwrap();
        assert!(collector.await.unwrap().unwrap());
        let (previous, after_delete) = upload.await.unwrap();
        assert_eq!(previous.unwrap(), None);
        assert!(after_delete, "the row was written once the object was gone");
    }
}
