//! The page for addresses that lead nowhere.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="页面不存在" />
        <div class="app-width app-page">
            <h1 class="app-heading-xl">"页面不存在"</h1>
            <p>"您访问的地址有误，或页面已被移除。"</p>
            <p><a href="/">"返回首页，选择办理的交易平台"</a></p>
        </div>
    }
}
