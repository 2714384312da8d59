//! A trading platform's certificate catalog: what the CA sells there, at what price, which
//! materials an applicant uploads and how certificates are delivered.
//!
//! The server reads one TOML file per project (`catalog/<id>.toml`), checks it with
//! [`Project::validate`] at start-up and sends it to the browser as JSON; the landing page,
//! the materials list and the fee calculator are all rendered from it. Amounts are
//! [`Fen`] and are written as quoted yuan strings (`"380.00"`).
//!
//! ```
//! use app::domain::catalog::{PriceRule, Product, ProductKind, YearRange};
//! use app::domain::money::Fen;
//! let org = Product {
//!     kind: ProductKind::Org,
//!     name: "机构数字证书".into(),
//!     description: String::new(),
//!     price: PriceRule::PerYear { per_year: Fen::from_yuan(380) },
//!     medium_fee: Fen::from_yuan(100),
//!     extras: vec![],
//!     years: YearRange { min: 1, max: 5 },
//! };
//! assert_eq!(org.service_fee(3), Some(Fen::from_yuan(1140)));
//! assert_eq!(org.service_fee(6), None);
//! ```

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::money::Fen;

/// The longest term offered: the seed projects' forms offer 1–5 years, and the form draws one
/// button per year, so a typo such as `max = 50` is stopped here rather than on screen.
pub const MAX_YEARS: u8 = 5;

/// The largest single fee the catalog may hold (one million yuan). Real fees are hundreds of
/// yuan; the cap catches a slipped decimal and keeps every quote's sum far from `i64` overflow.
pub const MAX_FEE: Fen = Fen::from_yuan(1_000_000);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Project {
    /// URL- and file-name-safe: lower-case ASCII letters, digits, `-` and `_`.
    pub id: String,
    pub name: String,
    pub summary: String,
    pub ca: CaInfo,
    pub products: Vec<Product>,
    pub shipping: Vec<ShippingOption>,
    pub materials: Vec<Material>,
    pub service_fees: Vec<ServiceFee>,
    pub notes: Vec<String>,
}

/// The certificate authority that accepts the applications.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaInfo {
    pub name: String,
    pub short_name: String,
    pub hotline: String,
    pub website: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductKind {
    /// Identifies the organisation itself; the online counterpart of its official seal.
    Org,
    /// Issued to a person acting for an organisation that holds an org certificate.
    OrgPersonal,
    /// Issued to a private individual in their own name.
    NaturalPerson,
}

