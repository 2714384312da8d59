//! 信息变更 through the real services and server functions: the details as they stand, each
//! typed value checked by the form's rules with the message at its field and nothing written,
//! nothing changed refused, then an order with the new details at the change fee that goes the
//! way of a new application and ends in a certificate with the new details and the old term,
//! the old one revoked; another applicant's certificate is not found.

use crate::common;

use app::api::change::{ChangePageData, ChangeReply, LoadChangePage, StartChange};
use app::domain::catalog::ProductKind;
use app::domain::certificate::{CertStatus, Certificate};
use app::services::changes::{ChangeError, ChangePage};
use app::services::login::UserId;
use axum::http::header;
use common::applicant::OWNER;
use common::browser::{Browser, server_fn, signed_up};
use common::issued;
use common::production;
use common::rig::{Rig, start};
use leptos::server_fn::ServerFn;

const OTHER: &str = "13900001111";
const NEW_NAME: &str = "山西新名称科技有限公司";

/// The owner's issued certificates: the organisation's, and the second holder's.
async fn issued(rig: &Rig) -> (Browser<'_>, UserId, Certificate, Certificate) {
    let (browser, user, mine) = issued::certificates(rig).await;
    let org = mine
        .iter()
        .find(|c| c.kind == ProductKind::Org)
        .unwrap()
        .clone();
    (browser, user, org, issued::held_by(&mine, "李娜"))
}

async fn page(browser: &Browser<'_>, id: i64) -> ChangePage {
    let data: ChangePageData = issued::page_data(browser, LoadChangePage::PATH, id).await;
    data.page
}

/// Posts the form with `values` (field id, text); the redirect's target, or the refusal.
async fn post(
    browser: &Browser<'_>,
    id: i64,
    values: &[(&str, &str)],
) -> Result<String, ChangeReply> {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("project", "soetp")
        .append_pair("id", &id.to_string());
    for (field, value) in values {
        form.append_pair(&format!("values[{field}]"), value);
    }
    let body = form.finish();
    let reply = browser.send(server_fn(StartChange::PATH, &body)).await;
    match reply.headers.get(header::LOCATION) {
        Some(to) => Ok(to.to_str().unwrap().to_owned()),
        None => {
            let refused: Option<ChangeReply> =
                serde_json::from_str(&reply.body).unwrap_or_else(|_| panic!("{}", reply.body));
            Err(refused.unwrap())
        }
    }
}

async fn change_orders(rig: &Rig) -> i64 {
    issued::orders_of(rig, "change").await
}

