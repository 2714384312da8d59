//! The pay page of a submitted application: what is still missing before paying, the quote,
//! an online payment's QR code, the bank transfer's account and voucher, and the order's status
//! for the page to follow. The voucher itself is uploaded through the materials upload route
//! (slot `transfer_voucher`); the provider's paid notice arrives at the server's notify route.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::catalog::ReceivingAccount;
use crate::domain::materials::Slot;
use crate::domain::order::{PaymentMethod, Status};
use crate::domain::quote::Quote;
use crate::services::materials::{MaterialsFlash, UploadedMaterial};
use crate::services::payment::OpenTrade;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayPage {
    pub project_id: String,
    pub project_name: String,
    pub number: String,
    pub status: Status,
    /// While 待上传资料: what must be done before paying; empty when all is there.
    pub missing: Vec<Missing>,
    /// The quote now, from the catalog; the amount every payment is for.
    pub quote: Result<Quote, String>,
    /// The total stored when the application was submitted.
    pub submitted_total_fen: i64,
    /// The method chosen (from the address, or the open trade's).
    pub method: Option<PaymentMethod>,
    /// The QR code for an online method, while the order waits for payment.
    pub trade: Option<TradeCode>,
    /// Why no QR code could be made.
    pub trade_error: Option<String>,
    pub merchant: String,
    pub bank: ReceivingAccount,
    pub voucher_slot: Slot,
    pub voucher: Option<UploadedMaterial>,
    /// The outcome of a voucher upload without JavaScript, shown once.
    pub flash: Option<MaterialsFlash>,
    /// Who does the phone step (经办人 or 申请人).
    pub identity_role: String,
    /// The kinds of the certificates ordered, which decide where each PIN goes.
    pub kinds: Vec<crate::domain::catalog::ProductKind>,
    pub business: crate::domain::business::Business,
}

/// Something to finish before paying, and where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Missing {
    pub label: String,
    pub fix: Fix,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fix {
    Materials,
    Identity,
}

/// An open trade and its QR code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TradeCode {
    pub trade: OpenTrade,
    /// `trade.code_url` as an `<svg>` element.
    pub qr_svg: String,
}

#[server]
pub async fn load_pay_page(
    project: String,
    number: String,
    method: Option<String>,
) -> Result<Option<PayPage>, ServerFnError> {
    use super::session::{self, internal};
    use crate::domain::materials;
    use crate::services::materials::FLASH_KEY;

    let Some((user, project, submitted)) =
        super::apply::ssr::open_submitted(&project, &number).await?
    else {
        return Ok(None);
    };
    let state = session::state();
    let uploaded = state
        .materials
        .list(user, &number)
        .await
        .map_err(internal)?;
    let missing = if submitted.status == Status::AwaitingMaterials {
        ssr::missing(user, &project, &submitted, &uploaded).await?
    } else {
        Vec::new()
    };
    let order = state
        .orders
        .view(Some(user), &number)
        .await
        .map_err(internal)?
        .ok_or_else(|| internal("order of an owned application missing"))?;
    let mut method = method.as_deref().and_then(PaymentMethod::from_code);
    let (mut trade, mut trade_error) = (None, None);
    if submitted.status == Status::AwaitingPayment {
        match method {
            Some(m) if m.is_online() => match ssr::code(user, &number, m, false).await? {
                Ok(code) => trade = Some(code),
                Err(message) => trade_error = Some(message),
            },
            Some(_) => {}
            None => {
                let current = state
                    .payments
                    .current(user, &number)
                    .await
                    .map_err(internal)?;
                if let Some(open) = current {
                    method = Some(open.method);
                    trade = Some(ssr::with_qr(open)?);
                }
            }
        }
    }
    let voucher = uploaded
        .into_iter()
        .find(|m| m.slot == materials::TRANSFER_VOUCHER);
    Ok(Some(PayPage {
        quote: submitted.price(&project).map_err(|e| e.to_string()),
        submitted_total_fen: order.total_fen,
        method: method.or(order.payment_method),
        trade,
        trade_error,
        merchant: project.ca.name.clone(),
        bank: project.ca.bank.clone(),
        voucher_slot: materials::transfer_voucher_slot(),
        voucher,
        flash: session::take(FLASH_KEY).await?,
        identity_role: submitted
            .application
            .identity_subject()
            .0
            .label()
            .to_owned(),
        kinds: submitted
            .application
            .selection
            .certs
            .iter()
            .map(|c| c.kind)
            .collect(),
        project_id: project.id.clone(),
        project_name: project.name.clone(),
        number,
        status: submitted.status,
        missing,
        business: submitted.business,
    }))
}

