//! The payment and sandbox repositories on both engines, including notices and requests for a
//! code that race each other (also from two handles on one PostgreSQL database, as two
//! servers would).

use crate::common;

use std::sync::Arc;

use app::domain::order::{PaymentMethod, Status};
use common::seed;
use server::store::payments::{NewTrade, Notice, Noticed, Paid, PaymentRepo};
use server::store::sandbox::{SandboxRepo, SandboxTrade};
use server::store::{Db, Engine};

const PAID_EVENTS: &str =
    "SELECT COUNT(*) FROM order_events WHERE application_id = $1 AND event = 'paid_online'";
const PAID_TRADES: &str =
    "SELECT COUNT(*) FROM payments WHERE application_id = $1 AND state = 'paid'";
const OPEN_TRADES: &str =
    "SELECT COUNT(*) FROM payments WHERE application_id = $1 AND state = 'created'";

fn trade(application_id: i64, out_trade_no: &str) -> NewTrade {
    NewTrade {
        out_trade_no: out_trade_no.to_owned(),
        application_id,
        provider: "local".into(),
        method: PaymentMethod::Wechat,
        amount_fen: 30_000,
        code_url: format!("http://localhost/sandbox/cashier/{out_trade_no}"),
        expires_at: 2_000,
        created_at: 1_000,
    }
}

fn notice(out_trade_no: &str, transaction_id: &str) -> Notice {
    Notice {
        provider: "local".into(),
        out_trade_no: out_trade_no.to_owned(),
        transaction_id: transaction_id.to_owned(),
        amount_fen: 30_000,
        paid_at: 1_100,
        at: 1_200,
    }
}

async fn status(db: &Db, id: i64) -> String {
    sqlx::query_scalar("SELECT status FROM applications WHERE id = $1")
        .bind(id)
        .fetch_one(db.pool())
        .await
        .unwrap()
}

/// An application of a new user waiting for payment: (user, application id).
async fn awaiting(db: &Db, n: u8, number: &str) -> (i64, i64) {
    let user = seed::user(db, n).await;
    let id = seed::application(db, user, number, Status::AwaitingPayment.code()).await;
    (user, id)
}

#[tokio::test]
async fn one_trade_is_open_per_order_and_closing_makes_room() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let engine = db.engine();
        let (user, id) = awaiting(&db, 1, "A1").await;
        assert_eq!(db.application_of(user, "A1").await.unwrap(), Some(id));
        assert_eq!(db.application_of(user + 1, "A1").await.unwrap(), None);

        assert!(db.open(&trade(id, "A1P1")).await.unwrap(), "{engine:?}");
        assert!(!db.open(&trade(id, "A1P2")).await.unwrap(), "{engine:?}");
        let open = db.open_trades(id).await.unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].out_trade_no, "A1P1");
        assert_eq!(open[0].method, "wechat");
        assert_eq!((open[0].amount_fen, open[0].expires_at), (30_000, 2_000));

        assert!(db.close_trade("A1P1", 1_500).await.unwrap());
        assert!(!db.close_trade("A1P1", 1_500).await.unwrap(), "closed once");
        assert!(db.open(&trade(id, "A1P2")).await.unwrap(), "{engine:?}");
        assert_eq!(db.open_trades(id).await.unwrap()[0].out_trade_no, "A1P2");
        // A number already used is refused outright.
        db.close_trade("A1P2", 1_500).await.unwrap();
        assert!(db.open(&trade(id, "A1P2")).await.is_err());
    }
}

