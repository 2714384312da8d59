//! 个人信息与账号, under 我的申请 at `/p/:project/me`: 撤回同意 and 注销账号, each asked for
//! with its consequences spelled out and a box to tick, then shown with its state until a
//! reviewer completes it.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api::privacy::{PrivacyPage, PrivacyReply, RequestPrivacy, load_privacy_page};
use crate::services::privacy::RequestKind;

/// `after_withdrawal`: on the consent page, shown only to an applicant whose withdrawal was
/// completed, and only the closure (they may close the account without consenting again).
#[component]
pub fn PrivacySection(#[prop(optional)] after_withdrawal: bool) -> impl IntoView {
    let params = use_params_map();
    let ask = ServerAction::<RequestPrivacy>::new();
    let page = Resource::new(
        move || {
            (
                params.read().get("project").unwrap_or_default(),
                ask.version().get(),
            )
        },
        |(project, _)| load_privacy_page(project),
    );
    view! {
        <Suspense fallback=|| view! { <p>"正在加载…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(page) if after_withdrawal && !withdrawn(&page) => ().into_any(),
                        Ok(page) => view! { <Requests page ask after_withdrawal /> }.into_any(),
                        Err(_) => view! { <p class="app-error-text">"这部分内容暂时无法加载，请稍后刷新重试。"</p> }.into_any(),
                    }
                })}
        </Suspense>
    }
}

fn withdrawn(page: &PrivacyPage) -> bool {
    page.latest(RequestKind::WithdrawConsent)
        .is_some_and(|r| r.completed_at.is_some())
}

#[component]
fn Requests(
    page: PrivacyPage,
    ask: ServerAction<RequestPrivacy>,
    after_withdrawal: bool,
) -> impl IntoView {
    let reply = Signal::derive(move || ask.value().get().and_then(Result::ok));
    let withdraw =
        (!after_withdrawal).then(|| request_block(&page, RequestKind::WithdrawConsent, ask, reply));
    let close = request_block(&page, RequestKind::CloseAccount, ask, reply);
    view! {
        <section class="app-privacy" aria-labelledby="privacy-heading">
            <h2 class="app-heading-l" id="privacy-heading">"个人信息与账号"</h2>
            {withdraw}
            {close}
        </section>
    }
}

/// What the request does, in the applicant's terms.
fn consequences(kind: RequestKind, kept: &[String]) -> AnyView {
    match kind {
        RequestKind::WithdrawConsent => view! {
            <p>"撤回后，我们不再依据您的同意处理您的个人信息和敏感个人信息：您不能提交新的申请，已提交的申请也会停在当前步骤。撤回之前已经进行的处理仍然有效；已签发证书的认证记录仍按法律规定保存。"</p>
            <p>"审核员确认后即生效。之后如需继续办理，请重新阅读并同意协议。"</p>
        }
        .into_any(),
        RequestKind::CloseAccount => {
            let kept_text = if kept.is_empty() {
                view! { <p>"您没有需要依法保存的已提交申请，账号和手机号登录信息将一并删除。"</p> }.into_any()
            } else {
                let numbers = kept.join("、");
                view! {
                    <p>
                        "以下已提交的申请属于电子认证相关记录，依照《中华人民共和国电子签名法》第二十四条，须保存到证书失效后至少五年，期满后删除，注销账号不会提前删除它们："
                        <strong>{numbers}</strong>
                    </p>
                }
                .into_any()
            };
            view! {
                <p>"注销后，您将被退出登录，本手机号与此账号不再关联；以后用同一号码登录，将是一个全新的账号，看不到以前的申请。我们会删除您未提交的草稿、已取消的申请及其上传的文件、您的协议同意记录和登录信息。注销无法撤销。"</p>
                {kept_text}
            }
            .into_any()
        }
    }
}

fn request_block(
    page: &PrivacyPage,
    kind: RequestKind,
    ask: ServerAction<RequestPrivacy>,
    reply: Signal<Option<PrivacyReply>>,
) -> AnyView {
    let heading = match kind {
        RequestKind::WithdrawConsent => "撤回对个人信息处理的同意",
        RequestKind::CloseAccount => "注销账号",
    };
    let id = kind.code();
    let latest = page.latest(kind).cloned();
    let state = latest.as_ref().map(|line| match &line.completed_at {
        None => format!(
            "您已于 {} 提交{}申请，正在等待审核员处理。",
            line.requested_at,
            kind.label()
        ),
        Some(done) if kind == RequestKind::WithdrawConsent => {
            format!("您已于 {done} 撤回同意。如需继续办理，请重新阅读并同意协议。")
        }
        Some(done) => format!("您的{}申请已于 {done} 处理完成。", kind.label()),
    });
    let pending = latest.as_ref().is_some_and(|l| l.completed_at.is_none());
    let unticked = page.unconfirmed == Some(kind);
    let error = Signal::derive(move || match reply.get() {
        Some(r) if r.kind == kind && !r.ok => Some(r.message),
        Some(r) if r.kind == kind => None,
        _ => unticked.then(|| format!("请先勾选确认您已了解{}的后果", kind.label())),
    });
    let done = Signal::derive(move || {
        reply
            .get()
            .filter(|r| r.kind == kind && r.ok)
            .map(|r| r.message)
    });
    let project = page.project_id.clone();
    let form = (!pending).then(|| {
        let box_id = format!("confirm-{id}");
        let error_id = format!("{box_id}-error");
        view! {
            <ActionForm action=ask attr:class="app-form" attr:novalidate="">
                <input type="hidden" name="project" value=project />
                <input type="hidden" name="kind" value=id />
                <div class="app-form-group" class:app-form-group--error=move || error.get().is_some()>
                    {
                        let error_id = error_id.clone();
                        move || error.get().map(|message| view! {
                            <p class="app-error-message" id=error_id.clone()>
                                <span class="app-visually-hidden">"错误："</span>
                                {message}
                            </p>
                        })
                    }
                    <div class="app-checkbox">
                        <input class="app-checkbox__input" type="checkbox" id=box_id.clone()
                            name="confirm" value="true"
                            aria-describedby=move || error.get().map(|_| error_id.clone()) />
                        <label class="app-checkbox__label" for=box_id>
                            {format!("我已了解{}的后果", kind.label())}
                        </label>
                    </div>
                </div>
                <button type="submit" class="app-button app-button--warning"
                    disabled=move || ask.pending().get()>
                    {format!("申请{}", kind.label())}
                </button>
            </ActionForm>
        }
    });
    view! {
        <div class="app-privacy__request" id=format!("privacy-{id}")>
            <h3 class="app-heading-m">{heading}</h3>
            {state.map(|text| view! { <p class="app-privacy__state" role="status">{text}</p> })}
            // Until the page reloads with the request in its state (then the line above says it).
            {(!pending).then_some(move || done.get().map(|text| view! { <p class="app-privacy__state" role="status">{text}</p> }))}
            {(!pending).then(|| consequences(kind, &page.kept))}
            {form}
        </div>
    }
    .into_any()
}
