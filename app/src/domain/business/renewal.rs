//! 续期: more years on certificates still in use. Paid like a new application, then the CA's
//! issuing system extends each certificate and the order is done: no scans, no review, nothing
//! shipped (the key stays with the holder). The term continues from the old expiry
//! ([`Validity::renewed`](crate::domain::certificate::Validity::renewed)).
//!
//! A certificate expired longer than the project allows is renewed only after the checks of a
//! new application (seed `004`: 强身份验证 and the scans again, checked by the CA's staff
//! before the renewal goes on): such an order starts at 待上传资料, goes to review once the scans
//! and the phone step are done, and is paid only once approved ([`first_status`]).
//!
//! Price: each product's service fee for the years chosen, without the medium fee (seed `000`
//! §五 for Shanxi: 380 元/年 an organisation's certificate, 220 元/年 an org-personal one), or
//! the project's own renewal price where its catalog sets one (seed `004`).

use serde::{Deserialize, Serialize};

use crate::domain::catalog::{PriceRule, Product, Project};
use crate::domain::certificate::Certificate;
use crate::domain::money::Fen;
use crate::domain::order::{Actor, Event, Status, TransitionError, may};
use crate::domain::quote::{Quote, QuoteError, QuoteLine, terms_error};

/// At most this many certificates in one renewal order.
pub const MAX_CERTS: usize = 20;

/// One certificate to renew, and for how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenewalChoice {
    pub certificate_id: i64,
    pub years: u8,
}

/// Where a renewal order starts: at payment, or at the scans when a certificate in it needs
/// the checks again.
pub fn first_status(needs_checks: bool) -> Status {
    if needs_checks {
        Status::AwaitingMaterials
    } else {
        Status::AwaitingPayment
    }
}

/// The steps of a renewal order. The checks come before the money (a renewal refused on review
/// has nothing to refund): scans done (`ReadyToPay`, the same event as a new application's) →
/// 待审核 → approved → 待支付.
pub fn transition(from: Status, event: Event, actor: Actor) -> Result<Status, TransitionError> {
    use Status::*;
    let to = match (from, event) {
        (AwaitingMaterials, Event::ReadyToPay) => AwaitingReview,
        (AwaitingReview, Event::Reject) => Rejected,
        (Rejected, Event::Resubmit) => AwaitingReview,
        (AwaitingReview, Event::Approve) => AwaitingPayment,
        (AwaitingMaterials, Event::Cancel) => Cancelled,
        (AwaitingPayment, Event::PaidOnline) => InProduction,
        (AwaitingPayment, Event::VoucherUploaded) => AwaitingTransfer,
        (AwaitingTransfer, Event::TransferConfirmed) => InProduction,
        (AwaitingTransfer, Event::TransferRefused) => AwaitingPayment,
        (InProduction, Event::Issue) => Completed,
        (AwaitingPayment, Event::Cancel) => Cancelled,
        _ => return Err(TransitionError::NotNow { from, event }),
    };
    if !may(actor, event) {
        return Err(TransitionError::NotAllowed { actor, event });
    }
    Ok(to)
}

/// The SMS for `event` on renewal order `number`, where it differs from a new application's
/// (the checks come first, and the money after them); `None`: the new application's wording.
pub fn notice(number: &str, event: Event) -> Option<String> {
    Some(match event {
        Event::ReadyToPay | Event::Resubmit => format!(
            "您的证书续期申请 {number} 的资料已提交核验，我们会在一个工作日内审核，结果将短信告知。"
        ),
        Event::Approve => format!(
            "您的证书续期申请 {number} 已通过核验，请登录“我的申请”支付续期费用，支付后即办理续期。"
        ),
        _ => return None,
    })
}

/// The price rule a renewal of `product` follows in `project`.
pub fn price_rule<'a>(project: &'a Project, product: &'a Product) -> &'a PriceRule {
    project
        .lifecycle
        .renewal_price
        .as_ref()
        .unwrap_or(&product.price)
}

/// The terms a certificate of `product` may be renewed for, shortest first.
pub fn terms(project: &Project, product: &Product) -> Vec<u8> {
    price_rule(project, product).terms(product.years)
}

