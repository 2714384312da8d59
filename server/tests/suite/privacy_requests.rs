//! 撤回同意 and 注销账号 through the real router: the applicant asks in 个人中心 after
//! confirming the consequences, the page shows the request's state, a reviewer completes it in
//! the console, and completing does what the privacy policy says: a withdrawal sends the
//! applicant back to the consent page and blocks submitting; closure deletes the account's
//! data, its sessions and login identity, and keeps submitted applications as the law requires.

use crate::common;

use app::api::consent::AcceptAgreements;
use app::api::orders::OrderAction;
use app::api::privacy::RequestPrivacy;
use app::domain::draft::Step;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::applicant::{self, OWNER, PROJECT};
use common::browser::{Browser, Reply};
use common::rig::Rig;
use leptos::server_fn::ServerFn;

use server::service::reviewers::Role;

const PASSWORD: &str = "correct horse battery staple";
const DRAFTER: &str = "13912340003";

async fn start() -> Rig {
    let rig = common::rig::start().await;
    rig.server
        .reviewers
        .add("zhang", "张审核", Role::Reviewer, PASSWORD)
        .await
        .unwrap();
    rig
}

fn form(path: &str, fields: &[(&str, &str)]) -> Request<Body> {
    let mut body = form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        body.append_pair(k, v);
    }
    Request::post(path)
        .header(header::HOST, "portal.test")
        .header("origin", "http://portal.test")
        .header("sec-fetch-site", "same-origin")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .body(Body::from(body.finish()))
        .unwrap()
}

fn page(path: &str) -> Request<Body> {
    Request::get(path)
        .header("sec-fetch-mode", "navigate")
        .header(header::ACCEPT, "text/html")
        .body(Body::empty())
        .unwrap()
}

fn location(reply: &Reply) -> &str {
    reply
        .headers
        .get(header::LOCATION)
        .map_or("", |v| v.to_str().unwrap())
}

impl Rig {
    async fn applicant_later(&self, mobile: &str) -> Browser<'_> {
        // One minute between two codes to the same number.
        self.clock.advance(time::Duration::minutes(2));
        let browser = Browser::new(&self.server);
        browser.sign_in(mobile, &[]).await;
        accept(&browser).await;
        browser
    }

    async fn console(&self) -> Browser<'_> {
        let browser = Browser::new(&self.server);
        let mut login = form(
            "/console/login",
            &[("login", "zhang"), ("password", PASSWORD)],
        );
        login.headers_mut().remove(header::ACCEPT);
        let reply = browser.send(login).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        browser
    }

    /// Completes the only open request in the console; returns the list page after it.
    async fn complete_open_request(&self) -> String {
        let console = self.console().await;
        let id: i64 =
            sqlx::query_scalar("SELECT id FROM privacy_requests WHERE completed_at IS NULL")
                .fetch_one(self.server.db.pool())
                .await
                .unwrap();
        let list = console.send(page("/console/requests")).await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(
            list.body
                .contains(&format!("/console/requests/{id}/complete")),
            "{}",
            list.body
        );
        let mut done = form(&format!("/console/requests/{id}/complete"), &[]);
        done.headers_mut().remove(header::ACCEPT);
        let done = console.send(done).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        assert_eq!(location(&done), "/console/requests");
        let after = console.send(page("/console/requests")).await;
        assert!(
            after.body.contains(&format!("请求 #{id} 已完成")),
            "{}",
            after.body
        );
        after.body
    }
}

async fn accept(browser: &Browser<'_>) {
    accept_for(browser, PROJECT).await;
}

async fn accept_for(browser: &Browser<'_>, project: &str) {
    let accepted = browser
        .send(form(
            AcceptAgreements::PATH,
            &[
                ("project", project),
                ("accept[service]", "true"),
                ("accept[privacy]", "true"),
                ("accept[sensitive]", "true"),
            ],
        ))
        .await;
    assert_eq!(accepted.body, "[]", "{}", accepted.body);
}

