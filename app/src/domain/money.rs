//! Money in fen (分), the smallest unit of the yuan: integer arithmetic only, never floats.
//!
//! Amounts travel as yuan decimal strings (`"380.00"`), both in the catalog TOML and in JSON.
//! A bare number is refused on purpose: an operator writing `per_year = 380` would otherwise be
//! one step away from a silent 3.80 yuan, so the mistake stops the server at start-up instead.
//!
//! ```
//! use app::domain::money::Fen;
//! let total = Fen::from_yuan(380) + Fen::from_yuan(100) * 2;
//! assert_eq!(total.yuan_text(), "580.00");
//! assert_eq!("12.5".parse::<Fen>(), Ok(Fen(1250)));
//! assert!("12.345".parse::<Fen>().is_err());
//! ```

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Mul};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// An amount in fen; negative amounts (refunds) are representable, the catalog forbids them.
///
/// Arithmetic panics on `i64` overflow in every build profile rather than wrapping: a wrapped
/// price is worse than a failed request, and the catalog caps fees far below the limit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fen(pub i64);

/// Why a yuan string could not be read as an amount.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum MoneyError {
    #[error("请输入金额")]
    Empty,
    #[error("金额格式不正确，应为数字，如 380.00")]
    InvalidFormat,
    #[error("金额最多保留两位小数")]
    TooManyDecimals,
    #[error("金额超出范围")]
    Overflow,
}

impl Fen {
    pub const ZERO: Fen = Fen(0);

    /// Whole yuan to fen.
    ///
    /// ```
    /// use app::domain::money::Fen;
    /// assert_eq!(Fen::from_yuan(380), Fen(38_000));
    /// ```
    pub const fn from_yuan(yuan: i64) -> Fen {
        match yuan.checked_mul(100) {
            Some(fen) => Fen(fen),
            None => panic!("amount overflows i64 fen"),
        }
    }

    /// The amount as people read it on a price list: thousands separators, two decimals.
    ///
    /// ```
    /// use app::domain::money::Fen;
    /// assert_eq!(Fen(112_000).yuan_text(), "1,120.00");
    /// assert_eq!(Fen(-5).yuan_text(), "-0.05");
    /// assert_eq!(Fen::ZERO.yuan_text(), "0.00");
    /// ```
    pub fn yuan_text(&self) -> String {
        let (yuan, fen) = self.split();
        let digits = yuan.to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, d) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(d);
        }
        format!("{}{grouped}.{fen:02}", self.sign())
    }

    /// The plain machine form, `"-1120.00"`: what serde writes.
    fn decimal_text(&self) -> String {
        let (yuan, fen) = self.split();
        format!("{}{yuan}.{fen:02}", self.sign())
    }

    /// Absolute yuan and fen parts; `unsigned_abs` so that `i64::MIN` cannot overflow.
    fn split(&self) -> (u64, u64) {
        let abs = self.0.unsigned_abs();
        (abs / 100, abs % 100)
    }

    fn sign(&self) -> &'static str {
        if self.0 < 0 { "-" } else { "" }
    }
}

impl FromStr for Fen {
    type Err = MoneyError;

    /// Reads `"380"`, `"380.0"`, `"380.00"`, `"-5.5"`; refuses separators, signs other than a
    /// leading `-`, exponents, spaces, `".5"`/`"5."` and more than two decimals.
    fn from_str(s: &str) -> Result<Fen, MoneyError> {
        if s.is_empty() {
            return Err(MoneyError::Empty);
        }
        let (negative, body) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (whole, decimals) = match body.split_once('.') {
            Some((whole, decimals)) if !decimals.is_empty() => (whole, decimals),
            Some(_) => return Err(MoneyError::InvalidFormat),
            None => (body, ""),
        };
        let all_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(decimals) {
            return Err(MoneyError::InvalidFormat);
        }
        if decimals.len() > 2 {
            return Err(MoneyError::TooManyDecimals);
        }
        let digits_value = |part: &str| {
            part.bytes().try_fold(0_i64, |acc, b| {
                acc.checked_mul(10)?.checked_add(i64::from(b - b'0'))
            })
        };
        // "5" is fifty fen, "05" five: pad to two places before reading.
        let fen_part = digits_value(decimals).ok_or(MoneyError::Overflow)?
            * if decimals.len() == 1 { 10 } else { 1 };
        let total = digits_value(whole)
            .and_then(|yuan| yuan.checked_mul(100))
            .and_then(|fen| fen.checked_add(fen_part))
            .ok_or(MoneyError::Overflow)?;
        Ok(Fen(if negative { -total } else { total }))
    }
}

impl Add for Fen {
    type Output = Fen;
    fn add(self, rhs: Fen) -> Fen {
        Fen(self.0.checked_add(rhs.0).expect("amount overflows i64 fen"))
    }
}

impl AddAssign for Fen {
    fn add_assign(&mut self, rhs: Fen) {
        *self = *self + rhs;
    }
}

impl Mul<u32> for Fen {
    type Output = Fen;
    fn mul(self, rhs: u32) -> Fen {
        Fen(self
            .0
            .checked_mul(i64::from(rhs))
            .expect("amount overflows i64 fen"))
    }
}

impl Sum for Fen {
    fn sum<I: Iterator<Item = Fen>>(iter: I) -> Fen {
        iter.fold(Fen::ZERO, Add::add)
    }
}

