//! Step 3, 核对并提交: every answer as entered (the sections of the application's variant
//! only), each with a link back to change it, the server's fee breakdown, and the submit
//! button.

use leptos::prelude::*;

use super::Form;
use crate::api::apply::SubmitApplication;
use crate::components::form::ErrorSummary;
use crate::components::quote_table::QuoteTable;
use crate::domain::application::{Variant, effective_agent, invoice_defaults, variant};
use crate::domain::draft::{Draft, Step, field};
use crate::domain::normalize::{clean_text, compact};
use crate::domain::quote::Quote;
use crate::domain::regions;

/// One answer: label, value as entered, and the field to change it.
struct Row {
    label: &'static str,
    value: String,
    step: Step,
    field: String,
}

fn row(label: &'static str, value: impl Into<String>, step: Step, field: &str) -> Row {
    Row {
        label,
        value: value.into(),
        step,
        field: field.to_owned(),
    }
}

fn region_names(codes: &[&str]) -> String {
    codes
        .iter()
        .filter(|c| !c.is_empty())
        .filter_map(|c| regions::lookup(c))
        .map(|r| r.county.or(r.prefecture).unwrap_or(r.province))
        .collect::<Vec<_>>()
        .join(" ")
}

fn sections(draft: &Draft, shipping_label: &str) -> Vec<(&'static str, Vec<Row>)> {
    let (who, shipping_title) = match variant(draft) {
        Variant::Organisation => (org_sections(draft), "邮寄信息"),
        Variant::NaturalPerson => (person_sections(draft), "收件信息"),
    };
    let (title, taxpayer) = invoice_defaults(draft);
    let d = Step::Details;
    let mut all = who;
    all.extend([
        (
            shipping_title,
            vec![
                row(
                    "省/市/区",
                    region_names(&[
                        &draft.shipping.province,
                        &draft.shipping.city,
                        &draft.shipping.district,
                    ]),
                    d,
                    field::SHIP_PROVINCE,
                ),
                row("收件地址", &draft.shipping.address, d, field::SHIP_ADDRESS),
                row(
                    "邮政编码",
                    &draft.shipping.postal_code,
                    d,
                    field::SHIP_POSTAL_CODE,
                ),
                row("邮寄方式", shipping_label, d, field::SHIP_OPTION),
            ],
        ),
        (
            "发票信息",
            if draft.invoice.wanted {
                vec![
                    row("是否开票", "电子发票", d, field::INVOICE_WANTED),
                    row("发票抬头", title, d, field::INVOICE_TITLE),
                    row("纳税人识别号", taxpayer, d, field::INVOICE_TAXPAYER_ID),
                ]
            } else {
                vec![row("是否开票", "不开票", d, field::INVOICE_WANTED)]
            },
        ),
    ]);
    all
}

/// 证书信息, 申请人信息 and 银行账户 of a natural-person certificate.
fn person_sections(draft: &Draft) -> Vec<(&'static str, Vec<Row>)> {
    let d = Step::Details;
    let a = &draft.applicant;
    let bank = &draft.applicant_bank;
    let years = draft.certs.natural_person_years.unwrap_or_default();
    vec![
        (
            "证书信息",
            vec![row(
                "自然人证书",
                format!("{years} 年"),
                Step::Choose,
                field::NATURAL_PERSON_YEARS,
            )],
        ),
        (
            "申请人信息",
            vec![
                row("姓名", &a.name, d, field::APPLICANT_NAME),
                row(
                    "身份证号码",
                    compact(&a.id_number),
                    d,
                    field::APPLICANT_ID_NUMBER,
                ),
                row("手机号码", compact(&a.mobile), d, field::APPLICANT_MOBILE),
                row("电子邮箱", &a.email, d, field::APPLICANT_EMAIL),
                row(
                    "所在省市",
                    region_names(&[&a.province, &a.city]),
                    d,
                    field::APPLICANT_PROVINCE,
                ),
                row("联系地址", &a.address, d, field::APPLICANT_ADDRESS),
            ],
        ),
        (
            "银行账户",
            vec![
                row(
                    "户名",
                    &bank.account_name,
                    d,
                    field::APPLICANT_BANK_ACCOUNT_NAME,
                ),
                row("开户银行", &bank.bank_name, d, field::APPLICANT_BANK_NAME),
                row(
                    "银行账号",
                    compact(&bank.account_number),
                    d,
                    field::APPLICANT_BANK_ACCOUNT_NUMBER,
                ),
            ],
        ),
    ]
}

