//! 证书查询 / 订单查询 through the real server: a serial or an application number, the code
//! from the local SMS outbox, the status with names masked; and the code's and the limits'
//! refusals.

use crate::common;

use app::api::lookup::{FIELD_CODE, FIELD_QUERY, Lookup, LookupOutcome};
use app::domain::certificate::CertState;
use app::domain::order::{Event, PaymentMethod, Status};
use app::services::login::UserId;
use app::services::lookup::LookupResult;
use app::services::orders::{Change, Who};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::applicant::{self, AGENT_NAME, ORG, OWNER, PROJECT};
use common::browser::{Browser, Reply, form, server_fn, signed_up};
use common::rig::{Rig, reviewer};
use leptos::server_fn::ServerFn;
use server::config::{CaptchaMode, Config};

const MASKED_ORG: &str = "山西****有限公司";

async fn rig_with(ip_hourly_limit: u32) -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        captcha: CaptchaMode::Off,
        sms_ip_hourly_limit: ip_hourly_limit,
        ..common::config(dir.path())
    };
    let (server, clock) = common::start_with(config).await;
    Rig { dir, server, clock }
}

impl Rig {
    async fn record(&self, number: &str, event: Event, who: Who) {
        let mut change = Change::new(event, who);
        if event == Event::VoucherUploaded {
            change.payment_method = Some(PaymentMethod::BankTransfer);
        }
        self.server
            .state
            .orders
            .apply(number, change)
            .await
            .unwrap();
    }

    /// An order with two holders whose three certificates are issued; its number.
    async fn issued_to_two(&self) -> String {
        signed_up(&self.server, OWNER).await;
        let number = applicant::submit(&self.server, OWNER, &["王喆", "李娜"]).await;
        let user: UserId = applicant::user(&self.server, OWNER).await;
        self.record(&number, Event::ReadyToPay, Who::Applicant(user))
            .await;
        self.record(&number, Event::VoucherUploaded, Who::Applicant(user))
            .await;
        for event in [
            Event::TransferConfirmed,
            Event::Approve,
            Event::StartProduction,
        ] {
            self.record(&number, event, reviewer()).await;
        }
        number
    }

    /// The code in the newest text to the applicant.
    async fn code(&self) -> String {
        let text = applicant::last_sms(&self.server, OWNER).await.unwrap();
        let at = text.find("验证码是").expect("a lookup code was texted") + "验证码是".len();
        text[at..at + 6].to_owned()
    }

    async fn texts(&self) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM sms_outbox")
            .fetch_one(self.server.db.pool())
            .await
            .unwrap()
    }
}

