//! Files are never half-written: an upload writes its object before its row and holds no
//! database lock meanwhile, a failed row leaves no object behind, and the periodic sweep
//! removes objects no row names once they are older than the grace period, in both the
//! uploads and the identity photo stores.

use crate::common;
use crate::fixtures;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use app::domain::materials::{FileKind, Inspected};
use app::services::login::UserId;
use app::services::materials::{MaterialStore, NewMaterial};
use common::applicant::{self, OWNER};
use common::browser::Browser;
use server::clock::{Clock, ManualClock};
use server::config::{CaptchaMode, Config};
use server::crypto::Keys;
use server::service::materials::Materials;
use server::store::{Engine, StoreError};
use server::vendor::storage::{Listed, ObjectStorage, Storage};
use sha2::{Digest, Sha256};
use tokio::sync::Notify;
use tokio::time::timeout;

const SLOT: &str = "business_license";
/// Longer than any wait here should take.
const PATIENCE: Duration = Duration::from_secs(10);

struct Rig {
    dir: tempfile::TempDir,
    server: server::Server,
    clock: Arc<ManualClock>,
}

async fn start() -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        captcha: CaptchaMode::Off,
        ..common::config(dir.path())
    };
    let (server, clock) = common::start_with(config).await;
    // The sweeps run when the test says, not also on the maintenance task's timer.
    server.maintenance.abort();
    Rig { dir, server, clock }
}

impl Rig {
    fn uploads(&self) -> PathBuf {
        self.dir.path().join("uploads")
    }

    fn identity(&self) -> PathBuf {
        self.dir.path().join("identity")
    }

    /// [`OWNER`] signed up, with a submitted application.
    async fn application(&self) -> (UserId, String) {
        Browser::new(&self.server).sign_in(OWNER, &[]).await;
        let number = applicant::submit(&self.server, OWNER, &[]).await;
        (applicant::user(&self.server, OWNER).await, number)
    }

    /// Stores `bytes` under `key` in the store at `dir`, written `age` before the clock's now.
    async fn object(&self, dir: &Path, key: &str, age: time::Duration) {
        let storage = ObjectStorage::local(dir).unwrap();
        storage.put(key, b"sealed bytes"[..].into()).await.unwrap();
        written_at(dir, key, self.clock.now() - age);
    }
}

/// Where [`ObjectStorage`] keeps `key` under `dir`.
fn path_of(dir: &Path, key: &str) -> PathBuf {
    dir.join(&key[..2]).join(key)
}

fn written_at(dir: &Path, key: &str, at: time::OffsetDateTime) {
    std::fs::File::options()
        .write(true)
        .open(path_of(dir, key))
        .unwrap()
        .set_modified(at.into())
        .unwrap();
}

fn files(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files(&path));
        } else {
            found.push(path.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    found.sort();
    found
}

fn scan() -> NewMaterial {
    NewMaterial {
        slot: SLOT.into(),
        file_name: "营业执照.png".into(),
        inspected: Inspected {
            kind: FileKind::Png,
            width: Some(40),
            height: Some(30),
            pages: None,
        },
        bytes: fixtures::png(40, 30),
    }
}

fn object_of(material: &NewMaterial) -> String {
    hex::encode(Sha256::digest(&material.bytes))
}

/// A store whose writes stop, once the bytes are down, until the test lets them go on.
struct Gated {
    inner: ObjectStorage,
    written: Notify,
    release: Notify,
}

#[async_trait::async_trait]
impl Storage for Gated {
    async fn put(&self, key: &str, bytes: bytes::Bytes) -> anyhow::Result<()> {
        self.inner.put(key, bytes).await?;
        self.written.notify_one();
        self.release.notified().await;
        Ok(())
    }

    async fn get(&self, key: &str) -> anyhow::Result<Option<Vec<u8>>> {
        self.inner.get(key).await
    }

    async fn exists(&self, key: &str) -> anyhow::Result<bool> {
        self.inner.exists(key).await
    }

    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        self.inner.delete(key).await
    }

    async fn list(&self) -> anyhow::Result<Vec<Listed>> {
        self.inner.list().await
    }
}

/// A material store on the rig's database and uploads folder whose object writes are gated.
fn gated_store(rig: &Rig) -> (Arc<Materials>, Arc<Gated>) {
    let gated = Arc::new(Gated {
        inner: ObjectStorage::local(&rig.uploads()).unwrap(),
        written: Notify::new(),
        release: Notify::new(),
    });
    let keys = Keys::derive(&"11".repeat(32).parse().unwrap());
    let store = Materials::new(
        Arc::new(rig.server.db.clone()),
        Arc::new(rig.server.db.clone()),
        gated.clone(),
        Arc::new(keys),
        rig.clock.clone(),
    );
    (Arc::new(store), gated)
}

