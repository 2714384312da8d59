//! Synthetic applications for the domain's tests.

use time::macros::date;

use crate::domain::application::{self, Application, USCC};
use crate::domain::catalog::Project;
use crate::domain::draft::{Draft, HolderDraft};
use crate::domain::{credit_code, id_number, org_code};

pub fn soetp() -> Project {
    toml::from_str(include_str!("../../../catalog/soetp.toml")).unwrap()
}

pub fn id(body: &str) -> String {
    format!("{body}{}", id_number::calc_check_digit(body).unwrap())
}

/// A valid application (synthetic data) with the org certificate if `org` and one
/// org-personal certificate per name.
pub fn application(org: bool, holders: &[&str]) -> Application {
    const ORG: &str = "山西某某科技有限公司";
    let org_code = "MA0K3L7P";
    let body = format!(
        "91140105{org_code}{}",
        org_code::calc_check_digit(org_code).unwrap()
    );
    let mut d = Draft::default();
    d.certs.org_years = org.then_some(1);
    d.certs.holders = holders
        .iter()
        .enumerate()
        .map(|(i, name)| HolderDraft {
            name: (*name).into(),
            id_number: id(&format!("1401051985010112{i}")),
            mobile: "13812345678".into(),
            years: 1,
        })
        .collect();
    d.org.name = ORG.into();
    d.org.cert_type = USCC.into();
    d.org.credit_code = format!("{body}{}", credit_code::calc_check_digit(&body).unwrap());
    d.org.province = "140000".into();
    d.org.city = "140100".into();
    d.org.address = "太原市小店区长风街1号".into();
    d.legal_rep.name = "张三".into();
    d.legal_rep.id_number = id("14010519800101123");
    d.legal_rep.mobile = "13812345678".into();
    d.agent.same_as_legal_rep = true;
    d.agent.email = "li@example.com".into();
    d.agent.position = "财务经理".into();
    d.bank.account_name = ORG.into();
    d.bank.bank_name = "中国工商银行太原迎泽支行".into();
    d.bank.account_number = "0502123409100012345".into();
    d.shipping.province = "140000".into();
    d.shipping.city = "140100".into();
    d.shipping.district = "140105".into();
    d.shipping.address = "太原市小店区长风街1号".into();
    application::validate(&d, &soetp(), date!(2025 - 06 - 01)).expect("valid test draft")
}
