//! 个人中心: the applicant's orders, one order's timeline and next action, and the actions
//! the applicant takes there (the financial-check code, a new transfer, fixing what review
//! flagged and resubmitting, cancelling, confirming receipt).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::order::{NextAction, Status};
use crate::services::bank_check::BankCheckView;
use crate::services::orders::{Flag, OrderView};

/// One line of 我的申请.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSummary {
    pub number: String,
    pub project_id: String,
    pub project_name: String,
    pub business: crate::domain::business::Business,
    pub status: Status,
    pub total_fen: i64,
    pub submitted_at: String,
    pub next: NextAction,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyOrders {
    pub project_id: String,
    pub orders: Vec<OrderSummary>,
}

/// A flagged item with where to fix it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlagEntry {
    pub flag: Flag,
    /// Changed since the rejection.
    pub fixed: bool,
    /// The page where it is fixed (the materials page, the identity page, the section form);
    /// empty when only the CA can change it.
    pub href: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderPage {
    pub project_id: String,
    pub project_name: String,
    pub hotline: String,
    pub applicant_name: String,
    pub order: OrderView,
    /// Where the certificate's PIN will arrive, once the payment method is known.
    pub pin_delivery: Option<String>,
    pub bank_check: Option<BankCheckView>,
    /// The current rejection's items; empty unless 未通过.
    pub flags: Vec<FlagEntry>,
    /// The note the reviewer added to the rejection.
    pub rejection_note: Option<String>,
}

impl OrderPage {
    pub fn can_resubmit(&self) -> bool {
        self.order.status == Status::Rejected
            && self.flags.iter().all(|f| f.fixed || f.href.is_empty())
    }

    pub fn can_cancel(&self) -> bool {
        matches!(
            self.order.status,
            Status::AwaitingMaterials | Status::AwaitingPayment
        )
    }
}

/// What an action on the order page answers: a message for the page, and the field at fault.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionReply {
    pub ok: bool,
    pub message: String,
    /// `code`, `opening_bank`, `account_number` when a field is at fault.
    pub field: Option<String>,
}

impl ActionReply {
    #[cfg(feature = "ssr")]
    fn ok(message: impl Into<String>) -> Self {
        Self {
            ok: true,
            message: message.into(),
            field: None,
        }
    }

    #[cfg(feature = "ssr")]
    fn refused(message: impl Into<String>, field: Option<&str>) -> Self {
        Self {
            ok: false,
            message: message.into(),
            field: field.map(str::to_owned),
        }
    }
}

#[server]
pub async fn load_my_orders(project: String) -> Result<MyOrders, ServerFnError> {
    use super::session::{self, internal};

    let (user, project) = super::apply::ssr::open(&project).await?;
    let state = session::state();
    let orders = state.orders.list(user).await.map_err(internal)?;
    Ok(MyOrders {
        project_id: project.id.clone(),
        orders: orders
            .into_iter()
            .map(|o| OrderSummary {
                project_name: state
                    .catalog
                    .project(&o.project_id)
                    .map(|p| p.name.clone())
                    .unwrap_or_else(|| o.project_id.clone()),
                next: o.next_action(),
                business: o.business,
                number: o.number,
                project_id: o.project_id,
                status: o.status,
                total_fen: o.total_fen,
                submitted_at: super::apply::ssr::clock_label_full(&o.submitted_at),
            })
            .collect(),
    })
}

