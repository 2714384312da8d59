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

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use super::money::Fen;
use super::regions;

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
    /// The signature that opens every SMS sent for this project (`【深圳CA】`), as registered
    /// with the carriers.
    pub sms_signature: String,
    pub ca: CaInfo,
    /// Where the flow may be shown inside another site; by default nowhere.
    #[serde(default)]
    pub embed: Embed,
    pub products: Vec<Product>,
    pub shipping: Vec<ShippingOption>,
    pub materials: Vec<Material>,
    pub service_fees: Vec<ServiceFee>,
    pub notes: Vec<String>,
    /// Renewal window and expiry reminders; the defaults where the catalog says nothing.
    #[serde(default)]
    pub lifecycle: crate::domain::certificate::Lifecycle,
    /// Values the operator has yet to confirm, by [key](Project::has_key), each with the reason:
    /// the seeds did not give them, so they are plausible guesses. Logged at start-up.
    #[serde(default)]
    pub unconfirmed: BTreeMap<String, String>,
}

/// The trading-platform portals allowed to frame the application flow (`/embed/...`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Embed {
    /// Exact origins as browsers send them: `https://www.soetp.com`, no path; see
    /// [`check_origin`].
    pub origins: Vec<String>,
}

/// The certificate authority that accepts the applications.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaInfo {
    pub name: String,
    pub short_name: String,
    pub hotline: String,
    pub website: String,
    /// Where applicants paying by corporate transfer (对公转账) send the fee.
    pub bank: ReceivingAccount,
}

/// The CA's receiving account (收款账户) for corporate transfers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceivingAccount {
    /// 户名.
    pub account_name: String,
    /// 开户行.
    pub bank: String,
    /// 账号, as printed (groups of four digits are fine).
    pub number: String,
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

    /// As stored and in URLs: the serde name.
    pub fn code(self) -> &'static str {
        match self {
            ProductKind::Org => "org",
            ProductKind::OrgPersonal => "org_personal",
            ProductKind::NaturalPerson => "natural_person",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.code() == code)
    }

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
    /// A fee per term, for projects that discount longer terms. Only the listed terms are
    /// offered (seed 004 sells 1, 2 and 4 years, not 3); the product's range must start and end
    /// with a listed term (checked by [`Project::validate`]).
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

impl PriceRule {
    /// The terms within `range` this rule prices, shortest first.
    pub fn terms(&self, range: YearRange) -> Vec<u8> {
        match self {
            PriceRule::PerYear { .. } => (range.min..=range.max).collect(),
            PriceRule::Table { by_years } => {
                let mut terms: Vec<u8> = by_years
                    .iter()
                    .map(|row| row.years)
                    .filter(|y| range.contains(*y))
                    .collect();
                terms.sort_unstable();
                terms
            }
        }
    }

