//! Free-text fields that still have rules: a person's name, an organisation's name, an address.
//!
//! Each has its own module with the usual verbs (`validate`, `is_valid`), a newtype holding the
//! canonical text and an error enum whose messages are shown at the field.
//!
//! ```
//! use app::domain::text::{address, org_name, person_name};
//! assert_eq!(person_name::validate("阿依古丽・买买提").unwrap().as_str(), "阿依古丽·买买提");
//! assert_eq!(org_name::validate("山西某某科技有限公司(太原)").unwrap().as_str(), "山西某某科技有限公司（太原）");
//! assert!(address::validate("太原市小店区长风街1号").is_ok());
//! ```

/// CJK unified ideographs, including the extensions where many name characters live (a
/// surname such as 𬌗 is outside GB 2312 and even outside the basic block). Planes 2 and 3
/// hold nothing but ideographs, so they are taken whole instead of block by block; `〇` is
/// used in names as a character of its own.
fn is_cjk(c: char) -> bool {
    matches!(
        c,
        '\u{3007}'
            | '\u{3400}'..='\u{4DBF}'
            | '\u{4E00}'..='\u{9FFF}'
            | '\u{F900}'..='\u{FAFF}'
            | '\u{20000}'..='\u{3FFFF}'
    )
}

/// ASCII and accented Latin letters (Latin-1 Supplement and Extended-A/B), the scripts of
/// passport names; `×` and `÷` sit inside that range but are not letters.
fn is_latin_letter(c: char) -> bool {
    c.is_ascii_alphabetic() || matches!(c, '\u{00C0}'..='\u{024F}') && c != '×' && c != '÷'
}

/// The interpunct of minority and transliterated names (`·`, U+00B7) and what people type for
/// it: bullet, katakana middle dots, hyphenation point, and `.` (which `fold_char` also makes
/// of the full-width `．`).
fn is_dot_like(c: char) -> bool {
    matches!(
        c,
        '.' | '\u{00B7}' | '\u{2022}' | '\u{2027}' | '\u{30FB}' | '\u{FF65}'
    )
}

/// One space between words, whatever whitespace was typed or pasted (tabs, line breaks).
fn collapse_spaces(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The newtype plumbing shared by the three fields: read access, Display, and serde that
/// validates on the way in.
macro_rules! text_newtype {
    ($name:ident, $error:ident) => {
        #[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = $error;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                validate(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }
    };
}

/// 姓名 (a person's name), as printed on the ID document used for real-name verification.
///
/// A name with any CJK ideograph is read as Chinese: 2–20 characters of ideographs and the
/// interpunct `·` (minority names such as 阿依古丽·买买提 run long), spaces dropped and dot
/// look-alikes folded to U+00B7. Otherwise it is read as a foreign national's Latin-letter
/// name: letters, spaces, `.`, `-` and apostrophes (O'Brien), starting with a letter, up to
/// 50 characters. Digits are never part of a name.
///
/// ```
/// use app::domain::text::person_name::{self, PersonNameError};
/// assert_eq!(person_name::validate(" 张 三 ").unwrap().as_str(), "张三");
/// assert_eq!(person_name::validate("Anna  Müller-Lüdenscheidt").unwrap().as_str(), "Anna Müller-Lüdenscheidt");
/// assert_eq!(person_name::validate("张三3"), Err(PersonNameError::InvalidCharacter('3')));
/// assert_eq!(person_name::validate("·买买提"), Err(PersonNameError::MisplacedDot));
/// assert_eq!(person_name::validate("张San"), Err(PersonNameError::MixedScript));
/// ```
pub mod person_name {
    use serde::{Deserialize, Serialize};

    use super::{collapse_spaces, is_cjk, is_dot_like, is_latin_letter};
    use crate::domain::normalize::clean_text;

    pub const CHINESE_LEN: std::ops::RangeInclusive<usize> = 2..=20;
    pub const LATIN_LEN: std::ops::RangeInclusive<usize> = 2..=50;

    #[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
    pub enum PersonNameError {
        #[error("请输入姓名")]
        Empty,
        #[error("中文姓名应为2至20个字")]
        ChineseLength,
        #[error("外文姓名应为2至50个字符")]
        LatinLength,
        #[error("姓名请勿混用汉字和字母")]
        MixedScript,
        #[error("姓名不能包含“{0}”")]
        InvalidCharacter(char),
        #[error("间隔号“·”不能在姓名首尾或连续出现")]
        MisplacedDot,
        #[error("外文姓名应以字母开头")]
        LatinStart,
    }

    text_newtype!(PersonName, PersonNameError);

    pub fn is_valid(input: &str) -> bool {
        validate(input).is_ok()
    }

    pub fn validate(input: &str) -> Result<PersonName, PersonNameError> {
        let text = clean_text(input);
        if text.is_empty() {
            return Err(PersonNameError::Empty);
        }
        if text.chars().any(is_cjk) {
            chinese(&text)
        } else {
            latin(&text)
        }
    }

    fn chinese(text: &str) -> Result<PersonName, PersonNameError> {
        let name: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| if is_dot_like(c) { '\u{00B7}' } else { c })
            .collect();
        if !CHINESE_LEN.contains(&name.chars().count()) {
            return Err(PersonNameError::ChineseLength);
        }
        if let Some(bad) = name.chars().find(|&c| !is_cjk(c) && c != '\u{00B7}') {
            return Err(if is_latin_letter(bad) {
                PersonNameError::MixedScript
            } else {
                PersonNameError::InvalidCharacter(bad)
            });
        }
        if name.starts_with('\u{00B7}') || name.ends_with('\u{00B7}') || name.contains("··") {
            return Err(PersonNameError::MisplacedDot);
        }
        Ok(PersonName(name))
    }

    fn latin(text: &str) -> Result<PersonName, PersonNameError> {
        let name = collapse_spaces(text);
        if !LATIN_LEN.contains(&name.chars().count()) {
            return Err(PersonNameError::LatinLength);
        }
        let allowed = |c: char| is_latin_letter(c) || matches!(c, ' ' | '.' | '-' | '\'' | '’');
        if let Some(bad) = name.chars().find(|&c| !allowed(c)) {
            return Err(PersonNameError::InvalidCharacter(bad));
        }
        if !name.starts_with(is_latin_letter) {
            return Err(PersonNameError::LatinStart);
        }
        Ok(PersonName(name))
    }
}

