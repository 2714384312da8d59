//! An applicant with a submitted application, made the short way: the login code read from
//! the local outbox, the application written straight through the store.

use app::api::auth::Login;
use app::domain::application;
use app::domain::draft::{Draft, HolderDraft, Step};
use app::domain::{credit_code, id_number, org_code, quote};
use app::services::login::UserId;
use axum::body::Body;
use axum::http::{Request, header};
use leptos::server_fn::ServerFn;

pub const PROJECT: &str = "soetp";
/// The applicant's own number, also the legal representative's (who is the agent).
pub const OWNER: &str = "13812345678";
pub const ORG: &str = "山西某某科技有限公司";
/// The legal representative and agent (经办人即法定代表人).
pub const AGENT_NAME: &str = "张三";

pub fn agent_id_number() -> String {
    let body = "14010519800101123";
    format!("{body}{}", id_number::calc_check_digit(body).unwrap())
}

/// Synthetic data only: ID numbers with computed check digits, a made-up account. The org
/// certificate plus one org-personal certificate per holder name.
pub fn draft(holders: &[&str]) -> Draft {
    let id = |body: &str| format!("{body}{}", id_number::calc_check_digit(body).unwrap());
    let org = "MA0K3L7P";
    let code = format!("91140105{org}{}", org_code::calc_check_digit(org).unwrap());
    let mut d = Draft::default();
    d.certs.org_years = Some(1);
    d.certs.holders = holders
        .iter()
        .enumerate()
        .map(|(i, name)| HolderDraft {
            name: (*name).into(),
            id_number: id(&format!("1401051985010112{i}")),
            mobile: format!("1381234567{i}"),
            years: 1,
        })
        .collect();
    d.org.name = ORG.into();
    d.org.cert_type = application::USCC.into();
    d.org.credit_code = format!("{code}{}", credit_code::calc_check_digit(&code).unwrap());
    d.org.province = "140000".into();
    d.org.city = "140100".into();
    d.org.address = "太原市小店区长风街1号".into();
    d.legal_rep.name = AGENT_NAME.into();
    d.legal_rep.id_number = agent_id_number();
    d.legal_rep.mobile = OWNER.into();
    d.agent.same_as_legal_rep = true;
    d.agent.email = "li@example.com".into();
    d.agent.position = "财务经理".into();
    d.bank.account_name = ORG.into();
    d.bank.bank_name = "中国工商银行太原迎泽支行".into();
    d.bank.account_number = "0502123409100012345".into();
    d.shipping.province = "140000".into();
    d.shipping.city = "140100".into();
    d.shipping.district = "140105".into();
    d.shipping.address = "太原市小店区长风街1号".into();
    d
}

/// The project of the natural-person applications (soetp offers no natural-person
/// certificate).
pub const PERSON_PROJECT: &str = "hnsggzy";
/// A natural person applying in their own name, with their own mobile.
pub const PERSON_NAME: &str = "刘洋";
pub const PERSON_MOBILE: &str = "13712345678";

pub fn person_id_number() -> String {
    let body = "43010219880808123";
    format!("{body}{}", id_number::calc_check_digit(body).unwrap())
}

/// A natural-person certificate for a year on [`PERSON_PROJECT`], every section valid
/// (synthetic data).
pub fn natural_person_draft() -> Draft {
    let mut d = Draft::default();
    d.certs.natural_person_years = Some(1);
    d.applicant.name = PERSON_NAME.into();
    d.applicant.id_number = person_id_number();
    d.applicant.mobile = PERSON_MOBILE.into();
    d.applicant.email = "liu@example.com".into();
    d.applicant.province = "430000".into();
    d.applicant.city = "430100".into();
    d.applicant.address = "芙蓉区五一大道1号".into();
    d.applicant_bank.account_name = PERSON_NAME.into();
    d.applicant_bank.bank_name = "中国建设银行长沙芙蓉支行".into();
    d.applicant_bank.account_number = "6217002870012345678".into();
    d.shipping.province = "430000".into();
    d.shipping.city = "430100".into();
    d.shipping.district = "430102".into();
    d.shipping.address = "芙蓉区五一大道1号".into();
    d.shipping.option = "post".into();
    d
}

/// The login server function's request: `intent=send` texts a code, `intent=login` signs in.
pub fn login_request(fields: String) -> Request<Body> {
    Request::post(<Login as ServerFn>::PATH)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .body(Body::from(fields))
        .unwrap()
}

/// The keyed hash `mobile` is stored and found by, as the server computes it.
pub fn mobile_index(server: &server::Server, mobile: &str) -> [u8; 32] {
    let mobile = app::domain::mobile::validate(mobile).expect("a valid test number");
    server::mobiles::index(&server.keys, &mobile)
}

/// The newest text the local provider "sent" to `mobile`.
pub async fn last_sms(server: &server::Server, mobile: &str) -> Option<String> {
    sqlx::query_scalar(
        "SELECT text FROM sms_outbox WHERE mobile_index = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(mobile_index(server, mobile).as_slice())
    .fetch_optional(server.db.pool())
    .await
    .unwrap()
}

/// The 6-digit login code in the newest text to `mobile`.
pub async fn login_code(server: &server::Server, mobile: &str) -> String {
    let text = last_sms(server, mobile).await.expect("a code was texted");
    let start = text.find(|c: char| c.is_ascii_digit()).unwrap();
    text[start..start + 6].to_owned()
}

pub async fn user(server: &server::Server, mobile: &str) -> UserId {
    UserId(
        sqlx::query_scalar("SELECT id FROM users WHERE mobile_index = $1")
            .bind(mobile_index(server, mobile).as_slice())
            .fetch_one(server.db.pool())
            .await
            .unwrap_or_else(|e| panic!("no account for {mobile}: {e}")),
    )
}

/// Submits [`draft`]`(holders)` for the signed-up `mobile`; returns the application number.
pub async fn submit(server: &server::Server, mobile: &str, holders: &[&str]) -> String {
    submit_draft(server, mobile, PROJECT, &draft(holders)).await
}

/// Submits [`natural_person_draft`] on [`PERSON_PROJECT`] for the signed-up `mobile`.
pub async fn submit_natural_person(server: &server::Server, mobile: &str) -> String {
    submit_draft(server, mobile, PERSON_PROJECT, &natural_person_draft()).await
}

async fn submit_draft(
    server: &server::Server,
    mobile: &str,
    project: &str,
    draft: &Draft,
) -> String {
    let user = user(server, mobile).await;
    let state = &server.state;
    let catalog = state.catalog.project(project).unwrap();
    let application = application::validate(draft, catalog, time::macros::date!(2025 - 03 - 01))
        .expect("the test draft is valid");
    let quote = quote::quote(catalog, &application.selection).unwrap();
    state
        .applications
        .save_draft(user, project, draft, Step::Review)
        .await
        .unwrap();
    state
        .applications
        .submit(
            user,
            project,
            &application,
            &quote,
            state.catalog.version(project).unwrap(),
        )
        .await
        .unwrap()
}

/// Records `mobile`'s acceptance of every agreement in force, as the consent page does.
pub async fn accept_agreements(server: &server::Server, mobile: &str) {
    let all: Vec<app::services::consent::Acceptance> = server
        .state
        .agreements
        .iter()
        .map(|a| app::services::consent::Acceptance {
            document: a.id.clone(),
            version: a.version.clone(),
        })
        .collect();
    let ip = "203.0.113.7".parse().unwrap();
    server
        .state
        .consents
        .record(user(server, mobile).await, &all, ip)
        .await
        .unwrap();
}
