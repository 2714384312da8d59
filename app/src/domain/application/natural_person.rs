//! A natural person's sections: 申请人信息 and their own account.

use time::Date;

use super::organisation::same_name;
use super::places::{city, province};
use super::{Applicant, FieldErrors, NaturalPerson, Person, PersonalBank};
use crate::domain::bank_account;
use crate::domain::banks::{self, OpeningBankError};
use crate::domain::draft::{Draft, field};
use crate::domain::email;
use crate::domain::id_number;
use crate::domain::mobile;
use crate::domain::text::address;
use crate::domain::text::person_name;

/// 申请人信息 and the applicant's own account.
pub(super) fn natural_person(
    draft: &Draft,
    today: Date,
    errors: &mut FieldErrors,
) -> Option<Applicant> {
    let typed = &draft.applicant;
    let name = errors.check(field::APPLICANT_NAME, person_name::validate(&typed.name));
    let id_number = errors.check(
        field::APPLICANT_ID_NUMBER,
        id_number::validate(&typed.id_number, today),
    );
    let mobile = errors.check(field::APPLICANT_MOBILE, mobile::validate(&typed.mobile));
    let email = errors.check(field::APPLICANT_EMAIL, email::validate(&typed.email));
    let province = province(errors, field::APPLICANT_PROVINCE, &typed.province);
    let city = city(
        errors,
        field::APPLICANT_CITY,
        province.as_ref(),
        &typed.city,
    );
    let address = errors.check(field::APPLICANT_ADDRESS, address::validate(&typed.address));

    let bank = &draft.applicant_bank;
    let account_name = same_name(
        errors,
        field::APPLICANT_BANK_ACCOUNT_NAME,
        name.as_ref(),
        &bank.account_name,
        person_name::validate,
        [
            "请填写账户户名",
            "户名须与申请人姓名一致，请填写申请人本人的账户",
        ],
    );
    let opening_bank = errors.check(
        field::APPLICANT_BANK_NAME,
        banks::validate(&bank.bank_name).map_err(|e| match e {
            // The shared message names the organisation's 基本户.
            OpeningBankError::Empty => "请填写开户银行".to_owned(),
            e => e.to_string(),
        }),
    );
    let account_number = errors.check(
        field::APPLICANT_BANK_ACCOUNT_NUMBER,
        bank_account::validate(&bank.account_number),
    );

    Some(Applicant::NaturalPerson {
        applicant: NaturalPerson {
            person: Person {
                name: name?,
                id_number: id_number?,
                mobile: mobile?,
            },
            email: email?,
            province: province?,
            city: city?,
            address: address?,
        },
        bank: PersonalBank {
            account_name: account_name?,
            opening_bank: opening_bank?,
            account_number: account_number?,
        },
    })
}
