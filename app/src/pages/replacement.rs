//! `/p/:project/certificates/:id/replace`: 介质补办. The certificate, what a replacement
//! involves and costs, then one button that makes the order and goes on to its materials page,
//! where the way of a new application starts. A plain form without JavaScript.

use leptos::prelude::*;

use crate::api::replacement::{ReplacementPageData, StartReplacement, load_replacement_page};
use crate::components::certificate_page::{CertificateNotFound, CertificatePage, certificate_key};
use crate::components::quote_table::QuoteTable;
use crate::domain::certificate::date_label;
use crate::pages::certificate_action::CertificateSummary;
use crate::services::replacements::ReplacementPage;

#[component]
pub fn ReplacementRoute() -> impl IntoView {
    let key = certificate_key();
    let data = Resource::new(
        move || key.get(),
        |(project, id)| load_replacement_page(project, id),
    );
    view! {
        <CertificatePage title="介质补办" key>
            <Suspense fallback=|| view! { <p>"正在加载…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(data) => view! { <ReplacementView project=key.get_untracked().0 data /> }.into_any(),
                        Err(_) => view! { <CertificateNotFound /> }.into_any(),
                    }
                })}
            </Suspense>
        </CertificatePage>
    }
}

#[component]
fn ReplacementView(project: String, data: ReplacementPageData) -> impl IntoView {
    let ReplacementPageData { page, refused } = data;
    let start = ServerAction::<StartReplacement>::new();
    let error = move || match start.value().get() {
        Some(reply) => reply.ok().flatten(),
        None => refused.clone(),
    };
    let ReplacementPage {
        project_name,
        certificate,
        state,
        refusal,
        quote,
    } = page;
    let id = certificate.id.to_string();
    let until = date_label(certificate.validity.to);
    let state = Signal::stored(state.label().to_owned());
    view! {
        <p class="app-lead">"U 盾丢失或损坏时办理：证书机构为您制作新的 U 盾，证书有效期不变。"</p>
        <CertificateSummary certificate project_name state />
        {match (refusal, quote) {
            (None, Some(quote)) => view! {
                <h2 class="app-heading-m">"办理流程"</h2>
                <ol class="app-list app-list--number">
                    <li>"打印本站生成的申请材料，盖章后扫描上传，资料要求与新办证书相同。"</li>
                    <li>"经办人用手机完成身份认证（拍摄身份证并进行活体检测）。"</li>
                    <li>"在线支付介质费，等待证书机构审核。"</li>
                    <li>{format!("审核通过后制作新的 U 盾并快递寄出，新证书有效期仍至 {until}。")}</li>
                </ol>
                <div class="app-warning-text" role="note">
                    <p><strong>"新证书签发后，原证书自动吊销"</strong>"，原 U 盾即使找回也不能再使用。补办期间原证书仍然有效，如 U 盾可能落入他人之手，请改为办理注销。"</p>
                </div>
                <section class="app-section" aria-label="应付金额">
                    <QuoteTable quote=Ok(quote.clone()) />
                </section>
                <ActionForm action=start attr:class="app-form" attr:novalidate="">
                    <input type="hidden" name="project" value=project.clone() />
                    <input type="hidden" name="id" value=id.clone() />
                    {move || error().map(|message| view! {
                        <div class="app-error-summary" role="alert" tabindex="-1">
                            <h2 class="app-error-summary__title">"补办没有办理"</h2>
                            <p>{message}</p>
                        </div>
                    })}
                    <button class="app-button" type="submit" disabled=move || start.pending().get()>
                        "提交补办申请，去上传资料"
                    </button>
                </ActionForm>
            }.into_any(),
            (reason, _) => view! {
                <p class="app-notice app-notice--error" role="alert">{reason.unwrap_or_default()}</p>
            }.into_any(),
        }}
    }
}
