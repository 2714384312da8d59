//! 修改被退回的申请信息: after a rejection that flags a form section, the applicant changes only
//! that section's fields. The section ids are those a reviewer flags (`section:<id>`).
//!
//! The fields are the draft's text fields; the whole draft is then checked again by
//! [`crate::domain::application::validate`], so a corrected section obeys every rule the
//! form does, cross-field ones included.
//!
//! ```
//! use std::collections::HashMap;
//! use app::domain::correction::{apply, section};
//! use app::domain::draft::{Draft, field};
//!
//! let mut draft = Draft::default();
//! draft.agent.mobile = "13800000000".into();
//! let agent = section("agent").unwrap();
//! let typed = HashMap::from([(field::AGENT_MOBILE.to_owned(), "13900000000".to_owned())]);
//! assert_eq!(apply(&mut draft, agent, &typed), ["移动电话"]);
//! assert_eq!(draft.agent.mobile, "13900000000");
//! ```

use std::collections::HashMap;

use super::application::Variant;
use super::draft::{Draft, field};

/// One correctable field: its form id (also the key of its error) and label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    pub id: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Section {
    pub id: &'static str,
    pub label: &'static str,
    pub variant: Variant,
    pub fields: &'static [Field],
}

const fn f(id: &'static str, label: &'static str, hint: &'static str) -> Field {
    Field { id, label, hint }
}

/// Every section a reviewer may send back, in form order.
pub const SECTIONS: [Section; 8] = [
    Section {
        id: "org",
        label: "单位信息",
        variant: Variant::Organisation,
        fields: &[
            f(field::ORG_NAME, "机构名称", "与营业执照上的名称完全一致"),
            f(
                field::ORG_CREDIT_CODE,
                "统一社会信用代码",
                "18 位，见营业执照",
            ),
            f(field::ORG_ADDRESS, "单位地址", ""),
        ],
    },
    Section {
        id: "legal_rep",
        label: "法人信息",
        variant: Variant::Organisation,
        fields: &[
            f(field::LEGAL_NAME, "法人姓名", ""),
            f(field::LEGAL_ID_NUMBER, "身份证号码", ""),
            f(field::LEGAL_MOBILE, "移动电话", ""),
        ],
    },
    Section {
        id: "agent",
        label: "经办人信息",
        variant: Variant::Organisation,
        fields: &[
            f(field::AGENT_NAME, "经办人姓名", ""),
            f(field::AGENT_ID_NUMBER, "身份证号码", ""),
            f(
                field::AGENT_MOBILE,
                "移动电话",
                "须为经办人本人实名登记的手机号",
            ),
            f(field::AGENT_EMAIL, "电子邮箱", "用于接收电子发票"),
            f(field::AGENT_POSITION, "职务", ""),
        ],
    },
    Section {
        id: "bank",
        label: "银行账户信息",
        variant: Variant::Organisation,
        fields: &[
            f(field::BANK_NAME, "开户行", "基本户的开户银行，写到支行"),
            f(field::BANK_ACCOUNT_NUMBER, "银行账号", ""),
        ],
    },
    Section {
        id: "applicant",
        label: "申请人信息",
        variant: Variant::NaturalPerson,
        fields: &[
            f(field::APPLICANT_NAME, "姓名", ""),
            f(field::APPLICANT_ID_NUMBER, "身份证号码", ""),
            f(
                field::APPLICANT_MOBILE,
                "移动电话",
                "须为本人实名登记的手机号",
            ),
            f(field::APPLICANT_EMAIL, "电子邮箱", "用于接收电子发票"),
            f(field::APPLICANT_ADDRESS, "联系地址", ""),
        ],
    },
    Section {
        id: "applicant_bank",
        label: "银行账户信息",
        variant: Variant::NaturalPerson,
        fields: &[
            f(field::APPLICANT_BANK_NAME, "开户行", "写到支行"),
            f(field::APPLICANT_BANK_ACCOUNT_NUMBER, "银行账号", ""),
        ],
    },
    Section {
        id: "shipping",
        label: "收件信息",
        variant: Variant::Organisation,
        fields: &[
            f(field::SHIP_ADDRESS, "详细地址", "街道、门牌号"),
            f(field::SHIP_POSTAL_CODE, "邮政编码", "6 位数字"),
        ],
    },
    Section {
        id: "invoice",
        label: "发票信息",
        variant: Variant::Organisation,
        fields: &[
            f(field::INVOICE_TITLE, "发票抬头", ""),
            f(
                field::INVOICE_TAXPAYER_ID,
                "纳税人识别号",
                "单位一般为统一社会信用代码",
            ),
        ],
    },
];

