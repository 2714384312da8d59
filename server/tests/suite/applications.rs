//! Consents, drafts and submitted applications, through the services the server wires up.

use crate::common;

use std::net::IpAddr;
use std::sync::Arc;

use app::domain::application::{self, Application};
use app::domain::draft::{Draft, HolderDraft, Step};
use app::domain::money::Fen;
use app::domain::quote::{Quote, QuoteLine};
use app::domain::{credit_code, id_number, org_code};
use app::services::StoreError;
use app::services::consent::Acceptance;
use app::services::login::UserId;
use common::{START, contains, database_bytes};
use server::clock::ManualClock;
use time::Duration;

/// Synthetic data only: ID numbers with computed check digits, a made-up account.
const ACCOUNT: &str = "0502123409100012345";
const ORG: &str = "山西某某科技有限公司";

fn id(body: &str) -> String {
    format!("{body}{}", id_number::calc_check_digit(body).unwrap())
}

/// The legal representative's ID number.
fn legal_id() -> String {
    id("14010519800101123")
}

/// A credit code registered in 太原市小店区, with computed check characters.
fn credit_code() -> String {
    let org = "MA0K3L7P";
    let body = format!("91140105{org}{}", org_code::calc_check_digit(org).unwrap());
    format!("{body}{}", credit_code::calc_check_digit(&body).unwrap())
}

async fn start() -> (tempfile::TempDir, server::Server, Arc<ManualClock>) {
    let dir = tempfile::tempdir().unwrap();
    let (server, clock) = common::start_with(common::config(dir.path())).await;
    (dir, server, clock)
}

async fn user(server: &server::Server, mobile: &str) -> UserId {
    let mobile = app::domain::mobile::validate(mobile).unwrap();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (mobile_index, mobile_sealed, created_at, last_login_at,
                            last_login_ip)
         VALUES ($1, $2, 0, 0, '127.0.0.1') RETURNING id",
    )
    .bind(server::mobiles::index(&server.keys, &mobile).as_slice())
    .bind(server::mobiles::seal(
        &server.keys,
        server::mobiles::USERS,
        &mobile,
    ))
    .fetch_one(server.db.pool())
    .await
    .unwrap();
    UserId(id)
}

/// A complete, valid draft for soetp.
fn draft() -> Draft {
    let mut d = Draft::default();
    d.certs.org_years = Some(1);
    d.certs.holders = vec![HolderDraft {
        name: "王五".into(),
        id_number: id("14010519850101123"),
        mobile: "13812345678".into(),
        years: 2,
    }];
    d.org.name = ORG.into();
    d.org.cert_type = application::USCC.into();
    d.org.credit_code = credit_code();
    d.org.province = "140000".into();
    d.org.city = "140100".into();
    d.org.address = "太原市小店区长风街1号".into();
    d.legal_rep.name = "张三".into();
    d.legal_rep.id_number = legal_id();
    d.legal_rep.mobile = "13812345678".into();
    d.agent.name = "李四".into();
    d.agent.id_number = id("14010519900307124");
    d.agent.mobile = "13912345678".into();
    d.agent.email = "li@example.com".into();
    d.agent.position = "财务经理".into();
    d.bank.account_name = ORG.into();
    d.bank.bank_name = "中国工商银行太原迎泽支行".into();
    d.bank.account_number = ACCOUNT.into();
    d.shipping.province = "140000".into();
    d.shipping.city = "140100".into();
    d.shipping.district = "140105".into();
    d.shipping.address = "太原市小店区长风街1号".into();
    d.shipping.postal_code = "030006".into();
    d
}

/// The checked application, as the submit server function would pass it.
fn application(server: &server::Server, draft: &Draft) -> Application {
    let project = server.state.catalog.project("soetp").unwrap();
    application::validate(draft, project, time::macros::date!(2025 - 03 - 01))
        .expect("the test draft is valid")
}

fn quote() -> Quote {
    Quote {
        lines: vec![QuoteLine {
            label: "机构证书 · 证书服务费".into(),
            detail: "380.00 元/年 × 1 年".into(),
            amount: Fen(38_000),
        }],
        total: Fen(38_000),
    }
}

