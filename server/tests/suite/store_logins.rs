//! The login repository (captchas, codes and their limits, users, window tickets, legacy
//! numbers) on both engines; and two login services sharing one database.

use crate::common;

use std::net::IpAddr;
use std::sync::Arc;

use app::domain::mobile;
use app::services::login::{LoginError, LoginService};
use app::services::sms::Outbox;
use server::clock::ManualClock;
use server::config::SecretKey;
use server::crypto::Keys;
use server::service::login::{LoginSettings, Logins};
use server::store::logins::{CodeLimits, CodeTry, LoginRepo, NewCode, Reserved, Verified};
use server::store::{Db, Engine};
use server::vendor::sms::SmsProvider;

const NOW: i64 = 1_740_794_400;
const IP: &str = "203.0.113.7";

const LIMITS: CodeLimits = CodeLimits {
    resend_after: 60,
    daily: 3,
    day_start: NOW - 3600,
    ip_hourly: 4,
};

fn index(n: u8) -> Vec<u8> {
    vec![n; 32]
}

fn code<'a>(mobile_index: &'a [u8], ip_key: &'a str, now: i64) -> NewCode<'a> {
    NewCode {
        mobile_index,
        code_hash: &[9; 32],
        ip_key,
        now,
        expires_at: now + 300,
    }
}

fn attempt<'a>(mobile_index: &'a [u8], typed: Option<&'a [u8]>, now: i64) -> CodeTry<'a> {
    CodeTry {
        mobile_index,
        typed_hash: typed,
        now,
        max_attempts: 5,
        mobile_sealed: &[1; 40],
        ip: IP,
    }
}

async fn count(db: &Db, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(db.pool()).await.unwrap()
}

#[tokio::test]
async fn a_captcha_is_taken_once() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        db.put_captcha("c1", &[5; 32], NOW + 300).await.unwrap();
        assert_eq!(
            db.take_captcha("c1").await.unwrap(),
            Some((vec![5; 32], NOW + 300))
        );
        assert_eq!(db.take_captcha("c1").await.unwrap(), None);
        assert_eq!(db.take_captcha("unknown").await.unwrap(), None);
    }
}

#[tokio::test]
async fn codes_are_refused_past_each_limit_and_forgotten_codes_do_not_count() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let (a, b) = (index(1), index(2));
        let first = db.reserve_code(code(&a, IP, NOW), LIMITS).await.unwrap();
        assert!(matches!(first, Reserved::Code(_)), "{:?}", db.engine());
        assert_eq!(
            db.reserve_code(code(&a, IP, NOW + 20), LIMITS)
                .await
                .unwrap(),
            Reserved::ResendIn(40)
        );
        // A code never sent is forgotten: neither the wait nor the day counts it.
        let Reserved::Code(id) = first else {
            unreachable!()
        };
        db.forget_code(id).await.unwrap();
        for minute in 0..3 {
            let at = NOW + 20 + minute * 60;
            assert!(matches!(
                db.reserve_code(code(&a, IP, at), LIMITS).await.unwrap(),
                Reserved::Code(_)
            ));
        }
        assert_eq!(
            db.reserve_code(code(&a, IP, NOW + 600), LIMITS)
                .await
                .unwrap(),
            Reserved::DailyLimit
        );
        // The address has sent three this hour; a fourth number still gets one, then not.
        assert!(matches!(
            db.reserve_code(code(&b, IP, NOW + 600), LIMITS)
                .await
                .unwrap(),
            Reserved::Code(_)
        ));
        assert_eq!(
            db.reserve_code(code(&index(3), IP, NOW + 660), LIMITS)
                .await
                .unwrap(),
            Reserved::IpLimit
        );
        assert_eq!(count(&db, "SELECT COUNT(*) FROM sms_codes").await, 4);
    }
}