async fn ask(browser: &Browser<'_>, kind: &str, confirm: bool) -> Reply {
    let mut fields = vec![("project", PROJECT), ("kind", kind)];
    if confirm {
        fields.push(("confirm", "true"));
    }
    let reply = browser.send(form(RequestPrivacy::PATH, &fields)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply
}

#[tokio::test]
async fn a_withdrawal_is_confirmed_shown_completed_and_stops_processing() {
    let rig = start().await;
    let browser = rig.applicant_later(OWNER).await;
    let me = browser.send(page("/p/soetp/me")).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert!(me.body.contains("撤回对个人信息处理的同意"), "{}", me.body);
    assert!(me.body.contains("我已了解注销账号的后果"));

    // Without the box ticked nothing is recorded.
    let unticked = ask(&browser, "withdraw_consent", false).await;
    assert!(
        unticked.body.contains("请先勾选确认您已了解撤回同意的后果"),
        "{}",
        unticked.body
    );
    assert_eq!(rig.count("SELECT COUNT(*) FROM privacy_requests").await, 0);

    let asked = ask(&browser, "withdraw_consent", true).await;
    assert!(
        asked.body.contains("已收到您的撤回同意申请"),
        "{}",
        asked.body
    );
    let again = ask(&browser, "withdraw_consent", true).await;
    assert!(again.body.contains("已在处理中"), "{}", again.body);
    assert_eq!(rig.count("SELECT COUNT(*) FROM privacy_requests").await, 1);
    let me = browser.send(page("/p/soetp/me")).await;
    assert!(
        me.body.contains("提交撤回同意申请，正在等待审核员处理"),
        "{}",
        me.body
    );

    // Until the reviewer completes it, the applicant goes on as before.
    let draft = applicant::draft(&[]);
    let user = applicant::user(&rig.server, OWNER).await;
    let applications = &rig.server.state.applications;
    applications
        .save_draft(user, PROJECT, &draft, Step::Review)
        .await
        .unwrap();
    rig.complete_open_request().await;

    // The consent page asks again; no page of the flow opens and nothing can be submitted.
    let me = browser.send(page("/p/soetp/me")).await;
    assert!(
        location(&me).ends_with("/p/soetp/consent"),
        "{:?}",
        me.headers
    );
    let review = browser.send(page("/p/soetp/apply/review")).await;
    assert!(
        location(&review).ends_with("/p/soetp/consent"),
        "{:?}",
        review.headers
    );
    let submit = browser
        .send(form(
            <app::api::apply::SubmitApplication as ServerFn>::PATH,
            &[("project", PROJECT)],
        ))
        .await;
    assert!(
        submit.body.contains("请先阅读并同意协议"),
        "{}",
        submit.body
    );
    assert_eq!(rig.count("SELECT COUNT(*) FROM applications").await, 0);
    // The consent page says how to close the account without agreeing again.
    let consent = browser.send(page("/p/soetp/consent")).await;
    assert!(consent.body.contains("撤回同意"), "{}", consent.body);
    assert!(
        consent.body.contains("我已了解注销账号的后果"),
        "{}",
        consent.body
    );

    // Agreeing again reopens the flow.
    accept(&browser).await;
    let me = browser.send(page("/p/soetp/me")).await;
    assert_eq!(me.status, StatusCode::OK, "{:?}", me.headers);
    assert!(me.body.contains("撤回同意。如需继续办理"), "{}", me.body);
}

#[tokio::test]
async fn closing_an_account_without_applications_deletes_it_and_its_sessions() {
    let rig = start().await;
    let browser = rig.applicant_later(DRAFTER).await;
    let user = applicant::user(&rig.server, DRAFTER).await;
    rig.server
        .state
        .applications
        .save_draft(user, PROJECT, &applicant::draft(&[]), Step::Details)
        .await
        .unwrap();
    let me = browser.send(page("/p/soetp/me")).await;
    assert!(
        me.body.contains("您没有需要依法保存的已提交申请"),
        "{}",
        me.body
    );
    ask(&browser, "close_account", true).await;
    let me = browser.send(page("/p/soetp/me")).await;
    assert!(
        me.body.contains("提交注销账号申请，正在等待审核员处理"),
        "{}",
        me.body
    );

    let list = rig.complete_open_request().await;
    assert!(list.contains("依法保留的申请：无"), "{list}");
    for table in ["users", "drafts", "consents"] {
        assert_eq!(
            rig.count(&format!("SELECT COUNT(*) FROM {table}")).await,
            0,
            "{table} is empty"
        );
    }
    // The request stays as the record that it was answered, linked to nobody.
    assert_eq!(
        rig.count("SELECT COUNT(*) FROM privacy_requests WHERE user_id IS NULL AND completed_at IS NOT NULL")
            .await,
        1
    );
    // The old cookie signs nobody in.
    let me = browser.send(page("/p/soetp/me")).await;
    assert!(
        location(&me).ends_with("/p/soetp/login"),
        "{:?}",
        me.headers
    );

    // The number can sign up afresh, as a new account with nothing of the old one.
    rig.applicant_later(DRAFTER).await;
    let fresh = applicant::user(&rig.server, DRAFTER).await;
    assert!(
        rig.server
            .state
            .applications
            .load_draft(fresh, PROJECT)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn closing_an_account_keeps_submitted_applications_and_says_so() {
    let rig = start().await;
    let browser = rig.applicant_later(OWNER).await;
    let kept = applicant::submit(&rig.server, OWNER, &[]).await;
    let cancelled = applicant::submit_natural_person(&rig.server, OWNER).await;
    accept_for(&browser, applicant::PERSON_PROJECT).await;
    let cancel = browser
        .send(form(
            OrderAction::PATH,
            &[
                ("project", applicant::PERSON_PROJECT),
                ("number", &cancelled),
                ("action", "cancel"),
            ],
        ))
        .await;
    assert!(cancel.body.contains("申请已取消"), "{}", cancel.body);
    let user = applicant::user(&rig.server, OWNER).await;

    let me = browser.send(page("/p/soetp/me")).await;
    assert!(me.body.contains("第二十四条"), "{}", me.body);
    assert!(me.body.contains(&kept), "{}", me.body);
    ask(&browser, "close_account", true).await;
    let list = rig.complete_open_request().await;
    assert!(list.contains(&format!("依法保留的申请：{kept}")), "{list}");

    // The kept application stays whole; the cancelled one and the consents are gone.
    assert!(
        rig.server
            .state
            .orders
            .view(None, &kept)
            .await
            .unwrap()
            .is_some(),
        "the kept application is readable"
    );
    assert_eq!(
        rig.count(&format!(
            "SELECT COUNT(*) FROM applications WHERE number = '{cancelled}'"
        ))
        .await,
        0
    );
    assert_eq!(rig.count("SELECT COUNT(*) FROM consents").await, 0);
    // The account row stays only as the kept application's owner, without the number.
    assert_eq!(
        rig.count_of(
            "SELECT COUNT(*) FROM users WHERE mobile_index = $1 OR mobile_sealed IS NOT NULL",
            applicant::mobile_index(&rig.server, OWNER).to_vec()
        )
        .await,
        0
    );
    assert_eq!(
        rig.count(&format!(
            "SELECT COUNT(*) FROM users WHERE id = {} AND closed_at IS NOT NULL",
            user.0
        ))
        .await,
        1
    );
    let me = browser.send(page("/p/soetp/me")).await;
    assert!(
        location(&me).ends_with("/p/soetp/login"),
        "{:?}",
        me.headers
    );

    // Signing in with the number again is a new account that sees none of it.
    let again = rig.applicant_later(OWNER).await;
    assert_ne!(applicant::user(&rig.server, OWNER).await, user);
    let me = again.send(page("/p/soetp/me")).await;
    assert!(me.body.contains("您还没有提交过申请"), "{}", me.body);
}

#[tokio::test]
async fn without_javascript_an_unticked_box_is_shown_on_the_page() {
    let rig = start().await;
    let browser = rig.applicant_later(OWNER).await;
    let mut plain = form(
        RequestPrivacy::PATH,
        &[("project", PROJECT), ("kind", "close_account")],
    );
    let headers = plain.headers_mut();
    headers.insert(header::ACCEPT, "text/html".parse().unwrap());
    headers.insert(
        header::REFERER,
        "http://portal.test/p/soetp/me".parse().unwrap(),
    );
    let back = browser.send(plain).await;
    assert!(
        back.status.is_redirection(),
        "{} {}",
        back.status,
        back.body
    );
    let me = browser.send(page("/p/soetp/me")).await;
    assert!(
        me.body.contains("请先勾选确认您已了解注销账号的后果"),
        "{}",
        me.body
    );
    assert_eq!(rig.count("SELECT COUNT(*) FROM privacy_requests").await, 0);
}
