//! `/p/:project/certificates/:id/change`: 信息变更. The certificate, the details a change may
//! touch as they stand (each checked when the applicant leaves the field), what a change
//! involves and costs, then one button that checks everything by the form's rules, makes the
//! order and goes on to its materials page. A plain form without JavaScript.

use std::collections::HashMap;

use leptos::prelude::*;

use crate::api::change::{ChangePageData, ChangeReply, StartChange, load_change_page};
use crate::components::certificate_page::{CertificateNotFound, CertificatePage, certificate_key};
use crate::components::form::{ErrorSummary, TextInput};
use crate::components::quote_table::QuoteTable;
use crate::domain::business::change::check_field;
use crate::domain::certificate::{Certificate, date_label};
use crate::pages::certificate_action::CertificateSummary;
use crate::paths::use_mount;
use crate::services::changes::{ChangeField, ChangePage};

#[component]
pub fn ChangeRoute() -> impl IntoView {
    let key = certificate_key();
    let data = Resource::new(
        move || key.get(),
        |(project, id)| load_change_page(project, id),
    );
    view! {
        <CertificatePage title="信息变更" key>
            <Suspense fallback=|| view! { <p>"正在加载…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(data) => view! { <ChangeView project=key.get_untracked().0 data /> }.into_any(),
                        Err(_) => view! { <CertificateNotFound /> }.into_any(),
                    }
                })}
            </Suspense>
        </CertificatePage>
    }
}

#[component]
fn ChangeView(project: String, data: ChangePageData) -> impl IntoView {
    let ChangePageData { page, refused } = data;
    let start = ServerAction::<StartChange>::new();
    // The last refusal: this page's post, or a plain form post's, brought back once.
    let reply: Signal<Option<ChangeReply>> = Signal::derive(move || match start.value().get() {
        Some(reply) => reply.ok().flatten(),
        None => refused.clone(),
    });
    let ChangePage {
        project_name,
        certificate,
        state,
        refusal,
        quote,
        sections,
        siblings,
        today,
    } = page;
    let others =
        (!siblings.is_empty()).then(|| view! { <Siblings project=project.clone() siblings /> });
    let id = certificate.id.to_string();
    let until = date_label(certificate.validity.to);
    let state = Signal::stored(state.label().to_owned());
    let typed: Vec<(ChangeField, RwSignal<String>, RwSignal<Option<String>>)> = sections
        .iter()
        .flat_map(|s| s.fields.iter())
        .map(|f| {
            let value = reply
                .get_untracked()
                .and_then(|r| r.values.get(&f.id).cloned())
                .unwrap_or_else(|| f.value.clone());
            (f.clone(), RwSignal::new(value), RwSignal::new(None))
        })
        .collect();
    let typed_back = typed.clone();
    let summary = Signal::derive(move || reply.get().map(|r| r.errors).unwrap_or_default());
    let message = move || reply.get().and_then(|r| r.message);
    // A refused post's answer brings back what was typed.
    Effect::new(move |_| {
        if let Some(r) = reply.get() {
            for (f, value, _) in &typed_back {
                if let Some(text) = r.values.get(&f.id) {
                    value.set(text.clone());
                }
            }
        }
    });
    let by_id: HashMap<String, (RwSignal<String>, RwSignal<Option<String>>)> = typed
        .iter()
        .map(|(f, v, e)| (f.id.clone(), (*v, *e)))
        .collect();
    view! {
        <p class="app-lead">"单位名称、地址、法定代表人或证书持有人信息有变化时办理：证书机构按新信息重新签发证书，有效期不变。"</p>
        <CertificateSummary certificate project_name state />
        {match (refusal, quote) {
            (None, Some(quote)) => view! {
                <h2 class="app-heading-m">"办理流程"</h2>
                <ol class="app-list app-list--number">
                    <li>"在下面修改有变化的信息，其余保持不变。"</li>
                    <li>"打印本站按新信息生成的申请材料，盖章后扫描上传，资料要求与新办证书相同；单位名称或法定代表人变更的，请上传变更后的营业执照。"</li>
                    <li>"经办人用手机完成身份认证，在线支付服务费，等待证书机构审核。"</li>
                    <li>{format!("审核通过后按新信息签发证书并写入新的 U 盾寄出，有效期仍至 {until}；原证书随即吊销。")}</li>
                </ol>
                {others}
                <ErrorSummary errors=summary />
                {move || message().map(|m| view! { <p class="app-notice app-notice--error" role="alert">{m}</p> })}
                <ActionForm action=start attr:class="app-form" attr:novalidate="">
                    <input type="hidden" name="project" value=project.clone() />
                    <input type="hidden" name="id" value=id.clone() />
                    {sections.into_iter().map(|section| {
                        let fields = section.fields.into_iter().map(|f| {
                            let (value, checked) = by_id[&f.id];
                            let field_id = f.id.clone();
                            let error = Signal::derive(move || {
                                checked.get().or_else(|| {
                                    reply.get().and_then(|r| r.errors.into_iter().find(|(k, _)| *k == field_id).map(|(_, m)| m))
                                })
                            });
                            let check_id = f.id.clone();
                            view! {
                                <TextInput id=f.id.clone() name=format!("values[{}]", f.id) label=f.label.clone()
                                    hint=f.hint.clone() value error maxlength=120 width="app-input--w30"
                                    on_input=Callback::new(move |text: String| value.set(text))
                                    on_blur=Callback::new(move |()| checked.set(check_field(&check_id, &value.get_untracked(), today))) />
                            }
                        }).collect_view();
                        view! {
                            <fieldset class="app-fieldset">
                                <legend class="app-fieldset__legend app-heading-m">{section.label}</legend>
                                {fields}
                            </fieldset>
                        }
                    }).collect_view()}
                    <section class="app-section" aria-label="应付金额">
                        <QuoteTable quote=Ok(quote.clone()) />
                    </section>
                    <button class="app-button" type="submit" disabled=move || start.pending().get()>
                        "提交变更申请，去上传资料"
                    </button>
                </ActionForm>
            }.into_any(),
            (reason, _) => view! {
                <p class="app-notice app-notice--error" role="alert">{reason.unwrap_or_default()}</p>
            }.into_any(),
        }}
    }
}

/// The organisation's other certificates: a new name or legal representative is written into
/// each of them by a change of its own.
#[component]
fn Siblings(project: String, siblings: Vec<Certificate>) -> impl IntoView {
    let base = use_mount().project(&project);
    let items = siblings
        .into_iter()
        .map(|c| {
            let name = match &c.holder {
                Some(holder) => format!("{} · {holder}", c.kind.label()),
                None => c.kind.label().to_owned(),
            };
            let tail = c.serial.chars().rev().take(6).collect::<Vec<_>>();
            let tail: String = tail.into_iter().rev().collect();
            view! {
                <li>
                    {format!("{name}（序列号尾号 {tail}）")} " "
                    <a href=format!("{base}/certificates/{}/change", c.id)>"办理信息变更"</a>
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="app-inset" data-testid="change-siblings">
            <p>"本单位还有以下证书在用。单位信息或法定代表人变更后，每张证书都要按新信息分别办理变更（各按一次收费）；提交本次申请后可继续办理："</p>
            <ul class="app-list">{items}</ul>
        </div>
    }
}
