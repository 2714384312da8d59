//! The reviewer accounts page (administrators) with the recent audit trail.

use leptos::prelude::*;

use crate::http::console::{AuditLine, china_time};
use crate::service::reviewers::Reviewer;

use super::render;

pub(crate) fn reviewers_page(
    reviewer: &Reviewer,
    accounts: &[Reviewer],
    recent: &[AuditLine],
    now: i64,
) -> String {
    let accounts = accounts
        .iter()
        .map(|a| {
            let state = if a.disabled {
                "已停用"
            } else if a.locked_until.is_some_and(|t| t > now) {
                "已锁定"
            } else {
                "正常"
            };
            view! {
                <tr>
                    <td class="c-mono">{a.login.clone()}</td>
                    <td>{a.name.clone()}</td>
                    <td>{a.role.label()}</td>
                    <td>{state}</td>
                    <td class="c-nowrap">{a.last_login_at.as_deref().map(china_time).unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    let recent = recent
        .iter()
        .map(|(at, name, action, detail, number)| {
            view! {
                <tr>
                    <td class="c-nowrap">{china_time(at)}</td>
                    <td>{name.clone()}</td>
                    <td>{crate::http::console::action_label(action).to_owned()}</td>
                    <td>{detail.clone().unwrap_or_default()}</td>
                    <td class="c-mono">{number.clone().unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    render(
        "审核员与审计",
        Some(reviewer),
        view! {
            <h1 class="c-title">"审核员与审计"</h1>
            <p class="c-hint">"账户在服务器上用 server reviewer add / disable / enable 管理。"</p>
            <table class="c-table">
                <caption class="c-caption">"审核员账户"</caption>
                <thead><tr>
                    <th scope="col">"登录名"</th><th scope="col">"姓名"</th><th scope="col">"角色"</th>
                    <th scope="col">"状态"</th><th scope="col">"上次登录"</th>
                </tr></thead>
                <tbody>{accounts}</tbody>
            </table>
            <table class="c-table c-table--compact">
                <caption class="c-caption">"最近 100 条审计记录"</caption>
                <thead><tr>
                    <th scope="col">"时间"</th><th scope="col">"审核员"</th><th scope="col">"操作"</th>
                    <th scope="col">"对象"</th><th scope="col">"申请编号"</th>
                </tr></thead>
                <tbody>{recent}</tbody>
            </table>
        }
        .into_any(),
    )
}