#[tokio::test]
async fn a_code_counts_wrong_tries_locks_and_logs_in_once() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let a = index(1);
        let right = [9u8; 32];
        let wrong = [8u8; 32];
        assert_eq!(
            db.verify_code(attempt(&a, Some(&right), NOW))
                .await
                .unwrap(),
            Verified::NoCode
        );
        db.reserve_code(code(&a, IP, NOW), LIMITS).await.unwrap();
        assert_eq!(
            db.verify_code(attempt(&a, Some(&wrong), NOW))
                .await
                .unwrap(),
            Verified::Wrong { attempts: 1 }
        );
        // Not a code at all: not counted.
        assert_eq!(
            db.verify_code(attempt(&a, None, NOW)).await.unwrap(),
            Verified::Wrong { attempts: 1 }
        );
        let user = match db
            .verify_code(attempt(&a, Some(&right), NOW))
            .await
            .unwrap()
        {
            Verified::LoggedIn(user) => user,
            other => panic!("{other:?} on {:?}", db.engine()),
        };
        assert_eq!(
            db.verify_code(attempt(&a, Some(&right), NOW))
                .await
                .unwrap(),
            Verified::Expired
        );
        // The next code, the next day: the same user, with the new login noted.
        let next_day = NOW + 86_400;
        db.reserve_code(
            code(&a, IP, next_day),
            CodeLimits {
                day_start: next_day - 10,
                ..LIMITS
            },
        )
        .await
        .unwrap();
        assert_eq!(
            db.verify_code(attempt(&a, Some(&right), next_day))
                .await
                .unwrap(),
            Verified::LoggedIn(user)
        );
        let last: i64 = sqlx::query_scalar("SELECT last_login_at FROM users WHERE id = $1")
            .bind(user)
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(last, next_day);

        // Five wrong tries kill a code; an expired one does not work.
        let b = index(2);
        db.reserve_code(code(&b, "198.51.100.1", NOW), LIMITS)
            .await
            .unwrap();
        for tries in 1..=5 {
            assert_eq!(
                db.verify_code(attempt(&b, Some(&wrong), NOW))
                    .await
                    .unwrap(),
                Verified::Wrong { attempts: tries }
            );
        }
        assert_eq!(
            db.verify_code(attempt(&b, Some(&right), NOW))
                .await
                .unwrap(),
            Verified::Locked
        );
        let c = index(3);
        db.reserve_code(code(&c, "198.51.100.2", NOW), LIMITS)
            .await
            .unwrap();
        assert_eq!(
            db.verify_code(attempt(&c, Some(&right), NOW + 300))
                .await
                .unwrap(),
            Verified::Expired
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_right_codes_log_in_once() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let db = Arc::new(db);
        db.reserve_code(code(&index(1), IP, NOW), LIMITS)
            .await
            .unwrap();
        let tries: Vec<_> = (0..8)
            .map(|_| {
                let db = db.clone();
                tokio::spawn(async move {
                    let a = index(1);
                    db.verify_code(attempt(&a, Some(&[9; 32]), NOW)).await
                })
            })
            .collect();
        let mut outcomes = Vec::new();
        for t in tries {
            outcomes.push(t.await.unwrap().unwrap());
        }
        let logged_in = outcomes
            .iter()
            .filter(|o| matches!(o, Verified::LoggedIn(_)))
            .count();
        assert_eq!(logged_in, 1, "{outcomes:?} on {:?}", db.engine());
        assert!(
            outcomes
                .iter()
                .all(|o| matches!(o, Verified::LoggedIn(_) | Verified::Expired))
        );
        assert_eq!(count(&db, "SELECT COUNT(*) FROM users").await, 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_wrong_codes_count_each_once() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let db = Arc::new(db);
        db.reserve_code(code(&index(1), IP, NOW), LIMITS)
            .await
            .unwrap();
        let tries: Vec<_> = (0..8)
            .map(|_| {
                let db = db.clone();
                tokio::spawn(async move {
                    let a = index(1);
                    db.verify_code(attempt(&a, Some(&[8; 32]), NOW)).await
                })
            })
            .collect();
        let mut counted = Vec::new();
        for t in tries {
            match t.await.unwrap().unwrap() {
                Verified::Wrong { attempts } => counted.push(attempts),
                Verified::Locked => {}
                other => panic!("{other:?}"),
            }
        }
        counted.sort_unstable();
        assert_eq!(counted, [1, 2, 3, 4, 5], "{:?}", db.engine());
        assert_eq!(count(&db, "SELECT attempts FROM sms_codes").await, 5);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_sends_to_one_number_store_one_code() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let db = Arc::new(db);
        let sends: Vec<_> = (0..8)
            .map(|_| {
                let db = db.clone();
                tokio::spawn(async move {
                    let a = index(1);
                    db.reserve_code(code(&a, IP, NOW), LIMITS).await
                })
            })
            .collect();
        let mut stored = 0;
        for s in sends {
            match s.await.unwrap().unwrap() {
                Reserved::Code(_) => stored += 1,
                Reserved::ResendIn(60) => {}
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(stored, 1, "{:?}", db.engine());
        assert_eq!(count(&db, "SELECT COUNT(*) FROM sms_codes").await, 1);
    }
}

async fn user(db: &Db) -> i64 {
    db.reserve_code(code(&index(1), IP, NOW), LIMITS)
        .await
        .unwrap();
    match db
        .verify_code(attempt(&index(1), Some(&[9; 32]), NOW))
        .await
        .unwrap()
    {
        Verified::LoggedIn(user) => user,
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_window_ticket_works_once_and_not_after_its_expiry() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let user = user(&db).await;
        db.put_handover(&[1; 32], user, "/p/soetp/apply", NOW + 120)
            .await
            .unwrap();
        db.put_handover(&[2; 32], user, "/p/soetp/pay", NOW + 120)
            .await
            .unwrap();
        assert_eq!(db.redeem_handover(&[2; 32], NOW + 120).await.unwrap(), None);
        let db = Arc::new(db);
        let redeems: Vec<_> = (0..8)
            .map(|_| {
                let db = db.clone();
                tokio::spawn(async move { db.redeem_handover(&[1; 32], NOW).await })
            })
            .collect();
        let mut got = Vec::new();
        for r in redeems {
            got.extend(r.await.unwrap().unwrap());
        }
        assert_eq!(
            got,
            [(user, "/p/soetp/apply".to_owned())],
            "{:?}",
            db.engine()
        );
    }
}

#[tokio::test]
async fn purging_keeps_what_still_counts() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let user = user(&db).await;
        db.put_captcha("old", &[5; 32], NOW).await.unwrap();
        db.put_captcha("new", &[5; 32], NOW + 1).await.unwrap();
        db.put_handover(&[1; 32], user, "/p/x", NOW).await.unwrap();
        db.purge(NOW, NOW).await.unwrap();
        assert_eq!(count(&db, "SELECT COUNT(*) FROM captchas").await, 1);
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM session_handovers").await,
            0
        );
        assert_eq!(count(&db, "SELECT COUNT(*) FROM sms_codes").await, 1);
        db.purge(NOW, NOW + 1).await.unwrap();
        assert_eq!(count(&db, "SELECT COUNT(*) FROM sms_codes").await, 0);
    }
}

