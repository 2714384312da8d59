//! `/p/:project`: the project's guide (办事指南) with its fee table and a live fee calculator.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::project_guide;
use crate::components::fee_calculator::FeeCalculator;
use crate::components::not_found::NotFound;
use crate::domain::catalog::{PriceRule, Product, ProductKind, Project, ShippingCharge};
use crate::domain::money::Fen;
use crate::paths::use_mount;

#[component]
pub fn Guide() -> impl IntoView {
    let params = use_params_map();
    let project_id = move || params.read().get("project").unwrap_or_default();
    let project = Resource::new(project_id, project_guide);

    view! {
        <Suspense fallback=|| view! { <div class="app-width app-page"><p>"正在加载办事指南…"</p></div> }>
            {move || Suspend::new(async move {
                match project.await {
                    Ok(Some(project)) => view! { <GuideContent project /> }.into_any(),
                    Ok(None) => view! { <NotFound /> }.into_any(),
                    Err(_) => view! {
                        <div class="app-width app-page">
                            <p class="app-error-text">"办事指南暂时无法加载，请稍后刷新重试。"</p>
                        </div>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn GuideContent(project: Project) -> impl IntoView {
    let title = format!("{} 数字证书办事指南", project.name);
    view! {
        <Title text=title />
        <div class="app-width app-page">
            <p class="app-caption">{project.name.clone()}</p>
            <h1 class="app-heading-xl">"数字证书办事指南"</h1>
            <p class="app-lead">{project.summary.clone()}</p>
            <p>
                <a class="app-button app-button--start" href=format!("{}/login", use_mount().project(&project.id))>
                    "开始在线办理"
                </a>
            </p>
            <p>
                "已提交申请或已有证书？"
                <a href=format!("{}/lookup", use_mount().project(&project.id))>"证书查询 / 订单查询"</a>
            </p>

            // The calculator comes first in the document so a phone shows it near the top;
            // on wide screens the grid moves it into the right-hand column.
            <div class="app-guide">
                <aside class="app-guide__side" aria-labelledby="calc-heading">
                    <FeeCalculator project=project.clone() />
                </aside>
                <div class="app-guide__main">
                    <Products project=project.clone() />
                    <Steps />
                    <Materials project=project.clone() />
                    <FeeTable project=project.clone() />
                </div>
            </div>

            <Contact project />
        </div>
    }
}

#[component]
fn Products(project: Project) -> impl IntoView {
    view! {
        <section class="app-section" aria-labelledby="products-heading">
            <h2 class="app-heading-l" id="products-heading">"可办理的证书"</h2>
            <dl class="app-products">
                {project.products.into_iter().map(|p| view! {
                    <div class="app-products__item">
                        <dt class="app-products__name">{p.name}</dt>
                        <dd class="app-products__desc">{p.description}</dd>
                    </div>
                }).collect_view()}
            </dl>
        </section>
    }
}

#[component]
fn Steps() -> impl IntoView {
    const STEPS: [(&str, &str); 6] = [
        (
            "手机号登录",
            "用手机号码和短信验证码登录，阅读并同意服务协议与个人信息授权。",
        ),
        (
            "选择证书，填写信息",
            "选择证书种类和年限，填写单位、法人、经办人、对公账户、邮寄与发票信息，系统边填边检查。",
        ),
        (
            "打印并上传资料",
            "在线生成已填好内容的授权委托书等文件，盖章后扫描或拍照上传。",
        ),
        (
            "手机实名认证",
            "用手机扫码，拍摄经办人身份证并完成活体检测，无需再提交身份证复印件。",
        ),
        (
            "缴费",
            "微信、支付宝扫码或对公转账。在线支付后，向对公账户打款验证（金融认证）。",
        ),
        (
            "审核与寄送",
            "审核结果以短信通知；通过后证书介质（CA锁）邮寄到您填写的地址。",
        ),
    ];
    view! {
        <section class="app-section" aria-labelledby="steps-heading">
            <h2 class="app-heading-l" id="steps-heading">"办理流程"</h2>
            <ol class="app-steps">
                {STEPS.iter().map(|(title, text)| view! {
                    <li class="app-steps__item">
                        <strong class="app-steps__title">{*title}</strong>
                        <span class="app-steps__text">{*text}</span>
                    </li>
                }).collect_view()}
            </ol>
        </section>
    }
}

#[component]
fn Materials(project: Project) -> impl IntoView {
    view! {
        <section class="app-section" aria-labelledby="materials-heading">
            <h2 class="app-heading-l" id="materials-heading">"需准备的资料"</h2>
            <ul class="app-materials">
                {project.materials.into_iter().map(|m| {
                    let scope = scope_text(&m.required_for);
                    view! {
                        <li class="app-materials__item">
                            <strong>{m.name}</strong>
                            {scope.map(|s| view! { <span class="app-tag">{s}</span> })}
                            <p class="app-materials__desc">{m.description}</p>
                        </li>
                    }
                }).collect_view()}
            </ul>
            {project.notes.into_iter().map(|n| view! { <p class="app-inset">{n}</p> }).collect_view()}
        </section>
    }
}

/// "仅机构个人证书" style note for a material needed by some products only.
fn scope_text(kinds: &[ProductKind]) -> Option<String> {
    if kinds.is_empty() {
        return None;
    }
    let names: Vec<&str> = kinds.iter().map(|k| k.label()).collect();
    Some(format!("申请{}时提供", names.join("、")))
}

#[component]
fn FeeTable(project: Project) -> impl IntoView {
    view! {
        <section class="app-section" aria-labelledby="fees-heading">
            <h2 class="app-heading-l" id="fees-heading">"收费标准"</h2>
            <div class="app-table-wrap">
                <table class="app-table">
                    <caption class="app-visually-hidden">"证书申请及其他业务的收费标准"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"业务类型"</th>
                            <th scope="col">"费用项目"</th>
                            <th scope="col">"收费标准"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {project.products.iter().map(|p| view! {
                            <tr>
                                <td>"证书新办"</td>
                                <td>{format!("{}服务费", p.name)}</td>
                                <td>{price_text(p)}</td>
                            </tr>
                            <tr>
                                <td>"证书新办"</td>
                                <td>{format!("{}介质费", p.name)}</td>
                                <td>{fee_text(p.medium_fee)}</td>
                            </tr>
                            {p.extras.iter().map(|e| view! {
                                <tr>
                                    <td>"证书新办"</td>
                                    <td>{format!("{}{}", p.name, e.name)}</td>
                                    <td>{format!("{} 元/个", e.amount.yuan_text())}</td>
                                </tr>
                            }).collect_view()}
                        }).collect_view()}
                        {project.shipping.iter().map(|option| view! {
                            <tr>
                                <td>"证书邮寄"</td>
                                <td>{option.label.clone()}</td>
                                <td>{shipping_text(&option.charge)}</td>
                            </tr>
                        }).collect_view()}
                        {project.service_fees.into_iter().map(|f| view! {
                            <tr>
                                <td>{f.business}</td>
                                <td>{f.item}</td>
                                <td>{f.rule}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

fn price_text(product: &Product) -> String {
    let years = &product.years;
    match &product.price {
        PriceRule::PerYear { per_year } => format!(
            "{} 元/年/个（可选 {}–{} 年）",
            per_year.yuan_text(),
            years.min,
            years.max
        ),
        PriceRule::Table { by_years } => by_years
            .iter()
            .map(|row| format!("{} 年 {} 元", row.years, row.price.yuan_text()))
            .collect::<Vec<_>>()
            .join("；"),
    }
}

/// A per-certificate fee; zero when the price already covers it (a bundled medium).
fn fee_text(fee: Fen) -> String {
    if fee == Fen::ZERO {
        "不另收费".to_owned()
    } else {
        format!("{} 元/个", fee.yuan_text())
    }
}

fn shipping_text(charge: &ShippingCharge) -> String {
    match charge {
        ShippingCharge::Free => "免费，由受理机构承担".to_owned(),
        ShippingCharge::Prepaid { fee } => format!("{} 元/单，随订单支付", fee.yuan_text()),
        ShippingCharge::Collect => "到付，收件时交给快递员，不计入订单".to_owned(),
    }
}

#[component]
fn Contact(project: Project) -> impl IntoView {
    let ca = project.ca;
    view! {
        <section class="app-section app-contact" aria-labelledby="contact-heading">
            <h2 class="app-heading-m" id="contact-heading">"受理机构与咨询"</h2>
            <p>{ca.name} "（" {ca.short_name} "）"</p>
            <p>"客服热线：" <a href=format!("tel:{}", ca.hotline.replace('-', ""))>{ca.hotline.clone()}</a></p>
            <p>"网址：" {ca.website}</p>
        </section>
    }
}
