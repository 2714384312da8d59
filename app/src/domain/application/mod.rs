//! Checking an application: a [`Draft`] against the project's catalog, step by step or whole.
//!
//! [`validate_choose`] and [`validate_details`] return the errors of one form step, keyed by the
//! [`field`] ids and in form order; [`validate_field`] gives one field's message for checks as
//! the user types; [`validate`] checks everything and returns the typed [`Application`] the
//! server stores. Every value is folded and checked by its own module, so `validate` returns
//! canonical values (a full-width ID number comes back as ASCII).
//!
//! Decisions beyond the seed form:
//!
//! * 机构证件类型 left empty means 统一社会信用代码证 ([`USCC`]), the only type offered.
//! * 经办人即法定代表人: the agent's name, ID number and mobile are the legal representative's
//!   ([`effective_agent`]); errors in them show at the legal representative's fields only.
//! * 领取方式 left empty means the project's only option when it has exactly one; with several
//!   the applicant must choose. [`selection`] (for the live fee total) keeps it empty.
//! * An option limited to some provinces (a prepaid zone: the fee depends on the destination)
//!   must cover the shipping province; the message names the option that does.
//! * A city with no counties below it (东莞市, 中山市, 儋州市, and a municipality's district)
//!   takes no 区县.
//! * 发票抬头 and 纳税人识别号 left empty mean the organisation name and credit code
//!   ([`invoice_defaults`]); a default is checked at the field it comes from, not twice.
//! * A natural-person certificate makes the application a private individual's
//!   ([`Variant::NaturalPerson`]): the details step asks for the applicant and their own bank
//!   account instead of the organisation, legal representative, agent and basic account. The
//!   draft keeps both sets of answers and only the chosen variant's are checked, so switching
//!   back and forth in the first step loses nothing.
//! * A natural person's 户名 must be the applicant's name; the invoice title defaults to that
//!   name and the taxpayer number stays empty unless typed (individuals have none).
//!
//! ```
//! use app::domain::application;
//! use app::domain::catalog::Project;
//! use app::domain::draft::{field, Draft, HolderDraft};
//! use time::macros::date;
//!
//! let project: Project = toml::from_str(include_str!("../../../../catalog/soetp.toml")).unwrap();
//! let mut draft = Draft::default();
//! draft.certs.holders.push(HolderDraft {
//!     name: "张三".into(),
//!     id_number: "123".into(),
//!     ..HolderDraft::default()
//! });
//! let errors = application::validate_choose(&draft, &project, date!(2025 - 06 - 01));
//! assert_eq!(errors.get("holders-0-id-number"), Some("身份证号码应为18位，当前为3位"));
//! assert_eq!(errors.get(field::ORG_YEARS), None);
//! assert_eq!(application::selection(&draft).certs.len(), 2);
//! ```

use serde::{Deserialize, Serialize};

use super::bank_account::BankAccount;
use super::banks::OpeningBank;
use super::catalog::ProductKind;
use super::credit_code::CreditCode;
use super::email::Email;
use super::handoff::Role;
use super::id_number::IdNumber;
use super::mobile::Mobile;
use super::postal_code::PostalCode;
use super::quote::Selection;
use super::taxpayer_id::TaxpayerId;
use super::text::address::Address;
use super::text::org_name::OrgName;
use super::text::person_name::PersonName;

mod delivery;
mod errors;
mod natural_person;
mod organisation;
mod places;
mod validation;

#[cfg(test)]
mod tests;

pub use errors::{FieldError, FieldErrors};
pub use validation::{
    effective_agent, invoice_defaults, selection, validate, validate_choose, validate_details,
    validate_field, variant,
};

/// The value of 机构证件类型 for 统一社会信用代码证.
pub const USCC: &str = "uscc";

/// The longest 职务 accepted, in characters.
pub const POSITION_MAX_LEN: usize = 20;

/// A checked application in canonical form, as the server stores it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    /// The certificates and the delivery option (defaulted as the module docs say).
    pub selection: Selection,
    /// The org-personal certificates' holders, in the order of the certificates.
    pub holders: Vec<Holder>,
    /// Flattened, so an organisation's application keeps the JSON shape stored before natural
    /// persons could apply (`org`, `legal_rep`, `agent`, `bank` at the top).
    #[serde(flatten)]
    pub applicant: Applicant,
    pub shipping: Shipping,
    /// `None`: no invoice wanted.
    pub invoice: Option<Invoice>,
}

impl Application {
    pub fn variant(&self) -> Variant {
        match self.applicant {
            Applicant::Organisation { .. } => Variant::Organisation,
            Applicant::NaturalPerson { .. } => Variant::NaturalPerson,
        }
    }

    /// Who proves their identity on the phone: the agent, or the natural person themself.
    pub fn identity_subject(&self) -> (Role, &Person) {
        match &self.applicant {
            Applicant::Organisation { agent, .. } => (Role::Agent, &agent.person),
            Applicant::NaturalPerson { applicant, .. } => (Role::Applicant, &applicant.person),
        }
    }

