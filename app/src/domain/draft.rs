//! The application as typed: what the form holds and the server saves as a draft.
//!
//! Every field is kept exactly as entered, valid or not, so a reload or a crash loses nothing;
//! `application::validate_*` turns a draft into checked values or field errors.
//! Field ids ([`field`]) are shared by the HTML `id`s, the error map and the error summary links.

use serde::{Deserialize, Serialize};

/// The steps of a new application, in order.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// 证书信息: which certificates, for how long, and the org-personal certificate holders.
    #[default]
    Choose,
    /// 单位、法人、经办人、金融认证、邮寄、发票信息; for a natural-person certificate
    /// 申请人、银行账户、收件、发票信息 instead.
    Details,
    /// 核对信息, then submit.
    Review,
}

impl Step {
    pub const ALL: [Step; 3] = [Step::Choose, Step::Details, Step::Review];

    pub fn slug(self) -> &'static str {
        match self {
            Step::Choose => "choose",
            Step::Details => "details",
            Step::Review => "review",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.slug() == slug)
    }

    pub fn title(self) -> &'static str {
        match self {
            Step::Choose => "选择证书",
            Step::Details => "填写申请信息",
            Step::Review => "核对并提交",
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Draft {
    pub certs: CertsDraft,
    pub org: OrgDraft,
    pub legal_rep: LegalRepDraft,
    pub agent: AgentDraft,
    pub bank: BankDraft,
    /// 申请人信息 of a natural-person certificate. Kept beside the organisation's sections,
    /// so switching between the two in the first step loses neither.
    pub applicant: ApplicantDraft,
    /// The natural-person applicant's own account, for the financial check.
    pub applicant_bank: BankDraft,
    pub shipping: ShippingDraft,
    pub invoice: InvoiceDraft,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CertsDraft {
    /// Years of the org certificate; `None` when the organisation already holds one.
    pub org_years: Option<u8>,
    pub holders: Vec<HolderDraft>,
    /// Years of a natural-person certificate. When set, it is the only certificate applied
    /// for; the org certificate and holders above stay as typed, unused, for a switch back.
    pub natural_person_years: Option<u8>,
}

impl Default for CertsDraft {
    fn default() -> Self {
        Self {
            org_years: Some(1),
            holders: Vec::new(),
            natural_person_years: None,
        }
    }
}

/// One org-personal certificate (机构个人证书) and the person it is issued to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HolderDraft {
    pub name: String,
    pub id_number: String,
    /// The holder's own mobile: the PIN and unlock codes of this certificate go there.
    pub mobile: String,
    pub years: u8,
}

impl Default for HolderDraft {
    fn default() -> Self {
        Self {
            name: String::new(),
            id_number: String::new(),
            mobile: String::new(),
            years: 1,
        }
    }
}

/// 单位信息.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrgDraft {
    pub name: String,
    /// 机构证件类型; only 统一社会信用代码证 (`uscc`) is offered today.
    pub cert_type: String,
    pub credit_code: String,
    /// GB/T 2260 codes from the region picker.
    pub province: String,
    pub city: String,
    pub address: String,
}

/// 法人信息.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LegalRepDraft {
    pub name: String,
    pub id_number: String,
    pub mobile: String,
}

/// 经办人信息.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AgentDraft {
    /// 经办人即法定代表人: name, ID number and mobile are the legal representative's.
    pub same_as_legal_rep: bool,
    pub name: String,
    pub id_number: String,
    /// Must be registered under the agent's own name (实名手机号).
    pub mobile: String,
    /// Receives the e-invoice.
    pub email: String,
    pub position: String,
}

/// 申请人信息: the private individual a natural-person certificate is issued to, who also
/// does the identity check on the phone.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApplicantDraft {
    pub name: String,
    pub id_number: String,
    /// Must be registered under the applicant's own name (实名手机号).
    pub mobile: String,
    /// Receives the e-invoice.
    pub email: String,
    /// GB/T 2260 codes from the region picker.
    pub province: String,
    pub city: String,
    pub address: String,
}

/// 金融认证信息: the organisation's basic account (基本户), or a natural-person applicant's
/// own account, used for the 0.01-yuan check.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BankDraft {
    pub account_name: String,
    /// 基本户开户行 as picked from the bank list (or typed).
    pub bank_name: String,
    pub account_number: String,
}

/// 邮寄信息.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ShippingDraft {
    pub province: String,
    pub city: String,
    pub district: String,
    pub address: String,
    pub postal_code: String,
    /// A shipping option id from the project's catalog.
    pub option: String,
}

