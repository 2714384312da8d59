//! 订单状态 (the order state machine): where a submitted application stands, from the scans to
//! the shipped certificate, and who may move it.
//!
//! ```text
//! 待上传资料 ─ready_to_pay→ 待支付 ─paid_online→ 待审核
//!                             └─voucher_uploaded→ 待确认到账 ─transfer_confirmed→ 待审核
//!                                                    └─transfer_refused→ 待支付
//! 待审核 ─reject→ 未通过 ─resubmit→ 待审核
//! 待审核 ─approve→ 审核通过 ─request_bank_check→ 待金融认证 ─bank_check_passed→ 金融认证成功
//!                     └─accept (paid by transfer)→ 成功受理
//! 金融认证成功 / 成功受理 ─start_production→ 制证中 ─ship→ 已寄出 ─confirm_receipt→ 已完成
//! 待上传资料 / 待支付 ─cancel→ 已取消
//! ```
//!
//! The draft (草稿) before submission lives in its own table and is not an order yet. Money
//! decides two branches: an order paid online gets the financial check (a 0.01-yuan transfer
//! whose memo carries a code, and later the certificate PIN) after approval; one paid by bank
//! transfer was checked by the transfer itself and is accepted at once. Nothing can be
//! cancelled once money moved: a refund is an offline matter for the CA.
//!
//! [`transition`] is the only way to move. It checks the [`Actor`] as well, so an applicant
//! cannot approve and a reviewer cannot pay.
//!
//! ```
//! use app::domain::order::{transition, Actor, Event, Status};
//!
//! let s = transition(Status::AwaitingMaterials, Event::ReadyToPay, Actor::Applicant).unwrap();
//! assert_eq!(s, Status::AwaitingPayment);
//! assert!(transition(s, Event::Approve, Actor::Reviewer).is_err());
//! assert!(transition(s, Event::PaidOnline, Actor::Applicant).is_err());
//! assert_eq!(transition(s, Event::PaidOnline, Actor::System), Ok(Status::AwaitingReview));
//! ```

use crate::domain::business::{self, Business};
use serde::{Deserialize, Serialize};

/// Where an order stands. Stored by [`Status::code`]; shown by [`Status::label`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    AwaitingMaterials,
    AwaitingPayment,
    AwaitingTransfer,
    AwaitingReview,
    Rejected,
    Approved,
    AwaitingBankCheck,
    BankCheckPassed,
    Accepted,
    InProduction,
    Shipped,
    Completed,
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 13] = [
        Status::AwaitingMaterials,
        Status::AwaitingPayment,
        Status::AwaitingTransfer,
        Status::AwaitingReview,
        Status::Rejected,
        Status::Approved,
        Status::AwaitingBankCheck,
        Status::BankCheckPassed,
        Status::Accepted,
        Status::InProduction,
        Status::Shipped,
        Status::Completed,
        Status::Cancelled,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Status::AwaitingMaterials => "awaiting_materials",
            Status::AwaitingPayment => "awaiting_payment",
            Status::AwaitingTransfer => "awaiting_transfer",
            Status::AwaitingReview => "awaiting_review",
            Status::Rejected => "rejected",
            Status::Approved => "approved",
            Status::AwaitingBankCheck => "awaiting_bank_check",
            Status::BankCheckPassed => "bank_check_passed",
            Status::Accepted => "accepted",
            Status::InProduction => "in_production",
            Status::Shipped => "shipped",
            Status::Completed => "completed",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn from_code(code: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The name applicants and reviewers know it by.
    pub fn label(self) -> &'static str {
        match self {
            Status::AwaitingMaterials => "待上传资料",
            Status::AwaitingPayment => "待支付",
            Status::AwaitingTransfer => "待确认到账",
            Status::AwaitingReview => "待审核",
            Status::Rejected => "未通过",
            Status::Approved => "审核通过",
            Status::AwaitingBankCheck => "待金融认证",
            Status::BankCheckPassed => "金融认证成功",
            Status::Accepted => "成功受理",
            Status::InProduction => "制证中",
            Status::Shipped => "已寄出",
            Status::Completed => "已完成",
            Status::Cancelled => "已取消",
        }
    }

    /// No event leaves it.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Completed | Status::Cancelled)
    }

    /// Money has been received (or at least announced by a voucher) for the order.
    pub fn is_paid(self) -> bool {
        !matches!(
            self,
            Status::AwaitingMaterials | Status::AwaitingPayment | Status::Cancelled
        )
    }

    /// The applicant may still change the scans and redo the phone step.
    pub fn materials_open(self) -> bool {
        matches!(self, Status::AwaitingMaterials | Status::AwaitingPayment)
    }
}