pub fn section(id: &str) -> Option<&'static Section> {
    SECTIONS.iter().find(|s| s.id == id)
}

/// The sections an application of `variant` has. Shipping and invoice are in both forms.
pub fn sections_for(variant: Variant) -> impl Iterator<Item = &'static Section> {
    SECTIONS
        .iter()
        .filter(move |s| s.variant == variant || matches!(s.id, "shipping" | "invoice"))
}

/// The draft's text at `id`; empty for an id that is not a correctable field.
pub fn get(draft: &Draft, id: &str) -> String {
    slot(&mut draft.clone(), id)
        .map(|s| s.clone())
        .unwrap_or_default()
}

fn slot<'a>(draft: &'a mut Draft, id: &str) -> Option<&'a mut String> {
    Some(match id {
        field::ORG_NAME => &mut draft.org.name,
        field::ORG_CREDIT_CODE => &mut draft.org.credit_code,
        field::ORG_ADDRESS => &mut draft.org.address,
        field::LEGAL_NAME => &mut draft.legal_rep.name,
        field::LEGAL_ID_NUMBER => &mut draft.legal_rep.id_number,
        field::LEGAL_MOBILE => &mut draft.legal_rep.mobile,
        field::AGENT_NAME => &mut draft.agent.name,
        field::AGENT_ID_NUMBER => &mut draft.agent.id_number,
        field::AGENT_MOBILE => &mut draft.agent.mobile,
        field::AGENT_EMAIL => &mut draft.agent.email,
        field::AGENT_POSITION => &mut draft.agent.position,
        field::BANK_NAME => &mut draft.bank.bank_name,
        field::BANK_ACCOUNT_NUMBER => &mut draft.bank.account_number,
        field::APPLICANT_NAME => &mut draft.applicant.name,
        field::APPLICANT_ID_NUMBER => &mut draft.applicant.id_number,
        field::APPLICANT_MOBILE => &mut draft.applicant.mobile,
        field::APPLICANT_EMAIL => &mut draft.applicant.email,
        field::APPLICANT_ADDRESS => &mut draft.applicant.address,
        field::APPLICANT_BANK_NAME => &mut draft.applicant_bank.bank_name,
        field::APPLICANT_BANK_ACCOUNT_NUMBER => &mut draft.applicant_bank.account_number,
        field::SHIP_ADDRESS => &mut draft.shipping.address,
        field::SHIP_POSTAL_CODE => &mut draft.shipping.postal_code,
        field::INVOICE_TITLE => &mut draft.invoice.title,
        field::INVOICE_TAXPAYER_ID => &mut draft.invoice.taxpayer_id,
        _ => return None,
    })
}

/// The draft as the correction form shows it: an agent who was "the legal representative"
/// gets their own fields, filled with the representative's values, since only the agent's
/// section is being changed.
pub fn prepare(draft: &mut Draft, section: &Section) {
    if section.id == "agent" && draft.agent.same_as_legal_rep {
        draft.agent.same_as_legal_rep = false;
        draft.agent.name = draft.legal_rep.name.clone();
        draft.agent.id_number = draft.legal_rep.id_number.clone();
        draft.agent.mobile = draft.legal_rep.mobile.clone();
    }
}

