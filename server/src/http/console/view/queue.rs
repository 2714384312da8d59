//! The queue: applications to review, filtered and paged.

use app::domain::business::Business;
use app::domain::money::Fen;
use app::domain::order::Status;
use leptos::prelude::*;

use crate::http::console::{PAGE_SIZE, QueueQuery, QueueRow, WORK, china_time};
use crate::service::reviewers::Reviewer;

use super::{error_text, render, status_tag};

pub(super) fn query_string(query: &QueueQuery, page: i64) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (name, value) in [
        ("status", query.status.as_str()),
        ("project", query.project.as_str()),
        ("business", query.business.as_str()),
        ("from", query.from.as_str()),
        ("to", query.to.as_str()),
        ("sort", query.sort.as_str()),
    ] {
        if !value.is_empty() {
            out.append_pair(name, value);
        }
    }
    if page > 1 {
        out.append_pair("page", &page.to_string());
    }
    let text = out.finish();
    if text.is_empty() {
        "/console".to_owned()
    } else {
        format!("/console?{text}")
    }
}

pub(crate) fn queue_page(
    reviewer: &Reviewer,
    query: &QueueQuery,
    projects: &[(String, String)],
    rows: &[QueueRow],
    total: i64,
    page: i64,
    problems: &std::collections::BTreeMap<String, String>,
) -> String {
    let status_options = {
        let chosen = query.status.clone();
        let mut options = vec![
            (String::new(), "待审核和待确认到账".to_owned()),
            ("all".to_owned(), "全部状态".to_owned()),
        ];
        options.extend(
            Status::ALL
                .iter()
                .map(|s| (s.code().to_owned(), s.label().to_owned())),
        );
        options
            .into_iter()
            .map(|(value, label)| {
                let selected = value == chosen;
                view! { <option value=value selected=selected>{label}</option> }
            })
            .collect_view()
    };
    let project_options = {
        let chosen = query.project.clone();
        std::iter::once((String::new(), "全部项目".to_owned()))
            .chain(projects.iter().cloned())
            .map(|(value, label)| {
                let selected = value == chosen;
                view! { <option value=value selected=selected>{label}</option> }
            })
            .collect_view()
    };
    let business_options = {
        let chosen = query.business.clone();
        std::iter::once((String::new(), "全部业务".to_owned()))
            .chain(
                Business::ALL
                    .iter()
                    .map(|b| (b.code().to_owned(), b.label().to_owned())),
            )
            .map(|(value, label)| {
                let selected = value == chosen;
                view! { <option value=value selected=selected>{label}</option> }
            })
            .collect_view()
    };
    let business_error = problems.get("business").cloned();
    let newest = query.sort == "newest";
    let date_error = |name: &str| problems.get(name).cloned();
    let from_error = date_error("from");
    let to_error = date_error("to");
    let status_error = date_error("status");
    let heading = if query.status.is_empty() {
        "待处理的申请".to_owned()
    } else {
        "申请列表".to_owned()
    };
    let pages = (total + PAGE_SIZE - 1) / PAGE_SIZE;
    let prev = (page > 1).then(|| query_string(query, page - 1));
    let next = (page < pages).then(|| query_string(query, page + 1));
    let table = if rows.is_empty() {
        view! { <p class="c-empty">"没有符合条件的申请。"</p> }.into_any()
    } else {
        let lines = rows
            .iter()
            .map(|row| {
                let href = format!("/console/applications/{}", row.number);
                let kind = if row.personal { "个人" } else { "单位" };
                view! {
                    <tr>
                        <td><a class="c-mono" href=href>{row.number.clone()}</a></td>
                        <td>{row.applicant.clone()}<span class="c-sub">{kind}</span></td>
                        <td>{row.business.label()}</td>
                        <td>{row.project.clone()}</td>
                        <td class="c-num">{format!("{} 元", Fen(row.total_fen).yuan_text())}</td>
                        <td>{status_tag(row.business, row.status)}</td>
                        <td class="c-nowrap">{china_time(&row.submitted_at)}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="c-table">
                <caption class="c-visually-hidden">"申请列表"</caption>
                <thead>
                    <tr>
                        <th scope="col">"申请编号"</th>
                        <th scope="col">"申请单位 / 申请人"</th>
                        <th scope="col">"业务"</th>
                        <th scope="col">"项目"</th>
                        <th scope="col" class="c-num">"金额"</th>
                        <th scope="col">"状态"</th>
                        <th scope="col">"提交时间"</th>
                    </tr>
                </thead>
                <tbody>{lines}</tbody>
            </table>
        }
        .into_any()
    };
    let summary = format!(
        "共 {total} 份{}",
        if pages > 1 {
            format!("，第 {page} / {pages} 页")
        } else {
            String::new()
        }
    );
    let from = query.from.clone();
    let to = query.to.clone();
    let work_hint = format!(
        "默认显示{}的申请，最早提交的在前。",
        WORK.iter()
            .map(|s| s.label())
            .collect::<Vec<_>>()
            .join("和")
    );
    render(
        "申请列表",
        Some(reviewer),
        view! {
            <h1 class="c-title">{heading}</h1>
            <p class="c-hint">{work_hint}</p>
            <form class="c-filters" method="get" action="/console" aria-label="筛选申请">
                <div class="c-field">
                    <label class="c-label" for="f-status">"状态"</label>
                    <select class="c-select" id="f-status" name="status">{status_options}</select>
                    {error_text("f-status-error".into(), status_error)}
                </div>
                <div class="c-field">
                    <label class="c-label" for="f-project">"项目"</label>
                    <select class="c-select" id="f-project" name="project">{project_options}</select>
                </div>
                <div class="c-field">
                    <label class="c-label" for="f-business">"业务"</label>
                    <select class="c-select" id="f-business" name="business">{business_options}</select>
                    {error_text("f-business-error".into(), business_error)}
                </div>
                <div class="c-field">
                    <label class="c-label" for="f-from">"提交日期从"</label>
                    <input class="c-input" type="date" id="f-from" name="from" value=from
                        aria-describedby=from_error.as_ref().map(|_| "f-from-error") />
                    {error_text("f-from-error".into(), from_error.clone())}
                </div>
                <div class="c-field">
                    <label class="c-label" for="f-to">"至"</label>
                    <input class="c-input" type="date" id="f-to" name="to" value=to
                        aria-describedby=to_error.as_ref().map(|_| "f-to-error") />
                    {error_text("f-to-error".into(), to_error.clone())}
                </div>
                <div class="c-field">
                    <label class="c-label" for="f-sort">"排序"</label>
                    <select class="c-select" id="f-sort" name="sort">
                        <option value="" selected=!newest>"最早提交在前"</option>
                        <option value="newest" selected=newest>"最新提交在前"</option>
                    </select>
                </div>
                <div class="c-field c-field--button">
                    <button type="submit" class="c-button">"筛选"</button>
                    <a class="c-button c-button--quiet" href="/console">"重置"</a>
                </div>
            </form>
            <p class="c-summary" role="status">{summary}</p>
            {table}
            <nav class="c-pager" aria-label="分页">
                {prev.map(|href| view! { <a class="c-button c-button--quiet" href=href rel="prev">"上一页"</a> })}
                {next.map(|href| view! { <a class="c-button c-button--quiet" href=href rel="next">"下一页"</a> })}
            </nav>
        }
        .into_any(),
    )
}

// ---------------------------------------------------------------------------------------------
