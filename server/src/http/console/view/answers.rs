//! The form's answers, section by section, numbers masked until revealed.

use app::domain::application::{Applicant, Application};
use leptos::prelude::*;

use crate::http::console::Detail;

use super::{row, secret_row, section};

pub(super) fn answers(detail: &Detail) -> AnyView {
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
