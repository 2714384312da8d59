//! 审核后台 (the review console), `/console`: reviewers sign in, work through the queue of
//! applications, read each one in full (personal numbers masked until revealed, which is
//! audited), look at the scans and the phone step's photos, and move the order on: approve,
//! reject with flagged items, confirm a transfer, start production, ship.
//!
//! Plain server-rendered HTML (Leptos `view!` rendered to a string, as the phone pages are),
//! no script at all, every action a POST form: nothing of it reaches the applicant's bundle.
//! The console has its own session cookie, `cp_console`, sent only to `/console` (see
//! `crate::http::sessions`): an applicant's session is never read here, and a reviewer's is never
//! an applicant's. Forms carry no CSRF token; the global same-origin check
//! (`security::refuse_cross_site`) and the cookie's SameSite=Strict keep other sites out.
//!
//! Every order change goes through [`OrderService::apply`], so the state machine decides what
//! is allowed, the timeline records the reviewer, and the applicant gets the text message.

pub mod cli;
mod requests;
mod sign_in;
mod view;

use std::collections::BTreeMap;
use std::sync::Arc;

use app::domain::application::Application;
use app::domain::handoff::IdSide;
use app::domain::materials::upload_slots;
use app::domain::order::{Actor, Event, Status, transition};
use app::domain::review::{self, IDENTITY_LABEL, check_shipment, resolve_reason, sections_for};
use app::services::applications::ApplicationStore;
use app::services::login::UserId;
use app::services::materials::MaterialStore;
use app::services::orders::{Change, FlagItem, OrderError, OrderService, Who};
use app::state::Catalog;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tower_sessions::Session;

use self::sign_in::{login, login_page, logout};
use crate::clock::Clock;
use crate::service::applications::Applications;
use crate::service::handoff::Handoffs;
use crate::service::reviewers::{Reviewer, Reviewers, Role};
use crate::store::applications::{Page, QueueFilter, SummaryRow};
use crate::store::time::{to_db, to_text};

/// The session keys, in the console's own session.
const REVIEWER_KEY: &str = "console_reviewer";
const REVEALED_KEY: &str = "console_revealed";
const FLASH_KEY: &str = "console_flash";

/// Applications per queue page.
pub const PAGE_SIZE: i64 = 50;
/// A reviewer opening the same file again within this many minutes is not audited again.
const AUDIT_REPEAT_MINUTES: i64 = 30;

/// The page policy: no script at all; scans load from the console's own file routes, PDFs in
/// a frame of the same origin.
const PAGE_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; frame-src 'self'; \
     form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
/// A PDF scan may be framed by the console page, and by nothing else.
const PDF_CSP: &str = "default-src 'none'; frame-ancestors 'self'; base-uri 'none'";

const STYLESHEET: &str = include_str!("console.css");

#[derive(Clone)]
pub struct ConsoleState {
    pub reviewers: Arc<Reviewers>,
    pub applications: Arc<Applications>,
    pub materials: Arc<dyn MaterialStore>,
    pub handoff: Arc<Handoffs>,
    pub orders: Arc<dyn OrderService>,
    pub catalog: Arc<Catalog>,
    pub privacy: Arc<crate::service::privacy::Privacy>,
    pub clock: Arc<dyn Clock>,
}

pub fn router(state: ConsoleState) -> Router {
    let routes = Router::new()
        .route("/console", get(queue))
        .route("/console/login", get(login_page).post(login))
        .route("/console/logout", post(logout))
        .route("/console/console.css", get(stylesheet))
        .route("/console/reviewers", get(reviewers_page))
        .route("/console/requests", get(requests::list))
        .route("/console/requests/{id}/complete", post(requests::complete))
        .route("/console/applications/{number}", get(detail))
        .route("/console/applications/{number}/reveal", post(reveal))
        .route("/console/applications/{number}/action", post(act))
        .route(
            "/console/applications/{number}/materials/{slot}",
            get(material_file),
        )
        .route(
            "/console/applications/{number}/identity/{side}",
            get(identity_photo),
        )
        .with_state(state);
    crate::http::security::with_security_headers(routes)
        .layer(crate::compression())
        .layer(tower_http::trace::TraceLayer::new_for_http())
}

