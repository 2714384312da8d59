//! The phone step's outcome: ID photos, readings, mismatches and liveness attempts.

use app::domain::handoff::Field;
use leptos::prelude::*;

use crate::http::console::{Detail, china_time};

/// An ID number in a mismatch line, masked like the form's.
pub(super) fn mask_id(text: &str) -> String {
    if text.chars().count() == 18 && text.is_ascii() {
        format!("{}{}{}", &text[..4], "*".repeat(10), &text[14..])
    } else {
        text.to_owned()
    }
}

pub(super) fn identity(detail: &Detail) -> AnyView {
    let Some(identity) = &detail.identity else {
        return view! { <p>"申请人还没有开始手机身份认证。"</p> }.into_any();
    };
    let status = &identity.status;
    let failure = status.failure.as_ref().map(|f| {
        let text = format!("未通过：{}", f.message);
        view! { <p class="c-flagged">{text}</p> }
    });
    let steps = status
        .steps
        .iter()
        .map(|step| {
            let class = if step.problem {
                "c-steps__item c-steps__item--bad"
            } else {
                "c-steps__item"
            };
            view! {
                <li class=class>
                    <span class="c-nowrap c-sub">{china_time(&step.at)}</span>
                    " "
                    {step.message.clone()}
                </li>
            }
        })
        .collect_view();
    let mismatches = if status.mismatches.is_empty() {
        view! { <p>"证件识别结果与表单一致（或未读取到可比对的内容）。"</p> }.into_any()
    } else {
        let lines = status
            .mismatches
            .iter()
            .map(|m| {
                let (form, card) = if m.field == Field::IdNumber {
                    (mask_id(&m.form), mask_id(&m.card))
                } else {
                    (m.form.clone(), m.card.clone())
                };
                view! {
                    <tr>
                        <td>{format!("{}：{}", m.side.label(), m.label)}</td>
                        <td>{form}</td>
                        <td>{card}</td>
                        <td>{m.message.clone()}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="c-table c-table--compact">
                <caption class="c-caption">"证件识别与表单不一致之处"</caption>
                <thead><tr>
                    <th scope="col">"项目"</th><th scope="col">"表单"</th>
                    <th scope="col">"证件"</th><th scope="col">"说明"</th>
                </tr></thead>
                <tbody>{lines}</tbody>
            </table>
        }
        .into_any()
    };
    let attempts = if identity.attempts.is_empty() {
        view! { <p>"尚未进行活体检测。"</p> }.into_any()
    } else {
        let lines = identity
            .attempts
            .iter()
            .map(|a| {
                let outcome = a
                    .failure
                    .clone()
                    .map_or("通过".to_owned(), |f| format!("未通过：{f}"));
                let face = match a.face {
                    Some((true, Some(score))) => format!("一致（相似度 {score:.0}）"),
                    Some((true, None)) => "一致".to_owned(),
                    Some((false, _)) => "不一致".to_owned(),
                    None => "未比对".to_owned(),
                };
                view! {
                    <tr>
                        <td class="c-nowrap">{china_time(&a.at)}</td>
                        <td>{outcome}</td>
                        <td>{face}</td>
                        <td>{a.note.clone()}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="c-table c-table--compact">
                <caption class="c-caption">"活体检测"</caption>
                <thead><tr>
                    <th scope="col">"时间"</th><th scope="col">"结果"</th>
                    <th scope="col">"人脸比对"</th><th scope="col">"说明"</th>
                </tr></thead>
                <tbody>{lines}</tbody>
            </table>
        }
        .into_any()
    };
    let photos = if identity.photos.is_empty() {
        view! { <p class="c-hint">"身份证照片未保存或已按保存期限删除。"</p> }.into_any()
    } else {
        identity
            .photos
            .iter()
            .map(|side| {
                let code = match side {
                    app::domain::handoff::IdSide::Front => "front",
                    app::domain::handoff::IdSide::Back => "back",
                };
                let src = format!("/console/applications/{}/identity/{code}", detail.number);
                let caption = format!("身份证{}", side.label());
                view! {
                    <figure class="c-material">
                        <figcaption class="c-material__name">{caption.clone()}</figcaption>
                        <img class="c-preview" src=src alt=format!("手机拍摄的{caption}") loading="lazy" />
                    </figure>
                }
            })
            .collect_view()
            .into_any()
    };
    let notes = identity
        .notes
        .iter()
        .map(|n| view! { <li>{n.clone()}</li> })
        .collect_view();
    let summary = format!("{}（核验服务：{}）", status.label, identity.provider);
    view! {
        <p><strong>{summary}</strong></p>
        {failure}
        <ol class="c-steps">{steps}</ol>
        {mismatches}
        {attempts}
        <ul class="c-notes">{notes}</ul>
        <div class="c-gallery">{photos}</div>
    }
    .into_any()
}
