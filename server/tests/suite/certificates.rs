//! Issued certificates through the real services: production starts → the certificates exist,
//! once; 我的证书 shows them to their owner only, with the day's businesses; the clock moved
//! near expiry opens renewal.

use crate::common;

use app::api::certificates::LoadMyCertificates;
use app::domain::business::Business;
use app::domain::catalog::ProductKind;
use app::domain::certificate::CertState;
use app::domain::order::{Event, Status};
use app::services::certificates::MyCertificate;
use app::services::orders::Change;
use common::applicant::OWNER;
use common::browser::{Browser, server_fn, signed_up};
use common::production;
use common::rig::{Rig, reviewer, start};
use leptos::server_fn::ServerFn;

const OTHER: &str = "13900001111";

impl Rig {
    async fn certificates(&self, number: &str) -> i64 {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM certificates c JOIN applications a ON a.id = c.application_id
             WHERE a.number = $1",
        )
        .bind(number)
        .fetch_one(self.server.db.pool())
        .await
        .unwrap()
    }
}

async fn mine(browser: &Browser<'_>) -> Vec<MyCertificate> {
    let reply = browser
        .send(server_fn(LoadMyCertificates::PATH, "project=soetp"))
        .await;
    serde_json::from_str(&reply.body).unwrap_or_else(|_| panic!("{}", reply.body))
}

#[tokio::test]
async fn starting_production_issues_each_certificate_once_and_its_owner_sees_them() {
    let rig = start().await;
    let (browser, number) = production::accepted(&rig.server, OWNER).await;
    assert!(mine(&browser).await.is_empty());
    assert_eq!(rig.certificates(&number).await, 0);

    let to = production::step(&rig.server, &number, Event::StartProduction, reviewer()).await;
    assert_eq!(to, Status::InProduction);
    // The organisation's certificate and one per holder.
    assert_eq!(rig.certificates(&number).await, 3);

    let list = mine(&browser).await;
    assert_eq!(list.len(), 3);
    let kinds: Vec<ProductKind> = list.iter().map(|m| m.certificate.kind).collect();
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == ProductKind::OrgPersonal)
            .count(),
        2
    );
    let holders: Vec<Option<&str>> = list
        .iter()
        .map(|m| m.certificate.holder.as_deref())
        .collect();
    assert!(holders.contains(&Some("王喆")) && holders.contains(&Some("李娜")));
    for m in &list {
        assert_eq!(m.certificate.order_number, number);
        assert_eq!(m.state, CertState::Valid);
        assert!(m.days_left > 300, "{}", m.days_left);
        let renewal = m
            .offers
            .iter()
            .find(|o| o.business == Business::Renewal)
            .unwrap();
        assert!(
            renewal
                .reason
                .as_deref()
                .unwrap()
                .contains("到期前30日内可续期")
        );
        let cancel = m
            .offers
            .iter()
            .find(|o| o.business == Business::Cancellation)
            .unwrap();
        assert!(cancel.is_open());
    }

    // Another applicant sees none of them.
    let other = signed_up(&rig.server, OTHER).await;
    assert!(mine(&other).await.is_empty());

    // Near the end of the shortest term, renewal opens.
    let shortest = list.iter().map(|m| m.days_left).min().unwrap();
    rig.clock.advance(time::Duration::days(shortest - 10));
    // Months later: a new login.
    drop(browser);
    let browser = signed_up(&rig.server, OWNER).await;
    let soon = mine(&browser).await;
    let first = &soon[0];
    assert_eq!(first.state, CertState::ExpiringSoon);
    assert_eq!(first.days_left, 10);
    assert!(
        first
            .offers
            .iter()
            .find(|o| o.business == Business::Renewal)
            .unwrap()
            .is_open()
    );
}

#[tokio::test]
async fn two_reviewers_starting_production_at_once_issue_one_set() {
    let rig = start().await;
    let (_, number) = production::accepted(&rig.server, OWNER).await;
    let orders = &rig.server.state.orders;
    let (a, b) = tokio::join!(
        orders.apply(&number, Change::new(Event::StartProduction, reviewer())),
        orders.apply(&number, Change::new(Event::StartProduction, reviewer())),
    );
    assert_eq!(a.is_ok() as u8 + b.is_ok() as u8, 1, "{a:?} {b:?}");
    assert_eq!(rig.certificates(&number).await, 3);
}
