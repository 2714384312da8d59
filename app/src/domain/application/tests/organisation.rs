use super::*;

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
        details_errors(|d| d.bank.account_name = " 山西某某科技有限公司\u{3000}".into()).is_empty(),
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
