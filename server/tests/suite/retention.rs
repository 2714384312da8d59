//! Retention: abandoned drafts, the SMS outbox and cancelled applications (rows and stored
//! files) are deleted once their period has passed, never before, and nothing of a submitted
//! application still in progress is touched.

use crate::common;

use app::api::orders::OrderAction;
use app::domain::draft::Step;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::applicant::{self, OWNER, PROJECT};
use common::browser::Browser;
use common::browser::server_fn;
use common::rig::{Rig, start};
use leptos::server_fn::ServerFn;
use server::config::Config;
use time::Duration;

const DRAFTER: &str = "13912340001";
const CANCELLER: &str = "13912340002";

impl Rig {
    async fn signed_up(&self, mobile: &str) -> Browser<'_> {
        common::browser::signed_up(&self.server, mobile).await
    }

    async fn run(&self) {
        tokio::time::timeout(
            std::time::Duration::from_secs(10),
            self.server.retention.run(),
        )
        .await
        .expect("the retention run finishes within 10 s")
        .expect("the retention run succeeds");
    }

    /// Files under a storage folder (`uploads`, `identity`), at any depth.
    fn files(&self, folder: &str) -> usize {
        fn walk(path: &std::path::Path) -> usize {
            std::fs::read_dir(path).map_or(0, |entries| {
                entries
                    .flatten()
                    .map(|e| {
                        let path = e.path();
                        if path.is_dir() { walk(&path) } else { 1 }
                    })
                    .sum()
            })
        }
        walk(&self.dir.path().join(folder))
    }
}

#[test]
fn the_periods_default_to_what_the_privacy_policy_states() {
    let config = Config::with_defaults("data");
    assert_eq!(config.draft_retention_days, 90);
    assert_eq!(config.outbox_retention_days, 30);
    assert_eq!(config.cancelled_retention_days, 180);
}

#[tokio::test]
async fn an_abandoned_draft_goes_after_its_period_and_a_submitted_one_stays() {
    let rig = start().await;
    let _drafter = rig.signed_up(DRAFTER).await;
    let drafter = applicant::user(&rig.server, DRAFTER).await;
    let state = &rig.server.state;
    state
        .applications
        .save_draft(drafter, PROJECT, &applicant::draft(&[]), Step::Details)
        .await
        .unwrap();
    rig.clock.advance(Duration::minutes(2));
    let _owner = rig.signed_up(OWNER).await;
    let number = applicant::submit(&rig.server, OWNER, &[]).await;
    let open = "SELECT COUNT(*) FROM drafts WHERE submitted_as IS NULL";

    // Untouched for 89 days: kept. Saving again restarts the period.
    rig.clock.advance(Duration::days(89));
    rig.run().await;
    assert_eq!(rig.count(open).await, 1);
    rig.clock.advance(Duration::days(2));
    rig.run().await;
    assert_eq!(
        rig.count(open).await,
        0,
        "a draft untouched for 91 days is deleted"
    );

    // The submitted application and the draft it was made from are untouched.
    assert_eq!(
        rig.count("SELECT COUNT(*) FROM drafts WHERE submitted_as IS NOT NULL")
            .await,
        1
    );
    assert!(
        state.orders.view(None, &number).await.unwrap().is_some(),
        "the submitted application stays"
    );
}

