//! 介质补办: a new key for a certificate whose key was lost or broken. It goes the way of a new
//! application (scans, the phone identity check, payment, review, the financial check, the key
//! made and shipped), for the one certificate replaced; the new certificate keeps the old
//! one's term, and the old one is revoked when the new one is issued (seed `004`, 证书补办).
//!
//! Price: the product's medium fee (seed `000` §五 for Shanxi: 100 元/个).

use crate::domain::application::Application;
use crate::domain::catalog::{ProductKind, Project};
use crate::domain::certificate::Certificate;
use crate::domain::order::{self, Actor, Event, Status, TransitionError};
use crate::domain::quote::{CertChoice, Quote, QuoteError, QuoteLine};

/// The steps of a replacement: those of a new application.
pub fn transition(from: Status, event: Event, actor: Actor) -> Result<Status, TransitionError> {
    order::transition(from, event, actor)
}

/// What the applicant pays for a new key for `certificate`: the project's replacement fee or
/// else the product's medium fee, and nothing for the term, which is kept.
pub fn quote(project: &Project, certificate: &Certificate) -> Result<Quote, QuoteError> {
    let product = project
        .product(certificate.kind)
        .ok_or(QuoteError::NotOffered(certificate.kind))?;
    let name = match &certificate.holder {
        Some(holder) => format!("{} · {holder}", certificate.kind.label()),
        None => certificate.kind.label().to_owned(),
    };
    let (item, amount) = match project.lifecycle.replacement_fee {
        Some(fee) => ("补办费", fee),
        None => ("介质费", product.medium_fee),
    };
    let line = QuoteLine {
        label: format!("{name} · {item}"),
        detail: "补办 1 个，有效期不变".to_owned(),
        amount,
    };
    Ok(Quote {
        total: line.amount,
        lines: vec![line],
    })
}

/// The application an order about the certificate at `position` of `source` reads as: the
/// same applicant, with that certificate alone as its selection (and its holder alone, for an
/// org-personal one), so the scans, the documents and review ask only about it. `None` when
/// `source` has no certificate at `position`.
pub fn narrowed(source: &Application, position: u32, years: u8) -> Option<Application> {
    let position = usize::try_from(position).ok()?;
    let choice = *source.selection.certs.get(position)?;
    let mut application = source.clone();
    application.holders = match choice.kind {
        ProductKind::OrgPersonal => {
            let index = source.selection.certs[..position]
                .iter()
                .filter(|c| c.kind == ProductKind::OrgPersonal)
                .count();
            vec![source.holders.get(index)?.clone()]
        }
        _ => Vec::new(),
    };
    application.selection.certs = vec![CertChoice {
        kind: choice.kind,
        years,
    }];
    Some(application)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::certificate::{CertStatus, Validity};
    use crate::domain::fixtures::{application, soetp};
    use crate::domain::money::Fen;
    use time::macros::date;

    fn certificate(kind: ProductKind, holder: Option<&str>) -> Certificate {
        Certificate {
            id: 7,
            project_id: "soetp".into(),
            order_number: "SQ202612070001".into(),
            kind,
            subject: "山西某某科技有限公司".into(),
            holder: holder.map(Into::into),
            serial: "5A3F".into(),
            medium: "LK0000000001".into(),
            validity: Validity::for_years(date!(2026 - 01 - 10), 3),
            status: CertStatus::Valid,
        }
    }

    #[test]
    fn a_replacement_costs_the_medium_fee_alone() {
        let quote = quote(
            &soetp(),
            &certificate(ProductKind::OrgPersonal, Some("王五")),
        )
        .unwrap();
        assert_eq!(quote.total, Fen::from_yuan(100));
        assert_eq!(quote.lines.len(), 1);
        assert_eq!(quote.lines[0].label, "机构个人证书 · 王五 · 介质费");
    }

    #[test]
    fn a_project_with_its_own_replacement_fee_charges_it_instead() {
        // Inner Mongolia's new certificates include the key (medium fee 0); 补办 is 50 元.
        let project = crate::domain::catalog::repo_project("ccgp-neimenggu");
        let quote = quote(&project, &certificate(ProductKind::Org, None)).unwrap();
        assert_eq!(quote.total, Fen::from_yuan(50));
        assert_eq!(quote.lines[0].label, "机构证书 · 补办费");
    }

    #[test]
    fn a_narrowed_application_keeps_only_the_certificate_and_its_holder() {
        let source = application(true, &["王五", "赵六"]);
        let org = narrowed(&source, 0, 3).unwrap();
        assert_eq!(org.selection.certs.len(), 1);
        assert_eq!(org.selection.certs[0].kind, ProductKind::Org);
        assert!(org.holders.is_empty());
        assert_eq!(org.applicant_name(), source.applicant_name());

        let second = narrowed(&source, 2, 1).unwrap();
        assert_eq!(second.selection.certs[0].kind, ProductKind::OrgPersonal);
        assert_eq!(second.holders.len(), 1);
        assert_eq!(second.holders[0].name.as_str(), "赵六");
        assert_eq!(second.selection.shipping, source.selection.shipping);

        assert!(narrowed(&source, 3, 1).is_none());
    }

    #[test]
    fn a_replacement_goes_the_way_of_a_new_application() {
        for from in Status::ALL {
            for event in [
                Event::ReadyToPay,
                Event::Approve,
                Event::Ship,
                Event::Cancel,
            ] {
                for actor in Actor::ALL {
                    assert_eq!(
                        transition(from, event, actor),
                        order::transition(from, event, actor)
                    );
                }
            }
        }
    }
}
