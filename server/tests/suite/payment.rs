//! Paying for an application against the real router: the sandbox cashier opened from the QR
//! code's link, the signed notices it sends (and forged, wrong or repeated ones), re-issued QR
//! codes, the bank transfer's voucher, and another applicant kept out.

use crate::common;
use crate::fixtures;

use app::api::payment::{LoadPayPage, NewPaymentCode, PaymentStatus};
use app::domain::order::{Event, Status};
use app::services::orders::{Change, Who};
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use common::applicant::{self, OWNER, PROJECT};
use common::browser::signed_up;
use common::payment::{awaiting_payment, call, code, notice, status};
use serde_json::{Value, json};
use server::config::{CaptchaMode, Config, SandboxMode};

const OTHER: &str = "13987654321";
const BOUNDARY: &str = "----payment-test-boundary";

struct Rig {
    _dir: tempfile::TempDir,
    server: server::Server,
}

async fn start() -> Rig {
    start_in(SandboxMode::On).await
}

async fn start_in(sandbox: SandboxMode) -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        captcha: CaptchaMode::Off,
        sandbox,
        ..common::config(dir.path())
    };
    let (server, _clock) = common::start_with(config).await;
    Rig { _dir: dir, server }
}

fn signed(rig: &Rig, body: &[u8]) -> HeaderMap {
    rig.server.payments.sandbox.as_ref().unwrap().sign(body)
}

async fn deliver(rig: &Rig, headers: HeaderMap, body: Vec<u8>) -> (StatusCode, String) {
    let mut request = Request::post("/payment/notify/local")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap();
    request.headers_mut().extend(headers);
    let (status, _, body) = common::send(&rig.server.router, request).await;
    (status, body)
}

async fn count(rig: &Rig, sql: &str, bind: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(bind)
        .fetch_one(rig.server.db.pool())
        .await
        .unwrap()
}

async fn paid_events(rig: &Rig, number: &str) -> i64 {
    count(
        rig,
        "SELECT COUNT(*) FROM order_events e JOIN applications a ON a.id = e.application_id
         WHERE a.number = $1 AND e.event = 'paid_online'",
        number,
    )
    .await
}

async fn trade_state(rig: &Rig, out_trade_no: &str) -> String {
    sqlx::query_scalar("SELECT state FROM payments WHERE out_trade_no = $1")
        .bind(out_trade_no)
        .fetch_one(rig.server.db.pool())
        .await
        .unwrap()
}

fn path_of(url: &str) -> &str {
    let rest = url.split_once("://").unwrap().1;
    &rest[rest.find('/').unwrap()..]
}

