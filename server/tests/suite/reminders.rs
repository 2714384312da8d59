//! Expiry reminders through the real services: certificates issued at production, the clock
//! moved toward their expiry, the job run as the maintenance task runs it; the texts read from
//! the local outbox.

use crate::common;

use std::sync::Arc;

use app::domain::mobile::Mobile;
use app::services::sms::{SmsError, SmsKind, SmsSender};
use common::applicant::{self, OWNER, PERSON_MOBILE};
use common::production;
use common::rig::{Rig, start};
use server::service::reminders::{Reminders, RunReport};
use time::macros::{date, time};
use time::{Date, Duration};

/// The last valid day of a one-year certificate issued on [`common::START`].
const EXPIRY: Date = date!(2026 - 02 - 28);
const PUBLIC_URL: &str = "http://127.0.0.1:3000";

impl Rig {
    /// 10:00 in Beijing, `days` before the last valid day.
    fn days_before(&self, days: i64) {
        let day = EXPIRY - Duration::days(days);
        self.clock.set(
            day.with_time(time!(10:00))
                .assume_offset(server::clock::CHINA),
        );
    }

    async fn remind(&self) -> RunReport {
        self.server.reminders.run().await.unwrap()
    }

    /// The reminders in the outbox, oldest first: to whom (the mobile's index) and the text.
    async fn reminders(&self) -> Vec<(Vec<u8>, String)> {
        sqlx::query_as(
            "SELECT mobile_index, text FROM sms_outbox WHERE kind = 'reminder' ORDER BY id",
        )
        .fetch_all(self.server.db.pool())
        .await
        .unwrap()
    }

    async fn issued(&self, mobile: &str) -> String {
        // The tests run the job themselves; the server's own loop would race them for the
        // reminders once the clock is moved.
        self.server.maintenance.abort();
        let (_, number) = production::accepted(&self.server, mobile).await;
        production::issue(&self.server, &number).await;
        number
    }
}

fn sent(n: usize) -> RunReport {
    RunReport { sent: n, failed: 0 }
}

#[tokio::test]
async fn each_certificate_is_reminded_30_and_7_days_before_expiry_once() {
    let rig = start().await;
    let number = rig.issued(OWNER).await;
    let signature = &rig
        .server
        .state
        .catalog
        .project("soetp")
        .unwrap()
        .sms_signature;

    rig.days_before(31);
    assert_eq!(rig.remind().await, sent(0));
    rig.days_before(30);
    // The organisation's certificate and one per holder, each to the agent.
    assert_eq!(rig.remind().await, sent(3));
    let texts = rig.reminders().await;
    assert_eq!(texts.len(), 3);
    let agent = applicant::mobile_index(&rig.server, OWNER);
    let serials = rig.serials(&number).await;
    for ((to, text), serial) in texts.iter().zip(&serials) {
        assert_eq!(to.as_slice(), agent.as_slice());
        assert!(text.starts_with(signature.as_str()), "{text}");
        assert!(text.contains("将于2026年2月28日到期（还有30天）"), "{text}");
        assert!(text.contains(&format!("{PUBLIC_URL}/p/soetp/me")), "{text}");
        assert!(
            text.contains(&format!("序列号尾号 {}", &serial[serial.len() - 6..])),
            "{text}"
        );
        assert!(!text.contains(&applicant::agent_id_number()), "{text}");
        assert!(!text.contains("1401051985"), "an ID number: {text}");
    }
    assert!(texts[0].1.contains("您单位在“"), "{}", texts[0].1);
    assert!(texts[0].1.contains("的机构证书（"), "{}", texts[0].1);
    assert!(texts[1].1.contains("您单位王喆在“"), "{}", texts[1].1);
    assert!(texts[2].1.contains("您单位李娜在“"), "{}", texts[2].1);
    assert!(texts[2].1.contains("的机构个人证书（"), "{}", texts[2].1);

    // Once: not again the same day, nor on the days after.
    assert_eq!(rig.remind().await, sent(0));
    rig.days_before(29);
    assert_eq!(rig.remind().await, sent(0));
    rig.days_before(7);
    assert_eq!(rig.remind().await, sent(3));
    let texts = rig.reminders().await;
    assert_eq!(texts.len(), 6);
    assert!(texts[3..].iter().all(|(_, t)| t.contains("（还有7天）")));
    assert_eq!(rig.remind().await, sent(0));
    rig.days_before(0);
    assert_eq!(rig.remind().await, sent(0));
    rig.days_before(-1);
    assert_eq!(rig.remind().await, sent(0));
    assert_eq!(rig.reminders().await.len(), 6);
}