/// 证书信息, 单位信息, 法人信息, 经办人信息 and 金融认证信息 of an organisation.
fn org_sections(draft: &Draft) -> Vec<(&'static str, Vec<Row>)> {
    let agent = effective_agent(draft);
    let d = Step::Details;
    let mut certs = Vec::new();
    if let Some(years) = draft.certs.org_years {
        certs.push(row(
            "机构证书",
            format!("{years} 年"),
            Step::Choose,
            field::ORG_YEARS,
        ));
    }
    for (i, h) in draft.certs.holders.iter().enumerate() {
        certs.push(Row {
            label: "机构个人证书",
            value: format!(
                "{} · {} · {} · {} 年",
                clean_text(&h.name),
                compact(&h.id_number),
                compact(&h.mobile),
                h.years
            ),
            step: Step::Choose,
            field: field::holder(i, "name"),
        });
    }
    vec![
        ("证书信息", certs),
        (
            "单位信息",
            vec![
                row("机构名称", &draft.org.name, d, field::ORG_NAME),
                row(
                    "机构证件类型",
                    "统一社会信用代码证",
                    d,
                    field::ORG_CERT_TYPE,
                ),
                row(
                    "机构证件号码",
                    compact(&draft.org.credit_code),
                    d,
                    field::ORG_CREDIT_CODE,
                ),
                row(
                    "省市",
                    region_names(&[&draft.org.province, &draft.org.city]),
                    d,
                    field::ORG_PROVINCE,
                ),
                row("单位地址", &draft.org.address, d, field::ORG_ADDRESS),
            ],
        ),
        (
            "法人信息",
            vec![
                row("法人姓名", &draft.legal_rep.name, d, field::LEGAL_NAME),
                row(
                    "身份证号码",
                    compact(&draft.legal_rep.id_number),
                    d,
                    field::LEGAL_ID_NUMBER,
                ),
                row(
                    "移动电话",
                    compact(&draft.legal_rep.mobile),
                    d,
                    field::LEGAL_MOBILE,
                ),
            ],
        ),
        (
            "经办人信息",
            vec![
                row("单位经办人姓名", &agent.name, d, field::AGENT_NAME),
                row(
                    "身份证号码",
                    compact(&agent.id_number),
                    d,
                    field::AGENT_ID_NUMBER,
                ),
                row("移动电话", compact(&agent.mobile), d, field::AGENT_MOBILE),
                row("常用联系邮箱", &agent.email, d, field::AGENT_EMAIL),
                row("职务", &agent.position, d, field::AGENT_POSITION),
            ],
        ),
        (
            "金融认证信息",
            vec![
                row(
                    "基本户名称",
                    &draft.bank.account_name,
                    d,
                    field::BANK_ACCOUNT_NAME,
                ),
                row("基本户开户行", &draft.bank.bank_name, d, field::BANK_NAME),
                row(
                    "基本户账号",
                    compact(&draft.bank.account_number),
                    d,
                    field::BANK_ACCOUNT_NUMBER,
                ),
            ],
        ),
    ]
}

#[component]
pub fn ReviewStep(quote: Result<Quote, String>) -> impl IntoView {
    let form = expect_context::<Form>();
    let submit = ServerAction::<SubmitApplication>::new();
    let project_id = form.project_id();
    let mount = crate::paths::use_mount();
    let draft = form.draft.get_untracked();
    let shipping_label = form.project.with_value(|p| {
        p.shipping_option(&draft.shipping.option)
            .map(|o| o.label.clone())
            .unwrap_or_default()
    });
    // Errors here mean the draft changed since the last step (another tab, an older draft).
    form.show_errors();

    view! {
        <h1 class="app-heading-xl">"核对申请信息"</h1>
        <p class="app-lead">"请逐项核对。提交后将进入打印和上传资料环节；审核退回前，提交的信息不能再修改。"</p>
        <ErrorSummary errors=form.summary() />
        {sections(&draft, &shipping_label).into_iter().map(|(title, rows)| {
            let project_id = project_id.clone();
            view! {
                <h2 class="app-heading-m">{title}</h2>
                <dl class="app-summary-list">
                    {rows.into_iter().map(|r| {
                        let href = format!("{}/apply/{}#{}", mount.project(&project_id), r.step.slug(), r.field);
                        view! {
                            <div class="app-summary-list__row">
                                <dt class="app-summary-list__key">{r.label}</dt>
                                <dd class="app-summary-list__value">
                                    {if r.value.trim().is_empty() { "（未填写）".to_owned() } else { r.value }}
                                </dd>
                                <dd class="app-summary-list__actions">
                                    <a href=href>"修改" <span class="app-visually-hidden">{r.label}</span></a>
                                </dd>
                            </div>
                        }
                    }).collect_view()}
                </dl>
            }
        }).collect_view()}

        <h2 class="app-heading-m">"费用明细"</h2>
        <QuoteTable quote />

        <ActionForm action=submit attr:class="app-form">
            <input type="hidden" name="project" value=form.project_id() />
            <div class="app-button-row">
                <button type="submit" class="app-button" disabled=move || submit.pending().get()>
                    {move || if submit.pending().get() { "正在提交…" } else { "提交申请" }}
                </button>
                <a class="app-button app-button--secondary" href=format!("{}/apply/details", mount.project(&form.project_id()))>"返回修改"</a>
            </div>
        </ActionForm>
    }
}
