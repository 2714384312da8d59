use super::*;
use crate::domain::quote::{self, CertChoice};

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
