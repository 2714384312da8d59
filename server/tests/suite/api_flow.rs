//! The applicant flow through its server functions, over HTTP against the real router on a
//! temporary database: posted as the hydrated page posts them (form-encoded, answers in JSON,
//! redirects as a header), and once as a browser without JavaScript (a real 302).
//!
//! The server must re-check everything: these tests post bad data straight to the server
//! functions, bypassing the browser's checks, and submit more than once.

use crate::common;

use std::fmt::Write as _;
use std::sync::Mutex;

use app::api::apply::{
    ApplyPage, LoadApplyPage, SaveDraft, StepOutcome, SubmitApplication, SubmitChoose,
    SubmitDetails,
};
use app::api::auth::{Login, LoginOutcome};
use app::api::consent::AcceptAgreements;
use app::api::materials::{LoadMaterialsPage, MaterialsPage};
use app::domain::application::Variant;
use app::domain::catalog::ProductKind;
use app::domain::draft::{Draft, Step, field};
use app::domain::handoff::Role;
use app::domain::money::Fen;
use app::domain::quote::{CertChoice, Quote, Selection};
use app::services::login::UserId;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use common::rig::{Rig, start};
use leptos::server_fn::ServerFn;
use leptos::server_fn::redirect::REDIRECT_HEADER;
use serde::de::DeserializeOwned;
use server::SESSION_COOKIE;

const PROJECT: &str = "soetp";
const MOBILE: &str = "13812345678";

// Synthetic data only: check digits computed, numbers made up.
const ORG: &str = "山西某某科技有限公司";
const CREDIT_CODE: &str = "91350100M000100Y43";
const LEGAL_ID: &str = "140105198001011233";
const AGENT_ID: &str = "110105199003073453";
const HOLDER_IDS: [&str; 2] = ["140105198506152349", "11010519491231002X"];
/// The first holder's number with a wrong check digit (the right one is 9).
const BAD_HOLDER_ID: &str = "140105198506152340";
const ACCOUNT: &str = "0502123409100012345";

// --- a browser, as far as the server can tell ---

/// What the browser sends in `Accept`: the hydrated page's server-function client asks for
/// JSON; a plain form navigation asks for HTML.
#[derive(Clone, Copy)]
enum Browser {
    WithJs,
    WithoutJs,
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Reply {
    fn location(&self) -> Option<&str> {
        self.headers
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap())
    }

    /// The redirect a hydrated page follows: `Location` plus leptos's redirect header, with the
    /// status of the call itself (never a 302, which the fetch would follow on its own).
    fn js_redirect(&self) -> Option<&str> {
        assert_ne!(self.status, StatusCode::FOUND, "{}", self.describe());
        match (self.location(), self.headers.contains_key(REDIRECT_HEADER)) {
            (Some(to), true) => Some(to),
            (None, false) => None,
            _ => panic!("Location without the redirect header: {}", self.describe()),
        }
    }

    /// The successful result, as JSON.
    fn json<T: DeserializeOwned>(&self) -> T {
        assert_eq!(self.status, StatusCode::OK, "{}", self.describe());
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.describe()))
    }

    /// The message of a server-function error.
    fn error(&self) -> &str {
        assert_eq!(
            self.status,
            StatusCode::INTERNAL_SERVER_ERROR,
            "{}",
            self.describe()
        );
        self.body
            .strip_prefix("ServerError|")
            .unwrap_or_else(|| panic!("not a server error: {}", self.describe()))
    }

    fn describe(&self) -> String {
        format!("{} {:?} {}", self.status, self.headers, self.body)
    }
}

/// One browser on one project's pages: its session cookie, kept between requests as a
/// browser keeps it.
struct Client<'a> {
    server: &'a server::Server,
    project: &'static str,
    cookie: Mutex<Option<String>>,
}

impl<'a> Client<'a> {
    fn new(server: &'a server::Server) -> Self {
        Self::on(server, PROJECT)
    }

    fn on(server: &'a server::Server, project: &'static str) -> Self {
        Self {
            server,
            project,
            cookie: Mutex::new(None),
        }
    }

    fn cookie(&self) -> Option<String> {
        self.cookie.lock().unwrap().clone()
    }

    async fn send(&self, request: axum::http::request::Builder, body: String) -> Reply {
        let request = match self.cookie() {
            Some(cookie) => request.header(header::COOKIE, cookie),
            None => request,
        };
        let (status, headers, body) =
            common::send(&self.server.router, request.body(Body::from(body)).unwrap()).await;
        for value in headers.get_all(header::SET_COOKIE) {
            let value = value.to_str().unwrap();
            let pair = value.split(';').next().unwrap().trim();
            if pair.starts_with(&format!("{SESSION_COOKIE}=")) {
                let removed = value.contains("Max-Age=0");
                *self.cookie.lock().unwrap() = (!removed).then(|| pair.to_owned());
            }
        }
        Reply {
            status,
            headers,
            body,
        }
    }