/// 机构名称 (organisation name), as on the business licence.
///
/// 2–100 characters after folding; ideographs, Latin letters, digits, spaces and the
/// punctuation registered names use: brackets, `·`, `、`, `&`, `-`, `.`, `,` and apostrophes.
/// At least one ideograph or letter. Brackets are printed full-width on licences
/// (`某某（太原）有限公司`), so half-width ones are turned into `（` `）`, and they must pair up.
///
/// ```
/// use app::domain::text::org_name::{self, OrgNameError};
/// assert_eq!(org_name::validate("Acme  (China) Co., Ltd.").unwrap().as_str(), "Acme （China） Co., Ltd.");
/// assert_eq!(org_name::validate("123"), Err(OrgNameError::NoLetters));
/// assert_eq!(org_name::validate("某某（太原有限公司"), Err(OrgNameError::UnbalancedBrackets));
/// ```
pub mod org_name {
    use serde::{Deserialize, Serialize};

    use super::{collapse_spaces, is_cjk, is_latin_letter};
    use crate::domain::normalize::clean_text;

    pub const LEN: std::ops::RangeInclusive<usize> = 2..=100;

    #[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
    pub enum OrgNameError {
        #[error("请输入机构名称")]
        Empty,
        #[error("机构名称应为2至100个字符")]
        InvalidLength,
        #[error("机构名称不能包含“{0}”")]
        InvalidCharacter(char),
        #[error("机构名称应包含汉字或字母")]
        NoLetters,
        #[error("机构名称中的括号不成对，请核对")]
        UnbalancedBrackets,
    }

    text_newtype!(OrgName, OrgNameError);

    pub fn is_valid(input: &str) -> bool {
        validate(input).is_ok()
    }

