//! Orders after submission, against the real services on a temporary data folder: payment to
//! review, rejection and resubmission, the financial check with its code from the simulated
//! bank statement, shipment, the SMS notices, and that one applicant never reaches another's
//! order.

use crate::common;

use app::api::orders::{EnterBankCode, LoadOrderPage, OrderAction, SubmitFix};
use app::domain::order::{Event, PaymentMethod, Status};
use app::services::bank_check::{BankCheckError, CodeOutcome};
use app::services::login::UserId;
use app::services::orders::{Change, FlagItem, OrderError, Who};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::applicant::{self, OWNER};
use common::browser::Browser;
use common::browser::{server_fn, signed_up};
use common::rig::{Rig, reviewer, start};
use leptos::server_fn::ServerFn;

const OTHER: &str = "13900001111";

impl Rig {
    async fn apply(&self, number: &str, change: Change) -> Result<Status, OrderError> {
        self.server.state.orders.apply(number, change).await
    }

    /// Signs `mobile` up and submits an application; returns its number and owner.
    async fn submitted(&self, mobile: &str) -> (Browser<'_>, String, UserId) {
        let browser = signed_up(&self.server, mobile).await;
        let number = applicant::submit(&self.server, mobile, &["王喆"]).await;
        let user = applicant::user(&self.server, mobile).await;
        (browser, number, user)
    }

    /// Submitted, paid online, in review.
    async fn in_review(&self, mobile: &str) -> (Browser<'_>, String, UserId) {
        let (browser, number, user) = self.submitted(mobile).await;
        self.apply(
            &number,
            Change::new(Event::ReadyToPay, Who::Applicant(user)),
        )
        .await
        .unwrap();
        let mut paid = Change::new(Event::PaidOnline, Who::System);
        paid.payment_method = Some(PaymentMethod::Wechat);
        assert_eq!(
            self.apply(&number, paid).await.unwrap(),
            Status::AwaitingReview
        );
        (browser, number, user)
    }

    /// The order as a reviewer sees it (no owner check).
    async fn order(&self, number: &str) -> app::services::orders::OrderView {
        self.server
            .state
            .orders
            .view(None, number)
            .await
            .unwrap()
            .unwrap()
    }

    async fn count_for(&self, sql: &str, number: &str) -> i64 {
        sqlx::query_scalar(sql)
            .bind(number)
            .fetch_one(self.server.db.pool())
            .await
            .unwrap()
    }

    /// The code in the newest simulated bank-statement memo.
    async fn memo_code(&self) -> String {
        let memo: String =
            sqlx::query_scalar("SELECT memo FROM bank_statements ORDER BY id DESC LIMIT 1")
                .fetch_one(self.server.db.pool())
                .await
                .unwrap();
        let start = memo.find(|c: char| c.is_ascii_digit()).unwrap();
        memo[start..start + 6].to_owned()
    }

    /// The newest notice texted to the agent (`OWNER`'s application names the owner as agent).
    async fn agent_sms(&self) -> String {
        sqlx::query_scalar(
            "SELECT text FROM sms_outbox WHERE kind = 'notice' ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(self.server.db.pool())
        .await
        .unwrap()
        .unwrap_or_default()
    }
}

#[tokio::test]
async fn an_order_paid_online_goes_from_review_to_shipment() {
    let rig = start().await;
    let (_, number, user) = rig.in_review(OWNER).await;
    assert!(rig.agent_sms().await.contains("已进入审核"));

    // An applicant cannot approve; a reviewer can, and the transfer goes out at once.
    let refused = rig
        .apply(&number, Change::new(Event::Approve, Who::Applicant(user)))
        .await;
    assert!(matches!(refused, Err(OrderError::Transition(_))));
    let status = rig
        .apply(&number, Change::new(Event::Approve, reviewer()))
        .await
        .unwrap();
    assert_eq!(status, Status::AwaitingBankCheck);
    assert!(rig.agent_sms().await.contains("0.01 元"));
    let code = rig.memo_code().await;

    let checks = &rig.server.state.bank_checks;
    let view = checks.view(user, &number).await.unwrap().unwrap();
    assert_eq!(view.attempts_left, 5);
    assert!(view.account_masked.starts_with("****"));
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert_eq!(
        checks.enter_code(user, &number, wrong).await.unwrap(),
        CodeOutcome::Wrong { attempts_left: 4 }
    );
    // As people type it: full-width digits and a space.
    let typed: String = code
        .chars()
        .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap())
        .collect();
    assert_eq!(
        checks
            .enter_code(user, &number, &format!(" {typed}"))
            .await
            .unwrap(),
        CodeOutcome::Passed
    );
    let order = rig.order(&number).await;
    assert_eq!(order.status, Status::BankCheckPassed);

