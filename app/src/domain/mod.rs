//! The product's rules, free of I/O so the browser and the server run the same checks.
//!
//! Identifiers follow python-stdnum's verbs: `compact` folds what was typed, `validate` returns
//! the canonical value or a typed error whose `Display` is the Chinese message shown at the field.

pub mod application;
pub mod bank_account;
pub mod bank_check;
pub mod banks;
pub mod business;
pub mod catalog;
pub mod certificate;
pub mod correction;
pub mod credit_code;
pub mod documents;
pub mod draft;
pub mod email;
pub mod file_defects;
#[cfg(test)]
pub(crate) mod fixtures;
pub mod handoff;
pub mod id_number;
pub mod materials;
pub mod mobile;
pub mod money;
pub mod normalize;
pub mod order;
pub mod org_code;
pub mod pin;
pub mod postal_code;
pub mod quote;
pub mod regions;
pub mod review;
pub mod taxpayer_id;
pub mod text;
