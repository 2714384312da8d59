//! Money is never half-written: a paid notice records the trade and moves the order together
//! or not at all; trades whose notice never came are asked about at the provider and settled
//! or closed by the sweep; two requests for a QR code at once leave one trade open; two servers
//! on one database record a notice once.

use crate::common;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use common::payment::{awaiting_payment, code, notice, request_code, status};
use common::rig::Rig;
use serde_json::{Value, json};
use server::config::{CaptchaMode, Config};
use server::store::Engine;

async fn start() -> Rig {
    let rig = common::rig::start().await;
    // The sweep runs when the test says, not also on the maintenance task's timer.
    rig.server.maintenance.abort();
    rig
}

/// Delivers `body` to the notify route, signed afresh as a provider's retry would be.
async fn deliver(rig: &Rig, body: &[u8]) -> (StatusCode, String) {
    deliver_to(&rig.server, body).await
}

async fn deliver_to(server: &server::Server, body: &[u8]) -> (StatusCode, String) {
    let headers: HeaderMap = server.payments.sandbox.as_ref().unwrap().sign(body);
    let mut request = Request::post("/payment/notify/local")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_vec()))
        .unwrap();
    request.headers_mut().extend(headers);
    let (status, _, body) = common::send(&server.router, request).await;
    (status, body)
}

/// Pays `out_trade_no` at the sandbox cashier, as the payer's phone does.
async fn pay_at_cashier(rig: &Rig, out_trade_no: &str) -> (StatusCode, String) {
    let pay = Request::post(format!("/sandbox/cashier/{out_trade_no}/pay"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::empty())
        .unwrap();
    let (status, _, page) = common::send(&rig.server.router, pay).await;
    (status, page)
}

async fn exec(rig: &Rig, sql: &str) {
    sqlx::query(sql)
        .execute(rig.server.db.pool())
        .await
        .unwrap();
}

/// Makes every attempt to record an order's online payment fail inside the database, as a
/// crash or a full disk would between writing the trade and moving the order.
async fn break_order_moves(rig: &Rig) {
    match rig.server.db.engine() {
        Engine::Sqlite => {
            exec(
                rig,
                "CREATE TRIGGER break_paid_online BEFORE INSERT ON order_events
                 WHEN NEW.event = 'paid_online'
                 BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
            )
            .await;
        }
        Engine::Postgres => {
            exec(
                rig,
                "CREATE FUNCTION break_paid_online() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN
                     IF NEW.event = 'paid_online' THEN RAISE EXCEPTION 'injected failure'; END IF;
                     RETURN NEW;
                 END $$",
            )
            .await;
            exec(
                rig,
                "CREATE TRIGGER break_paid_online BEFORE INSERT ON order_events
                 FOR EACH ROW EXECUTE FUNCTION break_paid_online()",
            )
            .await;
        }
    }
}

async fn mend_order_moves(rig: &Rig) {
    let drop = match rig.server.db.engine() {
        Engine::Sqlite => "DROP TRIGGER break_paid_online",
        Engine::Postgres => "DROP TRIGGER break_paid_online ON order_events",
    };
    exec(rig, drop).await;
}

async fn paid_events(rig: &Rig, number: &str) -> i64 {
    paid_events_in(&rig.server, number).await
}

async fn paid_events_in(server: &server::Server, number: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM order_events e JOIN applications a ON a.id = e.application_id
         WHERE a.number = $1 AND e.event = 'paid_online'",
    )
    .bind(number)
    .fetch_one(server.db.pool())
    .await
    .unwrap()
}

/// The trade's state and provider transaction id.
async fn trade(rig: &Rig, out_trade_no: &str) -> (String, Option<String>) {
    sqlx::query_as("SELECT state, transaction_id FROM payments WHERE out_trade_no = $1")
        .bind(out_trade_no)
        .fetch_one(rig.server.db.pool())
        .await
        .unwrap()
}

async fn open_trades(rig: &Rig, number: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT p.out_trade_no FROM payments p JOIN applications a ON a.id = p.application_id
         WHERE a.number = $1 AND p.state = 'created'",
    )
    .bind(number)
    .fetch_all(rig.server.db.pool())
    .await
    .unwrap()
}

