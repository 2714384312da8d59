//! 个人信息请求: the applicants' 撤回同意 and 注销账号 requests waiting for a reviewer, each
//! with a 完成 button, and the latest completed ones with what completing did. Completing is
//! audited like every other reviewer action.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use tower_sessions::Session;

use super::SignedIn;
use super::{ConsoleState, Flash, china_time, page, put_flash, server_error, take_flash};
use crate::service::privacy::{Completed, Pending};
use crate::service::reviewers::Reviewer;
use app::services::privacy::RequestKind;

/// Completed requests shown under the open ones.
const RECENT: i64 = 20;

pub(super) async fn list(
    State(state): State<ConsoleState>,
    SignedIn(reviewer): SignedIn,
    session: Session,
) -> Response {
    let pending = match state.privacy.pending().await {
        Ok(pending) => pending,
        Err(error) => return server_error(error),
    };
    let completed = match state.privacy.completed(RECENT).await {
        Ok(completed) => completed,
        Err(error) => return server_error(error),
    };
    let flash = take_flash(&session, None).await;
    page(
        StatusCode::OK,
        render(&reviewer, &pending, &completed, flash.as_ref()),
    )
}

pub(super) async fn complete(
    State(state): State<ConsoleState>,
    SignedIn(reviewer): SignedIn,
    session: Session,
    Path(id): Path<i64>,
) -> Response {
    let flash = match state.privacy.complete(id, reviewer.id).await {
        Ok(Some(outcome)) => {
            let detail = format!("request {id}");
            if let Err(error) = state
                .reviewers
                .audit(
                    reviewer.id,
                    None,
                    "privacy_request_completed",
                    Some(&detail),
                )
                .await
            {
                tracing::warn!(%error, "auditing a completed privacy request failed");
            }
            Flash {
                ok: true,
                message: format!("请求 #{id} 已完成：{outcome}"),
                ..Flash::default()
            }
        }
        Ok(None) => Flash {
            ok: false,
            message: format!("请求 #{id} 不存在或已由他人处理完成，请查看下方列表。"),
            ..Flash::default()
        },
        Err(error) => return server_error(error),
    };
    put_flash(&session, flash).await;
    Redirect::to("/console/requests").into_response()
}

/// What completing the request will do, for the reviewer deciding to press 完成.
fn effect(request: &Pending) -> String {
    match request.kind {
        RequestKind::WithdrawConsent => {
            "撤回该用户的全部协议同意：在其重新同意之前，申请流程的页面均不再打开，也不能提交申请。"
                .to_owned()
        }
        RequestKind::CloseAccount if request.kept.is_empty() => {
            "删除草稿、已取消的申请及其文件、同意记录、登录会话和账号本身。".to_owned()
        }
        RequestKind::CloseAccount => format!(
            "删除草稿、已取消的申请及其文件、同意记录和登录会话，解除手机号与账号的关联；依法保留申请 {}（证书失效后至少五年）。",
            request.kept.join("、")
        ),
    }
}

fn render(
    reviewer: &Reviewer,
    pending: &[Pending],
    completed: &[Completed],
    flash: Option<&Flash>,
) -> String {
    let banner = flash.map(|flash| {
        let (class, role) = if flash.ok {
            ("c-banner c-banner--ok", "status")
        } else {
            ("c-banner c-banner--error", "alert")
        };
        let message = flash.message.clone();
        view! { <div class=class role=role><p>{message}</p></div> }
    });
    let open = if pending.is_empty() {
        view! { <p class="c-hint">"没有待处理的请求。"</p> }.into_any()
    } else {
        let rows = pending
            .iter()
            .map(|request| {
                let user = request
                    .user
                    .map_or_else(|| "（已注销）".to_owned(), |id| format!("用户 #{id}"));
                let action = format!("/console/requests/{}/complete", request.id);
                let label = format!("完成请求 #{}", request.id);
                view! {
                    <tr>
                        <td>{format!("#{}", request.id)}</td>
                        <td>{request.kind.label()}</td>
                        <td>{user}</td>
                        <td>{china_time(&request.requested_at)}</td>
                        <td>{effect(request)}</td>
                        <td>
                            <form class="c-inline" method="post" action=action>
                                <button type="submit" class="c-button c-button--danger" aria-label=label>"完成"</button>
                            </form>
                        </td>
                    </tr>
                }
            })
            .collect_view();
        table(
            "待处理的个人信息请求",
            &["编号", "类型", "申请人", "提交时间", "完成后", "操作"],
            rows.into_any(),
        )
    };
    let done = completed
        .iter()
        .map(|request| {
            view! {
                <tr>
                    <td>{format!("#{}", request.id)}</td>
                    <td>{request.kind.label()}</td>
                    <td>{china_time(&request.completed_at)}</td>
                    <td>{request.reviewer.clone()}</td>
                    <td>{request.outcome.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    super::view::render(
        "个人信息请求",
        Some(reviewer),
        view! {
            <h1 class="c-title">"个人信息请求"</h1>
            {banner}
            <p class="c-hint">"申请人在个人中心提交的撤回同意和注销账号请求。核实无误后点“完成”，系统立即执行，不可撤销。"</p>
            <h2>"待处理"</h2>
            {open}
            <h2>"最近完成"</h2>
            {table(
                "最近完成的个人信息请求",
                &["编号", "类型", "完成时间", "审核员", "处理结果"],
                done.into_any(),
            )}
        }
        .into_any(),
    )
}

/// A console table of `rows` under `headings`, named by `caption` for screen readers.
fn table(caption: &'static str, headings: &[&'static str], rows: AnyView) -> AnyView {
    let headings = headings
        .iter()
        .map(|heading| view! { <th scope="col">{*heading}</th> })
        .collect_view();
    view! {
        <table class="c-table">
            <caption class="c-visually-hidden">{caption}</caption>
            <thead>
                <tr>{headings}</tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}