/// A message shown once on the next page: the outcome of an action, or what to fix.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Flash {
    number: Option<String>,
    ok: bool,
    message: String,
    /// Field id → message, shown at the field.
    fields: BTreeMap<String, String>,
    /// What was typed, to fill the form again: name → values.
    values: BTreeMap<String, Vec<String>>,
}

fn page(status: StatusCode, html: String) -> Response {
    crate::http::html::page(status, PAGE_CSP, html)
}

fn to_login() -> Response {
    Redirect::to("/console/login").into_response()
}

fn server_error(error: impl std::fmt::Display) -> Response {
    tracing::error!(%error, "console request failed");
    page(
        StatusCode::INTERNAL_SERVER_ERROR,
        view::message_page(None, "出错了", "服务暂时出现问题，请稍后刷新重试。"),
    )
}

/// The signed-in reviewer of a console page, as a handler argument: without one (or with a
/// disabled account) the page answers with a redirect to the sign-in form instead.
pub(super) struct SignedIn(pub Reviewer);

impl axum::extract::FromRequestParts<ConsoleState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &ConsoleState,
    ) -> Result<Self, Response> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        match current(state, &session).await? {
            Some(reviewer) => Ok(Self(reviewer)),
            None => Err(to_login()),
        }
    }
}

/// The signed-in reviewer, if the console session has one whose account is still enabled.
async fn current(state: &ConsoleState, session: &Session) -> Result<Option<Reviewer>, Response> {
    let id = session
        .get::<i64>(REVIEWER_KEY)
        .await
        .map_err(server_error)?;
    let Some(id) = id else {
        return Ok(None);
    };
    match state.reviewers.get(id).await.map_err(server_error)? {
        Some(reviewer) if !reviewer.disabled => Ok(Some(reviewer)),
        _ => {
            session.flush().await.map_err(server_error)?;
            Ok(None)
        }
    }
}

async fn take_flash(session: &Session, number: Option<&str>) -> Option<Flash> {
    let flash: Flash = session.remove(FLASH_KEY).await.ok().flatten()?;
    (flash.number.as_deref() == number).then_some(flash)
}

async fn put_flash(session: &Session, flash: Flash) {
    if let Err(error) = session.insert(FLASH_KEY, flash).await {
        tracing::warn!(%error, "console flash not saved");
    }
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        STYLESHEET,
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------------
// Queue

#[derive(Deserialize, Default, Clone)]
pub(crate) struct QueueQuery {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub project: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub page: Option<i64>,
}

/// One line of the queue.
pub(crate) struct QueueRow {
    pub number: String,
    pub project: String,
    pub applicant: String,
    pub personal: bool,
    pub total_fen: i64,
    pub status: Status,
    pub submitted_at: String,
}

/// The statuses a reviewer has work in, shown unless another filter is picked.
const WORK: [Status; 2] = [Status::AwaitingReview, Status::AwaitingTransfer];

/// The instant the China calendar day `text` (`YYYY-MM-DD`) begins, plus `days`.
fn china_day(text: &str, days: i64) -> Option<i64> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(text.trim(), format).ok()?;
    let start = date
        .midnight()
        .assume_offset(time::macros::offset!(+8))
        .checked_add(time::Duration::days(days))?;
    Some(to_db(start))
}

