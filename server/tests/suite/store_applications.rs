//! The application repository on both engines: drafts, the idempotent submit and its numbers,
//! the owner check, lists and the console's search.

use crate::common;

use std::sync::Arc;

use common::rows::{self, new_application};
use server::store::Db;
use server::store::applications::{ApplicationRepo, Page, QueueFilter, Submitted};

const DAY: &str = "20250301";

fn seal(number: &str) -> Vec<u8> {
    number.as_bytes().to_vec()
}

async fn count(db: &Db, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(db.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_draft_is_saved_until_submitted_once() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let engine = db.engine();
        let user = rows::user(&db, 1).await;
        rows::snapshot(&db).await;
        assert_eq!(db.draft(user, "demo").await.unwrap(), None);
        let submit = new_application(user, "demo", DAY, 100);
        assert_eq!(
            db.submit(&submit, &seal).await.unwrap(),
            Submitted::NoDraft,
            "{engine:?}"
        );

        db.save_draft(user, "demo", b"one", "org", 10)
            .await
            .unwrap()
            .unwrap();
        db.save_draft(user, "demo", b"two", "agent", 20)
            .await
            .unwrap()
            .unwrap();
        let draft = db.draft(user, "demo").await.unwrap().unwrap();
        assert_eq!(
            (draft.data.as_slice(), draft.step.as_str(), draft.saved_at),
            (&b"two"[..], "agent", 20)
        );
        assert_eq!(count(&db, "drafts").await, 1, "{engine:?}");

        let number = match db.submit(&submit, &seal).await.unwrap() {
            Submitted::New(number) => number,
            other => panic!("{engine:?}: {other:?}"),
        };
        assert_eq!(number, "SQ202503010001");
        // Again (a double click): the same number, nothing new.
        assert_eq!(
            db.submit(&submit, &seal).await.unwrap(),
            Submitted::Earlier(number.clone())
        );
        assert_eq!(
            db.save_draft(user, "demo", b"three", "org", 30)
                .await
                .unwrap(),
            Err(number.clone()),
            "{engine:?}"
        );
        let draft = db.draft(user, "demo").await.unwrap().unwrap();
        assert_eq!(draft.submitted_as.as_deref(), Some(number.as_str()));
        assert_eq!(draft.data, b"two");

        let row = db.by_number(&number, Some(user)).await.unwrap().unwrap();
        assert_eq!(row.data, number.as_bytes(), "sealed for its number");
        assert_eq!(
            (row.status.as_str(), row.total_fen, row.submitted_at),
            ("awaiting_materials", 38_000, 100)
        );
        // The next day's sequence starts again; the same day's goes on.
        let other = rows::user(&db, 2).await;
        assert_eq!(
            rows::submitted(&db, other, "demo", DAY, 200).await,
            "SQ202503010002"
        );
        assert_eq!(
            rows::submitted(&db, other, "other", "20250302", 300).await,
            "SQ202503020001"
        );
    }
}

