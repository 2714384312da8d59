//! 公民身份号码 (resident identity card number, GB 11643-1999).
//!
//! 18 characters: the GB/T 2260 region code of the place of issue (6 digits), the birth date
//! `YYYYMMDD`, a sequence number (3 digits, odd for men) and an ISO 7064 MOD 11-2 check
//! character, `0`–`9` or `X`. The 15-digit numbers of the first generation cards are no longer
//! accepted.
//!
//! ```
//! use app::domain::id_number::{self, IdNumberError, Sex};
//! use time::macros::date;
//!
//! let today = date!(2025 - 06 - 01);
//! // The example number of GB 11643-1999, typed with a full-width digit and a lower-case x.
//! let id = id_number::validate(" 11010519491231００2x ", today).unwrap();
//! assert_eq!(id.as_str(), "11010519491231002X");
//! assert_eq!(id.birth_date(), date!(1949 - 12 - 31));
//! assert_eq!(id.sex(), Sex::Female);
//! assert_eq!(id.region().display_name(), "北京市朝阳区");
//! assert_eq!(id.masked(), "1101**********002X");
//!
//! assert_eq!(
//!     id_number::validate("11010519491231002Y", today),
//!     Err(IdNumberError::InvalidCharacter)
//! );
//! assert_eq!(
//!     id_number::validate("110105194912310021", today),
//!     Err(IdNumberError::InvalidChecksum)
//! );
//! ```

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::{Date, Month, macros::date};

use super::normalize;
use super::regions::{self, Region};

/// ISO 7064 MOD 11-2 weights, 2^(17-i) mod 11 for position i.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const EARLIEST_BIRTH_DATE: Date = date!(1900 - 01 - 01);

/// Why a string is not a valid ID number, in the order the checks run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum IdNumberError {
    #[error("请填写身份证号码")]
    Empty,
    #[error("旧版15位身份证号码已停用，请填写18位号码")]
    OldFifteenDigit,
    #[error("身份证号码应为18位，当前为{len}位")]
    InvalidLength { len: usize },
    #[error("身份证号码前17位应为数字，最后一位为数字或X")]
    InvalidCharacter,
    #[error("身份证号码校验位不正确，请核对后重新输入")]
    InvalidChecksum,
    #[error("身份证号码中的出生日期不存在，请核对后重新输入")]
    InvalidBirthDate,
    #[error("身份证号码中的出生日期晚于今天，请核对后重新输入")]
    BirthDateInFuture,
    #[error("身份证号码中的出生日期早于1900年，请核对后重新输入")]
    BirthDateTooEarly,
    #[error("身份证号码前6位不是有效的地区代码，请核对后重新输入")]
    UnknownRegion,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sex {
    Male,
    Female,
}

/// A validated ID number in canonical form (18 ASCII characters, upper-case `X`).
///
/// `Debug` prints only the masked form so the number does not leak into logs; there is no
/// `Display`: choose [`IdNumber::as_str`] or [`IdNumber::masked`]. Serializes as the canonical
/// string; deserializing re-runs every check except "not after today", which held when the
/// number was entered.
#[derive(Clone, PartialEq, Eq)]
pub struct IdNumber {
    number: String,
    birth_date: Date,
    region: Region,
}

impl IdNumber {
    pub fn as_str(&self) -> &str {
        &self.number
    }

    pub fn birth_date(&self) -> Date {
        self.birth_date
    }

    /// From the sequence number: odd for men, even for women.
    pub fn sex(&self) -> Sex {
        if self.number.as_bytes()[16] % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// The division of the place of issue, possibly one abolished since.
    pub fn region(&self) -> &Region {
        &self.region
    }

    /// The first 4 and last 4 characters with the rest starred, for screens and logs.
    pub fn masked(&self) -> String {
        format!(
            "{}{}{}",
            &self.number[..4],
            "*".repeat(10),
            &self.number[14..]
        )
    }
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("IdNumber").field(&self.masked()).finish()
    }
}

impl Serialize for IdNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.number)
    }
}

impl<'de> Deserialize<'de> for IdNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let number = String::deserialize(deserializer)?;
        check(&number, None).map_err(serde::de::Error::custom)
    }
}

