//! Changes racing through the order service (reading, checking and writing with a
//! compare-and-set): of eight identical reviewer decisions at once, one is recorded and the
//! others are refused as no longer allowed.

use crate::common;

use app::domain::order::{Event, PaymentMethod, Status};
use app::services::orders::{Change, FlagItem, OrderError, Who};
use common::applicant::{self, OWNER};
use common::browser::signed_up;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_identical_decisions_at_once_make_one_change() {
    let rig = common::rig::start().await;
    let server = &rig.server;
    let _browser = signed_up(server, OWNER).await;
    let number = applicant::submit(server, OWNER, &["王喆"]).await;
    let user = applicant::user(server, OWNER).await;
    let orders = server.state.orders.clone();
    orders
        .apply(
            &number,
            Change::new(Event::ReadyToPay, Who::Applicant(user)),
        )
        .await
        .unwrap();
    let mut paid = Change::new(Event::PaidOnline, Who::System);
    paid.payment_method = Some(PaymentMethod::Wechat);
    assert_eq!(
        orders.apply(&number, paid).await.unwrap(),
        Status::AwaitingReview
    );

    let decisions: Vec<_> = (0..8)
        .map(|_| {
            let (orders, number) = (orders.clone(), number.clone());
            tokio::spawn(async move {
                let mut reject = Change::new(
                    Event::Reject,
                    Who::Reviewer {
                        id: 1,
                        name: "张审核".into(),
                    },
                );
                reject.flags = vec![(
                    FlagItem::parse("section:org").unwrap(),
                    "单位信息".into(),
                    "与执照不符".into(),
                )];
                orders.apply(&number, reject).await
            })
        })
        .collect();
    let mut made = 0;
    for decision in decisions {
        match decision.await.unwrap() {
            Ok(status) => {
                assert_eq!(status, Status::Rejected);
                made += 1;
            }
            Err(OrderError::Transition(_)) => {}
            Err(other) => panic!("{other}"),
        }
    }
    assert_eq!(made, 1);
    let events: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM order_events e JOIN applications a ON a.id = e.application_id
         WHERE a.number = $1 AND e.event = 'reject'",
    )
    .bind(&number)
    .fetch_one(server.db.pool())
    .await
    .unwrap();
    assert_eq!(events, 1);
    let flags: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rejection_flags")
        .fetch_one(server.db.pool())
        .await
        .unwrap();
    assert_eq!(flags, 1);
}