#[tokio::test]
async fn the_sweep_removes_only_objects_no_row_names_once_past_the_grace_period() {
    let rig = start().await;
    let (user, number) = rig.application().await;
    let material = scan();
    let named = object_of(&material);
    rig.server
        .state
        .materials
        .save(user, &number, material)
        .await
        .unwrap()
        .unwrap();
    let uploads = rig.uploads();
    written_at(&uploads, &named, rig.clock.now() - time::Duration::days(3));
    let old = "a".repeat(64);
    let fresh = "b".repeat(64);
    rig.object(&uploads, &old, time::Duration::hours(2)).await;
    rig.object(&uploads, &fresh, time::Duration::minutes(5))
        .await;

    // An identity photo named by its handoff, and two no handoff names.
    let identity = rig.identity();
    let photo = "c".repeat(64);
    let lost_photo = "d".repeat(64);
    let new_photo = "e".repeat(64);
    for key in [&photo, &lost_photo] {
        rig.object(&identity, key, time::Duration::days(1)).await;
    }
    rig.object(&identity, &new_photo, time::Duration::seconds(10))
        .await;
    let deadline = (rig.clock.now() + time::Duration::days(1)).unix_timestamp();
    let handoff: i64 = sqlx::query_scalar(
        "INSERT INTO handoffs (application_id, person, subject, stage, created_at,
                               claim_deadline, updated_at)
         SELECT id, 'agent', $1, 'pending', 0, $2, 0 FROM applications WHERE number = $3
         RETURNING id",
    )
    .bind(vec![0u8])
    .bind(deadline)
    .bind(&number)
    .fetch_one(rig.server.db.pool())
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO handoff_files (handoff_id, kind, seq, object, size, width, height, stored_at)
         VALUES ($1, 'id_front', 0, $2, 12, 1, 1, 0)",
    )
    .bind(handoff)
    .bind(&photo)
    .execute(rig.server.db.pool())
    .await
    .unwrap();

    assert_eq!(rig.server.orphans.sweep().await.unwrap(), 2);
    let mut kept = vec![named.clone(), fresh.clone()];
    kept.sort();
    assert_eq!(files(&uploads), kept);
    assert_eq!(files(&identity), [photo, new_photo]);
    // The named scan is whole.
    let (_, bytes) = rig
        .server
        .state
        .materials
        .open(user, &number, SLOT)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bytes, scan().bytes);

    // Nothing more to do until the fresh ones age.
    assert_eq!(rig.server.orphans.sweep().await.unwrap(), 0);
    rig.clock.advance(time::Duration::hours(2));
    assert_eq!(rig.server.orphans.sweep().await.unwrap(), 2);
    assert_eq!(files(&uploads), [named]);
}

#[tokio::test]
async fn an_upload_holds_no_write_lock_while_its_object_is_written() {
    let rig = start().await;
    let (user, number) = rig.application().await;
    let (store, gated) = gated_store(&rig);
    let saving = tokio::spawn({
        let (store, number) = (store.clone(), number.clone());
        async move { store.save(user, &number, scan()).await }
    });
    timeout(PATIENCE, gated.written.notified())
        .await
        .expect("the upload writes its object");

    // Another request's write goes ahead meanwhile.
    let db = rig.server.db.clone();
    let other = timeout(Duration::from_secs(2), async move {
        let mut tx = db.begin_write().await?;
        sqlx::query("UPDATE applications SET updated_at = updated_at WHERE number = $1")
            .bind(&number)
            .execute(&mut *tx)
            .await?;
        Ok::<_, StoreError>(tx.commit().await?)
    })
    .await;
    gated.release.notify_one();
    let saved = timeout(PATIENCE, saving)
        .await
        .expect("the upload finishes once its object is written")
        .unwrap();
    assert!(
        other.is_ok(),
        "a write waited while an upload's object was being written: the write lock was held"
    );
    other.unwrap().unwrap();
    assert!(saved.unwrap().is_some());
}

#[tokio::test]
async fn an_object_removed_before_its_row_was_committed_is_written_again() {
    let rig = start().await;
    let (user, number) = rig.application().await;
    let (store, gated) = gated_store(&rig);
    let object = object_of(&scan());
    let saving = tokio::spawn({
        let (store, number) = (store.clone(), number.clone());
        async move { store.save(user, &number, scan()).await }
    });
    timeout(PATIENCE, gated.written.notified())
        .await
        .expect("the upload writes its object");
    // What a removal of the same file from another slot does at this moment: no row names
    // the object yet, so it goes.
    gated.inner.delete(&object).await.unwrap();
    gated.release.notify_one();
    // Once its row is committed the upload finds the object gone and writes it again.
    timeout(PATIENCE, gated.written.notified())
        .await
        .expect("the object is written again");
    gated.release.notify_one();
    timeout(PATIENCE, saving)
        .await
        .expect("the upload finishes")
        .unwrap()
        .unwrap()
        .unwrap();

    let (_, bytes) = store
        .open(user, &number, SLOT)
        .await
        .unwrap()
        .expect("the row is there");
    assert_eq!(bytes, scan().bytes);
}

#[tokio::test]
async fn a_row_that_fails_to_commit_leaves_no_object_behind() {
    let rig = start().await;
    let (user, number) = rig.application().await;
    let breaks: &[&str] = match rig.server.db.engine() {
        Engine::Sqlite => &["CREATE TRIGGER break_materials BEFORE INSERT ON materials
                             BEGIN SELECT RAISE(ABORT, 'injected failure'); END"],
        Engine::Postgres => &[
            "CREATE FUNCTION break_materials() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN RAISE EXCEPTION 'injected failure'; END $$",
            "CREATE TRIGGER break_materials BEFORE INSERT ON materials
             FOR EACH ROW EXECUTE FUNCTION break_materials()",
        ],
    };
    for sql in breaks {
        sqlx::query(sql)
            .execute(rig.server.db.pool())
            .await
            .unwrap();
    }
    let failed = rig.server.state.materials.save(user, &number, scan()).await;
    assert!(failed.is_err());
    assert!(files(&rig.uploads()).is_empty());
}
