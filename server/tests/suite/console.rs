//! The review console (`/console`): accounts made on the command line, sign-in with lockout,
//! its own session, the queue, the detail page with masked numbers and audited reveals, the
//! scans on reviewer-only routes, and the review actions through the order service.

use crate::common;
use crate::fixtures;

use std::process::Command;

use app::domain::order::{Event, PaymentMethod, Status};
use app::services::login::UserId;
use app::services::materials::NewMaterial;
use app::services::orders::{Change, Who};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::applicant::{self, OWNER};
use common::browser::form;
use common::browser::{Browser, Reply};
use server::config::{CaptchaMode, Config};
use server::service::reviewers::Role;
use std::sync::Arc;

const PASSWORD: &str = "correct horse battery";

struct Rig {
    _dir: tempfile::TempDir,
    server: server::Server,
    clock: Arc<server::clock::ManualClock>,
}

fn config(dir: &std::path::Path) -> Config {
    Config {
        captcha: CaptchaMode::Off,
        ..common::config(dir)
    }
}

async fn start() -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let (server, clock) = common::start_with(config(dir.path())).await;
    Rig {
        _dir: dir,
        server,
        clock,
    }
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

fn location(reply: &Reply) -> &str {
    reply
        .headers
        .get(header::LOCATION)
        .map_or("", |v| v.to_str().unwrap())
}

impl Rig {
    async fn add_reviewer(&self, login: &str, name: &str, role: Role) {
        self.server
            .reviewers
            .add(login, name, role, PASSWORD)
            .await
            .unwrap();
    }

    /// A browser signed in to the console as `login`.
    async fn reviewer(&self, login: &str) -> Browser<'_> {
        let browser = Browser::new(&self.server);
        let reply = browser
            .send(form(
                "/console/login",
                &[("login", login), ("password", PASSWORD)],
            ))
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        assert_eq!(location(&reply), "/console");
        browser
    }

    async fn status(&self, number: &str) -> Status {
        self.server
            .state
            .orders
            .view(None, number)
            .await
            .unwrap()
            .unwrap()
            .status
    }

    async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(self.server.db.pool())
            .await
            .unwrap()
    }

    /// An applicant's application, uploaded and paid by WeChat: 待审核.
    async fn awaiting_review(&self, mobile: &str) -> String {
        let number = applicant::submit(&self.server, mobile, &[]).await;
        let user = applicant::user(&self.server, mobile).await;
        self.apply(&number, Event::ReadyToPay, Who::Applicant(user), None)
            .await;
        self.apply(
            &number,
            Event::PaidOnline,
            Who::System,
            Some(PaymentMethod::Wechat),
        )
        .await;
        assert_eq!(self.status(&number).await, Status::AwaitingReview);
        number
    }

    async fn apply(&self, number: &str, event: Event, who: Who, method: Option<PaymentMethod>) {
        let mut change = Change::new(event, who);
        change.payment_method = method;
        self.server
            .state
            .orders
            .apply(number, change)
            .await
            .unwrap();
    }
}

async fn signed_in_applicant(rig: &Rig) -> Browser<'_> {
    let browser = Browser::new(&rig.server);
    browser.sign_in(OWNER, &[]).await;
    browser
}

