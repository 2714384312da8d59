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
//! let project: Project = toml::from_str(include_str!("../../../catalog/soetp.toml")).unwrap();
//! let mut draft = Draft::default();
//! draft.certs.holders.push(HolderDraft { name: "张三".into(), id_number: "123".into(), years: 1 });
//! let errors = application::validate_choose(&draft, &project, date!(2025 - 06 - 01));
//! assert_eq!(errors.get("holders-0-id-number"), Some("身份证号码应为18位，当前为3位"));
//! assert_eq!(errors.get(field::ORG_YEARS), None);
//! assert_eq!(application::selection(&draft).certs.len(), 2);
//! ```

use serde::{Deserialize, Serialize};
use time::Date;

use super::bank_account::{self, BankAccount};
use super::banks::{self, OpeningBank, OpeningBankError};
use super::catalog::{ProductKind, Project};
use super::credit_code::{self, CreditCode};
use super::draft::{AgentDraft, Draft, field};
use super::email::{self, Email};
use super::handoff::Role;
use super::id_number::{self, IdNumber};
use super::mobile::{self, Mobile};
use super::normalize::clean_text;
use super::postal_code::{self, PostalCode};
use super::quote::{self, CertChoice, QuoteError, Selection};
use super::regions;
use super::taxpayer_id::{self, TaxpayerId};
use super::text::address::{self, Address};
use super::text::org_name::{self, OrgName, OrgNameError};
use super::text::person_name::{self, PersonName};

/// The value of 机构证件类型 for 统一社会信用代码证.
pub const USCC: &str = "uscc";

/// The longest 职务 accepted, in characters.
pub const POSITION_MAX_LEN: usize = 20;

/// One field's message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// The errors of a step in form order, at most one per field. Serializes as a plain list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The message at `field`, if any.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    pub fn iter(&self) -> std::slice::Iter<'_, FieldError> {
        self.0.iter()
    }

    /// Adds a message; a field that already has one keeps it, since the first problem found is
    /// the one to fix first.
    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        let field = field.into();
        if self.get(&field).is_none() {
            self.0.push(FieldError {
                field,
                message: message.into(),
            });
        }
    }

    /// The value, or `None` after recording the error's message at `field`.
    fn check<T, E: ToString>(&mut self, field: &str, result: Result<T, E>) -> Option<T> {
        result.map_err(|e| self.push(field, e.to_string())).ok()
    }
}

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

/// The certificates and delivery option as entered, for the live fee total: the
/// natural-person certificate alone when chosen; otherwise the org certificate (if chosen)
/// first, then one org-personal certificate per holder row. The delivery option is not
/// defaulted here.
pub fn selection(draft: &Draft) -> Selection {
    let certs = match draft.certs.natural_person_years {
        Some(years) => vec![CertChoice {
            kind: ProductKind::NaturalPerson,
            years,
        }],
        None => {
            let org = draft.certs.org_years.map(|years| CertChoice {
                kind: ProductKind::Org,
                years,
            });
            let holders = draft.certs.holders.iter().map(|h| CertChoice {
                kind: ProductKind::OrgPersonal,
                years: h.years,
            });
            org.into_iter().chain(holders).collect()
        }
    };
    let option = clean_text(&draft.shipping.option);
    Selection {
        certs,
        shipping: (!option.is_empty()).then_some(option),
    }
}

/// The variant the draft's certificates make.
pub fn variant(draft: &Draft) -> Variant {
    Variant::of(&selection(draft))
}

/// The agent as the form means it: with 经办人即法定代表人 set, name, ID number and mobile are
/// the legal representative's.
pub fn effective_agent(draft: &Draft) -> AgentDraft {
    let mut agent = draft.agent.clone();
    if agent.same_as_legal_rep {
        let legal = &draft.legal_rep;
        agent.name = legal.name.clone();
        agent.id_number = legal.id_number.clone();
        agent.mobile = legal.mobile.clone();
    }
    agent
}

/// The invoice title and taxpayer number to use: what was typed, or where the field was left
/// blank the organisation name and credit code (the applicant's name and nothing for a
/// natural person).
pub fn invoice_defaults(draft: &Draft) -> (String, String) {
    let (title, taxpayer_id) = match variant(draft) {
        Variant::Organisation => (draft.org.name.as_str(), draft.org.credit_code.as_str()),
        Variant::NaturalPerson => (draft.applicant.name.as_str(), ""),
    };
    let or_default =
        |typed: &str, default: &str| if is_blank(typed) { default } else { typed }.to_owned();
    (
        or_default(&draft.invoice.title, title),
        or_default(&draft.invoice.taxpayer_id, taxpayer_id),
    )
}

/// The errors of the 证书信息 step: the combination of certificates, the terms, each holder's
/// name and ID number, and no ID number twice.
pub fn validate_choose(draft: &Draft, project: &Project, today: Date) -> FieldErrors {
    let mut errors = FieldErrors::default();
    choose(draft, project, today, &mut errors);
    errors
}

/// The errors of the 填写申请信息 step.
pub fn validate_details(draft: &Draft, project: &Project, today: Date) -> FieldErrors {
    let mut errors = FieldErrors::default();
    details(draft, project, today, &mut errors);
    errors
}

/// One field's message (ids as in [`field`], including `holders-<i>-…`), with the rules that
/// involve other fields applied too; `None` when the field is fine or unknown.
pub fn validate_field(
    draft: &Draft,
    project: &Project,
    today: Date,
    field: &str,
) -> Option<String> {
    let errors = if is_choose_field(field) {
        validate_choose(draft, project, today)
    } else {
        validate_details(draft, project, today)
    };
    errors.get(field).map(str::to_owned)
}

/// Checks both steps and returns the canonical application, or every error in form order.
pub fn validate(draft: &Draft, project: &Project, today: Date) -> Result<Application, FieldErrors> {
    let mut errors = FieldErrors::default();
    let chosen = choose(draft, project, today, &mut errors);
    let details = details(draft, project, today, &mut errors);
    let (Some(chosen), Some(details)) = (chosen, details) else {
        return Err(errors);
    };
    let selection = Selection {
        certs: chosen.certs,
        shipping: details.shipping_option,
    };
    // Both steps passed, so this holds; checked again because the fee is what gets charged.
    if let Err(e) = quote::quote(project, &selection) {
        errors.push(field::CERTS, e.to_string());
        return Err(errors);
    }
    Ok(Application {
        selection,
        holders: chosen.holders,
        applicant: details.applicant,
        shipping: details.shipping,
        invoice: details.invoice,
    })
}

fn is_choose_field(field: &str) -> bool {
    [field::CERTS, field::ORG_YEARS, field::NATURAL_PERSON_YEARS].contains(&field)
        || field.starts_with("holders-")
}

