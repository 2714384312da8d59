//! Tests of the application checks, with the drafts and projects they share.

use time::Date;
use time::macros::date;

use super::*;
use crate::domain::catalog::Project;
use crate::domain::credit_code;
use crate::domain::draft::{Draft, HolderDraft, field};
use crate::domain::id_number;
use crate::domain::org_code;

mod choose;
mod delivery;
mod model;
mod natural_person;
mod organisation;
mod places;
mod steps;

const TODAY: Date = date!(2025 - 06 - 01);
const SOETP: &str = include_str!("../../../../../catalog/soetp.toml");

fn soetp() -> Project {
    toml::from_str(SOETP).unwrap()
}

/// A synthetic ID number: the 17-digit body and its computed check character.
fn id(body: &str) -> String {
    format!("{body}{}", id_number::calc_check_digit(body).unwrap())
}

/// A synthetic credit code registered in 太原市小店区, with computed check characters.
fn credit_code() -> String {
    let org = "MA0K3L7P";
    let body = format!("91140105{org}{}", org_code::calc_check_digit(org).unwrap());
    format!("{body}{}", credit_code::calc_check_digit(&body).unwrap())
}

const ORG: &str = "山西某某科技有限公司";

fn holder(name: &str, body: &str, years: u8) -> HolderDraft {
    HolderDraft {
        name: name.into(),
        id_number: id(body),
        mobile: "13812345678".into(),
        years,
    }
}

fn valid_draft() -> Draft {
    let mut d = Draft::default();
    d.certs.org_years = Some(1);
    d.certs.holders = vec![
        holder("王五", "14010519850101123", 1),
        holder("赵六", "14010519920202124", 2),
    ];
    d.org.name = ORG.into();
    d.org.cert_type = USCC.into();
    d.org.credit_code = credit_code();
    d.org.province = "140000".into();
    d.org.city = "140100".into();
    d.org.address = "太原市小店区长风街1号".into();
    d.legal_rep.name = "张三".into();
    d.legal_rep.id_number = id("14010519800101123");
    d.legal_rep.mobile = "13812345678".into();
    d.agent.name = "李四".into();
    d.agent.id_number = id("14010519900307124");
    d.agent.mobile = "13912345678".into();
    d.agent.email = "li@example.com".into();
    d.agent.position = "财务经理".into();
    d.bank.account_name = ORG.into();
    d.bank.bank_name = "中国工商银行太原迎泽支行".into();
    d.bank.account_number = "0502123409100012345".into();
    d.shipping.province = "140000".into();
    d.shipping.city = "140100".into();
    d.shipping.district = "140105".into();
    d.shipping.address = "太原市小店区长风街1号".into();
    d.shipping.postal_code = "030006".into();
    d
}

fn details_errors(change: impl FnOnce(&mut Draft)) -> FieldErrors {
    let mut d = valid_draft();
    change(&mut d);
    validate_details(&d, &soetp(), TODAY)
}

fn choose_errors(change: impl FnOnce(&mut Draft)) -> FieldErrors {
    let mut d = valid_draft();
    change(&mut d);
    validate_choose(&d, &soetp(), TODAY)
}

fn hnsggzy() -> Project {
    crate::domain::catalog::repo_project("hnsggzy")
}

const PERSON: &str = "刘洋";

/// A natural-person certificate for 2 years on hnsggzy, every section valid; the
/// organisation's sections are left empty.
fn person_draft() -> Draft {
    let mut d = Draft::default();
    d.certs.natural_person_years = Some(2);
    d.applicant.name = PERSON.into();
    d.applicant.id_number = id("43010219880808123");
    d.applicant.mobile = "13712345678".into();
    d.applicant.email = "liu@example.com".into();
    d.applicant.province = "430000".into();
    d.applicant.city = "430100".into();
    d.applicant.address = "芙蓉区五一大道1号".into();
    d.applicant_bank.account_name = PERSON.into();
    d.applicant_bank.bank_name = "中国建设银行长沙芙蓉支行".into();
    d.applicant_bank.account_number = "6217002870012345678".into();
    d.shipping.province = "430000".into();
    d.shipping.city = "430100".into();
    d.shipping.district = "430102".into();
    d.shipping.address = "芙蓉区五一大道1号".into();
    d
}

fn person_errors(change: impl FnOnce(&mut Draft)) -> FieldErrors {
    let mut d = person_draft();
    change(&mut d);
    validate_details(&d, &hnsggzy(), TODAY)
}

/// The only error is `message` at `field`.
#[track_caller]
fn assert_only(errors: FieldErrors, field: &str, message: &str) {
    let all: Vec<_> = errors
        .iter()
        .map(|e| (e.field.as_str(), e.message.as_str()))
        .collect();
    assert_eq!(all, [(field, message)]);
}
