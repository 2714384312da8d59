//! Order-submit throughput and idempotence under load: N applicants, each with a saved draft,
//! submit at once, 16 at a time, and every one of them twice (a double click). Each draft
//! becomes exactly one application with a number of its own. `SUBMIT_LOAD` sets N (60 in the
//! suite; `scripts/bench.sh` sends more to a release build, on SQLite and on PostgreSQL) and
//! the test prints submits per second. `TEST_ENGINE` picks the engine (common::engines).

use crate::common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

use app::domain::application;
use app::domain::draft::Step;
use app::domain::quote;
use app::services::login::UserId;
use futures_util::StreamExt;

const IN_FLIGHT: usize = 16;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_draft_submitted_twice_at_once_makes_one_application() {
    let total: usize = std::env::var("SUBMIT_LOAD")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let dir = tempfile::tempdir().unwrap();
    let server = Arc::new(common::start(dir.path()).await);
    let project = common::applicant::PROJECT;
    let draft = common::applicant::draft(&["张三"]);
    let catalog = server.state.catalog.project(project).unwrap();
    let application =
        application::validate(&draft, catalog, time::macros::date!(2025 - 03 - 01)).unwrap();
    let quote = quote::quote(catalog, &application.selection).unwrap();
    let version = server.state.catalog.version(project).unwrap().to_owned();

    let mut users = Vec::with_capacity(total);
    for i in 0..total {
        let mut index = [0u8; 32];
        index[..8].copy_from_slice(&(i as u64).to_be_bytes());
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (mobile_index, mobile_sealed, created_at, last_login_at,
                                last_login_ip)
             VALUES ($1, $2, 0, 0, '127.0.0.1') RETURNING id",
        )
        .bind(index.to_vec())
        .bind(vec![1u8; 40])
        .fetch_one(server.db.pool())
        .await
        .unwrap();
        let user = UserId(id);
        server
            .state
            .applications
            .save_draft(user, project, &draft, Step::Review)
            .await
            .unwrap();
        users.push(user);
    }

    let started = Instant::now();
    let numbers: Vec<(UserId, String)> =
        futures_util::stream::iter(users.iter().flat_map(|&user| [user, user]))
            .map(|user| {
                let (server, application, quote, version) =
                    (server.clone(), &application, &quote, &version);
                async move {
                    let number = server
                        .state
                        .applications
                        .submit(user, project, application, quote, version)
                        .await
                        .unwrap_or_else(|e| panic!("submit for user {}: {e}", user.0));
                    (user, number)
                }
            })
            .buffer_unordered(IN_FLIGHT)
            .collect()
            .await;
    let elapsed = started.elapsed();
    println!(
        "submit: {total} drafts submitted twice each, {IN_FLIGHT} at a time, on {:?}, in {:.2} s: \
         {:.0} submits/s",
        server.db.engine(),
        elapsed.as_secs_f64(),
        (2 * total) as f64 / elapsed.as_secs_f64(),
    );

    // Both clicks of one applicant got the same number; no two applicants share one.
    let mut by_user = std::collections::BTreeMap::<i64, BTreeSet<String>>::new();
    for (user, number) in &numbers {
        by_user.entry(user.0).or_default().insert(number.clone());
    }
    assert!(by_user.values().all(|n| n.len() == 1), "{by_user:?}");
    let distinct: BTreeSet<&String> = numbers.iter().map(|(_, n)| n).collect();
    assert_eq!(distinct.len(), total);
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM applications")
        .fetch_one(server.db.pool())
        .await
        .unwrap();
    assert_eq!(stored as usize, total);
}