#[tokio::test]
async fn a_missed_reminder_gives_way_to_the_next_one() {
    let rig = start().await;
    // A certificate issued 20 days before its expiry never gets the 30-day reminder.
    let late = rig.issued(OWNER).await;
    sqlx::query(
        "UPDATE certificates SET valid_to = $1
         WHERE application_id = (SELECT id FROM applications WHERE number = $2)",
    )
    .bind(server::store::time::day_to_db(date!(2025 - 03 - 21)))
    .bind(&late)
    .execute(rig.server.db.pool())
    .await
    .unwrap();
    assert_eq!(rig.remind().await, sent(0));
    rig.clock.advance(Duration::days(13));
    assert_eq!(rig.remind().await, sent(3));
    let texts = rig.reminders().await;
    assert!(
        texts
            .iter()
            .all(|(_, t)| t.contains("2025年3月21日到期（还有7天）"))
    );

    // No instance ran from 31 to 6 days before expiry: the 7-day reminder only, not both.
    let rig = start().await;
    rig.issued(OWNER).await;
    rig.days_before(31);
    assert_eq!(rig.remind().await, sent(0));
    rig.days_before(6);
    assert_eq!(rig.remind().await, sent(3));
    assert!(
        rig.reminders()
            .await
            .iter()
            .all(|(_, t)| t.contains("（还有6天）"))
    );
    assert_eq!(rig.remind().await, sent(0));
}

#[tokio::test]
async fn a_natural_persons_certificate_is_reminded_to_their_own_mobile() {
    let rig = start().await;
    common::browser::signed_up(&rig.server, PERSON_MOBILE).await;
    let number = applicant::submit_natural_person(&rig.server, PERSON_MOBILE).await;
    production::accept(&rig.server, PERSON_MOBILE, &number).await;
    production::issue(&rig.server, &number).await;
    rig.days_before(30);
    assert_eq!(rig.remind().await, sent(1));
    let texts = rig.reminders().await;
    let (to, text) = &texts[0];
    assert_eq!(
        to.as_slice(),
        applicant::mobile_index(&rig.server, PERSON_MOBILE).as_slice()
    );
    assert!(text.contains("您在“"), "{text}");
    assert!(text.contains("的自然人证书（"), "{text}");
    assert!(text.contains(&format!("{PUBLIC_URL}/p/{}/me", applicant::PERSON_PROJECT)));
    assert!(!text.contains(&applicant::person_id_number()), "{text}");
}

#[tokio::test]
async fn two_runs_at_once_send_each_reminder_once() {
    let rig = start().await;
    rig.issued(OWNER).await;
    rig.days_before(30);
    let reminders = &rig.server.reminders;
    let (a, b) = tokio::join!(reminders.run(), reminders.run());
    assert_eq!(a.unwrap().sent + b.unwrap().sent, 3);
    assert_eq!(rig.reminders().await.len(), 3);
}

/// A provider that sends nothing.
struct Down;

#[async_trait::async_trait]
impl SmsSender for Down {
    async fn send(&self, _: &Mobile, _: SmsKind, _: &str) -> Result<(), SmsError> {
        Err(SmsError("provider down".into()))
    }
}

#[tokio::test]
async fn a_reminder_whose_sms_failed_is_sent_by_the_next_run() {
    let rig = start().await;
    rig.issued(OWNER).await;
    rig.days_before(30);
    let down = Reminders::new(
        Arc::new(rig.server.db.clone()),
        rig.server.state.applications.clone(),
        Arc::new(Down),
        rig.server.state.catalog.clone(),
        rig.clock.clone(),
        PUBLIC_URL.into(),
    );
    assert_eq!(down.run().await.unwrap(), RunReport { sent: 0, failed: 3 });
    assert!(rig.reminders().await.is_empty());
    assert_eq!(rig.remind().await, sent(3));
    assert_eq!(rig.reminders().await.len(), 3);
}
