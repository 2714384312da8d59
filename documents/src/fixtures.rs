//! The JSON test data the integration tests use too.

use crate::model::DocumentData;

fn parse(json: &str) -> DocumentData {
    serde_json::from_str(json).unwrap()
}

pub fn organisation() -> DocumentData {
    parse(include_str!("../tests/data/organisation.json"))
}

pub fn natural_person() -> DocumentData {
    parse(include_str!("../tests/data/natural_person.json"))
}

/// The worst case: a 60-character organisation name, a 120-character address, a long
/// bank name and e-mail address, and 30 more named holders.
pub fn crowded() -> DocumentData {
    parse(include_str!("../tests/data/crowded.json"))
}
