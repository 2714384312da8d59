//! The facts printed on the documents. The caller (the app) has validated and normalised
//! every string; this crate only lays them out.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The three paper documents an applicant prints, signs or stamps, and uploads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// 授权委托书; a natural person, who applies in person, gets 个人申请承诺书 instead.
    AuthorizationLetter,
    /// 数字证书申请表.
    ApplicationForm,
    /// 印章采集表: boxes for the seal and signature specimens.
    SealSheet,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 3] = [
        DocumentKind::AuthorizationLetter,
        DocumentKind::ApplicationForm,
        DocumentKind::SealSheet,
    ];

    /// The URL segment and file-name stem.
    pub fn slug(self) -> &'static str {
        match self {
            DocumentKind::AuthorizationLetter => "authorization-letter",
            DocumentKind::ApplicationForm => "application-form",
            DocumentKind::SealSheet => "seal-sheet",
        }
    }

    /// The name shown in lists and download links.
    pub fn title(self) -> &'static str {
        match self {
            DocumentKind::AuthorizationLetter => "授权委托书",
            DocumentKind::ApplicationForm => "数字证书申请表",
            DocumentKind::SealSheet => "印章采集表",
        }
    }
}

impl fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

/// A slug that names no document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownDocumentKind(pub String);

impl fmt::Display for UnknownDocumentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown document kind `{}`", self.0)
    }
}

impl std::error::Error for UnknownDocumentKind {}

/// Parses the slug; the serde spelling (`authorization_letter`) is accepted too, so a
/// value from JSON or from a URL both work.
impl FromStr for DocumentKind {
    type Err = UnknownDocumentKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DocumentKind::ALL
            .into_iter()
            .find(|kind| kind.slug() == s || kind.slug().replace('-', "_") == s)
            .ok_or_else(|| UnknownDocumentKind(s.to_owned()))
    }
}

/// 申请类型: the business the documents are for; the form ticks its box.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationType {
    #[default]
    New,
    Renewal,
    Change,
    Replacement,
    Cancellation,
}

impl ApplicationType {
    pub const ALL: [ApplicationType; 5] = [
        ApplicationType::New,
        ApplicationType::Renewal,
        ApplicationType::Change,
        ApplicationType::Replacement,
        ApplicationType::Cancellation,
    ];

    /// The box's caption on the form.
    pub fn label(self) -> &'static str {
        match self {
            ApplicationType::New => "新办",
            ApplicationType::Renewal => "续期",
            ApplicationType::Change => "变更",
            ApplicationType::Replacement => "补办",
            ApplicationType::Cancellation => "注销",
        }
    }

    /// What the authorization asks the CA to do with the certificates listed.
    pub fn request(self) -> &'static str {
        match self {
            ApplicationType::New => "申请办理下列数字证书",
            ApplicationType::Renewal => "申请续期下列数字证书",
            ApplicationType::Change => "申请变更下列数字证书的信息",
            ApplicationType::Replacement => "因证书介质遗失或损坏，申请补办下列数字证书",
            ApplicationType::Cancellation => "申请注销下列数字证书",
        }
    }

    /// Every box in a row, this one ticked: `■新办　□续期　…`.
    pub fn boxes(self) -> String {
        Self::ALL
            .into_iter()
            .map(|t| format!("{}{}", if t == self { '■' } else { '□' }, t.label()))
            .collect::<Vec<_>>()
            .join("　")
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DocumentData {
    /// e.g. `SQ202611210001`.
    pub application_number: String,
    /// Missing in data written before businesses other than the new application existed.
    #[serde(default)]
    pub application_type: ApplicationType,
    /// What the QR code on every page encodes.
    pub verify_url: String,
    /// The trading platform the certificates are for.
    pub project_name: String,
    /// The certificate authority the application goes to.
    pub ca_name: String,
    /// Printed as is, e.g. `2026年11月21日`.
    pub date: String,
    pub subject: Subject,
    pub certificates: Vec<CertificateLine>,
    /// What a 变更 application changes, old beside new; empty for any other business.
    #[serde(default)]
    pub changes: Vec<ChangeLine>,
}

/// One detail a 变更 application changes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChangeLine {
    /// The section it belongs to, e.g. `法定代表人信息`.
    pub section: String,
    /// e.g. `身份证号码`.
    pub item: String,
    pub before: String,
    pub after: String,
}

/// Who applies.
// One value per rendered document; boxing the larger variant would only complicate the
// app's code. (`allow`, not `expect`: on wasm32 the variants are small enough.)
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Subject {
    Organisation {
        org: Organisation,
        legal_rep: Person,
        agent: Agent,
    },
    NaturalPerson {
        person: Person,
        address: String,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Organisation {
    pub name: String,
    pub credit_code: String,
    /// Province and city, e.g. `山西省 太原市`.
    pub region: String,
    pub address: String,
    pub bank_account_name: String,
    pub bank_name: String,
    pub bank_account: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub name: String,
    pub id_number: String,
    pub mobile: String,
}

/// The employee who handles the application (经办人).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Agent {
    pub person: Person,
    pub email: String,
    pub position: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CertificateLine {
    /// e.g. `机构数字证书`.
    pub product: String,
    /// The named person of a personal certificate; none for the organisation's own.
    pub holder: Option<Holder>,
    pub years: u8,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Holder {
    pub name: String,
    pub id_number: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_ticks_one_box() {
        assert_eq!(
            ApplicationType::Replacement.boxes(),
            "□新办　□续期　□变更　■补办　□注销"
        );
        assert_eq!(ApplicationType::default(), ApplicationType::New);
    }

    #[test]
    fn kinds_round_trip_through_slug_and_serde_name() {
        for kind in DocumentKind::ALL {
            assert_eq!(kind.slug().parse::<DocumentKind>(), Ok(kind));
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json.trim_matches('"').parse::<DocumentKind>(), Ok(kind));
        }
        assert_eq!(
            "letter".parse::<DocumentKind>(),
            Err(UnknownDocumentKind("letter".into()))
        );
    }
}