#[tokio::test]
async fn a_draft_saved_again_starts_its_period_again() {
    let rig = start().await;
    let _drafter = rig.signed_up(DRAFTER).await;
    let drafter = applicant::user(&rig.server, DRAFTER).await;
    let applications = &rig.server.state.applications;
    applications
        .save_draft(drafter, PROJECT, &applicant::draft(&[]), Step::Details)
        .await
        .unwrap();
    rig.clock.advance(Duration::days(60));
    applications
        .save_draft(drafter, PROJECT, &applicant::draft(&[]), Step::Review)
        .await
        .unwrap();
    rig.clock.advance(Duration::days(60));
    rig.run().await;
    assert!(
        applications
            .load_draft(drafter, PROJECT)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn the_sms_outbox_is_emptied_after_its_period() {
    let rig = start().await;
    let _ = rig.signed_up(DRAFTER).await;
    let all = "SELECT COUNT(*) FROM sms_outbox";
    assert!(rig.count(all).await > 0);
    rig.clock.advance(Duration::days(29));
    rig.run().await;
    assert!(rig.count(all).await > 0, "kept within 30 days");
    // A newer message outlives an older one.
    rig.clock.advance(Duration::days(2));
    let _ = rig.signed_up(OWNER).await;
    rig.run().await;
    assert_eq!(
        rig.count_of(
            "SELECT COUNT(*) FROM sms_outbox WHERE mobile_index = $1",
            applicant::mobile_index(&rig.server, DRAFTER).to_vec()
        )
        .await,
        0,
        "the 31-day-old messages are gone"
    );
    assert!(rig.count(all).await > 0, "the new messages stay");
}

/// A phone-step session with one ID photo in the identity storage, as the handoff leaves it.
async fn handoff_with_photo(rig: &Rig, number: &str) {
    let pool = rig.server.db.pool();
    let now = rig.clock_now();
    let application: i64 = sqlx::query_scalar("SELECT id FROM applications WHERE number = $1")
        .bind(number)
        .fetch_one(pool)
        .await
        .unwrap();
    let handoff: i64 = sqlx::query_scalar(
        "INSERT INTO handoffs (application_id, person, subject, stage, created_at,
                               claim_deadline, updated_at)
         VALUES ($1, 'agent', $2, 'id_front_done', $3, $4, 1740794400)
         RETURNING id",
    )
    .bind(application)
    .bind(vec![0u8])
    .bind(now)
    .bind(now + 600)
    .fetch_one(pool)
    .await
    .unwrap();
    let object = format!("ab{handoff:062}");
    sqlx::query(
        "INSERT INTO handoff_files (handoff_id, kind, seq, object, size, width, height, stored_at)
         VALUES ($1, 'id_front', 0, $2, 5, 800, 500, 1740794400)",
    )
    .bind(handoff)
    .bind(&object)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO handoff_steps (handoff_id, kind, at) VALUES ($1, 'opened', 1740794400)",
    )
    .bind(handoff)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO handoff_tokens (token_hash, handoff_id, channel, created_at)
         VALUES ($1, $2, 'qr', $3)",
    )
    .bind(format!("{handoff:032}").into_bytes())
    .bind(handoff)
    .bind(now)
    .execute(pool)
    .await
    .unwrap();
    let folder = rig.dir.path().join("identity").join("ab");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join(&object), b"photo").unwrap();
}

impl Rig {
    fn clock_now(&self) -> i64 {
        use server::clock::Clock;
        self.clock.now().unix_timestamp()
    }