    rig.apply(&number, Change::new(Event::StartProduction, reviewer()))
        .await
        .unwrap();
    let mut ship = Change::new(Event::Ship, reviewer());
    ship.shipment = Some(("顺丰速运".into(), " ".into()));
    assert!(matches!(
        rig.apply(&number, ship.clone()).await,
        Err(OrderError::Incomplete(_))
    ));
    ship.shipment = Some(("顺丰速运".into(), "SF1234567890".into()));
    assert_eq!(rig.apply(&number, ship).await.unwrap(), Status::Shipped);
    assert!(rig.agent_sms().await.contains("SF1234567890"));

    let order = rig.order(&number).await;
    let events: Vec<Event> = order.timeline.iter().map(|e| e.event).collect();
    assert_eq!(
        events,
        [
            Event::ReadyToPay,
            Event::PaidOnline,
            Event::Approve,
            Event::RequestBankCheck,
            Event::BankCheckPassed,
            Event::StartProduction,
            Event::Ship,
        ]
    );
    assert_eq!(order.timeline[2].actor_name.as_deref(), Some("张审核"));
    assert_eq!(order.shipment.unwrap().tracking_no, "SF1234567890");
}

#[tokio::test]
async fn two_payment_notices_a_moment_apart_make_one_change() {
    let rig = start().await;
    let (_, number, user) = rig.submitted(OWNER).await;
    rig.apply(
        &number,
        Change::new(Event::ReadyToPay, Who::Applicant(user)),
    )
    .await
    .unwrap();
    let mut paid = Change::new(Event::PaidOnline, Who::System);
    paid.payment_method = Some(PaymentMethod::Alipay);
    let (a, b) = tokio::join!(rig.apply(&number, paid.clone()), rig.apply(&number, paid));
    assert_eq!(a.is_ok() as u8 + b.is_ok() as u8, 1, "{a:?} {b:?}");
    let events = rig
        .count_for(
            "SELECT COUNT(*) FROM order_events e JOIN applications a ON a.id = e.application_id
             WHERE a.number = $1 AND e.event = 'paid_online'",
            &number,
        )
        .await;
    assert_eq!(events, 1);
}

#[tokio::test]
async fn a_bank_transfer_is_accepted_without_a_financial_check() {
    let rig = start().await;
    let (_, number, user) = rig.submitted(OWNER).await;
    rig.apply(
        &number,
        Change::new(Event::ReadyToPay, Who::Applicant(user)),
    )
    .await
    .unwrap();
    // 资料齐全 is the applicant's own step: no text for it.
    assert_eq!(rig.agent_sms().await, "");
    let mut voucher = Change::new(Event::VoucherUploaded, Who::Applicant(user));
    voucher.payment_method = Some(PaymentMethod::Wechat);
    assert!(matches!(
        rig.apply(&number, voucher.clone()).await,
        Err(OrderError::Incomplete(_))
    ));
    voucher.payment_method = Some(PaymentMethod::BankTransfer);
    assert_eq!(
        rig.apply(&number, voucher).await.unwrap(),
        Status::AwaitingTransfer
    );
    // A refused transfer sends the applicant back to paying, and says why.
    rig.apply(&number, Change::new(Event::TransferRefused, reviewer()))
        .await
        .unwrap();
    assert!(rig.agent_sms().await.contains("转账凭证未能匹配"));
    let mut voucher = Change::new(Event::VoucherUploaded, Who::Applicant(user));
    voucher.payment_method = Some(PaymentMethod::BankTransfer);
    rig.apply(&number, voucher).await.unwrap();
    rig.apply(&number, Change::new(Event::TransferConfirmed, reviewer()))
        .await
        .unwrap();
    assert_eq!(
        rig.apply(&number, Change::new(Event::Approve, reviewer()))
            .await
            .unwrap(),
        Status::Accepted
    );
    assert!(
        rig.server
            .state
            .bank_checks
            .view(user, &number)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        rig.order(&number)
            .await
            .payment_method
            .is_some_and(|m| !m.is_online())
    );
}

