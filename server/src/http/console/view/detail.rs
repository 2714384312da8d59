//! One application as a reviewer sees it: every section, the files, the phone step, the
//! payment, the audit trail and the actions its status allows.

use app::domain::money::Fen;
use leptos::prelude::*;

use crate::http::console::{Detail, Flash, china_time};
use crate::service::reviewers::Reviewer;

use super::{
    actions, answers, banner, field_anchor, file_preview, identity, materials, render, status_tag,
};

pub(super) fn row(label: &str, value: String) -> AnyView {
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
pub(super) fn secret_row(
    detail: &Detail,
    key: &str,
    label: &str,
    masked: String,
    full: String,
) -> AnyView {
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
pub(super) fn section(detail: &Detail, id: &str, title: &str, rows: Vec<AnyView>) -> AnyView {
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

pub(super) fn fees(detail: &Detail) -> AnyView {
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

pub(super) fn payment(detail: &Detail) -> AnyView {
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

/// The certificates issued for the order (what the applicant's U-keys carry), or those a
/// business order is about (`lined`), which a reviewer checks the request against.
pub(super) fn certificates(detail: &Detail, lined: bool) -> Option<AnyView> {
    let (list, id, title) = if lined {
        let title = format!("{}的证书", detail.order.business.label());
        (&detail.lined, "lined", title)
    } else {
        (
            &detail.certificates,
            "certificates",
            "已签发的证书".to_owned(),
        )
    };
    if list.is_empty() {
        return None;
    }
    let lines = list
        .iter()
        .map(|cert| {
            let whom = cert.holder.clone().unwrap_or_else(|| cert.subject.clone());
            view! {
                <tr>
                    <td>{cert.kind.label()}</td>
                    <td>{whom}</td>
                    <td class="c-mono">{cert.serial.clone()}</td>
                    <td class="c-mono">{cert.medium.clone()}</td>
                    <td class="c-nowrap">{format!("{} 至 {}", cert.validity.from, cert.validity.to)}</td>
                    <td>{cert.status.label()}</td>
                    <td><a href=format!("/console/applications/{}", cert.order_number)>{cert.order_number.clone()}</a></td>
                </tr>
            }
        })
        .collect_view();
    let title_id = format!("{id}-title");
    let labelled_by = title_id.clone();
    Some(
        view! {
            <section class="c-card" id=id aria-labelledby=labelled_by>
                <h2 class="c-card__title" id=title_id>{title}</h2>
                <table class="c-table c-table--compact">
                    <thead>
                        <tr>
                            <th scope="col">"证书"</th>
                            <th scope="col">"持有者"</th>
                            <th scope="col">"序列号"</th>
                            <th scope="col">"介质号"</th>
                            <th scope="col">"有效期"</th>
                            <th scope="col">"状态"</th>
                            <th scope="col">"签发它的申请"</th>
                        </tr>
                    </thead>
                    <tbody>{lines}</tbody>
                </table>
            </section>
        }
        .into_any(),
    )
}

/// A change order's details side by side: what the certificate says now and what it will say.
pub(super) fn changes(detail: &Detail) -> Option<AnyView> {
    if detail.changes.is_empty() {
        return None;
    }
    let rows = detail
        .changes
        .iter()
        .map(|c| {
            view! {
                <tr>
                    <th scope="row">
                        <span class="c-sub">{c.section.clone()}</span>
                        " "
                        {c.label.clone()}
                    </th>
                    <td>{c.before.clone()}</td>
                    <td><strong>{c.after.clone()}</strong></td>
                </tr>
            }
        })
        .collect_view();
    Some(
        view! {
            <section class="c-card" id="changes" aria-labelledby="changes-title">
                <h2 class="c-card__title" id="changes-title">"变更事项"</h2>
                <table class="c-table c-table--compact">
                    <thead>
                        <tr>
                            <th scope="col">"项目"</th>
                            <th scope="col">"原信息（证书现载）"</th>
                            <th scope="col">"变更后"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </section>
        }
        .into_any(),
    )
}

pub(super) fn audit(detail: &Detail) -> AnyView {
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

pub(crate) fn detail_page(reviewer: &Reviewer, detail: &Detail, flash: Option<&Flash>) -> String {
    let order = &detail.order;
    let title = format!("{}申请 {}", order.business.label(), detail.number);
    let heading = detail.application.applicant_name().to_owned();
    let meta = format!(
        "{} · 申请编号 {} · {} · 提交于 {}",
        order.business.label(),
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
                <div class="c-head__status">"当前状态 " {status_tag(order.business, order.status)}</div>
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
            {changes(detail)}
            {certificates(detail, true)}
            {certificates(detail, false)}
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
