//! 个人中心: `/p/:project/me` lists the applicant's applications, each with its status and
//! the one thing to do next; `/p/:project/applications/:number` is one application's page
//! with that action in full (pay, enter the financial-check code, fix what review flagged,
//! follow the shipment) and the timeline of how it got where it is.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use leptos_router::{LazyRoute, lazy_route};

use crate::api::orders::{
    ActionReply, EnterBankCode, FixPage, OrderAction, OrderPage, ResendBankTransfer, SubmitFix,
    load_fix_page, load_my_orders, load_order_page,
};
use crate::components::application_page;
use crate::components::form::{ErrorMessage, ErrorSummary, TextInput};
use crate::domain::bank_check::CODE_LEN;
use crate::domain::business::Business;
use crate::domain::money::Fen;
use crate::domain::order::{Actor, NextAction, Status};
use crate::paths::{Mount, use_mount};
use crate::services::bank_check::{BankCheckView, CheckState};

pub fn order_path(mount: Mount, project: &str, number: &str) -> String {
    format!("{}/applications/{number}", mount.project(project))
}

pub fn my_orders_path(mount: Mount, project: &str) -> String {
    format!("{}/me", mount.project(project))
}

/// The tag's colour follows what the applicant has to do; its words, the business (制证中 for a
/// new certificate, 办理中 for the others).
fn status_tag(business: Business, status: Status) -> impl IntoView {
    let tone = match NextAction::for_status(status) {
        NextAction::FixRejected => "app-tag app-tag--error",
        NextAction::Pay | NextAction::EnterBankCode | NextAction::UploadMaterials => {
            "app-tag app-tag--action"
        }
        NextAction::None => "app-tag app-tag--grey",
        NextAction::Wait | NextAction::FollowShipment => "app-tag",
    };
    view! { <strong class=tone>{business.status_label(status)}</strong> }
}

fn next_label(next: NextAction) -> &'static str {
    match next {
        NextAction::UploadMaterials => "上传资料",
        NextAction::Pay => "去支付",
        NextAction::FixRejected => "修改后重新提交",
        NextAction::EnterBankCode => "输入金融认证码",
        NextAction::FollowShipment => "查看物流",
        NextAction::Wait | NextAction::None => "查看",
    }
}