#[server]
pub async fn load_order_page(
    project: String,
    number: String,
) -> Result<Option<OrderPage>, ServerFnError> {
    use super::apply::ssr::clock_label_full;
    use super::session::{self, internal};

    let Some((user, project, submitted)) =
        super::apply::ssr::open_submitted(&project, &number).await?
    else {
        return Ok(None);
    };
    let state = session::state();
    let Some(order) = state
        .orders
        .view(Some(user), &number)
        .await
        .map_err(internal)?
    else {
        return Ok(None);
    };
    let bank_check = if order.payment_method.is_some_and(|m| m.is_online())
        && matches!(
            order.status,
            Status::AwaitingBankCheck | Status::BankCheckPassed
        ) {
        state
            .bank_checks
            .view(user, &number)
            .await
            .map_err(internal)?
    } else {
        None
    };
    // The bank check may just have moved the order on (see BankCheckService::view).
    let order = if bank_check.is_some() {
        state
            .orders
            .view(Some(user), &number)
            .await
            .map_err(internal)?
            .unwrap_or(order)
    } else {
        order
    };
    let (flags, rejection_note) = if order.status == Status::Rejected {
        ssr::flag_entries(user, &project, submitted.application.variant(), &order).await?
    } else {
        (Vec::new(), None)
    };
    let mut order = order;
    ssr::localize(&mut order);
    let bank_check = bank_check.map(|mut c| {
        c.sent_at = clock_label_full(&c.sent_at);
        c.expires_at = clock_label_full(&c.expires_at);
        c
    });
    Ok(Some(OrderPage {
        project_id: project.id.clone(),
        project_name: project.name.clone(),
        hotline: project.ca.hotline.clone(),
        applicant_name: submitted.application.applicant_name().to_owned(),
        pin_delivery: order
            .payment_method
            .filter(|_| submitted.business.delivers_pin())
            .map(|m| {
                let kinds: Vec<_> = submitted
                    .application
                    .selection
                    .certs
                    .iter()
                    .map(|c| c.kind)
                    .collect();
                crate::domain::pin::delivery(m, &kinds)
            }),
        order,
        bank_check,
        flags,
        rejection_note,
    }))
}

#[server]
pub async fn enter_bank_code(
    project: String,
    number: String,
    code: String,
) -> Result<ActionReply, ServerFnError> {
    use crate::services::bank_check::{BankCheckError, CodeOutcome};

    let Some((user, _, _)) = super::apply::ssr::open_submitted(&project, &number).await? else {
        return Ok(ActionReply::refused("没有找到这份申请", None));
    };
    let state = super::session::state();
    Ok(
        match state.bank_checks.enter_code(user, &number, &code).await {
            Ok(CodeOutcome::Passed) => ActionReply::ok("金融认证成功，证书制作完成后将寄出。"),
            Ok(CodeOutcome::Wrong { attempts_left }) if attempts_left > 0 => ActionReply::refused(
                format!("验证码不正确，还可以再试 {attempts_left} 次"),
                Some("code"),
            ),
            Ok(CodeOutcome::Wrong { .. }) => ActionReply::refused(
                "验证码不正确，输入次数已用完。请申请重新打款，收到新的验证码后再输入。",
                Some("code"),
            ),
            Err(BankCheckError::Invalid { field, message }) => {
                ActionReply::refused(message, Some(&field))
            }
            Err(error) => ActionReply::refused(error.to_string(), Some("code")),
        },
    )
}

/// A new transfer; with `opening_bank` and `account_number`, to the corrected account.
#[server]
pub async fn resend_bank_transfer(
    project: String,
    number: String,
    opening_bank: Option<String>,
    account_number: Option<String>,
) -> Result<ActionReply, ServerFnError> {
    use crate::services::bank_check::BankCheckError;

    let Some((user, _, _)) = super::apply::ssr::open_submitted(&project, &number).await? else {
        return Ok(ActionReply::refused("没有找到这份申请", None));
    };
    let correction = match (opening_bank, account_number) {
        (Some(bank), Some(account)) if !bank.trim().is_empty() || !account.trim().is_empty() => {
            Some((bank, account))
        }
        _ => None,
    };
    let corrected = correction.is_some();
    let state = super::session::state();
    Ok(
        match state.bank_checks.resend(user, &number, correction).await {
            Ok(view) if corrected => ActionReply::ok(format!(
                "账户已更正，已向 {} 重新转账 0.01 元，请向财务人员索取新的验证码。",
                view.account_masked
            )),
            Ok(view) => ActionReply::ok(format!(
                "已向 {} 重新转账 0.01 元，之前的验证码不再有效。",
                view.account_masked
            )),
            Err(BankCheckError::Invalid { field, message }) => {
                ActionReply::refused(message, Some(&field))
            }
            Err(error) => ActionReply::refused(error.to_string(), None),
        },
    )
}

