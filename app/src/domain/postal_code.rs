//! 邮政编码 (mainland China postal code): six digits.
//!
//! The first two digits name a postal region (roughly a province: `03`/`04` Shanxi, `10`
//! Beijing, `85` Tibet). This check is deliberately coarse: it accepts `01` to `86` and
//! rejects `00` and `87`–`99`, which no mainland region uses. It does not carry a table of the
//! exact blocks per province, so a code in an unused block inside that range (say `09…`)
//! still passes; the recipient's province is chosen from a list elsewhere on the form, and a
//! wrong postal code does not stop a courier. Hong Kong, Macao and Taiwan have no codes in
//! this system and are out of scope.
//!
//! ```
//! use app::domain::postal_code::{self, PostalCodeError};
//! assert_eq!(postal_code::validate(" ０３０００６ ").unwrap().as_str(), "030006");
//! assert_eq!(postal_code::validate("003000"), Err(PostalCodeError::InvalidRegion));
//! assert_eq!(postal_code::validate("03000"), Err(PostalCodeError::InvalidLength));
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

use super::normalize::compact;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PostalCode(String);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum PostalCodeError {
    #[error("请输入邮政编码")]
    Empty,
    #[error("邮政编码只能包含数字")]
    InvalidFormat,
    #[error("邮政编码应为6位数字")]
    InvalidLength,
    #[error("邮政编码前两位不是有效的邮区，请核对")]
    InvalidRegion,
}

pub fn validate(input: &str) -> Result<PostalCode, PostalCodeError> {
    let code = compact(input);
    if code.is_empty() {
        return Err(PostalCodeError::Empty);
    }
    if !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PostalCodeError::InvalidFormat);
    }
    if code.len() != 6 {
        return Err(PostalCodeError::InvalidLength);
    }
    let region = &code[..2];
    if !("01"..="86").contains(&region) {
        return Err(PostalCodeError::InvalidRegion);
    }
    Ok(PostalCode(code))
}

pub fn is_valid(input: &str) -> bool {
    validate(input).is_ok()
}

impl PostalCode {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PostalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for PostalCode {
    type Error = PostalCodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        validate(&value)
    }
}

impl From<PostalCode> for String {
    fn from(value: PostalCode) -> String {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_codes_pass() {
        // 太原, 北京, 上海, 广州, 拉萨, 乌鲁木齐, 呼和浩特
        for ok in [
            "030006", "100000", "200000", "510000", "850000", "830000", "010000",
        ] {
            assert!(is_valid(ok), "{ok}");
        }
    }

    #[test]
    fn failures_in_order_of_cost() {
        assert_eq!(validate(""), Err(PostalCodeError::Empty));
        assert_eq!(validate("03OOO6"), Err(PostalCodeError::InvalidFormat));
        assert_eq!(validate("0300061"), Err(PostalCodeError::InvalidLength));
        assert_eq!(validate("000000"), Err(PostalCodeError::InvalidRegion));
        assert_eq!(validate("870000"), Err(PostalCodeError::InvalidRegion));
        assert_eq!(validate("999077"), Err(PostalCodeError::InvalidRegion));
    }

    #[test]
    fn spaces_and_dashes_are_dropped() {
        assert_eq!(validate("030 006").unwrap().as_str(), "030006");
        assert_eq!(validate("030-006").unwrap().as_str(), "030006");
    }
}
