//! 证书续期 at `/p/:project/renew`: the applicant's certificates in the project, each with
//! a term to add where renewal is open (or the reason it is not), the new expiry and the total
//! as chosen, then on to the pay page (or first to the scans, for a certificate expired so long
//! that it needs the checks again). A plain form without JavaScript; the total then shows on
//! the pay page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use time::Duration;

use crate::api::renewal::{StartRenewal, load_renewal_page};
use crate::domain::business::renewal;
use crate::domain::certificate::{Certificate, date_label};
use crate::services::renewals::{RenewalOption, RenewalPage};

#[component]
pub fn RenewalRoute() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let page = Resource::new(
        move || params.read().get("project").unwrap_or_default(),
        load_renewal_page,
    );
    let start = ServerAction::<StartRenewal>::new();
    let preselect = move || query.read().get("cert").and_then(|c| c.parse::<i64>().ok());
    view! {
        <Title text="证书续期" />
        <div class="app-width app-page">
            <h1 class="app-heading-xl">"证书续期"</h1>
            <p class="app-lead">"续期不用寄送 U 盾，原 U 盾继续使用；一般也不用重新上传资料，付款后有效期自动延长。证书过期超过一年的，需先重新上传资料并完成身份认证，审核通过后再付款。"</p>
            <Suspense fallback=|| view! { <p>"正在加载…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(page) if page.options.is_empty() => view! {
                            <p>"您在这个交易平台还没有已签发的证书。"</p>
                        }.into_any(),
                        Ok(page) => view! { <RenewalForm page start preselect=preselect() /> }.into_any(),
                        Err(_) => view! {
                            <p class="app-error-text">"页面暂时无法加载，请稍后刷新重试。"</p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn RenewalForm(
    page: RenewalPage,
    start: ServerAction<StartRenewal>,
    preselect: Option<i64>,
) -> impl IntoView {
    let RenewalPage { project, options } = page;
    let project_id = project.id.clone();
    // One term per certificate that can be renewed now; the preselected one starts at a year.
    let picks: Vec<(Certificate, bool, RwSignal<u8>)> = options
        .iter()
        .filter(|o| o.reason.is_none())
        .map(|o| {
            let years = u8::from(Some(o.certificate.id) == preselect);
            (o.certificate.clone(), o.needs_checks, RwSignal::new(years))
        })
        .collect();
    // Whether the order will start with the scans: the button says where it leads.
    let checks_first = {
        let picks = picks.clone();
        Memo::new(move |_| {
            picks
                .iter()
                .any(|(_, needs_checks, years)| *needs_checks && years.get() > 0)
        })
    };
    let total = {
        let picks = picks.clone();
        Memo::new(move |_| {
            let chosen: Vec<(&Certificate, u8)> = picks
                .iter()
                .map(|(c, _, years)| (c, years.get()))
                .filter(|(_, years)| *years > 0)
                .collect();
            (!chosen.is_empty())
                .then(|| renewal::quote(&project, &chosen).ok())
                .flatten()
                .map(|quote| quote.total.yuan_text())
        })
    };
    let error = move || start.value().get().and_then(|reply| reply.ok().flatten());
    let rows = options
        .into_iter()
        .map(|option| {
            let years = picks
                .iter()
                .find(|(c, _, _)| c.id == option.certificate.id)
                .map(|(_, _, years)| *years);
            view! { <RenewalRow option years /> }
        })
        .collect_view();
    view! {
        <ActionForm action=start attr:class="app-form" attr:novalidate="">
            <input type="hidden" name="project" value=project_id />
            {move || error().map(|message| view! {
                <div class="app-error-summary" role="alert" tabindex="-1">
                    <h2 class="app-error-summary__title">"续期没有办理"</h2>
                    <p>{message}</p>
                </div>
            })}
            <ul class="app-certs">{rows}</ul>
            <p class="app-renewal-total" aria-live="polite">
                {move || match total.get() {
                    Some(yuan) => format!("应付金额：{yuan} 元"),
                    None => "请为要续期的证书选择年限".to_owned(),
                }}
            </p>
            <button class="app-button" type="submit">
                {move || if checks_first.get() { "提交续期申请，去上传资料" } else { "确认续期并去支付" }}
            </button>
        </ActionForm>
    }
}

#[component]
fn RenewalRow(option: RenewalOption, years: Option<RwSignal<u8>>) -> impl IntoView {
    let cert = option.certificate;
    let title = match &cert.holder {
        Some(holder) => format!("{} · {holder}", cert.kind.label()),
        None => cert.kind.label().to_owned(),
    };
    let current = format!(
        "有效期至 {}（{}）",
        date_label(cert.validity.to),
        option.state.label()
    );
    let today = cert.validity.to - Duration::days(option.days_left);
    let field = format!("years-{}", cert.id);
    let control = match (years, option.reason) {
        (Some(years), _) => {
            let terms = option
                .terms
                .iter()
                .map(|n| {
                    let until = date_label(cert.validity.renewed(today, *n).to);
                    let n = *n;
                    view! {
                        <option value=n.to_string() selected=move || years.get() == n>
                            {format!("{n} 年，至 {until}")}
                        </option>
                    }
                })
                .collect_view();
            view! {
                <div class="app-form-group">
                    <label class="app-label" for=field.clone()>"续期年限"</label>
                    <select
                        class="app-select"
                        id=field
                        name=format!("years[{}]", cert.id)
                        on:change=move |ev| years.set(event_target_value(&ev).parse().unwrap_or(0))
                    >
                        <option value="0" selected=move || years.get() == 0>"不续期"</option>
                        {terms}
                    </select>
                    {option.needs_checks.then(|| view! {
                        <p class="app-hint">"证书过期已超过一年：续期前需重新上传盖章资料、完成身份认证并经审核，审核通过后再付款。"</p>
                    })}
                </div>
            }
            .into_any()
        }
        (None, reason) => view! {
            <p class="app-hint">{reason.unwrap_or_default()}</p>
        }
        .into_any(),
    };
    view! {
        <li class="app-cert">
            <h2 class="app-cert__title">{title}</h2>
            <p class="app-cert__subject">{cert.subject.clone()}" · "{current}</p>
            {control}
        </li>
    }
}
