//! The fee calculator: what an application costs, line by line, from the project's catalog.
//!
//! The browser runs it as the applicant picks certificates and the server runs it again before
//! taking payment, so both show the same lines and the same total.
//!
//! Rules for one application (the seed guide's, plus the decisions noted):
//!
//! * at least one certificate, at most [`MAX_CERTS`];
//! * at most one org certificate: it stands for the organisation itself;
//! * org-personal certificates may come with the org certificate or alone. They are issued to
//!   organisations that *hold* an org certificate, which may have been issued before; whether
//!   it exists is checked when the application is reviewed, not here;
//! * a natural-person certificate is a private individual's application and is never mixed
//!   with org or org-personal certificates; one per application, since it is issued to the
//!   applicant;
//! * each term the product offers (its range, or its price table's rows), each product
//!   offered by the project;
//! * a delivery option must be named unless there is nothing to choose: the project has none,
//!   or exactly one that adds nothing to the order (free or paid on delivery).
//!
//! ```
//! use app::domain::catalog::{Project, ProductKind};
//! use app::domain::quote::{quote, CertChoice, Selection};
//! let project: Project = toml::from_str(include_str!("../../../catalog/soetp.toml")).unwrap();
//! let selection = Selection {
//!     certs: vec![CertChoice { kind: ProductKind::Org, years: 1 }],
//!     shipping: None,
//! };
//! let q = quote(&project, &selection).unwrap();
//! assert_eq!(q.lines[0].label, "机构证书 · 证书服务费");
//! assert_eq!(q.lines[0].detail, "380.00 元/年 × 1 年");
//! assert_eq!(q.total.yuan_text(), "480.00");
//! ```

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::catalog::{
    PriceRule, Product, ProductKind, Project, ShippingCharge, ShippingOption, YearRange,
};
use super::money::Fen;

/// Certificates in one application. Generous next to the handful of staff an organisation
/// equips, and a bound on the work one request can cause.
pub const MAX_CERTS: usize = 50;

