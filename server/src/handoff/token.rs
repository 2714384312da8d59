//! The secrets of the handoff: link tokens, device secrets and short codes, and the rules of
//! who may use a session ([`admit`]).
//!
//! A token is 128 random bits, written base64url without padding (22 characters) into the
//! link `/m/<token>`. Only its SHA-256 is stored: the bits are random, so a plain hash is as
//! good as a keyed one, and a database copy opens no session. The device secret set as a
//! cookie by the claim works the same way.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::{Rng, RngCore};
use sha2::{Digest, Sha256};

use app::domain::handoff::{FailReason, SHORT_CODE_LEN, Stage};
use app::services::handoff::HandoffError;

use crate::crypto;

/// Random bytes in a token or device secret.
const SECRET_BYTES: usize = 16;
/// Their base64url length.
pub const SECRET_CHARS: usize = 22;

/// A new random secret (token or device cookie) in its URL form.
pub fn new_secret() -> String {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a secret: SHA-256 of its 16 bytes. `None` for text that is not a secret
/// we could have made (wrong length or alphabet), so junk never reaches the database.
pub fn hash(secret: &str) -> Option<[u8; 32]> {
    if secret.len() != SECRET_CHARS {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(secret).ok()?;
    // 22 characters carry 132 bits; the last 4 must be zero in a canonical encoding, so each
    // secret has exactly one spelling.
    if bytes.len() != SECRET_BYTES || URL_SAFE_NO_PAD.encode(&bytes) != secret {
        return None;
    }
    Some(Sha256::digest(&bytes).into())
}

/// Six random digits (leading zeros kept).
pub fn new_short_code() -> String {
    let n: u32 = rand::rng().random_range(0..10u32.pow(SHORT_CODE_LEN as u32));
    format!("{n:0width$}", width = SHORT_CODE_LEN)
}

/// What a typed short code looks like once folded (full-width digits and spaces are common
/// with Chinese input methods); `None` if it cannot be one.
pub fn typed_short_code(input: &str) -> Option<String> {
    let code = app::domain::normalize::compact(input);
    (code.len() == SHORT_CODE_LEN && code.bytes().all(|b| b.is_ascii_digit())).then_some(code)
}

/// A random hex name for a stored photo (64 characters, like material objects).
pub fn new_object_key() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// What the device asking is to a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Device {
    /// The one that claimed it.
    Holder,
    /// Nobody claimed it yet.
    Unbound,
    /// Another device claimed it.
    Other,
}

/// The session as [`admit`] needs it: its stage (already settled against the clock), why it
/// failed, and the hash of the device that claimed it.
pub struct Gate<'a> {
    pub stage: Stage,
    pub failure: Option<FailReason>,
    pub device_hash: Option<&'a [u8]>,
}

/// Whether a session in `stage` has run out of time at `now` (Unix seconds): unclaimed past its
/// claim deadline, or claimed and unfinished past its session deadline.
pub fn overdue(stage: Stage, now: i64, claim_deadline: i64, session_deadline: Option<i64>) -> bool {
    match stage {
        Stage::Pending => now >= claim_deadline,
        stage if stage.is_terminal() => false,
        _ => session_deadline.is_some_and(|deadline| now >= deadline),
    }
}

/// How `device` (the cookie's value, if any) relates to the session.
pub fn device_of(gate: &Gate<'_>, device: Option<&str>) -> Device {
    match gate.device_hash {
        None => Device::Unbound,
        Some(bound) => match device.and_then(hash) {
            Some(asking) if crypto::same(&asking, bound) => Device::Holder,
            _ => Device::Other,
        },
    }
}

/// Whether `device` may act on the session now (upload, liveness): only the holder, and only
/// while the session runs. Ended sessions answer why they ended, to anyone: the page explains
/// it the same way whoever asks.
pub fn admit(gate: &Gate<'_>, device: Option<&str>) -> Result<(), HandoffError> {
    ended(gate)?;
    match device_of(gate, device) {
        Device::Holder => Ok(()),
        Device::Unbound => Err(HandoffError::NotClaimed),
        Device::Other => Err(HandoffError::OtherDevice),
    }
}

/// Whether `device` may claim: a pending session by anyone, a claimed one again by its holder
/// (a reload after the claim answer was lost); nothing that ended.
pub fn admit_claim(gate: &Gate<'_>, device: Option<&str>) -> Result<Device, HandoffError> {
    ended(gate)?;
    match device_of(gate, device) {
        Device::Other => Err(HandoffError::OtherDevice),
        found => Ok(found),
    }
}

