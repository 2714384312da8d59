//! 统一社会信用代码 (unified social credit code, GB 32100-2015).
//!
//! 18 characters from `0123456789ABCDEFGHJKLMNPQRTUWXY` (never I, O, Z, S, V):
//!
//! | position | meaning |
//! |---|---|
//! | 1 | registration authority (登记管理部门), e.g. `9` 工商 |
//! | 2 | organisation category (机构类别) within that authority, e.g. `1` 企业 |
//! | 3–8 | region code of the registering office (GB/T 2260) |
//! | 9–17 | organisation code (GB 11714, with its own check character) |
//! | 18 | check character: weighted sum mod 31 over the alphabet (GB/T 17710 style) |
//!
//! ```
//! use app::domain::credit_code::{self, CreditCodeError};
//!
//! // The example in GB 32100-2015: an enterprise registered in 福州市.
//! let code = credit_code::validate("91350100M000100Y43").unwrap();
//! assert_eq!(code.registration_authority(), "工商");
//! assert_eq!(code.category(), "企业");
//! assert_eq!(code.region().unwrap().display_name(), "福建省福州市");
//! assert_eq!(code.org_code().as_str(), "M000100Y4");
//!
//! assert_eq!(
//!     credit_code::validate("91350100M000100Y44"),
//!     Err(CreditCodeError::InvalidChecksum)
//! );
//! ```

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::normalize;
use super::org_code::{self, OrgCode};
use super::regions::{self, Region};

const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// 3^i mod 31 for position i.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
/// Registrations by central bodies carry this region code, which GB/T 2260 does not list.
const NATIONAL_REGION: &str = "100000";

struct Authority {
    code: u8,
    name: &'static str,
    categories: &'static [(u8, &'static str)],
}

/// Authorities and their categories. GB 32100-2015 itself names 1 机构编制, 5 民政, 9 工商
/// and Y 其他; the rest were assigned later by the national standards body and are given as
/// in the commonly published table (e.g. zh.wikipedia 统一社会信用代码). That table has
/// 文化 1/9, 旅游 1/2/9 and 宗教 1/2/9 only.
const AUTHORITIES: [Authority; 12] = [
    Authority {
        code: b'1',
        name: "机构编制",
        categories: &[
            (b'1', "机关"),
            (b'2', "事业单位"),
            (b'3', "中央编办直接管理机构编制的群众团体"),
            (b'9', "其他"),
        ],
    },
    Authority {
        code: b'2',
        name: "外交",
        categories: &[(b'1', "外国常驻新闻机构"), (b'9', "其他")],
    },
    Authority {
        code: b'3',
        name: "司法行政",
        categories: &[
            (b'1', "律师执业机构"),
            (b'2', "公证处"),
            (b'3', "基层法律服务所"),
            (b'4', "司法鉴定机构"),
            (b'5', "仲裁委员会"),
            (b'9', "其他"),
        ],
    },
    Authority {
        code: b'4',
        name: "文化",
        categories: &[(b'1', "外国在华文化中心"), (b'9', "其他")],
    },
    Authority {
        code: b'5',
        name: "民政",
        categories: &[
            (b'1', "社会团体"),
            (b'2', "民办非企业单位"),
            (b'3', "基金会"),
            (b'9', "其他"),
        ],
    },
    Authority {
        code: b'6',
        name: "旅游",
        categories: &[
            (b'1', "外国旅游部门常驻代表机构"),
            (b'2', "港澳台地区旅游部门常驻内地（大陆）代表机构"),
            (b'9', "其他"),
        ],
    },
    Authority {
        code: b'7',
        name: "宗教",
        categories: &[(b'1', "宗教活动场所"), (b'2', "宗教院校"), (b'9', "其他")],
    },
    Authority {
        code: b'8',
        name: "工会",
        categories: &[(b'1', "基层工会"), (b'9', "其他")],
    },
    Authority {
        code: b'9',
        name: "工商",
        categories: &[
            (b'1', "企业"),
            (b'2', "个体工商户"),
            (b'3', "农民专业合作社"),
        ],
    },
    Authority {
        code: b'A',
        name: "中央军委改革和编制办公室",
        categories: &[(b'1', "军队事业单位"), (b'9', "其他")],
    },
    Authority {
        code: b'N',
        name: "农业",
        categories: &[
            (b'1', "组级集体经济组织"),
            (b'2', "村级集体经济组织"),
            (b'3', "乡镇级集体经济组织"),
            (b'9', "其他"),
        ],
    },
    Authority {
        code: b'Y',
        name: "其他",
        categories: &[(b'1', "其他")],
    },
];