/// What the applicant picked: the form's state, sent to the server as is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selection {
    pub certs: Vec<CertChoice>,
    /// A [`ShippingOption`] id from the catalog.
    pub shipping: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertChoice {
    pub kind: ProductKind,
    pub years: u8,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub lines: Vec<QuoteLine>,
    /// Always the sum of the lines' amounts.
    pub total: Fen,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteLine {
    /// `机构证书 · 证书服务费`; numbered (`机构个人证书 2 · 介质费`) when a kind repeats.
    pub label: String,
    /// How the amount comes about: `380.00 元/年 × 1 年`.
    pub detail: String,
    pub amount: Fen,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum QuoteError {
    #[error("请至少选择一张证书")]
    NoCertificate,
    #[error("每次申请最多办理{MAX_CERTS}张证书")]
    TooManyCerts,
    #[error("每次申请只能办理一张机构证书")]
    TooManyOrgCerts,
    #[error("每次申请只能办理一张自然人证书")]
    TooManyNaturalPersonCerts,
    #[error("自然人证书不能与机构证书或机构个人证书一起办理")]
    NaturalPersonMixed,
    #[error("本项目不提供{}", .0.label())]
    NotOffered(ProductKind),
    #[error("{}的办理年限应为{min}至{max}年", .kind.label())]
    YearsOutOfRange { kind: ProductKind, min: u8, max: u8 },
    /// For a price table with gaps, where "1 to 4 years" would be wrong.
    #[error("{}的办理年限可选{}年", .kind.label(), terms_text(.terms))]
    TermNotOffered { kind: ProductKind, terms: Vec<u8> },
    #[error("请选择证书领取方式")]
    ShippingRequired,
    #[error("所选的证书领取方式不存在，请重新选择")]
    UnknownShipping(String),
}

/// Prices a selection against a project's catalog; the rules are in the module docs.
pub fn quote(project: &Project, selection: &Selection) -> Result<Quote, QuoteError> {
    let certs = &selection.certs;
    if certs.is_empty() {
        return Err(QuoteError::NoCertificate);
    }
    if certs.len() > MAX_CERTS {
        return Err(QuoteError::TooManyCerts);
    }
    let mut per_kind: HashMap<ProductKind, usize> = HashMap::new();
    for cert in certs {
        *per_kind.entry(cert.kind).or_default() += 1;
    }
    let count = |kind| per_kind.get(&kind).copied().unwrap_or(0);
    let natural = count(ProductKind::NaturalPerson);
    if natural > 0 && natural < certs.len() {
        return Err(QuoteError::NaturalPersonMixed);
    }
    if natural > 1 {
        return Err(QuoteError::TooManyNaturalPersonCerts);
    }
    if count(ProductKind::Org) > 1 {
        return Err(QuoteError::TooManyOrgCerts);
    }

    let mut lines = Vec::with_capacity(certs.len() * 2 + 1);
    let mut numbered: HashMap<ProductKind, usize> = HashMap::new();
    for cert in certs {
        let product = project
            .product(cert.kind)
            .ok_or(QuoteError::NotOffered(cert.kind))?;
        let service_fee = product
            .service_fee(cert.years)
            .ok_or_else(|| term_error(product))?;
        let name = if count(cert.kind) > 1 {
            let n = numbered.entry(cert.kind).or_default();
            *n += 1;
            format!("{} {n}", cert.kind.label())
        } else {
            cert.kind.label().to_owned()
        };
        let detail = match &product.price {
            PriceRule::PerYear { per_year } => {
                format!("{} 元/年 × {} 年", per_year.yuan_text(), cert.years)
            }
            PriceRule::Table { .. } => format!("{} 年期", cert.years),
        };
        lines.push(QuoteLine {
            label: format!("{name} · 证书服务费"),
            detail,
            amount: service_fee,
        });
        // A project with cloud keys may charge no medium; a 0.00 line would only add noise.
        if product.medium_fee != Fen::ZERO {
            lines.push(QuoteLine {
                label: format!("{name} · 介质费"),
                detail: format!("{} 元/个", product.medium_fee.yuan_text()),
                amount: product.medium_fee,
            });
        }
        for extra in &product.extras {
            lines.push(QuoteLine {
                label: format!("{name} · {}", extra.name),
                detail: format!("{} 元/个", extra.amount.yuan_text()),
                amount: extra.amount,
            });
        }
    }

    if let Some(ShippingOption {
        label,
        charge: ShippingCharge::Prepaid { fee },
        ..
    }) = shipping(project, selection.shipping.as_deref())?
    {
        lines.push(QuoteLine {
            label: format!("{label} · 运费"),
            detail: "随订单支付".to_owned(),
            amount: *fee,
        });
    }

    let total = lines.iter().map(|line| line.amount).sum();
    Ok(Quote { lines, total })
}

/// Why a term was refused, naming the terms on offer.
pub fn term_error(product: &Product) -> QuoteError {
    terms_error(product, product.terms())
}

/// Why a term was refused when `terms` are the ones on offer for `product`.
pub fn terms_error(product: &Product, terms: Vec<u8>) -> QuoteError {
    let YearRange { min, max } = product.years;
    if terms.iter().copied().eq(min..=max) {
        QuoteError::YearsOutOfRange {
            kind: product.kind,
            min,
            max,
        }
    } else {
        QuoteError::TermNotOffered {
            kind: product.kind,
            terms,
        }
    }
}

/// `1、2、4`.
fn terms_text(terms: &[u8]) -> String {
    terms
        .iter()
        .map(u8::to_string)
        .collect::<Vec<_>>()
        .join("、")
}

/// The delivery option that applies, `None` only when the project delivers nothing.
fn shipping<'a>(
    project: &'a Project,
    chosen: Option<&str>,
) -> Result<Option<&'a ShippingOption>, QuoteError> {
    match (chosen, project.shipping.as_slice()) {
        (Some(id), _) => project
            .shipping_option(id)
            .map(Some)
            .ok_or_else(|| QuoteError::UnknownShipping(id.to_owned())),
        (None, []) => Ok(None),
        (None, [only]) if !matches!(only.charge, ShippingCharge::Prepaid { .. }) => Ok(Some(only)),
        (None, _) => Err(QuoteError::ShippingRequired),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::{NamedFee, YearPrice, repo_project};
    use proptest::prelude::*;

    const SOETP: &str = include_str!("../../../catalog/soetp.toml");

    fn soetp() -> Project {
        let project: Project = toml::from_str(SOETP).unwrap();
        project.validate().unwrap();
        project
    }

    fn cert(kind: ProductKind, years: u8) -> CertChoice {
        CertChoice { kind, years }
    }

    fn select(certs: &[CertChoice]) -> Selection {
        Selection {
            certs: certs.to_vec(),
            shipping: None,
        }
    }

    fn total(certs: &[CertChoice]) -> String {
        quote(&soetp(), &select(certs)).unwrap().total.yuan_text()
    }

    use ProductKind::{NaturalPerson, Org, OrgPersonal};

    #[test]
    fn soetp_totals_from_the_fee_table() {
        assert_eq!(total(&[cert(Org, 1)]), "480.00");
        assert_eq!(
            total(&[cert(Org, 1), cert(OrgPersonal, 1), cert(OrgPersonal, 1)]),
            "1,120.00"
        );
        assert_eq!(total(&[cert(Org, 3)]), "1,240.00");
        assert_eq!(total(&[cert(Org, 5)]), "2,000.00");
        assert_eq!(total(&[cert(OrgPersonal, 5)]), "1,200.00");
        assert_eq!(total(&[cert(OrgPersonal, 2)]), "540.00");
    }

    fn repo_quote(
        id: &str,
        certs: &[CertChoice],
        shipping: Option<&str>,
    ) -> Result<Quote, QuoteError> {
        let selection = Selection {
            certs: certs.to_vec(),
            shipping: shipping.map(str::to_owned),
        };
        quote(&repo_project(id), &selection)
    }

    #[test]
    fn hunan_bundles_certificate_medium_and_seal() {
        let q = repo_quote("hnsggzy", &[cert(Org, 1)], None).unwrap();
        let lines: Vec<_> = q
            .lines
            .iter()
            .map(|l| (l.label.as_str(), l.amount.yuan_text()))
            .collect();
        assert_eq!(
            lines,
            [
                ("机构证书 · 证书服务费", "200.00".to_owned()),
                ("机构证书 · 介质费", "100.00".to_owned()),
                ("机构证书 · 电子签章", "50.00".to_owned()),
            ]
        );
        assert_eq!(q.total.yuan_text(), "350.00");
        // The one delivery option is paid on delivery: nothing to choose, nothing billed.
        assert_eq!(
            repo_quote("hnsggzy", &[cert(Org, 1)], Some("post"))
                .unwrap()
                .total,
            q.total
        );
        assert_eq!(
            repo_quote("hnsggzy", &[cert(NaturalPerson, 1)], None)
                .unwrap()
                .total
                .yuan_text(),
            "250.00"
        );
        assert_eq!(
            repo_quote("hnsggzy", &[cert(OrgPersonal, 1)], None),
            Err(QuoteError::NotOffered(OrgPersonal))
        );
    }

    #[test]
    fn liaoning_adds_the_prepaid_zone_fee() {
        let org = [cert(Org, 1)];
        let q = repo_quote("ccgp-liaoning", &org, Some("prepaid_far")).unwrap();
        assert_eq!(q.total.yuan_text(), "261.00");
        let last = q.lines.last().unwrap();
        assert_eq!(
            last.label,
            "快递寄付 21 元（其他省、自治区、直辖市，含辽宁） · 运费"
        );
        assert_eq!(last.amount, Fen::from_yuan(21));
        for (zone, total) in [
            ("prepaid_near", "252.00"),
            ("prepaid_mid", "253.00"),
            ("collect", "240.00"),
        ] {
            let q = repo_quote("ccgp-liaoning", &org, Some(zone)).unwrap();
            assert_eq!(q.total.yuan_text(), total, "{zone}");
        }
        // Several options, one of them with a fee: the applicant must pick.
        assert_eq!(
            repo_quote("ccgp-liaoning", &org, None),
            Err(QuoteError::ShippingRequired)
        );
        assert_eq!(
            repo_quote(
                "ccgp-liaoning",
                &[cert(NaturalPerson, 1)],
                Some("prepaid_far")
            )
            .unwrap()
            .total
            .yuan_text(),
            "221.00"
        );
    }

    #[test]
    fn inner_mongolia_prices_by_the_tier_table() {
        let q = repo_quote("ccgp-neimenggu", &[cert(Org, 4)], None).unwrap();
        // The tier price covers the medium and the seal; delivery is paid on receipt.
        assert_eq!(
            q.lines,
            [QuoteLine {
                label: "机构证书 · 证书服务费".into(),
                detail: "4 年期".into(),
                amount: Fen::from_yuan(850),
            }]
        );
        assert_eq!(q.total.yuan_text(), "850.00");
        let total = |certs: &[CertChoice]| {
            repo_quote("ccgp-neimenggu", certs, None)
                .unwrap()
                .total
                .yuan_text()
        };
        assert_eq!(total(&[cert(Org, 1)]), "250.00");
        assert_eq!(total(&[cert(Org, 2), cert(OrgPersonal, 4)]), "1,300.00");

        for years in [3, 5, 0] {
            let err = repo_quote("ccgp-neimenggu", &[cert(Org, years)], None).unwrap_err();
            assert_eq!(
                err,
                QuoteError::TermNotOffered {
                    kind: Org,
                    terms: vec![1, 2, 4]
                }
            );
            assert_eq!(err.to_string(), "机构证书的办理年限可选1、2、4年");
        }
    }

    #[test]
    fn lines_are_labelled_and_numbered() {
        let q = quote(
            &soetp(),
            &select(&[cert(Org, 3), cert(OrgPersonal, 1), cert(OrgPersonal, 2)]),
        )
        .unwrap();
        let labels: Vec<_> = q.lines.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "机构证书 · 证书服务费",
                "机构证书 · 介质费",
                "机构个人证书 1 · 证书服务费",
                "机构个人证书 1 · 介质费",
                "机构个人证书 2 · 证书服务费",
                "机构个人证书 2 · 介质费",
            ]
        );
        assert_eq!(q.lines[0].detail, "380.00 元/年 × 3 年");
        assert_eq!(q.lines[0].amount, Fen::from_yuan(1140));
        assert_eq!(q.lines[1].detail, "100.00 元/个");
        assert_eq!(q.lines[4].detail, "220.00 元/年 × 2 年");
    }

    #[test]
    fn years_outside_the_range_are_refused() {
        for years in [0, 6, u8::MAX] {
            assert_eq!(
                quote(&soetp(), &select(&[cert(Org, years)])),
                Err(QuoteError::YearsOutOfRange {
                    kind: Org,
                    min: 1,
                    max: 5
                })
            );
        }
        let err = quote(&soetp(), &select(&[cert(OrgPersonal, 6)])).unwrap_err();
        assert_eq!(err.to_string(), "机构个人证书的办理年限应为1至5年");
    }

    #[test]
    fn combination_rules() {
        let p = soetp();
        assert_eq!(quote(&p, &select(&[])), Err(QuoteError::NoCertificate));
        assert_eq!(
            quote(&p, &select(&[cert(Org, 1), cert(Org, 2)])),
            Err(QuoteError::TooManyOrgCerts)
        );
        assert_eq!(
            quote(&p, &select(&[cert(OrgPersonal, 1), cert(NaturalPerson, 1)])),
            Err(QuoteError::NaturalPersonMixed)
        );
        assert_eq!(
            quote(
                &p,
                &select(&[cert(NaturalPerson, 1), cert(NaturalPerson, 1)])
            ),
            Err(QuoteError::TooManyNaturalPersonCerts)
        );
        assert_eq!(
            quote(&p, &select(&[cert(NaturalPerson, 1)])),
            Err(QuoteError::NotOffered(NaturalPerson))
        );
        assert_eq!(
            quote(&p, &select(&[cert(OrgPersonal, 1); MAX_CERTS + 1])),
            Err(QuoteError::TooManyCerts)
        );
        assert!(quote(&p, &select(&[cert(OrgPersonal, 1); MAX_CERTS])).is_ok());
        // An organisation that already holds its org certificate adds staff certificates.
        assert!(quote(&p, &select(&[cert(OrgPersonal, 1)])).is_ok());
    }

    #[test]
    fn shipping_choice() {
        let mut p = soetp();
        let mut s = select(&[cert(Org, 1)]);
        // soetp has one option, paid on delivery: nothing to choose, nothing on the bill.
        assert_eq!(quote(&p, &s).unwrap().lines.len(), 2);
        s.shipping = Some("post".into());
        assert_eq!(quote(&p, &s).unwrap().total, Fen::from_yuan(480));
        s.shipping = Some("drone".into());
        assert_eq!(
            quote(&p, &s),
            Err(QuoteError::UnknownShipping("drone".into()))
        );

        p.shipping[0].charge = ShippingCharge::Prepaid {
            fee: Fen::from_yuan(15),
        };
        s.shipping = None;
        assert_eq!(quote(&p, &s), Err(QuoteError::ShippingRequired));
        s.shipping = Some("post".into());
        let q = quote(&p, &s).unwrap();
        let last = q.lines.last().unwrap();
        assert_eq!(last.label, "快递邮寄（邮费到付） · 运费");
        assert_eq!(last.amount, Fen::from_yuan(15));
        assert_eq!(q.total, Fen::from_yuan(495));

        p.shipping.clear();
        s.shipping = None;
        assert!(quote(&p, &s).is_ok());
    }

    #[test]
    fn table_prices_and_extras() {
        let mut p = soetp();
        let org = &mut p.products[0];
        org.price = PriceRule::Table {
            by_years: (1..=5)
                .map(|years| YearPrice {
                    years,
                    price: Fen::from_yuan(300 * i64::from(years)),
                })
                .collect(),
        };
        org.extras = vec![NamedFee {
            name: "电子印章".into(),
            amount: Fen::from_yuan(50),
        }];
        org.medium_fee = Fen::ZERO;
        p.validate().unwrap();
        let q = quote(&p, &select(&[cert(Org, 2)])).unwrap();
        assert_eq!(
            q.lines,
            [
                QuoteLine {
                    label: "机构证书 · 证书服务费".into(),
                    detail: "2 年期".into(),
                    amount: Fen::from_yuan(600),
                },
                QuoteLine {
                    label: "机构证书 · 电子印章".into(),
                    detail: "50.00 元/个".into(),
                    amount: Fen::from_yuan(50),
                },
            ]
        );
        assert_eq!(q.total, Fen::from_yuan(650));
    }

    /// Selections soetp accepts: an optional org cert and up to five org-personal ones.
    fn valid_selection() -> impl Strategy<Value = Selection> {
        (
            proptest::option::of(1..=5_u8),
            proptest::collection::vec(1..=5_u8, 0..6),
        )
            .prop_filter("at least one certificate", |(org, staff)| {
                org.is_some() || !staff.is_empty()
            })
            .prop_map(|(org, staff)| Selection {
                certs: org
                    .map(|y| cert(Org, y))
                    .into_iter()
                    .chain(staff.into_iter().map(|y| cert(OrgPersonal, y)))
                    .collect(),
                shipping: None,
            })
    }

    proptest! {
        #[test]
        fn total_is_the_sum_of_the_lines(s in valid_selection()) {
            let q = quote(&soetp(), &s).unwrap();
            prop_assert_eq!(q.total, q.lines.iter().map(|l| l.amount).sum::<Fen>());
            prop_assert!(q.lines.len() >= 2 * s.certs.len());
        }

        #[test]
        fn a_longer_term_never_costs_less(s in valid_selection(), pick in any::<prop::sample::Index>()) {
            let p = soetp();
            let i = pick.index(s.certs.len());
            let before = quote(&p, &s).unwrap().total;
            let mut longer = s.clone();
            if longer.certs[i].years < 5 {
                longer.certs[i].years += 1;
                prop_assert!(quote(&p, &longer).unwrap().total > before);
            }
        }

        #[test]
        fn adding_a_certificate_never_lowers_the_total(s in valid_selection(), years in 1..=5_u8) {
            let p = soetp();
            let before = quote(&p, &s).unwrap().total;
            let mut more = s.clone();
            more.certs.push(cert(OrgPersonal, years));
            prop_assert!(quote(&p, &more).unwrap().total >= before);
            if !s.certs.iter().any(|c| c.kind == Org) {
                let mut with_org = s.clone();
                with_org.certs.insert(0, cert(Org, years));
                prop_assert!(quote(&p, &with_org).unwrap().total >= before);
            }
        }

        #[test]
        fn never_panics(kinds in proptest::collection::vec((0..3_usize, any::<u8>()), 0..8), ship in proptest::option::of("[a-z]{0,5}")) {
            let selection = Selection {
                certs: kinds.into_iter().map(|(k, years)| cert(ProductKind::ALL[k], years)).collect(),
                shipping: ship,
            };
            let _ = quote(&soetp(), &selection);
        }
    }
}