/// 发票信息.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InvoiceDraft {
    /// 是否开票: an electronic invoice, or none.
    pub wanted: bool,
    /// 发票抬头; defaults to the organisation name (the applicant's name for a natural person).
    pub title: String,
    /// 纳税人识别号; defaults to the credit code (nothing for a natural person).
    pub taxpayer_id: String,
}

impl Default for InvoiceDraft {
    fn default() -> Self {
        Self {
            wanted: true,
            title: String::new(),
            taxpayer_id: String::new(),
        }
    }
}

/// Field ids: the HTML `id` of each input, and the key of its error.
pub mod field {
    pub const ORG_YEARS: &str = "org-years";
    pub const ORG_NAME: &str = "org-name";
    pub const ORG_CERT_TYPE: &str = "org-cert-type";
    pub const ORG_CREDIT_CODE: &str = "org-credit-code";
    pub const ORG_PROVINCE: &str = "org-province";
    pub const ORG_CITY: &str = "org-city";
    pub const ORG_ADDRESS: &str = "org-address";
    pub const LEGAL_NAME: &str = "legal-name";
    pub const LEGAL_ID_NUMBER: &str = "legal-id-number";
    pub const LEGAL_MOBILE: &str = "legal-mobile";
    pub const AGENT_SAME_AS_LEGAL: &str = "agent-same-as-legal";
    pub const AGENT_NAME: &str = "agent-name";
    pub const AGENT_ID_NUMBER: &str = "agent-id-number";
    pub const AGENT_MOBILE: &str = "agent-mobile";
    pub const AGENT_EMAIL: &str = "agent-email";
    pub const AGENT_POSITION: &str = "agent-position";
    pub const BANK_ACCOUNT_NAME: &str = "bank-account-name";
    pub const BANK_NAME: &str = "bank-name";
    pub const BANK_ACCOUNT_NUMBER: &str = "bank-account-number";
    pub const SHIP_PROVINCE: &str = "ship-province";
    pub const SHIP_CITY: &str = "ship-city";
    pub const SHIP_DISTRICT: &str = "ship-district";
    pub const SHIP_ADDRESS: &str = "ship-address";
    pub const SHIP_POSTAL_CODE: &str = "ship-postal-code";
    pub const SHIP_OPTION: &str = "ship-option";
    pub const INVOICE_WANTED: &str = "invoice-wanted";
    pub const INVOICE_TITLE: &str = "invoice-title";
    pub const INVOICE_TAXPAYER_ID: &str = "invoice-taxpayer-id";
    /// The choice between an organisation's certificates and a natural-person certificate.
    pub const APPLICANT_KIND: &str = "applicant-kind";
    pub const NATURAL_PERSON_YEARS: &str = "natural-person-years";
    pub const APPLICANT_NAME: &str = "applicant-name";
    pub const APPLICANT_ID_NUMBER: &str = "applicant-id-number";
    pub const APPLICANT_MOBILE: &str = "applicant-mobile";
    pub const APPLICANT_EMAIL: &str = "applicant-email";
    pub const APPLICANT_PROVINCE: &str = "applicant-province";
    pub const APPLICANT_CITY: &str = "applicant-city";
    pub const APPLICANT_ADDRESS: &str = "applicant-address";
    pub const APPLICANT_BANK_ACCOUNT_NAME: &str = "applicant-bank-account-name";
    pub const APPLICANT_BANK_NAME: &str = "applicant-bank-name";
    pub const APPLICANT_BANK_ACCOUNT_NUMBER: &str = "applicant-bank-account-number";
    /// The whole certificate selection (e.g. "choose at least one certificate").
    pub const CERTS: &str = "certs";

    /// `holders-<i>-name`, `-id-number`, `-mobile` and `-years` for row `i` (0-based).
    pub fn holder(index: usize, part: &str) -> String {
        format!("holders-{index}-{part}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_slugs_round_trip() {
        for step in Step::ALL {
            assert_eq!(Step::from_slug(step.slug()), Some(step));
        }
        assert_eq!(Step::from_slug("pay"), None);
    }

    #[test]
    fn an_old_draft_missing_sections_still_loads() {
        let draft: Draft =
            serde_json::from_str(r#"{"certs":{"holders":[{"name":"张三"}]}}"#).unwrap();
        assert_eq!(draft.certs.org_years, Some(1));
        assert_eq!(draft.certs.natural_person_years, None);
        assert_eq!(draft.certs.holders[0].years, 1);
        assert_eq!(draft.applicant, ApplicantDraft::default());
        assert!(draft.invoice.wanted);
    }
}
