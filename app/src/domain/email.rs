//! 电子邮箱 (e-mail address): where the CA sends the electronic invoice (电子发票).
//!
//! The syntax check is `validator`'s, which follows the HTML living standard's
//! `type=email` rule, so the browser and this check agree. On top of it:
//!
//! * input is folded first (`＠`, full-width letters) and an ideographic full stop `。`, which
//!   Chinese input methods type in place of `.`, becomes `.`;
//! * at most 254 characters, the longest address SMTP can carry (RFC 5321 §4.5.3.1.3);
//! * the domain must contain a dot and not be an `[IP]` literal: `validator` accepts
//!   `name@localhost`, which no invoice mail can reach;
//! * the domain is lower-cased (domains are case-insensitive); the local part is kept as typed
//!   because the receiving server may treat its case as significant.
//!
//! ```
//! use app::domain::email::{self, EmailError};
//! assert_eq!(email::validate(" Zhang.San＠Example。COM ").unwrap().as_str(), "Zhang.San@example.com");
//! assert_eq!(email::validate("zhangsan.qq.com"), Err(EmailError::MissingAt));
//! assert_eq!(email::validate("zhangsan@qq"), Err(EmailError::IncompleteDomain));
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};
use validator::ValidateEmail;

use super::normalize::clean_text;

/// The longest address a mail server must accept (RFC 5321 forward-path less the brackets).
pub const MAX_LEN: usize = 254;

/// A validated address with its domain lower-cased.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum EmailError {
    #[error("请输入电子邮箱")]
    Empty,
    #[error("电子邮箱不能超过254个字符")]
    TooLong,
    #[error("电子邮箱缺少“@”，请输入完整地址，如 name@example.com")]
    MissingAt,
    #[error("电子邮箱格式不正确，请核对，如 name@example.com")]
    InvalidFormat,
    #[error("邮箱域名不完整，请核对“@”后的部分，如 example.com")]
    IncompleteDomain,
}

/// Folds and trims; turns the ideographic full stop into `.`.
///
/// ```
/// use app::domain::email::compact;
/// assert_eq!(compact("\u{3000}ｌｉ＠ｑｑ。ｃｏｍ"), "li@qq.com");
/// ```
pub fn compact(input: &str) -> String {
    clean_text(input).replace('。', ".")
}

pub fn validate(input: &str) -> Result<Email, EmailError> {
    let address = compact(input);
    if address.is_empty() {
        return Err(EmailError::Empty);
    }
    if address.len() > MAX_LEN {
        return Err(EmailError::TooLong);
    }
    let Some((local, domain)) = address.rsplit_once('@') else {
        return Err(EmailError::MissingAt);
    };
    if !address.validate_email() {
        return Err(EmailError::InvalidFormat);
    }
    if !domain.contains('.') || domain.starts_with('[') {
        return Err(EmailError::IncompleteDomain);
    }
    Ok(Email(format!("{local}@{}", domain.to_lowercase())))
}

pub fn is_valid(input: &str) -> bool {
    validate(input).is_ok()
}

impl Email {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Email {
    type Error = EmailError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        validate(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> String {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_common_addresses() {
        for ok in [
            "zhangsan@qq.com",
            "li.si+invoice@163.com",
            "caiwu@company.com.cn",
            "x_y-z@mail.sx.gov.cn",
            "caiwu@例子.中国",
        ] {
            assert_eq!(validate(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn lower_cases_the_domain_only() {
        assert_eq!(validate("CaiWu@QQ.COM").unwrap().as_str(), "CaiWu@qq.com");
    }

    #[test]
    fn rejects_with_the_first_problem_found() {
        assert_eq!(validate("  "), Err(EmailError::Empty));
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(validate(&long), Err(EmailError::TooLong));
        assert_eq!(validate("zhangsan"), Err(EmailError::MissingAt));
        for bad in [
            "zhang san@qq.com",
            "@qq.com",
            "zhangsan@",
            "a@@qq.com",
            "a@qq..com",
            "a@-qq.com",
            "张三@qq.com",
            "a@qq.com.",
        ] {
            assert_eq!(validate(bad), Err(EmailError::InvalidFormat), "{bad}");
        }
        assert_eq!(validate("a@localhost"), Err(EmailError::IncompleteDomain));
        assert_eq!(validate("a@[127.0.0.1]"), Err(EmailError::IncompleteDomain));
    }

    #[test]
    fn local_part_over_64_is_rejected_by_validator() {
        let long_local = format!("{}@qq.com", "a".repeat(65));
        assert_eq!(validate(&long_local), Err(EmailError::InvalidFormat));
    }

    proptest! {
        #[test]
        fn canonical_form_is_a_fixed_point(input in "[A-Za-z0-9._+-]{1,20}@[A-Za-z0-9]{1,10}\\.[A-Za-z]{2,5}") {
            if let Ok(e) = validate(&input) {
                prop_assert_eq!(validate(e.as_str()), Ok(e.clone()));
            }
        }

        #[test]
        fn never_panics(input in "\\PC{0,40}") {
            let _ = validate(&input);
        }
    }
}
