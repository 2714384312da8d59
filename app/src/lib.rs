//! The certificate application portal: routes, pages, components and server functions.
//!
//! Compiled twice: with `ssr` into the axum server, with `hydrate` into the browser's wasm.

// Leptos views are deeply nested types; the default limit is too low for a full page.
#![recursion_limit = "256"]

pub mod api;
#[cfg(feature = "hydrate")]
pub mod browser;
pub mod components;
pub mod domain;
pub mod pages;
pub mod paths;
pub mod services;
#[cfg(feature = "ssr")]
pub mod state;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{Route, Router, Routes},
    path,
};

/// The HTML document around the app; rendered only on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="zh-CN">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="format-detection" content="telephone=no" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    #[cfg(feature = "ssr")]
    state::set_page_security_headers();
    // Lets tests (and styles) tell a page the wasm has taken over.
    #[cfg(feature = "hydrate")]
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    // Read on the server and carried to the browser in the page, so hydration agrees.
    let sandbox = SharedValue::new(|| {
        #[cfg(feature = "ssr")]
        return use_context::<state::AppState>().is_some_and(|state| state.sandbox);
        #[cfg(not(feature = "ssr"))]
        false
    })
    .into_inner();

    view! {
        <Stylesheet id="leptos" href="/pkg/cert-portal.css" />
        <Title formatter=|page: String| {
            if page.is_empty() { "数字证书网上办理".to_owned() } else { format!("{page} - 数字证书网上办理") }
        } />
        <Router>
            {sandbox.then(|| view! { <components::layout::SandboxBanner /> })}
            <components::layout::SiteHeader />
            <components::layout::SiteMain>
                <Routes fallback=components::not_found::NotFound>
                    <Route path=path!("/") view=pages::home::Home />
                    // Async: an unknown project must answer 404, decided before headers go out.
                    <Route path=path!("/p/:project") view=pages::guide::Guide ssr=SsrMode::Async />
                    // Async as well: these pages may redirect (to login, to the agreements).
                    <Route path=path!("/p/:project/login") view=pages::login::LoginRoute ssr=SsrMode::Async />
                    <Route path=path!("/p/:project/lookup") view=pages::lookup::LookupRoute ssr=SsrMode::Async />
                    <Route path=path!("/p/:project/consent") view=pages::consent::ConsentRoute ssr=SsrMode::Async />
                    <Route path=path!("/p/:project/apply/:step") view={leptos_router::Lazy::<pages::apply::ApplyRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/p/:project/submitted/:number") view=pages::submitted::SubmittedRoute ssr=SsrMode::Async />
                    <Route path=path!("/p/:project/me") view=pages::orders::MyOrdersRoute ssr=SsrMode::Async />
                    <Route path=path!("/p/:project/renew") view=pages::renewal::RenewalRoute ssr=SsrMode::Async />
                    <Route path=path!("/p/:project/certificates/:id/:action") view=pages::certificate_action::CertificateActionRoute ssr=SsrMode::Async />
                    <Route path=path!("/p/:project/applications/:number") view={leptos_router::Lazy::<pages::orders::OrderRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/p/:project/applications/:number/fix/:section") view=pages::orders::FixRoute ssr=SsrMode::Async />
                    <Route path=path!("/p/:project/applications/:number/materials") view={leptos_router::Lazy::<pages::materials::MaterialsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/p/:project/applications/:number/identity") view={leptos_router::Lazy::<pages::identity::IdentityRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/p/:project/applications/:number/pay") view={leptos_router::Lazy::<pages::pay::PayRoute>::new()} ssr=SsrMode::Async />
                    // The same flow inside a trading platform's iframe (see `paths`).
                    <Route path=path!("/embed/:project") view=pages::guide::Guide ssr=SsrMode::Async />
                    <Route path=path!("/embed/:project/login") view=pages::login::LoginRoute ssr=SsrMode::Async />
                    <Route path=path!("/embed/:project/lookup") view=pages::lookup::LookupRoute ssr=SsrMode::Async />
                    <Route path=path!("/embed/:project/consent") view=pages::consent::ConsentRoute ssr=SsrMode::Async />
                    <Route path=path!("/embed/:project/apply/:step") view={leptos_router::Lazy::<pages::apply::ApplyRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/embed/:project/submitted/:number") view=pages::submitted::SubmittedRoute ssr=SsrMode::Async />
                    <Route path=path!("/embed/:project/me") view=pages::orders::MyOrdersRoute ssr=SsrMode::Async />
                    <Route path=path!("/embed/:project/renew") view=pages::renewal::RenewalRoute ssr=SsrMode::Async />
                    <Route path=path!("/embed/:project/certificates/:id/:action") view=pages::certificate_action::CertificateActionRoute ssr=SsrMode::Async />
                    <Route path=path!("/embed/:project/applications/:number") view={leptos_router::Lazy::<pages::orders::OrderRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/embed/:project/applications/:number/fix/:section") view=pages::orders::FixRoute ssr=SsrMode::Async />
                    <Route path=path!("/embed/:project/applications/:number/materials") view={leptos_router::Lazy::<pages::materials::MaterialsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/embed/:project/applications/:number/identity") view={leptos_router::Lazy::<pages::identity::IdentityRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/embed/:project/applications/:number/pay") view={leptos_router::Lazy::<pages::pay::PayRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/verify/:number") view=pages::verify::VerifyRoute ssr=SsrMode::Async />
                    <Route path=path!("/dev/outbox") view=pages::dev_outbox::DevOutbox ssr=SsrMode::Async />
                </Routes>
            </components::layout::SiteMain>
            <components::embed::EmbedBridge />
            <components::layout::SiteFooter />
        </Router>
    }
}

/// Browser entry point: attaches the app to the server-rendered HTML.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // The lazy variant: routes split into their own chunks hydrate once their code arrives.
    leptos::mount::hydrate_lazy(App);
}