#[component]
pub fn MyOrdersRoute() -> impl IntoView {
    let params = use_params_map();
    let page = Resource::new(
        move || params.read().get("project").unwrap_or_default(),
        load_my_orders,
    );
    let mount = use_mount();
    view! {
        <Title text="我的申请" />
        <div class="app-width app-page">
            <h1 class="app-heading-xl">"我的申请"</h1>
            <Suspense fallback=|| view! { <p>"正在加载…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(mine) if mine.orders.is_empty() => view! {
                            <p>"您还没有提交过申请。"</p>
                            <a class="app-button" href=format!("{}/apply/choose", mount.project(&mine.project_id))>"开始申请"</a>
                        }.into_any(),
                        Ok(mine) => view! {
                            <div class="app-table-wrap">
                                <table class="app-table app-orders">
                                    <caption class="app-visually-hidden">"我提交的数字证书申请"</caption>
                                    <thead>
                                        <tr>
                                            <th scope="col">"申请编号"</th>
                                            <th scope="col">"业务"</th>
                                            <th scope="col">"交易平台"</th>
                                            <th scope="col">"提交时间"</th>
                                            <th scope="col">"金额（元）"</th>
                                            <th scope="col">"状态"</th>
                                            <th scope="col">"下一步"</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {mine.orders.into_iter().map(|o| {
                                            let href = order_path(mount, &o.project_id, &o.number);
                                            view! {
                                                <tr>
                                                    <td><a href=href.clone()>{o.number.clone()}</a></td>
                                                    <td>{o.business.label()}</td>
                                                    <td>{o.project_name}</td>
                                                    <td>{o.submitted_at}</td>
                                                    <td class="app-table__num">{Fen(o.total_fen).yuan_text()}</td>
                                                    <td>{status_tag(o.business, o.status)}</td>
                                                    <td>
                                                        <a href=href>
                                                            {next_label(o.next)}
                                                            <span class="app-visually-hidden">{format!("（{}）", o.number)}</span>
                                                        </a>
                                                    </td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any(),
                        Err(_) => view! { <p class="app-error-text">"页面暂时无法加载，请稍后刷新重试。"</p> }.into_any(),
                    }
                })}
            </Suspense>
            <crate::pages::certificates::MyCertificates project=Signal::derive(move || {
                params.read().get("project").unwrap_or_default()
            }) />
            <crate::pages::privacy::PrivacySection />
        </div>
    }
}

/// Its own wasm chunk.
#[derive(Clone)]
pub struct OrderRoute {
    page: Resource<Result<Option<OrderPage>, ServerFnError>>,
}

#[lazy_route]
impl LazyRoute for OrderRoute {
    fn data() -> Self {
        Self {
            page: application_page::load(load_order_page),
        }
    }

    fn view(this: Self) -> AnyView {
        application_page::show("申请详情", this.page, |page| {
            view! { <OrderView page /> }.into_any()
        })
    }
}

/// The result of the last action, shown above the page and announced.
fn reply_notice(reply: Option<ActionReply>) -> impl IntoView {
    reply.filter(|r| r.field.is_none()).map(|r| {
        let class = if r.ok {
            "app-notice app-notice--success"
        } else {
            "app-notice app-notice--error"
        };
        view! { <div class=class role="status">{r.message}</div> }
    })
}

#[component]
fn OrderView(page: OrderPage) -> impl IntoView {
    let mount = use_mount();
    let action = ServerAction::<OrderAction>::new();
    // Any successful action changes the order: reload the page's data through the router.
    Effect::new(move |_| {
        if let Some(Ok(reply)) = action.value().get()
            && reply.ok
        {
            reload();
        }
    });
    let base = order_path(mount, &page.project_id, &page.number());
    let order = page.order.clone();
    let next = order.next_action();

    view! {
        <div class="app-width app-page">
            <p class="app-caption">{page.project_name.clone()}</p>
            <h1 class="app-heading-xl">{format!("{}申请 ", order.business.label())} {order.number.clone()}</h1>
            <p class="app-order-status">"当前状态：" {status_tag(order.business, order.status)}</p>
            {move || reply_notice(action.value().get().and_then(Result::ok))}

            <section class="app-section app-next" aria-labelledby="next-title">
                <h2 class="app-heading-l" id="next-title">"下一步"</h2>
                {match next {
                    NextAction::UploadMaterials => view! {
                        <p>"请打印并上传盖章后的资料，再用手机完成实名认证，然后支付。"</p>
                        <div class="app-button-row">
                            <a class="app-button" href=format!("{base}/materials")>"上传资料"</a>
                            <a class="app-button app-button--secondary" href=format!("{base}/identity")>"手机实名认证"</a>
                            <a class="app-button app-button--secondary" href=format!("{base}/pay")>"去支付"</a>
                        </div>
                    }.into_any(),
                    NextAction::Pay => view! {
                        <p>"资料已齐全，请支付 " <strong>{Fen(order.total_fen).yuan_text()} " 元"</strong> "。支付后进入审核。"</p>
                        <a class="app-button" href=format!("{base}/pay")>"去支付"</a>
                    }.into_any(),
                    NextAction::FixRejected => view! { <FixPanel page=page.clone() action /> }.into_any(),
                    NextAction::EnterBankCode => match page.bank_check.clone() {
                        Some(check) => view! { <BankCheckPanel project=page.project_id.clone() number=order.number.clone() check /> }.into_any(),
                        None => view! { <p>"正在向您的账户转账，请稍后刷新本页。"</p> }.into_any(),
                    },
                    NextAction::FollowShipment => view! { <ShipmentPanel page=page.clone() action /> }.into_any(),
                    NextAction::Wait => view! { <p>{waiting_text(order.business, order.status)}</p> }.into_any(),
                    NextAction::None => view! { <p>{if order.status == Status::Cancelled { "这份申请已取消。" } else { "证书已送达，申请已完成。" }}</p> }.into_any(),
                }}
            </section>

            {page.pin_delivery.clone().map(|text| view! {
                <div class="app-inset"><strong>"证书 PIN 码："</strong>{text}</div>
            })}

            <dl class="app-summary-list">
                <div class="app-summary-list__row">
                    <dt class="app-summary-list__key">"申请单位（人）"</dt>
                    <dd class="app-summary-list__value">{page.applicant_name.clone()}</dd>
                </div>
                <div class="app-summary-list__row">
                    <dt class="app-summary-list__key">"金额"</dt>
                    <dd class="app-summary-list__value">{Fen(order.total_fen).yuan_text()} " 元"
                        {order.payment_method.map(|m| format!("（{}）", m.label()))}</dd>
                </div>
                <div class="app-summary-list__row">
                    <dt class="app-summary-list__key">"提交时间"</dt>
                    <dd class="app-summary-list__value">{order.submitted_at.clone()}</dd>
                </div>
            </dl>

            <section class="app-section" aria-labelledby="timeline-title">
                <h2 class="app-heading-l" id="timeline-title">"办理进度"</h2>
                <ol class="app-timeline">
                    <li class="app-timeline__item">
                        <span class="app-timeline__time">{order.submitted_at.clone()}</span>
                        <span class="app-timeline__what">"提交申请"</span>
                    </li>
                    {order.timeline.iter().map(|e| {
                        let who = match (e.actor, &e.actor_name) {
                            (Actor::Reviewer, _) => "受理机构",
                            (actor, _) => actor.label(),
                        };
                        view! {
                            <li class="app-timeline__item">
                                <span class="app-timeline__time">{e.at.clone()}</span>
                                <span class="app-timeline__what">{e.event.label()}
                                    <span class="app-timeline__who">{format!("（{who}）")}</span></span>
                                {e.note.clone().map(|n| view! { <span class="app-timeline__note">{n}</span> })}
                            </li>
                        }
                    }).collect_view()}
                </ol>
            </section>

            {page.can_cancel().then({
                let project = page.project_id.clone();
                let number = order.number.clone();
                move || view! {
                <details class="app-details">
                    <summary class="app-details__summary">"取消这份申请"</summary>
                    <div class="app-details__text">
                        <p>"取消后这份申请不能恢复，需要时请重新申请。"</p>
                        <ActionForm action>
                            <input type="hidden" name="project" value=project.clone() />
                            <input type="hidden" name="number" value=number.clone() />
                            <button class="app-button app-button--warning" name="action" value="cancel">"确认取消申请"</button>
                        </ActionForm>
                    </div>
                </details>
            }})}
            <p><a href=my_orders_path(mount, &page.project_id)>"返回我的申请"</a>
                " · 咨询电话 " {page.hotline.clone()}</p>
        </div>
    }
}

impl OrderPage {
    fn number(&self) -> String {
        self.order.number.clone()
    }
}

fn waiting_text(business: Business, status: Status) -> &'static str {
    if business != Business::New && status == Status::InProduction {
        return "证书机构系统正在办理，办结后会短信通知您。";
    }
    match status {
        Status::AwaitingTransfer => {
            "我们正在核对您的转账，款项到账确认后进入审核（通常一个工作日内）。"
        }
        Status::AwaitingReview => {
            "受理机构正在审核您的资料，通常一个工作日内完成，结果会以短信通知。"
        }
        Status::Approved | Status::Accepted | Status::BankCheckPassed => {
            "审核已通过，证书即将制作，制作完成后寄出。"
        }
        Status::InProduction => "证书正在制作，寄出后会短信通知运单号。",
        _ => "请等待受理机构处理。",
    }
}