    /// Posts a form to server function `F` the way `browser` does.
    async fn post<F: ServerFn>(&self, browser: Browser, fields: &[(&str, &str)]) -> Reply {
        let accept = match browser {
            Browser::WithJs => "application/json",
            Browser::WithoutJs => "text/html,application/xhtml+xml,*/*;q=0.8",
        };
        self.send(
            Request::post(F::PATH)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ACCEPT, accept),
            form(fields),
        )
        .await
    }

    async fn call<F: ServerFn>(&self, fields: &[(&str, &str)]) -> Reply {
        self.post::<F>(Browser::WithJs, fields).await
    }

    /// Autosave: the whole draft as JSON.
    async fn save_draft(&self, step: Step, draft: &Draft) -> Reply {
        let body = serde_json::json!({ "project": self.project, "step": step, "draft": draft });
        self.send(
            Request::post(<SaveDraft as ServerFn>::PATH)
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::ACCEPT, "application/json"),
            body.to_string(),
        )
        .await
    }

    async fn load_page(&self, step: &str) -> Reply {
        self.call::<LoadApplyPage>(&[
            ("project", self.project),
            ("step", step),
            ("check", "false"),
        ])
        .await
    }

    async fn submit(&self) -> Reply {
        self.call::<SubmitApplication>(&[("project", self.project)])
            .await
    }

    async fn get(&self, uri: &str) -> Reply {
        self.send(Request::get(uri), String::new()).await
    }
}

/// `application/x-www-form-urlencoded` as a browser writes it: brackets and non-ASCII
/// percent-encoded (serde_qs reads `details%5Borg%5D%5Bname%5D` as `details[org][name]`).
fn form(fields: &[(&str, &str)]) -> String {
    fn encode(text: &str, out: &mut String) {
        for byte in text.bytes() {
            match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                    out.push(byte as char)
                }
                b' ' => out.push('+'),
                _ => write!(out, "%{byte:02X}").unwrap(),
            }
        }
    }
    let mut out = String::new();
    for (i, (name, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode(name, &mut out);
        out.push('=');
        encode(value, &mut out);
    }
    out
}

// --- set-up ---

impl Rig {
    /// The code in the latest text message to `mobile`, read from the local outbox table.
    async fn code_sent_to(&self, mobile: &str) -> String {
        common::applicant::login_code(&self.server, mobile).await
    }

    async fn user(&self, mobile: &str) -> UserId {
        common::applicant::user(&self.server, mobile).await
    }

    /// The step the applicant's draft was saved at.
    async fn saved_step(&self, mobile: &str) -> Step {
        let user = self.user(mobile).await;
        self.server
            .state
            .applications
            .load_draft(user, PROJECT)
            .await
            .unwrap()
            .expect("a saved draft")
            .step
    }

    /// Texts a code to `mobile` and signs in with it; returns the login reply.
    async fn log_in(&self, client: &Client<'_>, browser: Browser, mobile: &str) -> Reply {
        let project = client.project;
        let sent = client
            .post::<Login>(
                browser,
                &[("project", project), ("mobile", mobile), ("intent", "send")],
            )
            .await;
        if let Browser::WithJs = browser {
            let outcome: LoginOutcome = sent.json();
            assert!(outcome.code_sent, "{outcome:?}");
        }
        let code = self.code_sent_to(mobile).await;
        client
            .post::<Login>(
                browser,
                &[
                    ("project", project),
                    ("mobile", mobile),
                    ("code", &code),
                    ("intent", "login"),
                ],
            )
            .await
    }

    /// A browser with JavaScript, signed in as `mobile` with all agreements accepted.
    async fn applicant(&self, mobile: &str) -> Client<'_> {
        self.applicant_on(PROJECT, mobile).await
    }

    /// [`Rig::applicant`] on `project`'s pages.
    async fn applicant_on(&self, project: &'static str, mobile: &str) -> Client<'_> {
        let client = Client::on(&self.server, project);
        let login = self.log_in(&client, Browser::WithJs, mobile).await;
        let consent = format!("/p/{project}/consent");
        assert_eq!(login.js_redirect(), Some(consent.as_str()));
        let mut agreements = ALL_AGREEMENTS;
        agreements[0].1 = project;
        let accepted = client.call::<AcceptAgreements>(&agreements).await;
        assert_eq!(accepted.json::<Vec<String>>(), Vec::<String>::new());
        client
    }
}

const ALL_AGREEMENTS: [(&str, &str); 4] = [
    ("project", PROJECT),
    ("accept[service]", "true"),
    ("accept[privacy]", "true"),
    ("accept[sensitive]", "true"),
];

/// The 选择证书 form: the org certificate for a year and two holders for a year each.
fn choose_form(intent: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("project", PROJECT),
        ("org_enabled", "true"),
        ("org_years", "1"),
        ("holders[0][name]", "王芳"),
        ("holders[0][id_number]", HOLDER_IDS[0]),
        ("holders[0][mobile]", "13600001111"),
        ("holders[0][years]", "1"),
        ("holders[1][name]", "赵敏"),
        ("holders[1][id_number]", HOLDER_IDS[1]),
        ("holders[1][mobile]", "13600002222"),
        ("holders[1][years]", "1"),
        ("intent", intent),
    ]
}

