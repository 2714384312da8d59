//! `/p/:project/applications/:number/pay` (支付费用): first what is still missing before paying
//! (or 确认资料无误，去支付), then the amount with its fee lines and the way to pay: a QR code for
//! 微信支付 / 支付宝 with a countdown and a fresh code before it expires, or 对公转账 with the
//! CA's account and the remittance voucher. Once paid the page shows so by itself.
//!
//! The method is in the address (`?method=wechat`), so the choice is a plain link and the QR
//! code is drawn on the server: without JavaScript everything works, and 刷新支付状态 reloads.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use leptos_router::{LazyRoute, lazy_route};

use crate::api::payment::{
    ConfirmMaterials, Fix, PayPage, TradeCode, load_pay_page, new_payment_code,
};
use crate::components::application_page;
use crate::components::quote_table::QuoteTable;
use crate::domain::money::Fen;
use crate::domain::order::{PaymentMethod, Status};
use crate::domain::pin;
use crate::pages::materials::upload_slot::SlotCard;
use crate::pages::orders::order_path;
use crate::paths::{Mount, use_mount};

/// A new QR code is fetched this many seconds before the old one expires.
const REFRESH_BEFORE_SECS: u32 = 30;
/// How often the page asks whether the payment arrived.
const POLL_SECS: u32 = 2;

type PageResource = Resource<Result<Option<PayPage>, ServerFnError>>;

/// Its own wasm chunk, like the other pages of a submitted application.
#[derive(Clone)]
pub struct PayRoute {
    page: PageResource,
}

#[lazy_route]
impl LazyRoute for PayRoute {
    fn data() -> Self {
        let params = use_params_map();
        let query = use_query_map();
        let key = move || {
            let p = params.read();
            (
                p.get("project").unwrap_or_default(),
                p.get("number").unwrap_or_default(),
                query.read().get("method"),
            )
        };
        Self {
            page: Resource::new(key, |(project, number, method)| {
                load_pay_page(project, number, method)
            }),
        }
    }

    fn view(this: Self) -> AnyView {
        let resource = this.page;
        application_page::show("支付费用", resource, move |page| {
            view! { <PayView page resource /> }.into_any()
        })
    }
}

#[component]
fn PayView(page: PayPage, resource: PageResource) -> impl IntoView {
    let body = match page.status {
        Status::AwaitingMaterials => view! { <Checklist page=page.clone() resource /> }.into_any(),
        Status::AwaitingPayment => view! { <Choose page=page.clone() resource /> }.into_any(),
        Status::AwaitingTransfer => view! { <TransferPending page=page.clone() /> }.into_any(),
        Status::AwaitingReview | Status::Rejected if page.business.reviews_before_payment() => {
            view! { <ReviewFirst page=page.clone() /> }.into_any()
        }
        Status::Cancelled => {
            view! { <p class="app-lead">"这份申请已取消，无需支付。"</p> }.into_any()
        }
        _ => view! { <Paid page=page.clone() /> }.into_any(),
    };
    view! {
        <div class="app-width app-page app-pay-page">
            <p class="app-caption">{page.project_name.clone()} " · 申请编号 " {page.number.clone()}</p>
            <h1 class="app-heading-l">"支付费用"</h1>
            {body}
        </div>
    }
}

