//! Checking a draft step by step or whole: the certificates, then the details, each section
//! by its own module.

use time::Date;

use super::delivery::{invoice, shipping_option};
use super::natural_person::natural_person;
use super::organisation::organisation;
use super::places::{city, district, province};
use super::{Applicant, Application, FieldErrors, Holder, Invoice, Shipping, Variant};
use crate::domain::catalog::{ProductKind, Project};
use crate::domain::draft::{AgentDraft, Draft, field};
use crate::domain::id_number;
use crate::domain::mobile;
use crate::domain::normalize::clean_text;
use crate::domain::postal_code;
use crate::domain::quote::{self, CertChoice, QuoteError, Selection};
use crate::domain::text::address;
use crate::domain::text::person_name;

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

pub(super) fn is_choose_field(field: &str) -> bool {
    [field::CERTS, field::ORG_YEARS, field::NATURAL_PERSON_YEARS].contains(&field)
        || field.starts_with("holders-")
}

pub(super) fn is_blank(text: &str) -> bool {
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
/// number twice), mobiles and terms. Returns the holders that passed.
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
        let mobile = errors.check(&field::holder(i, "mobile"), mobile::validate(&row.mobile));
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
        if let (Some(name), Some(id_number), Some(mobile)) = (name, id, mobile) {
            holders.push(Holder {
                name,
                id_number,
                mobile: Some(mobile),
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