/// Who causes an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    Applicant,
    Reviewer,
    /// The server itself: a payment notice, a follow-up step.
    System,
}

impl Actor {
    pub const ALL: [Actor; 3] = [Actor::Applicant, Actor::Reviewer, Actor::System];

    pub fn code(self) -> &'static str {
        match self {
            Actor::Applicant => "applicant",
            Actor::Reviewer => "reviewer",
            Actor::System => "system",
        }
    }

    pub fn from_code(code: &str) -> Option<Actor> {
        Actor::ALL.into_iter().find(|a| a.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Actor::Applicant => "申请人",
            Actor::Reviewer => "审核员",
            Actor::System => "系统",
        }
    }
}

/// Something that happens to an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// The scans are uploaded and the phone step is done.
    ReadyToPay,
    /// The payment provider's signed notice arrived with the right amount.
    PaidOnline,
    /// The applicant uploaded the bank transfer's voucher.
    VoucherUploaded,
    /// A reviewer found the transfer on the CA's account.
    TransferConfirmed,
    /// A reviewer found no such transfer: back to paying.
    TransferRefused,
    Reject,
    /// The applicant fixed the flagged items.
    Resubmit,
    Approve,
    /// After approval of an order paid online: the 0.01-yuan transfer went out.
    RequestBankCheck,
    /// After approval of an order paid by bank transfer.
    Accept,
    /// The applicant entered the code from the transfer's memo.
    BankCheckPassed,
    StartProduction,
    /// Handed to the courier, with a tracking number.
    Ship,
    ConfirmReceipt,
    Cancel,
    /// The CA's issuing system made (or extended) the order's certificates: a renewal is done.
    Issue,
    /// The CA's system carried out a business that makes nothing: a certificate cancelled, an
    /// unlock code sent.
    Complete,
}

impl Event {
    pub const ALL: [Event; 17] = [
        Event::ReadyToPay,
        Event::PaidOnline,
        Event::VoucherUploaded,
        Event::TransferConfirmed,
        Event::TransferRefused,
        Event::Reject,
        Event::Resubmit,
        Event::Approve,
        Event::RequestBankCheck,
        Event::Accept,
        Event::BankCheckPassed,
        Event::StartProduction,
        Event::Ship,
        Event::ConfirmReceipt,
        Event::Cancel,
        Event::Issue,
        Event::Complete,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Event::ReadyToPay => "ready_to_pay",
            Event::PaidOnline => "paid_online",
            Event::VoucherUploaded => "voucher_uploaded",
            Event::TransferConfirmed => "transfer_confirmed",
            Event::TransferRefused => "transfer_refused",
            Event::Reject => "reject",
            Event::Resubmit => "resubmit",
            Event::Approve => "approve",
            Event::RequestBankCheck => "request_bank_check",
            Event::Accept => "accept",
            Event::BankCheckPassed => "bank_check_passed",
            Event::StartProduction => "start_production",
            Event::Ship => "ship",
            Event::ConfirmReceipt => "confirm_receipt",
            Event::Cancel => "cancel",
            Event::Issue => "issue",
            Event::Complete => "complete",
        }
    }

    pub fn from_code(code: &str) -> Option<Event> {
        Event::ALL.into_iter().find(|e| e.code() == code)
    }

    /// What the timeline says happened.
    pub fn label(self) -> &'static str {
        match self {
            Event::ReadyToPay => "资料已齐全，等待支付",
            Event::PaidOnline => "在线支付成功",
            Event::VoucherUploaded => "已上传转账凭证",
            Event::TransferConfirmed => "转账已到账",
            Event::TransferRefused => "未查到转账款项",
            Event::Reject => "审核未通过",
            Event::Resubmit => "已修改并重新提交",
            Event::Approve => "审核通过",
            Event::RequestBankCheck => "已向对公账户打款，等待金融认证",
            Event::Accept => "成功受理",
            Event::BankCheckPassed => "金融认证成功",
            Event::StartProduction => "开始制作证书",
            Event::Ship => "证书已寄出",
            Event::ConfirmReceipt => "已确认收货",
            Event::Cancel => "已取消",
            Event::Issue => "证书已更新",
            Event::Complete => "办理完成",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("当前状态为“{}”，不能执行此操作", from.label())]
    NotNow { from: Status, event: Event },
    #[error("无权执行此操作")]
    NotAllowed { actor: Actor, event: Event },
    /// The step after approval does not fit how the order was paid.
    #[error("该订单的付款方式不适用此操作")]
    WrongMoney { event: Event },
}