/// 取消申请 (only before any money moved), 确认收货, or 重新提交 after fixing every flagged item.
#[server]
pub async fn order_action(
    project: String,
    number: String,
    action: String,
) -> Result<ActionReply, ServerFnError> {
    use crate::domain::order::Event;
    use crate::services::orders::{Change, OrderError, Who};

    let Some(page) = load_order_page(project.clone(), number.clone()).await? else {
        return Ok(ActionReply::refused("没有找到这份申请", None));
    };
    let user = super::session::current_user()
        .await?
        .ok_or_else(|| ServerFnError::new("请先登录"))?;
    let (event, done) = match action.as_str() {
        "cancel" => (Event::Cancel, "申请已取消。"),
        "confirm_receipt" => (Event::ConfirmReceipt, "已确认收货，感谢使用。"),
        "resubmit" => {
            if !page.can_resubmit() {
                let left: Vec<&str> = page
                    .flags
                    .iter()
                    .filter(|f| !f.fixed && !f.href.is_empty())
                    .map(|f| f.flag.label.as_str())
                    .collect();
                return Ok(ActionReply::refused(
                    format!("请先修改：{}", left.join("、")),
                    None,
                ));
            }
            (Event::Resubmit, "已重新提交，请等待审核。")
        }
        _ => return Ok(ActionReply::refused("未知操作", None)),
    };
    let mut change = Change::new(event, Who::Applicant(user));
    if event == Event::Resubmit {
        // The reviewer sees on the timeline what was changed.
        let fixed: Vec<String> = page
            .flags
            .iter()
            .map(|f| match &f.flag.changes {
                Some(changes) => format!("{}（{changes}）", f.flag.label),
                None => f.flag.label.clone(),
            })
            .collect();
        change.note = Some(format!("已修改：{}", fixed.join("、")));
    }
    let state = super::session::state();
    Ok(match state.orders.apply(&number, change).await {
        Ok(_) => ActionReply::ok(done),
        Err(OrderError::Transition(error)) => ActionReply::refused(error.to_string(), None),
        Err(OrderError::NotFound) => ActionReply::refused("没有找到这份申请", None),
        Err(OrderError::Incomplete(message)) => ActionReply::refused(message, None),
        Err(error) => return Err(super::session::internal(error)),
    })
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use leptos::prelude::*;

    use super::FlagEntry;
    use crate::api::session::{self, internal};
    use crate::domain::catalog::Project;
    use crate::domain::order::Event;
    use crate::paths::request_mount;
    use crate::services::login::UserId;
    use crate::services::orders::{FlagItem, OrderView};

    /// Before payment the person who does the phone check may correct their own section (for
    /// a card that disagrees with the form): nothing has been reviewed yet.
    pub fn own_section_open(
        status: crate::domain::order::Status,
        section: &str,
        variant: crate::domain::application::Variant,
    ) -> bool {
        use crate::domain::application::Variant;
        let own = match variant {
            Variant::Organisation => "agent",
            Variant::NaturalPerson => "applicant",
        };
        status.materials_open() && section == own
    }

    /// Times in Beijing time for display (the comparisons are done by then).
    pub fn localize(order: &mut OrderView) {
        use crate::api::apply::ssr::clock_label_full;
        order.submitted_at = clock_label_full(&order.submitted_at);
        for entry in &mut order.timeline {
            entry.at = clock_label_full(&entry.at);
        }
        if let Some(shipment) = &mut order.shipment {
            shipment.shipped_at = clock_label_full(&shipment.shipped_at);
        }
        for flag in &mut order.flags {
            flag.fixed_at = flag.fixed_at.as_deref().map(clock_label_full);
        }
    }

    /// The rejection's items, each with whether it changed since and where to change it, and
    /// the reviewer's note.
    pub async fn flag_entries(
        user: UserId,
        project: &Project,
        variant: crate::domain::application::Variant,
        order: &OrderView,
    ) -> Result<(Vec<FlagEntry>, Option<String>), ServerFnError> {
        let state = session::state();
        let rejection = order
            .timeline
            .iter()
            .rev()
            .find(|e| e.event == Event::Reject);
        let since = rejection.map(|e| e.at.clone()).unwrap_or_default();
        let base = format!(
            "{}/applications/{}",
            request_mount().project(&project.id),
            order.number
        );
        let uploads = state
            .materials
            .list(user, &order.number)
            .await
            .map_err(internal)?;
        let identity = state
            .handoff
            .status(user, &order.number)
            .await
            .map_err(internal)?;
        let entries = order
            .flags
            .iter()
            .map(|flag| {
                let (fixed, href) = match &flag.item {
                    FlagItem::Material(slot) => (
                        uploads
                            .iter()
                            .any(|u| &u.slot == slot && u.uploaded_at > since),
                        format!("{base}/materials#slot-{slot}"),
                    ),
                    FlagItem::Identity => (
                        identity.done && identity.steps.last().is_some_and(|s| s.at > since),
                        format!("{base}/identity"),
                    ),
                    // A section without a correction form (the holders) is the CA's to change.
                    // A section without a correction form (the holders, which set the fee)
                    // is changed by the CA on the phone; it does not hold up resubmission.
                    FlagItem::Section(section) => {
                        match crate::domain::correction::section(section, variant) {
                            Some(_) => (
                                flag.fixed_at.as_ref().is_some_and(|at| *at > since),
                                format!("{base}/fix/{section}"),
                            ),
                            None => (false, String::new()),
                        }
                    }
                };
                FlagEntry {
                    flag: flag.clone(),
                    fixed,
                    href,
                }
            })
            .collect();
        // The note the reviewer typed follows the flagged items in the event's note.
        let note = rejection.and_then(|e| e.note.clone());
        Ok((entries, note))
    }
}

