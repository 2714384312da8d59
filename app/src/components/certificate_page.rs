//! The frame of a page for one business on one certificate (`/certificates/:id/<business>`):
//! which certificate, the way back to the personal centre, the heading, and the message when
//! the certificate is not the applicant's or the page cannot load.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::paths::use_mount;

/// `(project, certificate id)` of the page; id 0 when the path has none.
pub fn certificate_key() -> Memo<(String, i64)> {
    let params = use_params_map();
    Memo::new(move |_| {
        let p = params.read();
        (
            p.get("project").unwrap_or_default(),
            p.get("id")
                .and_then(|id| id.parse::<i64>().ok())
                .unwrap_or(0),
        )
    })
}

#[component]
pub fn CertificatePage(
    title: &'static str,
    key: Memo<(String, i64)>,
    children: Children,
) -> impl IntoView {
    view! {
        <Title text=title />
        <div class="app-width app-page app-narrow">
            <p><a href=move || format!("{}/me", use_mount().project(&key.get().0))>"返回个人中心"</a></p>
            <h1 class="app-heading-xl">{title}</h1>
            {children()}
        </div>
    }
}

/// What a page says when its data did not load.
#[component]
pub fn CertificateNotFound() -> impl IntoView {
    view! {
        <p class="app-error-text">"没有找到这张证书，或页面暂时无法加载，请回到个人中心重试。"</p>
    }
}