#[tokio::test]
async fn only_the_owner_reads_and_changes_an_application() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let engine = db.engine();
        let owner = rows::user(&db, 1).await;
        let stranger = rows::user(&db, 2).await;
        let number = rows::submitted(&db, owner, "demo", DAY, 100).await;
        let row = db.by_number(&number, None).await.unwrap().unwrap();
        assert!(
            db.by_number(&number, Some(stranger))
                .await
                .unwrap()
                .is_none()
        );
        assert!(db.by_id(row.id, Some(stranger)).await.unwrap().is_none());
        assert_eq!(
            db.by_id(row.id, Some(owner)).await.unwrap().unwrap().number,
            number
        );
        assert!(db.by_number("SQ000", None).await.unwrap().is_none());

        assert!(!db.amend(stranger, &number, b"x", 5).await.unwrap());
        assert!(db.amend(owner, &number, b"amended", 150).await.unwrap());
        assert_eq!(
            db.by_id(row.id, None).await.unwrap().unwrap().data,
            b"amended"
        );

        assert_eq!(
            db.submitted_draft(owner, &number).await.unwrap(),
            Some((b"draft".to_vec(), "demo".to_owned())),
            "{engine:?}"
        );
        assert_eq!(db.submitted_draft(stranger, &number).await.unwrap(), None);
        assert!(!db.correct(stranger, &number, b"d", b"a", 5).await.unwrap());
        assert!(db.correct(owner, &number, b"d2", b"a2", 160).await.unwrap());
        assert_eq!(db.by_id(row.id, None).await.unwrap().unwrap().data, b"a2");
        assert_eq!(
            db.submitted_draft(owner, &number).await.unwrap().unwrap().0,
            b"d2"
        );

        let later = rows::submitted(&db, owner, "other", DAY, 200).await;
        let list = db.list(owner).await.unwrap();
        assert_eq!(
            list.iter().map(|s| s.number.as_str()).collect::<Vec<_>>(),
            [later.as_str(), number.as_str()],
            "{engine:?}"
        );
        assert!(db.list(stranger).await.unwrap().is_empty());
        assert_eq!(db.paid_trade(row.id).await.unwrap(), None);
    }
}