fn is_blank(text: &str) -> bool {
    clean_text(text).is_empty()
}

struct Chosen {
    certs: Vec<CertChoice>,
    holders: Vec<Holder>,
}

fn choose(
    draft: &Draft,
    project: &Project,
    today: Date,
    errors: &mut FieldErrors,
) -> Option<Chosen> {
    let before = errors.len();
    let mut certs = selection(draft);
    certs.shipping = None;
    // The combination as a whole. Terms are reported at their own fields below, and delivery
    // belongs to the details step (its errors come after every certificate error).
    match quote::quote(project, &certs) {
        Ok(_)
        | Err(QuoteError::YearsOutOfRange { .. })
        | Err(QuoteError::TermNotOffered { .. })
        | Err(QuoteError::ShippingRequired)
        | Err(QuoteError::UnknownShipping(_)) => {}
        Err(e @ QuoteError::NotOffered(ProductKind::Org)) => {
            errors.push(field::ORG_YEARS, e.to_string());
        }
        Err(e @ QuoteError::NotOffered(ProductKind::NaturalPerson)) => {
            errors.push(field::NATURAL_PERSON_YEARS, e.to_string());
        }
        Err(e) => errors.push(field::CERTS, e.to_string()),
    }
    let holders = match draft.certs.natural_person_years {
        // The organisation's rows wait, unchecked, in case the applicant switches back.
        Some(years) => {
            check_years(
                errors,
                project,
                ProductKind::NaturalPerson,
                years,
                field::NATURAL_PERSON_YEARS,
            );
            Vec::new()
        }
        None => org_certs(draft, project, today, errors),
    };
    (errors.len() == before).then_some(Chosen {
        certs: certs.certs,
        holders,
    })
}

/// The org certificate's term and the org-personal certificates' rows: names, ID numbers (no
/// number twice) and terms. Returns the holders that passed.
fn org_certs(
    draft: &Draft,
    project: &Project,
    today: Date,
    errors: &mut FieldErrors,
) -> Vec<Holder> {
    if let Some(years) = draft.certs.org_years {
        check_years(errors, project, ProductKind::Org, years, field::ORG_YEARS);
    }
    let mut seen: Vec<String> = Vec::new();
    let mut holders = Vec::new();
    for (i, row) in draft.certs.holders.iter().enumerate() {
        let name = errors.check(&field::holder(i, "name"), person_name::validate(&row.name));
        let id_field = field::holder(i, "id-number");
        let id = errors.check(&id_field, id_number::validate(&row.id_number, today));
        if let Some(id) = &id {
            if let Some(earlier) = seen.iter().position(|s| s == id.as_str()) {
                errors.push(
                    &id_field,
                    format!("该身份证号码已在第{}行填写", earlier + 1),
                );
            }
            seen.push(id.as_str().to_owned());
        }
        check_years(
            errors,
            project,
            ProductKind::OrgPersonal,
            row.years,
            &field::holder(i, "years"),
        );
        if let (Some(name), Some(id_number)) = (name, id) {
            holders.push(Holder {
                name,
                id_number,
                years: row.years,
            });
        }
    }
    holders
}

/// A term the product does not offer, with the fee calculator's message.
fn check_years(
    errors: &mut FieldErrors,
    project: &Project,
    kind: ProductKind,
    years: u8,
    at: &str,
) {
    if let Some(product) = project.product(kind)
        && product.service_fee(years).is_none()
    {
        errors.push(at, quote::term_error(product).to_string());
    }
}

struct Details {
    applicant: Applicant,
    shipping: Shipping,
    shipping_option: Option<String>,
    invoice: Option<Invoice>,
}

fn details(
    draft: &Draft,
    project: &Project,
    today: Date,
    errors: &mut FieldErrors,
) -> Option<Details> {
    let before = errors.len();
    let applicant = match variant(draft) {
        Variant::Organisation => organisation(draft, today, errors),
        Variant::NaturalPerson => natural_person(draft, today, errors),
    };

    let ship_province = province(errors, field::SHIP_PROVINCE, &draft.shipping.province);
    let ship_city = city(
        errors,
        field::SHIP_CITY,
        ship_province.as_ref(),
        &draft.shipping.city,
    );
    let ship_district = district(errors, ship_city.as_ref(), &draft.shipping.district);
    let ship_address = errors.check(
        field::SHIP_ADDRESS,
        address::validate(&draft.shipping.address),
    );
    let postal_code = if is_blank(&draft.shipping.postal_code) {
        Some(None)
    } else {
        errors
            .check(
                field::SHIP_POSTAL_CODE,
                postal_code::validate(&draft.shipping.postal_code),
            )
            .map(Some)
    };
    let shipping_option = shipping_option(
        errors,
        project,
        &draft.shipping.option,
        ship_province.as_ref(),
    );

    let invoice = invoice(errors, draft);

    if errors.len() > before {
        return None;
    }
    Some(Details {
        applicant: applicant?,
        shipping: Shipping {
            province: ship_province?,
            city: ship_city?,
            district: ship_district?,
            address: ship_address?,
            postal_code: postal_code?,
        },
        shipping_option: shipping_option?,
        invoice: invoice?,
    })
}

