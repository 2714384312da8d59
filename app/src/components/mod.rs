//! Reusable view pieces.

pub mod application_page;
pub mod captcha;
pub mod certificate_page;
pub mod embed;
pub mod fee_calculator;
pub mod form;
pub mod layout;
pub mod not_found;
pub mod quote_table;