#[tokio::test]
async fn the_sandbox_cashier_opened_from_the_qr_link_pays_and_the_order_goes_to_review() {
    let rig = start().await;
    let (browser, number) = awaiting_payment(&rig.server).await;
    let trade = code(&browser, &number, "wechat", false).await;
    let out_trade_no = trade["out_trade_no"].as_str().unwrap();
    let amount = trade["amount_fen"].as_i64().unwrap();
    // The quote: soetp's org certificate for a year, 380 + 100 medium.
    assert_eq!(amount, 48_000);
    let cashier = path_of(trade["code_url"].as_str().unwrap()).to_owned();
    assert_eq!(cashier, format!("/sandbox/cashier/{out_trade_no}"));

    // A phone has no session: the cashier needs none.
    let (page_status, _, page) = common::get(&rig.server, &cashier).await;
    assert_eq!(page_status, StatusCode::OK);
    assert!(page.contains("沙箱收银台") && page.contains("不会产生任何真实扣款"));
    assert!(page.contains("¥480.00") && page.contains(&number), "{page}");
    let pay = Request::post(format!("{cashier}/pay"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::empty())
        .unwrap();
    let (paid_status, _, paid) = common::send(&rig.server.router, pay).await;
    assert_eq!(paid_status, StatusCode::OK, "{paid}");
    assert!(paid.contains("支付成功"));

    assert_eq!(status(&browser, &number).await, json!("awaiting_review"));
    assert_eq!(trade_state(&rig, out_trade_no).await, "paid");
    assert_eq!(paid_events(&rig, &number).await, 1);
    let order = rig
        .server
        .state
        .orders
        .view(None, &number)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(order.status, Status::AwaitingReview);
    assert_eq!(
        order.payment_method,
        Some(app::domain::order::PaymentMethod::Wechat)
    );

    // Paying the same code again is refused by the cashier.
    let again = Request::post(format!("{cashier}/pay"))
        .body(Body::empty())
        .unwrap();
    let (again_status, _, again) = common::send(&rig.server.router, again).await;
    assert_eq!(again_status, StatusCode::CONFLICT);
    assert!(again.contains("已经支付"));
    // And no new code is made for a paid order.
    let refused = call::<NewPaymentCode>(
        &browser,
        &[
            ("project", PROJECT),
            ("number", &number),
            ("method", "alipay"),
            ("fresh", "false"),
        ],
    )
    .await;
    assert!(refused.json()["Err"].as_str().unwrap().contains("待审核"));
}

#[tokio::test]
async fn a_forged_or_unsigned_notice_is_refused_and_changes_nothing() {
    let rig = start().await;
    let (browser, number) = awaiting_payment(&rig.server).await;
    let trade = code(&browser, &number, "alipay", false).await;
    let out_trade_no = trade["out_trade_no"].as_str().unwrap();
    let amount = trade["amount_fen"].as_i64().unwrap();

    let body = notice(out_trade_no, amount, "4200000000000000000000000001");
    let (status_code, _) = deliver(&rig, HeaderMap::new(), body.clone()).await;
    assert_eq!(status_code, StatusCode::UNAUTHORIZED);

    // Signed for another body.
    let other = notice(out_trade_no, amount, "4200000000000000000000000002");
    let (status_code, reply) = deliver(&rig, signed(&rig, &other), body.clone()).await;
    assert_eq!(status_code, StatusCode::UNAUTHORIZED);
    assert!(reply.contains("FAIL"));

    // A signature by another key (another server's secret).
    let mut forged = signed(&rig, &body);
    forged.insert(
        "wechatpay-signature",
        "c2lnbmVkIGJ5IHNvbWVvbmUgZWxzZSBlbnRpcmVseSEhIQ=="
            .parse()
            .unwrap(),
    );
    let (status_code, _) = deliver(&rig, forged, body).await;
    assert_eq!(status_code, StatusCode::UNAUTHORIZED);

    assert_eq!(trade_state(&rig, out_trade_no).await, "created");
    assert_eq!(paid_events(&rig, &number).await, 0);
    assert_eq!(status(&browser, &number).await, json!("awaiting_payment"));
}

#[tokio::test]
async fn a_notice_for_the_wrong_amount_is_refused() {
    let rig = start().await;
    let (browser, number) = awaiting_payment(&rig.server).await;
    let trade = code(&browser, &number, "wechat", false).await;
    let out_trade_no = trade["out_trade_no"].as_str().unwrap();
    let amount = trade["amount_fen"].as_i64().unwrap();

    let body = notice(out_trade_no, amount - 1, "4200000000000000000000000003");
    let (status_code, _) = deliver(&rig, signed(&rig, &body), body).await;
    assert_eq!(status_code, StatusCode::BAD_REQUEST);
    assert_eq!(trade_state(&rig, out_trade_no).await, "created");
    assert_eq!(paid_events(&rig, &number).await, 0);

    // An unknown trade is refused too.
    let body = notice("SQ20250301NOPE", amount, "4200000000000000000000000004");
    let (status_code, _) = deliver(&rig, signed(&rig, &body), body).await;
    assert_eq!(status_code, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn repeated_notices_record_one_payment_and_one_event() {
    let rig = start().await;
    let (browser, number) = awaiting_payment(&rig.server).await;
    let trade = code(&browser, &number, "wechat", false).await;
    let out_trade_no = trade["out_trade_no"].as_str().unwrap();
    let amount = trade["amount_fen"].as_i64().unwrap();
    let body = notice(out_trade_no, amount, "4200000000000000000000000005");

    // Two deliveries at once, each signed afresh as a provider's retry would be.
    let first = deliver(&rig, signed(&rig, &body), body.clone());
    let second = deliver(&rig, signed(&rig, &body), body.clone());
    let (first, second) = tokio::join!(first, second);
    assert_eq!(first.0, StatusCode::OK, "{}", first.1);
    assert_eq!(second.0, StatusCode::OK, "{}", second.1);
    assert!(first.1.contains("SUCCESS") && second.1.contains("SUCCESS"));
    // And one more, hours later in the provider's eyes.
    let (third, _) = deliver(&rig, signed(&rig, &body), body).await;
    assert_eq!(third, StatusCode::OK);

    assert_eq!(
        count(
            &rig,
            "SELECT COUNT(*) FROM payments WHERE state = 'paid' AND out_trade_no = $1",
            out_trade_no
        )
        .await,
        1
    );
    assert_eq!(paid_events(&rig, &number).await, 1);
    assert_eq!(status(&browser, &number).await, json!("awaiting_review"));
}

#[tokio::test]
async fn a_new_code_closes_the_old_trade_and_a_late_payment_of_it_still_counts() {
    let rig = start().await;
    let (browser, number) = awaiting_payment(&rig.server).await;
    let wechat = code(&browser, &number, "wechat", false).await;
    let first = wechat["out_trade_no"].as_str().unwrap().to_owned();
    // Asking again for the same method gives the same code while it has time left.
    let same = code(&browser, &number, "wechat", false).await;
    assert_eq!(same["out_trade_no"], wechat["out_trade_no"]);

    // Switching to Alipay closes the WeChat trade.
    let alipay = code(&browser, &number, "alipay", false).await;
    let second = alipay["out_trade_no"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    assert_eq!(trade_state(&rig, &first).await, "closed");
    assert_eq!(trade_state(&rig, &second).await, "created");
    // A fresh code (before expiry) closes that one as well.
    let fresh = code(&browser, &number, "alipay", true).await;
    let third = fresh["out_trade_no"].as_str().unwrap().to_owned();
    assert_eq!(trade_state(&rig, &second).await, "closed");
    assert_eq!(trade_state(&rig, &third).await, "created");

    // The cashier refuses the closed code.
    let (closed_status, _, closed) =
        common::get(&rig.server, &format!("/sandbox/cashier/{first}")).await;
    assert_eq!(closed_status, StatusCode::OK);
    assert!(closed.contains("已失效") && !closed.contains("确认支付"));

    // But money that arrived for the closed trade (paid just before it closed) is recorded.
    let amount = wechat["amount_fen"].as_i64().unwrap();
    let body = notice(&first, amount, "4200000000000000000000000006");
    let (late, _) = deliver(&rig, signed(&rig, &body), body).await;
    assert_eq!(late, StatusCode::OK);
    assert_eq!(trade_state(&rig, &first).await, "paid");
    assert_eq!(paid_events(&rig, &number).await, 1);
    assert_eq!(status(&browser, &number).await, json!("awaiting_review"));
}

#[tokio::test]
async fn a_bank_transfer_voucher_moves_the_order_to_awaiting_the_transfer() {
    let rig = start().await;
    let (browser, number) = awaiting_payment(&rig.server).await;
    // A QR code opened before deciding to transfer instead.
    let trade = code(&browser, &number, "wechat", false).await;
    let uri = format!("/p/{PROJECT}/applications/{number}/materials/transfer_voucher");
    let upload = |bytes: Vec<u8>| {
        let mut body = format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; \
             filename=\"回单.png\"\r\nContent-Type: image/png\r\n\r\n"
        )
        .into_bytes();
        body.extend(bytes);
        body.extend(format!("\r\n--{BOUNDARY}--\r\n").bytes());
        Request::post(uri.clone())
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .header(header::ACCEPT, "application/json")
            .body(Body::from(body))
            .unwrap()
    };
    // Not an image: refused at the field, the order stays.
    let refused = browser.send(upload(fixtures::exe())).await;
    assert_eq!(refused.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(status(&browser, &number).await, json!("awaiting_payment"));

    let stored = browser.send(upload(fixtures::png(40, 30))).await;
    assert_eq!(stored.status, StatusCode::OK, "{}", stored.body);
    assert_eq!(stored.json()["material"]["slot"], "transfer_voucher");
    assert_eq!(status(&browser, &number).await, json!("awaiting_transfer"));
    let order = rig
        .server
        .state
        .orders
        .view(None, &number)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        order.payment_method,
        Some(app::domain::order::PaymentMethod::BankTransfer)
    );
    // The owner sees it; it cannot be removed.
    let file = browser
        .send(
            Request::get(format!("{uri}/file"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(file.status, StatusCode::OK);
    let removed = browser
        .send(
            Request::post(format!("{uri}/delete"))
                .header(header::ACCEPT, "application/json")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(removed.status, StatusCode::NOT_FOUND);
    // The page shows it, and no QR code is made any more.
    let page = call::<LoadPayPage>(&browser, &[("project", PROJECT), ("number", &number)]).await;
    let page = page.json();
    assert_eq!(page["status"], "awaiting_transfer");
    assert_eq!(page["voucher"]["slot"], "transfer_voucher");
    assert_eq!(page["method"], "bank_transfer");
    // The QR code opened before can no longer be paid.
    let cashier = path_of(trade["code_url"].as_str().unwrap()).to_owned();
    let (_, _, refused) = common::get(&rig.server, &cashier).await;
    assert!(
        refused.contains("无需支付") && !refused.contains("确认支付"),
        "{refused}"
    );
}

#[tokio::test]
async fn another_applicant_cannot_reach_the_pay_page_its_codes_or_the_voucher() {
    let rig = start().await;
    let (browser, number) = awaiting_payment(&rig.server).await;
    let _ = code(&browser, &number, "wechat", false).await;
    let stranger = signed_up(&rig.server, OTHER).await;

    let page = call::<LoadPayPage>(
        &stranger,
        &[
            ("project", PROJECT),
            ("number", &number),
            ("method", "wechat"),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.json(), Value::Null);
    let codes = call::<NewPaymentCode>(
        &stranger,
        &[
            ("project", PROJECT),
            ("number", &number),
            ("method", "wechat"),
            ("fresh", "true"),
        ],
    )
    .await;
    assert!(!codes.status.is_success(), "{}", codes.body);
    assert!(!codes.body.contains("sandbox/cashier"));
    let polled =
        call::<PaymentStatus>(&stranger, &[("project", PROJECT), ("number", &number)]).await;
    assert!(!polled.status.is_success());
    let voucher = stranger
        .send(
            Request::get(format!(
                "/p/{PROJECT}/applications/{number}/materials/transfer_voucher/file"
            ))
            .body(Body::empty())
            .unwrap(),
        )
        .await;
    assert_eq!(voucher.status, StatusCode::NOT_FOUND);
    // The owner's code is untouched by the stranger's attempt.
    assert_eq!(
        count(
            &rig,
            "SELECT COUNT(*) FROM payments p JOIN applications a ON a.id = p.application_id
             WHERE a.number = $1 AND p.state = 'created'",
            &number
        )
        .await,
        1
    );
}

#[tokio::test]
async fn the_pay_page_works_without_javascript_from_the_checklist_to_the_qr_code() {
    use app::api::payment::ConfirmMaterials;

    let rig = start().await;
    let browser = signed_up(&rig.server, OWNER).await;
    let number = applicant::submit(&rig.server, OWNER, &[]).await;
    let page_uri = format!("/p/{PROJECT}/applications/{number}/pay");
    let get = |uri: String| {
        browser.send(
            Request::get(uri)
                .header(header::ACCEPT, "text/html")
                .body(Body::empty())
                .unwrap(),
        )
    };

    // Nothing uploaded yet: the page lists what is missing, and paying is refused.
    let checklist = get(page_uri.clone()).await;
    assert_eq!(checklist.status, StatusCode::OK);
    assert!(checklist.body.contains("pay-missing"), "{}", checklist.body);
    assert!(checklist.body.contains("用手机完成身份认证"));
    assert!(
        checklist
            .body
            .contains(&format!("/p/{PROJECT}/applications/{number}/materials"))
    );
    let refused =
        call::<ConfirmMaterials>(&browser, &[("project", PROJECT), ("number", &number)]).await;
    assert!(refused.json()["Err"].as_str().unwrap().contains("还有资料"));
    assert_eq!(status(&browser, &number).await, json!("awaiting_materials"));

    // Once payment is open, choosing WeChat draws the code on the server.
    let user = applicant::user(&rig.server, OWNER).await;
    let ready = Change::new(Event::ReadyToPay, Who::Applicant(user));
    rig.server.state.orders.apply(&number, ready).await.unwrap();
    let choose = get(page_uri.clone()).await;
    assert!(choose.body.contains("请选择一种支付方式"));
    assert!(choose.body.contains("480.00"));
    let wechat = get(format!("{page_uri}?method=wechat")).await;
    assert_eq!(wechat.status, StatusCode::OK);
    assert!(wechat.body.contains("data-testid=\"pay-qr\""));
    assert!(wechat.body.contains("<svg"));
    assert!(wechat.body.contains("刷新支付状态"));
    assert!(wechat.body.contains("金融认证"), "the PIN's way is told");
    // Reloading shows the same code.
    let open: Vec<String> =
        sqlx::query_scalar("SELECT out_trade_no FROM payments WHERE state = 'created'")
            .fetch_all(rig.server.db.pool())
            .await
            .unwrap();
    assert_eq!(open.len(), 1);
    let again = get(format!("{page_uri}?method=wechat")).await;
    assert!(again.body.contains("pay-qr"));
    let still: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM payments")
        .fetch_one(rig.server.db.pool())
        .await
        .unwrap();
    assert_eq!(still, 1);

    // Bank transfer: the account, the amount and the memo.
    let transfer = get(format!("{page_uri}?method=bank_transfer")).await;
    assert!(transfer.body.contains("bank-account"));
    assert!(transfer.body.contains("中国工商银行"));
    assert!(transfer.body.contains("转账凭证"));
}

#[tokio::test]
async fn outside_the_sandbox_no_cashier_can_mark_an_order_paid() {
    let rig = start_in(SandboxMode::Off).await;
    let (browser, number) = awaiting_payment(&rig.server).await;
    let trade = code(&browser, &number, "wechat", false).await;
    let cashier = path_of(trade["code_url"].as_str().unwrap()).to_owned();

    let (page_status, _, _) = common::get(&rig.server, &cashier).await;
    assert_eq!(page_status, StatusCode::NOT_FOUND);
    let pay = Request::post(format!("{cashier}/pay"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::empty())
        .unwrap();
    let (paid_status, _, _) = common::send(&rig.server.router, pay).await;
    assert_eq!(paid_status, StatusCode::NOT_FOUND);
    assert_eq!(status(&browser, &number).await, json!("awaiting_payment"));
    assert_eq!(paid_events(&rig, &number).await, 0);
}