/// Why a string is not a valid credit code, in the order the checks run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum CreditCodeError {
    #[error("请填写统一社会信用代码")]
    Empty,
    #[error("统一社会信用代码应为18位，当前为{len}位")]
    InvalidLength { len: usize },
    #[error("统一社会信用代码只含数字和大写字母，不使用字母I、O、Z、S、V")]
    InvalidCharacter,
    #[error("统一社会信用代码校验位不正确，请核对后重新输入")]
    InvalidChecksum,
    #[error("统一社会信用代码第9至17位（组织机构代码）不正确，请核对后重新输入")]
    InvalidOrgCodeChecksum,
    #[error("统一社会信用代码前两位（登记管理部门和机构类别）不正确，请核对后重新输入")]
    UnknownAuthorityOrCategory,
    #[error("统一社会信用代码第3至8位（行政区划代码）不正确，请核对后重新输入")]
    UnknownRegion,
}

/// A validated credit code in canonical form (18 upper-case characters). Serializes as that
/// string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditCode {
    code: String,
    authority: &'static str,
    category: &'static str,
    org_code: OrgCode,
}

impl CreditCode {
    pub fn as_str(&self) -> &str {
        &self.code
    }

    /// The registration authority, e.g. `工商`.
    pub fn registration_authority(&self) -> &'static str {
        self.authority
    }

    /// The organisation category within the authority, e.g. `企业`.
    pub fn category(&self) -> &'static str {
        self.category
    }

    /// Positions 3–8 as written.
    pub fn region_code(&self) -> &str {
        &self.code[2..8]
    }

    /// The GB/T 2260 division of the registering office; `None` for central registrations
    /// (`100000`) and for development-zone codes that GB/T 2260 does not list (苏州工业园区
    /// uses `320594`).
    pub fn region(&self) -> Option<Region> {
        regions::lookup(self.region_code())
    }

    /// Positions 9–17: the GB 11714 organisation code.
    pub fn org_code(&self) -> &OrgCode {
        &self.org_code
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code)
    }
}

impl Serialize for CreditCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.code)
    }
}

