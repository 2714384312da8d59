//! 纳税人识别号 (taxpayer identification number), as printed on an electronic invoice.
//!
//! Since the 2015 merger of business licences (三证合一) an organisation's taxpayer number is its
//! 18-character unified social credit code, checked in full by [`credit_code::validate`]. Tax
//! registration numbers issued before then are still printed on invoices: 15 characters (a
//! GB/T 2260 region code and the 9-character organisation code) and 17 or 20 characters
//! (numbers built on the owner's ID number for sole traders). Those have no check that every
//! issuer followed, so only their length and alphabet (`0`–`9`, `A`–`Z`) are checked.
//!
//! The field may be left blank by individuals and government bodies; whether blank is allowed is
//! the caller's decision, so [`validate`] reports [`TaxpayerIdError::Empty`].
//!
//! ```
//! use app::domain::taxpayer_id::{self, TaxpayerIdError};
//! let id = taxpayer_id::validate(" 9135 0100 m000 100y 43 ").unwrap();
//! assert_eq!(id.as_str(), "91350100M000100Y43");
//! assert!(id.is_credit_code());
//! assert!(!taxpayer_id::validate("140105M000100Y4").unwrap().is_credit_code());
//! assert_eq!(
//!     taxpayer_id::validate("1401051234").unwrap_err().to_string(),
//!     "纳税人识别号应为18位统一社会信用代码，或15、17、20位税务登记号，当前为10位"
//! );
//! assert!(matches!(
//!     taxpayer_id::validate("91350100M000100Y44"),
//!     Err(TaxpayerIdError::CreditCode(_))
//! ));
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

use super::credit_code::{self, CreditCodeError};
use super::normalize;

/// Lengths of tax registration numbers issued before the unified social credit code.
pub const OLD_LENGTHS: [usize; 3] = [15, 17, 20];

/// A validated taxpayer number in canonical form: upper-case ASCII, no separators.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TaxpayerId(String);

/// Why a string is not a valid taxpayer number, in the order the checks run.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum TaxpayerIdError {
    #[error("请填写纳税人识别号")]
    Empty,
    #[error("纳税人识别号应为18位统一社会信用代码，或15、17、20位税务登记号，当前为{len}位")]
    InvalidLength { len: usize },
    #[error("纳税人识别号只能包含数字和大写字母")]
    InvalidCharacter,
    /// 18 characters that are not a valid credit code; the message is the credit code's.
    #[error("{0}")]
    CreditCode(CreditCodeError),
}

/// Folds full-width characters, drops spaces and dashes, upper-cases letters.
///
/// ```
/// use app::domain::taxpayer_id::compact;
/// assert_eq!(compact("１４０１０５－ｍ０００１００ｙ４"), "140105M000100Y4");
/// ```
pub fn compact(input: &str) -> String {
    normalize::compact(input)
}

/// Checks a non-empty number: 18 characters as a credit code, 15, 17 or 20 as an old tax
/// registration number (alphabet only), any other length is refused.
pub fn validate(input: &str) -> Result<TaxpayerId, TaxpayerIdError> {
    let number = compact(input);
    let len = number.chars().count();
    if len == 0 {
        return Err(TaxpayerIdError::Empty);
    }
    if len == 18 {
        return credit_code::validate(&number)
            .map(|code| TaxpayerId(code.as_str().to_owned()))
            .map_err(TaxpayerIdError::CreditCode);
    }
    if !OLD_LENGTHS.contains(&len) {
        return Err(TaxpayerIdError::InvalidLength { len });
    }
    if !number
        .bytes()
        .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
    {
        return Err(TaxpayerIdError::InvalidCharacter);
    }
    Ok(TaxpayerId(number))
}

/// Whether [`validate`] accepts `input`.
pub fn is_valid(input: &str) -> bool {
    validate(input).is_ok()
}

impl TaxpayerId {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is a unified social credit code rather than an old registration number.
    pub fn is_credit_code(&self) -> bool {
        self.0.len() == 18
    }
}

impl fmt::Display for TaxpayerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for TaxpayerId {
    type Error = TaxpayerIdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        validate(&value)
    }
}

impl From<TaxpayerId> for String {
    fn from(value: TaxpayerId) -> String {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// A synthetic credit code with computed organisation-code and credit-code check characters.
    fn credit_code() -> String {
        let org = "MA000000";
        let body = format!(
            "91140105{org}{}",
            crate::domain::org_code::calc_check_digit(org).unwrap()
        );
        format!("{body}{}", credit_code::calc_check_digit(&body).unwrap())
    }

    #[test]
    fn credit_codes_are_checked_in_full() {
        let code = credit_code();
        assert_eq!(validate(&code).unwrap().as_str(), code);
        assert_eq!(
            validate(&code.to_lowercase()).unwrap().as_str(),
            code,
            "lower case is folded"
        );
        let mut wrong = code.clone();
        wrong.replace_range(17.., if code.ends_with('0') { "1" } else { "0" });
        assert_eq!(
            validate(&wrong),
            Err(TaxpayerIdError::CreditCode(
                CreditCodeError::InvalidChecksum
            ))
        );
        assert_eq!(
            validate(&wrong).unwrap_err().to_string(),
            "统一社会信用代码校验位不正确，请核对后重新输入"
        );
    }

    #[test]
    fn old_registration_numbers_pass_on_format() {
        for old in [
            "140105000000027",      // region + organisation code
            "14010519900307123",    // 15-digit ID + 2
            "14010519900307123X01", // 18-digit ID + 2
            "ABCDEFGHIJKLMNO",
        ] {
            let id = validate(old).unwrap();
            assert_eq!(id.as_str(), old);
            assert!(!id.is_credit_code());
        }
        assert_eq!(
            validate("１４０１０５ ０００ ０００ ０２７")
                .unwrap()
                .as_str(),
            "140105000000027"
        );
    }

    #[test]
    fn failures() {
        assert_eq!(validate(" \u{3000}"), Err(TaxpayerIdError::Empty));
        for len in [1, 14, 16, 19, 21] {
            assert_eq!(
                validate(&"1".repeat(len)),
                Err(TaxpayerIdError::InvalidLength { len })
            );
        }
        assert_eq!(
            validate("14010500000002三"),
            Err(TaxpayerIdError::InvalidCharacter)
        );
        assert_eq!(
            validate("14010500000002_"),
            Err(TaxpayerIdError::InvalidCharacter)
        );
    }

    #[test]
    fn serde_validates_on_the_way_in() {
        #[derive(Debug, Serialize, Deserialize)]
        struct Invoice {
            taxpayer_id: TaxpayerId,
        }
        let text = r#"{"taxpayer_id":"140105000000027"}"#;
        let invoice: Invoice = serde_json::from_str(text).unwrap();
        assert_eq!(serde_json::to_string(&invoice).unwrap(), text);
        assert!(serde_json::from_str::<Invoice>(r#"{"taxpayer_id":"123"}"#).is_err());
    }

    proptest! {
        #[test]
        fn canonical_form_is_a_fixed_point(input in "\\PC{0,24}") {
            if let Ok(id) = validate(&input) {
                prop_assert_eq!(validate(id.as_str()), Ok(id.clone()));
            }
        }
    }
}
