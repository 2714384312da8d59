//! An issued certificate: its validity, its status, and which of the hall's businesses
//! (续期, 变更, 解锁, 补办, 注销) it is open to on a given day, with the reason where one is not.
//!
//! Validity is counted in China's calendar days: a certificate bought for `n` years on day `d`
//! is valid through the day before `d` plus `n` years, the way CAs print `有效期至`.

use serde::{Deserialize, Serialize};
use time::{Date, Duration, Month};

use crate::domain::business::Business;
use crate::domain::catalog::{CatalogError, MAX_YEARS, PriceRule, ProductKind, check_fee};
use crate::domain::money::Fen;

/// What the CA's records say of a certificate. Expiry is not a status: it follows from the
/// validity and the day ([`Certificate::state`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertStatus {
    Valid,
    /// 挂起: temporarily unusable, at the holder's request.
    Suspended,
    /// 注销: withdrawn at the holder's request.
    Cancelled,
    /// 吊销: withdrawn by the CA (e.g. replaced after a lost key).
    Revoked,
}

impl CertStatus {
    pub const ALL: [CertStatus; 4] = [
        CertStatus::Valid,
        CertStatus::Suspended,
        CertStatus::Cancelled,
        CertStatus::Revoked,
    ];

    pub fn code(self) -> &'static str {
        match self {
            CertStatus::Valid => "valid",
            CertStatus::Suspended => "suspended",
            CertStatus::Cancelled => "cancelled",
            CertStatus::Revoked => "revoked",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            CertStatus::Valid => "有效",
            CertStatus::Suspended => "已挂起",
            CertStatus::Cancelled => "已注销",
            CertStatus::Revoked => "已吊销",
        }
    }

    /// Withdrawn for good: nothing can be done with it any more.
    pub fn is_final(self) -> bool {
        matches!(self, CertStatus::Cancelled | CertStatus::Revoked)
    }
}

/// The days a certificate is valid, both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validity {
    pub from: Date,
    /// The last day it is valid (有效期至).
    pub to: Date,
}

impl Validity {
    /// `years` years from `start`: through the day before the same date `years` later (29 Feb
    /// counts from 28 Feb in a year without it).
    pub fn for_years(start: Date, years: u8) -> Self {
        Self {
            from: start,
            to: add_years(start, years) - Duration::days(1),
        }
    }

    /// Days left after `today`: 0 on the last day, negative once expired.
    pub fn days_left(&self, today: Date) -> i64 {
        (self.to - today).whole_days()
    }

    pub fn expired(&self, today: Date) -> bool {
        today > self.to
    }

    /// The validity after renewing for `years` on `today`: it continues from the old expiry,
    /// or starts today when the certificate has already expired.
    pub fn renewed(&self, today: Date, years: u8) -> Self {
        let start = if self.expired(today) {
            today
        } else {
            self.to + Duration::days(1)
        };
        Self::for_years(start, years)
    }
}

/// How long a certificate being issued is valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Term {
    /// A new certificate: this many years from the day it is issued.
    Years(u8),
    /// A replacement key's certificate: the term of the one it replaces, never longer.
    Kept(Validity),
}

impl Term {
    pub fn validity(self, today: Date) -> Validity {
        match self {
            Term::Years(years) => Validity::for_years(today, years),
            Term::Kept(validity) => validity,
        }
    }
}

fn add_years(date: Date, years: u8) -> Date {
    let year = date.year() + i32::from(years);
    Date::from_calendar_date(year, date.month(), date.day())
        .or_else(|_| Date::from_calendar_date(year, Month::February, 28))
        .unwrap_or(date)
}

