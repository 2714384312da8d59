//! `/p/:project/login`: mobile number, image captcha, SMS code.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::auth::{
    FIELD_CAPTCHA, FIELD_CODE, FIELD_MOBILE, Login, LoginOutcome, LoginPage, Notice,
    load_login_page,
};
use crate::components::captcha::CaptchaField;
use crate::components::form::{ErrorSummary, InputKind, SmsCodeInput, TextInput};
use crate::domain::mobile;

#[component]
pub fn LoginRoute() -> impl IntoView {
    let params = use_params_map();
    let project = move || params.read().get("project").unwrap_or_default();
    let page = Resource::new(project, load_login_page);
    view! {
        <Title text="登录" />
        <div class="app-width app-page app-narrow">
            <Suspense fallback=|| view! { <p>"正在加载…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(page) => view! { <LoginForm project=project() page /> }.into_any(),
                        Err(_) => view! { <p class="app-error-text">"登录页暂时无法加载，请稍后刷新重试。"</p> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn LoginForm(project: String, page: LoginPage) -> impl IntoView {
    let login = ServerAction::<Login>::new();

    let mobile_value = RwSignal::new(page.mobile.clone());
    let mobile_error = RwSignal::new(None::<String>);
    let captcha = RwSignal::new(page.captcha.clone());
    let code_sent = RwSignal::new(page.code_sent);
    let notice = RwSignal::new(page.notice.clone());
    // Seconds until "获取验证码" may be pressed again; ticks only in the browser.
    let countdown = RwSignal::new(0u32);

    Effect::new(move |_| {
        if let Some(Ok(outcome)) = login.value().get() {
            apply_outcome(&outcome, notice, code_sent, captcha, countdown);
        }
    });
    start_countdown_timer(countdown);

    let message_for = move |field: &'static str| {
        Signal::derive(move || notice.with(|n| n.as_ref().and_then(|n| n.error_at(field))))
    };
    let mobile_message = Signal::derive(move || {
        mobile_error
            .get()
            .or_else(|| message_for(FIELD_MOBILE).get())
    });
    let summary = Signal::derive(move || {
        let mut items = Vec::new();
        if let Some(m) = mobile_message.get() {
            items.push((FIELD_MOBILE.to_owned(), m));
        }
        if let Some(n) = notice
            .get()
            .filter(|n| n.is_error && n.field.as_deref() != Some(FIELD_MOBILE))
        {
            items.push((n.field.unwrap_or_else(|| FIELD_MOBILE.to_owned()), n.text));
        }
        items
    });
    let info = move || notice.with(|n| n.as_ref().and_then(Notice::info));

    view! {
        <h1 class="app-heading-xl">"手机号登录"</h1>
        <p class="app-lead">"使用经办人本人的手机号码登录。首次登录将自动创建账户，之后可随时回来继续办理。"</p>
        <ErrorSummary errors=summary />
        <ActionForm action=login attr:class="app-form" attr:novalidate="">
            <input type="hidden" name="project" value=project />
            <TextInput
                id=FIELD_MOBILE
                name="mobile"
                label="手机号码"
                hint="11位大陆手机号码"
                value=mobile_value
                error=mobile_message
                kind=InputKind::Tel
                autocomplete="tel"
                maxlength=20
                width="app-input--w12"
                on_input=Callback::new(move |v: String| {
                    mobile_value.set(v);
                    mobile_error.set(None);
                })
                on_blur=Callback::new(move |_| {
                    let v = mobile_value.get_untracked();
                    mobile_error.set(if v.trim().is_empty() {
                        None
                    } else {
                        mobile::validate(&v).err().map(|e| e.to_string())
                    });
                })
            />
            <CaptchaField captcha id=FIELD_CAPTCHA error=message_for(FIELD_CAPTCHA) />
            <div class="app-button-row">
                <button
                    type="submit"
                    name="intent"
                    value="send"
                    class="app-button app-button--secondary"
                    disabled=move || { countdown.get() > 0 || login.pending().get() }
                >
                    {move || match countdown.get() {
                        0 if code_sent.get() => "重新获取验证码".to_owned(),
                        0 => "获取短信验证码".to_owned(),
                        s => format!("{s}秒后可重新获取"),
                    }}
                </button>
            </div>
            {move || info().map(|text| view! { <p class="app-notice" role="status">{text}</p> })}
            <SmsCodeInput id=FIELD_CODE error=message_for(FIELD_CODE) />
            <button type="submit" name="intent" value="login" class="app-button" disabled=move || login.pending().get()>
                "登录"
            </button>
        </ActionForm>
    }
}

fn apply_outcome(
    outcome: &LoginOutcome,
    notice: RwSignal<Option<Notice>>,
    code_sent: RwSignal<bool>,
    captcha: RwSignal<Option<crate::services::login::CaptchaImage>>,
    countdown: RwSignal<u32>,
) {
    notice.set(outcome.notice.clone());
    if outcome.code_sent {
        code_sent.set(true);
    }
    if outcome.captcha.is_some() {
        captcha.set(outcome.captcha.clone());
    }
    if outcome.resend_after_secs > 0 {
        countdown.set(outcome.resend_after_secs);
    }
}

/// Decrements `countdown` once a second in the browser; does nothing on the server.
fn start_countdown_timer(countdown: RwSignal<u32>) {
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        {
            use std::time::Duration;
            if let Ok(handle) = set_interval_with_handle(
                move || countdown.update(|s| *s = s.saturating_sub(1)),
                Duration::from_secs(1),
            ) {
                on_cleanup(move || handle.clear());
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = countdown;
    });
}