#[tokio::test]
async fn a_rejection_opens_only_the_flagged_items_and_resubmits() {
    let rig = start().await;
    let (browser, number, _) = rig.in_review(OWNER).await;

    let mut reject = Change::new(Event::Reject, reviewer());
    assert!(matches!(
        rig.apply(&number, reject.clone()).await,
        Err(OrderError::Incomplete(_))
    ));
    reject.flags = vec![(
        FlagItem::Material("authorization_letter".into()),
        "授权委托书".into(),
        "未加盖公章".into(),
    )];
    reject.note = Some("请加盖单位公章后重新扫描".into());
    assert_eq!(rig.apply(&number, reject).await.unwrap(), Status::Rejected);
    let sms = rig.agent_sms().await;
    assert!(
        sms.contains("授权委托书未加盖公章") && sms.contains(&number),
        "{sms}"
    );

    // The flagged slot takes a new file; another slot is closed.
    let jpeg = small_jpeg();
    let upload = |slot: &'static str| {
        let body = multipart(&jpeg);
        Request::post(format!("/p/soetp/applications/{number}/materials/{slot}"))
            .header(header::HOST, "portal.test")
            .header("origin", "http://portal.test")
            .header("sec-fetch-site", "same-origin")
            .header(header::ACCEPT, "application/json")
            .header(
                header::CONTENT_TYPE,
                "multipart/form-data; boundary=orders-test",
            )
            .body(Body::from(body))
            .unwrap()
    };
    assert_eq!(
        browser.send(upload("business_license")).await.status,
        StatusCode::CONFLICT
    );

    // Resubmitting before the fix is refused with what is left.
    let action = |what: &str| {
        server_fn(
            OrderAction::PATH,
            &format!("project=soetp&number={number}&action={what}"),
        )
    };
    let early = browser.send(action("resubmit")).await;
    assert!(
        early.body.contains("请先修改") && early.body.contains("授权委托书"),
        "{}",
        early.body
    );

    // A while later, within the login's idle limit.
    rig.clock.advance(time::Duration::minutes(20));
    let uploaded = browser.send(upload("authorization_letter")).await;
    assert_eq!(uploaded.status, StatusCode::OK, "{}", uploaded.body);
    let done = browser.send(action("resubmit")).await;
    assert!(done.body.contains("\"ok\":true"), "{}", done.body);
    let order = rig.order(&number).await;
    assert_eq!(order.status, Status::AwaitingReview);
    let resubmitted = order.timeline.last().unwrap();
    assert_eq!(resubmitted.event, Event::Resubmit);
    assert_eq!(resubmitted.note.as_deref(), Some("已修改：授权委托书"));
}

