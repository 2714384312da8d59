//! The console's HTML: Leptos views rendered to strings, no hydration, no script.

use app::domain::application::{Applicant, Application};
use app::domain::handoff::Field;
use app::domain::money::Fen;
use app::domain::order::{Event, Status};
use app::domain::review::REASONS;
use leptos::prelude::*;

use super::accounts::{Reviewer, Role};
use super::{
    AuditLine, COURIERS, Detail, Flash, PAGE_SIZE, QueueQuery, QueueRow, WORK, china_time,
};

pub(super) fn render(title: &str, reviewer: Option<&Reviewer>, body: AnyView) -> String {
    let title = format!("{title} - 审核后台");
    let nav = reviewer.map(|r| {
        let admin = (r.role == Role::Admin).then(|| {
            view! { <a class="c-nav__link" href="/console/reviewers">"审核员与审计"</a> }
        });
        view! {
            <nav class="c-nav" aria-label="后台导航">
                <a class="c-nav__link" href="/console">"申请列表"</a>
                <a class="c-nav__link" href="/console/requests">"个人信息请求"</a>
                {admin}
                <span class="c-nav__who">{format!("{}（{}）", r.name, r.role.label())}</span>
                <form class="c-inline" method="post" action="/console/logout">
                    <button type="submit" class="c-button c-button--quiet">"退出登录"</button>
                </form>
            </nav>
        }
    });
    let body = view! {
        <a class="c-skip" href="#main">"跳到主要内容"</a>
        <header class="c-header">
            <span class="c-header__brand">"数字证书网上办理 · 审核后台"</span>
            {nav}
        </header>
        <main id="main" class="c-main">{body}</main>
    };
    crate::html::document(
        crate::html::Head {
            title: &title,
            stylesheet: "/console/console.css",
            script: None,
        },
        Some("c-body"),
        body.into_any(),
    )
}

pub(super) fn message_page(reviewer: Option<&Reviewer>, title: &str, text: &str) -> String {
    let heading = title.to_owned();
    let text = text.to_owned();
    render(
        title,
        reviewer,
        view! {
            <h1 class="c-title">{heading}</h1>
            <p>{text}</p>
            <p><a href="/console">"返回申请列表"</a></p>
        }
        .into_any(),
    )
}

/// The field id used for a revealable value's row: `legal_rep.id_number` → `field-legal_rep-id_number`.
pub(super) fn field_anchor(key: &str) -> String {
    format!("field-{}", key.replace('.', "-"))
}

/// What the button for `event` says.
pub(super) fn event_action(event: Event) -> &'static str {
    match event {
        Event::TransferConfirmed => "确认到账",
        Event::TransferRefused => "未查到款项",
        Event::Approve => "审核通过",
        Event::Reject => "驳回",
        Event::StartProduction => "开始制证",
        Event::Ship => "标记已寄出",
        Event::ConfirmReceipt => "确认已签收",
        other => other.label(),
    }
}

fn error_text(id: String, message: Option<String>) -> impl IntoView {
    message.map(|message| {
        view! {
            <p class="c-error" id=id>
                <span class="c-visually-hidden">"错误："</span>
                {message}
            </p>
        }
    })
}

fn banner(flash: Option<&Flash>) -> impl IntoView {
    flash.map(|flash| {
        let class = if flash.ok {
            "c-banner c-banner--ok"
        } else {
            "c-banner c-banner--error"
        };
        let role = if flash.ok { "status" } else { "alert" };
        let message = flash.message.clone();
        view! {
            <div class=class role=role>
                <p>{message}</p>
            </div>
        }
    })
}

// ---------------------------------------------------------------------------------------------