/// Writes the `values` typed for `section` into `draft` (other keys are ignored) and returns
/// the labels of the fields whose text changed. Names that other sections repeat follow: the
/// account name and an invoice title that were the organisation's (or person's) name.
pub fn apply(
    draft: &mut Draft,
    section: &Section,
    values: &HashMap<String, String>,
) -> Vec<&'static str> {
    prepare(draft, section);
    let old_org = draft.org.name.clone();
    let old_person = draft.applicant.name.clone();
    let mut changed = Vec::new();
    for field in section.fields {
        let (Some(value), Some(target)) = (values.get(field.id), slot(draft, field.id)) else {
            continue;
        };
        if target.trim() != value.trim() {
            *target = value.clone();
            changed.push(field.label);
        }
    }
    if draft.org.name != old_org {
        if draft.bank.account_name == old_org {
            draft.bank.account_name = draft.org.name.clone();
        }
        if draft.invoice.title == old_org {
            draft.invoice.title = draft.org.name.clone();
        }
    }
    if draft.applicant.name != old_person {
        if draft.applicant_bank.account_name == old_person {
            draft.applicant_bank.account_name = draft.applicant.name.clone();
        }
        if draft.invoice.title == old_person {
            draft.invoice.title = draft.applicant.name.clone();
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_of_every_section_can_be_read_and_written() {
        for section in &SECTIONS {
            for f in section.fields {
                let mut draft = Draft::default();
                assert!(slot(&mut draft, f.id).is_some(), "{}", f.id);
                let values = HashMap::from([(f.id.to_owned(), "新值".to_owned())]);
                assert_eq!(apply(&mut draft, section, &values), [f.label]);
                assert_eq!(get(&draft, f.id), "新值");
            }
        }
    }

    #[test]
    fn only_the_sections_fields_change() {
        let mut draft = Draft::default();
        draft.org.name = "甲公司".into();
        let values = HashMap::from([
            (field::AGENT_MOBILE.to_owned(), "13900000000".to_owned()),
            (field::ORG_NAME.to_owned(), "乙公司".to_owned()),
        ]);
        apply(&mut draft, section("agent").unwrap(), &values);
        assert_eq!(draft.org.name, "甲公司");
        assert_eq!(draft.agent.mobile, "13900000000");
    }

    #[test]
    fn an_agent_who_was_the_legal_representative_gets_own_fields() {
        let mut draft = Draft::default();
        draft.agent.same_as_legal_rep = true;
        draft.legal_rep.name = "李四".into();
        draft.legal_rep.mobile = "13800000000".into();
        let values = HashMap::from([(field::AGENT_MOBILE.to_owned(), "13900000000".to_owned())]);
        let changed = apply(&mut draft, section("agent").unwrap(), &values);
        assert_eq!(changed, ["移动电话"]);
        assert!(!draft.agent.same_as_legal_rep);
        assert_eq!(draft.agent.name, "李四");
    }

    #[test]
    fn a_new_organisation_name_carries_to_the_account_and_invoice() {
        let mut draft = Draft::default();
        draft.org.name = "甲公司".into();
        draft.bank.account_name = "甲公司".into();
        draft.invoice.title = "甲公司".into();
        let values = HashMap::from([(field::ORG_NAME.to_owned(), "甲科技公司".to_owned())]);
        apply(&mut draft, section("org").unwrap(), &values);
        assert_eq!(draft.bank.account_name, "甲科技公司");
        assert_eq!(draft.invoice.title, "甲科技公司");
    }

    #[test]
    fn each_variant_has_its_own_sections_and_both_ship_and_invoice() {
        let org: Vec<_> = sections_for(Variant::Organisation).map(|s| s.id).collect();
        assert_eq!(
            org,
            ["org", "legal_rep", "agent", "bank", "shipping", "invoice"]
        );
        let person: Vec<_> = sections_for(Variant::NaturalPerson).map(|s| s.id).collect();
        assert_eq!(
            person,
            ["applicant", "applicant_bank", "shipping", "invoice"]
        );
    }
}
