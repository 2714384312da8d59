//! `/p/:project/consent`: the three agreements, each ticked on its own.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::consent::{AcceptAgreements, ConsentPage, load_consent_page};
use crate::components::form::ErrorSummary;

#[component]
pub fn ConsentRoute() -> impl IntoView {
    let params = use_params_map();
    let project = move || params.read().get("project").unwrap_or_default();
    let page = Resource::new(project, load_consent_page);
    view! {
        <Title text="阅读并同意协议" />
        <div class="app-width app-page app-narrow">
            <Suspense fallback=|| view! { <p>"正在加载…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(page) => view! { <ConsentForm project=project() page /> }.into_any(),
                        Err(_) => view! { <p class="app-error-text">"页面暂时无法加载，请稍后刷新重试。"</p> }.into_any(),
                    }
                })}
            </Suspense>
            <crate::pages::privacy::PrivacySection after_withdrawal=true />
        </div>
    }
}

#[component]
fn ConsentForm(project: String, page: ConsentPage) -> impl IntoView {
    let accept = ServerAction::<AcceptAgreements>::new();
    let missing = RwSignal::new(page.missing.clone());
    Effect::new(move |_| {
        if let Some(Ok(ids)) = accept.value().get() {
            missing.set(ids);
        }
    });
    let agreements = StoredValue::new(page.agreements.clone());
    let summary = Signal::derive(move || {
        let missing = missing.get();
        agreements.with_value(|list| {
            list.iter()
                .filter(|a| missing.contains(&a.id))
                .map(|a| {
                    (
                        format!("accept-{}", a.id),
                        format!("请阅读并勾选同意《{}》", a.title),
                    )
                })
                .collect::<Vec<_>>()
        })
    });

    view! {
        <h1 class="app-heading-xl">"阅读并同意协议"</h1>
        <p class="app-lead">"办理数字证书前，请阅读以下文件。三份文件需分别勾选同意，其中敏感个人信息的处理需要您单独确认。"</p>
        <ErrorSummary errors=summary />
        <ActionForm action=accept attr:class="app-form" attr:novalidate="">
            <input type="hidden" name="project" value=project />
            {page.agreements.into_iter().map(|a| {
                let id = format!("accept-{}", a.id);
                let agreement_id = StoredValue::new(a.id.clone());
                let is_missing = move || missing.with(|m| agreement_id.with_value(|id| m.contains(id)));
                let paragraphs: Vec<String> = a.body.split("\n\n").map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()).collect();
                view! {
                    <div class="app-form-group app-agreement" class:app-form-group--error=is_missing>
                        <details class="app-details">
                            <summary class="app-details__summary">{format!("阅读《{}》全文", a.title)}</summary>
                            <div class="app-details__text" tabindex="0" aria-label=format!("《{}》全文", a.title)>
                                <h2 class="app-heading-m">{a.title.clone()}</h2>
                                {paragraphs.into_iter().map(|p| view! { <p>{p}</p> }).collect_view()}
                            </div>
                        </details>
                        {
                            let title = a.title.clone();
                            let id = id.clone();
                            move || is_missing().then(|| view! {
                                <p class="app-error-message" id=format!("{id}-error")>
                                    <span class="app-visually-hidden">"错误："</span>
                                    {format!("请阅读并勾选同意《{title}》")}
                                </p>
                            })
                        }
                        <div class="app-checkbox">
                            <input
                                class="app-checkbox__input"
                                type="checkbox"
                                id=id.clone()
                                name=format!("accept[{}]", a.id)
                                value="true"
                                aria-describedby=move || is_missing().then(|| format!("{}-error", id.clone()))
                            />
                            <label class="app-checkbox__label" for=format!("accept-{}", a.id)>
                                {format!("我已阅读并同意《{}》", a.title)}
                            </label>
                        </div>
                    </div>
                }
            }).collect_view()}
            <button type="submit" class="app-button" disabled=move || accept.pending().get()>"同意并继续"</button>
        </ActionForm>
    }
}
