//! Login: captcha, SMS codes, their limits and their storage, with a clock the test moves.

use crate::common;

use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use app::domain::mobile::{self, Mobile};
use app::services::login::{CodeSent, LoginError, LoginService};
use app::services::sms::{Outbox, SmsError, SmsKind, SmsSender};
use common::{START, contains};
use server::clock::ManualClock;
use server::config::SecretKey;
use server::crypto::Keys;
use server::service::login::{LoginSettings, Logins};

/// The signature every test message opens with.
const SIGNATURE: &str = "【深圳CA】";
use server::vendor::sms::SmsProvider;
use sqlx::AnyPool;
use time::Duration;

struct Rig {
    _dir: tempfile::TempDir,
    pool: AnyPool,
    clock: Arc<ManualClock>,
    login: Logins,
    keys: Arc<Keys>,
    outbox: Arc<dyn Outbox>,
}

const SETTINGS: LoginSettings = LoginSettings {
    captcha: true,
    ip_hourly_limit: 20,
};

async fn rig(settings: LoginSettings) -> Rig {
    rig_with_sender(settings, None).await
}

async fn rig_with_sender(settings: LoginSettings, sender: Option<Arc<dyn SmsSender>>) -> Rig {
    let dir = tempfile::tempdir().unwrap();
    // SQLite, or PostgreSQL with TEST_ENGINE=postgres.
    let url = common::engines::database_url(common::engines::selected(), dir.path());
    let db = Arc::new(server::store::Db::connect(&url).await.unwrap());
    let pool = db.pool().clone();
    let clock = Arc::new(ManualClock::new(START));
    let keys = Arc::new(Keys::derive(&SecretKey::from_bytes(vec![7; 32]).unwrap()));
    let local = SmsProvider::local(db.clone(), keys.clone(), clock.clone());
    let login = Logins::new(
        db,
        keys.clone(),
        sender.unwrap_or(local.sender),
        clock.clone(),
        settings,
    );
    Rig {
        _dir: dir,
        pool,
        clock,
        login,
        keys,
        outbox: local.outbox.unwrap(),
    }
}

fn mobile(n: u32) -> Mobile {
    mobile::validate(&format!("1381234{n:04}")).unwrap()
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

const HOME: &str = "203.0.113.7";

impl Rig {
    /// Sends a code to `to` past a fresh captcha; returns the code read from the outbox.
    async fn send(&self, to: &Mobile, from: &str) -> Result<String, LoginError> {
        let captcha = self.login.store_captcha("K7M3P").await.unwrap();
        self.login
            .send_code(to, &captcha, "k7m3p", ip(from), SIGNATURE)
            .await?;
        Ok(self.last_code_to(to).await)
    }

    async fn last_code_to(&self, to: &Mobile) -> String {
        let messages = self.outbox.recent(100).await.unwrap();
        let text = &messages
            .iter()
            .find(|m| m.to == to.as_str())
            .expect("a message to this number")
            .text;
        let start = text.find(|c: char| c.is_ascii_digit()).unwrap();
        text[start..start + 6].to_owned()
    }

    async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&self.pool).await.unwrap()
    }
}

fn wrong(code: &str) -> String {
    format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000)
}

// --- captcha ---

#[tokio::test]
async fn a_new_captcha_is_a_png_data_url_whose_answer_is_not_stored() {
    let rig = rig(SETTINGS).await;
    let captcha = rig.login.new_captcha().await.unwrap();
    assert_eq!(captcha.id.len(), 32);
    assert!(
        captcha
            .data_url
            .starts_with("data:image/png;base64,iVBORw0KGgo")
    );
    let other = rig.login.new_captcha().await.unwrap();
    assert_ne!(captcha.id, other.id);

    let id = rig.login.store_captcha("K7M3P").await.unwrap();
    let (hash,): (Vec<u8>,) = sqlx::query_as("SELECT answer_hash FROM captchas WHERE id = $1")
        .bind(&id)
        .fetch_one(&rig.pool)
        .await
        .unwrap();
    assert_eq!(hash.len(), 32);
    assert!(!contains(&hash, b"K7M3P") && !contains(&hash, b"k7m3p"));
}

