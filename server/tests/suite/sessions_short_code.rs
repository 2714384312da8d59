//! The phone step's short codes: one address gets ten wrong guesses per window, exactly,
//! however many it sends at once.

use crate::common;

use std::net::IpAddr;

use app::services::handoff::{HandoffError, HandoffService};
use server::service::handoff::CODE_FAILURES_PER_WINDOW;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_wrong_codes_get_exactly_the_allowed_guesses() {
    let dir = tempfile::tempdir().unwrap();
    let (server, clock) = common::start_with(common::config(dir.path())).await;
    let ip: IpAddr = "198.51.100.9".parse().unwrap();
    let guesses = (0..30).map(|i| {
        let handoff = server.handoff.clone();
        tokio::spawn(async move {
            handoff
                .redeem_code(&format!("{:06}", 100_000 + i), ip)
                .await
        })
    });
    let answers = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        futures_util::future::join_all(guesses),
    )
    .await
    .expect("thirty guesses answer within a minute");
    let (mut unknown, mut limited) = (0, 0);
    for answer in answers {
        match answer.unwrap() {
            Err(HandoffError::CodeUnknown) => unknown += 1,
            Err(HandoffError::CodeLimit { secs }) => {
                assert!(secs > 0);
                limited += 1;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(unknown, CODE_FAILURES_PER_WINDOW, "guesses checked");
    assert_eq!(limited, 30 - CODE_FAILURES_PER_WINDOW);
    let recorded: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM handoff_code_failures")
        .fetch_one(server.db.pool())
        .await
        .unwrap();
    assert_eq!(recorded, CODE_FAILURES_PER_WINDOW);

    // Another address is not held up; this one is, until the window has passed.
    let other: IpAddr = "198.51.100.10".parse().unwrap();
    assert!(matches!(
        server.handoff.redeem_code("123456", other).await,
        Err(HandoffError::CodeUnknown)
    ));
    clock.advance(time::Duration::minutes(16));
    assert!(matches!(
        server.handoff.redeem_code("123456", ip).await,
        Err(HandoffError::CodeUnknown)
    ));
    server.maintenance.abort();
}