pub(super) fn login_page(login: &str, error: Option<&str>) -> String {
    let login = login.to_owned();
    let error = error.map(str::to_owned);
    let invalid = error.as_ref().map(|_| "true");
    let described = error.as_ref().map(|_| "login-error");
    render(
        "登录",
        None,
        view! {
            <div class="c-card c-card--narrow">
                <h1 class="c-title">"审核员登录"</h1>
                {error.clone().map(|message| view! {
                    <div class="c-banner c-banner--error" role="alert">
                        <p id="login-error">{message}</p>
                    </div>
                })}
                <form method="post" action="/console/login" class="c-form">
                    <div class="c-field">
                        <label class="c-label" for="login">"登录名"</label>
                        <input class="c-input" id="login" name="login" type="text"
                            autocomplete="username" autocapitalize="none" spellcheck="false"
                            required=true value=login aria-invalid=invalid aria-describedby=described />
                    </div>
                    <div class="c-field">
                        <label class="c-label" for="password">"密码"</label>
                        <input class="c-input" id="password" name="password" type="password"
                            autocomplete="current-password" required=true aria-invalid=invalid />
                    </div>
                    <button type="submit" class="c-button">"登录"</button>
                </form>
                <p class="c-hint">"账户由系统管理员在服务器上创建。忘记密码请联系管理员。"</p>
            </div>
        }
        .into_any(),
    )
}

// ---------------------------------------------------------------------------------------------

fn status_tag(status: Status) -> impl IntoView {
    let class = match status {
        Status::AwaitingReview | Status::AwaitingTransfer => "c-tag c-tag--work",
        Status::Rejected | Status::Cancelled => "c-tag c-tag--bad",
        Status::Shipped | Status::Completed => "c-tag c-tag--done",
        _ => "c-tag",
    };
    view! { <span class=class>{status.label()}</span> }
}