    async fn upload_scan(&self, browser: &Browser<'_>, number: &str, seed: u8) {
        let mut body = b"--retention-test\r\nContent-Disposition: form-data; name=\"file\"; filename=\"scan.png\"\r\nContent-Type: image/png\r\n\r\n".to_vec();
        body.extend_from_slice(&scan_png(seed));
        body.extend_from_slice(b"\r\n--retention-test--\r\n");
        let request = Request::post(format!(
            "/p/soetp/applications/{number}/materials/business_license"
        ))
        .header(header::HOST, "portal.test")
        .header("origin", "http://portal.test")
        .header("sec-fetch-site", "same-origin")
        .header(header::ACCEPT, "application/json")
        .header(
            header::CONTENT_TYPE,
            "multipart/form-data; boundary=retention-test",
        )
        .body(Body::from(body))
        .unwrap();
        let reply = browser.send(request).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
}

fn scan_png(seed: u8) -> Vec<u8> {
    let image = image::RgbImage::from_fn(900, 600, |x, y| {
        image::Rgb([(x % 251) as u8, (y % 241) as u8, seed])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(image)
        .write_to(&mut out, image::ImageOutputFormat::Png)
        .unwrap();
    out.into_inner()
}

#[tokio::test]
async fn a_cancelled_application_and_its_files_go_after_their_period() {
    let rig = start().await;
    let canceller = rig.signed_up(CANCELLER).await;
    let cancelled = applicant::submit(&rig.server, CANCELLER, &[]).await;
    rig.upload_scan(&canceller, &cancelled, 1).await;
    handoff_with_photo(&rig, &cancelled).await;
    let owner = rig.signed_up(OWNER).await;
    let active = applicant::submit(&rig.server, OWNER, &[]).await;
    rig.upload_scan(&owner, &active, 2).await;
    handoff_with_photo(&rig, &active).await;
    assert_eq!(rig.files("identity"), 2);
    assert_eq!(rig.files("uploads"), 2);

    let cancel = canceller
        .send(server_fn(
            OrderAction::PATH,
            &format!("project=soetp&number={cancelled}&action=cancel"),
        ))
        .await;
    assert!(cancel.body.contains("申请已取消"), "{}", cancel.body);

    let gone =
        |number: &str| format!("SELECT COUNT(*) FROM applications WHERE number = '{number}'");
    rig.clock.advance(Duration::days(179));
    rig.run().await;
    assert_eq!(
        rig.count(&gone(&cancelled)).await,
        1,
        "kept within 180 days"
    );
    assert_eq!(rig.files("identity"), 2);

    rig.clock.advance(Duration::days(2));
    rig.run().await;
    assert_eq!(rig.count(&gone(&cancelled)).await, 0);
    for table in [
        "materials",
        "handoffs",
        "handoff_files",
        "handoff_steps",
        "handoff_tokens",
        "order_events",
        "drafts",
    ] {
        assert_eq!(
            rig.count(&format!("SELECT COUNT(*) FROM {table}")).await,
            rig.count(&format!(
                "SELECT COUNT(*) FROM {table} WHERE {}",
                owned_by(table, &active)
            ))
            .await,
            "only the active application's {table} rows are left"
        );
    }
    // The cancelled application's photo is gone from storage; the active one's stays.
    assert_eq!(rig.files("identity"), 1);
    assert_eq!(
        rig.files("uploads"),
        1,
        "the active application's scan stays"
    );
    assert!(
        rig.server
            .state
            .orders
            .view(None, &active)
            .await
            .unwrap()
            .is_some(),
        "the active application is untouched"
    );
}

/// The condition that a row of `table` belongs to application `number`.
fn owned_by(table: &str, number: &str) -> String {
    let app = format!("(SELECT id FROM applications WHERE number = '{number}')");
    match table {
        "drafts" => format!("submitted_as = '{number}'"),
        "handoff_files" | "handoff_steps" | "handoff_tokens" => {
            format!("handoff_id IN (SELECT id FROM handoffs WHERE application_id = {app})")
        }
        _ => format!("application_id = {app}"),
    }
}

/// The agreement texts state the periods the server enforces, the legal retention and the
/// routes to withdraw consent and close the account.
#[test]
fn the_privacy_texts_state_what_the_code_does() {
    let config = Config::with_defaults("data");
    let read = |name: &str| {
        std::fs::read_to_string(common::repo_dir("content/agreements").join(name)).unwrap()
    };
    let privacy = read("privacy.md");
    let sensitive = read("sensitive.md");
    for days in [
        config.draft_retention_days,
        config.outbox_retention_days,
        config.cancelled_retention_days,
        config.identity_retention_days,
    ] {
        assert!(
            privacy.contains(&format!("{days} 天")),
            "privacy.md states {days} 天"
        );
    }
    assert!(
        sensitive.contains(&format!("{} 天", config.identity_retention_days)),
        "sensitive.md states when the photos go"
    );
    for text in [&privacy, &sensitive] {
        for words in ["第二十四条", "个人中心", "撤回同意", "注销账号"] {
            assert!(text.contains(words), "{words} in {text}");
        }
    }
}