fn version(server: &server::Server) -> String {
    server.state.catalog.version("soetp").unwrap().to_owned()
}

async fn count(server: &server::Server, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(server.db.pool())
        .await
        .unwrap()
}

// --- consents ---

#[tokio::test]
async fn acceptances_are_recorded_with_time_and_address_and_read_back_latest_first() {
    let (_dir, server, clock) = start().await;
    let me = user(&server, "13812340001").await;
    let other = user(&server, "13812340002").await;
    let consents = &server.state.consents;
    assert!(consents.accepted(me).await.unwrap().is_empty());

    let ip: IpAddr = "203.0.113.7".parse().unwrap();
    let all: Vec<Acceptance> = server
        .state
        .agreements
        .iter()
        .map(|a| Acceptance {
            document: a.id.clone(),
            version: a.version.clone(),
        })
        .collect();
    consents.record(me, &all, ip).await.unwrap();
    clock.advance(Duration::days(30));
    let newer = Acceptance {
        document: "privacy".into(),
        version: "f".repeat(64),
    };
    consents
        .record(me, std::slice::from_ref(&newer), ip)
        .await
        .unwrap();

    let accepted = consents.accepted(me).await.unwrap();
    assert_eq!(accepted.len(), 4, "history is kept");
    assert_eq!(accepted[0], newer);
    assert!(all.iter().all(|a| accepted.contains(a)));
    assert!(consents.accepted(other).await.unwrap().is_empty());

    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT accepted_at, ip FROM consents WHERE document = 'service'")
            .fetch_all(server.db.pool())
            .await
            .unwrap();
    assert_eq!(
        rows,
        vec![(
            server::store::time::to_db(common::START),
            "203.0.113.7".to_owned()
        )]
    );
}

// --- drafts ---

#[tokio::test]
async fn a_draft_round_trips_and_is_encrypted_at_rest() {
    let (dir, server, clock) = start().await;
    let me = user(&server, "13812340001").await;
    let store = &server.state.applications;
    assert_eq!(store.load_draft(me, "soetp").await.unwrap(), None);

    let mut draft = draft();
    let saved_at = store
        .save_draft(me, "soetp", &draft, Step::Choose)
        .await
        .unwrap();
    assert_eq!(saved_at, "2025-03-01T02:00:00.000Z");

    clock.advance(Duration::seconds(5));
    draft.agent.email = "agent@example.com".into();
    store
        .save_draft(me, "soetp", &draft, Step::Details)
        .await
        .unwrap();
    let loaded = store.load_draft(me, "soetp").await.unwrap().unwrap();
    assert_eq!(loaded.draft, draft);
    assert_eq!(loaded.step, Step::Details);
    assert_eq!(loaded.saved_at, "2025-03-01T02:00:05.000Z");
    assert_eq!(loaded.submitted_as, None);
    assert_eq!(
        count(&server, "SELECT COUNT(*) FROM drafts").await,
        1,
        "saved in place"
    );

    // Another user or another project sees nothing.
    let other = user(&server, "13812340002").await;
    assert_eq!(store.load_draft(other, "soetp").await.unwrap(), None);
    assert_eq!(store.load_draft(me, "other-project").await.unwrap(), None);

    let column: Vec<u8> = sqlx::query_scalar("SELECT data FROM drafts")
        .fetch_one(server.db.pool())
        .await
        .unwrap();
    for secret in [legal_id().as_str(), ACCOUNT, "张三", "agent@example.com"] {
        assert!(
            !contains(&column, secret.as_bytes()),
            "{secret} in the column"
        );
    }
    server.db.pool().close().await;
    let bytes = database_bytes(dir.path());
    assert!(!contains(&bytes, legal_id().as_bytes()));
    assert!(!contains(&bytes, ACCOUNT.as_bytes()));
}