async fn call(browser: &Browser<'_>, fields: &[(&str, &str)]) -> (Reply, LookupOutcome) {
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("project", PROJECT)
        .extend_pairs(fields)
        .finish();
    let reply = browser.send(server_fn(Lookup::PATH, &body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let outcome = serde_json::from_str(&reply.body).unwrap_or_else(|_| panic!("{}", reply.body));
    (reply, outcome)
}

async fn send(browser: &Browser<'_>, query: &str) -> LookupOutcome {
    call(browser, &[("query", query), ("intent", "send")])
        .await
        .1
}

async fn check(browser: &Browser<'_>, query: &str, code: &str) -> (Reply, LookupOutcome) {
    call(
        browser,
        &[
            ("query", query),
            ("code", code),
            ("sent_to", "138****5678"),
            ("intent", "check"),
        ],
    )
    .await
}

fn error_at(outcome: &LookupOutcome) -> (&str, &str) {
    let notice = outcome.notice.as_ref().expect("a message");
    assert!(notice.is_error, "{notice:?}");
    (notice.field.as_deref().unwrap(), notice.text.as_str())
}

/// Nothing that identifies a person beyond the masked names.
fn assert_private(body: &str) {
    for secret in [
        ORG,
        AGENT_NAME,
        "王喆",
        "李娜",
        OWNER,
        &applicant::agent_id_number(),
        "长风街",
    ] {
        assert!(!body.contains(secret), "{secret} in {body}");
    }
}

#[tokio::test]
async fn a_serial_as_typed_and_the_texted_code_show_the_certificate_once() {
    let rig = rig_with(20).await;
    let number = rig.issued_to_two().await;
    let serial = rig.serials(&number).await.remove(0);
    let browser = Browser::new(&rig.server);

    // Lower case with spaces, as people copy it.
    let typed = format!(" {} {}", serial[..10].to_lowercase(), &serial[10..]);
    let sent = send(&browser, &typed).await;
    assert_eq!(sent.query, serial);
    assert_eq!(sent.sent_to.as_deref(), Some("138****5678"));
    let notice = sent.notice.unwrap();
    assert_eq!(notice.field.as_deref(), Some(FIELD_CODE));
    assert!(notice.text.contains("验证码已发送至 138****5678"));

    let code = rig.code().await;
    let (reply, shown) = check(&browser, &serial, &code).await;
    let Some(LookupResult::Certificate(cert)) = shown.result else {
        panic!("{}", reply.body);
    };
    assert_eq!(cert.kind, "机构证书");
    assert_eq!(cert.state, CertState::Valid);
    assert_eq!(cert.serial, serial);
    assert_eq!(cert.subject, MASKED_ORG);
    assert_eq!(cert.holder, None);
    assert!(cert.valid_from.contains('年') && cert.valid_to.contains('年'));
    assert_private(&reply.body);

    // The code answers once.
    let (_, again) = check(&browser, &serial, &code).await;
    assert_eq!(
        error_at(&again),
        (FIELD_CODE, "短信验证码已失效（已使用或已过期），请重新获取")
    );
    assert!(again.result.is_none());
}

#[tokio::test]
async fn an_application_number_shows_its_status_and_certificates_with_names_masked() {
    let rig = rig_with(20).await;
    let number = rig.issued_to_two().await;
    let browser = Browser::new(&rig.server);

    let sent = send(&browser, &number.to_lowercase()).await;
    assert_eq!(sent.query, number);
    let (reply, shown) = check(&browser, &number, &rig.code().await).await;
    let Some(LookupResult::Order(order)) = shown.result else {
        panic!("{}", reply.body);
    };
    assert_eq!(order.number, number);
    assert_eq!(order.status, Status::InProduction.label());
    assert!(order.submitted_on.contains('年'));
    assert_eq!(order.subject, MASKED_ORG);
    assert_eq!(order.certificates.len(), 3);
    let holders: Vec<Option<&str>> = order
        .certificates
        .iter()
        .map(|c| c.holder.as_deref())
        .collect();
    assert_eq!(holders, [None, Some("王*"), Some("李*")]);
    assert_private(&reply.body);
}

#[tokio::test]
async fn an_order_not_yet_issued_is_found_with_no_certificates() {
    let rig = rig_with(20).await;
    signed_up(&rig.server, OWNER).await;
    let number = applicant::submit(&rig.server, OWNER, &[]).await;
    let browser = Browser::new(&rig.server);
    send(&browser, &number).await;
    let (_, shown) = check(&browser, &number, &rig.code().await).await;
    let Some(LookupResult::Order(order)) = shown.result else {
        panic!("{shown:?}");
    };
    assert!(order.certificates.is_empty());
    assert_eq!(order.status, Status::AwaitingMaterials.label());
}

#[tokio::test]
async fn an_unknown_query_is_refused_at_the_field_and_texts_nobody() {
    let rig = rig_with(20).await;
    rig.issued_to_two().await;
    let browser = Browser::new(&rig.server);
    let texts = rig.texts().await;
    for query in ["SQ209912310001", "00112233445566778899"] {
        let refused = send(&browser, query).await;
        assert_eq!(
            error_at(&refused),
            (FIELD_QUERY, "没有找到这张证书或这份申请，请核对后重新输入")
        );
        assert!(refused.sent_to.is_none());
    }
    let empty = send(&browser, "  ").await;
    assert_eq!(
        error_at(&empty),
        (FIELD_QUERY, "请输入证书序列号或申请编号")
    );
    assert_eq!(rig.texts().await, texts);
}

#[tokio::test]
async fn wrong_codes_count_down_and_the_fifth_kills_the_code() {
    let rig = rig_with(20).await;
    let number = rig.issued_to_two().await;
    let browser = Browser::new(&rig.server);
    send(&browser, &number).await;
    let code = rig.code().await;
    let wrong = if code == "000000" { "111111" } else { "000000" };

    let (_, typo) = check(&browser, &number, "12a").await;
    assert_eq!(error_at(&typo), (FIELD_CODE, "请输入6位数字短信验证码"));
    for left in (1..=4).rev() {
        let (_, refused) = check(&browser, &number, wrong).await;
        assert_eq!(
            error_at(&refused).1,
            format!("短信验证码不正确，还可以再试{left}次")
        );
        // Still at the code step.
        assert!(refused.sent_to.is_some());
    }
    let (_, locked) = check(&browser, &number, wrong).await;
    assert_eq!(
        error_at(&locked).1,
        "短信验证码输入错误次数过多，请重新获取"
    );
    let (_, dead) = check(&browser, &number, &code).await;
    assert_eq!(error_at(&dead).1, "短信验证码输入错误次数过多，请重新获取");
    assert!(dead.result.is_none());
}

#[tokio::test]
async fn a_code_expires_after_five_minutes_and_none_works_before_one_is_sent() {
    let rig = rig_with(20).await;
    let number = rig.issued_to_two().await;
    let browser = Browser::new(&rig.server);
    let (_, none) = check(&browser, &number, "123456").await;
    assert_eq!(error_at(&none), (FIELD_CODE, "请先获取短信验证码"));

    send(&browser, &number).await;
    let code = rig.code().await;
    rig.clock.advance(time::Duration::seconds(5 * 60));
    let (_, expired) = check(&browser, &number, &code).await;
    assert_eq!(
        error_at(&expired).1,
        "短信验证码已失效（已使用或已过期），请重新获取"
    );
}

#[tokio::test]
async fn codes_per_query_wait_a_minute_and_stop_at_five_a_day() {
    let rig = rig_with(20).await;
    let number = rig.issued_to_two().await;
    let browser = Browser::new(&rig.server);
    assert!(send(&browser, &number).await.sent_to.is_some());
    let soon = send(&browser, &number).await;
    assert_eq!(
        error_at(&soon),
        (FIELD_QUERY, "验证码已发送，请60秒后再重新获取")
    );
    for _ in 0..4 {
        rig.clock.advance(time::Duration::seconds(61));
        assert!(send(&browser, &number).await.sent_to.is_some());
    }
    rig.clock.advance(time::Duration::seconds(61));
    let daily = send(&browser, &number).await;
    assert_eq!(
        error_at(&daily),
        (FIELD_QUERY, "今日获取验证码次数已达上限，请明天再试")
    );
    // Another query is not held up by this one's limits.
    let serial = rig.serials(&number).await.remove(0);
    assert!(send(&browser, &serial).await.sent_to.is_some());
}

#[tokio::test]
async fn one_client_address_gets_only_so_many_codes_an_hour() {
    let rig = rig_with(3).await;
    let number = rig.issued_to_two().await;
    let browser = Browser::new(&rig.server);
    let mut queries = rig.serials(&number).await;
    queries.push(number);
    for query in &queries[..3] {
        assert!(send(&browser, query).await.sent_to.is_some());
    }
    let refused = send(&browser, &queries[3]).await;
    assert_eq!(
        error_at(&refused),
        (FIELD_QUERY, "当前网络获取验证码过于频繁，请稍后再试")
    );
    rig.clock.advance(time::Duration::seconds(3601));
    assert!(send(&browser, &queries[3]).await.sent_to.is_some());
}

#[tokio::test]
async fn the_lookup_works_without_javascript_and_shows_a_result_once() {
    let rig = rig_with(20).await;
    let number = rig.issued_to_two().await;
    let browser = Browser::new(&rig.server);
    let page = format!("/p/{PROJECT}/lookup");
    let get = || {
        browser.send(
            Request::get(&page)
                .header(header::ACCEPT, "text/html")
                .body(Body::empty())
                .unwrap(),
        )
    };
    let post = |fields: Vec<(&'static str, String)>| {
        let mut request = form(
            Lookup::PATH,
            &fields
                .iter()
                .map(|(k, v)| (*k, v.as_str()))
                .collect::<Vec<_>>(),
        );
        request
            .headers_mut()
            .insert(header::ACCEPT, "text/html".parse().unwrap());
        request.headers_mut().insert(
            header::REFERER,
            format!("http://portal.test{page}").parse().unwrap(),
        );
        browser.send(request)
    };
    let first = get().await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(
        first.body.contains("证书序列号或申请编号"),
        "{}",
        first.body
    );

    let sent = post(vec![
        ("project", PROJECT.to_owned()),
        ("query", number.clone()),
        ("intent", "send".to_owned()),
    ])
    .await;
    assert!(sent.status.is_redirection(), "{}", sent.status);
    let step_two = get().await;
    assert!(
        step_two.body.contains("验证码已发送至 138****5678"),
        "{}",
        step_two.body
    );
    assert!(step_two.body.contains(&format!("value=\"{number}\"")));

    let code = rig.code().await;
    post(vec![
        ("project", PROJECT.to_owned()),
        ("query", number.clone()),
        ("code", code),
        ("sent_to", "138****5678".to_owned()),
        ("intent", "check".to_owned()),
    ])
    .await;
    let result = get().await;
    assert!(result.body.contains(MASKED_ORG), "{}", result.body);
    assert!(result.body.contains("重新查询"));
    assert_private(&result.body);
    // Shown once: the next load starts again.
    let after = get().await;
    assert!(!after.body.contains(MASKED_ORG));
}