/// The 填写申请信息 form, valid, with `changes` replacing fields of the same name.
fn details_form<'a>(intent: &'a str, changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("project", PROJECT),
        ("details[org][name]", ORG),
        ("details[org][cert_type]", "uscc"),
        ("details[org][credit_code]", CREDIT_CODE),
        ("details[org][province]", "140000"),
        ("details[org][city]", "140100"),
        ("details[org][address]", "太原市迎泽区迎泽大街1号"),
        ("details[legal_rep][name]", "张伟"),
        ("details[legal_rep][id_number]", LEGAL_ID),
        ("details[legal_rep][mobile]", "13812345678"),
        ("details[agent][name]", "李强"),
        ("details[agent][id_number]", AGENT_ID),
        ("details[agent][mobile]", "13987654321"),
        ("details[agent][email]", "liqiang@example.com"),
        ("details[agent][position]", "财务经理"),
        ("details[bank][account_name]", ORG),
        ("details[bank][bank_name]", "中国工商银行太原迎泽支行"),
        ("details[bank][account_number]", ACCOUNT),
        ("details[shipping][province]", "140000"),
        ("details[shipping][city]", "140100"),
        ("details[shipping][district]", "140105"),
        ("details[shipping][address]", "太原市小店区长风街1号"),
        ("details[shipping][postal_code]", "030006"),
        ("details[shipping][option]", "post"),
        ("details[invoice][wanted]", "true"),
        ("details[invoice][title]", ""),
        ("details[invoice][taxpayer_id]", ""),
        ("intent", intent),
    ];
    for (name, value) in changes {
        let slot = fields
            .iter_mut()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no field {name}"));
        slot.1 = value;
    }
    fields
}

/// Both steps filled in validly, leaving the applicant on the review step.
async fn complete_both_steps(client: &Client<'_>) {
    let choose = client.call::<SubmitChoose>(&choose_form("next")).await;
    assert_eq!(choose.js_redirect(), Some("/p/soetp/apply/details"));
    assert_eq!(choose.json::<StepOutcome>().errors.len(), 0);
    let details = client
        .call::<SubmitDetails>(&details_form("next", &[]))
        .await;
    assert_eq!(details.js_redirect(), Some("/p/soetp/apply/review"));
    assert!(details.json::<StepOutcome>().errors.is_empty());
}

/// What the domain's fee calculator charges for the test's certificates.
fn expected_quote(rig: &Rig) -> Quote {
    let project = rig.server.state.catalog.project(PROJECT).unwrap();
    let one_year = |kind| CertChoice { kind, years: 1 };
    app::domain::quote::quote(
        project,
        &Selection {
            certs: vec![
                one_year(ProductKind::Org),
                one_year(ProductKind::OrgPersonal),
                one_year(ProductKind::OrgPersonal),
            ],
            shipping: Some("post".into()),
        },
    )
    .unwrap()
}

// --- paths ---

#[test]
fn server_functions_have_distinct_paths_under_api() {
    let paths = [
        <Login as ServerFn>::PATH,
        <AcceptAgreements as ServerFn>::PATH,
        <SubmitChoose as ServerFn>::PATH,
        <SubmitDetails as ServerFn>::PATH,
        <SubmitApplication as ServerFn>::PATH,
        <SaveDraft as ServerFn>::PATH,
        <LoadApplyPage as ServerFn>::PATH,
    ];
    for (i, path) in paths.iter().enumerate() {
        assert!(path.starts_with("/api/"), "{path}");
        assert!(!paths[..i].contains(path), "{path} twice");
    }
}

// --- login and agreements ---