/// Who may cause `event`. Receipt may be confirmed by either side (the courier's record
/// counts); everything else has one owner.
pub fn may(actor: Actor, event: Event) -> bool {
    use Event::*;
    match event {
        ReadyToPay | VoucherUploaded | Resubmit | BankCheckPassed | Cancel => {
            actor == Actor::Applicant
        }
        PaidOnline | RequestBankCheck | Accept | Issue | Complete => actor == Actor::System,
        TransferConfirmed | TransferRefused | Reject | Approve | StartProduction | Ship => {
            actor == Actor::Reviewer
        }
        ConfirmReceipt => matches!(actor, Actor::Applicant | Actor::Reviewer),
    }
}

/// The status `event` leads to from `from`, or why it cannot happen.
pub fn transition(from: Status, event: Event, actor: Actor) -> Result<Status, TransitionError> {
    use Status::*;
    let to = match (from, event) {
        (AwaitingMaterials, Event::ReadyToPay) => AwaitingPayment,
        (AwaitingPayment, Event::PaidOnline) => AwaitingReview,
        (AwaitingPayment, Event::VoucherUploaded) => AwaitingTransfer,
        (AwaitingTransfer, Event::TransferConfirmed) => AwaitingReview,
        (AwaitingTransfer, Event::TransferRefused) => AwaitingPayment,
        (AwaitingReview, Event::Reject) => Rejected,
        (Rejected, Event::Resubmit) => AwaitingReview,
        (AwaitingReview, Event::Approve) => Approved,
        (Approved, Event::RequestBankCheck) => AwaitingBankCheck,
        (Approved, Event::Accept) => Accepted,
        (AwaitingBankCheck, Event::BankCheckPassed) => BankCheckPassed,
        (BankCheckPassed | Accepted, Event::StartProduction) => InProduction,
        (InProduction, Event::Ship) => Shipped,
        (Shipped, Event::ConfirmReceipt) => Completed,
        (AwaitingMaterials | AwaitingPayment, Event::Cancel) => Cancelled,
        _ => return Err(TransitionError::NotNow { from, event }),
    };
    if !may(actor, event) {
        return Err(TransitionError::NotAllowed { actor, event });
    }
    Ok(to)
}

/// How the money came, as far as the state machine cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Money {
    Online,
    Transfer,
}

/// An order as the state machine sees it: where it stands and how it was paid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Order {
    pub business: Business,
    pub status: Status,
    pub money: Option<Money>,
}

impl Order {
    pub fn new() -> Self {
        Self::of(Business::New)
    }

