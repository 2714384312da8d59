//! 手机号码 (mainland China mobile number): 11 digits, `1` + a two-digit network prefix + 8.
//!
//! Input is folded (full-width digits, spaces, dashes) and an international prefix `+86`,
//! `0086` or `86` is dropped. The network prefix must be one that MIIT has allocated to
//! 11-digit numbers that can receive the SMS codes this site sends:
//!
//! * 13x, 15[0-35-9], 18x: the original operators' voice numbers (1349 is satellite; still 11
//!   digits and still reachable).
//! * 145, 147, 149: data-card numbers; 11 digits and SMS-capable. 140–144, 146 and 148 are
//!   13-digit IoT blocks, so no 11-digit number starts with them.
//! * 162, 165, 167, 170, 171: virtual operators (MVNO).
//! * 166, 172, 173, 174, 175, 176, 177, 178: operators' later blocks; 174 holds satellite and
//!   emergency-communication numbers, which are 11 digits too.
//! * 190, 191, 192 (China Broadnet), 193, 195, 196, 197, 198, 199. 194 is unallocated.
//!
//! Number portability (携号转网, since 2019) means the prefix no longer names the operator, so
//! nothing here claims to. The SMS code is the real proof; this check only catches typos early.
//!
//! ```
//! use app::domain::mobile::{self, MobileError};
//! let m = mobile::validate("+86 138-1234-5678").unwrap();
//! assert_eq!(m.as_str(), "13812345678");
//! assert_eq!(m.masked(), "138****5678");
//! assert_eq!(mobile::validate("1381234567"), Err(MobileError::InvalidLength));
//! assert_eq!(mobile::validate("14612345678"), Err(MobileError::UnknownPrefix));
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

/// A validated mainland mobile number, stored as its 11 ASCII digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Mobile(String);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum MobileError {
    #[error("请输入手机号码")]
    Empty,
    #[error("手机号码只能包含数字")]
    InvalidFormat,
    #[error("请输入11位手机号码")]
    InvalidLength,
    #[error("手机号码应以1开头")]
    InvalidStart,
    #[error("该号段不是大陆手机号段，请核对")]
    UnknownPrefix,
}

/// Folds the input and drops an international `+86` / `0086` / `86` prefix.
///
/// A bare `86` is only taken as the country code when 11 digits follow it, since no mainland
/// mobile number starts with 8.
///
/// ```
/// use app::domain::mobile::compact;
/// assert_eq!(compact("００８６ １３８ １２３４ ５６７８"), "13812345678");
/// assert_eq!(compact("8613812345678"), "13812345678");
/// ```
pub fn compact(input: &str) -> String {
    let folded = super::normalize::compact(input);
    let national = folded
        .strip_prefix("+86")
        .or_else(|| folded.strip_prefix("0086"))
        .or_else(|| folded.strip_prefix("86").filter(|rest| rest.len() == 11))
        .unwrap_or(&folded);
    national.to_owned()
}

/// Checks length, charset, the leading `1` and then the network prefix.
pub fn validate(input: &str) -> Result<Mobile, MobileError> {
    let number = compact(input);
    if number.is_empty() {
        return Err(MobileError::Empty);
    }
    if !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(MobileError::InvalidFormat);
    }
    if number.len() != 11 {
        return Err(MobileError::InvalidLength);
    }
    let digits = number.as_bytes();
    if digits[0] != b'1' {
        return Err(MobileError::InvalidStart);
    }
    if !is_allocated_prefix(digits[1] - b'0', digits[2] - b'0') {
        return Err(MobileError::UnknownPrefix);
    }
    Ok(Mobile(number))
}

pub fn is_valid(input: &str) -> bool {
    validate(input).is_ok()
}

/// The second and third digits of an 11-digit number; see the module docs for the sources.
fn is_allocated_prefix(second: u8, third: u8) -> bool {
    match second {
        3 | 8 => true,
        4 => matches!(third, 5 | 7 | 9),
        5 => third != 4,
        6 => matches!(third, 2 | 5 | 6 | 7),
        7 => third != 9,
        9 => third != 4,
        _ => false,
    }
}

impl Mobile {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form shown back on screens and in SMS logs: first three and last four digits.
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

impl fmt::Display for Mobile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Mobile {
    type Error = MobileError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        validate(&value)
    }
}

impl From<Mobile> for String {
    fn from(value: Mobile) -> String {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_every_allocated_block() {
        let prefixes = [
            "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "145", "147",
            "149", "150", "151", "152", "153", "155", "156", "157", "158", "159", "162", "165",
            "166", "167", "170", "171", "172", "173", "174", "175", "176", "177", "178", "180",
            "181", "182", "183", "184", "185", "186", "187", "188", "189", "190", "191", "192",
            "193", "195", "196", "197", "198", "199",
        ];
        for p in prefixes {
            assert!(is_valid(&format!("{p}12345678")), "{p}");
        }
    }

    #[test]
    fn rejects_unallocated_and_iot_blocks() {
        for p in [
            "140", "141", "144", "146", "148", "154", "160", "161", "163", "164", "168", "169",
            "179", "194",
        ] {
            assert_eq!(
                validate(&format!("{p}12345678")),
                Err(MobileError::UnknownPrefix),
                "{p}"
            );
        }
        for p in ["100", "110", "120"] {
            assert_eq!(
                validate(&format!("{p}12345678")),
                Err(MobileError::UnknownPrefix)
            );
        }
    }

    #[test]
    fn cheap_checks_come_first() {
        assert_eq!(validate(""), Err(MobileError::Empty));
        assert_eq!(validate(" - "), Err(MobileError::Empty));
        assert_eq!(validate("138abc45678"), Err(MobileError::InvalidFormat));
        assert_eq!(validate("138123456789"), Err(MobileError::InvalidLength));
        assert_eq!(validate("23812345678"), Err(MobileError::InvalidStart));
        assert_eq!(validate("010-12345678"), Err(MobileError::InvalidStart));
    }

    #[test]
    fn international_prefixes_are_dropped() {
        for input in [
            "+86 13812345678",
            "+86-138-1234-5678",
            "0086 138 1234 5678",
            "86 13812345678",
            "＋８６　１３８１２３４５６７８",
            "138—1234—5678",
        ] {
            assert_eq!(validate(input).unwrap().as_str(), "13812345678", "{input}");
        }
        // Not a country code: the remainder would not be 11 digits.
        assert_eq!(validate("861381234567"), Err(MobileError::InvalidLength));
    }

    #[test]
    fn serde_validates_on_the_way_in() {
        #[derive(Debug, Serialize, Deserialize, PartialEq)]
        struct Form {
            mobile: Mobile,
        }
        let form: Form = toml::from_str(r#"mobile = "+86 138 1234 5678""#).unwrap();
        assert_eq!(form.mobile.as_str(), "13812345678");
        assert_eq!(
            toml::to_string(&form).unwrap().trim(),
            r#"mobile = "13812345678""#
        );
        let err = toml::from_str::<Form>(r#"mobile = "12345""#).unwrap_err();
        assert!(err.to_string().contains("请输入11位手机号码"));
    }

    proptest! {
        #[test]
        fn canonical_form_is_a_fixed_point(input in "[+]?(86)?1[3-9][0-9]{9}") {
            if let Ok(m) = validate(&input) {
                prop_assert_eq!(validate(m.as_str()), Ok(m.clone()));
                prop_assert_eq!(m.masked().len(), 11);
            }
        }

        #[test]
        fn never_panics(input in "\\PC{0,20}") {
            let _ = validate(&input);
        }
    }
}
