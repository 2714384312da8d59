//! 证书查询 / 订单查询: anyone holding a certificate serial or an application number may see how
//! it stands, after a code texted to the mobile number registered with it. The answer carries
//! names only masked, and no ID number, mobile number or address.

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use std::net::IpAddr;

use crate::domain::certificate::CertState;
use crate::services::codes::CodeError;

/// A certificate as the lookup shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateFacts {
    /// 机构证书, 机构个人证书 or 自然人证书.
    pub kind: String,
    pub state: CertState,
    /// `2026年12月7日`.
    pub valid_from: String,
    pub valid_to: String,
    pub serial: String,
    /// The organisation or the natural person, masked.
    pub subject: String,
    /// The holder of an org-personal certificate, masked.
    pub holder: Option<String>,
}

/// An application (order) as the lookup shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderFacts {
    pub number: String,
    /// The status label applicants know (`Status::label`).
    pub status: String,
    /// The day it was submitted, China's calendar.
    pub submitted_on: String,
    /// The organisation or the natural person, masked.
    pub subject: String,
    /// Its certificates once issued.
    pub certificates: Vec<CertificateFacts>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LookupResult {
    Certificate(CertificateFacts),
    Order(OrderFacts),
}

/// A code went out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupCodeSent {
    /// `139****1234`.
    pub to_masked: String,
    pub resend_after_secs: u32,
}

/// Why a lookup step failed; `Display` is the message shown at the field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum LookupError {
    #[error("请输入证书序列号或申请编号")]
    QueryMissing,
    #[error("没有找到这张证书或这份申请，请核对后重新输入")]
    NotFound,
    #[error("请输入图片中的验证码")]
    CaptchaMissing,
    #[error("图片验证码不正确，请看清后重新输入")]
    CaptchaWrong,
    #[error("图片验证码已过期，请点击图片换一张")]
    CaptchaExpired,
    #[error(transparent)]
    Code(#[from] CodeError),
    #[error("服务器正忙，请稍等几秒后重试")]
    Busy,
    #[error("系统繁忙，请稍后重试")]
    Internal,
}

impl LookupError {
    /// Whether the message belongs at the image captcha, the code, or else the query field.
    pub fn at_captcha(&self) -> bool {
        matches!(
            self,
            Self::CaptchaMissing | Self::CaptchaWrong | Self::CaptchaExpired
        )
    }

    pub fn at_code(&self) -> bool {
        matches!(
            self,
            Self::Code(
                CodeError::ResendTooSoon { .. }
                    | CodeError::Malformed
                    | CodeError::NoCode
                    | CodeError::Wrong { .. }
                    | CodeError::Expired
                    | CodeError::Locked
            )
        )
    }
}

/// A serial or application number as typed, folded: full-width characters to ASCII, spaces and
/// dashes dropped, upper case. `None` when nothing or something that cannot be either is left.
pub fn fold_query(input: &str) -> Option<String> {
    let query = crate::domain::normalize::compact(input);
    (!query.is_empty() && query.len() <= 40 && query.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then_some(query)
}

/// An organisation's name with the first 2 and last 4 characters kept (山西****有限公司);
/// shorter names keep only their first character.
pub fn mask_org(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    if chars.len() <= 6 {
        return crate::domain::handoff::mask_name(name);
    }
    let hidden = chars.len() - 6;
    chars[..2]
        .iter()
        .copied()
        .chain(std::iter::repeat_n('*', hidden))
        .chain(chars[chars.len() - 4..].iter().copied())
        .collect()
}

#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait LookupService: Send + Sync {
    /// Checks the captcha (when login asks for one) and the limits, then texts a code to the
    /// mobile number registered with the folded `query`. Limits: one code per query per 60 s
    /// and 5 per China day, a cap per client address per hour.
    async fn send_code(
        &self,
        query: &str,
        captcha_id: &str,
        captcha_answer: &str,
        ip: IpAddr,
        signature: &str,
    ) -> Result<LookupCodeSent, LookupError>;

    /// The result for `query` when `code` is its latest code (5 minutes, single use, dead
    /// after 5 wrong tries).
    async fn result(&self, query: &str, code: &str) -> Result<LookupResult, LookupError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_folded_as_typed() {
        assert_eq!(
            fold_query(" 5a3f 0c11 2233 4455 6677 ").as_deref(),
            Some("5A3F0C11223344556677")
        );
        assert_eq!(
            fold_query("ｓｑ202612070003").as_deref(),
            Some("SQ202612070003")
        );
        assert_eq!(fold_query("  "), None);
        assert_eq!(fold_query("SQ2026/1207"), None);
    }

    #[test]
    fn organisation_names_keep_two_leading_and_four_trailing_characters() {
        assert_eq!(mask_org("山西示例科技有限公司"), "山西****有限公司");
        assert_eq!(mask_org("某某公司"), "某***");
    }
}