/// 待上传资料: what is missing, with links, or the button that opens payment.
#[component]
fn Checklist(page: PayPage, resource: PageResource) -> impl IntoView {
    let mount = use_mount();
    let confirm = ServerAction::<ConfirmMaterials>::new();
    Effect::new(move |_| {
        if let Some(Ok(Ok(()))) = confirm.value().get() {
            resource.refetch();
        }
    });
    let refusal = move || match confirm.value().get() {
        Some(Ok(Err(message))) => Some(message),
        Some(Err(_)) => Some("没有提交成功，请检查网络后重试。".to_owned()),
        _ => None,
    };
    if !page.missing.is_empty() {
        let items = page
            .missing
            .iter()
            .map(|m| {
                let href = match m.fix {
                    Fix::Materials => mount.materials_page(&page.project_id, &page.number),
                    Fix::Identity => mount.identity_page(&page.project_id, &page.number),
                };
                let action = match m.fix {
                    Fix::Materials => "去上传",
                    Fix::Identity => "去认证",
                };
                view! { <li>{m.label.clone()} " " <a href=href>{action}</a></li> }
            })
            .collect_view();
        let lead = if page.business.reviews_before_payment() {
            "提交审核前请先完成以下事项："
        } else {
            "支付前请先完成以下事项："
        };
        return view! {
            <p class="app-lead">{lead}</p>
            <ul class="app-list app-pay__missing" data-testid="pay-missing">{items}</ul>
        }
        .into_any();
    }
    let (lead, button) = if page.business.reviews_before_payment() {
        (
            "资料已齐全，身份认证已通过。请确认上传的资料无误后提交审核；审核通过后回到这里支付续期费用。",
            "确认资料无误，提交审核",
        )
    } else {
        (
            "资料已齐全，身份认证已通过。请确认上传的资料无误后进入支付；进入支付后仍可在资料页更换扫描件。",
            "确认资料无误，去支付",
        )
    };
    view! {
        <p class="app-lead">{lead}</p>
        <ActionForm action=confirm>
            <input type="hidden" name="project" value=page.project_id.clone() />
            <input type="hidden" name="number" value=page.number.clone() />
            {move || refusal().map(|message| view! {
                <p class="app-error-message" id="confirm-error" role="alert">
                    <span class="app-visually-hidden">"错误："</span>{message}
                </p>
            })}
            <button type="submit" class="app-button" disabled=move || confirm.pending().get()>
                {button}
            </button>
        </ActionForm>
    }
    .into_any()
}

/// 待支付: the amount and the three ways to pay.
#[component]
fn Choose(page: PayPage, resource: PageResource) -> impl IntoView {
    let here = use_mount().pay_page(&page.project_id, &page.number);
    let total = page.quote.as_ref().map(|q| q.total.0).ok();
    let changed = total.filter(|t| *t != page.submitted_total_fen).map(|t| {
        format!(
            "收费标准已调整：提交申请时的合计为 {} 元，现按当前标准收取 {} 元。",
            Fen(page.submitted_total_fen).yuan_text(),
            Fen(t).yuan_text()
        )
    });
    let chosen = page.method;
    let tabs = PaymentMethod::ALL
        .into_iter()
        .map(|m| {
            let current = chosen == Some(m);
            view! {
                <li class="app-pay__method" class:app-pay__method--current=current>
                    <a href=format!("{here}?method={}", m.code()) aria-current=current.then_some("true")
                        data-testid=format!("method-{}", m.code())>
                        {m.label()}
                    </a>
                </li>
            }
        })
        .collect_view();
    let detail = match chosen {
        Some(m) if m.is_online() => match (page.trade.clone(), page.trade_error.clone()) {
            (Some(code), _) => view! {
                <OnlineCode code project=page.project_id.clone() number=page.number.clone() here=here.clone() resource />
            }
            .into_any(),
            (None, error) => view! {
                <p class="app-notice app-notice--error" role="alert">
                    {error.unwrap_or_else(|| "二维码没有生成，请稍后刷新重试。".into())}
                </p>
            }
            .into_any(),
        },
        Some(_) => view! { <Transfer page=page.clone() resource /> }.into_any(),
        None => view! { <p class="app-hint">"请选择一种支付方式。"</p> }.into_any(),
    };
    view! {
        <section class="app-section" aria-labelledby="amount-title">
            <h2 class="app-heading-m" id="amount-title">"应付金额"</h2>
            {changed.map(|text| view! { <p class="app-notice" role="note">{text}</p> })}
            <QuoteTable quote=page.quote.clone() />
        </section>
        <section class="app-section" aria-labelledby="method-title">
            <h2 class="app-heading-m" id="method-title">"支付方式"</h2>
            <ul class="app-pay__methods" aria-labelledby="method-title">{tabs}</ul>
            {detail}
            {chosen
                .filter(|_| page.business.delivers_pin())
                .map(|m| view! { <p class="app-hint app-pay__pin">{pin::delivery(m, &page.kinds)}</p> })}
        </section>
    }
}

fn mm_ss(secs: u32) -> String {
    format!("{}:{:02}", secs / 60, secs % 60)
}