/// 修改被退回的信息: one flagged form section's fields, filled as submitted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixPage {
    pub project_id: String,
    pub project_name: String,
    pub number: String,
    pub section: String,
    pub title: String,
    pub reason: String,
    /// The section is flagged on the current rejection; otherwise the page only explains.
    pub open: bool,
    pub fields: Vec<FixField>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixField {
    pub id: String,
    pub label: String,
    pub hint: String,
    pub value: String,
}

/// The outcome of a correction: each field's message, or done.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixReply {
    pub errors: Vec<(String, String)>,
    /// A problem not tied to one field.
    pub message: Option<String>,
    pub done: bool,
    /// Corrected before payment: the phone check starts again on the identity page.
    pub back_to_identity: bool,
}

#[server]
pub async fn load_fix_page(
    project: String,
    number: String,
    section: String,
) -> Result<Option<FixPage>, ServerFnError> {
    use crate::domain::correction;
    use crate::services::orders::FlagItem;

    let Some((user, project, submitted)) =
        super::apply::ssr::open_submitted(&project, &number).await?
    else {
        return Ok(None);
    };
    let Some(spec) = correction::section(&section, submitted.application.variant()) else {
        return Ok(None);
    };
    let state = super::session::state();
    let order = state
        .orders
        .view(Some(user), &number)
        .await
        .map_err(super::session::internal)?;
    let before_payment = order.as_ref().is_some_and(|o| {
        ssr::own_section_open(o.status, &section, submitted.application.variant())
    });
    let flag = order
        .filter(|o| o.status == Status::Rejected)
        .and_then(|o| {
            o.flags
                .into_iter()
                .find(|f| f.item == FlagItem::Section(section.clone()))
        });
    let mut draft = state
        .applications
        .submitted_draft(user, &number)
        .await
        .map_err(super::session::internal)?
        .unwrap_or_default();
    correction::prepare(&mut draft, spec);
    Ok(Some(FixPage {
        project_id: project.id.clone(),
        project_name: project.name.clone(),
        number,
        section,
        title: spec.label.to_owned(),
        reason: flag
            .as_ref()
            .map(|f| format!("审核意见：{}", f.reason))
            .unwrap_or_else(|| {
                if before_payment {
                    "支付前可以更正本人信息；手机认证将用更正后的信息重新进行，授权委托书请重新打印"
                        .into()
                } else {
                    String::new()
                }
            }),
        open: flag.is_some() || before_payment,
        fields: spec
            .fields
            .iter()
            .map(|f| FixField {
                id: f.id.to_owned(),
                label: f.label.to_owned(),
                hint: f.hint.to_owned(),
                value: correction::get(&draft, f.id),
            })
            .collect(),
    }))
}

