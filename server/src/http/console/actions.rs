//! Moving an order on from the detail page: approve, reject with flagged items, confirm a
//! transfer, start production, ship.

use std::collections::BTreeMap;

use app::domain::materials::upload_slots;
use app::domain::order::{Event, Status};
use app::domain::review::{check_shipment, resolve_reason};
use app::services::applications::ApplicationStore;
use app::services::orders::{Change, FlagItem, OrderError, Who};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use super::detail::{REVIEWER_EVENTS, flag_items};
use super::{ConsoleState, Flash, SignedIn, put_flash, server_error, view};

/// The form's fields as sent, in order; names may repeat (`flag`).
pub(super) fn form_fields(body: &Bytes) -> Vec<(String, String)> {
    form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub(super) fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// A flagged item with its label and reason, as [`Change::flags`] takes it.
type Flagged = (FlagItem, String, String);

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

pub(super) async fn act(
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

#[cfg(test)]
mod tests {
    use super::*;

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