#[tokio::test]
async fn a_flagged_section_is_corrected_by_the_forms_rules_and_nothing_else_changes() {
    let rig = start().await;
    let (browser, number, _) = rig.in_review(OWNER).await;
    let mut reject = Change::new(Event::Reject, reviewer());
    reject.flags = vec![(
        FlagItem::Section("agent".into()),
        "经办人信息".into(),
        "手机号码不是经办人本人实名登记".into(),
    )];
    rig.apply(&number, reject).await.unwrap();
    let before = rig
        .server
        .state
        .applications
        .by_number(&number)
        .await
        .unwrap()
        .unwrap();

    let fix = |fields: &str, section: &str| {
        server_fn(
            SubmitFix::PATH,
            &format!("project=soetp&number={number}&section={section}&{fields}"),
        )
    };
    // A section that was not flagged stays closed.
    let closed = browser.send(fix("values[org-name]=别的公司", "org")).await;
    assert!(closed.body.contains("不能更改"), "{}", closed.body);
    rig.clock.advance(time::Duration::minutes(10));
    // The form's own rules, at the field.
    let bad = browser
        .send(fix("values[agent-mobile]=1380000", "agent"))
        .await;
    assert!(
        bad.body.contains("agent-mobile") && !bad.body.contains("\"done\":true"),
        "{}",
        bad.body
    );
    let good = browser
        .send(fix("values[agent-mobile]=13912345678", "agent"))
        .await;
    assert!(good.body.contains("\"done\":true"), "{}", good.body);

    let after = rig
        .server
        .state
        .applications
        .by_number(&number)
        .await
        .unwrap()
        .unwrap();
    let (_, agent) = after.application.identity_subject();
    assert_eq!(agent.mobile.as_str(), "13912345678");
    assert_eq!(
        after.application.applicant_name(),
        before.application.applicant_name()
    );
    assert_eq!(
        after.application.bank_account().2,
        before.application.bank_account().2
    );

    let done = browser
        .send(server_fn(
            OrderAction::PATH,
            &format!("project=soetp&number={number}&action=resubmit"),
        ))
        .await;
    assert!(done.body.contains("\"ok\":true"), "{}", done.body);
    let order = rig.order(&number).await;
    assert_eq!(
        order.timeline.last().unwrap().note.as_deref(),
        Some("已修改：经办人信息（移动电话）")
    );
}

#[tokio::test]
async fn before_payment_the_agent_corrects_their_own_details_and_the_phone_check_starts_again() {
    let rig = start().await;
    let (browser, number, _) = rig.submitted(OWNER).await;
    let fix = |section: &str, fields: &str| {
        server_fn(
            SubmitFix::PATH,
            &format!("project=soetp&number={number}&section={section}&{fields}"),
        )
    };
    let org = browser.send(fix("org", "values[org-name]=别的公司")).await;
    assert!(org.body.contains("不能更改"), "{}", org.body);
    let agent = browser
        .send(fix("agent", "values[agent-name]=孙经办"))
        .await;
    assert!(
        agent.body.contains("\"back_to_identity\":true"),
        "{}",
        agent.body
    );
    let after = rig
        .server
        .state
        .applications
        .by_number(&number)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        after.application.identity_subject().1.name.as_str(),
        "孙经办"
    );
    // Once paid, the same correction is closed.
    let user = applicant::user(&rig.server, OWNER).await;
    rig.apply(
        &number,
        Change::new(Event::ReadyToPay, Who::Applicant(user)),
    )
    .await
    .unwrap();
    let mut paid = Change::new(Event::PaidOnline, Who::System);
    paid.payment_method = Some(PaymentMethod::Wechat);
    rig.apply(&number, paid).await.unwrap();
    let late = browser
        .send(fix("agent", "values[agent-name]=周经办"))
        .await;
    assert!(late.body.contains("不能更改"), "{}", late.body);
}