/// Reloads the route's data after an action changed the order (hydrated only).
fn reload() {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().location().reload();
    }
}

/// 未通过: what review flagged, where to fix each, and 重新提交 once all are changed.
#[component]
fn FixPanel(page: OrderPage, action: ServerAction<OrderAction>) -> impl IntoView {
    let ready = page.can_resubmit();
    view! {
        <div class="app-notice app-notice--error" role="region" aria-label="审核意见">
            <p><strong>"审核未通过。"</strong>"请按下列意见修改，全部修改后重新提交。"</p>
            {page.rejection_note.clone().map(|n| view! { <p>"审核员说明：" {n}</p> })}
        </div>
        <ul class="app-flags">
            {page.flags.iter().map(|f| view! {
                <li class="app-flags__item" class:app-flags__item--fixed=f.fixed>
                    <span class="app-flags__what"><strong>{f.flag.label.clone()}</strong> "：" {f.flag.reason.clone()}</span>
                    {if f.fixed {
                        view! { <span class="app-tag">"已修改"</span> }.into_any()
                    } else if f.href.is_empty() {
                        view! { <span class="app-hint">"请致电 " {page.hotline.clone()} " 由受理机构协助修改"</span> }.into_any()
                    } else {
                        view! { <a class="app-button app-button--secondary" href=f.href.clone()>"去修改" <span class="app-visually-hidden">{f.flag.label.clone()}</span></a> }.into_any()
                    }}
                </li>
            }).collect_view()}
        </ul>
        <ActionForm action>
            <input type="hidden" name="project" value=page.project_id.clone() />
            <input type="hidden" name="number" value=page.number() />
            <button class="app-button" name="action" value="resubmit" disabled=!ready aria-describedby="resubmit-hint">"重新提交审核"</button>
            <p class="app-hint" id="resubmit-hint">{if ready { "所有意见都已修改，可以重新提交。" } else { "还有未修改的项目，修改后才能重新提交。" }}</p>
        </ActionForm>
    }
}