/// Folds what people type (full-width digits, spaces, dashes, lower-case `x`) to the bare
/// upper-case number.
///
/// ```
/// use app::domain::id_number::compact;
/// assert_eq!(compact("１１０１０５ 1949１２３１ 002ｘ"), "11010519491231002X");
/// ```
pub fn compact(input: &str) -> String {
    normalize::compact(input)
}

/// The check character for the 17-digit body, or `None` if `body` is not 17 ASCII digits.
///
/// ```
/// use app::domain::id_number::calc_check_digit;
/// assert_eq!(calc_check_digit("11010519491231002"), Some('X'));
/// assert_eq!(calc_check_digit("1101051949123100"), None);
/// ```
pub fn calc_check_digit(body: &str) -> Option<char> {
    if body.len() != 17 || !body.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = body
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    match (12 - sum % 11) % 11 {
        10 => Some('X'),
        d => char::from_digit(d, 10),
    }
}

/// Checks length, characters and check digit, then that the birth date is a real date from
/// 1900-01-01 to `today` and that the region code exists or existed.
pub fn validate(input: &str, today: Date) -> Result<IdNumber, IdNumberError> {
    check(input, Some(today))
}

/// Whether [`validate`] accepts `input`.
///
/// ```
/// use app::domain::id_number::is_valid;
/// use time::macros::date;
/// assert!(is_valid("11010519491231002X", date!(2025 - 06 - 01)));
/// assert!(!is_valid("110105491231002", date!(2025 - 06 - 01)));
/// ```
pub fn is_valid(input: &str, today: Date) -> bool {
    validate(input, today).is_ok()
}

/// The form to show: ID numbers are written without separators, so this is [`compact`].
pub fn format(input: &str) -> String {
    compact(input)
}

fn check(input: &str, today: Option<Date>) -> Result<IdNumber, IdNumberError> {
    let number = compact(input);
    let len = number.chars().count();
    if len == 0 {
        return Err(IdNumberError::Empty);
    }
    if len == 15 && number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(IdNumberError::OldFifteenDigit);
    }
    if len != 18 {
        return Err(IdNumberError::InvalidLength { len });
    }
    if !number.is_ascii() {
        return Err(IdNumberError::InvalidCharacter);
    }
    let (body, check_char) = number.split_at(17);
    if !body.bytes().all(|b| b.is_ascii_digit())
        || !matches!(check_char.as_bytes(), [b'0'..=b'9' | b'X'])
    {
        return Err(IdNumberError::InvalidCharacter);
    }
    if calc_check_digit(body) != check_char.chars().next() {
        return Err(IdNumberError::InvalidChecksum);
    }
    let birth_date = parse_date(&number[6..14]).ok_or(IdNumberError::InvalidBirthDate)?;
    if today.is_some_and(|today| birth_date > today) {
        return Err(IdNumberError::BirthDateInFuture);
    }
    if birth_date < EARLIEST_BIRTH_DATE {
        return Err(IdNumberError::BirthDateTooEarly);
    }
    let region = regions::lookup(&number[..6]).ok_or(IdNumberError::UnknownRegion)?;
    Ok(IdNumber {
        number,
        birth_date,
        region,
    })
}

