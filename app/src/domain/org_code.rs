//! 组织机构代码 (organisation code, GB 11714-1997).
//!
//! Eight body characters (`0`–`9`, `A`–`Z`) and a check character (`0`–`9` or `X`), written
//! `XXXXXXXX-X`. Since 2015 it lives on as positions 9–17 of the unified social credit code
//! ([`super::credit_code`]).
//!
//! ```
//! use app::domain::org_code::{self, OrgCodeError};
//!
//! // The organisation code inside GB 32100-2015's example credit code.
//! let code = org_code::validate("m000100y-4").unwrap();
//! assert_eq!(code.as_str(), "M000100Y4");
//! assert_eq!(org_code::format("M000100Y4"), "M000100Y-4");
//! assert_eq!(org_code::validate("M000100Y-5"), Err(OrgCodeError::InvalidChecksum));
//! ```

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::normalize;

const WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// Why a string is not a valid organisation code, in the order the checks run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum OrgCodeError {
    #[error("请填写组织机构代码")]
    Empty,
    #[error("组织机构代码应为9位，当前为{len}位")]
    InvalidLength { len: usize },
    #[error("组织机构代码前8位应为数字或大写字母，最后一位为数字或X")]
    InvalidCharacter,
    #[error("组织机构代码校验位不正确，请核对后重新输入")]
    InvalidChecksum,
}

/// A validated organisation code in canonical form: 9 characters, no hyphen.
/// Serializes as that string.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrgCode(String);

impl OrgCode {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrgCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for OrgCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for OrgCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        validate(&String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

/// Folds full-width characters, drops spaces and the hyphen, upper-cases letters.
///
/// ```
/// use app::domain::org_code::compact;
/// assert_eq!(compact(" ｍ000100ｙ－4 "), "M000100Y4");
/// ```
pub fn compact(input: &str) -> String {
    normalize::compact(input)
}

/// The check character for the 8-character body, or `None` if `body` is not 8 characters
/// from `0`–`9` and `A`–`Z`. Letters count 10 (`A`) to 35 (`Z`).
///
/// ```
/// use app::domain::org_code::calc_check_digit;
/// assert_eq!(calc_check_digit("M000100Y"), Some('4'));
/// assert_eq!(calc_check_digit("00000000"), Some('0'));
/// assert_eq!(calc_check_digit("00000006"), Some('X'));
/// ```
pub fn calc_check_digit(body: &str) -> Option<char> {
    if body.len() != 8 {
        return None;
    }
    let mut sum = 0;
    for (c, w) in body.chars().zip(WEIGHTS) {
        if c.is_ascii_lowercase() {
            return None;
        }
        sum += c.to_digit(36)? * w;
    }
    match 11 - sum % 11 {
        10 => Some('X'),
        11 => Some('0'),
        d => char::from_digit(d, 10),
    }
}

/// Checks length, characters and the check character.
pub fn validate(input: &str) -> Result<OrgCode, OrgCodeError> {
    let code = compact(input);
    let len = code.chars().count();
    if len == 0 {
        return Err(OrgCodeError::Empty);
    }
    if len != 9 {
        return Err(OrgCodeError::InvalidLength { len });
    }
    if !code.is_ascii() {
        return Err(OrgCodeError::InvalidCharacter);
    }
    let (body, check_char) = code.split_at(8);
    if !body
        .bytes()
        .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        || !matches!(check_char.as_bytes(), [b'0'..=b'9' | b'X'])
    {
        return Err(OrgCodeError::InvalidCharacter);
    }
    if calc_check_digit(body) != check_char.chars().next() {
        return Err(OrgCodeError::InvalidChecksum);
    }
    Ok(OrgCode(code))
}

/// Whether [`validate`] accepts `input`.
///
/// ```
/// use app::domain::org_code::is_valid;
/// assert!(is_valid("00000000-0"));
/// assert!(!is_valid("00000000-1"));
/// ```
pub fn is_valid(input: &str) -> bool {
    validate(input).is_ok()
}

/// The printed form `XXXXXXXX-X`; input that is not 9 characters is returned compacted.
pub fn format(input: &str) -> String {
    let code = compact(input);
    match code.char_indices().nth(8) {
        Some((i, _)) if code.chars().count() == 9 => format!("{}-{}", &code[..i], &code[i..]),
        _ => code,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn err(input: &str) -> OrgCodeError {
        validate(input).unwrap_err()
    }

    #[test]
    fn check_character_zero_and_x() {
        // sum mod 11 == 0 gives 11 -> '0'; sum mod 11 == 1 gives 10 -> 'X' (6 * weight 2 = 12).
        assert_eq!(validate("000000000").unwrap().as_str(), "000000000");
        assert_eq!(validate("00000006-x").unwrap().as_str(), "00000006X");
        assert_eq!(err("00000006-0"), OrgCodeError::InvalidChecksum);
    }

    #[test]
    fn letters_count_from_ten() {
        // A = 10: 10 * 3 = 30, 30 mod 11 = 8, check 3.
        assert_eq!(calc_check_digit("A0000000"), Some('3'));
        // Z = 35: 35 * 2 = 70, 70 mod 11 = 4, check 7.
        assert_eq!(calc_check_digit("0000000Z"), Some('7'));
    }

    #[test]
    fn errors_in_order() {
        assert_eq!(err(" - "), OrgCodeError::Empty);
        assert_eq!(err("00000000"), OrgCodeError::InvalidLength { len: 8 });
        assert_eq!(err("0000000000"), OrgCodeError::InvalidLength { len: 10 });
        assert_eq!(err("0000000_0"), OrgCodeError::InvalidCharacter);
        assert_eq!(err("0000000组0"), OrgCodeError::InvalidCharacter);
        assert_eq!(err("00000000A"), OrgCodeError::InvalidCharacter);
        assert_eq!(err("000000001"), OrgCodeError::InvalidChecksum);
    }

    #[test]
    fn format_inserts_the_hyphen() {
        assert_eq!(format("ｍ000100ｙ4"), "M000100Y-4");
        assert_eq!(format("M000100Y"), "M000100Y");
        assert_eq!(format("组织机构代码编号九"), "组织机构代码编号-九");
    }

    #[test]
    fn error_messages_are_chinese() {
        assert_eq!(
            OrgCodeError::InvalidLength { len: 8 }.to_string(),
            "组织机构代码应为9位，当前为8位"
        );
    }

    proptest! {
        #[test]
        fn computed_check_character_validates(body in "[0-9A-Z]{8}") {
            let code = format!("{body}{}", calc_check_digit(&body).unwrap());
            prop_assert_eq!(validate(&code).map(|c| c.0), Ok(code.clone()));
            let typed = format!(" {}-{} ", body.to_lowercase(), &code[8..]);
            prop_assert_eq!(validate(&typed).map(|c| c.0), Ok(code));
        }
    }
}
