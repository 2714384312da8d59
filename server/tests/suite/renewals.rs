//! 续期 through the real services and server functions: closed until the renewal window, one
//! open order per certificate, the price without a medium, paid online or by transfer, then the
//! new term and a notice; another applicant's certificate is refused; a cancelled renewal
//! gives its certificate back.

use crate::common;

use app::api::renewal::{LoadRenewalPage, StartRenewal};
use app::domain::business::renewal::RenewalChoice;
use app::domain::catalog::ProductKind;
use app::domain::order::{Event, PaymentMethod, Status};
use app::services::certificates::MyCertificate;
use app::services::login::UserId;
use app::services::orders::{Change, Who};
use app::services::renewals::{RenewalError, RenewalPage};
use common::applicant::{self, OWNER};
use common::browser::{Browser, server_fn, signed_up};
use common::issued;
use common::production;
use common::rig::{Rig, reviewer, start};
use leptos::server_fn::ServerFn;

const OTHER: &str = "13900001111";

/// Issued certificates, with the clock moved to `days` before the first expiry and the owner
/// signed in again (months have passed).
async fn near_expiry<'a>(rig: &'a Rig, days: i64) -> (Browser<'a>, UserId, Vec<MyCertificate>) {
    let (_, number) = production::accepted(&rig.server, OWNER).await;
    production::issue(&rig.server, &number).await;
    let user = applicant::user(&rig.server, OWNER).await;
    let mine = rig.server.state.certificates.mine(user).await.unwrap();
    let soonest = mine.iter().map(|m| m.days_left).min().unwrap();
    rig.clock.advance(time::Duration::days(soonest - days));
    let browser = signed_up(&rig.server, OWNER).await;
    let mine = rig.server.state.certificates.mine(user).await.unwrap();
    (browser, user, mine)
}

fn org(mine: &[MyCertificate]) -> &MyCertificate {
    mine.iter()
        .find(|m| m.certificate.kind == ProductKind::Org)
        .unwrap()
}

async fn page(browser: &Browser<'_>) -> RenewalPage {
    let reply = browser
        .send(server_fn(LoadRenewalPage::PATH, "project=soetp"))
        .await;
    serde_json::from_str(&reply.body).unwrap_or_else(|_| panic!("{}", reply.body))
}

async fn status(rig: &Rig, number: &str) -> Status {
    rig.server
        .state
        .orders
        .view(None, number)
        .await
        .unwrap()
        .unwrap()
        .status
}