impl<'de> Deserialize<'de> for CreditCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        validate(&String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

/// Folds full-width characters, drops spaces and dashes, upper-cases letters.
///
/// ```
/// use app::domain::credit_code::compact;
/// assert_eq!(compact(" 9135 0100 ｍ000100ｙ43 "), "91350100M000100Y43");
/// ```
pub fn compact(input: &str) -> String {
    normalize::compact(input)
}

/// The check character for the 17-character body, or `None` if `body` is not 17 characters
/// of the alphabet.
///
/// ```
/// use app::domain::credit_code::calc_check_digit;
/// assert_eq!(calc_check_digit("91350100M000100Y4"), Some('3'));
/// assert_eq!(calc_check_digit("91350100M000100I4"), None);
/// ```
pub fn calc_check_digit(body: &str) -> Option<char> {
    if body.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (b, w) in body.bytes().zip(WEIGHTS) {
        sum += value(b)? * w;
    }
    Some(char::from(ALPHABET[((31 - sum % 31) % 31) as usize]))
}

/// Checks length, alphabet, the check character and the organisation code's check character,
/// then that the first two characters are a known authority and category and that the region
/// code is national or lies in a province of GB/T 2260.
///
/// The region check stops at the province because registrars also use development-zone codes
/// outside GB/T 2260 (`91320594…` for 苏州工业园区 is common).
pub fn validate(input: &str) -> Result<CreditCode, CreditCodeError> {
    let code = compact(input);
    let len = code.chars().count();
    if len == 0 {
        return Err(CreditCodeError::Empty);
    }
    if len != 18 {
        return Err(CreditCodeError::InvalidLength { len });
    }
    if !code.bytes().all(|b| value(b).is_some()) {
        return Err(CreditCodeError::InvalidCharacter);
    }
    let (body, check_char) = code.split_at(17);
    if calc_check_digit(body) != check_char.chars().next() {
        return Err(CreditCodeError::InvalidChecksum);
    }
    let org_code =
        org_code::validate(&code[8..17]).map_err(|_| CreditCodeError::InvalidOrgCodeChecksum)?;
    let bytes = code.as_bytes();
    let authority = AUTHORITIES
        .iter()
        .find(|a| a.code == bytes[0])
        .ok_or(CreditCodeError::UnknownAuthorityOrCategory)?;
    let &(_, category) = authority
        .categories
        .iter()
        .find(|(c, _)| *c == bytes[1])
        .ok_or(CreditCodeError::UnknownAuthorityOrCategory)?;
    let region = &code[2..8];
    let known_region = region == NATIONAL_REGION
        || (region.bytes().all(|b| b.is_ascii_digit()) && regions::province_exists(&region[..2]));
    if !known_region {
        return Err(CreditCodeError::UnknownRegion);
    }
    Ok(CreditCode {
        authority: authority.name,
        category,
        org_code,
        code,
    })
}

/// Whether [`validate`] accepts `input`.
///
/// ```
/// use app::domain::credit_code::is_valid;
/// assert!(is_valid("91350100M000100Y43"));
/// assert!(!is_valid("91350100M000100Y4"));
/// ```
pub fn is_valid(input: &str) -> bool {
    validate(input).is_ok()
}

/// The form to show: credit codes are written without separators, so this is [`compact`].
pub fn format(input: &str) -> String {
    compact(input)
}

/// The character's index in the alphabet.
fn value(b: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == b).map(|i| i as u32)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Appends the computed check character to a 17-character body.
    fn with_check(body: &str) -> String {
        format!("{body}{}", calc_check_digit(body).unwrap())
    }

    fn err(input: &str) -> CreditCodeError {
        validate(input).unwrap_err()
    }

    #[test]
    fn weights_are_powers_of_three_mod_31() {
        for (i, w) in WEIGHTS.iter().enumerate() {
            assert_eq!(*w, 3u32.pow(i as u32) % 31);
        }
    }

    #[test]
    fn check_character_zero_is_valid() {
        // Sum mod 31 == 0 gives index 0, the character '0'.
        assert_eq!(calc_check_digit("91140105000000027"), Some('0'));
        let code = validate("911401050000000270").unwrap();
        assert_eq!(code.org_code().as_str(), "000000027");
        assert_eq!(code.region().unwrap().display_name(), "山西省太原市小店区");
    }

    #[test]
    fn public_codes_validate() {
        // python-stdnum's doctest example, registered in 北京市.
        let code = validate("91110000600037341L").unwrap();
        assert_eq!(code.region().unwrap().display_name(), "北京市");
        // A 苏州工业园区 registration: region 320594 is not in GB/T 2260.
        let code = validate("91320594780268314T").unwrap();
        assert_eq!(code.region_code(), "320594");
        assert_eq!(code.region(), None);
    }

    #[test]
    fn typed_variants_reach_the_same_code() {
        for typed in [
            "91350100m000100y43",
            " 91350100M000100Y43\t",
            "9135 0100 M000 100Y 43",
            "91350100-M000100Y4-3",
            "９１３５０１００Ｍ０００１００Ｙ４３",
        ] {
            assert_eq!(
                validate(typed).unwrap().as_str(),
                "91350100M000100Y43",
                "{typed:?}"
            );
        }
    }

    #[test]
    fn errors_in_order() {
        assert_eq!(err("  "), CreditCodeError::Empty);
        assert_eq!(
            err("91350100M000100Y4"),
            CreditCodeError::InvalidLength { len: 17 }
        );
        assert_eq!(
            err("91350100M000100Y433"),
            CreditCodeError::InvalidLength { len: 19 }
        );
        for letter in ['I', 'O', 'Z', 'S', 'V'] {
            let code = format!("91350100M000100{letter}43");
            assert_eq!(err(&code), CreditCodeError::InvalidCharacter, "{code}");
        }
        assert_eq!(
            err("91350100M000100Y4三"),
            CreditCodeError::InvalidCharacter
        );
        assert_eq!(err("91350100M000100Y44"), CreditCodeError::InvalidChecksum);
        assert_eq!(
            err(&with_check("91350100M000100Y5")),
            CreditCodeError::InvalidOrgCodeChecksum
        );
    }

    #[test]
    fn authority_and_category_must_pair() {
        let org = "000000000";
        for ok in [
            "11", "19", "21", "35", "49", "53", "62", "72", "81", "93", "A1", "N3", "Y1",
        ] {
            let code = with_check(&format!("{ok}110000{org}"));
            assert!(is_valid(&code), "{code}");
        }
        for bad in ["01", "94", "99", "Y2", "B1", "43", "73", "1A", "55"] {
            let code = with_check(&format!("{bad}110000{org}"));
            assert_eq!(
                err(&code),
                CreditCodeError::UnknownAuthorityOrCategory,
                "{code}"
            );
        }
    }

    #[test]
    fn authority_and_category_names() {
        let code = validate(&with_check("52110000000000000")).unwrap();
        assert_eq!(
            (code.registration_authority(), code.category()),
            ("民政", "民办非企业单位")
        );
        let code = validate(&with_check("Y1110000000000000")).unwrap();
        assert_eq!(
            (code.registration_authority(), code.category()),
            ("其他", "其他")
        );
    }

    #[test]
    fn region_must_be_national_or_in_a_known_province() {
        let code = validate(&with_check("11100000000000000")).unwrap();
        assert_eq!(code.region(), None);
        assert!(
            is_valid(&with_check("91110103000000000")),
            "abolished 崇文区"
        );
        for region in ["990000", "000000", "10A000", "1A0000"] {
            let code = with_check(&format!("91{region}000000000"));
            assert_eq!(err(&code), CreditCodeError::UnknownRegion, "{code}");
        }
    }

    #[test]
    fn serializes_as_the_canonical_string() {
        #[derive(Serialize, Deserialize)]
        struct Form {
            code: CreditCode,
        }
        let text = toml::to_string(&Form {
            code: validate("91350100M000100Y43").unwrap(),
        })
        .unwrap();
        assert_eq!(text.trim(), "code = \"91350100M000100Y43\"");
        assert_eq!(
            toml::from_str::<Form>(&text).unwrap().code.as_str(),
            "91350100M000100Y43"
        );
        assert!(toml::from_str::<Form>("code = \"91350100M000100Y44\"").is_err());
    }

    #[test]
    fn error_message_names_the_unused_letters() {
        assert!(
            CreditCodeError::InvalidCharacter
                .to_string()
                .contains("I、O、Z、S、V")
        );
    }

    const PAIRS: [&str; 6] = ["11", "12", "51", "91", "92", "Y1"];
    const REGIONS: [&str; 6] = ["100000", "110000", "110105", "140100", "320594", "500101"];

    fn valid_code() -> impl Strategy<Value = String> {
        (
            prop::sample::select(PAIRS.to_vec()),
            prop::sample::select(REGIONS.to_vec()),
            "[0-9A-HJ-NP-RTUWXY]{8}",
        )
            .prop_map(|(pair, region, org_body)| {
                let org_check = org_code::calc_check_digit(&org_body).unwrap();
                with_check(&format!("{pair}{region}{org_body}{org_check}"))
            })
    }

    proptest! {
        #[test]
        fn computed_check_character_validates(code in valid_code()) {
            prop_assert_eq!(validate(&code).map(|c| c.code), Ok(code));
        }

        #[test]
        fn any_single_substitution_is_caught(
            code in valid_code(),
            pos in 0usize..18,
            shift in 1u32..31,
        ) {
            let mut bytes = code.into_bytes();
            bytes[pos] = ALPHABET[((value(bytes[pos]).unwrap() + shift) % 31) as usize];
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert_eq!(err(&changed), CreditCodeError::InvalidChecksum);
        }

        #[test]
        fn typed_variants_validate_to_the_canonical_code(
            code in valid_code(),
            full_width in prop::collection::vec(any::<bool>(), 18),
            lower in prop::collection::vec(any::<bool>(), 18),
            gaps in prop::collection::vec(prop::sample::select(vec!["", "", "", " ", "-", "\u{3000}"]), 18),
        ) {
            let typed: String = code
                .chars()
                .zip(full_width.into_iter().zip(lower))
                .zip(gaps)
                .map(|((c, (wide, low)), gap)| {
                    let c = if low { c.to_ascii_lowercase() } else { c };
                    let c = if wide { char::from_u32(c as u32 + 0xFEE0).unwrap() } else { c };
                    format!("{gap}{c}")
                })
                .collect();
            let typed = format!(" {typed} ");
            prop_assert_eq!(validate(&typed).map(|c| c.code), Ok(code));
        }
    }
}
