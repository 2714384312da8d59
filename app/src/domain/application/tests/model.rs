use super::*;
use crate::domain::quote;

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
