//! `server copy-to`: a SQLite installation moved into PostgreSQL keeps its applicants, their
//! encrypted applications and their numbers, and goes on numbering and storing afterwards.

use crate::common;

use app::domain::application;
use app::domain::draft::Step;
use app::domain::quote;
use app::services::login::UserId;
use server::config::Config;

async fn applicant(server: &server::Server, n: u8) -> UserId {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (mobile_index, mobile_sealed, created_at, last_login_at, last_login_ip)
         VALUES ($1, $2, 0, 0, '127.0.0.1') RETURNING id",
    )
    .bind(vec![n; 32])
    .bind(vec![1u8; 40])
    .fetch_one(server.db.pool())
    .await
    .unwrap();
    UserId(id)
}

async fn submit(server: &server::Server, user: UserId) -> String {
    let project = common::applicant::PROJECT;
    let draft = common::applicant::draft(&["张三"]);
    let catalog = server.state.catalog.project(project).unwrap();
    let application =
        application::validate(&draft, catalog, time::macros::date!(2025 - 03 - 01)).unwrap();
    let quote = quote::quote(catalog, &application.selection).unwrap();
    let applications = &server.state.applications;
    applications
        .save_draft(user, project, &draft, Step::Review)
        .await
        .unwrap();
    applications
        .submit(
            user,
            project,
            &application,
            &quote,
            server.state.catalog.version(project).unwrap(),
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn a_sqlite_installation_moves_to_postgresql_and_carries_on() {
    let Some(target) = common::engines::postgres_if_available() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Config {
        database_url: None,
        ..common::config(dir.path())
    };
    let (before, _) = common::start_with(sqlite.clone()).await;
    let first = applicant(&before, 1).await;
    let number = submit(&before, first).await;
    before.maintenance.abort();
    before.db.close().await;
    drop(before);

    let copied = server::store::copy::copy(&sqlite.database_url(), &target)
        .await
        .unwrap();
    let count = |table: &str| copied.iter().find(|(t, _)| *t == table).unwrap().1;
    assert_eq!(
        (count("users"), count("applications"), count("drafts")),
        (1, 1, 1)
    );

    // The same data folder (the same secret key) on PostgreSQL.
    let (after, _) = common::start_with(Config {
        database_url: Some(target.clone()),
        ..sqlite
    })
    .await;
    let mine = after.state.applications.list(first).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].number, number);
    let opened = after
        .state
        .applications
        .submitted(first, &number)
        .await
        .unwrap()
        .expect("the copied application decrypts");
    assert_eq!(opened.number, number);

    // New rows get ids past the copied ones, and numbering goes on from the copied day.
    let second = applicant(&after, 2).await;
    assert!(second.0 > first.0);
    let next = submit(&after, second).await;
    assert!(next > number, "{next} after {number}");

    // A second copy into a database that already holds rows is refused.
    let again = server::store::copy::copy(
        &format!("sqlite://{}", dir.path().join("portal.db").display()),
        &target,
    )
    .await;
    assert!(again.is_err());
}