#[tokio::test]
async fn logging_in_and_accepting_the_agreements_leads_to_the_first_step() {
    let rig = start().await;
    let client = Client::new(&rig.server);
    let send = [("project", PROJECT), ("mobile", MOBILE), ("intent", "send")];
    let sent = client.call::<Login>(&send).await;
    assert_eq!(sent.js_redirect(), None);
    let outcome: LoginOutcome = sent.json();
    assert!(outcome.code_sent, "{outcome:?}");
    assert_eq!(outcome.resend_after_secs, 60);
    assert_eq!(outcome.captcha, None, "CAPTCHA=off");
    let anonymous = client.cookie().expect("the number is kept in a session");

    let code = rig.code_sent_to(MOBILE).await;
    let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
    let refused = client
        .call::<Login>(&[
            ("project", PROJECT),
            ("mobile", MOBILE),
            ("code", &wrong),
            ("intent", "login"),
        ])
        .await;
    assert_eq!(refused.js_redirect(), None);
    let notice = refused.json::<LoginOutcome>().notice.expect("a message");
    assert_eq!(notice.field.as_deref(), Some("login-code"));
    assert!(notice.is_error);
    assert_eq!(rig.count("SELECT COUNT(*) FROM users").await, 0);

    let login = client
        .call::<Login>(&[
            ("project", PROJECT),
            ("mobile", MOBILE),
            ("code", &code),
            ("intent", "login"),
        ])
        .await;
    assert_eq!(login.js_redirect(), Some("/p/soetp/consent"));
    assert_eq!(login.json::<LoginOutcome>(), LoginOutcome::default());
    let signed_in = client.cookie().unwrap();
    assert_ne!(signed_in, anonymous, "a new session id on login");
    assert_eq!(rig.count("SELECT COUNT(*) FROM users").await, 1);

    // The id from before the login is worth nothing.
    let planted = Client::new(&rig.server);
    *planted.cookie.lock().unwrap() = Some(anonymous);
    assert_eq!(planted.load_page("choose").await.error(), "请先登录");

    // The form is closed until the agreements are accepted.
    let early = client.call::<SubmitChoose>(&choose_form("next")).await;
    assert_eq!(early.js_redirect(), Some("/p/soetp/consent"));
    assert_eq!(early.error(), "请先阅读并同意协议");
    assert_eq!(rig.count("SELECT COUNT(*) FROM drafts").await, 0);

    // Two of three ticked: the third is named and nothing is recorded.
    let partial = client.call::<AcceptAgreements>(&ALL_AGREEMENTS[..3]).await;
    assert_eq!(partial.js_redirect(), None);
    assert_eq!(partial.json::<Vec<String>>(), ["sensitive"]);
    assert_eq!(rig.count("SELECT COUNT(*) FROM consents").await, 0);

    let accepted = client.call::<AcceptAgreements>(&ALL_AGREEMENTS).await;
    assert_eq!(accepted.js_redirect(), Some("/p/soetp/apply/choose"));
    assert_eq!(accepted.json::<Vec<String>>(), Vec::<String>::new());
    let recorded: Vec<(String, String, String)> =
        sqlx::query_as("SELECT document, version, ip FROM consents ORDER BY id")
            .fetch_all(rig.server.db.pool())
            .await
            .unwrap();
    let expected: Vec<(String, String, String)> = rig
        .server
        .state
        .agreements
        .iter()
        .map(|a| {
            let ip = common::client_addr().ip().to_string();
            (a.id.clone(), a.version.clone(), ip)
        })
        .collect();
    assert_eq!(recorded, expected);

    let page = client.load_page("choose").await;
    assert_eq!(page.js_redirect(), None);
    let page: ApplyPage = page.json();
    assert_eq!(page.step, Step::Choose);
    assert_eq!(page.draft.shipping.option, "post");
    assert!(page.errors.is_empty());
}

#[tokio::test]
async fn without_a_session_no_server_function_works_or_shows_anything() {
    let rig = start().await;
    // An applicant's saved draft, for the others to fail to see.
    let owner = rig.applicant(MOBILE).await;
    let saved = owner.call::<SubmitChoose>(&choose_form("save")).await;
    assert!(saved.json::<StepOutcome>().errors.is_empty());
    assert_eq!(rig.count("SELECT COUNT(*) FROM drafts").await, 1);

    let nobody = Client::new(&rig.server);
    let forged = Client::new(&rig.server);
    *forged.cookie.lock().unwrap() = Some(format!("{SESSION_COOKIE}=AAAAAAAAAAAAAAAAAAAAAA"));
    let mut draft = Draft::default();
    draft.certs.holders = vec![Default::default()];
    for client in [&nobody, &forged] {
        let replies = [
            client.load_page("choose").await,
            client.load_page("review").await,
            client.call::<SubmitChoose>(&choose_form("next")).await,
            client
                .call::<SubmitDetails>(&details_form("next", &[]))
                .await,
            client.submit().await,
            client.save_draft(Step::Review, &draft).await,
            client.call::<AcceptAgreements>(&ALL_AGREEMENTS).await,
        ];
        for reply in &replies {
            assert_eq!(reply.js_redirect(), Some("/p/soetp/login"));
            assert_eq!(reply.error(), "请先登录");
            assert!(!reply.body.contains("王芳"), "{}", reply.body);
        }
    }
    assert_eq!(rig.count("SELECT COUNT(*) FROM drafts").await, 1);
    assert_eq!(rig.count("SELECT COUNT(*) FROM applications").await, 0);
    assert_eq!(rig.count("SELECT COUNT(*) FROM consents").await, 3);

    // Another applicant starts from an empty form, not from the first one's draft.
    let other = rig.applicant("13987654321").await;
    let page: ApplyPage = other.load_page("choose").await.json();
    assert!(page.draft.certs.holders.is_empty());
    assert!(!serde_json::to_string(&page).unwrap().contains("王芳"));
    let submit = other.submit().await;
    assert_eq!(
        submit.js_redirect(),
        Some("/p/soetp/apply/details?check=true")
    );
    assert_eq!(rig.count("SELECT COUNT(*) FROM applications").await, 0);
}