/// A project's rules for certificates once issued, from its catalog entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Lifecycle {
    /// Renewal opens this many days before expiry (SZCA's agreement: 期满前一个月内).
    pub renewal_window_days: u16,
    /// Reminders go out this many days before expiry, once each.
    pub reminder_days: Vec<u16>,
    /// A certificate expired longer than this is renewed only after the checks of a new
    /// application (materials, the phone identity check, review).
    pub recheck_after_expiry_days: u16,
    /// What one 信息变更 order costs; none: changes are done at the CA's counter only.
    pub change_fee: Option<Fen>,
    /// The renewal's service fee for every kind, where it is not the new certificate's (seed
    /// `004`: 200, 400 and 800 元 for 1, 2 and 4 years, whose new certificates cost more
    /// because their price includes the key). None: each product's own price.
    pub renewal_price: Option<PriceRule>,
    /// What 介质补办 costs per key, where it is not the product's medium fee (seed `004`:
    /// 50 元/次, the key being included in the new certificate's price).
    pub replacement_fee: Option<Fen>,
}

impl Lifecycle {
    pub(crate) fn validate(&self) -> Result<(), CatalogError> {
        if let Some(fee) = self.change_fee {
            check_fee("信息变更服务费", fee)?;
        }
        if let Some(fee) = self.replacement_fee {
            check_fee("介质补办费", fee)?;
        }
        match &self.renewal_price {
            Some(PriceRule::PerYear { per_year }) => check_fee("续期服务费", *per_year)?,
            Some(PriceRule::Table { by_years }) => {
                let mut seen = std::collections::HashSet::new();
                for row in by_years {
                    if !(1..=MAX_YEARS).contains(&row.years) || !seen.insert(row.years) {
                        return Err(CatalogError::UnexpectedRenewalYears(row.years));
                    }
                    check_fee(&format!("续期服务费 · {} 年", row.years), row.price)?;
                }
            }
            None => {}
        }
        Ok(())
    }
}

impl Default for Lifecycle {
    fn default() -> Self {
        Self {
            renewal_window_days: 30,
            reminder_days: vec![30, 7],
            recheck_after_expiry_days: 365,
            change_fee: None,
            renewal_price: None,
            replacement_fee: None,
        }
    }
}

/// An issued certificate as its owner sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certificate {
    pub id: i64,
    pub project_id: String,
    /// The order that made it.
    pub order_number: String,
    pub kind: ProductKind,
    /// The organisation, or the natural person.
    pub subject: String,
    /// The person an org-personal certificate is issued to.
    pub holder: Option<String>,
    pub serial: String,
    /// The number printed on the U-key (介质号).
    pub medium: String,
    pub validity: Validity,
    pub status: CertStatus,
}

/// How a certificate stands on a day, as shown to its owner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertState {
    Valid,
    /// Valid, and inside the renewal window.
    ExpiringSoon,
    Expired,
    Withdrawn(CertStatus),
    Suspended,
}

impl CertState {
    pub fn label(self) -> &'static str {
        match self {
            CertState::Valid => "有效",
            CertState::ExpiringSoon => "即将到期",
            CertState::Expired => "已过期",
            CertState::Suspended => "已挂起",
            CertState::Withdrawn(status) => status.label(),
        }
    }
}

/// One business and whether it is open to a certificate today; `reason` says why not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    pub business: Business,
    pub reason: Option<String>,
}

impl Offer {
    pub fn is_open(&self) -> bool {
        self.reason.is_none()
    }
}

impl Certificate {
    pub fn state(&self, rules: &Lifecycle, today: Date) -> CertState {
        match self.status {
            status if status.is_final() => CertState::Withdrawn(status),
            CertStatus::Suspended => CertState::Suspended,
            _ if self.validity.expired(today) => CertState::Expired,
            _ if self.validity.days_left(today) < i64::from(rules.renewal_window_days) => {
                CertState::ExpiringSoon
            }
            _ => CertState::Valid,
        }
    }

    /// Every business, open or with the reason it is not.
    pub fn offers(&self, rules: &Lifecycle, today: Date) -> Vec<Offer> {
        Business::LIFECYCLE
            .into_iter()
            .map(|business| Offer {
                business,
                reason: self.refusal(business, rules, today),
            })
            .collect()
    }