/// What the applicant pays to renew `certificates` (each with its choice's years): one line
/// per certificate, named by kind and holder.
pub fn quote(project: &Project, certificates: &[(&Certificate, u8)]) -> Result<Quote, QuoteError> {
    if certificates.is_empty() {
        return Err(QuoteError::NoCertificate);
    }
    if certificates.len() > MAX_CERTS {
        return Err(QuoteError::TooManyCerts);
    }
    let mut lines = Vec::with_capacity(certificates.len());
    for (certificate, years) in certificates {
        let product = project
            .product(certificate.kind)
            .ok_or(QuoteError::NotOffered(certificate.kind))?;
        let rule = price_rule(project, product);
        let amount = rule
            .fee(product.years, *years)
            .ok_or_else(|| terms_error(product, rule.terms(product.years)))?;
        let name = match &certificate.holder {
            Some(holder) => format!("{} · {holder}", certificate.kind.label()),
            None => certificate.kind.label().to_owned(),
        };
        let detail = match rule {
            PriceRule::PerYear { per_year } => {
                format!("{} 元/年 × {years} 年", per_year.yuan_text())
            }
            PriceRule::Table { .. } => format!("{years} 年期"),
        };
        lines.push(QuoteLine {
            label: format!("{name} · 续期服务费"),
            detail,
            amount,
        });
    }
    let total: Fen = lines.iter().map(|line| line.amount).sum();
    Ok(Quote { lines, total })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::ProductKind;
    use crate::domain::certificate::{CertStatus, Validity};
    use proptest::prelude::*;
    use time::macros::date;

    fn soetp() -> Project {
        let text = include_str!("../../../../catalog/soetp.toml");
        toml::from_str(text).unwrap()
    }

    fn cert(kind: ProductKind, holder: Option<&str>) -> Certificate {
        Certificate {
            id: 1,
            project_id: "soetp".into(),
            order_number: "SQ1".into(),
            kind,
            subject: "山西示例科技有限公司".into(),
            holder: holder.map(str::to_owned),
            serial: "AB".into(),
            medium: "LK1".into(),
            validity: Validity::for_years(date!(2026 - 01 - 01), 1),
            status: CertStatus::Valid,
        }
    }

    #[test]
    fn renewal_costs_the_service_fee_per_year_without_a_medium() {
        let org = cert(ProductKind::Org, None);
        let person = cert(ProductKind::OrgPersonal, Some("王喆"));
        let quote = quote(&soetp(), &[(&org, 2), (&person, 1)]).unwrap();
        assert_eq!(quote.total, Fen::from_yuan(380 * 2 + 220));
        assert_eq!(quote.lines.len(), 2);
        assert_eq!(quote.lines[1].label, "机构个人证书 · 王喆 · 续期服务费");
        assert_eq!(quote.lines[0].detail, "380.00 元/年 × 2 年");
        assert!(matches!(
            super::quote(&soetp(), &[(&org, 6)]),
            Err(QuoteError::YearsOutOfRange { .. })
        ));
        assert_eq!(super::quote(&soetp(), &[]), Err(QuoteError::NoCertificate));
    }

    #[test]
    fn a_project_with_its_own_renewal_table_prices_and_offers_its_terms() {
        // Inner Mongolia: new certificates 250/450/850 (key included), renewals 200/400/800.
        let project = crate::domain::catalog::repo_project("ccgp-neimenggu");
        let org = cert(ProductKind::Org, None);
        let person = cert(ProductKind::OrgPersonal, Some("王喆"));
        let quote = quote(&project, &[(&org, 4), (&person, 1)]).unwrap();
        assert_eq!(quote.total, Fen::from_yuan(800 + 200));
        assert_eq!(quote.lines[0].detail, "4 年期");
        let product = project.product(ProductKind::Org).unwrap();
        assert_eq!(terms(&project, product), vec![1, 2, 4]);
        assert!(matches!(
            super::quote(&project, &[(&org, 3)]),
            Err(QuoteError::TermNotOffered { ref terms, .. }) if terms == &[1, 2, 4]
        ));
    }

    #[test]
    fn a_renewal_table_is_checked_with_the_catalog() {
        let mut project = soetp();
        project.lifecycle.renewal_price = Some(PriceRule::Table {
            by_years: vec![
                crate::domain::catalog::YearPrice {
                    years: 1,
                    price: Fen::from_yuan(200),
                },
                crate::domain::catalog::YearPrice {
                    years: 1,
                    price: Fen::from_yuan(300),
                },
            ],
        });
        assert!(project.validate().is_err());
        project.lifecycle.renewal_price = Some(PriceRule::PerYear {
            per_year: Fen::from_yuan(300),
        });
        project.validate().unwrap();
        let org = cert(ProductKind::Org, None);
        assert_eq!(
            quote(&project, &[(&org, 2)]).unwrap().total,
            Fen::from_yuan(600)
        );
    }

    proptest! {
        #[test]
        fn a_renewal_is_done_only_after_money_and_never_ships(
            needs_checks in any::<bool>(),
            events in prop::collection::vec(
                (prop::sample::select(Event::ALL.to_vec()), prop::sample::select(Actor::ALL.to_vec())),
                0..30,
            ),
        ) {
            let mut status = first_status(needs_checks);
            let (mut paid, mut approved) = (false, false);
            for (event, actor) in events {
                if let Ok(to) = transition(status, event, actor) {
                    paid |= matches!(event, Event::PaidOnline | Event::TransferConfirmed);
                    approved |= event == Event::Approve;
                    if event == Event::TransferRefused {
                        paid = false;
                    }
                    status = to;
                }
                prop_assert!(status != Status::Completed || paid);
                prop_assert!(status != Status::Shipped);
                if needs_checks {
                    // Checked first, paid after: no money is taken for a renewal review refuses.
                    prop_assert!(!paid || approved);
                    prop_assert!(
                        !matches!(status, Status::AwaitingPayment | Status::AwaitingTransfer | Status::InProduction) || approved
                    );
                } else {
                    prop_assert!(!matches!(status, Status::AwaitingReview | Status::AwaitingMaterials | Status::Rejected));
                }
            }
        }
    }

    #[test]
    fn a_checked_renewal_is_reviewed_then_paid_then_issued() {
        let steps = [
            (Event::ReadyToPay, Actor::Applicant, Status::AwaitingReview),
            (Event::Reject, Actor::Reviewer, Status::Rejected),
            (Event::Resubmit, Actor::Applicant, Status::AwaitingReview),
            (Event::Approve, Actor::Reviewer, Status::AwaitingPayment),
            (Event::PaidOnline, Actor::System, Status::InProduction),
            (Event::Issue, Actor::System, Status::Completed),
        ];
        let mut status = first_status(true);
        assert_eq!(status, Status::AwaitingMaterials);
        assert!(transition(status, Event::PaidOnline, Actor::System).is_err());
        for (event, actor, to) in steps {
            status = transition(status, event, actor).unwrap_or_else(|e| panic!("{event:?}: {e}"));
            assert_eq!(status, to);
        }
        assert!(
            notice("SQ1", Event::Approve)
                .unwrap()
                .contains("支付续期费用")
        );
        assert_eq!(notice("SQ1", Event::Reject), None);
    }
}