#[tokio::test]
async fn a_browser_without_javascript_gets_real_redirects() {
    let rig = start().await;
    let client = Client::new(&rig.server);
    let login = rig.log_in(&client, Browser::WithoutJs, MOBILE).await;
    assert_eq!(login.status, StatusCode::FOUND, "{}", login.describe());
    assert_eq!(login.location(), Some("/p/soetp/consent"));
    assert!(!login.headers.contains_key(REDIRECT_HEADER));
    assert!(client.cookie().is_some());

    let accepted = client
        .post::<AcceptAgreements>(Browser::WithoutJs, &ALL_AGREEMENTS)
        .await;
    assert_eq!(accepted.status, StatusCode::FOUND);
    assert_eq!(accepted.location(), Some("/p/soetp/apply/choose"));

    // A wrong check digit sends the page back to itself with the errors shown.
    let mut fields = choose_form("next");
    fields[4].1 = BAD_HOLDER_ID;
    let refused = client
        .post::<SubmitChoose>(Browser::WithoutJs, &fields)
        .await;
    assert_eq!(refused.status, StatusCode::FOUND, "{}", refused.describe());
    assert_eq!(refused.location(), Some("/p/soetp/apply/choose?check=true"));
    assert_eq!(rig.saved_step(MOBILE).await, Step::Choose);

    // Adding a row is a submit button too.
    let added = client
        .post::<SubmitChoose>(Browser::WithoutJs, &choose_form("add_holder"))
        .await;
    assert_eq!(added.status, StatusCode::FOUND);
    assert_eq!(
        added.location(),
        Some("/p/soetp/apply/choose#holders-2-name")
    );
    let page: ApplyPage = client.load_page("choose").await.json();
    assert_eq!(page.draft.certs.holders.len(), 3);

    let next = client
        .post::<SubmitChoose>(Browser::WithoutJs, &choose_form("next"))
        .await;
    assert_eq!(next.status, StatusCode::FOUND);
    assert_eq!(next.location(), Some("/p/soetp/apply/details"));
    assert_eq!(rig.saved_step(MOBILE).await, Step::Details);
}

#[tokio::test]
async fn logging_in_elsewhere_returns_to_the_saved_step_with_everything_filled_in() {
    let rig = start().await;
    let first = rig.applicant(MOBILE).await;
    let choose = first.call::<SubmitChoose>(&choose_form("next")).await;
    assert_eq!(choose.js_redirect(), Some("/p/soetp/apply/details"));

    rig.clock.advance(time::Duration::seconds(61));
    let second = Client::new(&rig.server);
    let login = rig.log_in(&second, Browser::WithJs, MOBILE).await;
    assert_eq!(login.js_redirect(), Some("/p/soetp/apply/details"));
    let page: ApplyPage = second.load_page("details").await.json();
    let ids: Vec<&str> = page
        .draft
        .certs
        .holders
        .iter()
        .map(|h| h.id_number.as_str())
        .collect();
    assert_eq!(ids, HOLDER_IDS);
}

// --- the server checks what is posted ---

#[tokio::test]
async fn a_wrong_id_check_digit_posted_directly_is_refused() {
    let rig = start().await;
    let client = rig.applicant(MOBILE).await;
    let mut fields = choose_form("next");
    assert_eq!(fields[4].0, "holders[0][id_number]");
    fields[4].1 = BAD_HOLDER_ID;
    let reply = client.call::<SubmitChoose>(&fields).await;
    assert_eq!(reply.js_redirect(), None, "no move to the details step");
    let outcome: StepOutcome = reply.json();
    assert!(
        outcome.errors.get("holders-0-id-number").is_some(),
        "{outcome:?}"
    );
    assert_eq!(outcome.errors.len(), 1, "{outcome:?}");
    assert!(outcome.saved_at.is_some());
    assert_eq!(rig.saved_step(MOBILE).await, Step::Choose);
    // Kept as typed, so nothing is lost.
    let page: ApplyPage = client.load_page("choose").await.json();
    assert_eq!(page.draft.certs.holders[0].id_number, BAD_HOLDER_ID);

    // The same number twice is refused at the second row.
    fields[4].1 = HOLDER_IDS[1];
    let outcome: StepOutcome = client.call::<SubmitChoose>(&fields).await.json();
    let bad: Vec<&str> = outcome.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(bad, [field::holder(1, "id-number")]);
    assert_eq!(rig.saved_step(MOBILE).await, Step::Choose);

    // Submitting anyway sends the applicant back to the step.
    let submit = client.submit().await;
    assert_eq!(
        submit.js_redirect(),
        Some("/p/soetp/apply/choose?check=true")
    );
    assert!(!submit.json::<StepOutcome>().errors.is_empty());
    assert_eq!(rig.count("SELECT COUNT(*) FROM applications").await, 0);
}