async fn queue(
    State(state): State<ConsoleState>,
    SignedIn(reviewer): SignedIn,
    Query(query): Query<QueueQuery>,
) -> Response {
    let mut filter = QueueFilter {
        newest_first: query.sort == "newest",
        ..QueueFilter::default()
    };
    let mut problems: BTreeMap<String, String> = BTreeMap::new();
    match query.status.as_str() {
        "" => filter.statuses = WORK.iter().map(|s| s.code().to_owned()).collect(),
        "all" => {}
        code => match Status::from_code(code) {
            Some(status) => filter.statuses = vec![status.code().to_owned()],
            None => {
                problems.insert("status".into(), "没有这个状态".into());
            }
        },
    }
    if !query.project.is_empty() {
        filter.project = Some(query.project.clone());
    }
    if !query.from.trim().is_empty() {
        filter.from = china_day(&query.from, 0);
        if filter.from.is_none() {
            problems.insert("from".into(), "日期格式应为 2025-03-01".into());
        }
    }
    if !query.to.trim().is_empty() {
        filter.to = china_day(&query.to, 1);
        if filter.to.is_none() {
            problems.insert("to".into(), "日期格式应为 2025-03-01".into());
        }
    }
    let page_no = query.page.unwrap_or(1).max(1);
    let page_of = Page {
        number: page_no,
        size: PAGE_SIZE,
    };
    let (total, rows) = match state.applications.search(&filter, page_of).await {
        Ok(found) => found,
        Err(error) => return server_error(error),
    };
    let mut lines = Vec::with_capacity(rows.len());
    for SummaryRow {
        number,
        project_id,
        status,
        total_fen,
        submitted_at,
    } in rows
    {
        let (applicant, personal) = match state.applications.by_number(&number).await {
            Ok(Some(found)) => (
                found.application.applicant_name().to_owned(),
                found.application.variant() == app::domain::application::Variant::NaturalPerson,
            ),
            Ok(None) => continue,
            Err(error) => return server_error(error),
        };
        let project = state
            .catalog
            .project(&project_id)
            .map_or(project_id.clone(), |p| p.name.clone());
        lines.push(QueueRow {
            number,
            project,
            applicant,
            personal,
            total_fen,
            status: Status::from_code(&status).unwrap_or(Status::AwaitingReview),
            submitted_at: to_text(submitted_at),
        });
    }
    let projects: Vec<(String, String)> = state
        .catalog
        .projects()
        .map(|p| (p.id.clone(), p.name.clone()))
        .collect();
    page(
        StatusCode::OK,
        view::queue_page(
            &reviewer, &query, &projects, &lines, total, page_no, &problems,
        ),
    )
}

// ---------------------------------------------------------------------------------------------
// Detail

/// out_trade_no, transaction id, amount in fen, paid at (RFC 3339).
pub(crate) type PaidTrade = (String, Option<String>, i64, Option<String>);

/// Everything the detail page shows.
pub(crate) struct Detail {
    pub number: String,
    pub project_name: String,
    pub submitted_at: String,
    pub order: app::services::orders::OrderView,
    pub application: Application,
    pub quote: Option<app::domain::quote::Quote>,
    /// The online payment that paid the order.
    pub paid: Option<PaidTrade>,
    pub shipping_option: Option<String>,
    pub slots: Vec<app::domain::materials::Slot>,
    pub uploaded: Vec<app::services::materials::UploadedMaterial>,
    pub identity: Option<crate::service::handoff::ReviewIdentity>,
    pub revealed: Vec<String>,
    /// (at, who, what), oldest first: order events and the console's audit entries.
    pub audit: Vec<(String, String, String)>,
    /// Items a rejection can flag: (code, label).
    pub flag_items: Vec<(String, String)>,
    /// The reviewer events the state machine allows now.
    pub allowed: Vec<Event>,
}

/// The application's id and owner.
async fn owner(
    state: &ConsoleState,
    number: &str,
) -> Result<Option<(i64, i64)>, app::services::StoreError> {
    Ok(state
        .applications
        .record(number)
        .await?
        .map(|record| (record.id, record.owner.0)))
}