#[tokio::test]
async fn a_draft_copied_into_another_users_row_does_not_decrypt() {
    let (_dir, server, _clock) = start().await;
    let me = user(&server, "13812340001").await;
    let other = user(&server, "13812340002").await;
    let store = &server.state.applications;
    store
        .save_draft(me, "soetp", &draft(), Step::Details)
        .await
        .unwrap();
    store
        .save_draft(other, "soetp", &Draft::default(), Step::Choose)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE drafts SET data = (SELECT data FROM drafts WHERE user_id = $1) WHERE user_id = $2",
    )
    .bind(me.0)
    .bind(other.0)
    .execute(server.db.pool())
    .await
    .unwrap();
    assert!(matches!(
        store.load_draft(other, "soetp").await,
        Err(StoreError::Backend(_))
    ));
}

#[tokio::test]
async fn drafts_survive_a_restart_with_the_generated_secret() {
    let dir = tempfile::tempdir().unwrap();
    let config = common::config(dir.path());
    let (first, _) = common::start_with(config.clone()).await;
    let me = user(&first, "13812340001").await;
    first
        .state
        .applications
        .save_draft(me, "soetp", &draft(), Step::Details)
        .await
        .unwrap();
    first.maintenance.abort();
    first.db.pool().close().await;

    let (second, _) = common::start_with(config).await;
    let loaded = second
        .state
        .applications
        .load_draft(me, "soetp")
        .await
        .unwrap();
    assert_eq!(loaded.unwrap().draft, draft());
}

// --- submit ---

