//! The local provider's cashier (沙箱收银台) at `/sandbox/cashier/{out_trade_no}`: what the
//! payer's phone would show after scanning, as a plain server-rendered page. 确认支付 pays the
//! trade in the sandbox's own records, then hands the signed notice a real provider would send
//! to the same notify handling, signature check included. No money moves.

use app::domain::order::Status;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use leptos::prelude::*;

use super::Payments;

const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
     form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// A trade as the cashier shows it.
struct Trade {
    out_trade_no: String,
    number: String,
    method: String,
    amount_fen: i64,
    /// In the sandbox's records: `open`, `paid` or `closed`.
    state: String,
    expired: bool,
    /// The order still waits for payment (not paid another way meanwhile).
    payable: bool,
    merchant: String,
}

async fn find(
    payments: &Payments,
    out_trade_no: &str,
) -> Result<Option<Trade>, crate::store::StoreError> {
    let row = payments.trades.cashier_view(out_trade_no).await?;
    Ok(row.map(|row| {
        let expired = crate::store::time::from_db(row.expires_at) <= payments.clock.now();
        let merchant = payments
            .state
            .catalog
            .project(&row.project_id)
            .map(|p| p.ca.name.clone())
            .unwrap_or_default();
        Trade {
            out_trade_no: out_trade_no.to_owned(),
            number: row.number,
            method: row.method,
            amount_fen: row.amount_fen,
            state: row.state,
            expired,
            payable: row.status == Status::AwaitingPayment.code(),
            merchant,
        }
    }))
}

/// `GET /sandbox/cashier/{out_trade_no}`.
pub async fn page(State(payments): State<Payments>, Path(out_trade_no): Path<String>) -> Response {
    match find(&payments, &out_trade_no).await {
        Ok(Some(trade)) => {
            let problem = refusal(&trade);
            render(StatusCode::OK, trade_view(&trade, problem))
        }
        Ok(None) => message(
            StatusCode::NOT_FOUND,
            "没有这笔交易",
            "二维码不完整或交易不存在。",
        ),
        Err(error) => {
            tracing::error!(%error, "sandbox cashier failed");
            message(
                StatusCode::SERVICE_UNAVAILABLE,
                "暂时无法打开",
                "请稍后重试。",
            )
        }
    }
}

/// `POST /sandbox/cashier/{out_trade_no}/pay`: pays, as far as the sandbox can.
pub async fn pay(
    State(payments): State<Payments>,
    Path(out_trade_no): Path<String>,
    _form: Bytes,
) -> Response {
    let Some(sandbox) = payments.sandbox.clone() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let trade = match find(&payments, &out_trade_no).await {
        Ok(Some(trade)) => trade,
        Ok(None) => {
            return message(
                StatusCode::NOT_FOUND,
                "没有这笔交易",
                "二维码不完整或交易不存在。",
            );
        }
        Err(error) => {
            tracing::error!(%error, "sandbox cashier failed");
            return message(
                StatusCode::SERVICE_UNAVAILABLE,
                "暂时无法支付",
                "请稍后重试。",
            );
        }
    };
    if let Some(problem) = refusal(&trade) {
        return render(StatusCode::CONFLICT, trade_view(&trade, Some(problem)));
    }
    let (headers, body) = match sandbox.pay(&out_trade_no).await {
        Ok(Some(notice)) => notice,
        // Paid, closed or expired since the check above.
        Ok(None) => {
            return match find(&payments, &out_trade_no).await {
                Ok(Some(trade)) => {
                    render(StatusCode::CONFLICT, trade_view(&trade, refusal(&trade)))
                }
                _ => StatusCode::CONFLICT.into_response(),
            };
        }
        Err(error) => {
            tracing::error!(%error, "sandbox cashier failed");
            return message(
                StatusCode::SERVICE_UNAVAILABLE,
                "暂时无法支付",
                "请稍后重试。",
            );
        }
    };
    let amount = yuan(trade.amount_fen);
    let answer = super::deliver(&payments.service, &headers, &body).await;
    if answer.status().is_success() {
        message(
            StatusCode::OK,
            "支付成功",
            &format!(
                "沙箱已确认支付 {amount} 元，未产生真实扣款。请回到电脑上的支付页面，页面会自动进入下一步。"
            ),
        )
    } else {
        // Paid at the provider all the same: the sweep finds it by asking (see reconcile).
        message(
            StatusCode::ACCEPTED,
            "已支付，等待商户确认",
            &format!(
                "沙箱已扣款 {amount} 元（模拟），但商户暂未收到支付结果。系统会在几分钟内自动核对到账，无需重复支付。"
            ),
        )
    }
}

/// Why this trade cannot be paid now.
fn refusal(trade: &Trade) -> Option<&'static str> {
    match trade.state.as_str() {
        "paid" => Some("这笔交易已经支付，无需重复支付。"),
        "closed" => Some(
            "这个二维码已失效（已过期、已更换支付方式或已重新生成），请扫描电脑上的最新二维码。",
        ),
        _ if trade.expired => Some("这个二维码已过期，请扫描电脑上的最新二维码。"),
        _ if !trade.payable => {
            Some("这份申请当前无需支付（可能已用其他方式付款），请回到电脑上查看。")
        }
        _ => None,
    }
}

fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

fn trade_view(trade: &Trade, problem: Option<&'static str>) -> AnyView {
    let method = match trade.method.as_str() {
        "wechat" => "微信支付",
        _ => "支付宝",
    };
    let action = format!("/sandbox/cashier/{}/pay", trade.out_trade_no);
    view! {
        <h1 class="app-heading-l">"沙箱收银台"</h1>
        <div class="app-notice" role="note">
            <p>{format!("这是本机的模拟收银台，代替{method}演示付款流程，不会产生任何真实扣款。")}</p>
        </div>
        <dl class="app-summary-list">
            <div class="app-summary-list__row"><dt class="app-summary-list__key">"收款方"</dt><dd class="app-summary-list__value">{trade.merchant.clone()}</dd></div>
            <div class="app-summary-list__row"><dt class="app-summary-list__key">"申请编号"</dt><dd class="app-summary-list__value">{trade.number.clone()}</dd></div>
            <div class="app-summary-list__row"><dt class="app-summary-list__key">"商户订单号"</dt><dd class="app-summary-list__value">{trade.out_trade_no.clone()}</dd></div>
            <div class="app-summary-list__row"><dt class="app-summary-list__key">"金额"</dt><dd class="app-summary-list__value" data-testid="cashier-amount">{format!("¥{}", yuan(trade.amount_fen))}</dd></div>
        </dl>
        {match problem {
            Some(text) => view! { <p class="app-notice app-notice--error" role="alert">{text}</p> }.into_any(),
            None => view! {
                <form method="post" action=action>
                    <button type="submit" class="app-button">"确认支付"</button>
                </form>
            }.into_any(),
        }}
    }
    .into_any()
}

fn message(status: StatusCode, title: &'static str, text: &str) -> Response {
    let text = text.to_owned();
    render(
        status,
        view! {
            <h1 class="app-heading-l">"沙箱收银台"</h1>
            <h2 class="app-heading-m">{title}</h2>
            <p>{text}</p>
        }
        .into_any(),
    )
}

fn render(status: StatusCode, body: AnyView) -> Response {
    let body = view! { <main id="main" class="phone-main">{body}</main> };
    let html = crate::http::html::document(
        crate::http::html::Head {
            title: "沙箱收银台 - 数字证书网上办理",
            stylesheet: "/pkg/cert-portal.css",
            script: None,
        },
        Some("phone"),
        body.into_any(),
    );
    crate::http::html::page(status, CSP, html)
}
