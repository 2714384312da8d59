//! `/dev/outbox`: what the local SMS provider would have sent. Exists only with that provider.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::outbox::{bank_statement, outbox_messages};
use crate::components::not_found::NotFound;
use crate::domain::money::Fen;

#[component]
pub fn DevOutbox() -> impl IntoView {
    let messages = Resource::new(|| (), |_| outbox_messages());
    let statement = Resource::new(|| (), |_| bank_statement());
    view! {
        <Title text="本地短信发件箱" />
        <Suspense fallback=|| view! { <p>"正在加载…"</p> }>
            {move || Suspend::new(async move {
                match messages.await {
                    Ok(Some(list)) => view! {
                        <div class="app-width app-page">
                            <div class="app-dev-banner" role="note">
                                <strong>"开发与测试用页面"</strong>
                                " 当前使用本地短信通道：短信不会真的发出，而是记录在这里。配置真实短信服务商后，本页面自动关闭。"
                            </div>
                            <h1 class="app-heading-xl">"本地短信发件箱"</h1>
                            {if list.is_empty() {
                                view! { <p>"还没有短信。"</p> }.into_any()
                            } else {
                                view! {
                                    <table class="app-table app-outbox">
                                        <thead><tr>
                                            <th scope="col">"时间（UTC）"</th>
                                            <th scope="col">"手机号码"</th>
                                            <th scope="col">"内容"</th>
                                        </tr></thead>
                                        <tbody>
                                            {list.into_iter().map(|m| view! {
                                                <tr data-to=m.to.clone()>
                                                    <td>{m.sent_at}</td>
                                                    <td>{m.to.clone()}</td>
                                                    <td class="app-outbox__text">{m.text}</td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                }.into_any()
                            }}
                            <Suspense fallback=|| ()>
                                {move || Suspend::new(async move {
                                    statement.await.ok().flatten().map(|lines| view! { <BankStatement lines /> })
                                })}
                            </Suspense>
                        </div>
                    }.into_any(),
                    Ok(None) => view! { <NotFound /> }.into_any(),
                    Err(_) => view! { <p class="app-error-text">"发件箱暂时无法加载。"</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// 金融认证 transfers as the applicant's bank would list them.
#[component]
fn BankStatement(lines: Vec<crate::services::bank_check::StatementLine>) -> impl IntoView {
    view! {
        <h2 class="app-heading-l">"模拟银行流水（金融认证打款）"</h2>
        <p>"当前使用本地银行通道：0.01 元不会真的转出。下面是申请人对公账户会看到的入账记录。"</p>
        {if lines.is_empty() {
            view! { <p>"还没有打款。"</p> }.into_any()
        } else {
            view! {
                <table class="app-table app-statement">
                    <thead><tr>
                        <th scope="col">"时间（UTC）"</th>
                        <th scope="col">"收款户名"</th>
                        <th scope="col">"开户行"</th>
                        <th scope="col">"账号"</th>
                        <th scope="col">"金额（元）"</th>
                        <th scope="col">"附言"</th>
                    </tr></thead>
                    <tbody>
                        {lines.into_iter().map(|l| view! {
                            <tr>
                                <td>{l.at}</td>
                                <td>{l.account_name}</td>
                                <td>{l.opening_bank}</td>
                                <td>{l.account_masked}</td>
                                <td class="app-table__num">{Fen(l.amount_fen).yuan_text()}</td>
                                <td class="app-statement__memo">{l.memo}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
    }
}
