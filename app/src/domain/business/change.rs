//! 信息变更: new details on a certificate still in use (the organisation's name, address or
//! legal representative, a holder's details, a natural person's). The changed fields are edited
//! with the form's own checks: the certificate's application becomes a draft again
//! ([`draft_of`]), the sections a change may touch are written into it ([`apply`]) and the
//! whole draft is checked by [`application::validate`]. The order then goes the way of a new
//! application (the seeds' guides ask for a new application's materials), and the certificate is
//! issued again with the new details and the old term, the old one revoked.
//!
//! Price: per order, the project's `change_fee` (seed `000` §五 for Shanxi: 150 元/次); a
//! project without one does not offer changes online.

use std::collections::HashMap;

use crate::domain::application::{self, Applicant, Application, USCC, Variant};
use crate::domain::catalog::{ProductKind, Project};
use crate::domain::certificate::Certificate;
use crate::domain::correction::{self, Field, Section};
use crate::domain::draft::{
    AgentDraft, ApplicantDraft, BankDraft, Draft, HolderDraft, OrgDraft, field,
};
use crate::domain::order::{self, Actor, Event, Status, TransitionError};
use crate::domain::quote::{Quote, QuoteLine};

/// The steps of a change: those of a new application.
pub fn transition(from: Status, event: Event, actor: Actor) -> Result<Status, TransitionError> {
    order::transition(from, event, actor)
}

/// The holder of an org-personal certificate (the only holder of its narrowed application).
pub const HOLDER: Section = Section {
    id: "holder",
    label: "证书持有人信息",
    variant: Variant::Organisation,
    fields: &[
        Field {
            id: "holders-0-name",
            label: "持有人姓名",
            hint: "与身份证上的姓名一致",
        },
        Field {
            id: "holders-0-id-number",
            label: "持有人身份证号码",
            hint: "18 位居民身份证号码",
        },
        Field {
            id: "holders-0-mobile",
            label: "持有人手机号码",
            hint: "证书密码和解锁码将发送到这个手机号",
        },
    ],
};

/// The sections a change of a certificate of `kind` may touch, in the order shown.
pub fn sections(kind: ProductKind) -> Vec<&'static Section> {
    let pick = |id: &str, variant: Variant| correction::section(id, variant);
    match kind {
        ProductKind::Org => [
            pick("org", Variant::Organisation),
            pick("legal_rep", Variant::Organisation),
        ]
        .into_iter()
        .flatten()
        .collect(),
        ProductKind::OrgPersonal => std::iter::once(Some(&HOLDER))
            .chain([
                pick("org", Variant::Organisation),
                pick("legal_rep", Variant::Organisation),
            ])
            .flatten()
            .collect(),
        ProductKind::NaturalPerson => pick("applicant", Variant::NaturalPerson)
            .into_iter()
            .collect(),
    }
}

/// The draft's text at field `id` of `section` (holder fields included).
pub fn get(draft: &Draft, id: &str) -> String {
    let holder = draft.certs.holders.first();
    match (id, holder) {
        ("holders-0-name", Some(h)) => h.name.clone(),
        ("holders-0-id-number", Some(h)) => h.id_number.clone(),
        ("holders-0-mobile", Some(h)) => h.mobile.clone(),
        _ => correction::get(draft, id),
    }
}