    pub fn validate(input: &str) -> Result<OrgName, OrgNameError> {
        // `fold_char` has already turned full-width brackets into ASCII ones.
        let name: String = collapse_spaces(&clean_text(input))
            .chars()
            .map(|c| match c {
                '(' => '（',
                ')' => '）',
                '\u{2022}' | '\u{2027}' | '\u{30FB}' | '\u{FF65}' => '·',
                _ => c,
            })
            .collect();
        if name.is_empty() {
            return Err(OrgNameError::Empty);
        }
        if !LEN.contains(&name.chars().count()) {
            return Err(OrgNameError::InvalidLength);
        }
        let allowed = |c: char| {
            is_cjk(c)
                || is_latin_letter(c)
                || c.is_ascii_digit()
                || matches!(
                    c,
                    ' ' | '（' | '）' | '·' | '、' | '&' | '-' | '.' | ',' | '\'' | '’'
                )
        };
        if let Some(bad) = name.chars().find(|&c| !allowed(c)) {
            return Err(OrgNameError::InvalidCharacter(bad));
        }
        if !name.chars().any(|c| is_cjk(c) || is_latin_letter(c)) {
            return Err(OrgNameError::NoLetters);
        }
        if !brackets_pair_up(&name) {
            return Err(OrgNameError::UnbalancedBrackets);
        }
        Ok(OrgName(name))
    }

    fn brackets_pair_up(name: &str) -> bool {
        let mut depth = 0_usize;
        for c in name.chars() {
            match c {
                '（' => depth += 1,
                '）' => match depth.checked_sub(1) {
                    Some(d) => depth = d,
                    None => return false,
                },
                _ => {}
            }
        }
        depth == 0
    }
}

/// 地址 (postal or registered address): 5–120 characters, whitespace collapsed to single
/// spaces so a pasted multi-line address becomes one line, no control characters, and at
/// least one ideograph or letter so that a bare house number is not taken for an address.
/// Punctuation is otherwise free: addresses use `#`, `/`, `-` and brackets in every style.
///
/// ```
/// use app::domain::text::address::{self, AddressError};
/// assert_eq!(address::validate("太原市\n小店区  长风街1号").unwrap().as_str(), "太原市 小店区 长风街1号");
/// assert_eq!(address::validate("1-2-301"), Err(AddressError::NoText));
/// assert_eq!(address::validate("太原市"), Err(AddressError::InvalidLength));
/// ```
pub mod address {
    use serde::{Deserialize, Serialize};

    use super::{collapse_spaces, is_cjk, is_latin_letter};
    use crate::domain::normalize::clean_text;

    pub const LEN: std::ops::RangeInclusive<usize> = 5..=120;

    #[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
    pub enum AddressError {
        #[error("请输入地址")]
        Empty,
        #[error("地址应为5至120个字符")]
        InvalidLength,
        #[error("地址含有无法显示的字符，请重新输入")]
        ControlCharacter,
        #[error("请填写详细地址，不能只有数字和符号")]
        NoText,
    }

    text_newtype!(Address, AddressError);

    pub fn is_valid(input: &str) -> bool {
        validate(input).is_ok()
    }

    pub fn validate(input: &str) -> Result<Address, AddressError> {
        let text = collapse_spaces(&clean_text(input));
        if text.is_empty() {
            return Err(AddressError::Empty);
        }
        if !LEN.contains(&text.chars().count()) {
            return Err(AddressError::InvalidLength);
        }
        if text.chars().any(char::is_control) {
            return Err(AddressError::ControlCharacter);
        }
        if !text.chars().any(|c| is_cjk(c) || is_latin_letter(c)) {
            return Err(AddressError::NoText);
        }
        Ok(Address(text))
    }
}