fn query_string(query: &QueueQuery, page: i64) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (name, value) in [
        ("status", query.status.as_str()),
        ("project", query.project.as_str()),
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

pub(super) fn queue_page(
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
                        <td>{row.project.clone()}</td>
                        <td class="c-num">{format!("{} 元", Fen(row.total_fen).yuan_text())}</td>
                        <td>{status_tag(row.status)}</td>
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

fn row(label: &str, value: String) -> AnyView {
    let label = label.to_owned();
    view! {
        <div class="c-dl__row">
            <dt>{label}</dt>
            <dd>{value}</dd>
        </div>
    }
    .into_any()
}

/// A personal number, masked unless this reviewer revealed it, with the button that does.
fn secret_row(detail: &Detail, key: &str, label: &str, masked: String, full: String) -> AnyView {
    let revealed = detail.revealed.iter().any(|k| k == key);
    let anchor = field_anchor(key);
    let value = if revealed {
        view! {
            <span class="c-mono">{full}</span>
            " "
            <span class="c-tag">"已显示（已记录）"</span>
        }
        .into_any()
    } else {
        let action = format!("/console/applications/{}/reveal", detail.number);
        let aria = format!("显示完整的{label}（将记录在审计日志中）");
        view! {
            <span class="c-mono">{masked}</span>
            " "
            <form class="c-inline" method="post" action=action>
                <input type="hidden" name="field" value=key.to_owned() />
                <button type="submit" class="c-link-button" aria-label=aria>"显示"</button>
            </form>
        }
        .into_any()
    };
    let label = label.to_owned();
    view! {
        <div class="c-dl__row" id=anchor>
            <dt>{label}</dt>
            <dd>{value}</dd>
        </div>
    }
    .into_any()
}

/// A section of the answers, marked when the latest rejection flagged it.
fn section(detail: &Detail, id: &str, title: &str, rows: Vec<AnyView>) -> AnyView {
    let flag = detail
        .order
        .flags
        .iter()
        .find(|f| f.item.code() == format!("section:{id}"))
        .map(|f| {
            let text = format!(
                "上次驳回：{}{}",
                f.reason,
                if f.fixed_at.is_some() {
                    "（申请人已修改）"
                } else {
                    ""
                }
            );
            view! { <p class="c-flagged">{text}</p> }
        });
    let title = title.to_owned();
    let anchor = format!("section-{id}");
    view! {
        <section class="c-section" aria-labelledby=format!("{anchor}-title") id=anchor.clone()>
            <h3 class="c-section__title" id=format!("{anchor}-title")>{title}</h3>
            {flag}
            <dl class="c-dl">{rows}</dl>
        </section>
    }
    .into_any()
}

fn answers(detail: &Detail) -> AnyView {
    let app: &Application = &detail.application;
    let mut out: Vec<AnyView> = Vec::new();
    match &app.applicant {
        Applicant::Organisation {
            org,
            legal_rep,
            agent,
            bank,
        } => {
            out.push(section(
                detail,
                "org",
                "单位信息",
                vec![
                    row("单位名称", org.name.as_str().to_owned()),
                    row("证件类型", "统一社会信用代码证".to_owned()),
                    row("统一社会信用代码", org.credit_code.as_str().to_owned()),
                    row(
                        "所在地区",
                        format!("{} {}", org.province.name, org.city.name),
                    ),
                    row("详细地址", org.address.as_str().to_owned()),
                ],
            ));
            out.push(section(
                detail,
                "legal_rep",
                "法定代表人信息",
                vec![
                    row("姓名", legal_rep.name.as_str().to_owned()),
                    secret_row(
                        detail,
                        "legal_rep.id_number",
                        "法定代表人身份证号码",
                        legal_rep.id_number.masked(),
                        legal_rep.id_number.as_str().to_owned(),
                    ),
                    row("手机号码", legal_rep.mobile.as_str().to_owned()),
                ],
            ));
            let mut agent_rows = Vec::new();
            if agent.same_as_legal_rep {
                agent_rows.push(row("经办人", "由法定代表人本人办理".to_owned()));
            } else {
                agent_rows.push(row("姓名", agent.person.name.as_str().to_owned()));
                agent_rows.push(secret_row(
                    detail,
                    "agent.id_number",
                    "经办人身份证号码",
                    agent.person.id_number.masked(),
                    agent.person.id_number.as_str().to_owned(),
                ));
            }
            agent_rows.push(row("实名手机号码", agent.person.mobile.as_str().to_owned()));
            agent_rows.push(row("电子邮箱", agent.email.as_str().to_owned()));
            agent_rows.push(row("职务", agent.position.clone()));
            out.push(section(detail, "agent", "经办人信息", agent_rows));
            if !app.holders.is_empty() {
                let rows = app
                    .holders
                    .iter()
                    .enumerate()
                    .map(|(i, holder)| {
                        secret_row(
                            detail,
                            &format!("holders.{i}.id_number"),
                            &format!("{}（{} 年）身份证号码", holder.name.as_str(), holder.years),
                            holder.id_number.masked(),
                            holder.id_number.as_str().to_owned(),
                        )
                    })
                    .collect();
                out.push(section(detail, "holders", "证书持有人", rows));
            }
            out.push(section(
                detail,
                "bank",
                "银行账户信息",
                vec![
                    row("账户名称", bank.account_name.as_str().to_owned()),
                    row("开户银行", bank.opening_bank.as_str().to_owned()),
                    secret_row(
                        detail,
                        "bank.account_number",
                        "银行账号",
                        bank.account_number.masked(),
                        bank.account_number.as_str().to_owned(),
                    ),
                ],
            ));
        }
        Applicant::NaturalPerson { applicant, bank } => {
            out.push(section(
                detail,
                "applicant",
                "申请人信息",
                vec![
                    row("姓名", applicant.person.name.as_str().to_owned()),
                    secret_row(
                        detail,
                        "applicant.id_number",
                        "申请人身份证号码",
                        applicant.person.id_number.masked(),
                        applicant.person.id_number.as_str().to_owned(),
                    ),
                    row("手机号码", applicant.person.mobile.as_str().to_owned()),
                    row("电子邮箱", applicant.email.as_str().to_owned()),
                    row("联系地址", applicant.postal_address()),
                ],
            ));
            out.push(section(
                detail,
                "bank",
                "银行账户信息",
                vec![
                    row("账户名称", bank.account_name.as_str().to_owned()),
                    row("开户银行", bank.opening_bank.as_str().to_owned()),
                    secret_row(
                        detail,
                        "bank.account_number",
                        "银行账号",
                        bank.account_number.masked(),
                        bank.account_number.as_str().to_owned(),
                    ),
                ],
            ));
        }
    }
    let ship = &app.shipping;
    let mut shipping_rows = vec![row(
        "所在地区",
        format!(
            "{} {} {}",
            ship.province.name,
            ship.city.name,
            ship.district.as_ref().map_or("", |d| d.name.as_str())
        ),
    )];
    shipping_rows.push(row("详细地址", ship.address.as_str().to_owned()));
    shipping_rows.push(row(
        "邮政编码",
        ship.postal_code
            .as_ref()
            .map_or("未填写".to_owned(), |p| p.as_str().to_owned()),
    ));
    if let Some(option) = &detail.shipping_option {
        shipping_rows.push(row("配送方式", option.clone()));
    }
    out.push(section(detail, "shipping", "收件信息", shipping_rows));
    match &app.invoice {
        Some(invoice) => out.push(section(
            detail,
            "invoice",
            "发票信息",
            vec![
                row("发票抬头", invoice.title.as_str().to_owned()),
                row(
                    "纳税人识别号",
                    invoice
                        .taxpayer_id
                        .as_ref()
                        .map_or("未填写".to_owned(), |t| t.as_str().to_owned()),
                ),
            ],
        )),
        None => out.push(view! { <p class="c-hint">"发票：申请人不需要发票。"</p> }.into_any()),
    }
    out.into_iter().collect_view().into_any()
}

fn fees(detail: &Detail) -> AnyView {
    let Some(quote) = &detail.quote else {
        return view! { <p>"没有费用明细。"</p> }.into_any();
    };
    let lines = quote
        .lines
        .iter()
        .map(|line| {
            view! {
                <tr>
                    <td>{line.label.clone()}</td>
                    <td>{line.detail.clone()}</td>
                    <td class="c-num">{format!("{} 元", line.amount.yuan_text())}</td>
                </tr>
            }
        })
        .collect_view();
    let total = format!("{} 元", quote.total.yuan_text());
    view! {
        <table class="c-table c-table--compact">
            <caption class="c-caption">"申请的证书与费用"</caption>
            <thead>
                <tr><th scope="col">"项目"</th><th scope="col">"说明"</th><th scope="col" class="c-num">"金额"</th></tr>
            </thead>
            <tbody>{lines}</tbody>
            <tfoot>
                <tr><th scope="row" colspan="2">"合计"</th><td class="c-num"><strong>{total}</strong></td></tr>
            </tfoot>
        </table>
    }
    .into_any()
}

fn file_preview(number: &str, slot: &str, name: &str, kind: &str) -> AnyView {
    let src = format!("/console/applications/{number}/materials/{slot}");
    let name = name.to_owned();
    if kind == "pdf" {
        let frame = src.clone();
        view! {
            <iframe class="c-preview c-preview--pdf" src=frame title=format!("{name}（PDF）")></iframe>
            <p><a href=src target="_blank" rel="noopener">"在新窗口打开 PDF"</a></p>
        }
        .into_any()
    } else {
        let href = src.clone();
        view! {
            <a href=href target="_blank" rel="noopener" class="c-preview-link">
                <img class="c-preview" src=src alt=format!("{name}的扫描件") loading="lazy" />
            </a>
        }
        .into_any()
    }
}

fn size_text(size: u64) -> String {
    if size >= 1024 * 1024 {
        format!("{:.1} MB", size as f64 / 1024.0 / 1024.0)
    } else {
        format!("{} KB", size.div_ceil(1024))
    }
}

fn materials(detail: &Detail) -> AnyView {
    if detail.slots.is_empty() {
        return view! { <p>"这个项目不需要上传材料。"</p> }.into_any();
    }
    detail
        .slots
        .iter()
        .map(|slot| {
            let uploaded = detail.uploaded.iter().find(|m| m.slot == slot.id);
            let flag = detail
                .order
                .flags
                .iter()
                .find(|f| f.item.code() == format!("material:{}", slot.id))
                .map(|f| {
                    let text = format!(
                        "上次驳回：{}{}",
                        f.reason,
                        if f.fixed_at.is_some() {
                            "（申请人已重新上传）"
                        } else {
                            ""
                        }
                    );
                    view! { <p class="c-flagged">{text}</p> }
                });
            let body = match uploaded {
                Some(file) => {
                    let shape = match (file.width, file.height, file.pages) {
                        (_, _, Some(pages)) => format!("{pages} 页"),
                        (Some(w), Some(h), _) => format!("{w} × {h}"),
                        _ => String::new(),
                    };
                    let meta = format!(
                        "{} · {} · {} · {} · 上传于 {}",
                        file.file_name,
                        file.kind.to_uppercase(),
                        size_text(file.size),
                        shape,
                        china_time(&file.uploaded_at)
                    );
                    view! {
                        <p class="c-sub">{meta}</p>
                        {file_preview(&detail.number, &slot.id, &slot.name, &file.kind)}
                    }
                    .into_any()
                }
                None => view! { <p class="c-flagged">"未上传"</p> }.into_any(),
            };
            let name = slot.name.clone();
            view! {
                <figure class="c-material">
                    <figcaption class="c-material__name">{name}</figcaption>
                    {flag}
                    {body}
                </figure>
            }
        })
        .collect_view()
        .into_any()
}

/// An ID number in a mismatch line, masked like the form's.
fn mask_id(text: &str) -> String {
    if text.chars().count() == 18 && text.is_ascii() {
        format!("{}{}{}", &text[..4], "*".repeat(10), &text[14..])
    } else {
        text.to_owned()
    }
}

fn identity(detail: &Detail) -> AnyView {
    let Some(identity) = &detail.identity else {
        return view! { <p>"申请人还没有开始手机身份认证。"</p> }.into_any();
    };
    let status = &identity.status;
    let failure = status.failure.as_ref().map(|f| {
        let text = format!("未通过：{}", f.message);
        view! { <p class="c-flagged">{text}</p> }
    });
    let steps = status
        .steps
        .iter()
        .map(|step| {
            let class = if step.problem {
                "c-steps__item c-steps__item--bad"
            } else {
                "c-steps__item"
            };
            view! {
                <li class=class>
                    <span class="c-nowrap c-sub">{china_time(&step.at)}</span>
                    " "
                    {step.message.clone()}
                </li>
            }
        })
        .collect_view();
    let mismatches = if status.mismatches.is_empty() {
        view! { <p>"证件识别结果与表单一致（或未读取到可比对的内容）。"</p> }.into_any()
    } else {
        let lines = status
            .mismatches
            .iter()
            .map(|m| {
                let (form, card) = if m.field == Field::IdNumber {
                    (mask_id(&m.form), mask_id(&m.card))
                } else {
                    (m.form.clone(), m.card.clone())
                };
                view! {
                    <tr>
                        <td>{format!("{}：{}", m.side.label(), m.label)}</td>
                        <td>{form}</td>
                        <td>{card}</td>
                        <td>{m.message.clone()}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="c-table c-table--compact">
                <caption class="c-caption">"证件识别与表单不一致之处"</caption>
                <thead><tr>
                    <th scope="col">"项目"</th><th scope="col">"表单"</th>
                    <th scope="col">"证件"</th><th scope="col">"说明"</th>
                </tr></thead>
                <tbody>{lines}</tbody>
            </table>
        }
        .into_any()
    };
    let attempts = if identity.attempts.is_empty() {
        view! { <p>"尚未进行活体检测。"</p> }.into_any()
    } else {
        let lines = identity
            .attempts
            .iter()
            .map(|a| {
                let outcome = a
                    .failure
                    .clone()
                    .map_or("通过".to_owned(), |f| format!("未通过：{f}"));
                let face = match a.face {
                    Some((true, Some(score))) => format!("一致（相似度 {score:.0}）"),
                    Some((true, None)) => "一致".to_owned(),
                    Some((false, _)) => "不一致".to_owned(),
                    None => "未比对".to_owned(),
                };
                view! {
                    <tr>
                        <td class="c-nowrap">{china_time(&a.at)}</td>
                        <td>{outcome}</td>
                        <td>{face}</td>
                        <td>{a.note.clone()}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="c-table c-table--compact">
                <caption class="c-caption">"活体检测"</caption>
                <thead><tr>
                    <th scope="col">"时间"</th><th scope="col">"结果"</th>
                    <th scope="col">"人脸比对"</th><th scope="col">"说明"</th>
                </tr></thead>
                <tbody>{lines}</tbody>
            </table>
        }
        .into_any()
    };
    let photos = if identity.photos.is_empty() {
        view! { <p class="c-hint">"身份证照片未保存或已按保存期限删除。"</p> }.into_any()
    } else {
        identity
            .photos
            .iter()
            .map(|side| {
                let code = match side {
                    app::domain::handoff::IdSide::Front => "front",
                    app::domain::handoff::IdSide::Back => "back",
                };
                let src = format!("/console/applications/{}/identity/{code}", detail.number);
                let caption = format!("身份证{}", side.label());
                view! {
                    <figure class="c-material">
                        <figcaption class="c-material__name">{caption.clone()}</figcaption>
                        <img class="c-preview" src=src alt=format!("手机拍摄的{caption}") loading="lazy" />
                    </figure>
                }
            })
            .collect_view()
            .into_any()
    };
    let notes = identity
        .notes
        .iter()
        .map(|n| view! { <li>{n.clone()}</li> })
        .collect_view();
    let summary = format!("{}（核验服务：{}）", status.label, identity.provider);
    view! {
        <p><strong>{summary}</strong></p>
        {failure}
        <ol class="c-steps">{steps}</ol>
        {mismatches}
        {attempts}
        <ul class="c-notes">{notes}</ul>
        <div class="c-gallery">{photos}</div>
    }
    .into_any()
}

fn payment(detail: &Detail) -> AnyView {
    let order = &detail.order;
    let method = order
        .payment_method
        .map_or("尚未支付".to_owned(), |m| m.label().to_owned());
    let voucher = detail
        .uploaded
        .iter()
        .find(|m| m.slot == "transfer_voucher")
        .map(|file| file_preview(&detail.number, &file.slot, "转账凭证", &file.kind));
    view! {
        <dl class="c-dl">
            {row("支付方式", method)}
            {row("应付金额", format!("{} 元", Fen(order.total_fen).yuan_text()))}
            {detail.paid.clone().map(|(trade, transaction, amount, at)| view! {
                {row("实收金额", format!("{} 元", Fen(amount).yuan_text()))}
                {row("商户订单号", trade)}
                {row("支付平台交易号", transaction.unwrap_or_default())}
                {row("支付时间", at.unwrap_or_default())}
            })}
        </dl>
        {voucher}
    }
    .into_any()
}

fn value_of(flash: Option<&Flash>, name: &str) -> String {
    flash
        .and_then(|f| f.values.get(name))
        .and_then(|v| v.first().cloned())
        .unwrap_or_default()
}

fn hidden(detail: &Detail, event: Event) -> AnyView {
    view! {
        <input type="hidden" name="event" value=event.code() />
        <input type="hidden" name="status" value=detail.order.status.code() />
        <input type="hidden" name="seen" value=detail.order.timeline.len().to_string() />
    }
    .into_any()
}

fn reject_form(detail: &Detail, flash: Option<&Flash>) -> AnyView {
    let action = format!("/console/applications/{}/action", detail.number);
    let error = |name: &str| flash.and_then(|f| f.fields.get(name).cloned());
    let flags_error = error("flags");
    let items = detail
        .flag_items
        .iter()
        .enumerate()
        .map(|(i, (code, label))| {
            let checked = flash
                .and_then(|f| f.values.get("flag"))
                .is_some_and(|v| v.contains(code));
            let preset = value_of(flash, &format!("preset:{code}"));
            let typed = value_of(flash, &format!("reason:{code}"));
            let reason_error = error(&format!("reason:{code}"));
            let described = reason_error.as_ref().map(|_| format!("flag-{i}-error"));
            let options = std::iter::once(("", "请选择原因"))
                .chain(REASONS.iter().map(|r| (*r, *r)))
                .map(|(value, text)| {
                    let selected = !value.is_empty() && value == preset;
                    view! { <option value=value selected=selected>{text}</option> }
                })
                .collect_view();
            let group = if reason_error.is_some() { "c-flag c-flag--error" } else { "c-flag" };
            view! {
                <div class=group>
                    <div class="c-flag__item">
                        <input type="checkbox" id=format!("flag-{i}") name="flag" value=code.clone() checked=checked />
                        <label for=format!("flag-{i}")>{label.clone()}</label>
                    </div>
                    <div class="c-flag__reason">
                        <label class="c-visually-hidden" for=format!("flag-{i}-preset")>{format!("{label}的原因")}</label>
                        <select class="c-select" id=format!("flag-{i}-preset") name=format!("preset:{code}") aria-describedby=described.clone()>{options}</select>
                        <label class="c-visually-hidden" for=format!("flag-{i}-reason")>{format!("{label}的其他原因")}</label>
                        <input class="c-input" type="text" id=format!("flag-{i}-reason") name=format!("reason:{code}") value=typed maxlength="60" placeholder="或填写其他原因" aria-describedby=described />
                        {error_text(format!("flag-{i}-error"), reason_error.clone())}
                    </div>
                </div>
            }
        })
        .collect_view();
    let note = value_of(flash, "note");
    view! {
        <form method="post" action=action class="c-action c-action--wide" id="reject">
            {hidden(detail, Event::Reject)}
            <fieldset class="c-fieldset" aria-describedby=flags_error.as_ref().map(|_| "flags-error")>
                <legend class="c-legend">"驳回：勾选未通过的项目，并为每项选择原因或填写其他原因"</legend>
                <p class="c-hint">"申请人会收到短信，内容为“项目名称 + 原因”，例如“营业执照未加盖公章”。"</p>
                {error_text("flags-error".into(), flags_error.clone())}
                {items}
            </fieldset>
            <div class="c-field">
                <label class="c-label" for="reject-note">"补充说明（可选，随短信发送给申请人）"</label>
                <textarea class="c-textarea" id="reject-note" name="note" rows="2" maxlength="500">{note}</textarea>
            </div>
            <button type="submit" class="c-button c-button--danger">"驳回"</button>
        </form>
    }
    .into_any()
}

fn ship_form(detail: &Detail, flash: Option<&Flash>) -> AnyView {
    let action = format!("/console/applications/{}/action", detail.number);
    let error = |name: &str| flash.and_then(|f| f.fields.get(name).cloned());
    let courier_error = error("courier");
    let tracking_error = error("tracking_no");
    let courier = value_of(flash, "courier");
    let tracking = value_of(flash, "tracking_no");
    let options = std::iter::once("")
        .chain(COURIERS.iter().copied())
        .map(|name| {
            let selected = !name.is_empty() && name == courier;
            let text = if name.is_empty() { "请选择" } else { name };
            view! { <option value=name selected=selected>{text}</option> }
        })
        .collect_view();
    view! {
        <form method="post" action=action class="c-action" id="ship">
            {hidden(detail, Event::Ship)}
            <h3 class="c-action__title">"标记已寄出"</h3>
            <div class="c-field">
                <label class="c-label" for="courier">"快递公司"</label>
                <select class="c-select" id="courier" name="courier"
                    aria-invalid=courier_error.as_ref().map(|_| "true")
                    aria-describedby=courier_error.as_ref().map(|_| "courier-error")>{options}</select>
                {error_text("courier-error".into(), courier_error.clone())}
            </div>
            <div class="c-field">
                <label class="c-label" for="tracking_no">"运单号"</label>
                <input class="c-input" type="text" id="tracking_no" name="tracking_no" value=tracking
                    autocomplete="off" spellcheck="false" maxlength="40"
                    aria-invalid=tracking_error.as_ref().map(|_| "true")
                    aria-describedby=tracking_error.as_ref().map(|_| "tracking_no-error") />
                {error_text("tracking_no-error".into(), tracking_error.clone())}
            </div>
            <button type="submit" class="c-button">"标记已寄出"</button>
        </form>
    }
    .into_any()
}

fn simple_form(detail: &Detail, event: Event, with_note: bool, danger: bool) -> AnyView {
    let action = format!("/console/applications/{}/action", detail.number);
    let note = with_note.then(|| {
        let id = format!("note-{}", event.code());
        view! {
            <div class="c-field">
                <label class="c-label" for=id.clone()>"说明（可选）"</label>
                <input class="c-input" type="text" id=id name="note" maxlength="500" />
            </div>
        }
    });
    let class = if danger {
        "c-button c-button--danger"
    } else {
        "c-button"
    };
    view! {
        <form method="post" action=action class="c-action">
            {hidden(detail, event)}
            {note}
            <button type="submit" class=class>{event_action(event)}</button>
        </form>
    }
    .into_any()
}

fn actions(detail: &Detail, flash: Option<&Flash>) -> AnyView {
    if detail.allowed.is_empty() {
        return view! { <p>"当前状态下没有需要审核员处理的操作。"</p> }.into_any();
    }
    let mut forms: Vec<AnyView> = Vec::new();
    let mut wide: Vec<AnyView> = Vec::new();
    for event in &detail.allowed {
        match event {
            Event::Reject => wide.push(reject_form(detail, flash)),
            Event::Ship => forms.push(ship_form(detail, flash)),
            Event::TransferRefused => forms.push(simple_form(detail, *event, true, true)),
            other => forms.push(simple_form(detail, *other, false, false)),
        }
    }
    view! {
        <div class="c-actions">{forms}</div>
        {wide}
    }
    .into_any()
}

fn audit(detail: &Detail) -> AnyView {
    let lines = detail
        .audit
        .iter()
        .map(|(at, who, what)| {
            view! {
                <tr>
                    <td class="c-nowrap">{china_time(at)}</td>
                    <td>{who.clone()}</td>
                    <td>{what.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="c-table c-table--compact">
            <caption class="c-visually-hidden">"处理记录与审计日志"</caption>
            <thead><tr><th scope="col">"时间"</th><th scope="col">"操作人"</th><th scope="col">"内容"</th></tr></thead>
            <tbody>{lines}</tbody>
        </table>
    }
    .into_any()
}

pub(super) fn detail_page(reviewer: &Reviewer, detail: &Detail, flash: Option<&Flash>) -> String {
    let order = &detail.order;
    let title = format!("申请 {}", detail.number);
    let heading = detail.application.applicant_name().to_owned();
    let meta = format!(
        "申请编号 {} · {} · 提交于 {}",
        detail.number,
        detail.project_name,
        china_time(&detail.submitted_at)
    );
    let shipment = order.shipment.as_ref().map(|s| {
        let text = format!(
            "{} 运单号 {}（{}）",
            s.courier,
            s.tracking_no,
            china_time(&s.shipped_at)
        );
        view! { <p>"寄出：" {text}</p> }
    });
    let last_flags = (!order.flags.is_empty()).then(|| {
        let items = order
            .flags
            .iter()
            .map(|f| {
                let state = if f.fixed_at.is_some() {
                    "已修改"
                } else {
                    "未修改"
                };
                view! { <li>{format!("{}{}（{state}）", f.label, f.reason)}</li> }
            })
            .collect_view();
        view! {
            <div class="c-card c-card--flags">
                <h2 class="c-card__title">"上次驳回的项目"</h2>
                <ul>{items}</ul>
            </div>
        }
    });
    render(
        &title,
        Some(reviewer),
        view! {
            <p class="c-back"><a href="/console">"← 返回申请列表"</a></p>
            <div class="c-head">
                <div>
                    <h1 class="c-title">{heading}</h1>
                    <p class="c-sub">{meta}</p>
                </div>
                <div class="c-head__status">"当前状态 " {status_tag(order.status)}</div>
            </div>
            {banner(flash)}
            <nav class="c-toc" aria-label="本页内容">
                <a href="#actions">"审核操作"</a>
                <a href="#answers">"申请信息"</a>
                <a href="#materials">"上传材料"</a>
                <a href="#identity">"身份认证"</a>
                <a href="#payment">"支付"</a>
                <a href="#audit">"处理记录"</a>
            </nav>
            <section class="c-card" id="actions" aria-labelledby="actions-title">
                <h2 class="c-card__title" id="actions-title">"审核操作"</h2>
                {shipment}
                {actions(detail, flash)}
            </section>
            {last_flags}
            <section class="c-card" id="answers" aria-labelledby="answers-title">
                <h2 class="c-card__title" id="answers-title">"申请信息"</h2>
                {fees(detail)}
                {answers(detail)}
            </section>
            <section class="c-card" id="materials" aria-labelledby="materials-title">
                <h2 class="c-card__title" id="materials-title">"上传材料"</h2>
                <div class="c-gallery">{materials(detail)}</div>
            </section>
            <section class="c-card" id="identity" aria-labelledby="identity-title">
                <h2 class="c-card__title" id="identity-title">"手机身份认证"</h2>
                {identity(detail)}
            </section>
            <section class="c-card" id="payment" aria-labelledby="payment-title">
                <h2 class="c-card__title" id="payment-title">"支付"</h2>
                {payment(detail)}
            </section>
            <section class="c-card" id="audit" aria-labelledby="audit-title">
                <h2 class="c-card__title" id="audit-title">"处理记录与审计日志"</h2>
                {audit(detail)}
            </section>
        }
        .into_any(),
    )
}

// ---------------------------------------------------------------------------------------------

pub(super) fn reviewers_page(
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
                    <td>{super::action_label(action).to_owned()}</td>
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
