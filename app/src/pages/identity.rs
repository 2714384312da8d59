//! `/p/:project/applications/:number/identity` (在线认证): a QR code for the agent's phone, with
//! a countdown and a fresh code before it expires, the same link by SMS, a short code to type
//! at `/m`, and the phone's progress live. When the phone is done the page moves on by itself.
//!
//! Without JavaScript the QR code and short code are still there (made on the server), and
//! 刷新进度 reloads the page to show where the phone is.

use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

use crate::api::identity::{
    HandoffLink, IdentityPage, load_identity_page, new_handoff_link, send_handoff_sms,
};
use crate::components::application_page;
use crate::domain::handoff::Stage;
use crate::paths::use_mount;
use crate::services::handoff::HandoffStatus;

/// A new QR code is fetched this many seconds before the old one expires, so the one on
/// screen always works for the time it takes to scan.
const REFRESH_BEFORE_SECS: u32 = 30;

/// Its own wasm chunk: the event stream and countdown load only here.
#[derive(Clone)]
pub struct IdentityRoute {
    page: Resource<Result<Option<IdentityPage>, ServerFnError>>,
}

#[lazy_route]
impl LazyRoute for IdentityRoute {
    fn data() -> Self {
        Self {
            page: application_page::load(load_identity_page),
        }
    }

    fn view(this: Self) -> AnyView {
        application_page::show("在线认证", this.page, |page| {
            view! { <IdentityView page /> }.into_any()
        })
    }
}

/// What the page shows, from the latest status.
#[derive(Clone, Copy, PartialEq, Eq)]
enum View {
    /// Waiting for a phone: the QR code.
    Scan,
    /// A phone is at work.
    Phone,
    Failed,
    Done,
}

fn view_of(status: &HandoffStatus) -> View {
    match status.stage {
        _ if status.done => View::Done,
        Some(Stage::Failed) => View::Failed,
        Some(stage) if stage.is_claimed() => View::Phone,
        _ => View::Scan,
    }
}

fn mm_ss(secs: u32) -> String {
    format!("{}:{:02}", secs / 60, secs % 60)
}