/// `YYYYMMDD` (ASCII digits) as a calendar date.
fn parse_date(yyyymmdd: &str) -> Option<Date> {
    let year = yyyymmdd[..4].parse().ok()?;
    let month: u8 = yyyymmdd[4..6].parse().ok()?;
    let day = yyyymmdd[6..].parse().ok()?;
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const TODAY: Date = date!(2025 - 06 - 01);

    /// Appends the computed check character to a 17-digit body.
    fn with_check(body: &str) -> String {
        format!("{body}{}", calc_check_digit(body).unwrap())
    }

    fn err(input: &str) -> IdNumberError {
        validate(input, TODAY).unwrap_err()
    }

    #[test]
    fn weights_are_powers_of_two_mod_11() {
        for (i, w) in WEIGHTS.iter().enumerate() {
            assert_eq!(*w, (1u32 << (17 - i)) % 11);
        }
    }

    #[test]
    fn synthetic_number_parses() {
        let id = validate(&with_check("14010519900307123"), TODAY).unwrap();
        assert_eq!(id.birth_date(), date!(1990 - 03 - 07));
        assert_eq!(id.sex(), Sex::Male);
        assert_eq!(id.region().display_name(), "山西省太原市小店区");
        assert!(id.masked().starts_with("1401**********"));
    }

    #[test]
    fn typed_variants_reach_the_same_number() {
        let canonical = "14010519900307008X";
        assert_eq!(calc_check_digit("14010519900307008"), Some('X'));
        for typed in [
            "14010519900307008x",
            "  14010519900307008X\t",
            "140105 19900307 008X",
            "140105-1990-0307-008x",
            "１４０１０５１９９００３０７００８Ｘ",
            "\u{3000}140105１９９００３０７008ｘ\u{3000}",
        ] {
            assert_eq!(
                validate(typed, TODAY).unwrap().as_str(),
                canonical,
                "{typed:?}"
            );
        }
    }

    #[test]
    fn check_character_zero_is_valid() {
        assert_eq!(calc_check_digit("14010519900307002"), Some('0'));
        assert!(is_valid("140105199003070020", TODAY));
    }

    #[test]
    fn empty_input() {
        assert_eq!(err(""), IdNumberError::Empty);
        assert_eq!(err(" \u{3000} "), IdNumberError::Empty);
    }

    #[test]
    fn fifteen_digit_numbers_ask_for_the_new_number() {
        assert_eq!(err("140105900307123"), IdNumberError::OldFifteenDigit);
        assert_eq!(
            err("１４０１０５ ９００３０７ １２３"),
            IdNumberError::OldFifteenDigit
        );
        assert_eq!(
            err("14010590030712X"),
            IdNumberError::InvalidLength { len: 15 }
        );
    }

    #[test]
    fn wrong_lengths_report_the_count() {
        assert_eq!(
            err("1401051990030700201"),
            IdNumberError::InvalidLength { len: 19 }
        );
        assert_eq!(
            err("14010519900307002"),
            IdNumberError::InvalidLength { len: 17 }
        );
    }

    #[test]
    fn letters_in_the_body_or_a_bad_check_character_are_rejected() {
        assert_eq!(err("1401051990O307002X"), IdNumberError::InvalidCharacter);
        assert_eq!(err("14010519900307002Y"), IdNumberError::InvalidCharacter);
        assert_eq!(err("X40105199003070020"), IdNumberError::InvalidCharacter);
        assert_eq!(err("1401051990030700二0"), IdNumberError::InvalidCharacter);
    }

    #[test]
    fn wrong_check_character() {
        assert_eq!(err("140105199003070021"), IdNumberError::InvalidChecksum);
        assert_eq!(err("14010519900307002X"), IdNumberError::InvalidChecksum);
    }

    #[test]
    fn february_29_only_in_leap_years() {
        assert!(is_valid(&with_check("14010520000229123"), TODAY));
        assert!(is_valid(&with_check("14010519960229123"), TODAY));
        for body in [
            "14010519990229123",
            "14010519000229123",
            "14010520230229123",
        ] {
            assert_eq!(
                err(&with_check(body)),
                IdNumberError::InvalidBirthDate,
                "{body}"
            );
        }
    }

    #[test]
    fn impossible_dates() {
        for body in [
            "14010519901301123",
            "14010519900001123",
            "14010519900431123",
        ] {
            assert_eq!(
                err(&with_check(body)),
                IdNumberError::InvalidBirthDate,
                "{body}"
            );
        }
    }

    #[test]
    fn birth_date_bounds() {
        assert!(is_valid(&with_check("14010519000101123"), TODAY));
        assert_eq!(
            err(&with_check("14010518991231123")),
            IdNumberError::BirthDateTooEarly
        );
        assert!(
            is_valid(&with_check("14010520250601123"), TODAY),
            "born today"
        );
        assert_eq!(
            err(&with_check("14010520250602123")),
            IdNumberError::BirthDateInFuture
        );
        assert_eq!(
            err(&with_check("14010520990101123")),
            IdNumberError::BirthDateInFuture
        );
    }

    #[test]
    fn regions_any_time_are_accepted_unknown_rejected() {
        // 崇文区 was merged into 东城区 in 2010; people keep their numbers.
        let id = validate(&with_check("11010319800101123"), TODAY).unwrap();
        assert!(!id.region().current);
        assert_eq!(
            err(&with_check("99999919800101123")),
            IdNumberError::UnknownRegion
        );
        assert_eq!(
            err(&with_check("14019919800101123")),
            IdNumberError::UnknownRegion
        );
    }

    #[test]
    fn even_sequence_is_female() {
        assert_eq!(
            validate(&with_check("14010519900307124"), TODAY)
                .unwrap()
                .sex(),
            Sex::Female
        );
    }

    #[test]
    fn debug_does_not_leak_the_number() {
        let id = validate(&with_check("14010519900307123"), TODAY).unwrap();
        let debug = format!("{id:?}");
        assert!(!debug.contains("19900307"), "{debug}");
    }

    #[test]
    fn serializes_as_the_canonical_string() {
        #[derive(Serialize, Deserialize)]
        struct Form {
            id: IdNumber,
        }
        let number = with_check("14010519900307123");
        let form = Form {
            id: validate(&number, TODAY).unwrap(),
        };
        let text = toml::to_string(&form).unwrap();
        assert_eq!(text.trim(), format!("id = \"{number}\""));
        assert_eq!(toml::from_str::<Form>(&text).unwrap().id, form.id);
        assert!(toml::from_str::<Form>("id = \"140105199003071230\"").is_err());
    }

    #[test]
    fn error_messages_are_chinese() {
        assert_eq!(
            IdNumberError::OldFifteenDigit.to_string(),
            "旧版15位身份证号码已停用，请填写18位号码"
        );
        assert_eq!(
            IdNumberError::InvalidLength { len: 19 }.to_string(),
            "身份证号码应为18位，当前为19位"
        );
    }

    /// Region codes current and abolished, across provinces.
    const SAMPLE_REGIONS: [&str; 10] = [
        "110105", "110103", "120110", "140105", "310115", "330106", "429004", "440305", "500101",
        "650102",
    ];

    fn valid_number() -> impl Strategy<Value = String> {
        (
            prop::sample::select(SAMPLE_REGIONS.to_vec()),
            1900i32..=2025,
            1u8..=12,
            1u8..=28,
            0u16..1000,
        )
            .prop_filter("not after today", |&(_, y, m, _, _)| y < 2025 || m < 6)
            .prop_map(|(region, y, m, d, seq)| {
                with_check(&format!("{region}{y}{m:02}{d:02}{seq:03}"))
            })
    }

    proptest! {
        #[test]
        fn computed_check_character_validates(number in valid_number()) {
            prop_assert_eq!(validate(&number, TODAY).map(|id| id.number), Ok(number));
        }

        #[test]
        fn any_single_substitution_is_caught(
            number in valid_number(),
            pos in 0usize..18,
            shift in any::<usize>(),
        ) {
            // Only the last position may hold X.
            let allowed: &[u8] = if pos == 17 { b"0123456789X" } else { b"0123456789" };
            let mut bytes = number.into_bytes();
            let old = allowed.iter().position(|&b| b == bytes[pos]).unwrap();
            bytes[pos] = allowed[(old + 1 + shift % (allowed.len() - 1)) % allowed.len()];
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert_eq!(err(&changed), IdNumberError::InvalidChecksum);
        }

        #[test]
        fn typed_variants_validate_to_the_canonical_number(
            number in valid_number(),
            full_width in prop::collection::vec(any::<bool>(), 18),
            gaps in prop::collection::vec(prop::sample::select(vec!["", "", "", " ", "-", "\u{3000}"]), 18),
        ) {
            let typed: String = number
                .chars()
                .zip(full_width)
                .zip(gaps)
                .map(|((c, wide), gap)| {
                    let c = if c == 'X' && wide { 'x' } else { c };
                    let c = if wide { char::from_u32(c as u32 + 0xFEE0).unwrap() } else { c };
                    format!("{gap}{c}")
                })
                .collect();
            let typed = format!(" {typed} ");
            prop_assert_eq!(validate(&typed, TODAY).map(|id| id.number), Ok(number));
        }
    }
}