#[tokio::test]
async fn a_reviewer_made_on_the_command_line_signs_in_and_out_and_is_disabled_there() {
    let dir = tempfile::tempdir().unwrap();
    // The command line works on the database the server below uses, on either engine.
    let database_url = config(dir.path()).database_url();
    let cli = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_server"))
            .args(args)
            .env("DATA_DIR", dir.path())
            .env("REVIEWER_PASSWORD", PASSWORD)
            .env("DATABASE_URL", &database_url)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    let made = cli(&["reviewer", "add", "zhang", "--name", "张审核"]);
    assert!(made.contains("zhang"), "{made}");
    let listed = cli(&["reviewer", "list"]);
    assert!(listed.contains("zhang\t张审核\treviewer\t正常"), "{listed}");

    let (server, _clock) = common::start_with(config(dir.path())).await;
    let browser = Browser::new(&server);
    let first = browser.send(get("/console")).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&first), "/console/login");
    let page = browser.send(get("/console/login")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("审核员登录"));
    assert!(
        page.body
            .contains(r#"<label class="c-label" for="login">登录名</label>"#)
    );

    let login = browser
        .send(form(
            "/console/login",
            &[("login", "zhang"), ("password", PASSWORD)],
        ))
        .await;
    assert_eq!(login.status, StatusCode::SEE_OTHER, "{}", login.body);
    let cookie = login
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("cp_console="))
        .expect("the console's own cookie");
    assert!(cookie.contains("Path=/console"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(browser.cookie("cp_session").is_none());

    let queue = browser.send(get("/console")).await;
    assert_eq!(queue.status, StatusCode::OK);
    assert!(queue.body.contains("待处理的申请"));
    assert!(queue.body.contains("张审核"));
    let csp = queue.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("script-src"));

    // Disabled on the command line, the open session ends at the next request.
    cli(&["reviewer", "disable", "zhang"]);
    let after = browser.send(get("/console")).await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    cli(&["reviewer", "enable", "zhang"]);
    let again = browser
        .send(form(
            "/console/login",
            &[("login", "zhang"), ("password", PASSWORD)],
        ))
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    let out = browser.send(form("/console/logout", &[])).await;
    assert_eq!(location(&out), "/console/login");
    assert_eq!(
        browser.send(get("/console")).await.status,
        StatusCode::SEE_OTHER
    );
    server.maintenance.abort();
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_and_refusals_all_look_the_same() {
    let rig = start().await;
    rig.add_reviewer("zhang", "张审核", Role::Reviewer).await;
    let browser = Browser::new(&rig.server);
    let attempt = |login: &'static str, password: &'static str| {
        browser.send(form(
            "/console/login",
            &[("login", login), ("password", password)],
        ))
    };
    let unknown = attempt("nobody", "whatever password").await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    let unknown_text = unknown.body.replace("nobody", "LOGIN");
    for _ in 0..5 {
        let wrong = attempt("zhang", "wrong password!").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert_eq!(wrong.body.replace("zhang", "LOGIN"), unknown_text);
    }
    // Locked: the right password is refused, in the same words.
    let locked = attempt("zhang", PASSWORD).await;
    assert_eq!(locked.status, StatusCode::UNAUTHORIZED);
    assert_eq!(locked.body.replace("zhang", "LOGIN"), unknown_text);
    assert_eq!(
        rig.count("SELECT COUNT(*) FROM reviewers WHERE locked_until IS NOT NULL")
            .await,
        1
    );
    assert_eq!(
        rig.count("SELECT COUNT(*) FROM reviewer_audit WHERE action = 'login_failed_locked'")
            .await,
        1
    );
    rig.clock.advance(time::Duration::minutes(16));
    let open = attempt("zhang", PASSWORD).await;
    assert_eq!(open.status, StatusCode::SEE_OTHER, "{}", open.body);
}

#[tokio::test]
async fn an_applicant_session_never_reaches_the_console_and_a_reviewer_is_no_applicant() {
    let rig = start().await;
    let applicant = signed_in_applicant(&rig).await;
    let number = rig.awaiting_review(OWNER).await;
    let detail = format!("/console/applications/{number}");
    for uri in ["/console".to_owned(), detail.clone()] {
        let reply = applicant.send(get(&uri)).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{uri}");
        assert_eq!(location(&reply), "/console/login");
    }
    for uri in [
        format!("{detail}/materials/business_license"),
        format!("{detail}/identity/front"),
    ] {
        assert_eq!(
            applicant.send(get(&uri)).await.status,
            StatusCode::NOT_FOUND,
            "{uri}"
        );
    }
    let forged = applicant
        .send(form(
            &format!("{detail}/action"),
            &[("event", "approve"), ("status", "awaiting_review")],
        ))
        .await;
    assert_eq!(forged.status, StatusCode::SEE_OTHER);
    assert_eq!(rig.status(&number).await, Status::AwaitingReview);

    // A cross-site post is refused before it reaches the console.
    rig.add_reviewer("zhang", "张审核", Role::Reviewer).await;
    let reviewer = rig.reviewer("zhang").await;
    let mut cross = form(
        &format!("{detail}/action"),
        &[("event", "approve"), ("status", "awaiting_review")],
    );
    cross
        .headers_mut()
        .insert("sec-fetch-site", "cross-site".parse().unwrap());
    assert_eq!(reviewer.send(cross).await.status, StatusCode::FORBIDDEN);
    assert_eq!(rig.status(&number).await, Status::AwaitingReview);

    // The reviewer's session opens no applicant page or file.
    let own_file = format!(
        "/p/{}/applications/{number}/materials/business_license/file",
        applicant::PROJECT
    );
    assert_ne!(reviewer.send(get(&own_file)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_queue_shows_work_first_and_filters() {
    let rig = start().await;
    rig.add_reviewer("zhang", "张审核", Role::Reviewer).await;
    let _applicant = signed_in_applicant(&rig).await;
    let review = rig.awaiting_review(OWNER).await;
    let person = Browser::new(&rig.server);
    person.sign_in(applicant::PERSON_MOBILE, &[]).await;
    let transfer = applicant::submit_natural_person(&rig.server, applicant::PERSON_MOBILE).await;
    let user = applicant::user(&rig.server, applicant::PERSON_MOBILE).await;
    rig.apply(&transfer, Event::ReadyToPay, Who::Applicant(user), None)
        .await;
    rig.apply(
        &transfer,
        Event::VoucherUploaded,
        Who::Applicant(user),
        Some(PaymentMethod::BankTransfer),
    )
    .await;
    let browser = rig.reviewer("zhang").await;

    let queue = browser.send(get("/console")).await.body;
    assert!(
        queue.contains(&review) && queue.contains(&transfer),
        "{queue}"
    );
    assert!(queue.contains(applicant::ORG));
    assert!(queue.contains(applicant::PERSON_NAME));
    assert!(queue.contains("待确认到账"));
    assert!(queue.contains("共 2 份"));
    let only = browser
        .send(get("/console?status=awaiting_transfer&sort=newest"))
        .await
        .body;
    assert!(only.contains(&transfer) && !only.contains(&review));
    let project = browser
        .send(get(&format!(
            "/console?status=all&project={}",
            applicant::PROJECT
        )))
        .await
        .body;
    assert!(project.contains(&review) && !project.contains(&transfer));
    let later = browser.send(get("/console?from=2025-03-02")).await.body;
    assert!(later.contains("没有符合条件的申请"));
    let day = browser
        .send(get("/console?from=2025-03-01&to=2025-03-01"))
        .await
        .body;
    assert!(day.contains("共 2 份"));
    let bad = browser.send(get("/console?from=yesterday")).await.body;
    assert!(bad.contains("日期格式应为"));

    // The transfer is found: on to review.
    let detail = browser
        .send(get(&format!("/console/applications/{transfer}")))
        .await;
    assert!(detail.body.contains("确认到账") && detail.body.contains("未查到款项"));
    assert!(!detail.body.contains("审核通过</button>"));
    let confirmed = browser
        .send(form(
            &format!("/console/applications/{transfer}/action"),
            &[
                ("event", "transfer_confirmed"),
                ("status", "awaiting_transfer"),
            ],
        ))
        .await;
    assert_eq!(confirmed.status, StatusCode::SEE_OTHER);
    assert_eq!(rig.status(&transfer).await, Status::AwaitingReview);
}

#[tokio::test]
async fn a_rejection_flags_items_texts_the_applicant_and_approval_follows_the_resubmission() {
    let rig = start().await;
    rig.add_reviewer("zhang", "张审核", Role::Reviewer).await;
    rig.add_reviewer("lisi", "李审核", Role::Reviewer).await;
    let _applicant = signed_in_applicant(&rig).await;
    let number = rig.awaiting_review(OWNER).await;
    let zhang = rig.reviewer("zhang").await;
    let li = rig.reviewer("lisi").await;
    let action = format!("/console/applications/{number}/action");
    let detail = format!("/console/applications/{number}");

    let page = zhang.send(get(&detail)).await.body;
    assert!(page.contains("审核通过</button>") && page.contains("驳回</button>"));
    assert!(page.contains(r#"value="material:business_license""#));
    assert!(page.contains(r#"value="section:org""#));
    assert!(page.contains(r#"value="identity""#));

    // Nothing flagged: refused at the form, nothing changes.
    let empty = zhang
        .send(form(
            &action,
            &[("event", "reject"), ("status", "awaiting_review")],
        ))
        .await;
    assert_eq!(location(&empty), format!("{detail}#reject"));
    let page = zhang.send(get(&detail)).await.body;
    assert!(page.contains("请至少勾选一项未通过的内容"), "{page}");
    assert_eq!(rig.status(&number).await, Status::AwaitingReview);

    let rejected = zhang
        .send(form(
            &action,
            &[
                ("event", "reject"),
                ("status", "awaiting_review"),
                ("flag", "material:business_license"),
                ("preset:material:business_license", "未加盖公章"),
                ("flag", "section:org"),
                ("reason:section:org", "地址与营业执照不一致"),
                ("preset:identity", "不清晰"),
                ("note", "请尽快修改"),
            ],
        ))
        .await;
    assert_eq!(rejected.status, StatusCode::SEE_OTHER);
    assert_eq!(rig.status(&number).await, Status::Rejected);
    assert_eq!(
        rig.count("SELECT COUNT(*) FROM rejection_flags").await,
        2,
        "the unticked identity item is not flagged"
    );
    let sms = applicant::last_sms(&rig.server, OWNER).await.unwrap();
    assert!(sms.contains("营业执照扫描件未加盖公章"), "{sms}");
    assert!(sms.contains("单位信息地址与营业执照不一致"), "{sms}");
    assert!(sms.contains("请尽快修改"), "{sms}");
    let page = zhang.send(get(&detail)).await.body;
    assert!(page.contains("已完成“驳回”，当前状态：未通过"), "{page}");

    // Li's page still showed 待审核: a clear message, no change, no error.
    let stale = li
        .send(form(
            &action,
            &[("event", "approve"), ("status", "awaiting_review")],
        ))
        .await;
    assert_eq!(stale.status, StatusCode::SEE_OTHER);
    let page = li.send(get(&detail)).await.body;
    assert!(page.contains("当前状态为“未通过”"), "{page}");
    assert_eq!(rig.status(&number).await, Status::Rejected);

    let user = applicant::user(&rig.server, OWNER).await;
    rig.apply(&number, Event::Resubmit, Who::Applicant(user), None)
        .await;
    // A page from before the rejection shows 待审核 again, but not what was resubmitted.
    let seen_before = "2";
    let old_page = li
        .send(form(
            &action,
            &[
                ("event", "approve"),
                ("status", "awaiting_review"),
                ("seen", seen_before),
            ],
        ))
        .await;
    assert_eq!(old_page.status, StatusCode::SEE_OTHER);
    assert_eq!(rig.status(&number).await, Status::AwaitingReview);
    let page = li.send(get(&detail)).await.body;
    assert!(page.contains("当前状态为“待审核”"), "{page}");
    assert!(page.contains("上次驳回的项目"));
    assert!(page.contains(r#"name="seen" value="4""#), "{page}");
    let approved = li
        .send(form(
            &action,
            &[("event", "approve"), ("status", "awaiting_review")],
        ))
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER);
    // Paid online: the financial check follows approval at once.
    assert_eq!(rig.status(&number).await, Status::AwaitingBankCheck);
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT actor_name FROM order_events WHERE actor = 'reviewer' ORDER BY id",
    )
    .fetch_all(rig.server.db.pool())
    .await
    .unwrap();
    assert_eq!(names, ["张审核", "李审核"]);
}

#[tokio::test]
async fn shipping_needs_a_courier_and_a_tracking_number() {
    let rig = start().await;
    rig.add_reviewer("zhang", "张审核", Role::Reviewer).await;
    let _applicant = signed_in_applicant(&rig).await;
    let number = rig.awaiting_review(OWNER).await;
    let user = applicant::user(&rig.server, OWNER).await;
    let zhang = rig.reviewer("zhang").await;
    let action = format!("/console/applications/{number}/action");
    let detail = format!("/console/applications/{number}");
    zhang
        .send(form(
            &action,
            &[("event", "approve"), ("status", "awaiting_review")],
        ))
        .await;
    rig.apply(&number, Event::BankCheckPassed, Who::Applicant(user), None)
        .await;
    zhang
        .send(form(
            &action,
            &[
                ("event", "start_production"),
                ("status", "bank_check_passed"),
            ],
        ))
        .await;
    assert_eq!(rig.status(&number).await, Status::InProduction);
    let page = zhang.send(get(&detail)).await.body;
    assert!(
        page.contains("<option value=\"顺丰速运\">顺丰速运</option>"),
        "{page}"
    );

    let missing = zhang
        .send(form(
            &action,
            &[
                ("event", "ship"),
                ("status", "in_production"),
                ("courier", "顺丰速运"),
                ("tracking_no", ""),
            ],
        ))
        .await;
    assert_eq!(location(&missing), format!("{detail}#ship"));
    let page = zhang.send(get(&detail)).await.body;
    assert!(
        page.contains(r#"<p id="tracking_no-error" class="c-error">"#),
        "{page}"
    );
    assert!(page.contains("请填写运单号"));
    assert!(page.contains(r#"aria-describedby="tracking_no-error""#));
    assert!(
        page.contains(r#"<option value="顺丰速运" selected="">"#)
            || page.contains(r#"<option value="顺丰速运" selected>"#),
        "the choice is kept"
    );
    assert_eq!(rig.status(&number).await, Status::InProduction);

    let shipped = zhang
        .send(form(
            &action,
            &[
                ("event", "ship"),
                ("status", "in_production"),
                ("courier", "顺丰速运"),
                ("tracking_no", "SF 1234 5678 90"),
            ],
        ))
        .await;
    assert_eq!(shipped.status, StatusCode::SEE_OTHER);
    assert_eq!(rig.status(&number).await, Status::Shipped);
    let sms = applicant::last_sms(&rig.server, OWNER).await.unwrap();
    assert!(sms.contains("顺丰速运 运单号 SF1234567890"), "{sms}");
}

#[tokio::test]
async fn numbers_are_masked_until_revealed_and_reveals_and_file_views_are_audited() {
    let rig = start().await;
    rig.add_reviewer("zhang", "张审核", Role::Reviewer).await;
    rig.add_reviewer("boss", "王主管", Role::Admin).await;
    let _applicant = signed_in_applicant(&rig).await;
    let number = rig.awaiting_review(OWNER).await;
    let user: UserId = applicant::user(&rig.server, OWNER).await;
    let png = fixtures::png(800, 600);
    let inspected = server::materials::inspect::inspect(&png).unwrap();
    rig.server
        .state
        .materials
        .save(
            user,
            &number,
            NewMaterial {
                slot: "business_license".into(),
                file_name: "营业执照.png".into(),
                inspected,
                bytes: png.clone(),
            },
        )
        .await
        .unwrap()
        .unwrap();
    let zhang = rig.reviewer("zhang").await;
    let detail = format!("/console/applications/{number}");
    let id_number = applicant::agent_id_number();
    let page = zhang.send(get(&detail)).await.body;
    assert!(!page.contains(&id_number));
    assert!(!page.contains("0502123409100012345"));
    assert!(page.contains("****2345"));
    assert!(page.contains(&format!(
        "{}**********{}",
        &id_number[..4],
        &id_number[14..]
    )));
    let src = format!("{detail}/materials/business_license");
    assert!(page.contains(&format!(r#"src="{src}""#)), "{page}");

    let file = zhang.send(get(&src)).await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.headers[header::CONTENT_TYPE], "image/png");
    assert_eq!(file.bytes, png);
    zhang.send(get(&src)).await;
    assert_eq!(
        rig.count("SELECT COUNT(*) FROM reviewer_audit WHERE action = 'view_material'")
            .await,
        1,
        "a second look within the half hour is not audited again"
    );

    let bad = zhang
        .send(form(&format!("{detail}/reveal"), &[("field", "org.name")]))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let revealed = zhang
        .send(form(
            &format!("{detail}/reveal"),
            &[("field", "legal_rep.id_number")],
        ))
        .await;
    assert_eq!(revealed.status, StatusCode::SEE_OTHER);
    assert_eq!(
        location(&revealed),
        format!("{detail}#field-legal_rep-id_number")
    );
    let audited: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT r.login, a.detail FROM reviewer_audit a JOIN reviewers r ON r.id = a.reviewer_id
         WHERE a.action = 'reveal'",
    )
    .fetch_all(rig.server.db.pool())
    .await
    .unwrap();
    assert_eq!(
        audited,
        [("zhang".to_owned(), Some("legal_rep.id_number".to_owned()))]
    );
    let page = zhang.send(get(&detail)).await.body;
    assert!(page.contains(&id_number));
    assert!(page.contains("查看完整的法定代表人身份证号码"));
    assert!(
        !page.contains("0502123409100012345"),
        "only what was revealed"
    );

    // Another reviewer still sees it masked; the admin sees the audit log.
    let boss = rig.reviewer("boss").await;
    assert!(!boss.send(get(&detail)).await.body.contains(&id_number));
    let admin = boss.send(get("/console/reviewers")).await;
    assert_eq!(admin.status, StatusCode::OK);
    assert!(admin.body.contains("legal_rep.id_number") && admin.body.contains("显示完整号码"));
    assert_eq!(
        zhang.send(get("/console/reviewers")).await.status,
        StatusCode::FORBIDDEN
    );
}

/// Fills `CONSOLE_DEMO_DIR` with a reviewer (`demo` / [`PASSWORD`], admin) and applications in
/// several states, for looking at the console with `cargo run -p server` on that folder.
#[tokio::test]
#[ignore = "writes demo data for screenshots: CONSOLE_DEMO_DIR=… cargo test -- --ignored"]
async fn seed_demo_data() {
    let Ok(dir) = std::env::var("CONSOLE_DEMO_DIR") else {
        return;
    };
    let (server, _clock) = common::start_with(config(std::path::Path::new(&dir))).await;
    let rig = Rig {
        _dir: tempfile::tempdir().unwrap(),
        server,
        clock: Arc::new(server::clock::ManualClock::new(common::START)),
    };
    rig.add_reviewer("demo", "张审核", Role::Admin).await;
    let mobiles = ["13812345678", "13912345678", "13612345678"];
    let mut numbers = Vec::new();
    for (i, mobile) in mobiles.iter().enumerate() {
        let desktop = Browser::new(&rig.server);
        desktop.sign_in(mobile, &[]).await;
        let holders: &[&str] = if i == 1 { &["李四", "王五"] } else { &[] };
        let number = applicant::submit(&rig.server, mobile, holders).await;
        if i == 0 {
            phone_step(&rig, &desktop, &number).await;
        }
        let user = applicant::user(&rig.server, mobile).await;
        for (slot, name, bytes) in [
            ("business_license", "营业执照.png", fixtures::png(1200, 850)),
            ("authorization_letter", "授权委托书.pdf", fixtures::pdf(1)),
        ] {
            let inspected = server::materials::inspect::inspect(&bytes).unwrap();
            rig.server
                .state
                .materials
                .save(
                    user,
                    &number,
                    NewMaterial {
                        slot: slot.into(),
                        file_name: name.into(),
                        inspected,
                        bytes,
                    },
                )
                .await
                .unwrap();
        }
        rig.apply(&number, Event::ReadyToPay, Who::Applicant(user), None)
            .await;
        numbers.push((number, user));
    }
    rig.apply(
        &numbers[0].0,
        Event::PaidOnline,
        Who::System,
        Some(PaymentMethod::Wechat),
    )
    .await;
    rig.apply(
        &numbers[1].0,
        Event::PaidOnline,
        Who::System,
        Some(PaymentMethod::Alipay),
    )
    .await;
    rig.apply(
        &numbers[2].0,
        Event::VoucherUploaded,
        Who::Applicant(numbers[2].1),
        Some(PaymentMethod::BankTransfer),
    )
    .await;
    let person = Browser::new(&rig.server);
    person.sign_in(applicant::PERSON_MOBILE, &[]).await;
    let number = applicant::submit_natural_person(&rig.server, applicant::PERSON_MOBILE).await;
    let user = applicant::user(&rig.server, applicant::PERSON_MOBILE).await;
    rig.apply(&number, Event::ReadyToPay, Who::Applicant(user), None)
        .await;
    // One made by the applicant in production, to be shipped.
    let mobile = "13512345678";
    Browser::new(&rig.server).sign_in(mobile, &[]).await;
    let shipping = applicant::submit(&rig.server, mobile, &[]).await;
    let owner = applicant::user(&rig.server, mobile).await;
    rig.apply(&shipping, Event::ReadyToPay, Who::Applicant(owner), None)
        .await;
    rig.apply(
        &shipping,
        Event::PaidOnline,
        Who::System,
        Some(PaymentMethod::Wechat),
    )
    .await;
    let reviewer = Who::Reviewer {
        id: 1,
        name: "张审核".into(),
    };
    rig.apply(&shipping, Event::Approve, reviewer.clone(), None)
        .await;
    rig.apply(
        &shipping,
        Event::BankCheckPassed,
        Who::Applicant(owner),
        None,
    )
    .await;
    rig.apply(&shipping, Event::StartProduction, reviewer, None)
        .await;
    println!("demo data in {dir}: {numbers:?} {number} {shipping}");
}

/// A `multipart/form-data` body: `challenge` as text, the other parts as JPEG files.
fn multipart(parts: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    const BOUNDARY: &str = "----console-test-boundary";
    let mut body = Vec::new();
    for (name, bytes) in parts {
        let disposition = if *name == "challenge" {
            format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n")
        } else {
            format!(
                "Content-Disposition: form-data; name=\"{name}\"; filename=\"{name}.jpg\"\r\n\
                 Content-Type: image/jpeg\r\n\r\n"
            )
        };
        body.extend(format!("--{BOUNDARY}\r\n{disposition}").bytes());
        body.extend_from_slice(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

fn json_post(uri: &str, parts: Option<&[(&str, &[u8])]>) -> Request<Body> {
    let builder = Request::post(uri)
        .header(header::ACCEPT, "application/json")
        .header("sec-fetch-site", "same-origin");
    match parts {
        Some(parts) => {
            let (content_type, body) = multipart(parts);
            builder
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(body))
                .unwrap()
        }
        None => builder.body(Body::empty()).unwrap(),
    }
}

/// A face frame: a dark JPEG with a bright square at `offset`, so frames differ.
fn frame(offset: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(160, 120, |x, y| {
        if (offset..offset + 40).contains(&x) && (30..90).contains(&y) {
            image::Rgb([230, 200, 180])
        } else {
            image::Rgb([30, 50, 70])
        }
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(image)
        .write_to(&mut out, image::ImageOutputFormat::Jpeg(85))
        .unwrap();
    out.into_inner()
}

/// Does the phone step for `number` (its owner at `desktop`): both ID photos and a passing
/// liveness check. Returns the photo sent for each side.
async fn phone_step(rig: &Rig, desktop: &Browser<'_>, number: &str) -> Vec<u8> {
    let link = desktop
        .send(json_post(
            &format!("/p/{}/applications/{number}/handoff", applicant::PROJECT),
            None,
        ))
        .await
        .json();
    let path = link["path"].as_str().unwrap().to_owned();
    let phone = Browser::new(&rig.server);
    assert_eq!(
        phone
            .send(json_post(&format!("{path}/claim"), None))
            .await
            .status,
        StatusCode::OK
    );
    let card = fixtures::jpeg(640, 400);
    for side in ["front", "back"] {
        let reply = phone
            .send(json_post(
                &format!("{path}/id/{side}"),
                Some(&[("file", card.as_slice())]),
            ))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    let challenge = phone
        .send(json_post(&format!("{path}/liveness/start"), None))
        .await
        .json();
    let needed = challenge["min_frames"].as_u64().unwrap() as usize;
    let id = challenge["challenge"].as_str().unwrap().to_owned();
    let frames: Vec<Vec<u8>> = (0..needed.max(4))
        .map(|i| frame(40 * (i as u32 % 4)))
        .collect();
    let mut parts: Vec<(&str, &[u8])> = vec![("challenge", id.as_bytes())];
    parts.extend(frames.iter().map(|f| ("frame", f.as_slice())));
    let done = phone
        .send(json_post(&format!("{path}/liveness"), Some(&parts)))
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);

    card
}

#[tokio::test]
async fn the_phone_step_and_its_id_photos_are_shown_to_reviewers_only() {
    let rig = start().await;
    rig.add_reviewer("zhang", "张审核", Role::Reviewer).await;
    let desktop = signed_in_applicant(&rig).await;
    let number = applicant::submit(&rig.server, OWNER, &[]).await;
    let card = phone_step(&rig, &desktop, &number).await;

    let zhang = rig.reviewer("zhang").await;
    let detail = format!("/console/applications/{number}");
    let page = zhang.send(get(&detail)).await.body;
    assert!(page.contains("身份认证已完成"), "{page}");
    assert!(page.contains("活体检测"));
    let front = format!("{detail}/identity/front");
    assert!(page.contains(&format!(r#"src="{front}""#)));
    let photo = zhang.send(get(&front)).await;
    assert_eq!(photo.status, StatusCode::OK);
    assert_eq!(photo.headers[header::CONTENT_TYPE], "image/jpeg");
    assert_eq!(photo.bytes, card);
    assert_eq!(
        rig.count("SELECT COUNT(*) FROM reviewer_audit WHERE action = 'view_identity_photo'")
            .await,
        1
    );
    assert_eq!(
        desktop.send(get(&front)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        zhang
            .send(get(&format!("{detail}/identity/side")))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}