impl ProductKind {
    pub const ALL: [ProductKind; 3] = [
        ProductKind::Org,
        ProductKind::OrgPersonal,
        ProductKind::NaturalPerson,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ProductKind::Org => "机构证书",
            ProductKind::OrgPersonal => "机构个人证书",
            ProductKind::NaturalPerson => "自然人证书",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Product {
    pub kind: ProductKind,
    pub name: String,
    pub description: String,
    /// The certificate service fee (证书服务费), which depends on the term.
    pub price: PriceRule,
    /// The USB key (介质费), charged once per certificate whatever the term.
    pub medium_fee: Fen,
    /// Further per-certificate charges a project adds, such as an electronic seal.
    pub extras: Vec<NamedFee>,
    pub years: YearRange,
}

/// How the service fee follows the term.
///
/// In TOML it is a one-key table naming the rule (serde's externally tagged form), which reads
/// as plain configuration and lets a misspelt key or a bare number fail with a precise message:
///
/// ```toml
/// price = { per_year = "380.00" }
/// # or
/// price = { by_years = [{ years = 1, price = "380.00" }, { years = 2, price = "700.00" }] }
/// ```
///
/// ```
/// use app::domain::catalog::PriceRule;
/// use app::domain::money::Fen;
/// #[derive(serde::Deserialize)]
/// struct P { price: PriceRule }
/// let p: P = toml::from_str(r#"price = { per_year = "380.00" }"#).unwrap();
/// assert_eq!(p.price, PriceRule::PerYear { per_year: Fen::from_yuan(380) });
/// assert!(toml::from_str::<P>(r#"price = { per_year = 380 }"#).is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "PriceRepr", into = "PriceRepr")]
pub enum PriceRule {
    /// The same fee for every year of the term.
    PerYear { per_year: Fen },
    /// A fee per term, for projects that discount longer terms; one entry for every year the
    /// product allows (checked by [`Project::validate`]).
    Table { by_years: Vec<YearPrice> },
}

/// The wire form of [`PriceRule`]: `{ per_year = … }` or `{ by_years = […] }`.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum PriceRepr {
    PerYear(Fen),
    ByYears(Vec<YearPrice>),
}

impl From<PriceRepr> for PriceRule {
    fn from(repr: PriceRepr) -> Self {
        match repr {
            PriceRepr::PerYear(per_year) => PriceRule::PerYear { per_year },
            PriceRepr::ByYears(by_years) => PriceRule::Table { by_years },
        }
    }
}

impl From<PriceRule> for PriceRepr {
    fn from(rule: PriceRule) -> Self {
        match rule {
            PriceRule::PerYear { per_year } => PriceRepr::PerYear(per_year),
            PriceRule::Table { by_years } => PriceRepr::ByYears(by_years),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearPrice {
    pub years: u8,
    pub price: Fen,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedFee {
    pub name: String,
    pub amount: Fen,
}

/// The terms on offer, in whole years, both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearRange {
    pub min: u8,
    pub max: u8,
}

impl YearRange {
    pub fn contains(&self, years: u8) -> bool {
        (self.min..=self.max).contains(&years)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShippingOption {
    pub id: String,
    pub label: String,
    pub charge: ShippingCharge,
}

/// Who pays for delivery and when. In TOML: `charge = "free"`, `charge = "collect"` or
/// `charge = { prepaid = { fee = "15.00" } }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShippingCharge {
    /// The CA pays.
    Free,
    /// Added to the order and paid with it.
    Prepaid { fee: Fen },
    /// The recipient pays the courier on delivery (到付); not part of the order.
    Collect,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Material {
    /// Also the upload slot's id in URLs: keep it to `a-z`, digits and `_`.
    pub id: String,
    pub name: String,
    pub description: String,
    /// The products that need it; empty means every application.
    pub required_for: Vec<ProductKind>,
    /// A site path to a blank form to download, if there is one.
    pub template: Option<String>,
    /// The pre-filled document this material is the stamped scan of, generated from the
    /// application (`authorization_letter`, `application_form`, `seal_sheet`).
    #[serde(default)]
    pub document: Option<documents::DocumentKind>,
    /// How the CA gets it: a scan uploaded on the materials page, or on the phone.
    #[serde(default)]
    pub collect: Collect,
    /// One per org-personal certificate holder (each person's ID copy) rather than one per
    /// application.
    #[serde(default)]
    pub per_holder: bool,
}

/// Where a material is collected.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Collect {
    /// A JPG, PNG or PDF uploaded on the materials page.
    #[default]
    Upload,
    /// Done on the phone after the QR handoff (ID photos, liveness), not uploaded.
    Phone,
}

impl Material {
    pub fn is_required_for(&self, kind: ProductKind) -> bool {
        self.required_for.is_empty() || self.required_for.contains(&kind)
    }
}

/// A row of the fee table for business other than a new application (renewal, change, …),
/// shown as written; the calculator does not price these.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServiceFee {
    pub business: String,
    pub item: String,
    pub rule: String,
}

/// A catalog mistake, reported when the server loads the file. Operators read these.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    #[error("项目编号“{0}”只能包含小写字母、数字、“-”和“_”")]
    InvalidId(String),
    #[error("“{0}”不能为空")]
    EmptyField(&'static str),
    #[error("至少需要一种证书产品")]
    NoProducts,
    #[error("{}重复出现", .0.label())]
    DuplicateProduct(ProductKind),
    #[error("{}的年限应满足 1 ≤ min ≤ max ≤ {MAX_YEARS}", .0.label())]
    InvalidYears(ProductKind),
    #[error("{}的价格表缺少 {} 年的价格", .0.label(), .1)]
    MissingYearPrice(ProductKind, u8),
    #[error("{}的价格表中 {} 年重复或超出可选年限", .0.label(), .1)]
    UnexpectedYearPrice(ProductKind, u8),
    #[error("费用“{0}”应在 0 至 1,000,000.00 元之间")]
    FeeOutOfRange(String),
    #[error("配送方式编号“{0}”重复")]
    DuplicateShipping(String),
    #[error("材料编号“{0}”重复")]
    DuplicateMaterial(String),
    #[error("材料“{0}”的模板路径应以“/”开头且不含“..”")]
    InvalidTemplate(String),
}

impl Project {
    pub fn product(&self, kind: ProductKind) -> Option<&Product> {
        self.products.iter().find(|p| p.kind == kind)
    }

    pub fn shipping_option(&self, id: &str) -> Option<&ShippingOption> {
        self.shipping.iter().find(|s| s.id == id)
    }

    /// Checks what serde cannot: uniqueness, year ranges, complete price tables, fee bounds.
    ///
    /// A catalog may offer natural-person certificates next to organisation ones (seed 001's
    /// upload page lists all three); it is the quote that refuses to mix them in one
    /// application.
    pub fn validate(&self) -> Result<(), CatalogError> {
        let id_ok = !self.id.is_empty()
            && self
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !id_ok {
            return Err(CatalogError::InvalidId(self.id.clone()));
        }
        for (field, value) in [
            ("name", &self.name),
            ("ca.name", &self.ca.name),
            ("ca.short_name", &self.ca.short_name),
            ("ca.hotline", &self.ca.hotline),
        ] {
            if value.trim().is_empty() {
                return Err(CatalogError::EmptyField(field));
            }
        }
        if self.products.is_empty() {
            return Err(CatalogError::NoProducts);
        }
        let mut kinds = HashSet::new();
        for product in &self.products {
            if !kinds.insert(product.kind) {
                return Err(CatalogError::DuplicateProduct(product.kind));
            }
            product.validate()?;
        }
        let mut shipping_ids = HashSet::new();
        for option in &self.shipping {
            if !shipping_ids.insert(option.id.as_str()) {
                return Err(CatalogError::DuplicateShipping(option.id.clone()));
            }
            if let ShippingCharge::Prepaid { fee } = option.charge {
                check_fee(&option.label, fee)?;
            }
        }
        let mut material_ids = HashSet::new();
        for material in &self.materials {
            if !material_ids.insert(material.id.as_str()) {
                return Err(CatalogError::DuplicateMaterial(material.id.clone()));
            }
            if let Some(path) = &material.template
                && (!path.starts_with('/') || path.contains(".."))
            {
                return Err(CatalogError::InvalidTemplate(material.name.clone()));
            }
        }
        Ok(())
    }
}

impl Product {
    /// The service fee for a term, or `None` when the product does not offer that term.
    pub fn service_fee(&self, years: u8) -> Option<Fen> {
        if !self.years.contains(years) {
            return None;
        }
        match &self.price {
            PriceRule::PerYear { per_year } => Some(*per_year * u32::from(years)),
            PriceRule::Table { by_years } => by_years
                .iter()
                .find(|entry| entry.years == years)
                .map(|entry| entry.price),
        }
    }

    fn validate(&self) -> Result<(), CatalogError> {
        let YearRange { min, max } = self.years;
        if min < 1 || min > max || max > MAX_YEARS {
            return Err(CatalogError::InvalidYears(self.kind));
        }
        let label = self.kind.label();
        match &self.price {
            PriceRule::PerYear { per_year } => {
                check_fee(&format!("{label} · 证书服务费"), *per_year)?;
            }
            PriceRule::Table { by_years } => {
                // Every offered term priced exactly once: no fallback, so no guessed price.
                let mut seen = HashSet::new();
                for entry in by_years {
                    if !self.years.contains(entry.years) || !seen.insert(entry.years) {
                        return Err(CatalogError::UnexpectedYearPrice(self.kind, entry.years));
                    }
                    check_fee(&format!("{label} · {} 年", entry.years), entry.price)?;
                }
                if let Some(missing) = (min..=max).find(|y| !seen.contains(y)) {
                    return Err(CatalogError::MissingYearPrice(self.kind, missing));
                }
            }
        }
        check_fee(&format!("{label} · 介质费"), self.medium_fee)?;
        for extra in &self.extras {
            check_fee(&format!("{label} · {}", extra.name), extra.amount)?;
        }
        Ok(())
    }
}

fn check_fee(what: &str, fee: Fen) -> Result<(), CatalogError> {
    if (Fen::ZERO..=MAX_FEE).contains(&fee) {
        Ok(())
    } else {
        Err(CatalogError::FeeOutOfRange(what.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOETP: &str = include_str!("../../../catalog/soetp.toml");

    fn soetp() -> Project {
        toml::from_str(SOETP).expect("catalog/soetp.toml parses")
    }

    #[test]
    fn soetp_catalog_parses_and_validates() {
        let project = soetp();
        assert_eq!(project.validate(), Ok(()));
        assert_eq!(project.id, "soetp");
        assert_eq!(project.name, "山西国有企业阳光招采平台");
        assert_eq!(project.ca.hotline, "400-112-3838");
        let org = project.product(ProductKind::Org).unwrap();
        assert_eq!(org.service_fee(1), Some(Fen::from_yuan(380)));
        assert_eq!(org.medium_fee, Fen::from_yuan(100));
        let personal = project.product(ProductKind::OrgPersonal).unwrap();
        assert_eq!(personal.service_fee(5), Some(Fen::from_yuan(1100)));
        assert!(project.product(ProductKind::NaturalPerson).is_none());
    }

    #[test]
    fn soetp_materials_follow_the_guide() {
        let project = soetp();
        let ids: Vec<_> = project.materials.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids.len(), 5, "{ids:?}");
        let id_copy = project
            .materials
            .iter()
            .find(|m| m.required_for == [ProductKind::OrgPersonal])
            .expect("the applicant's ID copy is only for org-personal certificates");
        assert!(!id_copy.is_required_for(ProductKind::Org));
        assert_eq!(project.service_fees.len(), 4);
    }

    #[test]
    fn catalog_round_trips_through_serde() {
        // The browser gets the same structure as JSON; TOML exercises the same derive.
        let project = soetp();
        let text = toml::to_string(&project).unwrap();
        assert_eq!(toml::from_str::<Project>(&text).unwrap(), project);
    }

    #[test]
    fn table_prices_read_naturally() {
        let text = r#"
            kind = "org"
            name = "机构证书"
            description = ""
            price = { by_years = [{ years = 1, price = "380" }, { years = 2, price = "700.00" }] }
            medium_fee = "100.00"
            extras = [{ name = "电子印章", amount = "50.00" }]
            years = { min = 1, max = 2 }
        "#;
        let product: Product = toml::from_str(text).unwrap();
        assert_eq!(product.service_fee(2), Some(Fen::from_yuan(700)));
        assert_eq!(product.service_fee(3), None);
        assert_eq!(product.validate(), Ok(()));
    }

    #[test]
    fn misspelt_rule_names_the_choices() {
        #[derive(Debug, Deserialize)]
        struct P {
            #[allow(dead_code)]
            price: PriceRule,
        }
        let err = toml::from_str::<P>(r#"price = { per_yr = "1" }"#)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("per_year") && err.contains("by_years"),
            "{err}"
        );
    }

    #[test]
    fn shipping_charge_forms() {
        #[derive(Debug, Deserialize)]
        struct S {
            a: ShippingCharge,
            b: ShippingCharge,
            c: ShippingCharge,
        }
        let s: S = toml::from_str(
            r#"
            a = "free"
            b = "collect"
            c = { prepaid = { fee = "15.00" } }
            "#,
        )
        .unwrap();
        assert_eq!(s.a, ShippingCharge::Free);
        assert_eq!(s.b, ShippingCharge::Collect);
        assert_eq!(
            s.c,
            ShippingCharge::Prepaid {
                fee: Fen::from_yuan(15)
            }
        );
    }

    #[test]
    fn validate_catches_operator_mistakes() {
        let base = soetp();

        let mut p = base.clone();
        p.id = "SOETP".into();
        assert!(matches!(p.validate(), Err(CatalogError::InvalidId(_))));

        let mut p = base.clone();
        p.products.push(p.products[0].clone());
        assert_eq!(
            p.validate(),
            Err(CatalogError::DuplicateProduct(ProductKind::Org))
        );

        for (min, max) in [(0, 5), (3, 2), (1, 6)] {
            let mut p = base.clone();
            p.products[0].years = YearRange { min, max };
            assert_eq!(
                p.validate(),
                Err(CatalogError::InvalidYears(ProductKind::Org))
            );
        }

        let mut p = base.clone();
        p.products[0].years = YearRange { min: 1, max: 2 };
        p.products[0].price = PriceRule::Table {
            by_years: vec![YearPrice {
                years: 1,
                price: Fen::from_yuan(380),
            }],
        };
        assert_eq!(
            p.validate(),
            Err(CatalogError::MissingYearPrice(ProductKind::Org, 2))
        );
        p.products[0].price = PriceRule::Table {
            by_years: [1, 2, 2]
                .map(|years| YearPrice {
                    years,
                    price: Fen::from_yuan(380),
                })
                .to_vec(),
        };
        assert_eq!(
            p.validate(),
            Err(CatalogError::UnexpectedYearPrice(ProductKind::Org, 2))
        );

        let mut p = base.clone();
        p.products[0].medium_fee = Fen(-1);
        assert!(matches!(p.validate(), Err(CatalogError::FeeOutOfRange(_))));
        p.products[0].medium_fee = Fen(MAX_FEE.0 + 1);
        assert!(matches!(p.validate(), Err(CatalogError::FeeOutOfRange(_))));

        let mut p = base.clone();
        p.shipping.push(p.shipping[0].clone());
        assert!(matches!(
            p.validate(),
            Err(CatalogError::DuplicateShipping(_))
        ));

        let mut p = base.clone();
        p.materials[0].template = Some("../secret".into());
        assert!(matches!(
            p.validate(),
            Err(CatalogError::InvalidTemplate(_))
        ));

        let mut p = base;
        p.ca.hotline = " ".into();
        assert_eq!(p.validate(), Err(CatalogError::EmptyField("ca.hotline")));
    }

    #[test]
    fn labels() {
        let labels: Vec<_> = ProductKind::ALL.iter().map(|k| k.label()).collect();
        assert_eq!(labels, ["机构证书", "机构个人证书", "自然人证书"]);
    }
}