/// 已寄出: courier and tracking number, and 确认收货.
#[component]
fn ShipmentPanel(page: OrderPage, action: ServerAction<OrderAction>) -> impl IntoView {
    let shipment = page.order.shipment.clone();
    view! {
        {shipment.map(|s| view! {
            <dl class="app-summary-list" data-testid="shipment">
                <div class="app-summary-list__row">
                    <dt class="app-summary-list__key">"快递公司"</dt>
                    <dd class="app-summary-list__value">{s.courier}</dd>
                </div>
                <div class="app-summary-list__row">
                    <dt class="app-summary-list__key">"运单号"</dt>
                    <dd class="app-summary-list__value"><strong>{s.tracking_no}</strong></dd>
                </div>
                <div class="app-summary-list__row">
                    <dt class="app-summary-list__key">"寄出时间"</dt>
                    <dd class="app-summary-list__value">{s.shipped_at}</dd>
                </div>
            </dl>
        })}
        <p>"请凭运单号在快递公司查询物流。收到证书介质（CA锁）后请确认收货。"</p>
        <ActionForm action>
            <input type="hidden" name="project" value=page.project_id.clone() />
            <input type="hidden" name="number" value=page.number() />
            <button class="app-button" name="action" value="confirm_receipt">"确认收货"</button>
        </ActionForm>
    }
}

/// The message of a refused action when it names `field`.
fn field_error(
    value: impl Get<Value = Option<Result<ActionReply, ServerFnError>>> + Send + Sync + 'static,
    field: &'static str,
) -> Signal<Option<String>> {
    Signal::derive(move || {
        value
            .get()
            .and_then(Result::ok)
            .filter(|r| !r.ok && r.field.as_deref() == Some(field))
            .map(|r| r.message)
    })
}

