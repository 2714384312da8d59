//! The handoff service over its repository on both engines: the desktop's status, the text
//! message, the short code, a raced claim, expiry and retention; and the photos, liveness and
//! review. (The whole flow through HTTP, on SQLite until every area is ported, is
//! `tests/handoff.rs`.)

use crate::common;
use crate::fixtures;

use std::io::Cursor;
use std::net::IpAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use app::domain::application::Application;
use app::domain::draft::{Draft, Step};
use app::domain::handoff::{IdSide, Role, SESSION_MINUTES, Stage};
use app::domain::mobile::Mobile;
use app::domain::quote::Quote;
use app::services::StoreError;
use app::services::applications::{
    ApplicationStore, ApplicationSummary, SavedDraft, SubmittedApplication,
};
use app::services::handoff::{HandoffError, HandoffService};
use app::services::login::UserId;
use app::services::sms::{SmsError, SmsKind, SmsSender};
use image::{DynamicImage, ImageOutputFormat, RgbImage};
use server::clock::ManualClock;
use server::config::SecretKey;
use server::crypto::Keys;
use server::handoff::token;
use server::service::handoff::{HandoffSettings, Handoffs};
use server::store::Db;
use server::store::handoff::{Created, HandoffRepo, NewHandoff};
use server::vendor::identity::LocalVerifier;
use server::vendor::storage::ObjectStorage;

/// Texts kept instead of sent.
#[derive(Default)]
struct Texts(Mutex<Vec<String>>);

#[async_trait::async_trait]
impl SmsSender for Texts {
    async fn send(&self, _: &Mobile, _: SmsKind, text: &str) -> Result<(), SmsError> {
        self.0.lock().unwrap().push(text.to_owned());
        Ok(())
    }
}

/// Only a new session reads the application, and these tests open theirs directly.
struct NoApplications;

#[async_trait::async_trait]
impl ApplicationStore for NoApplications {
    async fn load_draft(&self, _: UserId, _: &str) -> Result<Option<SavedDraft>, StoreError> {
        unreachable!()
    }
    async fn save_draft(
        &self,
        _: UserId,
        _: &str,
        _: &Draft,
        _: Step,
    ) -> Result<String, StoreError> {
        unreachable!()
    }
    async fn submit(
        &self,
        _: UserId,
        _: &str,
        _: &Application,
        _: &Quote,
        _: &str,
    ) -> Result<String, StoreError> {
        unreachable!()
    }
    async fn list(&self, _: UserId) -> Result<Vec<ApplicationSummary>, StoreError> {
        unreachable!()
    }
    async fn submitted(
        &self,
        _: UserId,
        _: &str,
    ) -> Result<Option<SubmittedApplication>, StoreError> {
        unreachable!()
    }
    async fn amend(&self, _: UserId, _: &str, _: &Application) -> Result<bool, StoreError> {
        unreachable!()
    }
    async fn submitted_draft(&self, _: UserId, _: &str) -> Result<Option<Draft>, StoreError> {
        unreachable!()
    }
    async fn correct(
        &self,
        _: UserId,
        _: &str,
        _: &Draft,
        _: &Application,
    ) -> Result<bool, StoreError> {
        unreachable!()
    }
    async fn by_number(&self, _: &str) -> Result<Option<SubmittedApplication>, StoreError> {
        unreachable!()
    }
}

const NUMBER: &str = "SQ202503010001";

/// A waiting session with short code 246810, as `Handoffs::create` leaves it; its link secret.
async fn waiting_session(db: &Db, keys: &Keys, application_id: i64) -> String {
    let secret = token::new_secret();
    let subject = r#"{"name":"张三","id_number":"11010519491231002X","mobile":"13800138000"}"#;
    let seal = |id: i64| keys.seal(&format!("handoff-subject:{id}"), subject.as_bytes());
    let now = common::START.unix_timestamp();
    let new = NewHandoff {
        application_id,
        person: Role::Agent,
        token_hash: token::hash(&secret).unwrap(),
        claim_deadline: now + 600,
        now,
        short_codes: &["246810".to_owned()],
        seal_subject: &seal,
    };
    assert!(matches!(
        db.create(new, &[]).await.unwrap(),
        Created::Opened { .. }
    ));
    secret
}