#[tokio::test]
async fn a_notice_pays_the_trade_and_moves_the_order_once() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let engine = db.engine();
        let (_, id) = awaiting(&db, 1, "A1").await;
        db.open(&trade(id, "A1P1")).await.unwrap();

        assert_eq!(
            db.record_paid(&notice("nope", "T1")).await.unwrap(),
            Noticed::UnknownTrade
        );
        let wrong = Notice {
            amount_fen: 1,
            ..notice("A1P1", "T1")
        };
        assert_eq!(
            db.record_paid(&wrong).await.unwrap(),
            Noticed::Amount { expected: 30_000 }
        );
        let elsewhere = Notice {
            provider: "wechat".into(),
            ..notice("A1P1", "T1")
        };
        assert_eq!(
            db.record_paid(&elsewhere).await.unwrap(),
            Noticed::UnknownTrade
        );
        assert_eq!(status(&db, id).await, "awaiting_payment");

        let paid = db.record_paid(&notice("A1P1", "T1")).await.unwrap();
        let Noticed::Paid(Paid {
            new: true,
            was_closed: false,
            ref number,
            method: PaymentMethod::Wechat,
            moved_to: Some(Status::AwaitingReview),
            ref note,
        }) = paid
        else {
            panic!("{engine:?}: {paid:?}");
        };
        assert_eq!(number, "A1");
        assert!(note.ends_with("交易单号 T1"), "{note}");
        assert_eq!(status(&db, id).await, "awaiting_review");
        let method: String =
            sqlx::query_scalar("SELECT payment_method FROM applications WHERE id = $1")
                .bind(id)
                .fetch_one(db.pool())
                .await
                .unwrap();
        assert_eq!(method, "wechat");

        // The provider's retry: answered, nothing changes.
        let again = db.record_paid(&notice("A1P1", "T1")).await.unwrap();
        assert!(
            matches!(&again, Noticed::Paid(p) if !p.new && p.moved_to.is_none()),
            "{again:?}"
        );
        assert_eq!(
            db.record_paid(&notice("A1P1", "T2")).await.unwrap(),
            Noticed::Conflict
        );
        assert_eq!(seed::count(&db, PAID_EVENTS, id).await, 1, "{engine:?}");
        assert_eq!(seed::count(&db, PAID_TRADES, id).await, 1);
        assert!(db.open_trades(id).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_closed_trade_paid_late_still_counts_and_a_second_payment_moves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let (_, id) = awaiting(&db, 1, "A1").await;
        db.open(&trade(id, "A1P1")).await.unwrap();
        assert_eq!(db.paid_trade(id).await.unwrap(), None);
        db.close_trade("A1P1", 1_050).await.unwrap();
        db.open(&trade(id, "A1P2")).await.unwrap();

        let late = db.record_paid(&notice("A1P1", "T1")).await.unwrap();
        assert!(
            matches!(&late, Noticed::Paid(p) if p.new && p.was_closed && p.moved_to.is_some()),
            "{late:?}"
        );
        // The other code paid too: kept as paid, the order does not move twice.
        let second = Notice {
            paid_at: 1_150,
            ..notice("A1P2", "T2")
        };
        let second = db.record_paid(&second).await.unwrap();
        assert!(
            matches!(&second, Noticed::Paid(p) if p.new && p.moved_to.is_none()),
            "{second:?}"
        );
        // The console shows the first payment.
        let paid = db.paid_trade(id).await.unwrap().unwrap();
        assert_eq!(
            (paid.out_trade_no.as_str(), paid.paid_at),
            ("A1P1", Some(1_100))
        );
        assert_eq!(paid.transaction_id.as_deref(), Some("T1"));
        assert_eq!(seed::count(&db, PAID_TRADES, id).await, 2);
        assert_eq!(seed::count(&db, PAID_EVENTS, id).await, 1);
    }
}