/// 金融认证: the transfer that went out, the code field, and a new transfer (optionally to a
/// corrected account).
#[component]
fn BankCheckPanel(project: String, number: String, check: BankCheckView) -> impl IntoView {
    let enter = ServerAction::<EnterBankCode>::new();
    let resend = ServerAction::<ResendBankTransfer>::new();
    Effect::new(move |_| {
        if let Some(Ok(reply)) = enter.value().get()
            && reply.ok
        {
            reload();
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(reply)) = resend.value().get()
            && reply.ok
        {
            reload();
        }
    });
    let code_error = field_error(enter.value(), "code");
    let bank_error = field_error(resend.value(), "opening_bank");
    let account_error = field_error(resend.value(), "account_number");
    let can_enter = check.state == CheckState::Waiting;
    let state_text = match check.state {
        CheckState::Waiting => format!(
            "请在 {} 前输入，还可以输入 {} 次。",
            check.expires_at, check.attempts_left
        ),
        CheckState::Locked => "验证码输错次数已用完，请申请重新打款。".to_owned(),
        CheckState::Expired => "验证码已过期，请申请重新打款。".to_owned(),
        CheckState::Passed => "金融认证已通过。".to_owned(),
    };
    view! {
        <p>
            "审核已通过。我们已于 " {check.sent_at.clone()} " 向 "
            <strong>{check.account_name.clone()}</strong> " 在 " {check.opening_bank.clone()} " 的账户 "
            <strong>{check.account_masked.clone()}</strong>
            " 转账 0.01 元，转账附言中有 6 位验证码。请向财务人员索取后在下面输入。"
        </p>
        <p class="app-hint" id="code-state">{state_text}</p>
        {move || reply_notice(resend.value().get().and_then(Result::ok))}
        {can_enter.then({
            let (project, number) = (project.clone(), number.clone());
            move || view! {
            <ActionForm action=enter attr:class="app-form" attr:novalidate="">
                <input type="hidden" name="project" value=project />
                <input type="hidden" name="number" value=number />
                <div class="app-form-group" class:app-form-group--error=move || code_error.get().is_some()>
                    <label class="app-label" for="code">"金融认证验证码"</label>
                    <p class="app-hint" id="code-hint">"6 位数字，见转账附言"</p>
                    <ErrorMessage id="code" message=code_error />
                    <input class="app-input app-input--w6" class:app-input--error=move || code_error.get().is_some()
                        id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code"
                        maxlength=CODE_LEN as u32 * 2
                        aria-invalid=move || code_error.get().is_some().then_some("true")
                        aria-describedby=move || if code_error.get().is_some() { "code-hint code-error code-state" } else { "code-hint code-state" } />
                </div>
                <button class="app-button" disabled=move || enter.pending().get()>"提交验证码"</button>
            </ActionForm>
        }})}
        {(check.transfers_left > 0).then(|| view! {
            <details class="app-details" open=!can_enter>
                <summary class="app-details__summary">"没有收到转账，或账户填错了？"</summary>
                <div class="app-details__text">
                    <p>"可以重新打款（之前的验证码随即失效），账户填错时请先更正开户行和账号。还可以重新打款 " {check.transfers_left} " 次。"</p>
                    <ActionForm action=resend attr:class="app-form" attr:novalidate="">
                        <input type="hidden" name="project" value=project.clone() />
                        <input type="hidden" name="number" value=number.clone() />
                        <div class="app-form-group" class:app-form-group--error=move || bank_error.get().is_some()>
                            <label class="app-label" for="opening_bank">"开户行（不更正请留空）"</label>
                            <ErrorMessage id="opening_bank" message=bank_error />
                            <input class="app-input app-input--w30" id="opening_bank" name="opening_bank" type="text" maxlength=60
                                aria-invalid=move || bank_error.get().is_some().then_some("true")
                                aria-describedby=move || bank_error.get().is_some().then_some("opening_bank-error") />
                        </div>
                        <div class="app-form-group" class:app-form-group--error=move || account_error.get().is_some()>
                            <label class="app-label" for="account_number">"银行账号（不更正请留空）"</label>
                            <ErrorMessage id="account_number" message=account_error />
                            <input class="app-input app-input--w20" id="account_number" name="account_number" type="text" inputmode="numeric" maxlength=40
                                aria-invalid=move || account_error.get().is_some().then_some("true")
                                aria-describedby=move || account_error.get().is_some().then_some("account_number-error") />
                        </div>
                        <button class="app-button app-button--secondary" disabled=move || resend.pending().get()>"重新打款"</button>
                    </ActionForm>
                </div>
            </details>
        })}
    }
}

