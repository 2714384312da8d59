//! 我的证书, a section of the personal centre: each issued certificate with its validity, days
//! left, status, and the businesses open to it today (or why not).

use leptos::prelude::*;

use crate::api::certificate_actions::segment;
use crate::api::certificates::load_my_certificates;
use crate::domain::business::Business;
use crate::domain::certificate::{CertState, date_label};
use crate::paths::use_mount;
use crate::services::certificates::MyCertificate;

#[component]
pub fn MyCertificates(project: Signal<String>) -> impl IntoView {
    let certificates = Resource::new(move || project.get(), load_my_certificates);
    view! {
        <section class="app-section app-my-certs" aria-labelledby="my-certificates">
            <h2 class="app-heading-l" id="my-certificates">"我的证书"</h2>
            <Suspense fallback=|| view! { <p>"正在加载…"</p> }>
                {move || Suspend::new(async move {
                    match certificates.await {
                        Ok(list) if list.is_empty() => view! {
                            <p class="app-hint">"证书签发后会显示在这里，到期前可在这里续期。"</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <ul class="app-certs">
                                {list.into_iter().map(|mine| view! { <CertificateCard mine /> }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(_) => view! {
                            <p class="app-error-text">"证书列表暂时无法加载，请稍后刷新重试。"</p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn CertificateCard(mine: MyCertificate) -> impl IntoView {
    let mount = use_mount();
    let cert = mine.certificate;
    let title = match &cert.holder {
        Some(holder) => format!("{} · {holder}", cert.kind.label()),
        None => cert.kind.label().to_owned(),
    };
    let order_href = format!(
        "{}/applications/{}",
        mount.project(&cert.project_id),
        cert.order_number
    );
    let renew_href = format!("{}/renew", mount.project(&cert.project_id));
    let id = cert.id;
    let validity = format!(
        "{} 至 {}",
        date_label(cert.validity.from),
        date_label(cert.validity.to)
    );
    view! {
        <li class="app-cert">
            <h3 class="app-cert__title">
                {title}
                <strong class=state_tone(mine.state)>{mine.state.label()}</strong>
            </h3>
            <p class="app-cert__subject">{cert.subject}</p>
            <dl class="app-cert__facts">
                <div><dt>"有效期"</dt><dd>{validity}</dd></div>
                <div><dt>"剩余"</dt><dd>{days_text(mine.state, mine.days_left)}</dd></div>
                <div><dt>"证书序列号"</dt><dd class="app-cert__code">{cert.serial}</dd></div>
                <div><dt>"U盾介质号"</dt><dd class="app-cert__code">{cert.medium}</dd></div>
                <div><dt>"交易平台"</dt><dd>{mine.project_name}</dd></div>
                <div>
                    <dt>"申请编号"</dt>
                    <dd><a href=order_href>{cert.order_number}</a></dd>
                </div>
            </dl>
            <h4 class="app-cert__offers-title">"可办理的业务"</h4>
            <ul class="app-cert__offers">
                {mine.offers.into_iter().map(|offer| {
                    let label = offer.business.label();
                    match offer.reason {
                        None if offer.business == Business::Renewal => view! {
                            <li class="app-cert__offer app-cert__offer--open">
                                <a href=format!("{renew_href}?cert={id}")>"办理续期"</a>
                            </li>
                        }.into_any(),
                        None => {
                            let href = format!(
                                "{}/certificates/{id}/{}",
                                mount.project(&cert.project_id),
                                segment(offer.business)
                            );
                            view! {
                                <li class="app-cert__offer app-cert__offer--open">
                                    <a href=href>{format!("办理{label}")}</a>
                                </li>
                            }.into_any()
                        }
                        Some(reason) => view! {
                            <li class="app-cert__offer">
                                <span>{label}</span>"："{reason}
                            </li>
                        }.into_any(),
                    }
                }).collect_view()}
            </ul>
        </li>
    }
}

fn state_tone(state: CertState) -> &'static str {
    match state {
        CertState::Valid => "app-tag",
        CertState::ExpiringSoon => "app-tag app-tag--action",
        CertState::Expired | CertState::Suspended => "app-tag app-tag--error",
        CertState::Withdrawn(_) => "app-tag app-tag--grey",
    }
}

fn days_text(state: CertState, days_left: i64) -> String {
    match state {
        CertState::Withdrawn(_) => "—".to_owned(),
        _ if days_left < 0 => format!("已过期 {} 天", -days_left),
        _ if days_left == 0 => "今天到期".to_owned(),
        _ => format!("{days_left} 天"),
    }
}