#[tokio::test]
async fn a_new_name_is_checked_ordered_and_issued_with_the_old_term() {
    let rig = start().await;
    let (browser, user, org, _) = issued(&rig).await;
    let page = page(&browser, org.id).await;
    assert_eq!(page.refusal, None);
    assert_eq!(page.quote.unwrap().total.0, 15_000);
    let labels: Vec<&str> = page.sections.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(labels, ["单位信息", "法定代表人信息"]);
    // The holders' certificates name the organisation too: the page points to each.
    let siblings: Vec<Option<&str>> = page.siblings.iter().map(|c| c.holder.as_deref()).collect();
    assert_eq!(siblings.len(), 2, "{siblings:?}");
    assert!(siblings.contains(&Some("王喆")) && siblings.contains(&Some("李娜")));
    let name = &page.sections[0].fields[0];
    assert_eq!(
        (name.id.as_str(), name.value.as_str()),
        ("org-name", org.subject.as_str())
    );

    // A wrong value is said at its field; nothing changed is refused; neither writes anything.
    let wrong = post(
        &browser,
        org.id,
        &[
            ("org-name", NEW_NAME),
            ("org-credit-code", "91140105MA0K3L7P0X"),
        ],
    )
    .await
    .unwrap_err();
    assert_eq!(wrong.errors.len(), 1, "{wrong:?}");
    assert_eq!(wrong.errors[0].0, "org-credit-code");
    assert_eq!(
        wrong.values.get("org-name").map(String::as_str),
        Some(NEW_NAME)
    );
    let same = post(&browser, org.id, &[("org-name", &org.subject)])
        .await
        .unwrap_err();
    assert_eq!(same.message, Some(ChangeError::NothingChanged.to_string()));
    assert_eq!(change_orders(&rig).await, 0);

    let location = post(&browser, org.id, &[("org-name", NEW_NAME)])
        .await
        .unwrap();
    assert!(location.ends_with("/materials"), "{location}");
    let number = issued::number_in(&location);
    let submitted = rig
        .server
        .state
        .applications
        .submitted(user, &number)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(submitted.application.applicant_name(), NEW_NAME);
    // The account name was the organisation's name: it follows.
    assert_eq!(submitted.application.bank_account().0, NEW_NAME);
    assert_eq!(submitted.application.selection.certs.len(), 1);
    let order = rig
        .server
        .state
        .orders
        .view(Some(user), &number)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(order.total_fen, 15_000);

    // One open business per certificate.
    let again = post(
        &browser,
        org.id,
        &[("org-name", "山西又一名称科技有限公司")],
    )
    .await
    .unwrap_err();
    assert!(again.message.unwrap().contains(&number));

    // The printed form ticks 变更 and shows the name before and after.
    let form = issued::document_text(&browser, &number, "application-form").await;
    assert!(form.contains("■变更"), "{form}");
    assert!(
        form.contains(&format!("单位信息机构名称{}{NEW_NAME}", org.subject)),
        "{form}"
    );

    production::accept(&rig.server, OWNER, &number).await;
    production::issue(&rig.server, &number).await;
    let mine = rig.server.state.certificates.mine(user).await.unwrap();
    let old = mine.iter().find(|m| m.certificate.id == org.id).unwrap();
    assert_eq!(old.certificate.status, CertStatus::Revoked);
    let new = mine
        .iter()
        .map(|m| &m.certificate)
        .find(|c| c.order_number == number)
        .unwrap();
    assert_eq!(new.subject, NEW_NAME);
    assert_eq!(new.validity, org.validity);
    assert_eq!(new.status, CertStatus::Valid);
}

#[tokio::test]
async fn a_holders_new_details_reach_the_new_certificate() {
    let rig = start().await;
    let (browser, user, _, second) = issued(&rig).await;
    let page = page(&browser, second.id).await;
    assert_eq!(page.sections[0].label, "证书持有人信息");
    assert_eq!(page.sections[0].fields[0].value, "李娜");
    let wrong = post(&browser, second.id, &[("holders-0-mobile", "1381234")])
        .await
        .unwrap_err();
    assert_eq!(wrong.errors[0].0, "holders-0-mobile");
    let number = issued::number_in(
        &post(
            &browser,
            second.id,
            &[
                ("holders-0-name", "李娜娜"),
                ("holders-0-mobile", "13712345678"),
            ],
        )
        .await
        .unwrap(),
    );
    production::accept(&rig.server, OWNER, &number).await;
    production::issue(&rig.server, &number).await;
    let mine = rig.server.state.certificates.mine(user).await.unwrap();
    let new = mine
        .iter()
        .map(|m| &m.certificate)
        .find(|c| c.order_number == number)
        .unwrap();
    assert_eq!(new.holder.as_deref(), Some("李娜娜"));
    assert_eq!(new.kind, ProductKind::OrgPersonal);
}

#[tokio::test]
async fn another_applicants_certificate_is_not_found_and_nothing_is_written() {
    let rig = start().await;
    let (_, _, org, _) = issued(&rig).await;
    let other = signed_up(&rig.server, OTHER).await;
    let refused = post(&other, org.id, &[("org-name", NEW_NAME)])
        .await
        .unwrap_err();
    assert_eq!(refused.message, Some(ChangeError::NotFound.to_string()));
    let reply = other
        .send(server_fn(
            LoadChangePage::PATH,
            &format!("project=soetp&id={}", org.id),
        ))
        .await;
    assert!(!reply.status.is_success());
    assert_eq!(change_orders(&rig).await, 0);
}
