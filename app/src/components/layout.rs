//! The site's header and footer, around every page but the embedded flow's: inside a
//! trading platform's iframe the portal's own frame is the page's frame.

use leptos::prelude::*;

use crate::paths::{Mount, use_mount};

#[component]
pub fn SiteHeader() -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    (use_mount() == Mount::Site).then(move || {
        view! {
            <a class="app-skip-link" href="#main">"跳到主要内容"</a>
            <header class="app-header">
                <div class="app-width app-header__inner">
                    <a class="app-header__brand" href="/">
                        <span class="app-header__mark" aria-hidden="true">"CA"</span>
                        <span>"数字证书网上办理"</span>
                    </a>
                    {move || site_project(&location.pathname.get()).map(|project| view! {
                        <a class="app-header__link" href=format!("/p/{project}/lookup")>"证书查询"</a>
                        <a class="app-header__link" href=format!("/p/{project}/me")>"我的申请"</a>
                    })}
                </div>
            </header>
        }
    })
}

/// Says on every page of a sandbox (`SANDBOX=on`) that nothing here is real, so nobody
/// mistakes a demonstration for the CA's service or types in their own data.
#[component]
pub fn SandboxBanner() -> impl IntoView {
    view! {
        <div class="app-sandbox-banner" role="note">
            <div class="app-width">
                <strong class="app-sandbox-banner__tag">"演示环境"</strong>
                " 本站只用于演示和测试：短信不会发出，付款不会扣钱，身份核验不作数，办出的证书也不能使用。请不要填写真实的个人和企业信息。 "
                <a href="/dev/outbox" target="_blank">"查看本地发件箱"</a>
            </div>
        </div>
    }
}

/// The page's main area. Embedded, it is only as tall as its content, so the portal can size
/// the frame to it.
#[component]
pub fn SiteMain(children: Children) -> impl IntoView {
    let class = match use_mount() {
        Mount::Site => "app-main",
        Mount::Embed => "app-main app-main--embed",
    };
    view! { <main id="main" class=class>{children()}</main> }
}

#[component]
pub fn SiteFooter() -> impl IntoView {
    (use_mount() == Mount::Site).then(|| view! {
        <footer class="app-footer">
            <div class="app-width">
                <p>"本站为电子认证服务机构受理数字证书申请的网上办事大厅。证书用于在公共资源交易、政府采购等平台进行电子签名与身份认证。"</p>
            </div>
        </footer>
    })
}

/// The project of a `/p/<project>/…` page, for the header's link to the personal centre.
fn site_project(path: &str) -> Option<String> {
    let id = path.strip_prefix("/p/")?.split('/').next()?;
    (!id.is_empty()).then(|| id.to_owned())
}
