//! Provinces, cities and districts picked from the region lists.

use super::{FieldErrors, Place};
use crate::domain::draft::field;
use crate::domain::normalize::clean_text;
use crate::domain::regions;

pub(super) fn province(errors: &mut FieldErrors, at: &str, code: &str) -> Option<Place> {
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
pub(super) fn city(
    errors: &mut FieldErrors,
    at: &str,
    province: Option<&Place>,
    code: &str,
) -> Option<Place> {
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
pub(super) fn district(
    errors: &mut FieldErrors,
    city: Option<&Place>,
    code: &str,
) -> Option<Option<Place>> {
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