    /// The account the financial check pays 0.01 yuan into: holder name, opening bank, number.
    pub fn bank_account(&self) -> (&str, &OpeningBank, &BankAccount) {
        match &self.applicant {
            Applicant::Organisation { bank, .. } => (
                bank.account_name.as_str(),
                &bank.opening_bank,
                &bank.account_number,
            ),
            Applicant::NaturalPerson { bank, .. } => (
                bank.account_name.as_str(),
                &bank.opening_bank,
                &bank.account_number,
            ),
        }
    }

    /// Corrects the opening bank and account number (the holder's name stays the applicant's).
    pub fn set_bank_account(&mut self, opening_bank: OpeningBank, number: BankAccount) {
        match &mut self.applicant {
            Applicant::Organisation { bank, .. } => {
                bank.opening_bank = opening_bank;
                bank.account_number = number;
            }
            Applicant::NaturalPerson { bank, .. } => {
                bank.opening_bank = opening_bank;
                bank.account_number = number;
            }
        }
    }

    /// The organisation's name, or the natural person's.
    pub fn applicant_name(&self) -> &str {
        match &self.applicant {
            Applicant::Organisation { org, .. } => org.name.as_str(),
            Applicant::NaturalPerson { applicant, .. } => applicant.person.name.as_str(),
        }
    }
}

/// Which form an application takes, decided by its certificates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Variant {
    /// Org and org-personal certificates, applied for by the organisation's agent.
    Organisation,
    /// A natural-person certificate, applied for by the person it is issued to.
    NaturalPerson,
}

impl Variant {
    /// A natural-person certificate makes the natural-person variant (the fee rules never let
    /// it share an application with other certificates).
    pub fn of(selection: &Selection) -> Variant {
        if selection
            .certs
            .iter()
            .any(|cert| cert.kind == ProductKind::NaturalPerson)
        {
            Variant::NaturalPerson
        } else {
            Variant::Organisation
        }
    }
}

/// Who applies, with the sections of their variant.
// Untagged: each variant is told apart by its own keys (`org` or `applicant`). One value per
// application, so the size difference does not matter (`allow`, not `expect`: on wasm32 the
// variants are close enough in size).
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Applicant {
    Organisation {
        org: Org,
        legal_rep: Person,
        agent: Agent,
        bank: BankDetails,
    },
    NaturalPerson {
        applicant: NaturalPerson,
        bank: PersonalBank,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub name: PersonName,
    pub id_number: IdNumber,
    /// The holder's own mobile, for the certificate's PIN and unlock codes; `None` only in
    /// applications submitted before the form asked for it.
    #[serde(default)]
    pub mobile: Option<Mobile>,
    pub years: u8,
}

/// A division picked from the region lists, with the name shown at the time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    pub code: String,
    pub name: String,
}

/// 单位信息; the certificate type is always [`USCC`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Org {
    pub name: OrgName,
    pub credit_code: CreditCode,
    pub province: Place,
    pub city: Place,
    pub address: Address,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub name: PersonName,
    pub id_number: IdNumber,
    pub mobile: Mobile,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    /// When set, `person` is the legal representative.
    pub same_as_legal_rep: bool,
    pub person: Person,
    pub email: Email,
    /// 职务, spaces collapsed.
    pub position: String,
}

/// 申请人信息 of a natural-person certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NaturalPerson {
    pub person: Person,
    pub email: Email,
    pub province: Place,
    pub city: Place,
    pub address: Address,
}

impl NaturalPerson {
    /// Province, city and address as one line, without repeating a province or city the
    /// applicant already typed at the start of the address.
    pub fn postal_address(&self) -> String {
        let (province, city) = (&self.province.name, &self.city.name);
        let rest = self.address.as_str();
        let rest = rest.strip_prefix(province.as_str()).unwrap_or(rest);
        let rest = rest.strip_prefix(city.as_str()).unwrap_or(rest);
        format!("{province}{city}{rest}")
    }
}

/// 金融认证信息.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankDetails {
    /// Equal to the organisation's name.
    pub account_name: OrgName,
    pub opening_bank: OpeningBank,
    pub account_number: BankAccount,
}

/// A natural person's own account, for the financial check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonalBank {
    /// Equal to the applicant's name.
    pub account_name: PersonName,
    pub opening_bank: OpeningBank,
    pub account_number: BankAccount,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipping {
    pub province: Place,
    pub city: Place,
    /// `None` for a city with no counties below it.
    pub district: Option<Place>,
    pub address: Address,
    pub postal_code: Option<PostalCode>,
}

/// 电子发票信息.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    /// 发票抬头, checked by the organisation-name rules (which every valid person's name
    /// passes).
    pub title: OrgName,
    pub taxpayer_id: Option<TaxpayerId>,
}
