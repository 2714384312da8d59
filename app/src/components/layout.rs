//! The site's header and footer, around every page.

use leptos::prelude::*;

#[component]
pub fn SiteHeader() -> impl IntoView {
    view! {
        <a class="app-skip-link" href="#main">"跳到主要内容"</a>
        <header class="app-header">
            <div class="app-width app-header__inner">
                <a class="app-header__brand" href="/">
                    <span class="app-header__mark" aria-hidden="true">"CA"</span>
                    <span>"数字证书网上办理"</span>
                </a>
            </div>
        </header>
    }
}

#[component]
pub fn SiteFooter() -> impl IntoView {
    view! {
        <footer class="app-footer">
            <div class="app-width">
                <p>"本站为电子认证服务机构受理数字证书申请的网上办事大厅。证书用于在公共资源交易、政府采购等平台进行电子签名与身份认证。"</p>
            </div>
        </footer>
    }
}
