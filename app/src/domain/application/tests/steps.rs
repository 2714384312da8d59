use proptest::prelude::*;

use super::super::validation::is_choose_field;
use super::*;

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
                    mobile: "13812345678".into(),
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