/// What personal numbers an application holds that can be revealed: key → label.
pub(crate) fn revealable(application: &Application) -> Vec<(String, String)> {
    use app::domain::application::Applicant;
    let mut out = Vec::new();
    match &application.applicant {
        Applicant::Organisation { agent, .. } => {
            out.push(("legal_rep.id_number".into(), "法定代表人身份证号码".into()));
            if !agent.same_as_legal_rep {
                out.push(("agent.id_number".into(), "经办人身份证号码".into()));
            }
        }
        Applicant::NaturalPerson { .. } => {
            out.push(("applicant.id_number".into(), "申请人身份证号码".into()));
        }
    }
    for (i, holder) in application.holders.iter().enumerate() {
        out.push((
            format!("holders.{i}.id_number"),
            format!("证书持有人 {} 身份证号码", holder.name.as_str()),
        ));
    }
    out.push(("bank.account_number".into(), "银行账号".into()));
    out
}

/// What a rejection can flag in this application: each upload slot, each section, the phone step.
fn flag_items(
    application: &Application,
    slots: &[app::domain::materials::Slot],
) -> Vec<(String, String)> {
    let mut items: Vec<(String, String)> = slots
        .iter()
        .map(|slot| {
            (
                FlagItem::Material(slot.id.clone()).code(),
                slot.name.clone(),
            )
        })
        .collect();
    for (id, label) in sections_for(
        application.variant(),
        !application.holders.is_empty(),
        application.invoice.is_some(),
    ) {
        items.push((FlagItem::Section(id.into()).code(), label.into()));
    }
    items.push((FlagItem::Identity.code(), IDENTITY_LABEL.into()));
    items
}

const REVIEWER_EVENTS: [Event; 7] = [
    Event::TransferConfirmed,
    Event::TransferRefused,
    Event::Approve,
    Event::Reject,
    Event::StartProduction,
    Event::Ship,
    Event::ConfirmReceipt,
];

async fn revealed_of(session: &Session, number: &str) -> Vec<String> {
    let all: Vec<String> = session
        .get(REVEALED_KEY)
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    let prefix = format!("{number}:");
    all.into_iter()
        .filter_map(|k| k.strip_prefix(&prefix).map(str::to_owned))
        .collect()
}

/// What an audit action code means, in Chinese.
pub(crate) fn action_label(action: &str) -> &str {
    match action {
        "login" => "登录",
        "login_failed" => "登录失败（密码错误）",
        "login_failed_locked" => "登录失败，账户已锁定",
        "login_refused_locked" => "锁定期间尝试登录",
        "logout" => "退出登录",
        "reveal" => "显示完整号码",
        "view_material" => "查看材料",
        "view_identity_photo" => "查看身份证照片",
        other => other,
    }
}

fn audit_label(action: &str, detail: Option<&str>, application: &Application) -> String {
    let field = |key: &str| {
        revealable(application)
            .into_iter()
            .find(|(k, _)| k == key)
            .map_or_else(|| key.to_owned(), |(_, label)| label)
    };
    match (action, detail) {
        ("reveal", Some(key)) => format!("查看完整的{}", field(key)),
        ("view_material", Some(slot)) => format!("查看材料 {slot}"),
        ("view_identity_photo", Some(side)) => format!("查看身份证照片（{side}）"),
        (other, Some(detail)) => format!("{} {detail}", action_label(other)),
        (other, None) => action_label(other).to_owned(),
    }
}

