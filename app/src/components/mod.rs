//! Reusable view pieces.

pub mod fee_calculator;
pub mod layout;