#[tokio::test]
async fn the_financial_code_locks_after_five_wrong_tries_and_a_new_transfer_unlocks() {
    let rig = start().await;
    let (_, number, user) = rig.in_review(OWNER).await;
    rig.apply(&number, Change::new(Event::Approve, reviewer()))
        .await
        .unwrap();
    let checks = &rig.server.state.bank_checks;
    let code = rig.memo_code().await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for left in (0..5).rev() {
        assert_eq!(
            checks.enter_code(user, &number, wrong).await.unwrap(),
            CodeOutcome::Wrong {
                attempts_left: left
            }
        );
    }
    assert_eq!(
        checks.enter_code(user, &number, &code).await,
        Err(BankCheckError::Locked)
    );
    // A malformed account is refused at its field and sends nothing.
    let bad = checks
        .resend(
            user,
            &number,
            Some(("中国工商银行太原迎泽支行".into(), "12ab".into())),
        )
        .await;
    assert!(
        matches!(&bad, Err(BankCheckError::Invalid { field, .. }) if field == "account_number"),
        "{bad:?}"
    );
    let view = checks
        .resend(
            user,
            &number,
            Some((
                "中国工商银行太原迎泽支行".into(),
                "6222 0211 0000 5678".into(),
            )),
        )
        .await
        .unwrap();
    assert_eq!(view.account_masked, "****5678");
    assert_eq!(view.attempts_left, 5);
    let fresh = rig.memo_code().await;
    assert_eq!(
        checks.enter_code(user, &number, &fresh).await.unwrap(),
        CodeOutcome::Passed
    );
    // The corrected account is now the application's.
    let found = rig
        .server
        .state
        .applications
        .by_number(&number)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        found.application.bank_account().2.as_str(),
        "6222021100005678"
    );
}

#[tokio::test]
async fn another_applicant_reaches_nothing_of_an_order() {
    let rig = start().await;
    let (_, number, _) = rig.in_review(OWNER).await;
    rig.apply(&number, Change::new(Event::Approve, reviewer()))
        .await
        .unwrap();
    let code = rig.memo_code().await;

    let other = signed_up(&rig.server, OTHER).await;

    let page = other
        .send(server_fn(
            LoadOrderPage::PATH,
            &format!("project=soetp&number={number}"),
        ))
        .await;
    assert_eq!(page.body.trim(), "null", "{}", page.body);
    let entered = other
        .send(server_fn(
            EnterBankCode::PATH,
            &format!("project=soetp&number={number}&code={code}"),
        ))
        .await;
    assert!(
        entered.body.contains("没有找到这份申请"),
        "{}",
        entered.body
    );
    let cancel = other
        .send(server_fn(
            OrderAction::PATH,
            &format!("project=soetp&number={number}&action=confirm_receipt"),
        ))
        .await;
    assert!(cancel.body.contains("没有找到这份申请"), "{}", cancel.body);
    // Nothing moved.
    let order = rig.order(&number).await;
    assert_eq!(order.status, Status::AwaitingBankCheck);
}

fn small_jpeg() -> Vec<u8> {
    let image = image::RgbImage::from_fn(400, 300, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(image)
        .write_to(&mut out, image::ImageOutputFormat::Jpeg(85))
        .unwrap();
    out.into_inner()
}

fn multipart(jpeg: &[u8]) -> Vec<u8> {
    let mut body = b"--orders-test\r\nContent-Disposition: form-data; name=\"file\"; filename=\"scan.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n".to_vec();
    body.extend_from_slice(jpeg);
    body.extend_from_slice(b"\r\n--orders-test--\r\n");
    body
}

#[tokio::test]
async fn an_applicant_cancels_only_before_paying() {
    let rig = start().await;
    let (browser, number, _) = rig.submitted(OWNER).await;
    let cancel = server_fn(
        OrderAction::PATH,
        &format!("project=soetp&number={number}&action=cancel"),
    );
    let done = browser.send(cancel).await;
    assert!(done.body.contains("申请已取消"), "{}", done.body);
    let order = rig.order(&number).await;
    assert_eq!(order.status, Status::Cancelled);

    let (browser, paid, _) = rig.in_review(OTHER).await;
    let refused = browser
        .send(server_fn(
            OrderAction::PATH,
            &format!("project=soetp&number={paid}&action=cancel"),
        ))
        .await;
    assert!(refused.body.contains("不能执行此操作"), "{}", refused.body);
}