#[tokio::test]
async fn the_sweep_asks_about_trades_open_a_while_oldest_first() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        for (n, number) in [(1, "A1"), (2, "A2"), (3, "A3")] {
            let (_, id) = awaiting(&db, n, number).await;
            let created_at = 1_000 + i64::from(n) * 10;
            let opened = NewTrade {
                created_at,
                expires_at: created_at + 900,
                ..trade(id, &format!("{number}P"))
            };
            db.open(&opened).await.unwrap();
        }
        db.close_trade("A2P", 1_100).await.unwrap();
        let due = db.due_for_reconcile("local", 1_030, 10).await.unwrap();
        assert_eq!(
            due,
            vec![("A1P".to_owned(), 1_910), ("A3P".to_owned(), 1_930)]
        );
        assert_eq!(
            db.due_for_reconcile("local", 1_030, 1).await.unwrap().len(),
            1
        );
        assert!(
            db.due_for_reconcile("local", 1_000, 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            db.due_for_reconcile("other", 2_000, 10)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn the_sandbox_keeps_its_own_records() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let (_, id) = awaiting(&db, 1, "A1").await;
        db.open(&trade(id, "A1P1")).await.unwrap();
        db.sandbox_open("A1P1", 30_000, 2_000).await.unwrap();
        db.sandbox_open("A1P2", 30_000, 2_000).await.unwrap();

        let row = db.cashier_view("A1P1").await.unwrap().unwrap();
        assert_eq!((row.number.as_str(), row.state.as_str()), ("A1", "open"));
        assert_eq!(
            (row.method.as_str(), row.status.as_str()),
            ("wechat", "awaiting_payment")
        );
        assert_eq!(
            db.cashier_view("A1P2").await.unwrap(),
            None,
            "no trade in payments"
        );

        assert_eq!(
            db.sandbox_pay("A1P1", "T1", 2_000).await.unwrap(),
            None,
            "expired"
        );
        assert_eq!(
            db.sandbox_pay("A1P1", "T1", 1_500).await.unwrap(),
            Some(30_000)
        );
        assert_eq!(
            db.sandbox_pay("A1P1", "T2", 1_500).await.unwrap(),
            None,
            "paid once"
        );
        assert_eq!(
            db.sandbox_trade("A1P1").await.unwrap(),
            Some(SandboxTrade {
                state: "paid".into(),
                amount_fen: 30_000,
                transaction_id: Some("T1".into()),
                paid_at: Some(1_500),
            })
        );
        assert_eq!(
            db.sandbox_close("A1P1").await.unwrap().as_deref(),
            Some("paid")
        );
        assert_eq!(
            db.sandbox_close("A1P2").await.unwrap().as_deref(),
            Some("closed")
        );
        assert_eq!(db.sandbox_close("none").await.unwrap(), None);
        assert_eq!(db.sandbox_trade("none").await.unwrap(), None);
    }
}

/// Eight copies of one notice at once, through `handles` in turn: one payment, one event.
async fn race_notices(handles: &[Arc<Db>], id: i64) {
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let db = handles[i % handles.len()].clone();
            tokio::spawn(async move { db.record_paid(&notice("A1P1", "T1")).await })
        })
        .collect();
    let mut new = 0;
    for task in tasks {
        match task.await.unwrap().unwrap() {
            Noticed::Paid(paid) => new += usize::from(paid.new),
            other => panic!("{other:?}"),
        }
    }
    let db = &handles[0];
    assert_eq!(new, 1, "{:?}", db.engine());
    assert_eq!(seed::count(db, PAID_TRADES, id).await, 1);
    assert_eq!(
        seed::count(db, PAID_EVENTS, id).await,
        1,
        "{:?}",
        db.engine()
    );
    assert_eq!(status(db, id).await, "awaiting_review");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_identical_notices_make_one_payment_and_one_event() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let (_, id) = awaiting(&db, 1, "A1").await;
        db.open(&trade(id, "A1P1")).await.unwrap();
        race_notices(&[Arc::new(db)], id).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_requests_to_open_a_trade_leave_one_open() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let (_, id) = awaiting(&db, 1, "A1").await;
        let db = Arc::new(db);
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let db = db.clone();
                tokio::spawn(async move { db.open(&trade(id, &format!("A1P{i}"))).await })
            })
            .collect();
        let mut opened = 0;
        for task in tasks {
            opened += usize::from(task.await.unwrap().unwrap());
        }
        assert_eq!(opened, 1, "{:?}", db.engine());
        assert_eq!(seed::count(&db, OPEN_TRADES, id).await, 1);
    }
}

/// Two servers on one PostgreSQL database: two handles, each with its own pool, get the same
/// notice at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_on_one_postgres_database_record_a_notice_once() {
    if std::env::var_os("TEST_POSTGRES_URL").is_none() {
        eprintln!("PostgreSQL skipped: TEST_POSTGRES_URL is unset");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let url = common::engines::database_url(Engine::Postgres, dir.path());
    let first = Arc::new(Db::connect(&url).await.unwrap());
    let second = Arc::new(Db::connect(&url).await.unwrap());
    let (_, id) = awaiting(&first, 1, "A1").await;
    first.open(&trade(id, "A1P1")).await.unwrap();
    race_notices(&[first, second], id).await;
}
