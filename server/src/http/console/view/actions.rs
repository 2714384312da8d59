//! The forms for what a reviewer can do next: reject with flagged items, ship, and the
//! one-button moves.

use app::domain::order::Event;
use app::domain::review::REASONS;
use leptos::prelude::*;

use crate::http::console::{COURIERS, Detail, Flash};

use super::{error_text, event_action};

pub(super) fn value_of(flash: Option<&Flash>, name: &str) -> String {
    flash
        .and_then(|f| f.values.get(name))
        .and_then(|v| v.first().cloned())
        .unwrap_or_default()
}

pub(super) fn hidden(detail: &Detail, event: Event) -> AnyView {
    view! {
        <input type="hidden" name="event" value=event.code() />
        <input type="hidden" name="status" value=detail.order.status.code() />
        <input type="hidden" name="seen" value=detail.order.timeline.len().to_string() />
    }
    .into_any()
}

pub(super) fn reject_form(detail: &Detail, flash: Option<&Flash>) -> AnyView {
    let action = format!("/console/applications/{}/action", detail.number);
    let error = |name: &str| flash.and_then(|f| f.fields.get(name).cloned());
    let flags_error = error("flags");
    let items = detail
        .flag_items
        .iter()
        .enumerate()
        .map(|(i, (code, label))| {
            let checked = flash
                .and_then(|f| f.values.get("flag"))
                .is_some_and(|v| v.contains(code));
            let preset = value_of(flash, &format!("preset:{code}"));
            let typed = value_of(flash, &format!("reason:{code}"));
            let reason_error = error(&format!("reason:{code}"));
            let described = reason_error.as_ref().map(|_| format!("flag-{i}-error"));
            let options = std::iter::once(("", "请选择原因"))
                .chain(REASONS.iter().map(|r| (*r, *r)))
                .map(|(value, text)| {
                    let selected = !value.is_empty() && value == preset;
                    view! { <option value=value selected=selected>{text}</option> }
                })
                .collect_view();
            let group = if reason_error.is_some() { "c-flag c-flag--error" } else { "c-flag" };
            view! {
                <div class=group>
                    <div class="c-flag__item">
                        <input type="checkbox" id=format!("flag-{i}") name="flag" value=code.clone() checked=checked />
                        <label for=format!("flag-{i}")>{label.clone()}</label>
                    </div>
                    <div class="c-flag__reason">
                        <label class="c-visually-hidden" for=format!("flag-{i}-preset")>{format!("{label}的原因")}</label>
                        <select class="c-select" id=format!("flag-{i}-preset") name=format!("preset:{code}") aria-describedby=described.clone()>{options}</select>
                        <label class="c-visually-hidden" for=format!("flag-{i}-reason")>{format!("{label}的其他原因")}</label>
                        <input class="c-input" type="text" id=format!("flag-{i}-reason") name=format!("reason:{code}") value=typed maxlength="60" placeholder="或填写其他原因" aria-describedby=described />
                        {error_text(format!("flag-{i}-error"), reason_error.clone())}
                    </div>
                </div>
            }
        })
        .collect_view();
    let note = value_of(flash, "note");
    view! {
        <form method="post" action=action class="c-action c-action--wide" id="reject">
            {hidden(detail, Event::Reject)}
            <fieldset class="c-fieldset" aria-describedby=flags_error.as_ref().map(|_| "flags-error")>
                <legend class="c-legend">"驳回：勾选未通过的项目，并为每项选择原因或填写其他原因"</legend>
                <p class="c-hint">"申请人会收到短信，内容为“项目名称 + 原因”，例如“营业执照未加盖公章”。"</p>
                {error_text("flags-error".into(), flags_error.clone())}
                {items}
            </fieldset>
            <div class="c-field">
                <label class="c-label" for="reject-note">"补充说明（可选，随短信发送给申请人）"</label>
                <textarea class="c-textarea" id="reject-note" name="note" rows="2" maxlength="500">{note}</textarea>
            </div>
            <button type="submit" class="c-button c-button--danger">"驳回"</button>
        </form>
    }
    .into_any()
}

pub(super) fn ship_form(detail: &Detail, flash: Option<&Flash>) -> AnyView {
    let action = format!("/console/applications/{}/action", detail.number);
    let error = |name: &str| flash.and_then(|f| f.fields.get(name).cloned());
    let courier_error = error("courier");
    let tracking_error = error("tracking_no");
    let courier = value_of(flash, "courier");
    let tracking = value_of(flash, "tracking_no");
    let options = std::iter::once("")
        .chain(COURIERS.iter().copied())
        .map(|name| {
            let selected = !name.is_empty() && name == courier;
            let text = if name.is_empty() { "请选择" } else { name };
            view! { <option value=name selected=selected>{text}</option> }
        })
        .collect_view();
    view! {
        <form method="post" action=action class="c-action" id="ship">
            {hidden(detail, Event::Ship)}
            <h3 class="c-action__title">"标记已寄出"</h3>
            <div class="c-field">
                <label class="c-label" for="courier">"快递公司"</label>
                <select class="c-select" id="courier" name="courier"
                    aria-invalid=courier_error.as_ref().map(|_| "true")
                    aria-describedby=courier_error.as_ref().map(|_| "courier-error")>{options}</select>
                {error_text("courier-error".into(), courier_error.clone())}
            </div>
            <div class="c-field">
                <label class="c-label" for="tracking_no">"运单号"</label>
                <input class="c-input" type="text" id="tracking_no" name="tracking_no" value=tracking
                    autocomplete="off" spellcheck="false" maxlength="40"
                    aria-invalid=tracking_error.as_ref().map(|_| "true")
                    aria-describedby=tracking_error.as_ref().map(|_| "tracking_no-error") />
                {error_text("tracking_no-error".into(), tracking_error.clone())}
            </div>
            <button type="submit" class="c-button">"标记已寄出"</button>
        </form>
    }
    .into_any()
}

pub(super) fn simple_form(detail: &Detail, event: Event, with_note: bool, danger: bool) -> AnyView {
    let action = format!("/console/applications/{}/action", detail.number);
    let note = with_note.then(|| {
        let id = format!("note-{}", event.code());
        view! {
            <div class="c-field">
                <label class="c-label" for=id.clone()>"说明（可选）"</label>
                <input class="c-input" type="text" id=id name="note" maxlength="500" />
            </div>
        }
    });
    let class = if danger {
        "c-button c-button--danger"
    } else {
        "c-button"
    };
    view! {
        <form method="post" action=action class="c-action">
            {hidden(detail, event)}
            {note}
            <button type="submit" class=class>{event_action(event)}</button>
        </form>
    }
    .into_any()
}

pub(super) fn actions(detail: &Detail, flash: Option<&Flash>) -> AnyView {
    if detail.allowed.is_empty() {
        return view! { <p>"当前状态下没有需要审核员处理的操作。"</p> }.into_any();
    }
    let mut forms: Vec<AnyView> = Vec::new();
    let mut wide: Vec<AnyView> = Vec::new();
    for event in &detail.allowed {
        match event {
            Event::Reject => wide.push(reject_form(detail, flash)),
            Event::Ship => forms.push(ship_form(detail, flash)),
            Event::TransferRefused => forms.push(simple_form(detail, *event, true, true)),
            other => forms.push(simple_form(detail, *other, false, false)),
        }
    }
    view! {
        <div class="c-actions">{forms}</div>
        {wide}
    }
    .into_any()
}