#[tokio::test]
async fn bad_details_posted_directly_are_refused_field_by_field() {
    let rig = start().await;
    let client = rig.applicant(MOBILE).await;
    let choose = client.call::<SubmitChoose>(&choose_form("next")).await;
    assert_eq!(choose.js_redirect(), Some("/p/soetp/apply/details"));

    let fields = details_form(
        "next",
        &[
            ("details[org][credit_code]", "91350100M000100I43"),
            ("details[legal_rep][mobile]", "1234"),
            ("details[agent][email]", "liqiang@example"),
            ("details[bank][account_name]", "山西另一家科技有限公司"),
        ],
    );
    let reply = client.call::<SubmitDetails>(&fields).await;
    assert_eq!(reply.js_redirect(), None, "no move to the review step");
    let outcome: StepOutcome = reply.json();
    let bad: Vec<&str> = outcome.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        bad,
        [
            field::ORG_CREDIT_CODE,
            field::LEGAL_MOBILE,
            field::AGENT_EMAIL,
            field::BANK_ACCOUNT_NAME,
        ],
        "{outcome:?}"
    );
    assert_eq!(
        outcome.errors.get(field::BANK_ACCOUNT_NAME),
        Some("基本户名称须与机构名称一致")
    );
    assert_eq!(rig.saved_step(MOBILE).await, Step::Details);

    let submit = client.submit().await;
    assert_eq!(
        submit.js_redirect(),
        Some("/p/soetp/apply/details?check=true")
    );
    assert_eq!(rig.count("SELECT COUNT(*) FROM applications").await, 0);

    // Corrected, the step moves on.
    let fixed = client
        .call::<SubmitDetails>(&details_form("next", &[]))
        .await;
    assert_eq!(fixed.js_redirect(), Some("/p/soetp/apply/review"));
    assert_eq!(rig.saved_step(MOBILE).await, Step::Review);
}

#[tokio::test]
async fn submitting_an_incomplete_draft_creates_no_application() {
    let rig = start().await;
    let client = rig.applicant(MOBILE).await;

    // Nothing saved yet: the default choice (one org certificate) stands, the details do not.
    let submit = client.submit().await;
    assert_eq!(
        submit.js_redirect(),
        Some("/p/soetp/apply/details?check=true")
    );
    assert!(!submit.json::<StepOutcome>().errors.is_empty());

    // Only the first step done.
    let choose = client.call::<SubmitChoose>(&choose_form("next")).await;
    assert_eq!(choose.js_redirect(), Some("/p/soetp/apply/details"));
    let submit = client.submit().await;
    assert_eq!(
        submit.js_redirect(),
        Some("/p/soetp/apply/details?check=true")
    );

    // An autosave claiming the review step with bad data, posted without the page.
    let page: ApplyPage = client.load_page("details").await.json();
    let mut draft = page.draft;
    draft.certs.holders[0].id_number = BAD_HOLDER_ID.into();
    let saved = client.save_draft(Step::Review, &draft).await;
    assert_eq!(saved.js_redirect(), None);
    saved.json::<String>();
    assert_eq!(rig.saved_step(MOBILE).await, Step::Review);
    let review: ApplyPage = client.load_page("review").await.json();
    assert!(review.errors.get("holders-0-id-number").is_some());
    let submit = client.submit().await;
    assert_eq!(
        submit.js_redirect(),
        Some("/p/soetp/apply/choose?check=true")
    );
    assert!(
        submit
            .json::<StepOutcome>()
            .errors
            .get("holders-0-id-number")
            .is_some()
    );

    assert_eq!(rig.count("SELECT COUNT(*) FROM applications").await, 0);
    assert_eq!(
        rig.count("SELECT COUNT(*) FROM drafts WHERE submitted_as IS NOT NULL")
            .await,
        0
    );
}

