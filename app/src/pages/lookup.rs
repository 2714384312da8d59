//! `/p/:project/lookup`: 证书查询 / 订单查询. Step 1 a serial or application number (and the
//! image captcha when login asks for one) → a code to the registered mobile; step 2 the code →
//! the status, shown once, with names masked.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::auth::Notice;
use crate::api::lookup::{
    FIELD_CAPTCHA, FIELD_CODE, FIELD_QUERY, Lookup, LookupPage, load_lookup_page,
};
use crate::components::captcha::CaptchaField;
use crate::components::form::{ErrorSummary, SmsCodeInput, TextInput};
use crate::domain::certificate::CertState;
use crate::paths::use_mount;
use crate::services::lookup::{CertificateFacts, LookupResult, OrderFacts};

#[component]
pub fn LookupRoute() -> impl IntoView {
    let params = use_params_map();
    let project = move || params.read().get("project").unwrap_or_default();
    let page = Resource::new(project, load_lookup_page);
    view! {
        <Title text="证书查询 / 订单查询" />
        <div class="app-width app-page app-narrow">
            <Suspense fallback=|| view! { <p>"正在加载…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(page) => view! { <LookupForm project=project() page /> }.into_any(),
                        Err(_) => view! { <p class="app-error-text">"查询页暂时无法加载，请稍后刷新重试。"</p> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn LookupForm(project: String, page: LookupPage) -> impl IntoView {
    let lookup = ServerAction::<Lookup>::new();
    let again = format!("{}/lookup", use_mount().project(&project));

    let outcome = RwSignal::new(page.outcome.clone().unwrap_or_default());
    let captcha = RwSignal::new(page.captcha.clone());
    Effect::new(move |_| {
        if let Some(Ok(next)) = lookup.value().get() {
            if next.captcha.is_some() {
                captcha.set(next.captcha.clone());
            }
            outcome.set(next);
        }
    });

    let message_for = move |field: &'static str| {
        Signal::derive(move || outcome.with(|o| o.notice.as_ref().and_then(|n| n.error_at(field))))
    };
    let summary = Signal::derive(move || {
        outcome.with(|o| {
            o.notice
                .iter()
                .filter(|n| n.is_error)
                .map(|n: &Notice| {
                    (
                        n.field.clone().unwrap_or_else(|| FIELD_QUERY.to_owned()),
                        n.text.clone(),
                    )
                })
                .collect::<Vec<_>>()
        })
    });
    let info = move || outcome.with(|o| o.notice.as_ref().and_then(Notice::info));
    let query = Signal::derive(move || outcome.with(|o| o.query.clone()));

    view! {
        <h1 class="app-heading-xl">"证书查询 / 订单查询"</h1>
        {move || {
            let again = again.clone();
            let project = project.clone();
            let current = outcome.get();
            if let Some(result) = current.result {
                return view! {
                    <ResultView result />
                    <p><a href=again rel="external">"重新查询"</a></p>
                }.into_any();
            }
            let step_two = current.sent_to.clone();
            view! {
                <p class="app-lead">
                    "输入证书序列号或申请编号，我们会向办理时登记的手机号发送验证码，验证后显示证书或申请的状态。"
                </p>
                <ErrorSummary errors=summary />
                <ActionForm action=lookup attr:class="app-form" attr:novalidate="">
                    <input type="hidden" name="project" value=project />
                    {match step_two {
                        None => view! {
                            <TextInput
                                id=FIELD_QUERY
                                name="query"
                                label="证书序列号或申请编号"
                                hint="证书序列号为20位字母和数字；申请编号形如 SQ202612070003"
                                value=query
                                error=message_for(FIELD_QUERY)
                                autocomplete="off"
                                maxlength=60
                                width="app-input--w20"
                            />
                            <CaptchaField captcha id=FIELD_CAPTCHA error=message_for(FIELD_CAPTCHA) />
                            <button type="submit" name="intent" value="send" class="app-button" disabled=move || lookup.pending().get()>
                                "获取验证码"
                            </button>
                        }.into_any(),
                        Some(sent_to) => view! {
                            <input type="hidden" name="query" value=query />
                            <input type="hidden" name="sent_to" value=sent_to />
                            <dl class="app-summary-list">
                                <div class="app-summary-list__row">
                                    <dt class="app-summary-list__key">"证书序列号或申请编号"</dt>
                                    <dd class="app-summary-list__value">{query}</dd>
                                </div>
                            </dl>
                            {move || info().map(|text| view! { <p class="app-notice" role="status">{text}</p> })}
                            <SmsCodeInput id=FIELD_CODE error=message_for(FIELD_CODE) />
                            <button type="submit" name="intent" value="check" class="app-button" disabled=move || lookup.pending().get()>
                                "查询"
                            </button>
                            <p><a href=again rel="external">"没有收到验证码？重新查询"</a></p>
                        }.into_any(),
                    }}
                </ActionForm>
            }.into_any()
        }}
    }
}

#[component]
fn ResultView(result: LookupResult) -> impl IntoView {
    match result {
        LookupResult::Certificate(cert) => view! {
            <h2 class="app-heading-l">"证书状态"</h2>
            <CertificateRows cert />
        }
        .into_any(),
        LookupResult::Order(order) => view! { <OrderView order /> }.into_any(),
    }
}

#[component]
fn OrderView(order: OrderFacts) -> impl IntoView {
    let count = order.certificates.len();
    view! {
        <h2 class="app-heading-l">"申请状态"</h2>
        <dl class="app-summary-list">
            <Row key="申请编号" value=order.number />
            <Row key="状态" value=order.status />
            <Row key="提交日期" value=order.submitted_on />
            <Row key="申请单位（人）" value=order.subject />
            <Row key="已签发证书" value=if count == 0 { "尚未签发".to_owned() } else { format!("{count} 张") } />
        </dl>
        {order.certificates.into_iter().enumerate().map(|(i, cert)| view! {
            <h3 class="app-heading-m">{format!("证书 {}", i + 1)}</h3>
            <CertificateRows cert />
        }).collect_view()}
    }
}

#[component]
fn CertificateRows(cert: CertificateFacts) -> impl IntoView {
    let state = cert.state.label().to_owned();
    let tone = match cert.state {
        CertState::Valid => "app-tag",
        CertState::ExpiringSoon => "app-tag app-tag--action",
        CertState::Expired | CertState::Suspended => "app-tag app-tag--error",
        CertState::Withdrawn(_) => "app-tag app-tag--grey",
    };
    view! {
        <dl class="app-summary-list">
            <Row key="证书类型" value=cert.kind />
            <div class="app-summary-list__row">
                <dt class="app-summary-list__key">"证书状态"</dt>
                <dd class="app-summary-list__value"><strong class=tone>{state}</strong></dd>
            </div>
            <Row key="有效期" value=format!("{} 至 {}", cert.valid_from, cert.valid_to) />
            <Row key="证书主体" value=cert.subject />
            {cert.holder.map(|holder| view! { <Row key="持有人" value=holder /> })}
            <Row key="证书序列号" value=cert.serial />
        </dl>
    }
}

#[component]
fn Row(key: &'static str, #[prop(into)] value: String) -> impl IntoView {
    view! {
        <div class="app-summary-list__row">
            <dt class="app-summary-list__key">{key}</dt>
            <dd class="app-summary-list__value">{value}</dd>
        </div>
    }
}