    /// Why `business` is not open today, or `None` when it is.
    pub fn refusal(&self, business: Business, rules: &Lifecycle, today: Date) -> Option<String> {
        let state = self.state(rules, today);
        if let CertState::Withdrawn(status) = state {
            return Some(format!(
                "证书{}，不能再办理业务；如需证书请重新申请",
                status.label()
            ));
        }
        let expired = state == CertState::Expired;
        match business {
            Business::New => Some("新证书请从首页办理".to_owned()),
            Business::Renewal => {
                let opens = self.validity.to - Duration::days(i64::from(rules.renewal_window_days));
                (state == CertState::Valid).then(|| {
                    format!(
                        "到期前{}日内可续期（{} 起）",
                        rules.renewal_window_days,
                        date_label(opens + Duration::days(1))
                    )
                })
            }
            Business::Cancellation => expired.then(|| "证书已过期，无需注销".to_owned()),
            Business::Change | Business::Unlock | Business::Replacement => {
                if expired {
                    Some("证书已过期，请先办理续期".to_owned())
                } else if state == CertState::Suspended {
                    Some("证书已挂起，请先联系证书机构解除挂起".to_owned())
                } else {
                    None
                }
            }
        }
    }

    /// A renewal of a certificate expired this long ago goes through the checks of a new
    /// application.
    pub fn renewal_needs_checks(&self, rules: &Lifecycle, today: Date) -> bool {
        -self.validity.days_left(today) > i64::from(rules.recheck_after_expiry_days)
    }
}