async fn load_detail(
    state: &ConsoleState,
    session: &Session,
    number: &str,
) -> Result<Option<Detail>, Response> {
    let Some(record) = state
        .applications
        .record(number)
        .await
        .map_err(server_error)?
    else {
        return Ok(None);
    };
    let (application_id, user_id) = (record.id, record.owner.0);
    let Some(found) = state
        .applications
        .by_number(number)
        .await
        .map_err(server_error)?
    else {
        return Ok(None);
    };
    let Some(order) = state
        .orders
        .view(None, number)
        .await
        .map_err(server_error)?
    else {
        return Ok(None);
    };
    let project = state.catalog.project(&found.project_id);
    let slots = project
        .map(|p| upload_slots(p, &found.application))
        .unwrap_or_default();
    let shipping_option = found.application.selection.shipping.as_ref().map(|id| {
        project
            .and_then(|p| p.shipping.iter().find(|o| &o.id == id))
            .map_or_else(|| id.clone(), |o| o.label.clone())
    });
    let quote = record.quote;
    let paid: Option<PaidTrade> = state
        .applications
        .paid_trade(application_id)
        .await
        .map_err(server_error)?
        .map(|trade| {
            (
                trade.out_trade_no,
                trade.transaction_id,
                trade.amount_fen,
                trade.paid_at.map(to_text),
            )
        });
    let uploaded = state
        .materials
        .list(UserId(user_id), number)
        .await
        .map_err(server_error)?;
    let identity = state.handoff.review(number).await.map_err(server_error)?;
    let mut audit: Vec<(String, String, String)> = order
        .timeline
        .iter()
        .map(|entry| {
            let who = match &entry.actor_name {
                Some(name) => format!("{} {name}", entry.actor.label()),
                None => entry.actor.label().to_owned(),
            };
            let what = match &entry.note {
                Some(note) => format!("{}（{note}）", entry.event.label()),
                None => entry.event.label().to_owned(),
            };
            (entry.at.clone(), who, what)
        })
        .collect();
    for (at, name, action, detail) in state
        .reviewers
        .audit_of(application_id)
        .await
        .map_err(server_error)?
    {
        let what = audit_label(&action, detail.as_deref(), &found.application);
        audit.push((at, format!("审核员 {name}"), what));
    }
    audit.sort_by(|a, b| a.0.cmp(&b.0));
    let allowed = REVIEWER_EVENTS
        .into_iter()
        .filter(|event| transition(order.status, *event, Actor::Reviewer).is_ok())
        .collect();
    Ok(Some(Detail {
        number: number.to_owned(),
        project_name: project.map_or(found.project_id.clone(), |p| p.name.clone()),
        submitted_at: found.submitted_at.clone(),
        flag_items: flag_items(&found.application, &slots),
        application: found.application,
        quote,
        paid,
        shipping_option,
        slots,
        uploaded,
        identity,
        revealed: revealed_of(session, number).await,
        audit,
        order,
        allowed,
    }))
}

async fn detail(
    State(state): State<ConsoleState>,
    SignedIn(reviewer): SignedIn,
    session: Session,
    Path(number): Path<String>,
) -> Response {
    let detail = match load_detail(&state, &session, &number).await {
        Ok(Some(detail)) => detail,
        Ok(None) => {
            return page(
                StatusCode::NOT_FOUND,
                view::message_page(
                    Some(&reviewer),
                    "没有找到这份申请",
                    "申请编号不存在，请回到列表重新选择。",
                ),
            );
        }
        Err(response) => return response,
    };
    let flash = take_flash(&session, Some(&number)).await;
    page(
        StatusCode::OK,
        view::detail_page(&reviewer, &detail, flash.as_ref()),
    )
}

