//! The console's HTML: Leptos views rendered to strings, no hydration, no script. One
//! module per page; the shell and the bits every page shares are here.

mod actions;
mod answers;
mod detail;
mod files;
mod identity;
mod queue;
mod reviewers;

use app::domain::business::Business;
use app::domain::order::{Event, Status};
use leptos::prelude::*;

use crate::http::console::Flash;
use crate::service::reviewers::{Reviewer, Role};

use actions::actions;
use answers::answers;
use detail::{row, secret_row, section};
use files::{file_preview, materials};
use identity::identity;

pub(super) use detail::detail_page;
pub(super) use queue::queue_page;
pub(super) use reviewers::reviewers_page;

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
    crate::http::html::document(
        crate::http::html::Head {
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
        Event::StartProduction => "签发证书并开始制证",
        Event::Ship => "标记已寄出",
        Event::ConfirmReceipt => "确认已签收",
        other => other.label(),
    }
}

pub(super) fn error_text(id: String, message: Option<String>) -> impl IntoView {
    message.map(|message| {
        view! {
            <p class="c-error" id=id>
                <span class="c-visually-hidden">"错误："</span>
                {message}
            </p>
        }
    })
}

pub(super) fn banner(flash: Option<&Flash>) -> impl IntoView {
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

/// The status as an order of `business` reads it (制证中 for a new certificate, 办理中 for the
/// others).
pub(super) fn status_tag(business: Business, status: Status) -> impl IntoView {
    let class = match status {
        Status::AwaitingReview | Status::AwaitingTransfer => "c-tag c-tag--work",
        Status::Rejected | Status::Cancelled => "c-tag c-tag--bad",
        Status::Shipped | Status::Completed => "c-tag c-tag--done",
        _ => "c-tag",
    };
    view! { <span class=class>{business.status_label(status)}</span> }
}