// --- submit ---

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submitting_again_or_at_once_makes_one_application() {
    let rig = start().await;
    let client = rig.applicant(MOBILE).await;
    complete_both_steps(&client).await;
    let review: ApplyPage = client.load_page("review").await.json();
    assert!(review.errors.is_empty(), "{:?}", review.errors);

    let first = client.submit().await;
    let submitted = first.js_redirect().expect("a redirect").to_owned();
    assert_eq!(submitted, "/p/soetp/submitted/SQ202503010001");
    assert_eq!(first.json::<StepOutcome>(), StepOutcome::default());

    let again = client.submit().await;
    assert_eq!(again.js_redirect(), Some(submitted.as_str()));
    assert_eq!(again.json::<StepOutcome>(), StepOutcome::default());

    let (a, b) = tokio::join!(client.submit(), client.submit());
    for reply in [&a, &b] {
        assert_eq!(reply.js_redirect(), Some(submitted.as_str()));
        assert_eq!(reply.json::<StepOutcome>(), StepOutcome::default());
    }
    assert_eq!(rig.count("SELECT COUNT(*) FROM applications").await, 1);

    // A late autosave does not reopen the application as a new draft; it is no failure
    // either (the page simply moves on to the application).
    let late = client.save_draft(Step::Review, &review.draft).await;
    assert_eq!(late.js_redirect(), Some(submitted.as_str()));
    assert_eq!(late.json::<Option<String>>(), None);
    // Nor does a step form posted from a second tab.
    let tab = client.call::<SubmitChoose>(&choose_form("save")).await;
    assert_eq!(tab.js_redirect(), Some(submitted.as_str()));
    assert_eq!(tab.json::<StepOutcome>(), StepOutcome::default());
    assert_eq!(
        rig.count("SELECT COUNT(*) FROM drafts WHERE submitted_as IS NULL")
            .await,
        0
    );
    assert_eq!(rig.count("SELECT COUNT(*) FROM drafts").await, 1);
    assert_eq!(rig.count("SELECT COUNT(*) FROM applications").await, 1);

    // Every step now leads to the confirmation.
    for step in ["choose", "details", "review"] {
        assert_eq!(
            client.load_page(step).await.js_redirect(),
            Some(submitted.as_str())
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_first_submits_at_once_make_one_application() {
    let rig = start().await;
    let client = rig.applicant(MOBILE).await;
    complete_both_steps(&client).await;
    let (a, b) = tokio::join!(client.submit(), client.submit());
    assert_eq!(a.js_redirect(), Some("/p/soetp/submitted/SQ202503010001"));
    assert_eq!(b.js_redirect(), a.js_redirect());
    assert_eq!(a.status, StatusCode::OK, "{}", a.describe());
    assert_eq!(b.status, StatusCode::OK, "{}", b.describe());
    assert_eq!(rig.count("SELECT COUNT(*) FROM applications").await, 1);
    assert_eq!(
        rig.count("SELECT COUNT(*) FROM application_numbers WHERE last = 1")
            .await,
        1,
        "no number handed out and thrown away"
    );
}

#[tokio::test]
async fn the_application_keeps_the_quote_the_domain_computes() {
    let rig = start().await;
    let client = rig.applicant(MOBILE).await;
    complete_both_steps(&client).await;
    let expected = expected_quote(&rig);
    assert_eq!(expected.total, Fen(112_000), "{expected:?}");

    let review: ApplyPage = client.load_page("review").await.json();
    assert_eq!(review.quote, Ok(expected.clone()));

    let submit = client.submit().await;
    assert_eq!(
        submit.js_redirect(),
        Some("/p/soetp/submitted/SQ202503010001")
    );
    let (quote, total, status, version): (String, i64, String, String) =
        sqlx::query_as("SELECT quote, total_fen, status, catalog_version FROM applications")
            .fetch_one(rig.server.db.pool())
            .await
            .unwrap();
    assert_eq!(serde_json::from_str::<Quote>(&quote).unwrap(), expected);
    assert_eq!(total, 112_000);
    assert_eq!(status, "awaiting_materials");
    assert_eq!(
        Some(version.as_str()),
        rig.server.state.catalog.version(PROJECT)
    );
}

/// An autosave already on its way when 提交申请 is clicked (the page saves as the applicant
/// types) must not reopen the application: the store refuses, in the same statement as the
/// write, to save over a submitted draft.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_autosave_racing_the_submit_does_not_reopen_the_application() {
    for _ in 0..20 {
        let rig = start().await;
        let client = rig.applicant(MOBILE).await;
        complete_both_steps(&client).await;
        let review: ApplyPage = client.load_page("review").await.json();
        let (_, submit) = tokio::join!(
            client.save_draft(Step::Review, &review.draft),
            client.submit()
        );
        let submitted = submit.js_redirect().expect("a redirect").to_owned();
        assert_eq!(
            rig.count("SELECT COUNT(*) FROM drafts WHERE submitted_as IS NULL")
                .await,
            0,
            "a new open draft after the submit"
        );
        let again = client.submit().await;
        assert_eq!(again.js_redirect(), Some(submitted.as_str()));
        assert_eq!(rig.count("SELECT COUNT(*) FROM applications").await, 1);
    }
}

// --- a natural person ---

/// Offers the natural-person certificate (soetp does not).
const PERSON_PROJECT: &str = "hnsggzy";
const PERSON: &str = "刘洋";
const PERSON_ID: &str = "430102198808081232";
/// [`PERSON_ID`] with a wrong check digit.
const BAD_PERSON_ID: &str = "430102198808081230";
const PERSON_ACCOUNT: &str = "6217002870012345678";

/// The 选择证书 form choosing the natural-person certificate. The organisation's controls
/// are still on the page (hidden) and post their values too.
fn person_choose_form(intent: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("project", PERSON_PROJECT),
        ("natural_person", "true"),
        ("natural_person_years", "1"),
        ("org_enabled", "true"),
        ("org_years", "1"),
        ("intent", intent),
    ]
}

/// The natural person's 填写申请信息 form, valid, with `changes` replacing fields of the same
/// name (or added when the form has no such field).
fn person_details_form<'a>(
    intent: &'a str,
    changes: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("project", PERSON_PROJECT),
        ("details[applicant][name]", PERSON),
        ("details[applicant][id_number]", PERSON_ID),
        ("details[applicant][mobile]", "13712345678"),
        ("details[applicant][email]", "liu@example.com"),
        ("details[applicant][province]", "430000"),
        ("details[applicant][city]", "430100"),
        ("details[applicant][address]", "芙蓉区五一大道1号"),
        ("details[applicant_bank][account_name]", PERSON),
        (
            "details[applicant_bank][bank_name]",
            "中国建设银行长沙芙蓉支行",
        ),
        ("details[applicant_bank][account_number]", PERSON_ACCOUNT),
        ("details[shipping][province]", "430000"),
        ("details[shipping][city]", "430100"),
        ("details[shipping][district]", "430102"),
        ("details[shipping][address]", "芙蓉区五一大道1号"),
        ("details[shipping][postal_code]", ""),
        ("details[shipping][option]", "post"),
        ("details[invoice][wanted]", "true"),
        ("details[invoice][title]", ""),
        ("details[invoice][taxpayer_id]", ""),
        ("intent", intent),
    ];
    for (name, value) in changes {
        match fields.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value,
            None => fields.push((name, value)),
        }
    }
    fields
}