/// The form's fields as sent, in order; names may repeat (`flag`).
fn form_fields(body: &Bytes) -> Vec<(String, String)> {
    form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

async fn reveal(
    State(state): State<ConsoleState>,
    SignedIn(reviewer): SignedIn,
    session: Session,
    Path(number): Path<String>,
    body: Bytes,
) -> Response {
    let fields = form_fields(&body);
    let key = field(&fields, "field").to_owned();
    let application_id = match owner(&state, &number).await {
        Ok(Some((id, _))) => id,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(error) => return server_error(error),
    };
    let application = match state.applications.by_number(&number).await {
        Ok(Some(found)) => found.application,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(error) => return server_error(error),
    };
    if !revealable(&application).iter().any(|(k, _)| *k == key) {
        return StatusCode::UNPROCESSABLE_ENTITY.into_response();
    }
    if let Err(error) = state
        .reviewers
        .audit(reviewer.id, Some(application_id), "reveal", Some(&key))
        .await
    {
        return server_error(error);
    }
    let mut all: Vec<String> = session
        .get(REVEALED_KEY)
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    let entry = format!("{number}:{key}");
    if !all.contains(&entry) {
        all.push(entry);
    }
    if let Err(error) = session.insert(REVEALED_KEY, all).await {
        return server_error(error);
    }
    Redirect::to(&format!(
        "/console/applications/{number}#{}",
        view::field_anchor(&key)
    ))
    .into_response()
}

/// A flagged item with its label and reason, as [`Change::flags`] takes it.
type Flagged = (FlagItem, String, String);

/// One line of the admin's audit log: at, reviewer, action, detail, application number.
pub(crate) type AuditLine = (String, String, String, Option<String>, Option<String>);

/// What went wrong with a rejection form, per field.
fn reject_change(
    fields: &[(String, String)],
    items: &[(String, String)],
) -> Result<Vec<Flagged>, BTreeMap<String, String>> {
    let mut errors = BTreeMap::new();
    let mut flags = Vec::new();
    for (_, code) in fields.iter().filter(|(k, _)| k == "flag") {
        let Some((_, label)) = items.iter().find(|(c, _)| c == code) else {
            errors.insert("flags".into(), "所选项目不属于这份申请，请刷新页面".into());
            continue;
        };
        let Some(item) = FlagItem::parse(code) else {
            continue;
        };
        let preset = field(fields, &format!("preset:{code}"));
        let typed = field(fields, &format!("reason:{code}"));
        match resolve_reason(preset, typed) {
            Ok(reason) => flags.push((item, label.clone(), reason)),
            Err(error) => {
                errors.insert(format!("reason:{code}"), format!("{label}：{error}"));
            }
        }
    }
    if flags.is_empty() && errors.is_empty() {
        errors.insert(
            "flags".into(),
            "请至少勾选一项未通过的内容，并选择原因".into(),
        );
    }
    if errors.is_empty() {
        Ok(flags)
    } else {
        Err(errors)
    }
}

async fn act(
    State(state): State<ConsoleState>,
    SignedIn(reviewer): SignedIn,
    session: Session,
    Path(number): Path<String>,
    body: Bytes,
) -> Response {
    let fields = form_fields(&body);
    let back = format!("/console/applications/{number}");
    let order = match state.orders.view(None, &number).await {
        Ok(Some(order)) => order,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(error) => return server_error(error),
    };
    let mut flash = Flash {
        number: Some(number.clone()),
        ..Flash::default()
    };
    let stale = |now: Status| {
        format!(
            "这份申请在你打开页面后有了变化，当前状态为“{}”（可能已由其他审核员处理，或申请人重新提交），操作没有执行。请查看最新内容后再操作。",
            now.label()
        )
    };
    // The page showed another status, or the same one reached again (rejected, then
    // resubmitted): someone acted in between. `seen` is how many events the page showed.
    let seen = field(&fields, "seen");
    if field(&fields, "status") != order.status.code()
        || (!seen.is_empty() && seen != order.timeline.len().to_string())
    {
        flash.message = stale(order.status);
        put_flash(&session, flash).await;
        return Redirect::to(&back).into_response();
    }
    let Some(event) =
        Event::from_code(field(&fields, "event")).filter(|event| REVIEWER_EVENTS.contains(event))
    else {
        return StatusCode::UNPROCESSABLE_ENTITY.into_response();
    };
    let who = Who::Reviewer {
        id: reviewer.id,
        name: reviewer.name.clone(),
    };
    let mut change = Change::new(event, who);
    let note = field(&fields, "note").trim();
    change.note = (!note.is_empty()).then(|| note.to_owned());
    let mut anchor = "actions";
    match event {
        Event::Reject => {
            anchor = "reject";
            let application = match state.applications.by_number(&number).await {
                Ok(Some(found)) => found,
                Ok(None) => return StatusCode::NOT_FOUND.into_response(),
                Err(error) => return server_error(error),
            };
            let slots = state
                .catalog
                .project(&application.project_id)
                .map(|p| upload_slots(p, &application.application))
                .unwrap_or_default();
            let items = flag_items(&application.application, &slots);
            match reject_change(&fields, &items) {
                Ok(flags) => change.flags = flags,
                Err(errors) => {
                    flash.message = "驳回没有提交，请按提示修改。".into();
                    flash.fields = errors;
                    for (name, value) in &fields {
                        flash
                            .values
                            .entry(name.clone())
                            .or_default()
                            .push(value.clone());
                    }
                    put_flash(&session, flash).await;
                    return Redirect::to(&format!("{back}#reject")).into_response();
                }
            }
        }
        Event::Ship => {
            anchor = "ship";
            match check_shipment(field(&fields, "courier"), field(&fields, "tracking_no")) {
                Ok(shipment) => change.shipment = Some(shipment),
                Err(errors) => {
                    flash.message = "发货信息没有保存，请按提示修改。".into();
                    if let Some(message) = errors.courier {
                        flash.fields.insert("courier".into(), message.into());
                    }
                    if let Some(message) = errors.tracking_no {
                        flash.fields.insert("tracking_no".into(), message.into());
                    }
                    for name in ["courier", "tracking_no"] {
                        flash
                            .values
                            .insert(name.into(), vec![field(&fields, name).to_owned()]);
                    }
                    put_flash(&session, flash).await;
                    return Redirect::to(&format!("{back}#ship")).into_response();
                }
            }
        }
        _ => {}
    }
    match state.orders.apply(&number, change).await {
        Ok(to) => {
            flash.ok = true;
            flash.message = format!(
                "已完成“{}”，当前状态：{}。",
                view::event_action(event),
                to.label()
            );
            put_flash(&session, flash).await;
            Redirect::to(&back).into_response()
        }
        Err(OrderError::Transition(_)) => {
            let now = match state.orders.view(None, &number).await {
                Ok(Some(order)) => order.status,
                _ => order.status,
            };
            flash.message = stale(now);
            put_flash(&session, flash).await;
            Redirect::to(&back).into_response()
        }
        Err(OrderError::Incomplete(message)) => {
            flash.message = message;
            put_flash(&session, flash).await;
            Redirect::to(&format!("{back}#{anchor}")).into_response()
        }
        Err(OrderError::NotFound) => StatusCode::NOT_FOUND.into_response(),
        Err(OrderError::Store(error)) => server_error(error),
    }
}

// ---------------------------------------------------------------------------------------------
// Files

fn file_response(kind: &str, bytes: Vec<u8>) -> Response {
    let content_type = match kind {
        "pdf" => "application/pdf",
        "png" => "image/png",
        _ => "image/jpeg",
    };
    let mut response = (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-store"),
            (header::CONTENT_DISPOSITION, "inline"),
        ],
        bytes,
    )
        .into_response();
    if kind == "pdf" {
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(PDF_CSP),
        );
        headers.insert(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("SAMEORIGIN"),
        );
    }
    response
}

