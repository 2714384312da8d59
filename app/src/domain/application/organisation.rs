//! An organisation's sections: 单位信息, 法人信息, 经办人信息 and the basic account.

use time::Date;

use super::places::{city, province};
use super::validation::{effective_agent, is_blank};
use super::{Agent, Applicant, BankDetails, FieldErrors, Org, POSITION_MAX_LEN, Person, USCC};
use crate::domain::bank_account;
use crate::domain::banks;
use crate::domain::credit_code;
use crate::domain::draft::{Draft, field};
use crate::domain::email;
use crate::domain::id_number;
use crate::domain::mobile;
use crate::domain::normalize::clean_text;
use crate::domain::text::address;
use crate::domain::text::org_name;
use crate::domain::text::person_name;

/// 单位信息, 法人信息, 经办人信息 and the basic account.
pub(super) fn organisation(
    draft: &Draft,
    today: Date,
    errors: &mut FieldErrors,
) -> Option<Applicant> {
    let org_name = errors.check(field::ORG_NAME, org_name::validate(&draft.org.name));
    let cert_type = clean_text(&draft.org.cert_type);
    if !cert_type.is_empty() && cert_type != USCC {
        errors.push(field::ORG_CERT_TYPE, "机构证件类型请选择统一社会信用代码证");
    }
    let credit_code = errors.check(
        field::ORG_CREDIT_CODE,
        credit_code::validate(&draft.org.credit_code),
    );
    let org_province = province(errors, field::ORG_PROVINCE, &draft.org.province);
    let org_city = city(
        errors,
        field::ORG_CITY,
        org_province.as_ref(),
        &draft.org.city,
    );
    let org_address = errors.check(field::ORG_ADDRESS, address::validate(&draft.org.address));

    let legal_rep = person(
        errors,
        [
            field::LEGAL_NAME,
            field::LEGAL_ID_NUMBER,
            field::LEGAL_MOBILE,
        ],
        [
            &draft.legal_rep.name,
            &draft.legal_rep.id_number,
            &draft.legal_rep.mobile,
        ],
        today,
    );
    let agent = effective_agent(draft);
    let agent_person = if agent.same_as_legal_rep {
        legal_rep.clone()
    } else {
        person(
            errors,
            [
                field::AGENT_NAME,
                field::AGENT_ID_NUMBER,
                field::AGENT_MOBILE,
            ],
            [&agent.name, &agent.id_number, &agent.mobile],
            today,
        )
    };
    let email = errors.check(field::AGENT_EMAIL, email::validate(&agent.email));
    let position = errors.check(field::AGENT_POSITION, position(&agent.position));

    let account_name = same_name(
        errors,
        field::BANK_ACCOUNT_NAME,
        org_name.as_ref(),
        &draft.bank.account_name,
        org_name::validate,
        ["请填写基本户名称", "基本户名称须与机构名称一致"],
    );
    let opening_bank = errors.check(field::BANK_NAME, banks::validate(&draft.bank.bank_name));
    let account_number = errors.check(
        field::BANK_ACCOUNT_NUMBER,
        bank_account::validate(&draft.bank.account_number),
    );

    Some(Applicant::Organisation {
        org: Org {
            name: org_name?,
            credit_code: credit_code?,
            province: org_province?,
            city: org_city?,
            address: org_address?,
        },
        legal_rep: legal_rep?,
        agent: Agent {
            same_as_legal_rep: agent.same_as_legal_rep,
            person: agent_person?,
            email: email?,
            position: position?,
        },
        bank: BankDetails {
            account_name: account_name?,
            opening_bank: opening_bank?,
            account_number: account_number?,
        },
    })
}

/// Name, ID number and mobile at the three given fields.
fn person(
    errors: &mut FieldErrors,
    [name_at, id_at, mobile_at]: [&str; 3],
    [name, id, mobile]: [&str; 3],
    today: Date,
) -> Option<Person> {
    let name = errors.check(name_at, person_name::validate(name));
    let id_number = errors.check(id_at, id_number::validate(id, today));
    let mobile = errors.check(mobile_at, mobile::validate(mobile));
    Some(Person {
        name: name?,
        id_number: id_number?,
        mobile: mobile?,
    })
}

/// 职务: 1 to [`POSITION_MAX_LEN`] characters, spaces collapsed.
fn position(input: &str) -> Result<String, String> {
    let text = clean_text(input)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if text.is_empty() {
        Err("请填写经办人职务".into())
    } else if text.chars().count() > POSITION_MAX_LEN {
        Err(format!("职务不能超过{POSITION_MAX_LEN}个字"))
    } else if text.chars().any(char::is_control) {
        Err("职务含有无法显示的字符，请重新输入".into())
    } else {
        Ok(text)
    }
}

/// An account's 户名, which must be the (valid) name of its owner: `messages` are for a blank
/// field and for a different name. Compared once the owner's own name is valid, since until
/// then that field has the error.
pub(super) fn same_name<T: PartialEq, E>(
    errors: &mut FieldErrors,
    at: &str,
    owner: Option<&T>,
    input: &str,
    parse: fn(&str) -> Result<T, E>,
    [blank, different]: [&str; 2],
) -> Option<T> {
    if is_blank(input) {
        errors.push(at, blank);
        return None;
    }
    match (owner, parse(input)) {
        (Some(owner), Ok(name)) if *owner == name => Some(name),
        (None, _) => None,
        _ => {
            errors.push(at, different);
            None
        }
    }
}