/// The message for `value` typed at field `id` on its own, as the browser checks it on leaving
/// the field; the server checks the whole draft again ([`apply`]).
pub fn check_field(id: &str, value: &str, today: time::Date) -> Option<String> {
    use crate::domain::text::{address, org_name, person_name};
    use crate::domain::{credit_code, email, id_number, mobile};
    let message = |r: Result<(), String>| r.err();
    message(match id {
        field::ORG_NAME => org_name::validate(value)
            .map(drop)
            .map_err(|e| e.to_string()),
        field::ORG_CREDIT_CODE => credit_code::validate(value)
            .map(drop)
            .map_err(|e| e.to_string()),
        field::ORG_ADDRESS | field::APPLICANT_ADDRESS => address::validate(value)
            .map(drop)
            .map_err(|e| e.to_string()),
        field::LEGAL_NAME | field::APPLICANT_NAME | "holders-0-name" => {
            person_name::validate(value)
                .map(drop)
                .map_err(|e| e.to_string())
        }
        field::LEGAL_ID_NUMBER | field::APPLICANT_ID_NUMBER | "holders-0-id-number" => {
            id_number::validate(value, today)
                .map(drop)
                .map_err(|e| e.to_string())
        }
        field::LEGAL_MOBILE | field::APPLICANT_MOBILE | "holders-0-mobile" => {
            mobile::validate(value).map(drop).map_err(|e| e.to_string())
        }
        field::APPLICANT_EMAIL => email::validate(value).map(drop).map_err(|e| e.to_string()),
        _ => Ok(()),
    })
}

/// Each wrong field's id and message.
pub type FieldMessages = Vec<(String, String)>;

/// One detail changed: its label, and the text before and after.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Changed {
    /// The section's label (法定代表人信息), which the field's label alone may not name.
    pub section: String,
    pub label: String,
    pub before: String,
    pub after: String,
}

/// Writes the `values` typed for `sections` into `draft` and says what changed, or the errors
/// at the fields (by the form's rules) and nothing when a value is wrong. `Ok` with an empty
/// list: nothing changed.
pub fn apply(
    before: &Application,
    kind: ProductKind,
    values: &HashMap<String, String>,
    project: &Project,
    today: time::Date,
) -> Result<(Application, Vec<Changed>), FieldMessages> {
    let old = draft_of(before);
    let mut draft = old.clone();
    let sections = sections(kind);
    for section in &sections {
        if section.id == HOLDER.id {
            if let Some(holder) = draft.certs.holders.first_mut() {
                for (f, slot) in [
                    (&HOLDER.fields[0], &mut holder.name),
                    (&HOLDER.fields[1], &mut holder.id_number),
                    (&HOLDER.fields[2], &mut holder.mobile),
                ] {
                    if let Some(value) = values.get(f.id) {
                        *slot = value.clone();
                    }
                }
            }
        } else {
            correction::apply(&mut draft, section, values);
        }
    }
    let after = application::validate(&draft, project, today).map_err(|errors| {
        let fields: Vec<&str> = sections
            .iter()
            .flat_map(|s| s.fields.iter().map(|f| f.id))
            .collect();
        let mut mine: Vec<(String, String)> = errors
            .iter()
            .filter(|e| fields.contains(&e.field.as_str()))
            .map(|e| (e.field.clone(), e.message.clone()))
            .collect();
        if mine.is_empty() {
            // A rule across sections the applicant cannot change here.
            let first = errors.iter().next().map(|e| e.message.clone());
            mine.push((
                field::CERTS.to_owned(),
                format!(
                    "变更后与证书的其他信息不一致：{}。请联系证书机构办理",
                    first.unwrap_or_default()
                ),
            ));
        }
        mine
    })?;
    let changed = diff(&old, &draft_of(&after), &sections);
    Ok((after, changed))
}

/// The fields of `sections` whose text differs between two drafts.
pub fn diff(before: &Draft, after: &Draft, sections: &[&Section]) -> Vec<Changed> {
    sections
        .iter()
        .flat_map(|s| s.fields.iter().map(move |f| (s, f)))
        .filter_map(|(s, f)| {
            let (old, new) = (get(before, f.id), get(after, f.id));
            (old.trim() != new.trim()).then(|| Changed {
                section: s.label.to_owned(),
                label: f.label.to_owned(),
                before: old,
                after: new,
            })
        })
        .collect()
}

/// What changes between a certificate's application and the change order's.
pub fn changes(before: &Application, after: &Application, kind: ProductKind) -> Vec<Changed> {
    diff(&draft_of(before), &draft_of(after), &sections(kind))
}