    /// A new order of `business`, in its first status.
    pub fn of(business: Business) -> Self {
        Self {
            business,
            status: business.first_status(),
            money: None,
        }
    }

    /// [`transition`], plus the money: paying records how, a refused transfer forgets it,
    /// and after approval only the step that fits it is open (the financial check for money
    /// paid online, acceptance for a confirmed transfer).
    pub fn apply(self, event: Event, actor: Actor) -> Result<Order, TransitionError> {
        let status = business::transition(self.business, self.status, event, actor)?;
        let money = match event {
            Event::PaidOnline => Some(Money::Online),
            Event::VoucherUploaded => Some(Money::Transfer),
            Event::TransferRefused => None,
            Event::RequestBankCheck if self.money != Some(Money::Online) => {
                return Err(TransitionError::WrongMoney { event });
            }
            Event::Accept if self.money != Some(Money::Transfer) => {
                return Err(TransitionError::WrongMoney { event });
            }
            _ => self.money,
        };
        Ok(Order {
            business: self.business,
            status,
            money,
        })
    }
}

impl Default for Order {
    fn default() -> Self {
        Self::new()
    }
}

/// How the order was paid, which decides what follows approval.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    Wechat,
    Alipay,
    BankTransfer,
}

impl PaymentMethod {
    pub const ALL: [PaymentMethod; 3] = [
        PaymentMethod::Wechat,
        PaymentMethod::Alipay,
        PaymentMethod::BankTransfer,
    ];

    pub fn code(self) -> &'static str {
        match self {
            PaymentMethod::Wechat => "wechat",
            PaymentMethod::Alipay => "alipay",
            PaymentMethod::BankTransfer => "bank_transfer",
        }
    }

    pub fn from_code(code: &str) -> Option<PaymentMethod> {
        PaymentMethod::ALL.into_iter().find(|m| m.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            PaymentMethod::Wechat => "微信支付",
            PaymentMethod::Alipay => "支付宝",
            PaymentMethod::BankTransfer => "对公转账",
        }
    }

    pub fn is_online(self) -> bool {
        self != PaymentMethod::BankTransfer
    }

    pub fn money(self) -> Money {
        if self.is_online() {
            Money::Online
        } else {
            Money::Transfer
        }
    }

    /// The system's step right after approval: the financial check for money paid online,
    /// acceptance for a bank transfer (the transfer itself proved the account).
    pub fn after_approval(self) -> Event {
        if self.is_online() {
            Event::RequestBankCheck
        } else {
            Event::Accept
        }
    }
}

/// The one thing the applicant should do next, shown on the order in the personal centre.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NextAction {
    UploadMaterials,
    Pay,
    /// Waiting for the CA (review, transfer, production): nothing to do.
    Wait,
    FixRejected,
    EnterBankCode,
    FollowShipment,
    None,
}

impl NextAction {
    pub fn for_status(status: Status) -> NextAction {
        match status {
            Status::AwaitingMaterials => NextAction::UploadMaterials,
            Status::AwaitingPayment => NextAction::Pay,
            Status::Rejected => NextAction::FixRejected,
            Status::AwaitingBankCheck => NextAction::EnterBankCode,
            Status::Shipped => NextAction::FollowShipment,
            Status::Completed | Status::Cancelled => NextAction::None,
            Status::AwaitingTransfer
            | Status::AwaitingReview
            | Status::Approved
            | Status::BankCheckPassed
            | Status::Accepted
            | Status::InProduction => NextAction::Wait,
        }
    }
}