/// The service on `db`, its photos in `photos`.
fn service(db: &Db, photos: &Path) -> (Arc<Handoffs>, Arc<Keys>, Arc<ManualClock>, Arc<Texts>) {
    let keys = Arc::new(Keys::derive(&SecretKey::from_bytes(vec![7; 32]).unwrap()));
    let clock = Arc::new(ManualClock::new(common::START));
    let texts = Arc::new(Texts::default());
    std::fs::create_dir_all(photos).unwrap();
    let service = Arc::new(Handoffs::new(
        Arc::new(db.clone()),
        Arc::new(NoApplications),
        Arc::new(LocalVerifier::sandbox()),
        texts.clone(),
        Arc::new(ObjectStorage::local(photos).unwrap()),
        keys.clone(),
        clock.clone(),
        HandoffSettings {
            public_url: "https://ca.example/".into(),
            retention_days: 30,
        },
    ));
    (service, keys, clock, texts)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_phone_step_without_photos_runs_on_either_engine() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let engine = db.engine();
        let (service, keys, clock, texts) = service(&db, &dir.path().join(format!("{engine:?}")));
        let (user, application) = common::rows::application(&db, NUMBER).await;
        let owner = UserId(user);
        let secret = waiting_session(&db, &keys, application).await;

        let status = service.status(owner, NUMBER).await.unwrap();
        assert_eq!(status.stage, Some(Stage::Pending), "{engine:?}");
        assert_eq!(status.expires_in_secs, Some(600));
        let stranger = service.status(UserId(user + 1), NUMBER).await;
        assert!(matches!(stranger, Err(HandoffError::NotFound)));

        // The link by text message, once a minute.
        let sent = service.send_sms(owner, NUMBER, "【CA】").await.unwrap();
        assert_eq!(sent.resend_after_secs, 60);
        let text = texts.0.lock().unwrap().pop().expect("a text");
        assert!(text.contains("https://ca.example/m/"), "{text}");
        let again = service.send_sms(owner, NUMBER, "【CA】").await;
        assert!(
            matches!(again, Err(HandoffError::SmsTooSoon { secs: 60 })),
            "{again:?}"
        );

        // The short code opens one link.
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let redeemed = service.redeem_code("246 810", ip).await.unwrap();
        assert!(redeemed.path.starts_with("/m/"), "{engine:?}");
        let again = service.redeem_code("246810", ip).await;
        assert!(matches!(again, Err(HandoffError::CodeUnknown)));

        // Four devices claim at once: one holds the session.
        let phone = service.phone_state(&secret, None).await.unwrap();
        assert_eq!((phone.stage, phone.this_device), (Stage::Pending, false));
        let claims = (0..4).map(|_| {
            let (service, secret) = (service.clone(), secret.clone());
            tokio::spawn(async move { service.claim(&secret, None).await })
        });
        let mut devices = Vec::new();
        for claim in futures_util::future::join_all(claims).await {
            match claim.unwrap() {
                Ok((state, Some(device))) => {
                    assert!(state.this_device);
                    devices.push(device);
                }
                Ok(other) => panic!("{engine:?}: claimed without a device: {other:?}"),
                Err(HandoffError::Conflict | HandoffError::OtherDevice) => {}
                Err(error) => panic!("{engine:?}: {error:?}"),
            }
        }
        assert_eq!(devices.len(), 1, "{engine:?}");
        let phone = service
            .phone_state(&secret, Some(&devices[0]))
            .await
            .unwrap();
        assert_eq!((phone.stage, phone.this_device), (Stage::Opened, true));
        let early = service.start_liveness(&secret, Some(&devices[0])).await;
        assert!(matches!(early, Err(HandoffError::WrongStep { .. })));

        // Time runs out, then the retention.
        clock.advance(time::Duration::minutes(SESSION_MINUTES + 1));
        assert_eq!(service.purge().await.unwrap(), 0);
        let status = service.status(owner, NUMBER).await.unwrap();
        assert_eq!(status.stage, Some(Stage::Expired), "{engine:?}");
        let review = service.review(NUMBER).await.unwrap().expect("a session");
        assert_eq!(review.status.stage, Some(Stage::Expired));
        assert!(review.photos.is_empty());
        clock.advance(time::Duration::days(30));
        assert_eq!(service.purge().await.unwrap(), 1, "{engine:?}");
        assert_eq!(service.purge().await.unwrap(), 0);
        let gone = service.phone_state(&secret, None).await;
        assert!(matches!(gone, Err(HandoffError::UnknownToken)), "{gone:?}");
        assert!(service.review("SQ-none").await.unwrap().is_none());
    }
}