/// 单位信息, 法人信息, 经办人信息 and the basic account.
fn organisation(draft: &Draft, today: Date, errors: &mut FieldErrors) -> Option<Applicant> {
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

/// 申请人信息 and the applicant's own account.
fn natural_person(draft: &Draft, today: Date, errors: &mut FieldErrors) -> Option<Applicant> {
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
fn same_name<T: PartialEq, E>(
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

fn province(errors: &mut FieldErrors, at: &str, code: &str) -> Option<Place> {
    let code = clean_text(code);
    if code.is_empty() {
        errors.push(at, "请选择省份");
        return None;
    }
    let found = regions::provinces().into_iter().find(|(c, _)| *c == code);
    if found.is_none() {
        errors.push(at, "请从列表中选择省份");
    }
    found.map(place)
}

/// A city under `province`; only its presence is checked while the province is wrong.
fn city(errors: &mut FieldErrors, at: &str, province: Option<&Place>, code: &str) -> Option<Place> {
    let code = clean_text(code);
    if code.is_empty() {
        errors.push(at, "请选择城市");
        return None;
    }
    let found = regions::children(&province?.code)
        .into_iter()
        .find(|(c, _)| *c == code);
    if found.is_none() {
        errors.push(at, "请从列表中选择所选省份下的城市");
    }
    found.map(place)
}

/// The shipping district: required under a city that has counties, empty under one that has
/// none. `Some(None)` is a valid empty district.
fn district(errors: &mut FieldErrors, city: Option<&Place>, code: &str) -> Option<Option<Place>> {
    let at = field::SHIP_DISTRICT;
    let code = clean_text(code);
    let Some(city) = city else {
        if code.is_empty() {
            errors.push(at, "请选择区县");
        }
        return None;
    };
    let counties = regions::children(&city.code);
    match (counties.is_empty(), code.is_empty()) {
        (true, true) => Some(None),
        (true, false) => {
            errors.push(at, "所选城市下没有区县，请不要选择区县");
            None
        }
        (false, true) => {
            errors.push(at, "请选择区县");
            None
        }
        (false, false) => {
            let found = counties.into_iter().find(|(c, _)| *c == code);
            if found.is_none() {
                errors.push(at, "请从列表中选择所选城市下的区县");
            }
            found.map(|p| Some(place(p)))
        }
    }
}

fn place((code, name): (&str, &str)) -> Place {
    Place {
        code: code.to_owned(),
        name: name.to_owned(),
    }
}

/// The delivery option's id: the only one when left empty, `None` when there is nothing to
/// deliver with. An option for some provinces only (a prepaid zone) must serve the address.
fn shipping_option(
    errors: &mut FieldErrors,
    project: &Project,
    chosen: &str,
    province: Option<&Place>,
) -> Option<Option<String>> {
    let chosen = clean_text(chosen);
    let found = if chosen.is_empty() {
        match project.shipping.as_slice() {
            [] => return Some(None),
            [only] => Ok(only),
            _ => Err(QuoteError::ShippingRequired),
        }
    } else {
        project
            .shipping_option(&chosen)
            .ok_or(QuoteError::UnknownShipping(chosen))
    };
    let option = errors.check(field::SHIP_OPTION, found)?;
    if let Some(province) = province
        && !option.serves(&province.code)
    {
        // The zone that covers the province rather than an option that goes everywhere.
        let instead = project
            .shipping
            .iter()
            .filter(|o| o.serves(&province.code))
            .min_by_key(|o| o.provinces.is_empty());
        let instead = match instead {
            Some(other) => format!("请改选“{}”", other.label),
            None => "请选择其他邮寄方式".to_owned(),
        };
        errors.push(
            field::SHIP_OPTION,
            format!(
                "“{}”不寄往收件地址所在的{}，{instead}",
                option.label, province.name
            ),
        );
        return None;
    }
    Some(Some(option.id.clone()))
}

/// The invoice with defaults applied; a default is checked at its own field, so only typed
/// values get errors here.
fn invoice(errors: &mut FieldErrors, draft: &Draft) -> Option<Option<Invoice>> {
    if !draft.invoice.wanted {
        return Some(None);
    }
    let (title, taxpayer_id) = invoice_defaults(draft);
    let title = match org_name::validate(&title) {
        Ok(title) => Some(title),
        Err(e) => {
            if !is_blank(&draft.invoice.title) {
                errors.push(field::INVOICE_TITLE, title_message(e));
            }
            None
        }
    };
    let taxpayer_id = if is_blank(&taxpayer_id) {
        Some(None)
    } else {
        match taxpayer_id::validate(&taxpayer_id) {
            Ok(id) => Some(Some(id)),
            Err(e) => {
                if !is_blank(&draft.invoice.taxpayer_id) {
                    errors.push(field::INVOICE_TAXPAYER_ID, e.to_string());
                }
                None
            }
        }
    };
    Some(Some(Invoice {
        title: title?,
        taxpayer_id: taxpayer_id?,
    }))
}

/// The organisation-name rules' messages, worded for the invoice title.
fn title_message(error: OrgNameError) -> String {
    match error {
        OrgNameError::Empty => "请填写发票抬头".into(),
        OrgNameError::InvalidLength => format!(
            "发票抬头应为{}至{}个字符",
            org_name::LEN.start(),
            org_name::LEN.end()
        ),
        OrgNameError::InvalidCharacter(c) => format!("发票抬头不能包含“{c}”"),
        OrgNameError::NoLetters => "发票抬头应包含汉字或字母".into(),
        OrgNameError::UnbalancedBrackets => "发票抬头中的括号不成对，请核对".into(),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::macros::date;

    use super::*;
    use crate::domain::catalog::{ShippingCharge, ShippingOption};
    use crate::domain::draft::HolderDraft;
    use crate::domain::money::Fen;
    use crate::domain::org_code;

    const TODAY: Date = date!(2025 - 06 - 01);
    const SOETP: &str = include_str!("../../../catalog/soetp.toml");

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

    #[test]
    fn a_complete_draft_yields_canonical_values() {
        let mut d = valid_draft();
        // Typed the way people type: full-width digits, lower-case x, spaces.
        d.legal_rep.id_number = "１４０１０５ １９８００１０１ １２３".to_owned()
            + &id_number::calc_check_digit("14010519800101123")
                .unwrap()
                .to_string();
        d.legal_rep.mobile = "+86 138 1234 5678".into();
        d.org.credit_code = credit_code().to_lowercase();
        d.agent.email = " Li@Example。COM ".into();
        d.bank.account_number = "0502 1234 0910 0012 345".into();
        d.org.name = " 山西某某科技有限公司 ".into();
        let app = validate(&d, &soetp(), TODAY).unwrap();
        assert_eq!(app.variant(), Variant::Organisation);
        let Applicant::Organisation {
            org,
            legal_rep,
            agent,
            bank,
        } = &app.applicant
        else {
            panic!("{:?}", app.applicant)
        };
        assert_eq!(legal_rep.id_number.as_str(), id("14010519800101123"));
        assert_eq!(legal_rep.mobile.as_str(), "13812345678");
        assert_eq!(org.credit_code.as_str(), credit_code());
        assert_eq!(org.name.as_str(), ORG);
        assert_eq!(org.city.name, "太原市");
        assert_eq!(agent.email.as_str(), "Li@example.com");
        assert_eq!(agent.person.name.as_str(), "李四");
        assert_eq!(bank.account_number.as_str(), "0502123409100012345");
        assert_eq!(bank.opening_bank.bank().unwrap().name, "中国工商银行");
        assert_eq!(app.identity_subject(), (Role::Agent, &agent.person));
        assert_eq!(app.applicant_name(), ORG);
        assert_eq!(
            app.shipping.district,
            Some(Place {
                code: "140105".into(),
                name: "小店区".into()
            })
        );
        assert_eq!(app.shipping.postal_code.unwrap().as_str(), "030006");
        assert_eq!(app.holders.len(), 2);
        assert_eq!(app.holders[1].years, 2);
        assert_eq!(
            app.selection.shipping.as_deref(),
            Some("post"),
            "the only option"
        );
        let invoice = app.invoice.unwrap();
        assert_eq!(invoice.title.as_str(), ORG, "defaults to the org name");
        assert_eq!(
            invoice.taxpayer_id.unwrap().as_str(),
            credit_code(),
            "defaults to the credit code"
        );
    }

    #[test]
    fn the_application_round_trips_through_json() {
        let app = validate(&valid_draft(), &soetp(), TODAY).unwrap();
        let json = serde_json::to_string(&app).unwrap();
        assert_eq!(serde_json::from_str::<Application>(&json).unwrap(), app);
    }

    #[test]
    fn selection_prices_one_org_and_two_holders() {
        let mut d = valid_draft();
        d.certs.holders[1].years = 1;
        let s = selection(&d);
        assert_eq!(s.certs.len(), 3);
        assert_eq!(s.shipping, None);
        let q = quote::quote(&soetp(), &s).unwrap();
        assert_eq!(q.total.yuan_text(), "1,120.00");
    }

    #[test]
    fn field_errors_keep_the_first_message_and_serialize_as_a_list() {
        let mut errors = FieldErrors::default();
        errors.push(field::ORG_NAME, "第一");
        errors.push(field::ORG_NAME, "第二");
        errors.push(field::CERTS, "第三");
        assert_eq!(errors.len(), 2);
        assert_eq!(errors.get(field::ORG_NAME), Some("第一"));
        assert_eq!(
            serde_json::to_string(&errors).unwrap(),
            r#"[{"field":"org-name","message":"第一"},{"field":"certs","message":"第三"}]"#
        );
    }

    #[test]
    fn choose_rules() {
        assert_only(
            choose_errors(|d| {
                d.certs.org_years = None;
                d.certs.holders.clear();
            }),
            field::CERTS,
            "请至少选择一张证书",
        );
        assert_only(
            choose_errors(|d| {
                d.certs.holders = (0..50)
                    .map(|i| holder("王五", &format!("14010519850101{i:03}"), 1))
                    .collect();
            }),
            field::CERTS,
            "每次申请最多办理50张证书",
        );
        assert_only(
            choose_errors(|d| d.certs.org_years = Some(6)),
            field::ORG_YEARS,
            "机构证书的办理年限应为1至5年",
        );
        assert_only(
            choose_errors(|d| d.certs.holders[1].years = 0),
            "holders-1-years",
            "机构个人证书的办理年限应为1至5年",
        );
        assert_only(
            choose_errors(|d| d.certs.holders[0].name = " ".into()),
            "holders-0-name",
            "请输入姓名",
        );
        assert_only(
            choose_errors(|d| d.certs.holders[0].id_number = "140105198501011230".into()),
            "holders-0-id-number",
            "身份证号码校验位不正确，请核对后重新输入",
        );
        // A birth date after `today`.
        assert_only(
            choose_errors(|d| d.certs.holders[0].id_number = id("14010520250602123")),
            "holders-0-id-number",
            "身份证号码中的出生日期晚于今天，请核对后重新输入",
        );
    }

    #[test]
    fn an_id_number_twice_is_reported_on_the_later_row() {
        let errors = choose_errors(|d| {
            let first = d.certs.holders[0].id_number.clone();
            d.certs.holders.push(HolderDraft {
                name: "钱七".into(),
                // The same number, typed differently.
                id_number: format!(" {} ", first.to_lowercase()),
                years: 1,
            });
        });
        assert_only(errors, "holders-2-id-number", "该身份证号码已在第1行填写");
    }

    #[test]
    fn products_the_project_does_not_offer() {
        let mut project = soetp();
        project.products.retain(|p| p.kind == ProductKind::Org);
        let errors = validate_choose(&valid_draft(), &project, TODAY);
        assert_only(errors, field::CERTS, "本项目不提供机构个人证书");
        let mut project = soetp();
        project
            .products
            .retain(|p| p.kind == ProductKind::OrgPersonal);
        let errors = validate_choose(&valid_draft(), &project, TODAY);
        assert_only(errors, field::ORG_YEARS, "本项目不提供机构证书");
    }

    #[test]
    fn org_rules() {
        assert_only(
            details_errors(|d| d.org.name.clear()),
            field::ORG_NAME,
            "请输入机构名称",
        );
        assert_only(
            details_errors(|d| d.org.cert_type = "org_code".into()),
            field::ORG_CERT_TYPE,
            "机构证件类型请选择统一社会信用代码证",
        );
        assert!(
            details_errors(|d| d.org.cert_type.clear()).is_empty(),
            "empty means uscc"
        );
        let mut wrong = credit_code();
        wrong.pop();
        assert_only(
            details_errors(|d| d.org.credit_code = wrong),
            field::ORG_CREDIT_CODE,
            "统一社会信用代码应为18位，当前为17位",
        );
        assert_only(
            details_errors(|d| d.org.address = "太原".into()),
            field::ORG_ADDRESS,
            "地址应为5至120个字符",
        );
    }

    #[test]
    fn region_rules() {
        assert_only(
            details_errors(|d| d.org.province.clear()),
            field::ORG_PROVINCE,
            "请选择省份",
        );
        assert_only(
            details_errors(|d| d.org.province = "990000".into()),
            field::ORG_PROVINCE,
            "请从列表中选择省份",
        );
        assert_only(
            details_errors(|d| d.org.city.clear()),
            field::ORG_CITY,
            "请选择城市",
        );
        assert_only(
            details_errors(|d| d.org.city = "110105".into()),
            field::ORG_CITY,
            "请从列表中选择所选省份下的城市",
        );
        // An abolished code is not offered.
        assert_only(
            details_errors(|d| d.shipping.district = "140102".into()),
            field::SHIP_DISTRICT,
            "请从列表中选择所选城市下的区县",
        );
        assert_only(
            details_errors(|d| d.shipping.district.clear()),
            field::SHIP_DISTRICT,
            "请选择区县",
        );
        assert_only(
            details_errors(|d| d.shipping.city = "140200".into()),
            field::SHIP_DISTRICT,
            "请从列表中选择所选城市下的区县",
        );
    }

    #[test]
    fn cities_without_counties_take_no_district() {
        for (province, city) in [
            ("440000", "441900"),
            ("440000", "442000"),
            ("460000", "460400"),
            ("110000", "110105"),
        ] {
            let mut d = valid_draft();
            d.shipping.province = province.into();
            d.shipping.city = city.into();
            d.shipping.district.clear();
            let app = validate(&d, &soetp(), TODAY).unwrap();
            assert_eq!(app.shipping.district, None, "{city}");
            d.shipping.district = "140105".into();
            assert_only(
                validate_details(&d, &soetp(), TODAY),
                field::SHIP_DISTRICT,
                "所选城市下没有区县，请不要选择区县",
            );
        }
    }

    #[test]
    fn legal_rep_and_agent_rules() {
        assert_only(
            details_errors(|d| d.legal_rep.name = "张3".into()),
            field::LEGAL_NAME,
            "姓名不能包含“3”",
        );
        assert_only(
            details_errors(|d| d.legal_rep.id_number = "140105800101123".into()),
            field::LEGAL_ID_NUMBER,
            "旧版15位身份证号码已停用，请填写18位号码",
        );
        assert_only(
            details_errors(|d| d.legal_rep.mobile = "1381234567".into()),
            field::LEGAL_MOBILE,
            "请输入11位手机号码",
        );
        assert_only(
            details_errors(|d| d.agent.name.clear()),
            field::AGENT_NAME,
            "请输入姓名",
        );
        assert_only(
            details_errors(|d| d.agent.id_number.clear()),
            field::AGENT_ID_NUMBER,
            "请填写身份证号码",
        );
        assert_only(
            details_errors(|d| d.agent.mobile = "14612345678".into()),
            field::AGENT_MOBILE,
            "该号段不是大陆手机号段，请核对",
        );
        assert_only(
            details_errors(|d| d.agent.email = "li.example.com".into()),
            field::AGENT_EMAIL,
            "电子邮箱缺少“@”，请输入完整地址，如 name@example.com",
        );
        assert_only(
            details_errors(|d| d.agent.position = "\u{3000}".into()),
            field::AGENT_POSITION,
            "请填写经办人职务",
        );
        assert_only(
            details_errors(|d| d.agent.position = "经".repeat(21)),
            field::AGENT_POSITION,
            "职务不能超过20个字",
        );
        assert_only(
            details_errors(|d| d.agent.position = "经理\u{7}".into()),
            field::AGENT_POSITION,
            "职务含有无法显示的字符，请重新输入",
        );
    }

    #[test]
    fn an_agent_who_is_the_legal_rep_takes_the_legal_reps_details() {
        let mut d = valid_draft();
        d.agent.same_as_legal_rep = true;
        d.agent.name.clear();
        d.agent.id_number = "garbage".into();
        d.agent.mobile.clear();
        let effective = effective_agent(&d);
        assert_eq!(effective.name, "张三");
        assert_eq!(effective.email, "li@example.com");
        let app = validate(&d, &soetp(), TODAY).unwrap();
        let Applicant::Organisation {
            legal_rep, agent, ..
        } = &app.applicant
        else {
            panic!("{:?}", app.applicant)
        };
        assert_eq!(&agent.person, legal_rep);
        assert!(agent.same_as_legal_rep);
        // The legal rep's errors show at the legal rep's fields only.
        d.legal_rep.mobile.clear();
        assert_only(
            validate_details(&d, &soetp(), TODAY),
            field::LEGAL_MOBILE,
            "请输入手机号码",
        );
    }

    #[test]
    fn bank_rules() {
        assert_only(
            details_errors(|d| d.bank.account_name = "山西某某科技公司".into()),
            field::BANK_ACCOUNT_NAME,
            "基本户名称须与机构名称一致",
        );
        assert!(
            details_errors(|d| d.bank.account_name = " 山西某某科技有限公司\u{3000}".into())
                .is_empty(),
            "compared after cleaning"
        );
        assert_only(
            details_errors(|d| d.bank.account_name.clear()),
            field::BANK_ACCOUNT_NAME,
            "请填写基本户名称",
        );
        // While the org name is wrong, only the org name is reported.
        assert_only(
            details_errors(|d| d.org.name = "某".into()),
            field::ORG_NAME,
            "机构名称应为2至100个字符",
        );
        assert_only(
            details_errors(|d| d.bank.bank_name = "工商局".into()),
            field::BANK_NAME,
            "请从列表中选择开户银行，可在银行名称后填写支行名称",
        );
        assert_only(
            details_errors(|d| d.bank.bank_name.clear()),
            field::BANK_NAME,
            "请填写基本户开户行",
        );
        assert_only(
            details_errors(|d| d.bank.account_number = "1234567".into()),
            field::BANK_ACCOUNT_NUMBER,
            "银行账号应为8至32位数字",
        );
    }

    #[test]
    fn shipping_rules() {
        assert_only(
            details_errors(|d| d.shipping.address.clear()),
            field::SHIP_ADDRESS,
            "请输入地址",
        );
        assert_only(
            details_errors(|d| d.shipping.postal_code = "03000".into()),
            field::SHIP_POSTAL_CODE,
            "邮政编码应为6位数字",
        );
        let mut d = valid_draft();
        d.shipping.postal_code = " ".into();
        assert_eq!(
            validate(&d, &soetp(), TODAY).unwrap().shipping.postal_code,
            None
        );
        assert_only(
            details_errors(|d| d.shipping.option = "drone".into()),
            field::SHIP_OPTION,
            "所选的证书领取方式不存在，请重新选择",
        );
    }

    #[test]
    fn shipping_option_defaults_only_when_there_is_one() {
        let mut project = soetp();
        project.shipping.push(ShippingOption {
            id: "sf".into(),
            label: "顺丰速运".into(),
            charge: ShippingCharge::Prepaid {
                fee: Fen::from_yuan(15),
            },
            provinces: vec![],
        });
        let mut d = valid_draft();
        assert_only(
            validate_details(&d, &project, TODAY),
            field::SHIP_OPTION,
            "请选择证书领取方式",
        );
        d.shipping.option = "sf".into();
        let app = validate(&d, &project, TODAY).unwrap();
        assert_eq!(app.selection.shipping.as_deref(), Some("sf"));
        project.shipping.clear();
        d.shipping.option.clear();
        assert_eq!(
            validate(&d, &project, TODAY).unwrap().selection.shipping,
            None
        );
    }

    #[test]
    fn a_prepaid_zone_must_cover_the_shipping_province() {
        // ccgp-liaoning: one prepaid option per zone; the test address is in 山西 (far zone).
        let project = crate::domain::catalog::repo_project("ccgp-liaoning");
        let mut d = valid_draft();
        d.certs.holders.clear();
        d.shipping.option = "prepaid_near".into();
        assert_only(
            validate_details(&d, &project, TODAY),
            field::SHIP_OPTION,
            "“快递寄付 12 元（广东省内）”不寄往收件地址所在的山西省，\
             请改选“快递寄付 21 元（其他省、自治区、直辖市，含辽宁）”",
        );
        d.shipping.option = "prepaid_far".into();
        let app = validate(&d, &project, TODAY).unwrap();
        assert_eq!(app.selection.shipping.as_deref(), Some("prepaid_far"));
        d.shipping.option = "collect".into();
        assert!(validate(&d, &project, TODAY).is_ok());
    }

    #[test]
    fn invoice_rules() {
        assert_only(
            details_errors(|d| d.invoice.title = "某某@公司".into()),
            field::INVOICE_TITLE,
            "发票抬头不能包含“@”",
        );
        assert_only(
            details_errors(|d| d.invoice.taxpayer_id = "12345".into()),
            field::INVOICE_TAXPAYER_ID,
            "纳税人识别号应为18位统一社会信用代码，或15、17、20位税务登记号，当前为5位",
        );
        // A default is checked at the field it comes from.
        assert_only(
            details_errors(|d| d.org.credit_code = "911401050000000271".into()),
            field::ORG_CREDIT_CODE,
            "统一社会信用代码校验位不正确，请核对后重新输入",
        );
        let mut d = valid_draft();
        d.invoice.title = "张三".into();
        d.invoice.taxpayer_id = "140105000000027".into();
        let invoice = validate(&d, &soetp(), TODAY).unwrap().invoice.unwrap();
        assert_eq!(invoice.title.as_str(), "张三");
        assert_eq!(invoice.taxpayer_id.unwrap().as_str(), "140105000000027");
        // No invoice: its fields are not checked.
        d.invoice.wanted = false;
        d.invoice.title = "@".into();
        assert_eq!(validate(&d, &soetp(), TODAY).unwrap().invoice, None);
    }

    #[test]
    fn invoice_defaults_fill_blanks_only() {
        let mut d = valid_draft();
        assert_eq!(invoice_defaults(&d), (ORG.to_owned(), credit_code()));
        d.invoice.title = "山西某某（集团）".into();
        d.invoice.taxpayer_id = "\u{3000}".into();
        assert_eq!(
            invoice_defaults(&d),
            ("山西某某（集团）".to_owned(), credit_code())
        );
    }

    #[test]
    fn a_natural_person_certificate_makes_the_natural_person_variant() {
        let d = person_draft();
        assert_eq!(variant(&d), Variant::NaturalPerson);
        assert_eq!(variant(&valid_draft()), Variant::Organisation);
        let app = validate(&d, &hnsggzy(), TODAY).unwrap();
        assert_eq!(app.variant(), Variant::NaturalPerson);
        assert_eq!(
            app.selection.certs,
            [CertChoice {
                kind: ProductKind::NaturalPerson,
                years: 2
            }]
        );
        assert!(app.holders.is_empty());
        let Applicant::NaturalPerson { applicant, bank } = &app.applicant else {
            panic!("{:?}", app.applicant)
        };
        assert_eq!(applicant.person.name.as_str(), PERSON);
        assert_eq!(applicant.city.name, "长沙市");
        assert_eq!(applicant.email.as_str(), "liu@example.com");
        assert_eq!(bank.account_name.as_str(), PERSON);
        assert_eq!(bank.opening_bank.bank().unwrap().name, "中国建设银行");
        assert_eq!(app.identity_subject(), (Role::Applicant, &applicant.person));
        assert_eq!(app.applicant_name(), PERSON);
        assert_eq!(applicant.postal_address(), "湖南省长沙市芙蓉区五一大道1号");
        let mut d = person_draft();
        d.applicant.address = "长沙市芙蓉区五一大道1号".into();
        let app = validate(&d, &hnsggzy(), TODAY).unwrap();
        let Applicant::NaturalPerson { applicant, .. } = &app.applicant else {
            panic!("{:?}", app.applicant)
        };
        assert_eq!(applicant.postal_address(), "湖南省长沙市芙蓉区五一大道1号");
        // hnsggzy: 2 × 100 + 100 + 50.
        let total = quote::quote(&hnsggzy(), &app.selection).unwrap().total;
        assert_eq!(total.yuan_text(), "350.00");
    }

    #[test]
    fn a_personal_invoice_is_titled_with_the_applicants_name_and_needs_no_taxpayer_number() {
        let d = person_draft();
        assert_eq!(invoice_defaults(&d), (PERSON.to_owned(), String::new()));
        let invoice = validate(&d, &hnsggzy(), TODAY).unwrap().invoice.unwrap();
        assert_eq!(invoice.title.as_str(), PERSON);
        assert_eq!(invoice.taxpayer_id, None);
        // A typed title and number are checked as for an organisation.
        assert_only(
            person_errors(|d| d.invoice.taxpayer_id = "12345".into()),
            field::INVOICE_TAXPAYER_ID,
            "纳税人识别号应为18位统一社会信用代码，或15、17、20位税务登记号，当前为5位",
        );
        // A default is checked at the field it comes from.
        assert_only(
            person_errors(|d| d.applicant.name = "刘3".into()),
            field::APPLICANT_NAME,
            "姓名不能包含“3”",
        );
    }

    #[test]
    fn natural_person_rules() {
        assert_only(
            person_errors(|d| d.applicant.name.clear()),
            field::APPLICANT_NAME,
            "请输入姓名",
        );
        assert_only(
            person_errors(|d| d.applicant.id_number = "430102198808081230".into()),
            field::APPLICANT_ID_NUMBER,
            "身份证号码校验位不正确，请核对后重新输入",
        );
        assert_only(
            person_errors(|d| d.applicant.mobile = "1371234567".into()),
            field::APPLICANT_MOBILE,
            "请输入11位手机号码",
        );
        assert_only(
            person_errors(|d| d.applicant.email = "liu.example.com".into()),
            field::APPLICANT_EMAIL,
            "电子邮箱缺少“@”，请输入完整地址，如 name@example.com",
        );
        assert_only(
            person_errors(|d| d.applicant.city = "210100".into()),
            field::APPLICANT_CITY,
            "请从列表中选择所选省份下的城市",
        );
        assert_only(
            person_errors(|d| d.applicant.address = "长沙".into()),
            field::APPLICANT_ADDRESS,
            "地址应为5至120个字符",
        );
    }

    #[test]
    fn the_applicants_own_account_is_checked_like_the_basic_account() {
        assert_only(
            person_errors(|d| d.applicant_bank.account_name = "刘阳".into()),
            field::APPLICANT_BANK_ACCOUNT_NAME,
            "户名须与申请人姓名一致，请填写申请人本人的账户",
        );
        assert_only(
            person_errors(|d| d.applicant_bank.account_name = "长沙某某有限公司".into()),
            field::APPLICANT_BANK_ACCOUNT_NAME,
            "户名须与申请人姓名一致，请填写申请人本人的账户",
        );
        assert!(
            person_errors(|d| d.applicant_bank.account_name = " 刘 洋 ".into()).is_empty(),
            "compared after folding"
        );
        assert_only(
            person_errors(|d| d.applicant_bank.account_name.clear()),
            field::APPLICANT_BANK_ACCOUNT_NAME,
            "请填写账户户名",
        );
        // While the applicant's name is wrong, only the name is reported.
        assert_only(
            person_errors(|d| d.applicant.name = "刘".into()),
            field::APPLICANT_NAME,
            "中文姓名应为2至20个字",
        );
        assert_only(
            person_errors(|d| d.applicant_bank.bank_name.clear()),
            field::APPLICANT_BANK_NAME,
            "请填写开户银行",
        );
        assert_only(
            person_errors(|d| d.applicant_bank.bank_name = "工商局".into()),
            field::APPLICANT_BANK_NAME,
            "请从列表中选择开户银行，可在银行名称后填写支行名称",
        );
        assert_only(
            person_errors(|d| d.applicant_bank.account_number = "62170028x".into()),
            field::APPLICANT_BANK_ACCOUNT_NUMBER,
            "银行账号只能包含数字",
        );
    }

    #[test]
    fn the_natural_person_certificate_on_the_first_step() {
        assert!(validate_choose(&person_draft(), &hnsggzy(), TODAY).is_empty());
        let mut d = person_draft();
        d.certs.natural_person_years = Some(6);
        assert_only(
            validate_choose(&d, &hnsggzy(), TODAY),
            field::NATURAL_PERSON_YEARS,
            "自然人证书的办理年限应为1至5年",
        );
        // soetp offers none.
        d.certs.natural_person_years = Some(1);
        assert_only(
            validate_choose(&d, &soetp(), TODAY),
            field::NATURAL_PERSON_YEARS,
            "本项目不提供自然人证书",
        );
    }

    #[test]
    fn switching_variants_keeps_both_sets_of_answers_and_checks_only_the_chosen_one() {
        // An organisation's answers, complete, and half of a natural person's.
        let mut d = valid_draft();
        d.certs.holders[0].id_number = "garbage".into();
        let person = person_draft();
        d.applicant = person.applicant.clone();
        d.applicant.mobile = "1".into();

        // As a natural person: the organisation's rows and sections are not checked.
        d.certs.natural_person_years = Some(1);
        assert!(
            validate_choose(&d, &soetp(), TODAY)
                .get(field::CERTS)
                .is_none()
        );
        assert!(validate_choose(&d, &hnsggzy(), TODAY).is_empty());
        let errors = validate_details(&d, &hnsggzy(), TODAY);
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                field::APPLICANT_MOBILE,
                field::APPLICANT_BANK_ACCOUNT_NAME,
                field::APPLICANT_BANK_NAME,
                field::APPLICANT_BANK_ACCOUNT_NUMBER,
            ]
        );
        assert_eq!(
            validate_field(&d, &hnsggzy(), TODAY, "holders-0-id-number"),
            None
        );
        assert_eq!(validate_field(&d, &hnsggzy(), TODAY, field::ORG_NAME), None);
        d.applicant.mobile = person.applicant.mobile.clone();
        d.applicant_bank = person.applicant_bank.clone();
        let app = validate(&d, &hnsggzy(), TODAY).unwrap();
        assert_eq!(app.variant(), Variant::NaturalPerson);

        // Back to the organisation: its answers are all there, and the person's wait.
        d.certs.natural_person_years = None;
        assert_eq!(variant(&d), Variant::Organisation);
        assert_eq!(d.org, valid_draft().org);
        assert_eq!(d.applicant, person.applicant);
        assert_only(
            validate_choose(&d, &soetp(), TODAY),
            "holders-0-id-number",
            "身份证号码应为18位，当前为7位",
        );
        assert!(validate_details(&d, &soetp(), TODAY).is_empty());
        assert_eq!(
            validate_field(&d, &soetp(), TODAY, field::APPLICANT_NAME),
            None
        );
    }

    #[test]
    fn a_natural_persons_errors_come_in_form_order() {
        let mut d = Draft::default();
        d.certs.natural_person_years = Some(1);
        let errors = validate(&d, &hnsggzy(), TODAY).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                field::APPLICANT_NAME,
                field::APPLICANT_ID_NUMBER,
                field::APPLICANT_MOBILE,
                field::APPLICANT_EMAIL,
                field::APPLICANT_PROVINCE,
                field::APPLICANT_CITY,
                field::APPLICANT_ADDRESS,
                field::APPLICANT_BANK_ACCOUNT_NAME,
                field::APPLICANT_BANK_NAME,
                field::APPLICANT_BANK_ACCOUNT_NUMBER,
                field::SHIP_PROVINCE,
                field::SHIP_CITY,
                field::SHIP_DISTRICT,
                field::SHIP_ADDRESS,
            ]
        );
    }

    #[test]
    fn both_variants_round_trip_through_json_and_an_organisation_keeps_its_stored_shape() {
        let person = validate(&person_draft(), &hnsggzy(), TODAY).unwrap();
        let json = serde_json::to_value(&person).unwrap();
        assert!(json.get("applicant").is_some() && json.get("org").is_none());
        assert_eq!(serde_json::from_value::<Application>(json).unwrap(), person);

        let org = validate(&valid_draft(), &soetp(), TODAY).unwrap();
        let json = serde_json::to_value(&org).unwrap();
        let keys: Vec<_> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut expected = [
            "selection",
            "holders",
            "org",
            "legal_rep",
            "agent",
            "bank",
            "shipping",
            "invoice",
        ];
        expected.sort();
        assert_eq!(keys, expected);
        assert_eq!(serde_json::from_value::<Application>(json).unwrap(), org);
    }

    #[test]
    fn errors_come_in_form_order() {
        let errors = validate(&Draft::default(), &soetp(), TODAY).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                field::ORG_NAME,
                field::ORG_CREDIT_CODE,
                field::ORG_PROVINCE,
                field::ORG_CITY,
                field::ORG_ADDRESS,
                field::LEGAL_NAME,
                field::LEGAL_ID_NUMBER,
                field::LEGAL_MOBILE,
                field::AGENT_NAME,
                field::AGENT_ID_NUMBER,
                field::AGENT_MOBILE,
                field::AGENT_EMAIL,
                field::AGENT_POSITION,
                field::BANK_ACCOUNT_NAME,
                field::BANK_NAME,
                field::BANK_ACCOUNT_NUMBER,
                field::SHIP_PROVINCE,
                field::SHIP_CITY,
                field::SHIP_DISTRICT,
                field::SHIP_ADDRESS,
            ]
        );
    }

    /// Every field id of both steps, including the holder rows of `draft`.
    fn all_fields(draft: &Draft) -> Vec<String> {
        let mut fields: Vec<String> = [
            field::CERTS,
            field::ORG_YEARS,
            field::ORG_NAME,
            field::ORG_CERT_TYPE,
            field::ORG_CREDIT_CODE,
            field::ORG_PROVINCE,
            field::ORG_CITY,
            field::ORG_ADDRESS,
            field::LEGAL_NAME,
            field::LEGAL_ID_NUMBER,
            field::LEGAL_MOBILE,
            field::AGENT_SAME_AS_LEGAL,
            field::AGENT_NAME,
            field::AGENT_ID_NUMBER,
            field::AGENT_MOBILE,
            field::AGENT_EMAIL,
            field::AGENT_POSITION,
            field::BANK_ACCOUNT_NAME,
            field::BANK_NAME,
            field::BANK_ACCOUNT_NUMBER,
            field::SHIP_PROVINCE,
            field::SHIP_CITY,
            field::SHIP_DISTRICT,
            field::SHIP_ADDRESS,
            field::SHIP_POSTAL_CODE,
            field::SHIP_OPTION,
            field::INVOICE_WANTED,
            field::INVOICE_TITLE,
            field::INVOICE_TAXPAYER_ID,
            field::APPLICANT_KIND,
            field::NATURAL_PERSON_YEARS,
            field::APPLICANT_NAME,
            field::APPLICANT_ID_NUMBER,
            field::APPLICANT_MOBILE,
            field::APPLICANT_EMAIL,
            field::APPLICANT_PROVINCE,
            field::APPLICANT_CITY,
            field::APPLICANT_ADDRESS,
            field::APPLICANT_BANK_ACCOUNT_NAME,
            field::APPLICANT_BANK_NAME,
            field::APPLICANT_BANK_ACCOUNT_NUMBER,
        ]
        .map(str::to_owned)
        .into();
        for i in 0..draft.certs.holders.len() {
            for part in ["name", "id-number", "years"] {
                fields.push(field::holder(i, part));
            }
        }
        fields
    }

    /// validate_field agrees with the step checks at every field, and validate succeeds exactly
    /// when both steps are clean.
    fn check_agreement(draft: &Draft, project: &Project) -> Result<(), TestCaseError> {
        let choose = validate_choose(draft, project, TODAY);
        let details = validate_details(draft, project, TODAY);
        for f in all_fields(draft) {
            let step = if is_choose_field(&f) {
                &choose
            } else {
                &details
            };
            let one = validate_field(draft, project, TODAY, &f);
            prop_assert_eq!(one.as_deref(), step.get(&f), "{}", f);
        }
        for e in choose.iter().chain(details.iter()) {
            prop_assert!(
                all_fields(draft).contains(&e.field),
                "unknown field {}",
                e.field
            );
        }
        let result = validate(draft, project, TODAY);
        prop_assert_eq!(result.is_ok(), choose.is_empty() && details.is_empty());
        if let Err(errors) = result {
            prop_assert_eq!(errors.len(), choose.len() + details.len());
        }
        Ok(())
    }

    #[test]
    fn validate_field_agrees_on_sample_drafts() {
        let mut broken = valid_draft();
        broken.org.name = "某".into();
        broken.bank.account_name = "别家公司".into();
        broken.certs.holders[1].id_number = broken.certs.holders[0].id_number.clone();
        broken.shipping.city = "110105".into();
        broken.invoice.taxpayer_id = "1".into();
        for draft in [valid_draft(), Draft::default(), broken] {
            check_agreement(&draft, &soetp()).unwrap();
        }
        let mut person = person_draft();
        person.applicant_bank.account_name = "别人".into();
        for draft in [person_draft(), person] {
            check_agreement(&draft, &hnsggzy()).unwrap();
        }
        assert_eq!(
            validate_field(&valid_draft(), &soetp(), TODAY, "no-such-field"),
            None
        );
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof!["\\PC{0,24}", "[0-9]{0,20}", "[1-6][0-9]0{2,4}"]
    }

    fn arbitrary_draft() -> impl Strategy<Value = Draft> {
        let holders = prop::collection::vec((text(), text(), any::<u8>()), 0..4);
        (
            (
                prop::option::of(any::<u8>()),
                holders,
                any::<bool>(),
                any::<bool>(),
                prop::option::of(any::<u8>()),
            ),
            prop::collection::vec(text(), 36),
        )
            .prop_map(|((org_years, holders, same, wanted, natural), t)| {
                let mut d = valid_draft();
                let person = person_draft();
                d.applicant = person.applicant;
                d.applicant_bank = person.applicant_bank;
                d.certs.org_years = org_years;
                d.certs.natural_person_years = natural;
                d.certs.holders = holders
                    .into_iter()
                    .map(|(name, id_number, years)| HolderDraft {
                        name,
                        id_number,
                        years,
                    })
                    .collect();
                d.agent.same_as_legal_rep = same;
                d.invoice.wanted = wanted;
                let mut t = t.into_iter();
                for slot in [
                    &mut d.org.name,
                    &mut d.org.cert_type,
                    &mut d.org.credit_code,
                    &mut d.org.province,
                    &mut d.org.city,
                    &mut d.org.address,
                    &mut d.legal_rep.name,
                    &mut d.legal_rep.id_number,
                    &mut d.legal_rep.mobile,
                    &mut d.agent.name,
                    &mut d.agent.id_number,
                    &mut d.agent.mobile,
                    &mut d.agent.email,
                    &mut d.agent.position,
                    &mut d.bank.account_name,
                    &mut d.bank.bank_name,
                    &mut d.bank.account_number,
                    &mut d.shipping.province,
                    &mut d.shipping.city,
                    &mut d.shipping.district,
                    &mut d.shipping.address,
                    &mut d.shipping.postal_code,
                    &mut d.shipping.option,
                    &mut d.invoice.title,
                    &mut d.invoice.taxpayer_id,
                    &mut d.applicant.name,
                    &mut d.applicant.id_number,
                    &mut d.applicant.mobile,
                    &mut d.applicant.email,
                    &mut d.applicant.province,
                    &mut d.applicant.city,
                    &mut d.applicant.address,
                    &mut d.applicant_bank.account_name,
                    &mut d.applicant_bank.bank_name,
                    &mut d.applicant_bank.account_number,
                ] {
                    // Keep about half of the valid draft's values so later checks are reached.
                    let value = t.next().unwrap_or_default();
                    if value.len() % 2 == 1 {
                        *slot = value;
                    }
                }
                d
            })
    }

    proptest! {
        #[test]
        fn never_panics_and_validate_field_agrees(draft in arbitrary_draft()) {
            check_agreement(&draft, &soetp())?;
            check_agreement(&draft, &hnsggzy())?;
        }
    }
}
