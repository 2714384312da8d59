use super::*;

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