/// `/p/:project/applications/:number/fix/:section`: change the fields of one section review
/// sent back. Each field is checked by the form's own rules; on success the page returns to
/// the application.
#[component]
pub fn FixRoute() -> impl IntoView {
    let params = use_params_map();
    let key = move || {
        let p = params.read();
        (
            p.get("project").unwrap_or_default(),
            p.get("number").unwrap_or_default(),
            p.get("section").unwrap_or_default(),
        )
    };
    let page = Resource::new(key, |(project, number, section)| {
        load_fix_page(project, number, section)
    });
    view! {
        <Title text="修改申请信息" />
        <Suspense fallback=|| view! { <div class="app-width app-page"><p>"正在加载…"</p></div> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(Some(page)) => view! { <FixView page /> }.into_any(),
                    Ok(None) => view! { <crate::components::not_found::NotFound /> }.into_any(),
                    Err(_) => view! { <div class="app-width app-page"><p class="app-error-text">"页面暂时无法加载，请稍后刷新重试。"</p></div> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn FixView(page: FixPage) -> impl IntoView {
    let mount = use_mount();
    let back = order_path(mount, &page.project_id, &page.number);
    let submit = ServerAction::<SubmitFix>::new();
    let reply = move || submit.value().get().and_then(Result::ok);
    let navigate = leptos_router::hooks::use_navigate();
    let identity = format!("{back}/identity");
    Effect::new({
        let back = back.clone();
        move |_| match reply() {
            Some(r) if r.done && r.back_to_identity => navigate(&identity, Default::default()),
            Some(r) if r.done => navigate(&back, Default::default()),
            _ => {}
        }
    });
    let summary = Signal::derive(move || reply().map(|r| r.errors).unwrap_or_default());
    view! {
        <div class="app-width app-page app-narrow">
            <p class="app-caption">{page.project_name.clone()} " · 申请编号 " {page.number.clone()}</p>
            <h1 class="app-heading-xl">"修改" {page.title.clone()}</h1>
            {if page.open {
                view! {
                    <div class="app-notice app-notice--error"><p>{page.reason.clone()}</p></div>
                    <p class="app-lead">"只需修改这一部分，其他信息保持不变。"</p>
                    <ErrorSummary errors=summary />
                    {move || reply().and_then(|r| r.message).map(|m| view! {
                        <div class="app-notice app-notice--error" role="alert"><p>{m}</p></div>
                    })}
                    <ActionForm action=submit attr:class="app-form" attr:novalidate="">
                        <input type="hidden" name="project" value=page.project_id.clone() />
                        <input type="hidden" name="number" value=page.number.clone() />
                        <input type="hidden" name="section" value=page.section.clone() />
                        {page.fields.clone().into_iter().map(|f| {
                            let id = f.id.clone();
                            let error = Signal::derive(move || {
                                reply().and_then(|r| r.errors.into_iter().find(|(field, _)| *field == id).map(|(_, m)| m))
                            });
                            let value = Signal::stored(f.value.clone());
                            let name = format!("values[{}]", f.id);
                            if f.hint.is_empty() {
                                view! {
                                    <TextInput id=f.id.clone() name label=f.label.clone() value error
                                        maxlength=120 width="app-input--w30" />
                                }.into_any()
                            } else {
                                view! {
                                    <TextInput id=f.id.clone() name label=f.label.clone() hint=f.hint.clone() value error
                                        maxlength=120 width="app-input--w30" />
                                }.into_any()
                            }
                        }).collect_view()}
                        <div class="app-button-row">
                            <button class="app-button" disabled=move || submit.pending().get()>"保存修改"</button>
                            <a class="app-button app-button--secondary" href=back.clone()>"返回"</a>
                        </div>
                    </ActionForm>
                }.into_any()
            } else {
                view! {
                    <p>"这部分信息目前不需要修改。"</p>
                    <a class="app-button" href=back.clone()>"返回申请详情"</a>
                }.into_any()
            }}
        </div>
    }
}
