//! An application in full: its answers, scans, payment and timeline, and revealing a
//! masked personal number (audited).

use app::domain::application::Application;
use app::domain::business;
use app::domain::materials::upload_slots;
use app::domain::order::{Actor, Event};
use app::domain::review::{IDENTITY_LABEL, sections_for};
use app::services::applications::ApplicationStore;
use app::services::certificates::CertificateService;
use app::services::login::UserId;
use app::services::orders::FlagItem;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use super::actions::{field, form_fields};
use super::{ConsoleState, REVEALED_KEY, SignedIn, page, server_error, take_flash, view};
use crate::store::time::to_text;

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
    /// The certificates issued for the order, once production started.
    pub certificates: Vec<app::domain::certificate::Certificate>,
    /// The issued certificates a business order (a renewal, a replacement…) is about.
    pub lined: Vec<app::domain::certificate::Certificate>,
    /// What a change order changes, before and after.
    pub changes: Vec<app::domain::business::change::Changed>,
}

/// The application's id and owner.
pub(super) async fn owner(
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
fn revealable(application: &Application) -> Vec<(String, String)> {
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
pub(super) fn flag_items(
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

pub(super) const REVIEWER_EVENTS: [Event; 7] = [
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
        // The business's own steps: a renewal is never shipped, a checked one is approved
        // into payment.
        .filter(|event| {
            business::transition(order.business, order.status, *event, Actor::Reviewer).is_ok()
        })
        .collect();
    let certificates = state
        .certificates
        .of_order(number)
        .await
        .map_err(server_error)?;
    let lined = state
        .certificates
        .lined(number)
        .await
        .map_err(server_error)?;
    let changes = state
        .certificates
        .changes(number)
        .await
        .map_err(server_error)?;
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
        certificates,
        lined,
        changes,
    }))
}

pub(super) async fn detail(
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

pub(super) async fn reveal(
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
