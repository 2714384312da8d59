//! 审核 (review): what a reviewer can flag when rejecting an application, the reasons they
//! pick from, and the checks on a shipment's courier and tracking number.
//!
//! A flag names one item ([`FlagItem`]'s code): a material slot
//! (`material:<slot>`), a form section (`section:<id>`, ids in [`SECTIONS`]) or the phone step
//! (`identity`). The applicant's rejection text message reads `<label><reason>`, so a preset
//! reads on from the item's name: 身份证复印件未加盖公章.
//!
//! ```
//! use app::domain::review::{resolve_reason, ReasonError};
//!
//! assert_eq!(resolve_reason("未加盖公章", ""), Ok("未加盖公章".to_owned()));
//! assert_eq!(resolve_reason("未加盖公章", " 日期填写错误 "), Ok("日期填写错误".to_owned()));
//! assert_eq!(resolve_reason("", ""), Err(ReasonError::Missing));
//! ```

use serde::{Deserialize, Serialize};

use crate::domain::application::Variant;

/// What a reviewer flags when rejecting: one material slot, one form section or the phone step.
///
/// Stored as text: `material:<slot id>`, `section:<section id>`, `identity`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum FlagItem {
    Material(String),
    Section(String),
    Identity,
}

impl FlagItem {
    pub fn code(&self) -> String {
        match self {
            FlagItem::Material(slot) => format!("material:{slot}"),
            FlagItem::Section(section) => format!("section:{section}"),
            FlagItem::Identity => "identity".to_owned(),
        }
    }

    pub fn parse(code: &str) -> Option<FlagItem> {
        if code == "identity" {
            return Some(FlagItem::Identity);
        }
        let (kind, id) = code.split_once(':')?;
        let ok = !id.is_empty()
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        match kind {
            "material" if ok => Some(FlagItem::Material(id.to_owned())),
            "section" if ok => Some(FlagItem::Section(id.to_owned())),
            _ => None,
        }
    }
}

/// The form's sections a reviewer can flag, by id, with the names the applicant saw.
pub const SECTIONS: [(&str, &str); 8] = [
    ("org", "单位信息"),
    ("legal_rep", "法定代表人信息"),
    ("agent", "经办人信息"),
    ("applicant", "申请人信息"),
    ("holders", "证书持有人"),
    ("bank", "银行账户信息"),
    ("shipping", "收件信息"),
    ("invoice", "发票信息"),
];

/// What the phone step is called when flagged.
pub const IDENTITY_LABEL: &str = "手机身份认证";

/// Reasons a reviewer picks from; each reads on from the item's name.
pub const REASONS: [&str; 8] = [
    "未加盖公章",
    "不清晰",
    "信息与申请不一致",
    "缺页或不完整",
    "已过有效期",
    "不是原件的扫描件或照片",
    "签字或盖章位置不正确",
    "填写有误",
];

/// The longest reason kept, in characters.
pub const MAX_REASON_CHARS: usize = 60;

/// Couriers offered when marking an order shipped; the operator's usual ones.
pub const COURIERS: [&str; 7] = [
    "顺丰速运",
    "EMS",
    "京东物流",
    "中通快递",
    "圆通速递",
    "韵达快递",
    "申通快递",
];

/// The name of section `id`, if it is one.
pub fn section_label(id: &str) -> Option<&'static str> {
    SECTIONS
        .iter()
        .find(|(section, _)| *section == id)
        .map(|(_, label)| *label)
}