fn out_trade_no(trade: &Value) -> String {
    trade["out_trade_no"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_notice_whose_order_move_fails_writes_nothing_and_its_retry_counts_once() {
    let rig = start().await;
    let (browser, number) = awaiting_payment(&rig.server).await;
    let opened = code(&browser, &number, "wechat", false).await;
    let out_trade_no = out_trade_no(&opened);
    let body = notice(
        &out_trade_no,
        opened["amount_fen"].as_i64().unwrap(),
        "4200000000000000000000000101",
    );

    break_order_moves(&rig).await;
    let (failed, _) = deliver(&rig, &body).await;
    assert_eq!(failed, StatusCode::INTERNAL_SERVER_ERROR);
    // Nothing of it stands: the provider is told to try again, and the trade is as it was.
    assert_eq!(trade(&rig, &out_trade_no).await, ("created".into(), None));
    assert_eq!(paid_events(&rig, &number).await, 0);
    assert_eq!(status(&browser, &number).await, json!("awaiting_payment"));

    // The provider's retry, once the fault is gone, records it; further retries change nothing.
    mend_order_moves(&rig).await;
    for _ in 0..2 {
        let (retried, reply) = deliver(&rig, &body).await;
        assert_eq!(retried, StatusCode::OK, "{reply}");
    }
    assert_eq!(
        trade(&rig, &out_trade_no).await,
        (
            "paid".into(),
            Some("4200000000000000000000000101".to_owned())
        )
    );
    assert_eq!(paid_events(&rig, &number).await, 1);
    assert_eq!(status(&browser, &number).await, json!("awaiting_review"));
}

#[tokio::test]
async fn a_payment_whose_notice_was_lost_is_settled_once_by_the_sweep() {
    let rig = start().await;
    let (browser, number) = awaiting_payment(&rig.server).await;
    let opened = code(&browser, &number, "alipay", false).await;
    let out_trade_no = out_trade_no(&opened);

    // The payer pays; the notice fails on our side and the provider gives up on it.
    break_order_moves(&rig).await;
    let (paid, page) = pay_at_cashier(&rig, &out_trade_no).await;
    assert_eq!(paid, StatusCode::ACCEPTED, "{page}");
    assert!(page.contains("无需重复支付"), "{page}");
    mend_order_moves(&rig).await;
    assert_eq!(trade(&rig, &out_trade_no).await.0, "created");
    assert_eq!(status(&browser, &number).await, json!("awaiting_payment"));
    // The cashier now refuses a second payment: the provider knows it was paid.
    let (again, page) = pay_at_cashier(&rig, &out_trade_no).await;
    assert_eq!(again, StatusCode::CONFLICT);
    assert!(page.contains("已经支付"), "{page}");

    // A trade is asked about once it has been open a while.
    rig.clock.advance(time::Duration::minutes(2));
    let swept = rig.server.payments.service.reconcile().await.unwrap();
    assert_eq!((swept.paid, swept.closed), (1, 0));
    let (state, transaction_id) = trade(&rig, &out_trade_no).await;
    assert_eq!(state, "paid");
    assert!(transaction_id.is_some_and(|id| id.starts_with("4200")));
    assert_eq!(paid_events(&rig, &number).await, 1);
    assert_eq!(status(&browser, &number).await, json!("awaiting_review"));

    // Once settled, the trade is no longer asked about, and nothing happens twice.
    let swept = rig.server.payments.service.reconcile().await.unwrap();
    assert_eq!((swept.paid, swept.closed), (0, 0));
    assert_eq!(paid_events(&rig, &number).await, 1);
}

#[tokio::test]
async fn an_unpaid_trade_is_closed_by_the_sweep_once_it_has_expired() {
    let rig = start().await;
    let (browser, number) = awaiting_payment(&rig.server).await;
    let out_trade_no = out_trade_no(&code(&browser, &number, "wechat", false).await);

    // Open, unpaid and in time: left alone.
    rig.clock.advance(time::Duration::minutes(5));
    let swept = rig.server.payments.service.reconcile().await.unwrap();
    assert_eq!((swept.paid, swept.closed), (0, 0));
    assert_eq!(trade(&rig, &out_trade_no).await.0, "created");

    // Past its 15 minutes: closed here and at the provider, whose cashier refuses it.
    rig.clock
        .advance(time::Duration::minutes(10) + time::Duration::seconds(1));
    let swept = rig.server.payments.service.reconcile().await.unwrap();
    assert_eq!((swept.paid, swept.closed), (0, 1));
    assert_eq!(trade(&rig, &out_trade_no).await.0, "closed");
    let (_, _, page) = common::get(&rig.server, &format!("/sandbox/cashier/{out_trade_no}")).await;
    assert!(
        page.contains("已失效") && !page.contains("确认支付"),
        "{page}"
    );
    assert_eq!(status(&browser, &number).await, json!("awaiting_payment"));
    assert_eq!(paid_events(&rig, &number).await, 0);
}

#[tokio::test]
async fn a_new_code_for_a_trade_paid_without_a_notice_settles_the_order_instead() {
    let rig = start().await;
    let (browser, number) = awaiting_payment(&rig.server).await;
    let out_trade_no = out_trade_no(&code(&browser, &number, "wechat", false).await);
    break_order_moves(&rig).await;
    let (paid, _) = pay_at_cashier(&rig, &out_trade_no).await;
    assert_eq!(paid, StatusCode::ACCEPTED);
    mend_order_moves(&rig).await;

    // Switching to Alipay must close the WeChat trade, which the provider refuses: it was
    // paid. The payment is taken from the provider's answer, and no second code is made.
    let refused = request_code(&browser, &number, "alipay", false).await;
    let message = refused.json()["Err"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(message.contains("待审核"), "{}", refused.body);
    assert_eq!(trade(&rig, &out_trade_no).await.0, "paid");
    assert_eq!(paid_events(&rig, &number).await, 1);
    assert!(open_trades(&rig, &number).await.is_empty());
}

#[tokio::test]
async fn two_requests_for_a_code_at_once_leave_one_open_trade() {
    let rig = start().await;
    let (browser, number) = awaiting_payment(&rig.server).await;

    let (first, second) = tokio::join!(
        code(&browser, &number, "wechat", false),
        code(&browser, &number, "wechat", false)
    );
    assert_eq!(first["out_trade_no"], second["out_trade_no"]);
    assert_eq!(open_trades(&rig, &number).await, [out_trade_no(&first)]);

    // Two asking for a new code at once (a double click, two tabs), for the same method or
    // two: one trade stays open, and it is one of the two answered. How the two interleave
    // varies from run to run, so a few rounds cover the orders that matter.
    for round in 0..8 {
        let other = if round % 2 == 0 { "wechat" } else { "alipay" };
        let (a, b) = tokio::join!(
            code(&browser, &number, "wechat", true),
            code(&browser, &number, other, true)
        );
        let open = open_trades(&rig, &number).await;
        assert_eq!(open.len(), 1, "round {round}: {open:?}");
        assert!(
            open[0] == out_trade_no(&a) || open[0] == out_trade_no(&b),
            "round {round}"
        );
    }
}

/// Two servers on one database (with `TEST_ENGINE=postgres`, one PostgreSQL database), as two
/// machines behind one address: a notice and its retries reach both at once and count once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_on_one_database_record_a_notice_once() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        captcha: CaptchaMode::Off,
        ..common::config(dir.path())
    };
    let (first, _) = common::start_with(config.clone()).await;
    let (second, _) = common::start_with(config).await;
    for server in [&first, &second] {
        server.maintenance.abort();
    }
    let (browser, number) = awaiting_payment(&first).await;
    let opened = code(&browser, &number, "wechat", false).await;
    let body = notice(
        &out_trade_no(&opened),
        opened["amount_fen"].as_i64().unwrap(),
        "4200000000000000000000000404",
    );
    let replies = futures_util::future::join_all(
        (0..8).map(|i| deliver_to(if i % 2 == 0 { &first } else { &second }, &body)),
    )
    .await;
    for (status, reply) in replies {
        assert_eq!(status, StatusCode::OK, "{reply}");
    }
    assert_eq!(paid_events_in(&first, &number).await, 1);
    assert_eq!(status(&browser, &number).await, json!("awaiting_review"));
}