/// Audits a file view, once per reviewer, application and file within
/// [`AUDIT_REPEAT_MINUTES`] (the detail page loads every scan each time it is shown).
async fn audit_view(
    state: &ConsoleState,
    reviewer: &Reviewer,
    application_id: i64,
    action: &str,
    detail: &str,
) {
    let within = time::Duration::minutes(AUDIT_REPEAT_MINUTES);
    if let Err(error) = state
        .reviewers
        .audit_view(reviewer.id, application_id, action, detail, within)
        .await
    {
        tracing::warn!(%error, "file view not audited");
    }
}

async fn material_file(
    State(state): State<ConsoleState>,
    session: Session,
    Path((number, slot)): Path<(String, String)>,
) -> Response {
    let Ok(Some(reviewer)) = current(&state, &session).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let (application_id, user_id) = match owner(&state, &number).await {
        Ok(Some(found)) => found,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(error) => return server_error(error),
    };
    match state.materials.open(UserId(user_id), &number, &slot).await {
        Ok(Some((material, bytes))) => {
            audit_view(&state, &reviewer, application_id, "view_material", &slot).await;
            file_response(&material.kind, bytes)
        }
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(error) => server_error(error),
    }
}

async fn identity_photo(
    State(state): State<ConsoleState>,
    session: Session,
    Path((number, side)): Path<(String, String)>,
) -> Response {
    let Ok(Some(reviewer)) = current(&state, &session).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let side = match side.as_str() {
        "front" => IdSide::Front,
        "back" => IdSide::Back,
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let application_id = match owner(&state, &number).await {
        Ok(Some((id, _))) => id,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(error) => return server_error(error),
    };
    match state.handoff.review_photo(&number, side).await {
        Ok(Some(bytes)) => {
            audit_view(
                &state,
                &reviewer,
                application_id,
                "view_identity_photo",
                side.label(),
            )
            .await;
            let kind = if bytes.starts_with(b"\x89PNG") {
                "png"
            } else {
                "jpeg"
            };
            file_response(kind, bytes)
        }
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(error) => server_error(error),
    }
}

// ---------------------------------------------------------------------------------------------
// Admin

async fn reviewers_page(
    State(state): State<ConsoleState>,
    SignedIn(reviewer): SignedIn,
) -> Response {
    if reviewer.role != Role::Admin {
        return page(
            StatusCode::FORBIDDEN,
            view::message_page(
                Some(&reviewer),
                "无权访问",
                "只有管理员可以查看审核员账户。",
            ),
        );
    }
    let accounts = match state.reviewers.list().await {
        Ok(accounts) => accounts,
        Err(error) => return server_error(error),
    };
    let recent: Vec<AuditLine> = match state.reviewers.recent_audit(100).await {
        Ok(lines) => lines,
        Err(error) => return server_error(error),
    };
    let now = state.clock.now().unix_timestamp();
    page(
        StatusCode::OK,
        view::reviewers_page(&reviewer, &accounts, &recent, now),
    )
}

/// `2025-03-01T02:00:00.000Z` as China time, `2025-03-01 10:00`.
pub(crate) fn china_time(text: &str) -> String {
    OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .and_then(|t| {
            t.to_offset(time::macros::offset!(+8))
                .format(time::macros::format_description!(
                    "[year]-[month]-[day] [hour]:[minute]"
                ))
                .ok()
        })
        .unwrap_or_else(|| text.to_owned())
}

pub(crate) use review::COURIERS;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_show_in_china() {
        assert_eq!(china_time("2025-03-01T16:30:00.000Z"), "2025-03-02 00:30");
        assert_eq!(china_time("garbage"), "garbage");
        assert_eq!(
            china_day("2025-03-02", 0),
            Some(1_740_844_800) // 2025-03-01T16:00Z
        );
        assert_eq!(china_day("2025-03-02", 1), Some(1_740_931_200));
        assert_eq!(china_day("2025/03/02", 0), None);
    }

    #[test]
    fn a_rejection_needs_a_known_item_with_a_reason() {
        let items = vec![
            (
                "material:business_license".to_owned(),
                "营业执照".to_owned(),
            ),
            ("identity".to_owned(), "手机身份认证".to_owned()),
        ];
        let fields = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        assert!(
            reject_change(&fields(&[]), &items)
                .unwrap_err()
                .contains_key("flags")
        );
        let errors = reject_change(&fields(&[("flag", "identity")]), &items).unwrap_err();
        assert!(errors.contains_key("reason:identity"));
        let flags = reject_change(
            &fields(&[
                ("flag", "material:business_license"),
                ("preset:material:business_license", "未加盖公章"),
                ("preset:identity", "不清晰"),
            ]),
            &items,
        )
        .unwrap();
        assert_eq!(
            flags,
            vec![(
                FlagItem::Material("business_license".into()),
                "营业执照".into(),
                "未加盖公章".into()
            )]
        );
        assert!(
            reject_change(&fields(&[("flag", "material:other")]), &items)
                .unwrap_err()
                .contains_key("flags")
        );
    }
}
