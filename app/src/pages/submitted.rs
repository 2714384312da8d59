//! `/p/:project/submitted/:number`: the application was received.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::apply::submitted_page;
use crate::components::not_found::NotFound;
use crate::domain::money::Fen;
use crate::paths::use_mount;

#[component]
pub fn SubmittedRoute() -> impl IntoView {
    let params = use_params_map();
    let key = move || {
        let p = params.read();
        (
            p.get("project").unwrap_or_default(),
            p.get("number").unwrap_or_default(),
        )
    };
    let page = Resource::new(key, |(project, number)| submitted_page(project, number));
    view! {
        <Title text="申请已提交" />
        <Suspense fallback=|| view! { <p>"正在加载…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(Some(s)) => {
                        let materials = use_mount().materials_page(&s.project_id, &s.number);
                        view! {
                        <div class="app-width app-page app-narrow">
                            <div class="app-panel" role="status">
                                <h1 class="app-panel__title">"申请已提交"</h1>
                                <p class="app-panel__body">"申请编号" <br /><strong data-testid="application-number">{s.number.clone()}</strong></p>
                            </div>
                            <dl class="app-summary-list">
                                <div class="app-summary-list__row">
                                    <dt class="app-summary-list__key">"当前状态"</dt>
                                    <dd class="app-summary-list__value">{s.status}</dd>
                                </div>
                                <div class="app-summary-list__row">
                                    <dt class="app-summary-list__key">"提交时间"</dt>
                                    <dd class="app-summary-list__value">{s.submitted_at}</dd>
                                </div>
                                <div class="app-summary-list__row">
                                    <dt class="app-summary-list__key">"应付金额"</dt>
                                    <dd class="app-summary-list__value">{Fen(s.total_fen).yuan_text()} " 元"</dd>
                                </div>
                            </dl>
                            <h2 class="app-heading-m">"接下来"</h2>
                            <p>"请打印系统按申请生成的文件，签字（单位还须盖章）后上传扫描件，再用手机完成实名认证，然后缴费。我们会以短信通知每一步的进展。"</p>
                            <div class="app-button-row">
                                <a class="app-button" href=materials>"打印并上传资料"</a>
                                <a class="app-button app-button--secondary" href=crate::pages::orders::order_path(use_mount(), &s.project_id, &s.number)>"查看申请详情"</a>
                            </div>
                        </div>
                    }.into_any()
                    }
                    Ok(None) => view! { <NotFound /> }.into_any(),
                    Err(_) => view! { <div class="app-width app-page"><p class="app-error-text">"页面暂时无法加载，请稍后刷新重试。"</p></div> }.into_any(),
                }
            })}
        </Suspense>
    }
}