#[cfg(test)]
mod tests {
    use super::address::AddressError;
    use super::org_name::OrgNameError;
    use super::person_name::PersonNameError;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn chinese_names_including_extension_characters() {
        for ok in ["王芳", "欧阳娜娜", "𬌗三", "李〇", "䶮明", "𠀋子"] {
            assert_eq!(person_name::validate(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn every_dot_look_alike_becomes_the_interpunct() {
        for dot in ['.', '·', '•', '‧', '・', '･', '．'] {
            let input = format!("阿依古丽{dot}买买提");
            assert_eq!(
                person_name::validate(&input).unwrap().as_str(),
                "阿依古丽·买买提",
                "{dot:?}"
            );
        }
    }

    #[test]
    fn person_name_failures() {
        use PersonNameError::*;
        assert_eq!(person_name::validate(" \u{3000}"), Err(Empty));
        assert_eq!(person_name::validate("张"), Err(ChineseLength));
        assert_eq!(person_name::validate(&"张".repeat(21)), Err(ChineseLength));
        assert!(person_name::validate(&"张".repeat(20)).is_ok());
        assert_eq!(person_name::validate("买买提··艾力"), Err(MisplacedDot));
        assert_eq!(person_name::validate("买买提·"), Err(MisplacedDot));
        assert_eq!(person_name::validate("张三-李"), Err(InvalidCharacter('-')));
        assert_eq!(person_name::validate("J"), Err(LatinLength));
        assert_eq!(person_name::validate(&"a".repeat(51)), Err(LatinLength));
        assert_eq!(person_name::validate("R2D2"), Err(InvalidCharacter('2')));
        assert_eq!(person_name::validate("-John"), Err(LatinStart));
        assert_eq!(
            person_name::validate("John×Smith"),
            Err(InvalidCharacter('×'))
        );
    }

    #[test]
    fn foreign_names() {
        for ok in [
            "John Smith",
            "Mary-Jane O'Brien",
            "José María",
            "Martin Luther King Jr.",
        ] {
            assert_eq!(person_name::validate(ok).unwrap().as_str(), ok);
        }
        assert_eq!(
            person_name::validate("ＪＯＨＮ　ＳＭＩＴＨ")
                .unwrap()
                .as_str(),
            "JOHN SMITH"
        );
    }

    #[test]
    fn org_names() {
        assert_eq!(
            org_name::validate("山西某某建设工程有限公司")
                .unwrap()
                .as_str(),
            "山西某某建设工程有限公司"
        );
        assert_eq!(
            org_name::validate("某某（山西）建设集团有限公司")
                .unwrap()
                .as_str(),
            "某某（山西）建设集团有限公司"
        );
        assert_eq!(
            org_name::validate("太原市第1建筑工程公司")
                .unwrap()
                .as_str(),
            "太原市第1建筑工程公司"
        );
        assert_eq!(
            org_name::validate("某某・某某咨询中心").unwrap().as_str(),
            "某某·某某咨询中心"
        );
        use OrgNameError::*;
        assert_eq!(org_name::validate(""), Err(Empty));
        assert_eq!(org_name::validate("某"), Err(InvalidLength));
        assert_eq!(org_name::validate(&"某".repeat(101)), Err(InvalidLength));
        assert_eq!(org_name::validate("某某公司@"), Err(InvalidCharacter('@')));
        assert_eq!(org_name::validate("（123）"), Err(NoLetters));
        assert_eq!(org_name::validate("某某)公司("), Err(UnbalancedBrackets));
    }

    #[test]
    fn addresses() {
        use AddressError::*;
        assert_eq!(
            address::validate("Room 301, 1 Changfeng St")
                .unwrap()
                .as_str(),
            "Room 301, 1 Changfeng St"
        );
        assert_eq!(address::validate("\u{3000} "), Err(Empty));
        assert_eq!(address::validate(&"路".repeat(121)), Err(InvalidLength));
        assert_eq!(
            address::validate("太原市小店\u{7}区"),
            Err(ControlCharacter)
        );
        assert_eq!(address::validate("12345#301"), Err(NoText));
    }

    #[test]
    fn newtypes_validate_when_deserialized() {
        #[derive(Debug, serde::Deserialize)]
        struct Form {
            #[allow(dead_code)]
            name: person_name::PersonName,
        }
        assert!(toml::from_str::<Form>(r#"name = "张三""#).is_ok());
        let err = toml::from_str::<Form>(r#"name = "张3""#).unwrap_err();
        assert!(err.to_string().contains("姓名不能包含“3”"), "{err}");
    }

    proptest! {
        #[test]
        fn canonical_forms_are_fixed_points(input in "\\PC{0,30}") {
            if let Ok(n) = person_name::validate(&input) {
                prop_assert_eq!(person_name::validate(n.as_str()), Ok(n.clone()));
            }
            if let Ok(n) = org_name::validate(&input) {
                prop_assert_eq!(org_name::validate(n.as_str()), Ok(n.clone()));
            }
            if let Ok(a) = address::validate(&input) {
                prop_assert_eq!(address::validate(a.as_str()), Ok(a.clone()));
            }
        }

        #[test]
        fn chinese_names_never_keep_spaces_or_look_alike_dots(input in "[张王李·•・. ]{2,12}") {
            if let Ok(n) = person_name::validate(&input) {
                prop_assert!(!n.as_str().contains([' ', '•', '・', '.']));
            }
        }
    }
}
