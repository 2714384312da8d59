//! 银行账号 (bank account number): the applicant's basic deposit account (基本户账号), to which
//! the CA makes the small verification transfer.
//!
//! There is no national format. Corporate accounts are set by each bank's core system and run
//! from about 12 to 25 digits (a bank-wide number plus branch and sequence parts); personal
//! debit cards are 16–19 digits. The accepted length is 8–32:
//!
//! * 32 is the width of the account field in the People's Bank of China payment-system (CNAPS)
//!   messages, so a longer number could not be paid to;
//! * 8 stops a number that was cut off while still letting through the short accounts some
//!   rural and city commercial banks issued before their systems were unified.
//!
//! There is no check digit test. Card numbers (PANs) end in a Luhn digit, but corporate
//! accounts are not card numbers, carry no standard check digit, and a Luhn test would reject
//! most of them. The small transfer itself is the real proof.
//!
//! ```
//! use app::domain::bank_account::{self, BankAccountError};
//! let account = bank_account::validate("1402 0234 0910 0012 345").unwrap();
//! assert_eq!(account.as_str(), "1402023409100012345");
//! assert_eq!(account.masked(), "****2345");
//! assert_eq!(bank_account::validate("1234567"), Err(BankAccountError::InvalidLength));
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

use super::normalize::compact;

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 32;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BankAccount(String);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum BankAccountError {
    #[error("请输入银行账号")]
    Empty,
    #[error("银行账号只能包含数字")]
    InvalidFormat,
    #[error("银行账号应为8至32位数字")]
    InvalidLength,
}

pub fn validate(input: &str) -> Result<BankAccount, BankAccountError> {
    let account = compact(input);
    if account.is_empty() {
        return Err(BankAccountError::Empty);
    }
    if !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(BankAccountError::InvalidFormat);
    }
    if !(MIN_LEN..=MAX_LEN).contains(&account.len()) {
        return Err(BankAccountError::InvalidLength);
    }
    Ok(BankAccount(account))
}

pub fn is_valid(input: &str) -> bool {
    validate(input).is_ok()
}

impl BankAccount {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last four digits behind a fixed `****`, so the mask does not reveal the length.
    pub fn masked(&self) -> String {
        format!("****{}", &self.0[self.0.len() - 4..])
    }
}

impl fmt::Display for BankAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for BankAccount {
    type Error = BankAccountError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        validate(&value)
    }
}

impl From<BankAccount> for String {
    fn from(value: BankAccount) -> String {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bounds() {
        assert!(is_valid(&"1".repeat(MIN_LEN)));
        assert!(is_valid(&"1".repeat(MAX_LEN)));
        assert_eq!(
            validate(&"1".repeat(MIN_LEN - 1)),
            Err(BankAccountError::InvalidLength)
        );
        assert_eq!(
            validate(&"1".repeat(MAX_LEN + 1)),
            Err(BankAccountError::InvalidLength)
        );
    }

    #[test]
    fn corporate_accounts_without_luhn_digit_pass() {
        // Synthetic 12-, 20- and 21-digit numbers whose Luhn sum is not a multiple of 10.
        for ok in [
            "123456789012",
            "11001234567890123456",
            "310066771018000123456",
        ] {
            assert!(is_valid(ok), "{ok}");
        }
    }

    #[test]
    fn folds_what_people_paste() {
        assert_eq!(
            validate("６２２２－０２１２ ３４５６ 7890")
                .unwrap()
                .as_str(),
            "6222021234567890"
        );
        assert_eq!(validate(" "), Err(BankAccountError::Empty));
        assert_eq!(
            validate("6222O21234567890"),
            Err(BankAccountError::InvalidFormat)
        );
    }

    proptest! {
        #[test]
        fn masked_keeps_only_the_last_four(digits in "[0-9]{8,32}") {
            let account = validate(&digits).unwrap();
            let masked = account.masked();
            prop_assert_eq!(&masked[4..], &digits[digits.len() - 4..]);
            prop_assert_eq!(masked.len(), 8);
        }
    }
}
