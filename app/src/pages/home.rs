//! `/`: choose the trading platform whose certificate you need.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::list_projects;

#[component]
pub fn Home() -> impl IntoView {
    let projects = Resource::new(|| (), |_| list_projects());
    view! {
        <Title text="选择交易平台" />
        <div class="app-width app-page">
            <h1 class="app-heading-xl">"数字证书网上办理"</h1>
            <p class="app-lead">
                "在交易平台投标、报价前，需要先办理电子认证服务机构签发的数字证书（CA锁）。请选择您要使用证书的平台，查看办事指南和费用。"
            </p>
            <Suspense fallback=|| view! { <p>"正在加载平台列表…"</p> }>
                {move || Suspend::new(async move {
                    match projects.await {
                        Ok(list) => view! {
                            <ul class="app-project-list">
                                {list.into_iter().map(|p| {
                                    let offer: Vec<&str> = p.products.iter().map(|k| k.label()).collect();
                                    view! {
                                        <li class="app-project-list__item">
                                            <a class="app-project-list__link" href=format!("/p/{}", p.id)>
                                                {p.name}
                                            </a>
                                            <span class="app-project-list__ca">"受理机构：" {p.ca_name}</span>
                                            <span class="app-project-list__offer">
                                                "可办理：" {offer.join(" · ")}
                                            </span>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(_) => view! { <p class="app-error-text">"平台列表暂时无法加载，请稍后刷新重试。"</p> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}