#[server]
pub async fn submit_fix(
    project: String,
    number: String,
    section: String,
    #[server(default)] values: std::collections::HashMap<String, String>,
) -> Result<FixReply, ServerFnError> {
    use super::session::internal;
    use crate::domain::{application, correction};
    use crate::services::orders::FlagItem;

    let refused = |message: &str| FixReply {
        message: Some(message.to_owned()),
        ..FixReply::default()
    };
    let Some((user, project, submitted)) =
        super::apply::ssr::open_submitted(&project, &number).await?
    else {
        return Ok(refused("没有找到这份申请"));
    };
    let Some(spec) = correction::section(&section, submitted.application.variant()) else {
        return Ok(refused("没有这一部分"));
    };
    let state = super::session::state();
    let item = FlagItem::Section(section.clone());
    let order = state
        .orders
        .view(Some(user), &number)
        .await
        .map_err(internal)?;
    let flagged = order
        .as_ref()
        .is_some_and(|o| o.status == Status::Rejected && o.flags.iter().any(|f| f.item == item));
    let before_payment = order.as_ref().is_some_and(|o| {
        ssr::own_section_open(o.status, &section, submitted.application.variant())
    });
    if !flagged && !before_payment {
        return Ok(refused("这部分信息没有被要求修改，不能更改"));
    }
    let Some(mut draft) = state
        .applications
        .submitted_draft(user, &number)
        .await
        .map_err(internal)?
    else {
        return Ok(refused("没有找到这份申请"));
    };
    let changed = correction::apply(&mut draft, spec, &values);
    let checked = application::validate(&draft, &project, super::apply::ssr::today());
    let corrected = match checked {
        Ok(corrected) => corrected,
        Err(errors) => {
            let mine: Vec<(String, String)> = errors
                .iter()
                .filter(|e| spec.fields.iter().any(|f| f.id == e.field))
                .map(|e| (e.field.clone(), e.message.clone()))
                .collect();
            if mine.is_empty() {
                // A rule across sections the applicant cannot change here.
                let first = errors.iter().next().map(|e| e.message.clone());
                return Ok(refused(&format!(
                    "修改后与申请的其他信息不一致：{}。请联系受理机构。",
                    first.unwrap_or_default()
                )));
            }
            return Ok(FixReply {
                errors: mine,
                ..FixReply::default()
            });
        }
    };
    if changed.is_empty() {
        return Ok(refused("内容没有变化。请按审核意见修改后再保存"));
    }
    state
        .applications
        .correct(user, &number, &draft, &corrected)
        .await
        .map_err(internal)?;
    if flagged {
        state
            .orders
            .mark_fixed(user, &number, &item, Some(&changed.join("、")))
            .await
            .map_err(internal)?;
    } else {
        // The phone check ran against the old details: retire it, the next QR code carries
        // the corrected ones.
        if let Err(error) = state.handoff.create(user, &number, true).await {
            tracing::info!(%error, number, "no new phone check after a correction");
        }
    }
    Ok(FixReply {
        done: true,
        back_to_identity: !flagged,
        ..FixReply::default()
    })
}
