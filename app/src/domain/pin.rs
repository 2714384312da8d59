//! Where a new certificate's PIN goes, by the CA's rule in every project's guide (seeds
//! `001`–`004`, FAQ 数字证书 PIN 码怎么获取): paid online, in the memo of the financial check's
//! 0.01-yuan transfer, to the organisation's basic account (or a natural person's own
//! account); paid by transfer, by SMS, an organisation's certificate to the agent, an
//! org-personal one to its own holder, a natural person's to that person.

use crate::domain::catalog::ProductKind;
use crate::domain::order::PaymentMethod;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// The memo of the transfer to the organisation's basic account.
    OrganisationMemo,
    /// The memo of the transfer to the natural person's own account.
    PersonalMemo,
    /// SMS to the agent (经办人).
    AgentSms,
    /// SMS to the holder of an org-personal certificate.
    HolderSms,
    /// SMS to the natural person who applied.
    ApplicantSms,
}

/// The route of the PIN of a certificate of `kind` paid by `method`.
pub fn route(method: PaymentMethod, kind: ProductKind) -> Route {
    match (method.is_online(), kind) {
        (true, ProductKind::NaturalPerson) => Route::PersonalMemo,
        (true, _) => Route::OrganisationMemo,
        (false, ProductKind::Org) => Route::AgentSms,
        (false, ProductKind::OrgPersonal) => Route::HolderSms,
        (false, ProductKind::NaturalPerson) => Route::ApplicantSms,
    }
}

impl Route {
    fn sentence(self) -> &'static str {
        match self {
            Route::OrganisationMemo => {
                "证书 PIN 码将随金融认证的打款附言发送至单位对公账户，请向贵单位财务人员索取。"
            }
            Route::PersonalMemo => {
                "证书 PIN 码将随金融认证的打款附言发送至您本人的银行账户，请在账户交易明细中查看附言。"
            }
            Route::AgentSms => "机构证书的 PIN 码将以短信发送至经办人手机。",
            Route::HolderSms => "机构个人证书的 PIN 码将以短信发送至各持有人本人的手机。",
            Route::ApplicantSms => "证书 PIN 码将以短信发送至您登记的手机。",
        }
    }
}

/// What the applicant is told about the PINs of certificates of `kinds` paid by `method`: one
/// sentence per route, in the order the kinds first appear.
///
/// ```
/// use app::domain::catalog::ProductKind::{Org, OrgPersonal};
/// use app::domain::order::PaymentMethod::{BankTransfer, Wechat};
/// use app::domain::pin::delivery;
/// assert_eq!(
///     delivery(BankTransfer, &[OrgPersonal]),
///     "机构个人证书的 PIN 码将以短信发送至各持有人本人的手机。"
/// );
/// assert!(delivery(Wechat, &[Org, OrgPersonal]).starts_with("证书 PIN 码将随金融认证的打款附言"));
/// ```
pub fn delivery(method: PaymentMethod, kinds: &[ProductKind]) -> String {
    let mut routes: Vec<Route> = Vec::new();
    for kind in kinds {
        let r = route(method, *kind);
        if !routes.contains(&r) {
            routes.push(r);
        }
    }
    routes.into_iter().map(Route::sentence).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProductKind::*;

    #[test]
    fn online_money_sends_the_pin_with_the_financial_check_to_the_right_account() {
        for method in [PaymentMethod::Wechat, PaymentMethod::Alipay] {
            assert_eq!(route(method, Org), Route::OrganisationMemo);
            // An org-personal certificate's PIN goes to the organisation, not its holder.
            assert_eq!(route(method, OrgPersonal), Route::OrganisationMemo);
            assert_eq!(route(method, NaturalPerson), Route::PersonalMemo);
        }
        assert!(!delivery(PaymentMethod::Wechat, &[NaturalPerson]).contains("对公"));
    }

    #[test]
    fn a_transfer_sends_each_pin_by_sms_to_its_own_person() {
        let method = PaymentMethod::BankTransfer;
        assert_eq!(route(method, Org), Route::AgentSms);
        assert_eq!(route(method, OrgPersonal), Route::HolderSms);
        assert_eq!(route(method, NaturalPerson), Route::ApplicantSms);
        let both = delivery(method, &[Org, OrgPersonal, OrgPersonal]);
        assert_eq!(
            both,
            "机构证书的 PIN 码将以短信发送至经办人手机。机构个人证书的 PIN 码将以短信发送至各持有人本人的手机。"
        );
        assert!(!delivery(method, &[Org]).contains("持有人"));
    }
}