#[tokio::test]
async fn a_wrong_captcha_answer_is_refused_and_uses_the_captcha_up() {
    let rig = rig(SETTINGS).await;
    let id = rig.login.store_captcha("K7M3P").await.unwrap();
    let to = mobile(1);
    assert_eq!(
        rig.login
            .send_code(&to, &id, "K7M3X", ip(HOME), SIGNATURE)
            .await,
        Err(LoginError::CaptchaWrong)
    );
    // One try per captcha: the right answer now comes too late.
    assert_eq!(
        rig.login
            .send_code(&to, &id, "K7M3P", ip(HOME), SIGNATURE)
            .await,
        Err(LoginError::CaptchaExpired)
    );
    assert_eq!(rig.count("SELECT COUNT(*) FROM sms_codes").await, 0);
    assert!(rig.outbox.recent(10).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_missing_or_unknown_captcha_is_refused() {
    let rig = rig(SETTINGS).await;
    let id = rig.login.store_captcha("K7M3P").await.unwrap();
    assert_eq!(
        rig.login
            .send_code(&mobile(1), &id, "  ", ip(HOME), SIGNATURE)
            .await,
        Err(LoginError::CaptchaMissing)
    );
    assert_eq!(
        rig.login
            .send_code(&mobile(1), "no-such-id", "K7M3P", ip(HOME), SIGNATURE)
            .await,
        Err(LoginError::CaptchaExpired)
    );
    // The blank answer did not use the captcha up.
    assert!(
        rig.login
            .send_code(&mobile(1), &id, "K7M3P", ip(HOME), SIGNATURE)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_captcha_expires_after_five_minutes() {
    let rig = rig(SETTINGS).await;
    let late = rig.login.store_captcha("K7M3P").await.unwrap();
    let in_time = rig.login.store_captcha("K7M3P").await.unwrap();
    rig.clock.advance(Duration::minutes(5));
    assert_eq!(
        rig.login
            .send_code(&mobile(1), &late, "K7M3P", ip(HOME), SIGNATURE)
            .await,
        Err(LoginError::CaptchaExpired)
    );
    rig.clock.advance(Duration::seconds(-1));
    assert!(
        rig.login
            .send_code(&mobile(2), &in_time, "K7M3P", ip(HOME), SIGNATURE)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_captcha_answer_is_compared_without_case_and_works_once() {
    let rig = rig(SETTINGS).await;
    let id = rig.login.store_captcha("K7M3P").await.unwrap();
    assert_eq!(
        rig.login
            .send_code(&mobile(1), &id, " k7m3p ", ip(HOME), SIGNATURE)
            .await,
        Ok(CodeSent {
            resend_after_secs: 60,
            expires_in_secs: 300
        })
    );
    assert_eq!(
        rig.login
            .send_code(&mobile(2), &id, "K7M3P", ip(HOME), SIGNATURE)
            .await,
        Err(LoginError::CaptchaExpired)
    );
}

#[tokio::test]
async fn with_captcha_off_a_code_is_sent_without_one() {
    let off = rig(LoginSettings {
        captcha: false,
        ..SETTINGS
    })
    .await;
    assert!(!off.login.captcha_required());
    assert!(
        off.login
            .send_code(&mobile(1), "", "", ip(HOME), SIGNATURE)
            .await
            .is_ok()
    );
    let on = self::rig(SETTINGS).await;
    assert!(on.login.captcha_required());
}

// --- codes ---

#[tokio::test]
async fn a_code_logs_in_and_creates_the_account_once() {
    let rig = rig(SETTINGS).await;
    let to = mobile(1);
    let code = rig.send(&to, HOME).await.unwrap();
    assert_eq!(code.len(), 6);

    let messages = rig.outbox.recent(10).await.unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].to, "13812340001");
    assert_eq!(messages[0].kind, SmsKind::LoginCode);
    assert!(messages[0].text.starts_with(SIGNATURE));
    assert!(messages[0].text.contains("5分钟"));
    assert_eq!(messages[0].sent_at, "2025-03-01T02:00:00.000Z");

    let user = rig.login.verify_code(&to, &code, ip(HOME)).await.unwrap();
    assert_eq!(rig.count("SELECT COUNT(*) FROM users").await, 1);
    let (index, sealed, last_ip): (Vec<u8>, Vec<u8>, String) = sqlx::query_as(
        "SELECT mobile_index, mobile_sealed, last_login_ip FROM users WHERE id = $1",
    )
    .bind(user.0)
    .fetch_one(&rig.pool)
    .await
    .unwrap();
    assert_eq!(index, server::mobiles::index(&rig.keys, &to));
    let stored = server::mobiles::open(&rig.keys, server::mobiles::USERS, &index, &sealed);
    assert_eq!(stored.unwrap(), to);
    assert_eq!(last_ip, HOME);

    // The next login, the next day, finds the same account.
    rig.clock.advance(Duration::days(1));
    let code = rig.send(&to, "198.51.100.1").await.unwrap();
    // Typed with a full-width input method: still the code.
    let full_width: String = code
        .chars()
        .map(|c| char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap())
        .collect();
    assert_eq!(
        rig.login
            .verify_code(&to, &full_width, ip("198.51.100.1"))
            .await,
        Ok(user)
    );
    assert_eq!(rig.count("SELECT COUNT(*) FROM users").await, 1);

    let other = rig.send(&mobile(2), HOME).await.unwrap();
    let second = rig
        .login
        .verify_code(&mobile(2), &other, ip(HOME))
        .await
        .unwrap();
    assert_ne!(second, user);
}

#[tokio::test]
async fn a_code_works_once() {
    let rig = rig(SETTINGS).await;
    let to = mobile(1);
    let code = rig.send(&to, HOME).await.unwrap();
    assert!(rig.login.verify_code(&to, &code, ip(HOME)).await.is_ok());
    assert_eq!(
        rig.login.verify_code(&to, &code, ip(HOME)).await,
        Err(LoginError::CodeExpired)
    );
}

#[tokio::test]
async fn no_code_was_asked_for() {
    let rig = rig(SETTINGS).await;
    assert_eq!(
        rig.login.verify_code(&mobile(1), "123456", ip(HOME)).await,
        Err(LoginError::NoCode)
    );
}

#[tokio::test]
async fn a_code_expires_after_five_minutes() {
    let rig = rig(SETTINGS).await;
    let to = mobile(1);
    let code = rig.send(&to, HOME).await.unwrap();
    rig.clock.advance(Duration::seconds(299));
    let other = rig.send(&mobile(2), HOME).await.unwrap();
    rig.clock.advance(Duration::seconds(1));
    assert_eq!(
        rig.login.verify_code(&to, &code, ip(HOME)).await,
        Err(LoginError::CodeExpired)
    );
    // The other number's code, sent 1 s ago, still works.
    assert!(
        rig.login
            .verify_code(&mobile(2), &other, ip(HOME))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn wrong_codes_count_down_and_the_fifth_locks_the_code() {
    let rig = rig(SETTINGS).await;
    let to = mobile(1);
    let code = rig.send(&to, HOME).await.unwrap();
    for left in (1..=4).rev() {
        assert_eq!(
            rig.login.verify_code(&to, &wrong(&code), ip(HOME)).await,
            Err(LoginError::CodeWrong {
                attempts_left: left
            })
        );
    }
    // Something that is not six digits is a slip, not a guess: it does not count.
    assert_eq!(
        rig.login.verify_code(&to, "12345", ip(HOME)).await,
        Err(LoginError::CodeWrong { attempts_left: 1 })
    );
    assert_eq!(
        rig.login.verify_code(&to, &wrong(&code), ip(HOME)).await,
        Err(LoginError::CodeLocked)
    );
    // Locked: even the right code is refused now.
    assert_eq!(
        rig.login.verify_code(&to, &code, ip(HOME)).await,
        Err(LoginError::CodeLocked)
    );
    // A new code (after the resend wait) works.
    rig.clock.advance(Duration::seconds(60));
    let fresh = rig.send(&to, HOME).await.unwrap();
    assert!(rig.login.verify_code(&to, &fresh, ip(HOME)).await.is_ok());
}

#[tokio::test]
async fn only_the_latest_code_counts() {
    let rig = rig(SETTINGS).await;
    let to = mobile(1);
    let first = rig.send(&to, HOME).await.unwrap();
    rig.clock.advance(Duration::seconds(60));
    let second = rig.send(&to, HOME).await.unwrap();
    if first != second {
        assert!(matches!(
            rig.login.verify_code(&to, &first, ip(HOME)).await,
            Err(LoginError::CodeWrong { .. })
        ));
    }
    assert!(rig.login.verify_code(&to, &second, ip(HOME)).await.is_ok());
}

#[tokio::test]
async fn a_second_code_within_60_seconds_is_refused_with_the_seconds_left() {
    let rig = rig(SETTINGS).await;
    let to = mobile(1);
    rig.send(&to, HOME).await.unwrap();
    rig.clock.advance(Duration::seconds(45));
    assert_eq!(
        rig.send(&to, HOME).await,
        Err(LoginError::ResendTooSoon { secs: 15 })
    );
    rig.clock.advance(Duration::seconds(14));
    assert_eq!(
        rig.send(&to, HOME).await,
        Err(LoginError::ResendTooSoon { secs: 1 })
    );
    rig.clock.advance(Duration::seconds(1));
    assert!(rig.send(&to, HOME).await.is_ok());
    assert_eq!(rig.outbox.recent(10).await.unwrap().len(), 2);
}

#[tokio::test]
async fn the_eleventh_code_of_a_china_day_is_refused() {
    let rig = rig(SETTINGS).await;
    let to = mobile(1);
    for _ in 0..10 {
        rig.send(&to, HOME).await.unwrap();
        rig.clock.advance(Duration::seconds(61));
    }
    assert_eq!(rig.send(&to, HOME).await, Err(LoginError::DailyLimit));
    // Other numbers are not affected.
    assert!(rig.send(&mobile(2), HOME).await.is_ok());

    // 23:59:59 in Beijing is still the same day; midnight in Beijing (16:00 UTC) is the next.
    rig.clock
        .set(time::macros::datetime!(2025-03-01 15:59:59 UTC));
    assert_eq!(rig.send(&to, HOME).await, Err(LoginError::DailyLimit));
    rig.clock.set(time::macros::datetime!(2025-03-01 16:00 UTC));
    assert!(rig.send(&to, HOME).await.is_ok());
}

#[tokio::test]
async fn one_address_gets_at_most_the_hourly_limit() {
    let rig = rig(LoginSettings {
        captcha: true,
        ip_hourly_limit: 3,
    })
    .await;
    for n in 1..=3 {
        rig.send(&mobile(n), HOME).await.unwrap();
    }
    assert_eq!(rig.send(&mobile(4), HOME).await, Err(LoginError::IpLimit));
    // Another address is not affected; an IPv6 /64 counts as one address.
    assert!(rig.send(&mobile(4), "2001:db8:1:2::10").await.is_ok());
    assert!(rig.send(&mobile(5), "2001:db8:1:2::11").await.is_ok());
    assert!(rig.send(&mobile(6), "2001:db8:1:2:ffff::1").await.is_ok());
    assert_eq!(
        rig.send(&mobile(7), "2001:db8:1:2::12").await,
        Err(LoginError::IpLimit)
    );
    // A rolling hour later the address may ask again.
    rig.clock.advance(Duration::hours(1));
    assert!(rig.send(&mobile(4), HOME).await.is_ok());
}

#[tokio::test]
async fn codes_are_stored_only_as_a_keyed_hash() {
    let rig = rig(SETTINGS).await;
    let to = mobile(1);
    let code = rig.send(&to, HOME).await.unwrap();
    type Stored = (Vec<u8>, Vec<u8>, String, i64, i64, i64, Option<i64>);
    let row: Vec<Stored> = sqlx::query_as(
        "SELECT mobile_index, code_hash, ip_key, sent_at, expires_at, attempts, used_at
         FROM sms_codes",
    )
    .fetch_all(&rig.pool)
    .await
    .unwrap();
    assert_eq!(row.len(), 1);
    let (index, hash, ip_key, sent_at, expires_at, attempts, used_at) = &row[0];
    let text = format!(
        "{}|{ip_key}|{sent_at}|{expires_at}|{attempts}|{used_at:?}",
        hex::encode_upper(index)
    );
    assert!(!text.contains(&code), "{text}");
    assert!(!text.contains(to.as_str()), "{text}");
    assert_eq!(hash.len(), 32);
    assert!(!contains(hash, code.as_bytes()));
    // Not a plain hash either: SHA-256 of mobile||code without the key is something else.
    use sha2::Digest;
    let unkeyed = sha2::Sha256::digest(format!("{}{code}", to.as_str()));
    assert_ne!(hash.as_slice(), unkeyed.as_slice());
}

struct Failing;

#[async_trait::async_trait]
impl SmsSender for Failing {
    async fn send(&self, _: &Mobile, _: SmsKind, _: &str) -> Result<(), SmsError> {
        Err(SmsError("gateway down".into()))
    }
}

#[tokio::test]
async fn a_code_that_could_not_be_sent_neither_works_nor_counts() {
    let rig = rig_with_sender(SETTINGS, Some(Arc::new(Failing))).await;
    let captcha = rig.login.store_captcha("K7M3P").await.unwrap();
    assert_eq!(
        rig.login
            .send_code(&mobile(1), &captcha, "K7M3P", ip(HOME), SIGNATURE)
            .await,
        Err(LoginError::SmsFailed)
    );
    assert_eq!(rig.count("SELECT COUNT(*) FROM sms_codes").await, 0);
    assert_eq!(
        rig.login.verify_code(&mobile(1), "000000", ip(HOME)).await,
        Err(LoginError::NoCode)
    );
}

/// Collects what the server logs on this thread.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn logs_mask_the_number_and_never_show_the_code() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let rig = rig(SETTINGS).await;
    let to = mobile(1);
    let code = rig.send(&to, HOME).await.unwrap();
    let _ = rig.login.verify_code(&to, &wrong(&code), ip(HOME)).await;
    rig.login.verify_code(&to, &code, ip(HOME)).await.unwrap();

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("138****0001"), "{log}");
    assert!(!log.contains("13812340001"), "{log}");
    assert!(!log.contains(&code), "{log}");
}

#[tokio::test]
async fn concurrent_sends_to_one_number_make_one_code() {
    let rig = rig(LoginSettings {
        captcha: false,
        ..SETTINGS
    })
    .await;
    let to = mobile(1);
    let (a, b) = tokio::join!(
        rig.login.send_code(&to, "", "", ip(HOME), SIGNATURE),
        rig.login.send_code(&to, "", "", ip(HOME), SIGNATURE)
    );
    assert!(a.is_ok() != b.is_ok(), "{a:?} {b:?}");
    assert_eq!(rig.count("SELECT COUNT(*) FROM sms_codes").await, 1);
}

#[tokio::test]
async fn expired_captchas_and_old_codes_are_purged() {
    let rig = rig(SETTINGS).await;
    rig.send(&mobile(1), HOME).await.unwrap();
    rig.login.store_captcha("ABCDE").await.unwrap();
    rig.clock.advance(Duration::minutes(5));
    rig.login.purge_expired().await.unwrap();
    // The captcha is dead; the code still counts towards today's limit.
    assert_eq!(rig.count("SELECT COUNT(*) FROM captchas").await, 0);
    assert_eq!(rig.count("SELECT COUNT(*) FROM sms_codes").await, 1);
    rig.clock.advance(Duration::days(2));
    rig.login.purge_expired().await.unwrap();
    assert_eq!(rig.count("SELECT COUNT(*) FROM captchas").await, 0);
    assert_eq!(rig.count("SELECT COUNT(*) FROM sms_codes").await, 0);
}