#[tokio::test]
async fn submitting_twice_gives_one_application_and_one_number() {
    let (dir, server, clock) = start().await;
    let me = user(&server, "13812340001").await;
    let store = &server.state.applications;
    let draft = draft();
    store
        .save_draft(me, "soetp", &draft, Step::Review)
        .await
        .unwrap();

    let app = application(&server, &draft);
    let number = store
        .submit(me, "soetp", &app, &quote(), &version(&server))
        .await
        .unwrap();
    assert_eq!(number, "SQ202503010001");
    clock.advance(Duration::seconds(3));
    let again = store
        .submit(me, "soetp", &app, &quote(), &version(&server))
        .await
        .unwrap();
    assert_eq!(again, number);
    assert_eq!(count(&server, "SELECT COUNT(*) FROM applications").await, 1);

    let (status, total, quote_json, catalog_version, submitted_at): (
        String,
        i64,
        String,
        String,
        i64,
    ) = sqlx::query_as(
        "SELECT status, total_fen, quote, catalog_version, submitted_at FROM applications",
    )
    .fetch_one(server.db.pool())
    .await
    .unwrap();
    assert_eq!(status, "awaiting_materials");
    assert_eq!(total, 38_000);
    assert_eq!(serde_json::from_str::<Quote>(&quote_json).unwrap(), quote());
    assert_eq!(catalog_version, version(&server));
    assert_eq!(submitted_at, server::store::time::to_db(common::START));

    // The stored application decrypts to what was submitted, and is not readable at rest.
    let stored = server::service::applications::Applications::new(
        Arc::new(server.db.clone()),
        Arc::new(server::crypto::Keys::derive(
            &server::crypto::load_or_create_secret(&common::config(dir.path())).unwrap(),
        )),
        clock.clone(),
    )
    .application_json(&number)
    .await
    .unwrap()
    .unwrap();
    assert_eq!(serde_json::from_slice::<Application>(&stored).unwrap(), app);
    let column: Vec<u8> = sqlx::query_scalar("SELECT data FROM applications")
        .fetch_one(server.db.pool())
        .await
        .unwrap();
    assert!(!contains(&column, legal_id().as_bytes()));
    assert!(!contains(&column, ACCOUNT.as_bytes()));

    // Loading now shows the submitted draft with its number.
    let loaded = store.load_draft(me, "soetp").await.unwrap().unwrap();
    assert_eq!(loaded.submitted_as.as_deref(), Some(number.as_str()));
    assert_eq!(loaded.draft, draft);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_concurrent_submits_make_one_application() {
    let (_dir, server, _clock) = start().await;
    let me = user(&server, "13812340001").await;
    let store = &server.state.applications;
    let draft = draft();
    store
        .save_draft(me, "soetp", &draft, Step::Review)
        .await
        .unwrap();
    let app = application(&server, &draft);
    let version = version(&server);
    let quote = quote();
    let (a, b) = tokio::join!(
        store.submit(me, "soetp", &app, &quote, &version),
        store.submit(me, "soetp", &app, &quote, &version)
    );
    assert_eq!(a.unwrap(), b.unwrap());
    assert_eq!(count(&server, "SELECT COUNT(*) FROM applications").await, 1);
}

#[tokio::test]
async fn submitting_without_a_draft_is_refused() {
    let (_dir, server, _clock) = start().await;
    let me = user(&server, "13812340001").await;
    let result = server
        .state
        .applications
        .submit(
            me,
            "soetp",
            &application(&server, &draft()),
            &quote(),
            &version(&server),
        )
        .await;
    assert!(matches!(result, Err(StoreError::NoDraft)));
}

#[tokio::test]
async fn numbers_run_per_china_day_and_a_submitted_draft_is_closed() {
    let (_dir, server, clock) = start().await;
    let me = user(&server, "13812340001").await;
    let other = user(&server, "13812340002").await;
    let third = user(&server, "13812340003").await;
    let store = &server.state.applications;
    let version = version(&server);
    let mut numbers = Vec::new();
    for (who, at) in [
        (me, START),
        (other, START + Duration::minutes(1)),
        // 00:30 the next day in Beijing, still 1 March in UTC.
        (third, time::macros::datetime!(2025-03-01 16:30 UTC)),
    ] {
        clock.set(at);
        store
            .save_draft(who, "soetp", &draft(), Step::Review)
            .await
            .unwrap();
        numbers.push(
            store
                .submit(
                    who,
                    "soetp",
                    &application(&server, &draft()),
                    &quote(),
                    &version,
                )
                .await
                .unwrap(),
        );
    }
    assert_eq!(
        numbers,
        ["SQ202503010001", "SQ202503010002", "SQ202503020001"]
    );

    let mine = store.list(third).await.unwrap();
    assert_eq!(
        mine.iter().map(|a| a.number.as_str()).collect::<Vec<_>>(),
        ["SQ202503020001"]
    );
    assert_eq!(mine[0].project_id, "soetp");
    assert_eq!(
        mine[0].status,
        app::domain::order::Status::AwaitingMaterials
    );
    assert_eq!(mine[0].total_fen, 38_000);
    assert_eq!(mine[0].submitted_at, "2025-03-01T16:30:00.000Z");
    assert_eq!(store.list(other).await.unwrap().len(), 1);
    assert_eq!(store.list(me).await.unwrap()[0].number, "SQ202503010001");
    assert!(store.list(UserId(999)).await.unwrap().is_empty());

    // After submitting, the draft is closed: a late save is refused with the number.
    let refused = store
        .save_draft(third, "soetp", &Draft::default(), Step::Choose)
        .await;
    assert!(matches!(refused, Err(StoreError::Submitted(n)) if n == "SQ202503020001"));
    let latest = store.load_draft(third, "soetp").await.unwrap().unwrap();
    assert_eq!(latest.submitted_as.as_deref(), Some("SQ202503020001"));
}

#[tokio::test]
async fn the_database_refuses_a_second_application_for_one_draft() {
    let (_dir, server, _clock) = start().await;
    let me = user(&server, "13812340001").await;
    let store = &server.state.applications;
    store
        .save_draft(me, "soetp", &draft(), Step::Review)
        .await
        .unwrap();
    store
        .submit(
            me,
            "soetp",
            &application(&server, &draft()),
            &quote(),
            &version(&server),
        )
        .await
        .unwrap();
    let duplicate = sqlx::query(
        "INSERT INTO applications (number, user_id, project_id, draft_id, status, data, quote,
                                   total_fen, catalog_version, submitted_at, updated_at)
         SELECT 'SQ209912310001', user_id, project_id, draft_id, status, data, quote,
                total_fen, catalog_version, submitted_at, updated_at FROM applications",
    )
    .execute(server.db.pool())
    .await;
    let refused = duplicate.unwrap_err();
    assert!(
        refused
            .as_database_error()
            .is_some_and(|e| e.is_unique_violation()),
        "{refused}"
    );
}