#[component]
fn IdentityView(page: IdentityPage) -> impl IntoView {
    let project = page.project_id.clone();
    let number = page.number.clone();
    let status = RwSignal::new(page.status.clone());
    let link = RwSignal::new(page.link.clone());
    // Seconds left on the QR code on screen, counted down here.
    let left = RwSignal::new(page.link.as_ref().map_or(0, |l| l.created.expires_in_secs));
    let notice = RwSignal::new(None::<(bool, String)>);
    let view_now = Memo::new(move |_| status.with(view_of));
    let hydrated = crate::components::form::use_hydrated();
    let here = use_mount().identity_page(&project, &number);
    let pay = use_mount().pay_page(&project, &number);
    let role = page.role.label();
    let fix_path = format!(
        "{}/fix/{}",
        crate::pages::orders::order_path(use_mount(), &project, &number),
        match page.role {
            crate::domain::handoff::Role::Agent => "agent",
            crate::domain::handoff::Role::Applicant => "applicant",
        }
    );

    let refresh = Action::new({
        let (project, number) = (project.clone(), number.clone());
        move |restart: &bool| new_handoff_link(project.clone(), number.clone(), *restart)
    });
    Effect::new(move |_| {
        if let Some(outcome) = refresh.value().get() {
            match outcome {
                Ok(Ok(new)) => {
                    left.set(new.created.expires_in_secs);
                    link.set(Some(new));
                    notice.set(None);
                }
                Ok(Err(message)) => notice.set(Some((false, message))),
                Err(_) => notice.set(Some((
                    false,
                    "二维码没有更新，请检查网络后点“换一个二维码”。".into(),
                ))),
            }
        }
    });
    // Earlier notices (an SMS sent, a refresh refused) no longer apply once the check is done.
    Effect::new(move |_| {
        if view_now.get() == View::Done {
            notice.set(None);
        }
    });
    let sms = Action::new({
        let (project, number) = (project.clone(), number.clone());
        move |_: &()| send_handoff_sms(project.clone(), number.clone())
    });
    Effect::new(move |_| {
        if let Some(outcome) = sms.value().get() {
            notice.set(Some(match outcome {
                Ok(Ok(sent)) => (
                    true,
                    format!("短信已发送到 {}，请在手机上点开短信里的链接。", sent.to),
                ),
                Ok(Err(message)) => (false, message),
                Err(_) => (false, "短信没有发出，请检查网络后重试。".into()),
            }));
        }
    });

    #[cfg(feature = "hydrate")]
    {
        let base = format!("/p/{project}/applications/{number}/handoff");
        let follow = crate::browser::progress::follow(base, move |new| status.set(new));
        on_cleanup(move || follow.abort());
        // The countdown, and a fresh code before this one runs out.
        let tick = set_interval_with_handle(
            move || {
                if view_now.get_untracked() != View::Scan || link.with_untracked(Option::is_none) {
                    return;
                }
                let secs = left.get_untracked().saturating_sub(1);
                left.set(secs);
                if secs == REFRESH_BEFORE_SECS && !refresh.pending().get_untracked() {
                    refresh.dispatch(false);
                }
            },
            std::time::Duration::from_secs(1),
        );
        if let Ok(tick) = tick {
            on_cleanup(move || tick.clear());
        }
        // The status said a newer link exists than the one drawn (another tab made one), or
        // this one expired: draw a new one.
        Effect::new(move |_| {
            let expired = status.with(|s| s.stage == Some(Stage::Expired));
            let stale = link.with_untracked(|l| {
                l.as_ref().is_some_and(|l| {
                    status.with(|s| s.token_id.is_some_and(|t| t != l.created.token_id))
                })
            });
            if (expired || (stale && view_now.get_untracked() == View::Scan))
                && !refresh.pending().get_untracked()
            {
                refresh.dispatch(false);
            }
        });
    }

    view! {
        <div class="app-width app-page app-identity-page" data-hydrated=move || hydrated.get().then_some("true")>
            <p class="app-caption">{page.project_name.clone()} " · 申请编号 " {page.number.clone()}</p>
            <h1 class="app-heading-l">"在线认证"</h1>
            {page.redo_reason.clone().map(|reason| view! {
                <div class="app-notice app-notice--error" role="alert">
                    <p>"审核要求重新进行手机身份认证：" {reason} "。请用手机扫描下面的二维码重新认证。"</p>
                </div>
            })}
            {move || notice.get().map(|(ok, text)| {
                let class = if ok { "app-notice app-notice--success" } else { "app-notice app-notice--error" };
                let role = if ok { "status" } else { "alert" };
                view! { <div class=class role=role><p>{text}</p></div> }
            })}
            {move || match view_now.get() {
                View::Done => view! { <DoneView role pay=pay.clone() /> }.into_any(),
                View::Failed => view! {
                    <div class="app-notice app-notice--error" role="alert">
                        <h2 class="app-heading-s">"本次认证未通过"</h2>
                        <p>{status.with(|s| s.failure.as_ref().map(|f| f.message.clone()).unwrap_or_default())}</p>
                    </div>
                    <button type="button" class="app-button" on:click=move |_| { refresh.dispatch(true); }>
                        "重新开始认证"
                    </button>
                }.into_any(),
                View::Phone => view! {
                    <p class="app-lead">"手机已连接。请按手机上的提示拍摄身份证并完成活体检测，本页会同步显示进度。"</p>
                    <button type="button" class="app-button app-button--secondary" on:click=move |_| { refresh.dispatch(true); }>
                        "换一部手机，重新扫码"
                    </button>
                }.into_any(),
                View::Scan => view! { <ScanView link left sms refresh role /> }.into_any(),
            }}
            <Progress status role fix=fix_path.clone() />
            <noscript>
                <p><a href=here.clone()>"刷新进度"</a></p>
            </noscript>
        </div>
    }
}