/// The QR code with its countdown; follows the order until it is paid.
#[component]
fn OnlineCode(
    code: TradeCode,
    project: String,
    number: String,
    here: String,
    resource: PageResource,
) -> impl IntoView {
    let method = code.trade.method;
    let current = RwSignal::new(code);
    let left = RwSignal::new(current.with_untracked(|c| c.trade.expires_in_secs));
    let notice = RwSignal::new(None::<String>);
    let refresh = Action::new({
        let (project, number) = (project.clone(), number.clone());
        move |_: &()| new_payment_code(project.clone(), number.clone(), method.code().into(), true)
    });
    Effect::new(move |_| match refresh.value().get() {
        Some(Ok(Ok(code))) => {
            left.set(code.trade.expires_in_secs);
            current.set(code);
            notice.set(None);
        }
        // The order may have been paid meanwhile: the page's reload tells.
        Some(Ok(Err(message))) => {
            notice.set(Some(message));
            resource.refetch();
        }
        Some(Err(_)) => notice.set(Some("二维码没有更新，请检查网络后刷新本页。".into())),
        None => {}
    });

    #[cfg(feature = "hydrate")]
    {
        let (project, number) = (project.clone(), number.clone());
        let ticks = RwSignal::new(0u32);
        let handle = set_interval_with_handle(
            move || {
                let secs = left.get_untracked().saturating_sub(1);
                left.set(secs);
                if secs == REFRESH_BEFORE_SECS && !refresh.pending().get_untracked() {
                    refresh.dispatch(());
                }
                let tick = ticks.get_untracked() + 1;
                ticks.set(tick);
                if tick.is_multiple_of(POLL_SECS) {
                    let (project, number) = (project.clone(), number.clone());
                    leptos::task::spawn_local(async move {
                        if let Ok(status) =
                            crate::api::payment::payment_status(project, number).await
                            && status != Status::AwaitingPayment
                        {
                            resource.refetch();
                        }
                    });
                }
            },
            std::time::Duration::from_secs(1),
        );
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (project, number, POLL_SECS);

    let app = match method {
        PaymentMethod::Alipay => "支付宝",
        _ => "微信",
    };
    view! {
        <div class="app-handoff app-pay__online">
            <figure class="app-handoff__qr">
                <div class="app-handoff__code" data-testid="pay-qr"
                    inner_html=move || current.with(|c| c.qr_svg.clone())></div>
                <figcaption class="app-hint" aria-live="off">
                    {move || if left.get() > REFRESH_BEFORE_SECS {
                        format!("二维码 {} 后自动更新", mm_ss(left.get() - REFRESH_BEFORE_SECS))
                    } else {
                        "正在更新二维码…".to_owned()
                    }}
                </figcaption>
            </figure>
            <div class="app-handoff__other">
                <p class="app-lead">
                    {format!("请用手机{app}“扫一扫”扫描二维码，支付 ")}
                    <strong data-testid="pay-amount">{move || current.with(|c| Fen(c.trade.amount_fen).yuan_text())} " 元"</strong>
                    "。支付完成后本页会自动更新。"
                </p>
                {move || current.with(|c| c.trade.code_url.starts_with("http").then(|| view! {
                    <p><a href=c.trade.code_url.clone() target="_blank" rel="noopener" data-testid="pay-link">"扫不了码？在新窗口打开支付页面"</a></p>
                }))}
                {move || notice.get().map(|text| view! { <p class="app-notice app-notice--error" role="alert">{text}</p> })}
                <p><a class="app-button app-button--secondary" href=format!("{here}?method={}", method.code()) rel="external">"刷新支付状态"</a></p>
            </div>
        </div>
    }
}

/// 对公转账: the account, the amount, the memo, and the voucher upload.
#[component]
fn Transfer(page: PayPage, resource: PageResource) -> impl IntoView {
    let file = RwSignal::new(page.voucher.clone());
    // Stored: the order has moved to 待确认到账; show that.
    Effect::new(move |previous: Option<bool>| {
        let there = file.with(Option::is_some);
        if previous == Some(false) && there {
            resource.refetch();
        }
        there
    });
    let amount = page
        .quote
        .as_ref()
        .map(|q| q.total.yuan_text())
        .unwrap_or_else(|_| Fen(page.submitted_total_fen).yuan_text());
    let base = Mount::Site.materials_page(&page.project_id, &page.number);
    view! {
        <p class="app-lead">"请从单位对公账户向以下账户转账，到账后受理机构会确认并开始审核。"</p>
        <dl class="app-summary-list" data-testid="bank-account">
            <div class="app-summary-list__row"><dt class="app-summary-list__key">"户名"</dt><dd class="app-summary-list__value">{page.bank.account_name.clone()}</dd></div>
            <div class="app-summary-list__row"><dt class="app-summary-list__key">"开户行"</dt><dd class="app-summary-list__value">{page.bank.bank.clone()}</dd></div>
            <div class="app-summary-list__row"><dt class="app-summary-list__key">"账号"</dt><dd class="app-summary-list__value">{page.bank.number.clone()}</dd></div>
            <div class="app-summary-list__row"><dt class="app-summary-list__key">"转账金额"</dt><dd class="app-summary-list__value"><strong>{amount} " 元"</strong></dd></div>
            <div class="app-summary-list__row"><dt class="app-summary-list__key">"附言（用途）"</dt><dd class="app-summary-list__value"><strong>{page.number.clone()}</strong></dd></div>
        </dl>
        <p class="app-notice" role="note">{format!("请务必在转账附言中填写申请编号 {}，并按上面的金额一次转足，以便核对到账。", page.number)}</p>
        {page.flash.clone().filter(|f| !f.ok).map(|f| view! {
            <p class="app-notice app-notice--error" role="alert">{f.message}</p>
        })}
        <SlotCard base spec=page.voucher_slot.clone() file editable=true flag=None keep=true />
    }
}

/// 待确认到账: the voucher is in; the CA checks the account.
#[component]
fn TransferPending(page: PayPage) -> impl IntoView {
    let file = RwSignal::new(page.voucher.clone());
    let base = Mount::Site.materials_page(&page.project_id, &page.number);
    view! {
        <div class="app-panel" data-testid="pay-transfer-pending">
            <h2 class="app-panel__title">"等待受理机构确认到账"</h2>
            <p class="app-panel__body">"转账凭证已上传。受理机构核对到账后会开始审核，结果将以短信通知。"</p>
        </div>
        {page.business.delivers_pin().then(|| view! {
            <p>{pin::delivery(PaymentMethod::BankTransfer, &page.kinds)}</p>
        })}
        <p class="app-hint">"凭证上传错了？在确认到账之前可以更换："</p>
        <SlotCard base spec=page.voucher_slot.clone() file editable=true flag=None keep=true />
        <p><a href=order_path(use_mount(), &page.project_id, &page.number)>"查看申请进度"</a></p>
    }
}

/// Paid (or past payment).
#[component]
fn Paid(page: PayPage) -> impl IntoView {
    let heading = NodeRef::<leptos::html::H2>::new();
    // Moving on is announced: focus goes to the new state.
    Effect::new(move |_| {
        if let Some(h) = heading.get() {
            let _ = h.focus();
        }
    });
    let method = page.method.filter(|m| m.is_online());
    view! {
        <div class="app-panel" data-testid="pay-done">
            <h2 class="app-panel__title" tabindex="-1" node_ref=heading>"支付成功"</h2>
            <p class="app-panel__body">
                {match method {
                    Some(m) => format!("已通过{}收到您的付款。", m.label()),
                    None => "受理机构已确认转账到账。".to_owned(),
                }}
            </p>
        </div>
        <p>{format!("当前状态：{}。审核结果将以短信通知{}。", page.status.label(), page.identity_role)}</p>
        {page
            .method
            .filter(|_| page.business.delivers_pin())
            .map(|m| view! { <p>{pin::delivery(m, &page.kinds)}</p> })}
        <p><a class="app-button" href=order_path(use_mount(), &page.project_id, &page.number)>"查看申请进度"</a></p>
    }
}

/// A renewal that needs the checks, before the money: under review, or sent back.
#[component]
fn ReviewFirst(page: PayPage) -> impl IntoView {
    let (title, body) = if page.status == Status::Rejected {
        (
            "审核未通过",
            "请在申请进度页查看原因，修改后重新提交；审核通过后再支付。".to_owned(),
        )
    } else {
        (
            "资料已提交审核",
            format!(
                "审核通过后即可在此支付续期费用，结果将以短信通知{}。",
                page.identity_role
            ),
        )
    };
    view! {
        <div class="app-panel" data-testid="review-first">
            <h2 class="app-panel__title">{title}</h2>
            <p class="app-panel__body">{body}</p>
        </div>
        <p><a class="app-button" href=order_path(use_mount(), &page.project_id, &page.number)>"查看申请进度"</a></p>
    }
}