/// The refusal for an ended session.
pub fn ended(gate: &Gate<'_>) -> Result<(), HandoffError> {
    match (gate.stage, gate.failure) {
        (Stage::Completed, _) => Err(HandoffError::Completed),
        (Stage::Expired, _) => Err(HandoffError::Expired),
        (Stage::Failed, Some(reason)) => Err(HandoffError::Failed(reason)),
        (Stage::Failed, None) => Err(HandoffError::Expired),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_128_random_bits_in_22_url_safe_characters() {
        let a = new_secret();
        let b = new_secret();
        assert_ne!(a, b);
        assert_eq!(a.len(), SECRET_CHARS);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
    }

    #[test]
    fn hashing_is_sha256_of_the_bytes_and_refuses_non_canonical_text() {
        let secret = URL_SAFE_NO_PAD.encode([7u8; 16]);
        let expected: [u8; 32] = Sha256::digest([7u8; 16]).into();
        assert_eq!(hash(&secret), Some(expected));
        assert_ne!(hash(&new_secret()), Some(expected));
        // Not the hash of the text: the stored value reveals nothing that types into a URL.
        let text_hash: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
        assert_ne!(hash(&secret), Some(text_hash));
        assert_eq!(hash(""), None);
        assert_eq!(hash(&secret[..21]), None);
        assert_eq!(hash(&format!("{secret}A")), None);
        assert_eq!(hash("!!!!!!!!!!!!!!!!!!!!!!"), None);
        // The same bits with the unused low bits set: a second spelling, refused.
        const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut other = secret.clone();
        let last = other.pop().unwrap();
        let index = ALPHABET.find(last).unwrap();
        assert_eq!(
            index % 16,
            0,
            "the low 4 bits of the last character are unused"
        );
        other.push(ALPHABET.as_bytes()[index + 1] as char);
        assert_eq!(hash(&other), None);
    }

    #[test]
    fn short_codes_are_six_digits_and_typed_ones_are_folded() {
        for _ in 0..100 {
            let code = new_short_code();
            assert_eq!(code.len(), 6);
            assert!(code.bytes().all(|b| b.is_ascii_digit()));
        }
        assert_eq!(typed_short_code(" ０１２ 345 "), Some("012345".into()));
        assert_eq!(typed_short_code("12345"), None);
        assert_eq!(typed_short_code("12345a"), None);
    }

    #[test]
    fn only_the_claiming_device_is_admitted() {
        let device = new_secret();
        let bound = hash(&device).unwrap();
        let opened = Gate {
            stage: Stage::IdFrontDone,
            failure: None,
            device_hash: Some(&bound),
        };
        assert_eq!(admit(&opened, Some(&device)), Ok(()));
        assert_eq!(
            admit(&opened, Some(&new_secret())),
            Err(HandoffError::OtherDevice)
        );
        assert_eq!(admit(&opened, None), Err(HandoffError::OtherDevice));
        assert_eq!(admit(&opened, Some("junk")), Err(HandoffError::OtherDevice));
        // Claiming again works for the holder only.
        assert_eq!(admit_claim(&opened, Some(&device)), Ok(Device::Holder));
        assert_eq!(admit_claim(&opened, None), Err(HandoffError::OtherDevice));

        let pending = Gate {
            stage: Stage::Pending,
            failure: None,
            device_hash: None,
        };
        assert_eq!(admit_claim(&pending, None), Ok(Device::Unbound));
        assert_eq!(admit(&pending, None), Err(HandoffError::NotClaimed));
    }

    #[test]
    fn expired_and_completed_sessions_admit_nobody() {
        let device = new_secret();
        let bound = hash(&device).unwrap();
        for (stage, refusal) in [
            (Stage::Completed, HandoffError::Completed),
            (Stage::Expired, HandoffError::Expired),
        ] {
            let gate = Gate {
                stage,
                failure: None,
                device_hash: Some(&bound),
            };
            // A replay from the very device that finished is refused too.
            assert_eq!(admit(&gate, Some(&device)), Err(refusal.clone()));
            assert_eq!(admit_claim(&gate, Some(&device)), Err(refusal.clone()));
            let unclaimed = Gate {
                stage,
                failure: None,
                device_hash: None,
            };
            assert_eq!(admit_claim(&unclaimed, None), Err(refusal));
        }
        let failed = Gate {
            stage: Stage::Failed,
            failure: Some(FailReason::LivenessAttempts),
            device_hash: Some(&bound),
        };
        assert_eq!(
            admit(&failed, Some(&device)),
            Err(HandoffError::Failed(FailReason::LivenessAttempts))
        );
    }

    #[test]
    fn links_expire_ten_minutes_unclaimed_and_sessions_at_their_deadline() {
        let created = 1_000_000;
        let claim_deadline = created + 600;
        assert!(!overdue(
            Stage::Pending,
            claim_deadline - 1,
            claim_deadline,
            None
        ));
        assert!(overdue(
            Stage::Pending,
            claim_deadline,
            claim_deadline,
            None
        ));
        // A claim before the deadline gives the session its own, later one.
        let session_deadline = Some(created + 300 + 1800);
        assert!(!overdue(
            Stage::Opened,
            claim_deadline + 1,
            claim_deadline,
            session_deadline
        ));
        assert!(overdue(
            Stage::IdBackDone,
            created + 2100,
            claim_deadline,
            session_deadline
        ));
        // Ended sessions never expire again.
        for stage in [Stage::Completed, Stage::Expired, Stage::Failed] {
            assert!(!overdue(stage, i64::MAX, claim_deadline, session_deadline));
        }
    }
}