#[component]
fn ScanView(
    link: RwSignal<Option<HandoffLink>>,
    left: RwSignal<u32>,
    sms: Action<(), Result<Result<crate::services::handoff::SmsSent, String>, ServerFnError>>,
    refresh: Action<bool, Result<Result<HandoffLink, String>, ServerFnError>>,
    /// 经办人 or 申请人.
    role: &'static str,
) -> impl IntoView {
    // Whether this computer has a camera: unknown until the browser says (and without
    // JavaScript), when the option is offered anyway.
    let camera = RwSignal::new(None::<bool>);
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        camera.set(crate::browser::camera::has_camera().await);
    });
    view! {
        <p class="app-lead">
            {format!("请{role}本人用手机扫描二维码（微信“扫一扫”或手机相机均可），按提示拍摄身份证人像面、国徽面并完成活体检测。手机完成后，本页会自动进入下一步。")}
        </p>
        {move || link.get().map(|l| {
            let code = format!("{} {}", &l.created.short_code[..3], &l.created.short_code[3..]);
            let path = l.created.path.clone();
            // The code page's address as the phone must type it: this site's, without a scheme.
            let code_page = l.created.url.strip_suffix(path.as_str()).map(|origin| {
                format!("{}/m", origin.split_once("://").map_or(origin, |(_, host)| host))
            }).unwrap_or_else(|| "/m".to_owned());
            view! {
                <div class="app-handoff">
                    <figure class="app-handoff__qr">
                        <div class="app-handoff__code" data-testid="handoff-qr" inner_html=l.qr_svg.clone()></div>
                        <figcaption class="app-hint" aria-live="off">
                            {move || if left.get() > REFRESH_BEFORE_SECS {
                                format!("二维码 {} 后自动更新", mm_ss(left.get() - REFRESH_BEFORE_SECS))
                            } else {
                                "正在更新二维码…".to_owned()
                            }}
                        </figcaption>
                    </figure>
                    <div class="app-handoff__other">
                        <h2 class="app-heading-s">"扫不了二维码？"</h2>
                        <p>"用手机浏览器打开 " <strong class="app-handoff__address">{code_page}</strong> "，输入认证码："</p>
                        <p class="app-handoff__short" data-testid="short-code">{code}</p>
                        <button type="button" class="app-button app-button--secondary"
                            disabled=move || sms.pending().get()
                            on:click=move |_| { sms.dispatch(()); }>
                            {format!("发送短信链接到{role}手机")}
                        </button>
                        <div hidden=move || camera.get() == Some(false)>
                            <h2 class="app-heading-s">"电脑有摄像头？"</h2>
                            <p>
                                <a href=path target="_blank" rel="noopener">"在这台电脑上完成认证"</a>
                                "（在新窗口打开，本页继续显示进度）"
                            </p>
                        </div>
                        <button type="button" class="app-button app-button--link"
                            on:click=move |_| { refresh.dispatch(false); }>
                            "换一个二维码"
                        </button>
                    </div>
                </div>
            }
        })}
    }
}

/// The phone's progress lines, newest last, and any disagreement with the form.
#[component]
fn Progress(
    status: RwSignal<HandoffStatus>,
    role: &'static str,
    /// The correction form for the person's own section.
    fix: String,
) -> impl IntoView {
    view! {
        <section class="app-section" aria-labelledby="progress-title">
            <h2 class="app-heading-m" id="progress-title">"认证进度"</h2>
            <p class="app-handoff__state" role="status" aria-live="polite" data-testid="handoff-state">
                {move || status.with(|s| s.label.clone())}
            </p>
            <ol class="app-handoff__steps">
                {move || status.with(|s| s.steps.iter().map(|step| {
                    let class = if step.problem { "app-handoff__step app-handoff__step--problem" } else { "app-handoff__step" };
                    view! { <li class=class data-kind=step.kind.clone()>{step.message.clone()}</li> }
                }).collect_view())}
            </ol>
            {move || status.with(|s| (!s.mismatches.is_empty()).then(|| {
                let fix = fix.clone();
                let lines = s.mismatches.iter().map(|m| view! { <li>{m.message.clone()}</li> }).collect_view();
                view! {
                    <div class="app-notice app-notice--error" role="alert">
                        <p>"手机拍摄的身份证与申请表不一致："</p>
                        <ul>{lines}</ul>
                        <p>"如果是拍摄不清，请在手机上重拍；如果是申请表填写有误，请先更正申请信息，再用新的二维码重新认证。"</p>
                        <p><a class="app-button app-button--secondary" href=fix.clone()>"更正" {role} "信息"</a></p>
                    </div>
                }
            }))}
        </section>
    }
}

#[component]
fn DoneView(role: &'static str, pay: String) -> impl IntoView {
    let heading = NodeRef::<leptos::html::H2>::new();
    // Moving on is announced: focus goes to the new state.
    Effect::new(move |_| {
        if let Some(h) = heading.get() {
            let _ = h.focus();
        }
    });
    view! {
        <div class="app-panel" data-testid="identity-done">
            <h2 class="app-panel__title" tabindex="-1" node_ref=heading>"身份认证已完成"</h2>
            <p class="app-panel__body">{format!("{role}的身份证和活体检测均已通过核验。")}</p>
        </div>
        <h2 class="app-heading-m">"下一步：支付"</h2>
        <p>"确认资料无误后支付证书费用，可选微信、支付宝或对公转账。支付后审核人员开始核对资料，审核进展将以短信通知。"</p>
        <p><a class="app-button" href=pay data-testid="go-pay">"下一步：支付"</a></p>
    }
}
