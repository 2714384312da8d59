use super::*;

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
fn each_holder_has_a_mobile_of_their_own_checked_as_typed() {
    assert_only(
        choose_errors(|d| d.certs.holders[0].mobile.clear()),
        "holders-0-mobile",
        "请输入手机号码",
    );
    assert_only(
        choose_errors(|d| d.certs.holders[1].mobile = "1381234567".into()),
        "holders-1-mobile",
        "请输入11位手机号码",
    );
    // Typed with spaces, as people copy it: fine.
    assert!(choose_errors(|d| d.certs.holders[1].mobile = "138 1234 5678".into()).is_empty());
}

#[test]
fn an_id_number_twice_is_reported_on_the_later_row() {
    let errors = choose_errors(|d| {
        let first = d.certs.holders[0].id_number.clone();
        d.certs.holders.push(HolderDraft {
            name: "钱七".into(),
            // The same number, typed differently.
            id_number: format!(" {} ", first.to_lowercase()),
            mobile: "13812345678".into(),
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