/// A face frame: a 160 × 120 JPEG with a bright square at `offset`, so frames differ.
fn frame(offset: u32) -> Vec<u8> {
    let image = RgbImage::from_fn(160, 120, |x, y| {
        if (offset..offset + 40).contains(&x) && (30..90).contains(&y) {
            image::Rgb([230, 200, 180])
        } else {
            image::Rgb([30, 50, 70])
        }
    });
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(image)
        .write_to(&mut out, ImageOutputFormat::Jpeg(85))
        .unwrap();
    out.into_inner()
}

#[tokio::test]
async fn photos_and_liveness_complete_the_session_on_either_engine() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let engine = db.engine();
        let photos = dir.path().join(format!("{engine:?}"));
        let (service, keys, _, _) = service(&db, &photos);
        let (user, application) = common::rows::application(&db, NUMBER).await;
        let secret = waiting_session(&db, &keys, application).await;
        let (_, device) = service.claim(&secret, None).await.unwrap();
        let device = device.expect("a device secret");
        let device = Some(device.as_str());

        let card = fixtures::jpeg(640, 400);
        let front = service.id_photo(&secret, device, IdSide::Front, card.clone());
        let front = front.await.unwrap();
        assert!(front.accepted && front.mismatches.is_empty(), "{engine:?}");
        assert_eq!(front.state.stage, Stage::IdFrontDone);
        let back = service.id_photo(&secret, device, IdSide::Back, card.clone());
        assert_eq!(back.await.unwrap().state.stage, Stage::IdBackDone);

        let challenge = service.start_liveness(&secret, device).await.unwrap();
        let frames = (0..u32::from(challenge.min_frames))
            .map(|i| frame(i * 30))
            .collect();
        let result = service
            .liveness(&secret, device, &challenge.challenge, frames)
            .await
            .unwrap();
        assert!(result.passed, "{engine:?}: {:?}", result.failure);
        assert_eq!(result.face_matched, Some(true));
        assert_eq!(result.state.stage, Stage::Completed);
        let stale = service.liveness(&secret, device, &challenge.challenge, Vec::new());
        assert!(stale.await.is_err(), "a completed session admits nobody");

        let status = service.status(UserId(user), NUMBER).await.unwrap();
        assert!(status.done, "{engine:?}");
        let review = service.review(NUMBER).await.unwrap().expect("a session");
        assert_eq!(review.photos, [IdSide::Front, IdSide::Back]);
        assert_eq!(review.attempts.len(), 1);
        let photo = service.review_photo(NUMBER, IdSide::Back).await.unwrap();
        assert_eq!(
            photo,
            Some(card),
            "{engine:?}: stored sealed, read back whole"
        );
        let stored = std::fs::read_dir(&photos).unwrap().count();
        assert!(stored >= 2, "{engine:?}: {stored} objects");
    }
}