    /// The fee for `years` within `range`, or `None` when the rule does not offer that term.
    pub fn fee(&self, range: YearRange, years: u8) -> Option<Fen> {
        if !range.contains(years) {
            return None;
        }
        match self {
            PriceRule::PerYear { per_year } => Some(*per_year * u32::from(years)),
            PriceRule::Table { by_years } => by_years
                .iter()
                .find(|entry| entry.years == years)
                .map(|entry| entry.price),
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
    /// Province codes (`210000`) the option delivers to; empty means everywhere. Prepaid
    /// fees that depend on the destination are one option per zone, each with its provinces:
    /// the fee then follows from the option id alone, and the address is checked against it.
    #[serde(default)]
    pub provinces: Vec<String>,
}

impl ShippingOption {
    /// Whether the option delivers to the province with this code.
    pub fn serves(&self, province_code: &str) -> bool {
        self.provinces.is_empty() || self.provinces.iter().any(|p| p == province_code)
    }
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
    #[error("续期价格表中 {0} 年重复或超出 1 至 {MAX_YEARS} 年")]
    UnexpectedRenewalYears(u8),
    #[error("费用“{0}”应在 0 至 1,000,000.00 元之间")]
    FeeOutOfRange(String),
    #[error("配送方式编号“{0}”重复")]
    DuplicateShipping(String),
    #[error("材料编号“{0}”重复")]
    DuplicateMaterial(String),
    #[error("材料“{0}”的模板路径应以“/”开头且不含“..”")]
    InvalidTemplate(String),
    #[error("配送方式“{0}”中的“{1}”不是现行省级行政区划代码（如辽宁省为 210000）")]
    UnknownProvince(String, String),
    #[error("短信签名“{0}”应写成“【签名】”，括号内 2 至 12 个字")]
    InvalidSmsSignature(String),
    #[error("嵌入来源“{0}”不正确：{1}")]
    InvalidEmbedOrigin(String, OriginProblem),
    #[error("待确认项“{0}”在本目录中不存在，请核对写法（如 products.org.price）")]
    UnknownUnconfirmedKey(String),
    #[error("待确认项“{0}”须写明待确认的原因")]
    UnconfirmedWithoutReason(String),
}

/// What is wrong with an embedding origin, as the operator is told.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OriginProblem {
    #[error("须以 https:// 开头（本机测试可用 http://localhost:端口 或 http://127.0.0.1:端口）")]
    Scheme,
    #[error("不能使用通配符“*”，请逐个列出网站")]
    Wildcard,
    #[error("结尾不能有“/”")]
    TrailingSlash,
    #[error("只写协议、域名和端口，不能带路径、“?”或“#”")]
    Path,
    #[error("域名只能由小写字母、数字、“-”和“.”组成")]
    Host,
    #[error("端口应为 1–65535，https 的默认端口 443 不写")]
    Port,
}

/// Checks an embedding origin in the exact form browsers send in `Origin` and match in
/// `frame-ancestors`, so a listed origin is never silently ignored.
///
/// ```
/// use app::domain::catalog::{check_origin, OriginProblem};
/// assert_eq!(check_origin("https://www.soetp.com"), Ok(()));
/// assert_eq!(check_origin("http://127.0.0.1:3250"), Ok(()));
/// assert_eq!(check_origin("https://www.soetp.com/"), Err(OriginProblem::TrailingSlash));
/// assert_eq!(check_origin("http://www.soetp.com"), Err(OriginProblem::Scheme));
/// ```
pub fn check_origin(origin: &str) -> Result<(), OriginProblem> {
    if origin.contains('*') {
        return Err(OriginProblem::Wildcard);
    }
    let (scheme, rest) = origin.split_once("://").ok_or(OriginProblem::Scheme)?;
    let (authority, path) = rest.split_at(rest.find(['/', '?', '#']).unwrap_or(rest.len()));
    match path {
        "" => {}
        "/" => return Err(OriginProblem::TrailingSlash),
        _ => return Err(OriginProblem::Path),
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    let label_ok = |label: &str| {
        !label.is_empty()
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    if !host.split('.').all(label_ok) {
        return Err(OriginProblem::Host);
    }
    let port = match port {
        None => None,
        Some(p) if p.starts_with('0') || !p.bytes().all(|b| b.is_ascii_digit()) => {
            return Err(OriginProblem::Port);
        }
        Some(p) => Some(p.parse::<u16>().map_err(|_| OriginProblem::Port)?),
    };
    match (scheme, port) {
        ("https", Some(443)) => Err(OriginProblem::Port),
        ("https", _) => Ok(()),
        // Plain http only for a test server on this machine, which always has a port.
        ("http", Some(_)) if host == "localhost" || host == "127.0.0.1" => Ok(()),
        _ => Err(OriginProblem::Scheme),
    }
}

/// SMS signatures as carriers register them: 【name】, 2 to 12 characters inside.
fn sms_signature_ok(signature: &str) -> bool {
    signature
        .strip_prefix('【')
        .and_then(|s| s.strip_suffix('】'))
        .is_some_and(|inner| {
            (2..=12).contains(&inner.chars().count())
                && !inner.contains(['【', '】'])
                && !inner.chars().any(|c| c.is_control() || c.is_whitespace())
        })
}

impl Project {
    pub fn product(&self, kind: ProductKind) -> Option<&Product> {
        self.products.iter().find(|p| p.kind == kind)
    }

    pub fn shipping_option(&self, id: &str) -> Option<&ShippingOption> {
        self.shipping.iter().find(|s| s.id == id)
    }

    /// Whether `key` names a value in this catalog, for the [`unconfirmed`](Self::unconfirmed)
    /// list: field names joined by `.`, a list item named by its `id`, `kind`, `name` or
    /// `business` (or `years` in a price table): `products.org.price`,
    /// `shipping.prepaid_far.provinces`, `service_fees.证书续期`.
    pub fn has_key(&self, key: &str) -> bool {
        use serde_json::Value;
        let Ok(mut value) = serde_json::to_value(self) else {
            return false;
        };
        for segment in key.split('.') {
            let next = match value {
                Value::Object(mut fields) => fields.remove(segment),
                Value::Array(items) => items.into_iter().find(|item| {
                    ["id", "kind", "name", "business", "years"]
                        .iter()
                        .any(|name| match item.get(*name) {
                            Some(Value::String(s)) => s == segment,
                            Some(Value::Number(n)) => n.to_string() == segment,
                            _ => false,
                        })
                }),
                _ => None,
            };
            match next {
                Some(found) => value = found,
                None => return false,
            }
        }
        true
    }

    /// Checks what serde cannot: uniqueness, year ranges, price tables, fee bounds, the SMS
    /// signature, embedding origins, delivery provinces and the keys of `unconfirmed`.
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
            ("sms_signature", &self.sms_signature),
            ("ca.name", &self.ca.name),
            ("ca.short_name", &self.ca.short_name),
            ("ca.hotline", &self.ca.hotline),
        ] {
            if value.trim().is_empty() {
                return Err(CatalogError::EmptyField(field));
            }
        }
        if !sms_signature_ok(&self.sms_signature) {
            return Err(CatalogError::InvalidSmsSignature(
                self.sms_signature.clone(),
            ));
        }
        for origin in &self.embed.origins {
            check_origin(origin)
                .map_err(|problem| CatalogError::InvalidEmbedOrigin(origin.clone(), problem))?;
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
        self.lifecycle.validate()?;
        let current = regions::provinces();
        let mut shipping_ids = HashSet::new();
        for option in &self.shipping {
            if !shipping_ids.insert(option.id.as_str()) {
                return Err(CatalogError::DuplicateShipping(option.id.clone()));
            }
            if let ShippingCharge::Prepaid { fee } = option.charge {
                check_fee(&option.label, fee)?;
            }
            if let Some(code) = option
                .provinces
                .iter()
                .find(|code| !current.iter().any(|(c, _)| c == code))
            {
                return Err(CatalogError::UnknownProvince(
                    option.id.clone(),
                    code.clone(),
                ));
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
        for (key, reason) in &self.unconfirmed {
            if !self.has_key(key) {
                return Err(CatalogError::UnknownUnconfirmedKey(key.clone()));
            }
            if reason.trim().is_empty() {
                return Err(CatalogError::UnconfirmedWithoutReason(key.clone()));
            }
        }
        Ok(())
    }
}

impl Product {
    /// The terms on offer, shortest first: every year of the range, or the price table's rows.
    pub fn terms(&self) -> Vec<u8> {
        self.price.terms(self.years)
    }

    /// The service fee for a term, or `None` when the product does not offer that term.
    pub fn service_fee(&self, years: u8) -> Option<Fen> {
        self.price.fee(self.years, years)
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
                // Each listed term priced once, and the range's ends listed, so the range says
                // truly what is on offer; terms in between may be left out (seed 004 has no 3).
                let mut seen = HashSet::new();
                for entry in by_years {
                    if !self.years.contains(entry.years) || !seen.insert(entry.years) {
                        return Err(CatalogError::UnexpectedYearPrice(self.kind, entry.years));
                    }
                    check_fee(&format!("{label} · {} 年", entry.years), entry.price)?;
                }
                if let Some(missing) = [min, max].into_iter().find(|y| !seen.contains(y)) {
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

pub(crate) fn check_fee(what: &str, fee: Fen) -> Result<(), CatalogError> {
    if (Fen::ZERO..=MAX_FEE).contains(&fee) {
        Ok(())
    } else {
        Err(CatalogError::FeeOutOfRange(what.to_owned()))
    }
}

/// A project from the repository's `catalog/` folder, parsed and validated: for tests that need
/// real figures.
#[cfg(test)]
pub(crate) fn repo_project(id: &str) -> Project {
    let text = match id {
        "soetp" => include_str!("../../../catalog/soetp.toml"),
        "hnsggzy" => include_str!("../../../catalog/hnsggzy.toml"),
        "ccgp-liaoning" => include_str!("../../../catalog/ccgp-liaoning.toml"),
        "ccgp-neimenggu" => include_str!("../../../catalog/ccgp-neimenggu.toml"),
        _ => panic!("no catalog file for {id}"),
    };
    let project: Project =
        toml::from_str(text).unwrap_or_else(|e| panic!("catalog/{id}.toml parses: {e}"));
    project.validate().unwrap();
    project
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPO_IDS: [&str; 4] = ["ccgp-liaoning", "ccgp-neimenggu", "hnsggzy", "soetp"];

    fn soetp() -> Project {
        repo_project("soetp")
    }

    #[test]
    fn every_catalog_file_parses_and_validates() {
        // Read from disk, so a file added later is checked too (and listed in `repo_project`).
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../catalog");
        let mut ids = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|ext| ext != "toml") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let project: Project =
                toml::from_str(&text).unwrap_or_else(|e| panic!("{} parses: {e}", path.display()));
            assert_eq!(project.validate(), Ok(()), "{}", path.display());
            assert_eq!(
                path.file_stem().unwrap().to_str(),
                Some(project.id.as_str()),
                "file named after the project"
            );
            assert_eq!(repo_project(&project.id), project);
            ids.push(project.id);
        }
        ids.sort();
        assert_eq!(ids, REPO_IDS);
    }

    #[test]
    fn seed_projects_offer_what_their_guides_describe() {
        use ProductKind::{NaturalPerson, Org, OrgPersonal};
        let kinds =
            |id| -> Vec<ProductKind> { repo_project(id).products.iter().map(|p| p.kind).collect() };
        assert_eq!(kinds("soetp"), [Org, OrgPersonal]);
        assert_eq!(kinds("hnsggzy"), [Org, NaturalPerson]);
        assert_eq!(kinds("ccgp-liaoning"), [Org, NaturalPerson]);
        assert_eq!(kinds("ccgp-neimenggu"), [Org, OrgPersonal]);

        for id in REPO_IDS {
            let project = repo_project(id);
            assert_eq!(project.sms_signature, "【深圳CA】");
            assert_eq!(project.embed.origins.len(), 1, "{id}");
            // Natural persons prove who they are on the phone; organisations through the agent.
            for product in &project.products {
                let phone = project
                    .materials
                    .iter()
                    .filter(|m| m.collect == Collect::Phone && m.is_required_for(product.kind))
                    .count();
                assert_eq!(phone, 1, "{id}: one identity check for {:?}", product.kind);
                let seal = project.materials.iter().find(|m| {
                    m.document == Some(documents::DocumentKind::SealSheet)
                        && m.is_required_for(product.kind)
                });
                assert!(seal.is_some(), "{id}: seal sheet for {:?}", product.kind);
            }
        }

        let hunan = repo_project("hnsggzy");
        let org = hunan.product(Org).unwrap();
        assert_eq!(org.service_fee(1), Some(Fen::from_yuan(200)));
        assert_eq!(org.medium_fee, Fen::from_yuan(100));
        assert_eq!(org.extras[0].amount, Fen::from_yuan(50));
        assert_eq!(hunan.shipping[0].charge, ShippingCharge::Collect);

        let liaoning = repo_project("ccgp-liaoning");
        let fees: Vec<_> = liaoning
            .shipping
            .iter()
            .filter_map(|o| match o.charge {
                ShippingCharge::Prepaid { fee } => Some(fee.yuan_text()),
                _ => None,
            })
            .collect();
        assert_eq!(fees, ["12.00", "13.00", "21.00"]);
        // Every mainland province falls in exactly one prepaid zone.
        for (code, name) in regions::provinces() {
            let zones = liaoning
                .shipping
                .iter()
                .filter(|o| !o.provinces.is_empty() && o.serves(code))
                .count();
            let expected = usize::from(!["710000", "810000", "820000"].contains(&code));
            assert_eq!(zones, expected, "{name}");
        }

        let neimenggu = repo_project("ccgp-neimenggu");
        let org = neimenggu.product(Org).unwrap();
        assert_eq!(org.terms(), [1, 2, 4]);
        assert_eq!(org.service_fee(4), Some(Fen::from_yuan(850)));
        assert_eq!(org.service_fee(3), None);
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
        for id in REPO_IDS {
            let project = repo_project(id);
            let text = toml::to_string(&project).unwrap();
            assert_eq!(toml::from_str::<Project>(&text).unwrap(), project, "{id}");
            let json = serde_json::to_string(&project).unwrap();
            assert_eq!(serde_json::from_str::<Project>(&json).unwrap(), project);
        }
    }

    #[test]
    fn new_fields_default_when_absent() {
        // A catalog written before embedding and confirmation marks still reads.
        let text = include_str!("../../../catalog/soetp.toml")
            .replace("[embed]", "[ignored_embed]")
            .replace("[unconfirmed]", "[ignored_unconfirmed]");
        let project: Project = toml::from_str(&text).unwrap();
        assert_eq!(project.embed, Embed::default());
        assert!(project.unconfirmed.is_empty());
        assert_eq!(project.validate(), Ok(()));
    }

    #[test]
    fn keys_name_values_by_field_and_list_item() {
        let neimenggu = repo_project("ccgp-neimenggu");
        for key in [
            "name",
            "ca.hotline",
            "embed.origins",
            "products.org",
            "products.org_personal.price",
            "products.org.price.by_years.4",
            "products.org.price.by_years.4.price",
            "shipping.post.charge",
            "materials.seal_form.description",
            "service_fees.证书续期.rule",
        ] {
            assert!(neimenggu.has_key(key), "{key}");
        }
        for key in [
            "",
            "products.natural_person",
            "products.org.prize",
            "products.org.price.by_years.3",
            "products.org.price.per_year",
            "shipping.prepaid_far",
            "ca.hotline.number",
            "products..price",
        ] {
            assert!(!neimenggu.has_key(key), "{key}");
        }
        let liaoning = repo_project("ccgp-liaoning");
        assert!(liaoning.has_key("shipping.prepaid_far.provinces"));
        assert!(repo_project("hnsggzy").has_key("products.org.extras.电子签章.amount"));
    }

    #[test]
    fn unconfirmed_keys_must_exist_and_say_why() {
        let mut p = soetp();
        p.unconfirmed
            .insert("products.org.prize".into(), "猜的".into());
        assert_eq!(
            p.validate(),
            Err(CatalogError::UnknownUnconfirmedKey(
                "products.org.prize".into()
            ))
        );
        let mut p = soetp();
        p.unconfirmed
            .insert("products.org.price".into(), " ".into());
        assert_eq!(
            p.validate(),
            Err(CatalogError::UnconfirmedWithoutReason(
                "products.org.price".into()
            ))
        );
    }

    #[test]
    fn sms_signature_is_required_and_bracketed() {
        let mut p = soetp();
        p.sms_signature = " ".into();
        assert_eq!(p.validate(), Err(CatalogError::EmptyField("sms_signature")));
        for bad in [
            "深圳CA",
            "【深圳CA",
            "【A】",
            "【深圳 CA】",
            "【【深圳CA】】",
            "【一二三四五六七八九十一二三】",
        ] {
            p.sms_signature = bad.into();
            assert_eq!(
                p.validate(),
                Err(CatalogError::InvalidSmsSignature(bad.into())),
                "{bad}"
            );
        }
        p.sms_signature = "【湖南公共资源】".into();
        assert_eq!(p.validate(), Ok(()));

        let text = include_str!("../../../catalog/soetp.toml")
            .replace("sms_signature = \"【深圳CA】\"", "");
        let err = toml::from_str::<Project>(&text).unwrap_err().to_string();
        assert!(err.contains("sms_signature"), "{err}");
    }

    #[test]
    fn embed_origins_are_exact_origins() {
        use OriginProblem::*;
        for good in [
            "https://www.soetp.com",
            "https://casign.hnsggzy.com:7080",
            "https://localhost:8443",
            "http://localhost:3250",
            "http://127.0.0.1:3100",
        ] {
            assert_eq!(check_origin(good), Ok(()), "{good}");
        }
        for (bad, problem) in [
            ("www.soetp.com", Scheme),
            ("http://www.soetp.com", Scheme),
            ("ftp://www.soetp.com", Scheme),
            ("http://localhost", Scheme),
            ("http://192.168.1.5:3000", Scheme),
            ("https://www.soetp.com/", TrailingSlash),
            ("https://www.soetp.com/ca/apply", Path),
            ("https://www.soetp.com?from=ca", Path),
            ("https://www.soetp.com#top", Path),
            ("https://*.soetp.com", Wildcard),
            ("*", Wildcard),
            ("https://WWW.soetp.com", Host),
            ("https://user@www.soetp.com", Host),
            ("https://www..soetp.com", Host),
            ("https://-soetp.com", Host),
            ("https://", Host),
            ("https://www.soetp.com:443", Port),
            ("https://www.soetp.com:", Port),
            ("https://www.soetp.com:0", Port),
            ("https://www.soetp.com:08080", Port),
            ("https://www.soetp.com:65536", Port),
        ] {
            assert_eq!(check_origin(bad), Err(problem), "{bad}");
        }

        let mut p = soetp();
        p.embed.origins.push("https://www.soetp.com/".into());
        let err = p.validate().unwrap_err();
        assert_eq!(
            err,
            CatalogError::InvalidEmbedOrigin("https://www.soetp.com/".into(), TrailingSlash)
        );
        assert_eq!(
            err.to_string(),
            "嵌入来源“https://www.soetp.com/”不正确：结尾不能有“/”"
        );
    }

    #[test]
    fn shipping_provinces_are_province_codes() {
        let mut p = repo_project("ccgp-liaoning");
        for bad in ["210100", "99", "辽宁省", "710001"] {
            p.shipping[1].provinces = vec!["440000".into(), bad.into()];
            assert_eq!(
                p.validate(),
                Err(CatalogError::UnknownProvince(
                    "prepaid_near".into(),
                    bad.into()
                )),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_price_table_may_skip_terms_but_not_the_range_ends() {
        let mut p = soetp();
        let table = |years: &[u8]| PriceRule::Table {
            by_years: years
                .iter()
                .map(|&years| YearPrice {
                    years,
                    price: Fen::from_yuan(200 * i64::from(years)),
                })
                .collect(),
        };
        p.products[0].years = YearRange { min: 1, max: 4 };
        p.products[0].price = table(&[4, 1, 2]);
        assert_eq!(p.validate(), Ok(()));
        assert_eq!(p.products[0].terms(), [1, 2, 4]);
        assert_eq!(p.products[0].service_fee(3), None);
        p.products[0].price = table(&[1, 2]);
        assert_eq!(
            p.validate(),
            Err(CatalogError::MissingYearPrice(ProductKind::Org, 4))
        );
        p.products[0].price = table(&[2, 4]);
        assert_eq!(
            p.validate(),
            Err(CatalogError::MissingYearPrice(ProductKind::Org, 1))
        );
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