/// The fee of one change order for `certificate`, or `None` where changes are not online.
pub fn quote(project: &Project, certificate: &Certificate) -> Option<Quote> {
    let fee = project.lifecycle.change_fee?;
    let name = match &certificate.holder {
        Some(holder) => format!("{} · {holder}", certificate.kind.label()),
        None => certificate.kind.label().to_owned(),
    };
    let line = QuoteLine {
        label: format!("{name} · 信息变更服务费"),
        detail: "每次变更，有效期不变".to_owned(),
        amount: fee,
    };
    Some(Quote {
        total: line.amount,
        lines: vec![line],
    })
}

/// The draft that `application::validate` turns back into `application`: what the form
/// would hold had the applicant typed it.
pub fn draft_of(application: &Application) -> Draft {
    let mut d = Draft::default();
    let certs = &application.selection.certs;
    let years = |kind: ProductKind| certs.iter().find(|c| c.kind == kind).map(|c| c.years);
    d.certs.org_years = years(ProductKind::Org);
    d.certs.natural_person_years = years(ProductKind::NaturalPerson);
    d.certs.holders = application
        .holders
        .iter()
        .map(|h| HolderDraft {
            name: h.name.to_string(),
            id_number: h.id_number.as_str().to_owned(),
            mobile: h
                .mobile
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            years: h.years,
        })
        .collect();
    match &application.applicant {
        Applicant::Organisation {
            org,
            legal_rep,
            agent,
            bank,
        } => {
            d.org = OrgDraft {
                name: org.name.to_string(),
                cert_type: USCC.to_owned(),
                credit_code: org.credit_code.to_string(),
                province: org.province.code.clone(),
                city: org.city.code.clone(),
                address: org.address.to_string(),
            };
            d.legal_rep.name = legal_rep.name.to_string();
            d.legal_rep.id_number = legal_rep.id_number.as_str().to_owned();
            d.legal_rep.mobile = legal_rep.mobile.to_string();
            d.agent = AgentDraft {
                same_as_legal_rep: agent.same_as_legal_rep,
                name: agent.person.name.to_string(),
                id_number: agent.person.id_number.as_str().to_owned(),
                mobile: agent.person.mobile.to_string(),
                email: agent.email.to_string(),
                position: agent.position.clone(),
            };
            d.bank = BankDraft {
                account_name: bank.account_name.to_string(),
                bank_name: bank.opening_bank.to_string(),
                account_number: bank.account_number.to_string(),
            };
        }
        Applicant::NaturalPerson { applicant, bank } => {
            d.applicant = ApplicantDraft {
                name: applicant.person.name.to_string(),
                id_number: applicant.person.id_number.as_str().to_owned(),
                mobile: applicant.person.mobile.to_string(),
                email: applicant.email.to_string(),
                province: applicant.province.code.clone(),
                city: applicant.city.code.clone(),
                address: applicant.address.to_string(),
            };
            d.applicant_bank = BankDraft {
                account_name: bank.account_name.to_string(),
                bank_name: bank.opening_bank.to_string(),
                account_number: bank.account_number.to_string(),
            };
        }
    }
    let ship = &application.shipping;
    d.shipping.province = ship.province.code.clone();
    d.shipping.city = ship.city.code.clone();
    d.shipping.district = ship
        .district
        .as_ref()
        .map(|p| p.code.clone())
        .unwrap_or_default();
    d.shipping.address = ship.address.to_string();
    d.shipping.postal_code = ship
        .postal_code
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    d.shipping.option = application.selection.shipping.clone().unwrap_or_default();
    match &application.invoice {
        Some(invoice) => {
            d.invoice.wanted = true;
            d.invoice.title = invoice.title.to_string();
            d.invoice.taxpayer_id = invoice
                .taxpayer_id
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
        }
        None => d.invoice.wanted = false,
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::business::replacement::narrowed;
    use crate::domain::fixtures::{application, id, soetp};
    use time::macros::date;

    const TODAY: time::Date = date!(2026 - 12 - 07);

    #[test]
    fn an_application_made_a_draft_again_checks_back_to_itself() {
        let source = application(true, &["王五", "赵六"]);
        let draft = draft_of(&source);
        assert_eq!(
            application::validate(&draft, &soetp(), TODAY),
            Ok(source.clone())
        );
        for position in 0..3 {
            let one = narrowed(&source, position, 1).unwrap();
            assert_eq!(
                application::validate(&draft_of(&one), &soetp(), TODAY),
                Ok(one)
            );
        }
    }

    #[test]
    fn a_new_name_follows_into_the_account_and_says_what_changed() {
        let before = narrowed(&application(true, &["王五"]), 0, 1).unwrap();
        let values =
            HashMap::from([("org-name".to_owned(), "山西某某数字科技有限公司".to_owned())]);
        let (after, changed) = apply(&before, ProductKind::Org, &values, &soetp(), TODAY).unwrap();
        assert_eq!(after.applicant_name(), "山西某某数字科技有限公司");
        assert_eq!(after.bank_account().0, "山西某某数字科技有限公司");
        assert_eq!(
            changed,
            [Changed {
                section: "单位信息".into(),
                label: "机构名称".into(),
                before: "山西某某科技有限公司".into(),
                after: "山西某某数字科技有限公司".into(),
            }]
        );
        assert_eq!(changes(&before, &after, ProductKind::Org), changed);
    }

    #[test]
    fn a_holders_details_are_checked_as_the_form_checks_them() {
        let before = narrowed(&application(true, &["王五"]), 1, 1).unwrap();
        let bad = HashMap::from([("holders-0-id-number".to_owned(), "123".to_owned())]);
        let errors = apply(&before, ProductKind::OrgPersonal, &bad, &soetp(), TODAY).unwrap_err();
        assert_eq!(errors[0].0, "holders-0-id-number");
        assert!(errors[0].1.contains("18位"), "{errors:?}");

        let good = HashMap::from([
            ("holders-0-name".to_owned(), "王小五".to_owned()),
            ("holders-0-id-number".to_owned(), id("14010519900101123")),
        ]);
        let (after, changed) =
            apply(&before, ProductKind::OrgPersonal, &good, &soetp(), TODAY).unwrap();
        assert_eq!(after.holders[0].name.as_str(), "王小五");
        assert_eq!(changed.len(), 2);
    }

    #[test]
    fn a_field_is_checked_on_its_own_as_typed() {
        assert!(check_field("org-credit-code", "9114", TODAY).is_some());
        assert!(check_field("holders-0-mobile", "1381234567", TODAY).is_some());
        assert_eq!(check_field("holders-0-mobile", "13812345678", TODAY), None);
        assert_eq!(check_field("unknown", "", TODAY), None);
    }

    #[test]
    fn nothing_typed_changes_nothing() {
        let before = narrowed(&application(true, &[]), 0, 1).unwrap();
        let (after, changed) =
            apply(&before, ProductKind::Org, &HashMap::new(), &soetp(), TODAY).unwrap();
        assert!(changed.is_empty());
        assert_eq!(after, before);
    }

    #[test]
    fn only_a_project_with_a_fee_offers_changes_online() {
        let mut project = soetp();
        let cert = Certificate {
            id: 1,
            project_id: "soetp".into(),
            order_number: "SQ1".into(),
            kind: ProductKind::Org,
            subject: "山西某某科技有限公司".into(),
            holder: None,
            serial: "AA".into(),
            medium: "LK1".into(),
            validity: crate::domain::certificate::Validity::for_years(TODAY, 1),
            status: crate::domain::certificate::CertStatus::Valid,
        };
        assert_eq!(quote(&project, &cert).unwrap().total.0, 15_000);
        project.lifecycle.change_fee = None;
        assert!(quote(&project, &cert).is_none());
    }
}
