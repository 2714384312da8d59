//! `/p/:project/certificates/:id/cancel` and `/unlock`: 证书注销 and 证书解锁 (and the route of
//! `/replace` and `/change`, whose pages are [`ReplacementRoute`] and [`ChangeRoute`]). The
//! certificate, what the business does, then one form: for a cancellation the reason, and a code texted to the
//! registered mobile (获取验证码), then the confirmation. Works as a plain form without
//! JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::auth::Notice;
use crate::api::certificate_actions::{
    ActionOutcome, ActionPageData, CertificateAction, load_action_page, segment,
};
use crate::components::form::{ErrorSummary, SmsCodeInput};
use crate::domain::business::Business;
use crate::domain::business::cancellation::Reason;
use crate::domain::certificate::{CertStatus, Certificate, date_label};
use crate::pages::change::ChangeRoute;
use crate::pages::replacement::ReplacementRoute;
use crate::paths::use_mount;
use crate::services::certificate_actions::{ActionDone, ActionPage, FIELD_CODE, FIELD_REASON};

#[component]
pub fn CertificateActionRoute() -> impl IntoView {
    let params = use_params_map();
    // The businesses with pages of their own; the others are confirmed by a texted code.
    let own = Memo::new(move |_| {
        let action = params.read().get("action").unwrap_or_default();
        [Business::Replacement, Business::Change]
            .into_iter()
            .find(|b| segment(*b) == action)
    });
    move || match own.get() {
        Some(Business::Replacement) => view! { <ReplacementRoute /> }.into_any(),
        Some(_) => view! { <ChangeRoute /> }.into_any(),
        None => view! { <ActionRoute /> }.into_any(),
    }
}

