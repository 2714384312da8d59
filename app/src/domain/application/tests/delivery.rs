use super::*;
use crate::domain::catalog::{ShippingCharge, ShippingOption};
use crate::domain::money::Fen;

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