async fn last_notice(rig: &Rig) -> String {
    sqlx::query_scalar("SELECT text FROM sms_outbox WHERE kind = 'notice' ORDER BY id DESC LIMIT 1")
        .fetch_one(rig.server.db.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn renewal_is_closed_until_thirty_days_before_expiry() {
    let rig = start().await;
    let (browser, user, mine) = near_expiry(&rig, 31).await;
    let page = page(&browser).await;
    assert_eq!(page.options.len(), 3);
    assert!(page.options.iter().all(|o| o.reason.is_some()));
    let refused = rig
        .server
        .state
        .renewals
        .open(
            user,
            "soetp",
            &[RenewalChoice {
                certificate_id: org(&mine).certificate.id,
                years: 1,
            }],
        )
        .await;
    assert!(
        matches!(refused, Err(RenewalError::NotOpen(reason)) if reason.contains("到期前30日内可续期"))
    );
}

#[tokio::test]
async fn a_renewal_paid_online_extends_the_term_from_the_old_expiry() {
    let rig = start().await;
    let (browser, user, mine) = near_expiry(&rig, 20).await;
    let org = org(&mine).certificate.clone();
    let page = page(&browser).await;
    let option = page
        .options
        .iter()
        .find(|o| o.certificate.id == org.id)
        .unwrap();
    assert_eq!(option.reason, None);
    assert_eq!(option.terms, [1, 2, 3, 4, 5]);

    // The form as a page posts it: two years for the organisation's certificate only.
    let reply = browser
        .send(server_fn(
            StartRenewal::PATH,
            &format!("project=soetp&years[{}]=2&years[999999]=0", org.id),
        ))
        .await;
    assert_eq!(reply.body.trim(), "null", "{}", reply.body);
    let orders = rig.server.state.orders.list(user).await.unwrap();
    let renewal = orders.first().unwrap();
    assert_eq!(renewal.status, Status::AwaitingPayment);
    assert_eq!(renewal.total_fen, 2 * 38_000);

    // One open renewal per certificate.
    let again = rig
        .server
        .state
        .renewals
        .open(
            user,
            "soetp",
            &[RenewalChoice {
                certificate_id: org.id,
                years: 1,
            }],
        )
        .await;
    assert_eq!(again, Err(RenewalError::Held(renewal.number.clone())));

    let mut paid = Change::new(Event::PaidOnline, Who::System);
    paid.payment_method = Some(PaymentMethod::Wechat);
    let to = rig
        .server
        .state
        .orders
        .apply(&renewal.number, paid)
        .await
        .unwrap();
    assert_eq!(to, Status::Completed);
    assert_eq!(status(&rig, &renewal.number).await, Status::Completed);

    let after = rig.server.state.certificates.mine(user).await.unwrap();
    let renewed = &after
        .iter()
        .find(|m| m.certificate.id == org.id)
        .unwrap()
        .certificate;
    assert_eq!(renewed.validity, org.validity.renewed(org.validity.to, 2));
    assert_eq!(renewed.serial, org.serial);
    let notice = last_notice(&rig).await;
    assert!(
        notice.contains("续期") && notice.contains(&renewal.number),
        "{notice}"
    );
    assert!(notice.contains(&app::domain::certificate::date_label(renewed.validity.to)));
    // The holders' certificates were not part of it.
    for other in after.iter().filter(|m| m.certificate.id != org.id) {
        let before = mine
            .iter()
            .find(|m| m.certificate.id == other.certificate.id);
        assert_eq!(
            Some(&other.certificate.validity),
            before.map(|m| &m.certificate.validity)
        );
    }
}

#[tokio::test]
async fn a_renewal_by_transfer_waits_for_the_reviewer_and_a_cancelled_one_frees_the_certificate() {
    let rig = start().await;
    let (_, user, mine) = near_expiry(&rig, 10).await;
    let person = mine
        .iter()
        .find(|m| m.certificate.kind == ProductKind::OrgPersonal)
        .unwrap()
        .certificate
        .clone();
    let renewals = &rig.server.state.renewals;
    let choice = [RenewalChoice {
        certificate_id: person.id,
        years: 1,
    }];
    let first = renewals.open(user, "soetp", &choice).await.unwrap().number;
    rig.server
        .state
        .orders
        .apply(&first, Change::new(Event::Cancel, Who::Applicant(user)))
        .await
        .unwrap();
    // Cancelled: the certificate may be renewed again.
    let second = renewals.open(user, "soetp", &choice).await.unwrap().number;
    let mut voucher = Change::new(Event::VoucherUploaded, Who::Applicant(user));
    voucher.payment_method = Some(PaymentMethod::BankTransfer);
    let orders = &rig.server.state.orders;
    assert_eq!(
        orders.apply(&second, voucher).await.unwrap(),
        Status::AwaitingTransfer
    );
    assert_eq!(
        orders
            .apply(&second, Change::new(Event::TransferConfirmed, reviewer()))
            .await
            .unwrap(),
        Status::Completed
    );
    // A renewal is never reviewed, produced by hand or shipped.
    assert!(
        orders
            .apply(&second, Change::new(Event::Ship, reviewer()))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn another_applicants_certificate_cannot_be_renewed() {
    let rig = start().await;
    let (_, _, mine) = near_expiry(&rig, 20).await;
    signed_up(&rig.server, OTHER).await;
    let stranger = applicant::user(&rig.server, OTHER).await;
    let refused = rig
        .server
        .state
        .renewals
        .open(
            stranger,
            "soetp",
            &[RenewalChoice {
                certificate_id: org(&mine).certificate.id,
                years: 1,
            }],
        )
        .await;
    assert_eq!(refused, Err(RenewalError::NotFound));
    let nothing = rig.server.state.renewals.open(stranger, "soetp", &[]).await;
    assert_eq!(nothing, Err(RenewalError::NothingChosen));
}

#[tokio::test]
async fn a_renewal_names_each_holder_of_the_certificates_it_renews_in_their_order() {
    let rig = start().await;
    let (_, user, mine) = near_expiry(&rig, 20).await;
    let by_holder = |name: &str| {
        mine.iter()
            .find(|m| m.certificate.holder.as_deref() == Some(name))
            .unwrap()
            .certificate
            .id
    };
    // The second holder first, then the organisation's certificate: the order keeps that.
    let number = rig
        .server
        .state
        .renewals
        .open(
            user,
            "soetp",
            &[
                RenewalChoice {
                    certificate_id: by_holder("李娜"),
                    years: 2,
                },
                RenewalChoice {
                    certificate_id: org(&mine).certificate.id,
                    years: 1,
                },
            ],
        )
        .await
        .unwrap()
        .number;
    let renewal = rig
        .server
        .state
        .applications
        .submitted(user, &number)
        .await
        .unwrap()
        .unwrap()
        .application;
    let kinds: Vec<(ProductKind, u8)> = renewal
        .selection
        .certs
        .iter()
        .map(|c| (c.kind, c.years))
        .collect();
    assert_eq!(
        kinds,
        [(ProductKind::OrgPersonal, 2), (ProductKind::Org, 1)]
    );
    let holders: Vec<(&str, u8)> = renewal
        .holders
        .iter()
        .map(|h| (h.name.as_str(), h.years))
        .collect();
    assert_eq!(holders, [("李娜", 2)]);
}

#[tokio::test]
async fn a_certificate_expired_over_a_year_is_checked_and_reviewed_before_it_is_paid() {
    let rig = start().await;
    let (_, user, mine) = near_expiry(&rig, 0).await;
    let org = org(&mine).certificate.clone();
    // Past the longest term by more than a year.
    rig.clock.advance(time::Duration::days(6 * 366));
    let browser = signed_up(&rig.server, OWNER).await;
    let page = page(&browser).await;
    let option = page
        .options
        .iter()
        .find(|o| o.certificate.id == org.id)
        .unwrap();
    assert!(option.needs_checks);
    assert_eq!(option.reason, None);

    // The order starts with the scans: the answer leads to the materials page.
    let reply = browser
        .send(server_fn(
            StartRenewal::PATH,
            &format!("project=soetp&years[{}]=1", org.id),
        ))
        .await;
    let location = reply.headers.get("location").unwrap().to_str().unwrap();
    assert!(location.ends_with("/materials"), "{location}");
    let orders = rig.server.state.orders.list(user).await.unwrap();
    let renewal = orders.first().unwrap();
    let number = renewal.number.clone();
    assert_eq!(renewal.status, Status::AwaitingMaterials);
    assert_eq!(renewal.total_fen, 38_000);
    // Nothing can be paid before review.
    let mut paid = Change::new(Event::PaidOnline, Who::System);
    paid.payment_method = Some(PaymentMethod::Wechat);
    assert!(
        rig.server
            .state
            .orders
            .apply(&number, paid.clone())
            .await
            .is_err()
    );

    let to = production::step(
        &rig.server,
        &number,
        Event::ReadyToPay,
        Who::Applicant(user),
    )
    .await;
    assert_eq!(to, Status::AwaitingReview);
    assert!(last_notice(&rig).await.contains("已提交核验"));
    let to = production::step(&rig.server, &number, Event::Approve, reviewer()).await;
    assert_eq!(to, Status::AwaitingPayment);
    let notice = last_notice(&rig).await;
    assert!(
        notice.contains("支付续期费用") && notice.contains(&number),
        "{notice}"
    );

    // Paid: renewed from today, as the certificate had expired.
    let to = rig.server.state.orders.apply(&number, paid).await.unwrap();
    assert_eq!(to, Status::Completed);
    let renewed = issued::mine(&rig, user)
        .await
        .into_iter()
        .find(|c| c.id == org.id)
        .unwrap();
    let today = server::clock::china_date(server::clock::Clock::now(rig.clock.as_ref()));
    assert_eq!(renewed.validity, org.validity.renewed(today, 1));
    assert_eq!(renewed.serial, org.serial);
}
