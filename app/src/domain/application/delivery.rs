//! Delivery and the invoice: the delivery option and 电子发票信息.

use super::validation::{invoice_defaults, is_blank};
use super::{FieldErrors, Invoice, Place};
use crate::domain::catalog::Project;
use crate::domain::draft::{Draft, field};
use crate::domain::normalize::clean_text;
use crate::domain::quote::QuoteError;
use crate::domain::taxpayer_id;
use crate::domain::text::org_name::{self, OrgNameError};

/// The delivery option's id: the only one when left empty, `None` when there is nothing to
/// deliver with. An option for some provinces only (a prepaid zone) must serve the address.
pub(super) fn shipping_option(
    errors: &mut FieldErrors,
    project: &Project,
    chosen: &str,
    province: Option<&Place>,
) -> Option<Option<String>> {
    let chosen = clean_text(chosen);
    let found = if chosen.is_empty() {
        match project.shipping.as_slice() {
            [] => return Some(None),
            [only] => Ok(only),
            _ => Err(QuoteError::ShippingRequired),
        }
    } else {
        project
            .shipping_option(&chosen)
            .ok_or(QuoteError::UnknownShipping(chosen))
    };
    let option = errors.check(field::SHIP_OPTION, found)?;
    if let Some(province) = province
        && !option.serves(&province.code)
    {
        // The zone that covers the province rather than an option that goes everywhere.
        let instead = project
            .shipping
            .iter()
            .filter(|o| o.serves(&province.code))
            .min_by_key(|o| o.provinces.is_empty());
        let instead = match instead {
            Some(other) => format!("请改选“{}”", other.label),
            None => "请选择其他邮寄方式".to_owned(),
        };
        errors.push(
            field::SHIP_OPTION,
            format!(
                "“{}”不寄往收件地址所在的{}，{instead}",
                option.label, province.name
            ),
        );
        return None;
    }
    Some(Some(option.id.clone()))
}

/// The invoice with defaults applied; a default is checked at its own field, so only typed
/// values get errors here.
pub(super) fn invoice(errors: &mut FieldErrors, draft: &Draft) -> Option<Option<Invoice>> {
    if !draft.invoice.wanted {
        return Some(None);
    }
    let (title, taxpayer_id) = invoice_defaults(draft);
    let title = match org_name::validate(&title) {
        Ok(title) => Some(title),
        Err(e) => {
            if !is_blank(&draft.invoice.title) {
                errors.push(field::INVOICE_TITLE, title_message(e));
            }
            None
        }
    };
    let taxpayer_id = if is_blank(&taxpayer_id) {
        Some(None)
    } else {
        match taxpayer_id::validate(&taxpayer_id) {
            Ok(id) => Some(Some(id)),
            Err(e) => {
                if !is_blank(&draft.invoice.taxpayer_id) {
                    errors.push(field::INVOICE_TAXPAYER_ID, e.to_string());
                }
                None
            }
        }
    };
    Some(Some(Invoice {
        title: title?,
        taxpayer_id: taxpayer_id?,
    }))
}

/// The organisation-name rules' messages, worded for the invoice title.
fn title_message(error: OrgNameError) -> String {
    match error {
        OrgNameError::Empty => "请填写发票抬头".into(),
        OrgNameError::InvalidLength => format!(
            "发票抬头应为{}至{}个字符",
            org_name::LEN.start(),
            org_name::LEN.end()
        ),
        OrgNameError::InvalidCharacter(c) => format!("发票抬头不能包含“{c}”"),
        OrgNameError::NoLetters => "发票抬头应包含汉字或字母".into(),
        OrgNameError::UnbalancedBrackets => "发票抬头中的括号不成对，请核对".into(),
    }
}