#[tokio::test]
async fn a_natural_person_applies_with_their_own_form_variant() {
    let rig = start().await;
    let client = rig.applicant_on(PERSON_PROJECT, MOBILE).await;

    // Without JavaScript, 更新 shows the certificates of the chosen 申请对象.
    let refreshed = client
        .post::<SubmitChoose>(Browser::WithoutJs, &person_choose_form("refresh"))
        .await;
    assert_eq!(
        refreshed.status,
        StatusCode::FOUND,
        "{}",
        refreshed.describe()
    );
    assert_eq!(refreshed.location(), Some("/p/hnsggzy/apply/choose"));
    let page: ApplyPage = client.load_page("choose").await.json();
    assert_eq!(page.draft.certs.natural_person_years, Some(1));
    // hnsggzy: 100 a year, 100 for the medium, 50 for the seal.
    assert_eq!(page.quote.unwrap().total, Fen(25_000));

    let choose = client
        .call::<SubmitChoose>(&person_choose_form("next"))
        .await;
    assert_eq!(choose.js_redirect(), Some("/p/hnsggzy/apply/details"));
    let page: ApplyPage = client.load_page("details").await.json();
    assert_eq!(
        page.draft.certs.org_years,
        Some(1),
        "kept for a switch back"
    );

    // Bad data straight to the server: each field refused with its own message, and only the
    // person's sections are checked. An organisation field slipped into the post is ignored.
    let fields = person_details_form(
        "next",
        &[
            ("details[applicant][id_number]", BAD_PERSON_ID),
            ("details[applicant][mobile]", "1234"),
            ("details[applicant_bank][account_name]", "长沙某某有限公司"),
            ("details[applicant_bank][bank_name]", ""),
            ("details[org][name]", "不该保存的公司"),
        ],
    );
    let reply = client.call::<SubmitDetails>(&fields).await;
    assert_eq!(reply.js_redirect(), None, "no move to the review step");
    let outcome: StepOutcome = reply.json();
    let bad: Vec<(&str, &str)> = outcome
        .errors
        .iter()
        .map(|e| (e.field.as_str(), e.message.as_str()))
        .collect();
    assert_eq!(
        bad,
        [
            (
                field::APPLICANT_ID_NUMBER,
                "身份证号码校验位不正确，请核对后重新输入"
            ),
            (field::APPLICANT_MOBILE, "请输入11位手机号码"),
            (
                field::APPLICANT_BANK_ACCOUNT_NAME,
                "户名须与申请人姓名一致，请填写申请人本人的账户"
            ),
            (field::APPLICANT_BANK_NAME, "请填写开户银行"),
        ]
    );
    let page: ApplyPage = client.load_page("details").await.json();
    assert_eq!(
        page.draft.applicant.id_number, BAD_PERSON_ID,
        "kept as typed"
    );
    assert_eq!(page.draft.org.name, "");
    let submit = client.submit().await;
    assert_eq!(
        submit.js_redirect(),
        Some("/p/hnsggzy/apply/details?check=true")
    );
    assert_eq!(rig.count("SELECT COUNT(*) FROM applications").await, 0);

    // Corrected, it moves on and submits.
    let fixed = client
        .call::<SubmitDetails>(&person_details_form("next", &[]))
        .await;
    assert_eq!(fixed.js_redirect(), Some("/p/hnsggzy/apply/review"));
    let review: ApplyPage = client.load_page("review").await.json();
    assert!(review.errors.is_empty(), "{:?}", review.errors);
    let submit = client.submit().await;
    assert_eq!(
        submit.js_redirect(),
        Some("/p/hnsggzy/submitted/SQ202503010001")
    );
    let user = rig.user(MOBILE).await;
    let stored = rig
        .server
        .state
        .applications
        .submitted(user, "SQ202503010001")
        .await
        .unwrap()
        .expect("stored")
        .application;
    assert_eq!(stored.variant(), Variant::NaturalPerson);
    assert_eq!(stored.identity_subject().1.id_number.as_str(), PERSON_ID);
    assert_eq!(stored.invoice.unwrap().title.as_str(), PERSON);

    // Its materials: the form and the seal sheet to sign; no authorization letter, and the
    // ID card shown on the phone by the applicant.
    let materials = client
        .call::<LoadMaterialsPage>(&[("project", PERSON_PROJECT), ("number", "SQ202503010001")])
        .await
        .json::<Option<MaterialsPage>>()
        .expect("the owner's application");
    let documents: Vec<&str> = materials
        .documents
        .iter()
        .map(|d| d.slug.as_str())
        .collect();
    assert_eq!(documents, ["application-form", "seal-sheet"]);
    let slots: Vec<&str> = materials.slots.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(slots, ["application_form", "seal_form"]);
    assert_eq!(materials.identity_role, Role::Applicant);
    let pdf = |slug: &str| format!("/p/hnsggzy/applications/SQ202503010001/documents/{slug}.pdf");
    assert_eq!(
        client.get(&pdf("application-form")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        client.get(&pdf("authorization-letter")).await.status,
        StatusCode::NOT_FOUND
    );
}