/// 确认资料无误，去支付: 待上传资料 → 待支付, once nothing is missing. A refusal comes back as
/// the sentence to show.
#[server]
pub async fn confirm_materials(
    project: String,
    number: String,
) -> Result<Result<(), String>, ServerFnError> {
    use super::session::{self, internal};
    use crate::domain::order::Event;
    use crate::services::orders::{Change, OrderError, Who};

    let Some((user, project, submitted)) =
        super::apply::ssr::open_submitted(&project, &number).await?
    else {
        return Err(ServerFnError::new("找不到这份申请"));
    };
    let state = session::state();
    let uploaded = state
        .materials
        .list(user, &number)
        .await
        .map_err(internal)?;
    let missing = ssr::missing(user, &project, &submitted, &uploaded).await?;
    if !missing.is_empty() {
        return Ok(Err("还有资料没有完成，请先按下面的清单补齐。".into()));
    }
    match state
        .orders
        .apply(
            &number,
            Change::new(Event::ReadyToPay, Who::Applicant(user)),
        )
        .await
    {
        Ok(_) => Ok(Ok(())),
        Err(OrderError::Transition(refused)) => Ok(Err(refused.to_string())),
        Err(other) => Err(internal(other)),
    }
}

/// A QR code for `method` (`wechat`, `alipay`); `fresh` replaces the open one even if it has
/// time left (the page asks shortly before it expires).
#[server]
pub async fn new_payment_code(
    project: String,
    number: String,
    method: String,
    fresh: bool,
) -> Result<Result<TradeCode, String>, ServerFnError> {
    let user = super::identity::ssr::owner(&project, &number).await?;
    let Some(method) = PaymentMethod::from_code(&method).filter(|m| m.is_online()) else {
        return Ok(Err("请选择微信支付或支付宝".into()));
    };
    ssr::code(user, &number, method, fresh).await
}

/// The order's status, for the page to notice the payment (polled every few seconds).
#[server]
pub async fn payment_status(project: String, number: String) -> Result<Status, ServerFnError> {
    let (user, project) = super::apply::ssr::open(&project).await?;
    super::session::state()
        .orders
        .view(Some(user), &number)
        .await
        .map_err(super::session::internal)?
        .filter(|o| o.project_id == project.id)
        .map(|o| o.status)
        .ok_or_else(|| ServerFnError::new("找不到这份申请"))
}

#[cfg(feature = "ssr")]
mod ssr {
    use leptos::prelude::ServerFnError;

    use super::{Fix, Missing, TradeCode};
    use crate::api::session::{self, internal};
    use crate::domain::catalog::Project;
    use crate::domain::materials::upload_slots;
    use crate::domain::order::PaymentMethod;
    use crate::services::applications::SubmittedApplication;
    use crate::services::login::UserId;
    use crate::services::materials::UploadedMaterial;
    use crate::services::payment::{OpenTrade, PaymentError};

    /// Each required scan without a file, then the phone step if it is not done.
    pub async fn missing(
        user: UserId,
        project: &Project,
        submitted: &SubmittedApplication,
        uploaded: &[UploadedMaterial],
    ) -> Result<Vec<Missing>, ServerFnError> {
        let mut missing: Vec<Missing> = upload_slots(project, &submitted.application)
            .into_iter()
            .filter(|slot| !uploaded.iter().any(|m| m.slot == slot.id))
            .map(|slot| Missing {
                label: format!("上传“{}”", slot.name),
                fix: Fix::Materials,
            })
            .collect();
        let identity = session::state()
            .handoff
            .status(user, &submitted.number)
            .await
            .map_err(internal)?;
        if !identity.done {
            let role = submitted.application.identity_subject().0.label();
            missing.push(Missing {
                label: format!("{role}用手机完成身份认证"),
                fix: Fix::Identity,
            });
        }
        Ok(missing)
    }

    pub fn with_qr(trade: OpenTrade) -> Result<TradeCode, ServerFnError> {
        let qr_svg = crate::api::identity::ssr::qr_svg(&trade.code_url).map_err(internal)?;
        Ok(TradeCode { trade, qr_svg })
    }

    pub async fn code(
        user: UserId,
        number: &str,
        method: PaymentMethod,
        fresh: bool,
    ) -> Result<Result<TradeCode, String>, ServerFnError> {
        match session::state()
            .payments
            .open_trade(user, number, method, fresh)
            .await
        {
            Ok(trade) => Ok(Ok(with_qr(trade)?)),
            Err(PaymentError::Store(error)) => Err(internal(error)),
            Err(PaymentError::Gateway(error)) => {
                tracing::error!(%error, number, "opening a payment trade failed");
                Ok(Err(PaymentError::Gateway(error).to_string()))
            }
            Err(refused) => Ok(Err(refused.to_string())),
        }
    }
}