/// The SMS notice `event` sends, without the signature; keyed by the event, since one status
/// is reached in different ways (待支付 after 资料齐全 needs no message, after a refused
/// transfer it does). `None`: no message for this step (the applicant caused it and is looking
/// at the page).
///
/// `detail` is the reasons for a rejection or the courier and tracking number for a shipment.
/// `personal`: a natural person's order, whose financial check pays into their own account.
pub fn notice(number: &str, event: Event, detail: Option<&str>, personal: bool) -> Option<String> {
    let text = match event {
        Event::PaidOnline | Event::TransferConfirmed | Event::Resubmit => {
            format!(
                "您的数字证书申请 {number} 已进入审核，我们会在一个工作日内处理，结果将短信告知。"
            )
        }
        Event::Reject => format!(
            "您的数字证书申请 {number} 未通过审核。原因：{}。请登录网上办理平台“我的申请”修改后重新提交。",
            detail.unwrap_or("详见申请页面")
        ),
        Event::TransferRefused => format!(
            "您为数字证书申请 {number} 上传的转账凭证未能匹配到账款项，请核对后重新上传或改用在线支付。"
        ),
        Event::RequestBankCheck if personal => format!(
            "您的数字证书申请 {number} 已审核通过。我们已向您本人的银行账户转账 0.01 元，请在交易明细中查看附言里的 6 位验证码，登录“我的申请”完成金融认证。"
        ),
        Event::RequestBankCheck => format!(
            "您的数字证书申请 {number} 已审核通过。我们已向贵单位对公账户转账 0.01 元，请向财务人员索取附言中的 6 位验证码，登录“我的申请”完成金融认证。"
        ),
        Event::Accept => {
            format!("您的数字证书申请 {number} 已审核通过并成功受理，证书制作完成后将寄出。")
        }
        Event::BankCheckPassed => {
            format!("您的数字证书申请 {number} 金融认证成功，证书制作完成后将寄出。")
        }
        Event::Ship => format!(
            "您的数字证书 {number} 已寄出，{}。可登录“我的申请”查看物流。",
            detail.unwrap_or("快递信息见申请页面")
        ),
        Event::Issue => format!(
            "您的证书续期 {number} 已完成，新的有效期至{}，原 U 盾继续使用。",
            detail.unwrap_or("详见“我的证书”")
        ),
        _ => return None,
    };
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every allowed (from, event) pair, with the one actor who may cause it (two for receipt).
    fn allowed() -> Vec<(Status, Event, Actor, Status)> {
        let mut out = Vec::new();
        for from in Status::ALL {
            for event in Event::ALL {
                for actor in Actor::ALL {
                    if let Ok(to) = transition(from, event, actor) {
                        out.push((from, event, actor, to));
                    }
                }
            }
        }
        out
    }

    #[test]
    fn codes_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::from_code(s.code()), Some(s));
        }
        for e in Event::ALL {
            assert_eq!(Event::from_code(e.code()), Some(e));
        }
        for a in Actor::ALL {
            assert_eq!(Actor::from_code(a.code()), Some(a));
        }
        for m in PaymentMethod::ALL {
            assert_eq!(PaymentMethod::from_code(m.code()), Some(m));
        }
        assert_eq!(Status::from_code("待上传资料"), None);
    }

    #[test]
    fn the_table_has_exactly_the_documented_moves() {
        // 17 (status, event) pairs; receipt is open to two actors.
        assert_eq!(allowed().len(), 18);
    }

    #[test]
    fn final_states_have_no_way_out() {
        for (from, ..) in allowed() {
            assert!(!from.is_final(), "{from:?} is final but moves");
        }
    }

    #[test]
    fn every_status_is_reachable_from_a_new_order() {
        let mut seen = vec![Status::AwaitingMaterials];
        let mut i = 0;
        while i < seen.len() {
            for (from, _, _, to) in allowed() {
                if from == seen[i] && !seen.contains(&to) {
                    seen.push(to);
                }
            }
            i += 1;
        }
        for s in Status::ALL {
            assert!(seen.contains(&s), "{s:?} unreachable");
        }
    }

    #[test]
    fn rejection_loops_back_to_review_and_can_be_approved_after() {
        let s = transition(Status::AwaitingReview, Event::Reject, Actor::Reviewer).unwrap();
        let s = transition(s, Event::Resubmit, Actor::Applicant).unwrap();
        assert_eq!(s, Status::AwaitingReview);
        assert_eq!(
            transition(s, Event::Approve, Actor::Reviewer),
            Ok(Status::Approved)
        );
    }

    #[test]
    fn nothing_is_cancelled_after_money_moved() {
        for s in Status::ALL.into_iter().filter(|s| s.is_paid()) {
            assert!(transition(s, Event::Cancel, Actor::Applicant).is_err());
        }
    }

    #[test]
    fn every_status_names_one_next_action_and_waiting_states_send_no_work() {
        assert_eq!(
            NextAction::for_status(Status::Rejected),
            NextAction::FixRejected
        );
        assert_eq!(
            NextAction::for_status(Status::AwaitingBankCheck),
            NextAction::EnterBankCode
        );
        assert_eq!(
            NextAction::for_status(Status::AwaitingReview),
            NextAction::Wait
        );
    }

    #[test]
    fn notices_carry_the_number_and_detail() {
        let text = notice(
            "SQ202612060001",
            Event::Reject,
            Some("授权委托书未加盖公章"),
            false,
        )
        .unwrap();
        assert!(text.contains("SQ202612060001") && text.contains("授权委托书未加盖公章"));
        let text = notice("SQ1", Event::Ship, Some("顺丰速运 SF1234567890"), false).unwrap();
        assert!(text.contains("SF1234567890"));
        assert_eq!(notice("SQ1", Event::Approve, None, false), None);
        // 待支付 is reached twice: only the refused transfer is news to the applicant.
        assert_eq!(notice("SQ1", Event::ReadyToPay, None, false), None);
        assert!(
            notice("SQ1", Event::TransferRefused, None, false)
                .unwrap()
                .contains("转账凭证")
        );
        // A natural person's financial check pays into their own account, not an
        // organisation's.
        let personal = notice("SQ1", Event::RequestBankCheck, None, true).unwrap();
        assert!(personal.contains("您本人的银行账户") && !personal.contains("对公"));
        let org = notice("SQ1", Event::RequestBankCheck, None, false).unwrap();
        assert!(org.contains("对公账户"));
    }

    fn status() -> impl Strategy<Value = Status> {
        proptest::sample::select(Status::ALL.to_vec())
    }
    fn event() -> impl Strategy<Value = Event> {
        proptest::sample::select(Event::ALL.to_vec())
    }
    fn actor() -> impl Strategy<Value = Actor> {
        proptest::sample::select(Actor::ALL.to_vec())
    }

    proptest! {
        /// Any move that succeeds is in the table and by an actor allowed to cause the event.
        #[test]
        fn no_move_outside_the_table(from in status(), ev in event(), who in actor()) {
            match transition(from, ev, who) {
                Ok(to) => {
                    prop_assert!(may(who, ev));
                    prop_assert!(!from.is_final());
                    prop_assert_ne!(from, to);
                }
                Err(TransitionError::NotAllowed { .. }) => prop_assert!(!may(who, ev)),
                Err(TransitionError::NotNow { .. }) => {
                    prop_assert!(Actor::ALL.iter().all(|a| transition(from, ev, *a).is_err()));
                }
                Err(TransitionError::WrongMoney { .. }) => prop_assert!(false, "the table knows no money"),
            }
        }

        /// With the money tracked, the same holds, and a move never forgets a payment except
        /// a refused transfer.
        #[test]
        fn orders_keep_their_money(from in status(), money in proptest::option::of(proptest::sample::select(vec![Money::Online, Money::Transfer])), ev in event(), who in actor()) {
            let order = Order { business: Business::New, status: from, money };
            if let Ok(next) = order.apply(ev, who) {
                prop_assert_eq!(Ok(next.status), transition(from, ev, who));
                if money.is_some() && ev != Event::TransferRefused {
                    prop_assert!(next.money.is_some());
                }
            }
        }

        /// Walking the machine at random (each step one of the moves open from where the
        /// order stands), an order is shipped only after approval and money: online payment
        /// plus the financial check, or a confirmed transfer. A cancelled order was never paid.
        #[test]
        fn shipped_only_after_approval_and_money(picks in proptest::collection::vec(any::<usize>(), 0..40)) {
            let (status, path) = walk(&picks);
            if matches!(status, Status::Shipped | Status::Completed) {
                let approved = path.contains(&Event::Approve);
                let online = path.contains(&Event::PaidOnline) && path.contains(&Event::BankCheckPassed);
                let transfer = path.contains(&Event::TransferConfirmed) && path.contains(&Event::Accept);
                prop_assert!(approved && (online || transfer), "{path:?}");
            }
            if status == Status::Cancelled {
                prop_assert!(!path.iter().any(|e| matches!(e, Event::PaidOnline | Event::TransferConfirmed)));
            }
        }

        /// On any walk, 未通过 and 审核通过 are entered only from 待审核, and production starts
        /// only after a review.
        #[test]
        fn decisions_follow_review(picks in proptest::collection::vec(any::<usize>(), 0..40)) {
            let mut status = Status::AwaitingMaterials;
            let mut reviewed = false;
            for pick in picks {
                let open = moves_from(status);
                let Some(&(_, _, next)) = open.get(pick % open.len().max(1)) else { break };
                if matches!(next, Status::Rejected | Status::Approved) {
                    prop_assert_eq!(status, Status::AwaitingReview);
                    reviewed = true;
                }
                if next == Status::InProduction {
                    prop_assert!(reviewed);
                }
                status = next;
            }
        }
    }

    /// The moves open from `status`: (event, actor, next).
    fn moves_from(status: Status) -> Vec<(Event, Actor, Status)> {
        allowed()
            .into_iter()
            .filter(|(from, ..)| *from == status)
            .map(|(_, e, a, to)| (e, a, to))
            .collect()
    }

    /// Follows `picks` through the machine from a new order; returns where it ends and the
    /// events on the way.
    fn walk(picks: &[usize]) -> (Status, Vec<Event>) {
        let mut order = Order::new();
        let mut path = Vec::new();
        for pick in picks {
            let open: Vec<_> = moves_from(order.status)
                .into_iter()
                .filter(|(e, a, _)| order.apply(*e, *a).is_ok())
                .collect();
            let Some(&(event, actor, _)) = open.get(pick % open.len().max(1)) else {
                break;
            };
            order = order.apply(event, actor).unwrap();
            path.push(event);
        }
        (order.status, path)
    }

    #[test]
    fn after_approval_only_the_step_that_fits_the_money() {
        let online = Order {
            business: Business::New,
            status: Status::Approved,
            money: Some(Money::Online),
        };
        let transfer = Order {
            business: Business::New,
            status: Status::Approved,
            money: Some(Money::Transfer),
        };
        assert!(online.apply(Event::Accept, Actor::System).is_err());
        assert_eq!(
            online
                .apply(Event::RequestBankCheck, Actor::System)
                .unwrap()
                .status,
            Status::AwaitingBankCheck
        );
        assert!(
            transfer
                .apply(Event::RequestBankCheck, Actor::System)
                .is_err()
        );
        assert_eq!(
            transfer.apply(Event::Accept, Actor::System).unwrap().status,
            Status::Accepted
        );
    }

    #[test]
    fn random_walks_reach_the_end_both_ways() {
        // The walk tests above mean something only if walks get that far.
        let mut shipped_online = false;
        let mut shipped_transfer = false;
        for seed in 0..2000usize {
            // xorshift, seeded per walk
            let mut x = (seed as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let picks: Vec<usize> = (0..60)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    (x >> 16) as usize
                })
                .collect();
            let (status, path) = walk(&picks);
            if status == Status::Completed || status == Status::Shipped {
                shipped_online |= path.contains(&Event::PaidOnline);
                shipped_transfer |= path.contains(&Event::TransferConfirmed);
            }
        }
        assert!(shipped_online && shipped_transfer);
    }
}
