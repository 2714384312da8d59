//! `/verify/:number?c=<check code>`: what the QR code on a printed document opens. Whoever
//! holds the paper sees that it belongs to a real application and what that application is,
//! so a reviewer can match paper and order; the check code keeps numbers from being guessed.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::documents::verify_document;
use crate::domain::application::Variant;

#[component]
pub fn VerifyRoute() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let key = move || {
        (
            params.read().get("number").unwrap_or_default(),
            query.read().get("c").unwrap_or_default(),
        )
    };
    let found = Resource::new(key, |(number, code)| verify_document(number, code));
    view! {
        <Title text="核验申请文件" />
        <div class="app-width app-page app-narrow">
            <Suspense fallback=|| view! { <p>"正在核验…"</p> }>
                {move || Suspend::new(async move {
                    match found.await {
                        Ok(Some(v)) => view! {
                            <div class="app-panel" role="status">
                                <h1 class="app-panel__title">"文件与申请相符"</h1>
                                <p class="app-panel__body">"申请编号" <br /><strong>{v.number.clone()}</strong></p>
                            </div>
                            <dl class="app-summary-list">
                                <Row key=match v.variant {
                                    Variant::Organisation => "申请单位",
                                    Variant::NaturalPerson => "申请人",
                                } value=v.applicant />
                                <Row key="交易平台" value=v.project_name />
                                <Row key="申请证书" value=v.certificates.join("；") />
                                <Row key="当前状态" value=v.status />
                                <Row key="提交时间" value=v.submitted_at />
                            </dl>
                            <p class="app-hint">"审核人员请在审核控制台按申请编号打开完整申请，核对纸质文件上的签字和印章。"</p>
                        }.into_any(),
                        Ok(None) => view! {
                            <h1 class="app-heading-l">"无法核验"</h1>
                            <p>"没有找到与这份文件对应的申请。请确认扫描的是本站生成的文件上的二维码；二维码污损时，可按文件上印的申请编号联系证书机构核实。"</p>
                        }.into_any(),
                        Err(_) => view! { <p class="app-error-text">"页面暂时无法加载，请稍后刷新重试。"</p> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn Row(key: &'static str, value: String) -> impl IntoView {
    view! {
        <div class="app-summary-list__row">
            <dt class="app-summary-list__key">{key}</dt>
            <dd class="app-summary-list__value">{value}</dd>
        </div>
    }
}
