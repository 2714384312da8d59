//! 介质补办 through the real services and server functions: the medium fee alone, an order that
//! reads as the one certificate and holds it, the way of a new application to production, then
//! a new certificate with the old term and the old one revoked; another applicant's
//! certificate is not found; a cancelled replacement gives its certificate back.

use crate::common;

use app::api::replacement::{LoadReplacementPage, ReplacementPageData, StartReplacement};
use app::domain::business::Business;
use app::domain::catalog::ProductKind;
use app::domain::certificate::{CertStatus, Certificate};
use app::domain::order::{Event, Status};
use app::services::login::UserId;
use app::services::orders::{Change, Who};
use app::services::replacements::{ReplacementError, ReplacementPage};
use axum::http::header;
use common::applicant::OWNER;
use common::browser::{Browser, server_fn, signed_up};
use common::issued;
use common::production;
use common::rig::{Rig, start};
use leptos::server_fn::ServerFn;

const OTHER: &str = "13900001111";

/// The owner's issued certificates, and the org-personal one of the second holder.
async fn issued(rig: &Rig) -> (Browser<'_>, UserId, Certificate) {
    let (browser, user, mine) = issued::certificates(rig).await;
    (browser, user, issued::held_by(&mine, "李娜"))
}

async fn page(browser: &Browser<'_>, id: i64) -> ReplacementPage {
    let data: ReplacementPageData = issued::page_data(browser, LoadReplacementPage::PATH, id).await;
    assert_eq!(data.refused, None);
    data.page
}

/// Posts the page's form; the redirect's target, or the reason shown.
async fn start_replacement(browser: &Browser<'_>, id: &str) -> Result<String, String> {
    let reply = browser
        .send(server_fn(
            StartReplacement::PATH,
            &format!("project=soetp&id={id}"),
        ))
        .await;
    match reply.headers.get(header::LOCATION) {
        Some(to) => Ok(to.to_str().unwrap().to_owned()),
        None => Err(reply.body),
    }
}

async fn replacement_orders(rig: &Rig) -> i64 {
    issued::orders_of(rig, "replacement").await
}

#[tokio::test]
async fn a_new_key_keeps_the_term_and_revokes_the_old_certificate() {
    let rig = start().await;
    let (browser, user, old) = issued(&rig).await;
    let page = page(&browser, old.id).await;
    assert_eq!(page.refusal, None);
    let quote = page.quote.unwrap();
    assert_eq!(quote.total.0, 10_000);
    assert_eq!(quote.lines[0].label, "机构个人证书 · 李娜 · 介质费");

    let location = start_replacement(&browser, &old.id.to_string())
        .await
        .unwrap();
    assert!(location.ends_with("/materials"), "{location}");
    let number = issued::number_in(&location);

    // The order reads as the one certificate and its holder, at the medium fee.
    let order = rig
        .server
        .state
        .orders
        .view(Some(user), &number)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(order.business, Business::Replacement);
    assert_eq!(order.status, Status::AwaitingMaterials);
    assert_eq!(order.total_fen, 10_000);
    let submitted = rig
        .server
        .state
        .applications
        .submitted(user, &number)
        .await
        .unwrap()
        .unwrap();
    let certs = &submitted.application.selection.certs;
    assert_eq!(certs.len(), 1);
    assert_eq!(certs[0].kind, ProductKind::OrgPersonal);
    let holders: Vec<&str> = submitted
        .application
        .holders
        .iter()
        .map(|h| h.name.as_str())
        .collect();
    assert_eq!(holders, ["李娜"]);

    // One open business per certificate.
    let again = start_replacement(&browser, &old.id.to_string())
        .await
        .unwrap_err();
    assert!(again.contains(&number), "{again}");
    assert_eq!(replacement_orders(&rig).await, 1);

    // The way of a new application, then production issues the new key's certificate.
    production::accept(&rig.server, OWNER, &number).await;
    production::issue(&rig.server, &number).await;

    let mine = rig.server.state.certificates.mine(user).await.unwrap();
    let before = mine.iter().find(|m| m.certificate.id == old.id).unwrap();
    assert_eq!(before.certificate.status, CertStatus::Revoked);
    assert!(before.offers.iter().all(|o| !o.is_open()));
    let new = mine
        .iter()
        .map(|m| &m.certificate)
        .find(|c| c.order_number == number)
        .unwrap();
    assert_eq!(new.status, CertStatus::Valid);
    assert_eq!(new.validity, old.validity);
    assert_eq!(new.holder.as_deref(), Some("李娜"));
    assert_eq!(new.kind, ProductKind::OrgPersonal);
    assert_ne!(new.serial, old.serial);
    assert_eq!(mine.len(), 4);

    // The new certificate is free for the next business: the hold went with the old one.
    let next = rig
        .server
        .state
        .replacements
        .open(user, "soetp", new.id)
        .await;
    assert!(next.is_ok(), "{next:?}");
}

#[tokio::test]
async fn another_applicants_certificate_is_not_found_and_nothing_is_written() {
    let rig = start().await;
    let (_, _, old) = issued(&rig).await;
    let other = signed_up(&rig.server, OTHER).await;
    let refused = start_replacement(&other, &old.id.to_string())
        .await
        .unwrap_err();
    assert!(
        refused.contains(&ReplacementError::NotFound.to_string()),
        "{refused}"
    );
    let garbled = start_replacement(&other, "abc").await.unwrap_err();
    assert!(!garbled.contains("SQ"), "{garbled}");
    let reply = other
        .send(server_fn(
            LoadReplacementPage::PATH,
            &format!("project=soetp&id={}", old.id),
        ))
        .await;
    assert!(!reply.status.is_success());
    assert_eq!(replacement_orders(&rig).await, 0);
}

#[tokio::test]
async fn a_cancelled_replacement_gives_its_certificate_back() {
    let rig = start().await;
    let (browser, user, old) = issued(&rig).await;
    let first = issued::number_in(
        &start_replacement(&browser, &old.id.to_string())
            .await
            .unwrap(),
    );
    let to = rig
        .server
        .state
        .orders
        .apply(&first, Change::new(Event::Cancel, Who::Applicant(user)))
        .await
        .unwrap();
    assert_eq!(to, Status::Cancelled);
    let second = start_replacement(&browser, &old.id.to_string())
        .await
        .unwrap();
    assert_ne!(issued::number_in(&second), first);
}