impl<'a> Sum<&'a Fen> for Fen {
    fn sum<I: Iterator<Item = &'a Fen>>(iter: I) -> Fen {
        iter.copied().sum()
    }
}

impl Serialize for Fen {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.decimal_text())
    }
}

impl<'de> Deserialize<'de> for Fen {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Fen, D::Error> {
        struct YuanString;

        impl de::Visitor<'_> for YuanString {
            type Value = Fen;

            // Shown when a number arrives instead of a string, e.g. `per_year = 380`.
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(r#"a yuan amount as a quoted string, such as "380.00""#)
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Fen, E> {
                v.parse()
                    .map_err(|e: MoneyError| E::custom(format!("{e}: {v:?}")))
            }
        }

        deserializer.deserialize_str(YuanString)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Price {
        per_year: Fen,
    }

    fn from_toml(text: &str) -> Result<Price, toml::de::Error> {
        toml::from_str(text)
    }

    #[test]
    fn accepts_whole_and_decimal_yuan() {
        assert_eq!("380".parse(), Ok(Fen(38_000)));
        assert_eq!("380.00".parse(), Ok(Fen(38_000)));
        assert_eq!("12.5".parse(), Ok(Fen(1_250)));
        assert_eq!("0.05".parse(), Ok(Fen(5)));
        assert_eq!("-0.5".parse(), Ok(Fen(-50)));
        assert_eq!("007".parse(), Ok(Fen(700)));
    }

    #[test]
    fn rejects_anything_but_a_plain_decimal() {
        for bad in [
            "1,120.00", "+5", " 5", "5 ", "5.", ".5", "1e3", "1.2e3", "五", "--5", "-", "0x10",
            "NaN", "5.0.0",
        ] {
            assert_eq!(bad.parse::<Fen>(), Err(MoneyError::InvalidFormat), "{bad}");
        }
        assert_eq!("".parse::<Fen>(), Err(MoneyError::Empty));
        assert_eq!("12.345".parse::<Fen>(), Err(MoneyError::TooManyDecimals));
        assert_eq!(
            "92233720368547758.08".parse::<Fen>(),
            Err(MoneyError::Overflow)
        );
        assert_eq!("92233720368547758.07".parse(), Ok(Fen(i64::MAX)));
    }

    #[test]
    fn yuan_text_groups_thousands() {
        assert_eq!(Fen(0).yuan_text(), "0.00");
        assert_eq!(Fen(99_999).yuan_text(), "999.99");
        assert_eq!(Fen(100_000).yuan_text(), "1,000.00");
        assert_eq!(Fen(12_345_678_901).yuan_text(), "123,456,789.01");
        assert_eq!(Fen(-112_000).yuan_text(), "-1,120.00");
        assert_eq!(Fen(i64::MIN).yuan_text(), "-92,233,720,368,547,758.08");
    }

    #[test]
    fn toml_integer_is_an_error_not_three_yuan_eighty() {
        let err = from_toml("per_year = 380").unwrap_err().to_string();
        assert!(err.contains("quoted string"), "{err}");
        assert!(from_toml("per_year = 380.0").is_err());
        assert!(from_toml("per_year = \"380.001\"").is_err());
        assert_eq!(
            from_toml("per_year = \"380\""),
            Ok(Price {
                per_year: Fen(38_000)
            })
        );
    }

    #[test]
    fn serializes_as_plain_yuan_string() {
        #[derive(Serialize)]
        struct Out {
            fee: Fen,
        }
        let text = toml::to_string(&Out { fee: Fen(-112_005) }).unwrap();
        assert_eq!(text.trim(), r#"fee = "-1120.05""#);
    }

    #[test]
    fn arithmetic() {
        let mut total = Fen::from_yuan(380) * 3;
        total += Fen::from_yuan(100);
        assert_eq!(total, Fen(124_000));
        assert_eq!([Fen(1), Fen(2)].iter().sum::<Fen>(), Fen(3));
        assert_eq!(Vec::<Fen>::new().into_iter().sum::<Fen>(), Fen::ZERO);
    }

    #[test]
    #[should_panic(expected = "overflow")]
    fn overflow_panics_instead_of_wrapping() {
        let _ = Fen(i64::MAX) + Fen(1);
    }

    proptest! {
        #[test]
        fn decimal_text_round_trips(fen in any::<i64>().prop_filter("MIN has no positive twin", |f| *f != i64::MIN)) {
            let amount = Fen(fen);
            prop_assert_eq!(amount.decimal_text().parse::<Fen>(), Ok(amount));
        }

        #[test]
        fn serde_round_trips(fen in any::<i64>().prop_filter("MIN has no positive twin", |f| *f != i64::MIN)) {
            #[derive(Debug, Serialize, Deserialize, PartialEq)]
            struct Wrap { fee: Fen }
            let wrapped = Wrap { fee: Fen(fen) };
            let text = toml::to_string(&wrapped).unwrap();
            prop_assert_eq!(toml::from_str::<Wrap>(&text).unwrap(), wrapped);
        }

        #[test]
        fn yuan_text_without_commas_parses_back(fen in any::<i64>().prop_filter("MIN has no positive twin", |f| *f != i64::MIN)) {
            let text = Fen(fen).yuan_text().replace(',', "");
            prop_assert_eq!(text.parse::<Fen>(), Ok(Fen(fen)));
        }
    }
}