#[tokio::test]
async fn numbers_in_clear_are_sealed_once() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        sqlx::query(
            "INSERT INTO users (legacy_mobile, created_at, last_login_at, last_login_ip)
             VALUES ('13800000001', 0, 0, $1)",
        )
        .bind(IP)
        .execute(db.pool())
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO sms_codes (legacy_mobile, code_hash, ip_key, sent_at, expires_at)
             VALUES ('13800000001', $1, $2, 0, 0)",
        )
        .bind(vec![9u8; 32])
        .bind(IP)
        .execute(db.pool())
        .await
        .unwrap();
        let seal = |table: &str, digits: &str| {
            let mut sealed = table.as_bytes().to_vec();
            sealed.extend(digits.as_bytes());
            (vec![digits.len() as u8; 32], sealed)
        };
        assert_eq!(db.seal_legacy(&seal).await.unwrap(), 2);
        assert_eq!(db.seal_legacy(&seal).await.unwrap(), 0);
        let (index, sealed): (Vec<u8>, Vec<u8>) =
            sqlx::query_as("SELECT mobile_index, mobile_sealed FROM users")
                .fetch_one(db.pool())
                .await
                .unwrap();
        assert_eq!(
            (index, sealed),
            (vec![11; 32], b"users13800000001".to_vec())
        );
        assert_eq!(
            count(
                &db,
                "SELECT COUNT(*) FROM sms_codes WHERE legacy_mobile IS NULL
                 AND mobile_index IS NOT NULL"
            )
            .await,
            1
        );
    }
}

/// The engines to run the two-instance test on, each as one database's URL.
fn shared_databases(dir: &std::path::Path) -> Vec<String> {
    let mut urls = vec![common::engines::database_url(Engine::Sqlite, dir)];
    if std::env::var_os("TEST_POSTGRES_URL").is_some() {
        urls.push(common::engines::database_url(Engine::Postgres, dir));
    }
    urls
}

/// One server process's login service on the database at `url`.
async fn instance(url: &str, clock: Arc<ManualClock>) -> (Logins, Arc<dyn Outbox>) {
    let db = Arc::new(Db::connect(url).await.unwrap());
    let keys = Arc::new(Keys::derive(&SecretKey::from_bytes(vec![7; 32]).unwrap()));
    let sms = SmsProvider::local(db.clone(), keys.clone(), clock.clone());
    let settings = LoginSettings {
        captcha: false,
        ip_hourly_limit: 20,
    };
    let logins = Logins::new(db, keys, sms.sender, clock, settings);
    (logins, sms.outbox.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_database_share_the_limits_and_the_codes() {
    let dir = tempfile::tempdir().unwrap();
    for url in shared_databases(dir.path()) {
        let clock = Arc::new(ManualClock::new(common::START));
        let (a, outbox) = instance(&url, clock.clone()).await;
        let (b, _) = instance(&url, clock.clone()).await;
        let to = mobile::validate("13812340001").unwrap();
        let home: IpAddr = IP.parse().unwrap();
        a.send_code(&to, "", "", home, "【深圳CA】").await.unwrap();
        clock.advance(time::Duration::seconds(15));
        assert_eq!(
            b.send_code(&to, "", "", home, "【深圳CA】").await,
            Err(LoginError::ResendTooSoon { secs: 45 }),
            "{url}"
        );
        // The code one instance sent logs in at the other, once.
        let text = outbox.recent(1).await.unwrap().remove(0).text;
        let start = text.find(|c: char| c.is_ascii_digit()).unwrap();
        let code = &text[start..start + 6];
        let user = b.verify_code(&to, code, home).await.unwrap();
        assert_eq!(
            a.verify_code(&to, code, home).await,
            Err(LoginError::CodeExpired)
        );
        // A window ticket one issues, the other redeems.
        let ticket = a.issue_handover(user, "/p/soetp/apply").await.unwrap();
        assert_eq!(
            b.redeem_handover(&ticket).await.unwrap(),
            Some((user, "/p/soetp/apply".to_owned()))
        );
        assert_eq!(a.redeem_handover(&ticket).await.unwrap(), None);
    }
}