#[tokio::test]
async fn the_queue_filters_with_typed_values_and_pages() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let engine = db.engine();
        let mut numbers = Vec::new();
        for i in 0..5u8 {
            let user = rows::user(&db, i + 1).await;
            let project = if i % 2 == 0 { "demo" } else { "other" };
            numbers.push(rows::submitted(&db, user, project, DAY, 100 + i64::from(i)).await);
        }
        sqlx::query("UPDATE applications SET status = 'awaiting_review' WHERE number = $1")
            .bind(&numbers[3])
            .execute(db.pool())
            .await
            .unwrap();
        let page = Page { number: 1, size: 2 };

        let (total, rows) = db.search(&QueueFilter::default(), page).await.unwrap();
        assert_eq!(total, 5, "{engine:?}");
        // Work first, then oldest first.
        assert_eq!(
            rows.iter().map(|r| r.number.as_str()).collect::<Vec<_>>(),
            [numbers[3].as_str(), numbers[0].as_str()]
        );
        let (_, second) = db
            .search(&QueueFilter::default(), Page { number: 2, size: 2 })
            .await
            .unwrap();
        assert_eq!(second[0].number, numbers[1]);

        let filter = QueueFilter {
            statuses: vec!["awaiting_materials".into(), "rejected".into()],
            project: Some("demo".into()),
            from: Some(101),
            to: Some(104),
            business: Some("new".into()),
            newest_first: true,
        };
        let (total, rows) = db.search(&filter, page).await.unwrap();
        assert_eq!(total, 1, "{engine:?}");
        assert_eq!(rows[0].number, numbers[2]);
        let only_review = QueueFilter {
            statuses: vec!["awaiting_review".into()],
            ..QueueFilter::default()
        };
        assert_eq!(db.search(&only_review, page).await.unwrap().0, 1);
        // Every order here is a new application's.
        assert!(rows.iter().all(|r| r.business == "new"));
        let renewals = QueueFilter {
            business: Some("renewal".into()),
            ..QueueFilter::default()
        };
        assert_eq!(db.search(&renewals, page).await.unwrap().0, 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_submits_of_one_draft_make_one_application() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let engine = db.engine();
        let user = rows::user(&db, 1).await;
        rows::snapshot(&db).await;
        db.save_draft(user, "demo", b"draft", "org", 10)
            .await
            .unwrap()
            .unwrap();
        let db = Arc::new(db);
        let submits: Vec<_> = (0..8)
            .map(|_| {
                let db = db.clone();
                tokio::spawn(async move {
                    db.submit(&new_application(user, "demo", DAY, 100), &seal)
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut new = Vec::new();
        let mut numbers = Vec::new();
        for submit in submits {
            match submit.await.unwrap() {
                Submitted::New(n) => {
                    new.push(n.clone());
                    numbers.push(n);
                }
                Submitted::Earlier(n) => numbers.push(n),
                Submitted::NoDraft => panic!("{engine:?}: draft lost"),
            }
        }
        assert_eq!(new.len(), 1, "{engine:?}");
        assert!(
            numbers.iter().all(|n| *n == new[0]),
            "{engine:?}: {numbers:?}"
        );
        assert_eq!(count(&db, "applications").await, 1);
        let last: i64 = sqlx::query_scalar("SELECT last FROM application_numbers")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(last, 1, "{engine:?}: one number taken");
    }
}

/// Two servers on one database (two pools, as two machines would have) submitting the same
/// draft at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_submitting_one_draft_make_one_application() {
    let dir = tempfile::tempdir().unwrap();
    for url in common::engines::urls(dir.path()) {
        let one = Db::connect(&url).await.unwrap();
        let two = Db::connect(&url).await.unwrap();
        let user = rows::user(&one, 1).await;
        rows::snapshot(&one).await;
        one.save_draft(user, "demo", b"draft", "org", 10)
            .await
            .unwrap()
            .unwrap();
        let submits: Vec<_> = (0..8)
            .map(|i| {
                let db = if i % 2 == 0 { one.clone() } else { two.clone() };
                tokio::spawn(async move {
                    db.submit(&new_application(user, "demo", DAY, 100), &seal)
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut outcomes = Vec::new();
        for submit in submits {
            outcomes.push(submit.await.unwrap());
        }
        let new = outcomes
            .iter()
            .filter(|o| matches!(o, Submitted::New(_)))
            .count();
        assert_eq!(new, 1, "{:?}: {outcomes:?}", one.engine());
        assert_eq!(count(&two, "applications").await, 1);
    }
}

/// The service over the repository: drafts sealed for their owner round-trip, and a submitted
/// draft refuses further saves with its number.
#[tokio::test]
async fn the_service_seals_drafts_on_either_engine() {
    use app::domain::draft::{Draft, Step};
    use app::services::StoreError;
    use app::services::applications::ApplicationStore;
    use app::services::login::UserId;
    use server::service::applications::Applications;

    let dir = tempfile::tempdir().unwrap();
    let secret = server::crypto::load_or_create_secret(&common::config(dir.path())).unwrap();
    let keys = Arc::new(server::crypto::Keys::derive(&secret));
    let clock = Arc::new(server::clock::ManualClock::new(common::START));
    for db in common::engines::every(dir.path()).await {
        let engine = db.engine();
        let user = UserId(rows::user(&db, 1).await);
        let service = Applications::new(Arc::new(db.clone()), keys.clone(), clock.clone());
        let mut draft = Draft::default();
        draft.org.name = "太原某某科技有限公司".into();
        service
            .save_draft(user, "demo", &draft, Step::Details)
            .await
            .unwrap();
        let saved = service.load_draft(user, "demo").await.unwrap().unwrap();
        assert_eq!((saved.draft, saved.step), (draft.clone(), Step::Details));
        let sealed = db.draft(user.0, "demo").await.unwrap().unwrap().data;
        assert!(
            !sealed
                .windows(draft.org.name.len())
                .any(|w| w == draft.org.name.as_bytes()),
            "{engine:?}: stored in the clear"
        );
        // Another user's row holding this blob does not open.
        let other = UserId(rows::user(&db, 2).await);
        db.save_draft(other.0, "demo", &sealed, "details", 5)
            .await
            .unwrap()
            .unwrap();
        assert!(service.load_draft(other, "demo").await.is_err());

        rows::snapshot(&db).await;
        let seal = |number: &str| number.as_bytes().to_vec();
        let Submitted::New(number) = db
            .submit(&new_application(user.0, "demo", DAY, 100), &seal)
            .await
            .unwrap()
        else {
            panic!("{engine:?}: not submitted");
        };
        assert!(matches!(
            service.save_draft(user, "demo", &draft, Step::Review).await,
            Err(StoreError::Submitted(n)) if n == number
        ));
        assert_eq!(
            service.submitted_draft(user, &number).await.unwrap(),
            Some(draft),
            "{engine:?}"
        );
    }
}