/// `2027年12月6日`.
pub fn date_label(date: Date) -> String {
    format!(
        "{}年{}月{}日",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn cert(validity: Validity, status: CertStatus) -> Certificate {
        Certificate {
            id: 1,
            project_id: "soetp".into(),
            order_number: "SX2026120700001".into(),
            kind: ProductKind::Org,
            subject: "山西示例科技有限公司".into(),
            holder: None,
            serial: "5A3F".into(),
            medium: "UK0001".into(),
            validity,
            status,
        }
    }

    fn open(cert: &Certificate, business: Business, today: Date) -> bool {
        cert.refusal(business, &Lifecycle::default(), today)
            .is_none()
    }

    #[test]
    fn a_term_ends_the_day_before_its_anniversary() {
        let v = Validity::for_years(date!(2026 - 12 - 07), 2);
        assert_eq!(v.to, date!(2028 - 12 - 06));
        assert_eq!(v.days_left(date!(2028 - 12 - 06)), 0);
        assert!(!v.expired(date!(2028 - 12 - 06)));
        assert!(v.expired(date!(2028 - 12 - 07)));
        // 29 February has no anniversary in 2025.
        assert_eq!(
            Validity::for_years(date!(2024 - 02 - 29), 1).to,
            date!(2025 - 02 - 27)
        );
    }

    #[test]
    fn renewal_continues_from_the_old_expiry_or_starts_today_once_expired() {
        let v = Validity::for_years(date!(2026 - 01 - 10), 1);
        let early = v.renewed(date!(2026 - 12 - 20), 2);
        assert_eq!(early.from, date!(2027 - 01 - 10));
        assert_eq!(early.to, date!(2029 - 01 - 09));
        let late = v.renewed(date!(2027 - 03 - 01), 1);
        assert_eq!(late.from, date!(2027 - 03 - 01));
        assert_eq!(late.to, date!(2028 - 02 - 29));
    }

    #[test]
    fn renewal_opens_thirty_days_before_expiry_and_stays_open_after() {
        let c = cert(
            Validity::for_years(date!(2026 - 01 - 01), 1),
            CertStatus::Valid,
        );
        let reason = c
            .refusal(
                Business::Renewal,
                &Lifecycle::default(),
                date!(2026 - 06 - 01),
            )
            .unwrap();
        assert_eq!(reason, "到期前30日内可续期（2026年12月2日 起）");
        assert!(!open(&c, Business::Renewal, date!(2026 - 12 - 01)));
        assert!(open(&c, Business::Renewal, date!(2026 - 12 - 02)));
        assert!(open(&c, Business::Renewal, date!(2027 - 06 - 01)));
        assert_eq!(
            c.state(&Lifecycle::default(), date!(2026 - 12 - 02)),
            CertState::ExpiringSoon
        );
    }

    #[test]
    fn an_expired_certificate_is_renewed_not_changed_unlocked_or_cancelled() {
        let c = cert(
            Validity::for_years(date!(2024 - 01 - 01), 1),
            CertStatus::Valid,
        );
        let today = date!(2026 - 01 - 01);
        assert_eq!(c.state(&Lifecycle::default(), today), CertState::Expired);
        assert!(open(&c, Business::Renewal, today));
        for business in [
            Business::Change,
            Business::Unlock,
            Business::Replacement,
            Business::Cancellation,
        ] {
            assert!(!open(&c, business, today), "{business:?}");
        }
        // Expired on 31 Dec 2024: more than 365 days before 2026-01-01.
        assert!(c.renewal_needs_checks(&Lifecycle::default(), today));
        assert!(!c.renewal_needs_checks(&Lifecycle::default(), date!(2025 - 12 - 31)));
    }

    #[test]
    fn statuses_round_trip_through_their_codes() {
        for status in CertStatus::ALL {
            assert_eq!(CertStatus::parse(status.code()), Some(status));
        }
        assert_eq!(CertStatus::parse("expired"), None);
    }

    fn any_date() -> impl Strategy<Value = Date> {
        (0i64..20_000).prop_map(|n| date!(2000 - 01 - 01) + Duration::days(n))
    }

    fn any_status() -> impl Strategy<Value = CertStatus> {
        prop::sample::select(CertStatus::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn a_withdrawn_certificate_is_open_to_nothing(
            start in any_date(), years in 1u8..=5, today in any_date(),
            status in prop::sample::select(vec![CertStatus::Cancelled, CertStatus::Revoked]),
        ) {
            let c = cert(Validity::for_years(start, years), status);
            prop_assert!(c.offers(&Lifecycle::default(), today).iter().all(|o| !o.is_open()));
        }

        #[test]
        fn a_term_is_as_long_as_the_years_bought(start in any_date(), years in 1u8..=5) {
            let v = Validity::for_years(start, years);
            let days = (v.to - v.from).whole_days() + 1;
            prop_assert!((365 * i64::from(years)..=366 * i64::from(years)).contains(&days));
        }

        #[test]
        fn a_replacement_never_extends_the_term(
            start in any_date(), years in 1u8..=5, today in any_date(),
        ) {
            let v = Validity::for_years(start, years);
            prop_assert_eq!(Term::Kept(v).validity(today), v);
        }

        #[test]
        fn renewing_never_shortens_and_never_leaves_a_gap(
            start in any_date(), years in 1u8..=5, more in 1u8..=5, today in any_date(),
        ) {
            let v = Validity::for_years(start, years);
            let renewed = v.renewed(today, more);
            prop_assert!(renewed.to > v.to);
            prop_assert!(renewed.from <= v.to + Duration::days(1) || renewed.from == today);
            prop_assert!(renewed.from >= today.min(v.to + Duration::days(1)));
        }

        #[test]
        fn every_business_is_offered_once_with_a_reason_exactly_when_closed(
            start in any_date(), years in 1u8..=5, today in any_date(), status in any_status(),
        ) {
            let c = cert(Validity::for_years(start, years), status);
            let offers = c.offers(&Lifecycle::default(), today);
            prop_assert_eq!(offers.len(), Business::LIFECYCLE.len());
            for offer in offers {
                prop_assert_eq!(
                    offer.is_open(),
                    c.refusal(offer.business, &Lifecycle::default(), today).is_none()
                );
                prop_assert!(offer.reason.as_ref().is_none_or(|r| !r.is_empty()));
            }
        }
    }
}