#[component]
fn ActionRoute() -> impl IntoView {
    let params = use_params_map();
    let key = move || {
        let p = params.read();
        (
            p.get("project").unwrap_or_default(),
            p.get("id")
                .and_then(|id| id.parse::<i64>().ok())
                .unwrap_or(0),
            p.get("action").unwrap_or_default(),
        )
    };
    let data = Resource::new(key, |(project, id, action)| {
        load_action_page(project, id, action)
    });
    view! {
        <div class="app-width app-page app-narrow">
            <Suspense fallback=|| view! { <p>"正在加载…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(data) => view! { <ActionView project=key().0 data /> }.into_any(),
                        Err(_) => view! {
                            <Title text="证书业务" />
                            <h1 class="app-heading-xl">"证书业务"</h1>
                            <p class="app-error-text">"没有找到这张证书，或页面暂时无法加载，请回到个人中心重试。"</p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

fn title(business: Business) -> &'static str {
    match business {
        Business::Cancellation => "证书注销",
        _ => "证书解锁",
    }
}

#[component]
fn ActionView(project: String, data: ActionPageData) -> impl IntoView {
    let ActionPageData { page, outcome } = data;
    let action = ServerAction::<CertificateAction>::new();
    let outcome = RwSignal::new(outcome.unwrap_or_default());
    Effect::new(move |_| {
        if let Some(Ok(next)) = action.value().get() {
            outcome.set(next);
        }
    });
    let centre = format!("{}/me", use_mount().project(&project));
    let business = page.business;
    let state_label = page.state.label().to_owned();
    view! {
        <Title text=title(business) />
        <p><a href=centre.clone()>"返回个人中心"</a></p>
        <h1 class="app-heading-xl">{title(business)}</h1>
        <CertificateSummary certificate=page.certificate.clone() project_name=page.project_name.clone() state=Signal::derive(move || {
            let cancelled = business == Business::Cancellation
                && outcome.with(|o| o.done.as_ref().is_some_and(|d| !d.pending));
            if cancelled { CertStatus::Cancelled.label().to_owned() } else { state_label.clone() }
        }) />
        {move || match outcome.with(|o| o.done.clone()) {
            Some(done) => view! { <Done business done centre=centre.clone() project=project.clone() /> }.into_any(),
            None => match page.refusal.clone() {
                Some(reason) => view! {
                    <p class="app-notice app-notice--error" role="alert">{reason}</p>
                }.into_any(),
                None => view! {
                    <ActionForm_ page=page.clone() project=project.clone() action outcome />
                }.into_any(),
            },
        }}
    }
}

/// The certificate a business is about, as its page shows it first.
#[component]
pub(crate) fn CertificateSummary(
    certificate: Certificate,
    project_name: String,
    state: Signal<String>,
) -> impl IntoView {
    let cert = certificate;
    let kind = match &cert.holder {
        Some(holder) => format!("{} · {holder}", cert.kind.label()),
        None => cert.kind.label().to_owned(),
    };
    view! {
        <dl class="app-summary-list">
            <Row key="证书" value=kind />
            <Row key="证书主体" value=cert.subject />
            <Row key="证书序列号" value=cert.serial />
            <Row key="有效期" value=format!("{} 至 {}", date_label(cert.validity.from), date_label(cert.validity.to)) />
            <div class="app-summary-list__row">
                <dt class="app-summary-list__key">"状态"</dt>
                <dd class="app-summary-list__value">{state}</dd>
            </div>
            <Row key="交易平台" value=project_name />
        </dl>
    }
}

#[component]
#[allow(non_snake_case)]
fn ActionForm_(
    page: ActionPage,
    project: String,
    action: ServerAction<CertificateAction>,
    outcome: RwSignal<ActionOutcome>,
) -> impl IntoView {
    let business = page.business;
    let message_for = move |field: &'static str| {
        Signal::derive(move || outcome.with(|o| o.notice.as_ref().and_then(|n| n.error_at(field))))
    };
    let summary = Signal::derive(move || {
        outcome.with(|o| {
            o.notice
                .iter()
                .filter(|n| n.is_error && n.field.is_some())
                .map(|n| (n.field.clone().unwrap_or_default(), n.text.clone()))
                .collect::<Vec<_>>()
        })
    });
    // A message with no field (the certificate is held, the server is busy) goes above.
    let general = move || {
        outcome.with(|o| {
            o.notice
                .as_ref()
                .filter(|n| n.is_error && n.field.is_none())
                .map(|n| n.text.clone())
        })
    };
    let info = move || outcome.with(|o| o.notice.as_ref().and_then(Notice::info));
    let reason_error = message_for(FIELD_REASON);
    let confirm_label = match business {
        Business::Cancellation => "确认注销",
        _ => "确认并发送解锁码",
    };
    view! {
        {match business {
            Business::Cancellation => view! {
                <div class="app-warning-text" role="note">
                    <p><strong>"注销后证书立即失效且不能恢复"</strong>"，不能再用于交易平台登录、投标文件签章和解密。请确认没有正在进行、需要用这张证书解密的投标。"</p>
                    <p>"注销不收费。已缴纳的证书费用不在网上退还，如有退费问题请联系证书机构客服。"</p>
                </div>
            }.into_any(),
            _ => view! {
                <p>"忘记 U 盾密码，或密码输错次数过多被锁定时办理。验证身份后，解锁码将以短信发送到下面的手机号，30 分钟内有效，只能使用一次。"</p>
                <p>"解锁不收费，也不用寄送 U 盾。"</p>
            }.into_any(),
        }}
        <ErrorSummary errors=summary />
        {move || general().map(|text| view! { <p class="app-notice app-notice--error" role="alert">{text}</p> })}
        <ActionForm action=action attr:class="app-form" attr:novalidate="">
            <input type="hidden" name="project" value=project />
            <input type="hidden" name="id" value=page.certificate.id.to_string() />
            <input type="hidden" name="action" value=segment(business) />
            {(business == Business::Cancellation).then(|| view! {
                <div class="app-form-group" class:app-form-group--error=move || reason_error.get().is_some()>
                    <fieldset class="app-fieldset" id=FIELD_REASON>
                        <legend class="app-label">"注销原因"</legend>
                        {move || reason_error.get().map(|text| view! {
                            <p class="app-error-message"><span class="app-visually-hidden">"错误："</span>{text}</p>
                        })}
                        {Reason::ALL.into_iter().map(|reason| {
                            let id = format!("reason-{}", reason.code());
                            let checked = move || outcome.with(|o| o.reason == reason.code());
                            view! {
                                <div class="app-radio">
                                    <input class="app-radio__input" type="radio" id=id.clone() name="reason"
                                        value=reason.code() checked=checked prop:checked=checked />
                                    <label class="app-radio__label" for=id>{reason.label()}</label>
                                </div>
                            }
                        }).collect_view()}
                    </fieldset>
                </div>
            })}
            <p>
                "验证码将发送给" {page.confirmer_role.clone()} " " {page.confirmer.clone()}
                "（" {page.mobile_masked.clone()} "），即办理时登记的手机号。"
            </p>
            {move || info().map(|text| view! { <p class="app-notice" role="status">{text}</p> })}
            <SmsCodeInput id=FIELD_CODE error=message_for(FIELD_CODE) />
            <div class="app-button-group">
                <button type="submit" name="intent" value="send" class="app-button app-button--secondary" disabled=move || action.pending().get()>
                    "获取验证码"
                </button>
                <button type="submit" name="intent" value="confirm"
                    class=if business == Business::Cancellation { "app-button app-button--warning" } else { "app-button" }
                    disabled=move || action.pending().get()>
                    {confirm_label}
                </button>
            </div>
        </ActionForm>
    }
}

#[component]
fn Done(business: Business, done: ActionDone, centre: String, project: String) -> impl IntoView {
    let order = format!(
        "{}/applications/{}",
        use_mount().project(&project),
        done.number
    );
    let heading = match (business, done.pending) {
        (Business::Cancellation, false) => "证书已注销",
        (Business::Cancellation, true) => "注销申请已受理",
        (_, false) => "解锁码已发送",
        (_, true) => "解锁申请已受理",
    };
    view! {
        <div class="app-panel" role="status">
            <h2 class="app-panel__title">{heading}</h2>
            <p class="app-panel__body">"申请编号 "<a href=order>{done.number.clone()}</a></p>
        </div>
        {match (business, done.pending) {
            (_, true) => view! {
                <p>"证书机构系统正在处理，办结后会短信通知您，无需重复提交。"</p>
            }.into_any(),
            (Business::Cancellation, false) => view! {
                <p>"已短信通知办理时登记的手机号。注销的证书不能再办理其他业务；如仍需参与投标，请重新申请证书。"</p>
            }.into_any(),
            _ => view! {
                <p>{format!("解锁码已发送至 {}，30 分钟内有效，只能使用一次。", done.to_masked)}</p>
                <h2 class="app-heading-m">"怎样使用解锁码"</h2>
                <ol class="app-list app-list--number">
                    <li>"在电脑上打开证书机构的证书助手（驱动程序），插入要解锁的 U 盾。"</li>
                    <li>"选择“解锁”，输入短信中的解锁码（不区分大小写，可不输入短横线）。"</li>
                    <li>"按提示设置新的 U 盾密码，并牢记。"</li>
                </ol>
                <p>"解锁码过期或输错 5 次后失效，可在个人中心重新办理。"</p>
            }.into_any(),
        }}
        <p><a href=centre>"返回个人中心"</a></p>
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