/// The sections an application of `variant` has, in the order the form shows them:
/// holders only with org-personal certificates, the invoice only when one was asked for.
pub fn sections_for(
    variant: Variant,
    has_holders: bool,
    has_invoice: bool,
) -> Vec<(&'static str, &'static str)> {
    let ids: &[&str] = match variant {
        Variant::Organisation => &["org", "legal_rep", "agent", "holders", "bank", "shipping"],
        Variant::NaturalPerson => &["applicant", "bank", "shipping"],
    };
    let mut out: Vec<(&'static str, &'static str)> = SECTIONS
        .iter()
        .filter(|(id, _)| ids.contains(id) && (*id != "holders" || has_holders))
        .copied()
        .collect();
    if has_invoice {
        out.push(("invoice", "发票信息"));
    }
    out
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReasonError {
    #[error("请选择或填写原因")]
    Missing,
    #[error("原因最多 {MAX_REASON_CHARS} 个字")]
    TooLong,
    #[error("请选择列表中的原因，或在“其他原因”中填写")]
    Unknown,
}

/// The reason for one flagged item: the typed one when there is one, otherwise the preset,
/// which must be one of [`REASONS`].
pub fn resolve_reason(preset: &str, typed: &str) -> Result<String, ReasonError> {
    let typed = typed.split_whitespace().collect::<Vec<_>>().join(" ");
    if !typed.is_empty() {
        if typed.chars().count() > MAX_REASON_CHARS {
            return Err(ReasonError::TooLong);
        }
        return Ok(typed);
    }
    let preset = preset.trim();
    if preset.is_empty() {
        return Err(ReasonError::Missing);
    }
    if !REASONS.contains(&preset) {
        return Err(ReasonError::Unknown);
    }
    Ok(preset.to_owned())
}

/// Why a shipment cannot be recorded, per field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShipmentErrors {
    pub courier: Option<&'static str>,
    pub tracking_no: Option<&'static str>,
}

/// Checks a shipment as typed: a courier from [`COURIERS`] and a tracking number of 6 to 30
/// letters or digits (spaces dropped, letters upper-cased). Returns both, cleaned.
pub fn check_shipment(
    courier: &str,
    tracking_no: &str,
) -> Result<(String, String), ShipmentErrors> {
    let courier = courier.trim();
    let tracking: String = tracking_no
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let mut errors = ShipmentErrors::default();
    if courier.is_empty() {
        errors.courier = Some("请选择快递公司");
    } else if !COURIERS.contains(&courier) {
        errors.courier = Some("请从列表中选择快递公司");
    }
    if tracking.is_empty() {
        errors.tracking_no = Some("请填写运单号");
    } else if !(6..=30).contains(&tracking.len())
        || !tracking.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        errors.tracking_no = Some("运单号应为 6 至 30 位字母或数字");
    }
    if errors == ShipmentErrors::default() {
        Ok((courier.to_owned(), tracking))
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_section_has_a_label_and_the_variants_have_their_own() {
        for (id, label) in SECTIONS {
            assert_eq!(section_label(id), Some(label));
        }
        assert_eq!(section_label("nope"), None);
        let org: Vec<_> = sections_for(Variant::Organisation, true, true)
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(
            org,
            [
                "org",
                "legal_rep",
                "agent",
                "holders",
                "bank",
                "shipping",
                "invoice"
            ]
        );
        let person: Vec<_> = sections_for(Variant::NaturalPerson, false, false)
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(person, ["applicant", "bank", "shipping"]);
        assert!(
            !sections_for(Variant::Organisation, false, false)
                .iter()
                .any(|(id, _)| *id == "holders" || *id == "invoice")
        );
    }

    #[test]
    fn reasons_come_from_the_list_or_are_typed() {
        for preset in REASONS {
            assert_eq!(resolve_reason(preset, "  "), Ok(preset.to_owned()));
        }
        assert_eq!(resolve_reason("随便写的", ""), Err(ReasonError::Unknown));
        assert_eq!(resolve_reason(" ", "\t"), Err(ReasonError::Missing));
        assert_eq!(
            resolve_reason("", &"字".repeat(MAX_REASON_CHARS + 1)),
            Err(ReasonError::TooLong)
        );
        assert_eq!(
            resolve_reason("", "公章  与名称\n不符"),
            Ok("公章 与名称 不符".to_owned())
        );
    }

    #[test]
    fn shipments_need_a_listed_courier_and_a_plausible_tracking_number() {
        assert_eq!(
            check_shipment("顺丰速运", " sf 1234 5678 90 "),
            Ok(("顺丰速运".to_owned(), "SF1234567890".to_owned()))
        );
        let errors = check_shipment("", "").unwrap_err();
        assert_eq!(errors.courier, Some("请选择快递公司"));
        assert_eq!(errors.tracking_no, Some("请填写运单号"));
        let errors = check_shipment("某某快递", "12345").unwrap_err();
        assert!(errors.courier.is_some());
        assert_eq!(errors.tracking_no, Some("运单号应为 6 至 30 位字母或数字"));
        assert!(check_shipment("EMS", "EA123456789CN").is_ok());
        assert!(check_shipment("EMS", "EA-123456789").is_err());
    }
}
