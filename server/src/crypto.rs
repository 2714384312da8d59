//! Keys derived from the server's master secret: MACs for one-time codes and captcha answers,
//! and AES-256-GCM for personal data at rest.
//!
//! Each purpose gets its own key through HKDF-SHA256 with a distinct label, so a key used for
//! one thing can never be turned against another, and the master secret itself is used only here.

use std::io::Write;
use std::path::Path;

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use anyhow::Context;
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::config::{Config, SecretKey};

/// AES-GCM's standard 96-bit nonce.
const NONCE_LEN: usize = 12;

pub struct Keys {
    pii: Aes256Gcm,
    sms_code: [u8; 32],
    captcha: [u8; 32],
    document: [u8; 32],
    sandbox_payment: [u8; 32],
    bank_code: [u8; 32],
    mobile_index: [u8; 32],
}

/// Sealed data that does not open: wrong key, wrong context, or damaged bytes.
#[derive(Debug, thiserror::Error)]
#[error("encrypted data could not be decrypted")]
pub struct OpenError;

impl Keys {
    pub fn derive(secret: &SecretKey) -> Self {
        let hkdf = Hkdf::<Sha256>::new(Some(b"cert-portal"), secret.as_bytes());
        let derive = |label: &[u8]| {
            let mut key = [0u8; 32];
            // 32 bytes is far below HKDF-SHA256's limit of 8160, so this cannot fail.
            hkdf.expand(label, &mut key).expect("32-byte HKDF output");
            key
        };
        let pii = derive(b"pii at rest, aes-256-gcm, v1");
        Self {
            pii: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&pii)),
            sms_code: derive(b"sms login code, hmac-sha256, v1"),
            captcha: derive(b"captcha answer, hmac-sha256, v1"),
            document: derive(b"document check code, hmac-sha256, v1"),
            sandbox_payment: derive(b"sandbox payment notice, hmac-sha256, v1"),
            bank_code: derive(b"bank check code, hmac-sha256, v1"),
            mobile_index: derive(b"mobile number index, hmac-sha256, v1"),
        }
    }

    /// HMAC-SHA256 over mobile ‖ code (the mobile number is always 11 digits).
    pub fn sms_code_mac(&self, mobile: &str, code: &str) -> [u8; 32] {
        mac(&self.sms_code, &[mobile.as_bytes(), code.as_bytes()])
    }

    /// HMAC-SHA256 over a mobile number's 11 digits (as `Mobile::as_str` gives them): the
    /// column a stored number is found by, which reveals nothing without the key.
    pub fn mobile_index(&self, digits: &str) -> [u8; 32] {
        mac(&self.mobile_index, &[digits.as_bytes()])
    }

    /// HMAC-SHA256 over "lookup" ‖ NUL ‖ a folded serial or application number: what the
    /// public lookup counts its codes by (with the index key; no 11-digit number starts so).
    pub fn lookup_index(&self, query: &str) -> [u8; 32] {
        mac(&self.mobile_index, &[b"lookup\0", query.as_bytes()])
    }

    /// The key a certificate's codes for one purpose (`cancellation`, `unlock`, …) are found
    /// by.
    pub fn certificate_action_index(&self, purpose: &str, certificate_id: i64) -> [u8; 32] {
        mac(
            &self.mobile_index,
            &[
                b"certificate\0",
                purpose.as_bytes(),
                b"\0",
                &certificate_id.to_be_bytes(),
            ],
        )
    }

    /// HMAC-SHA256 over captcha id ‖ NUL ‖ lower-cased answer.
    pub fn captcha_mac(&self, captcha_id: &str, answer: &str) -> [u8; 32] {
        let answer = answer.trim().to_lowercase();
        mac(
            &self.captcha,
            &[captcha_id.as_bytes(), b"\0", answer.as_bytes()],
        )
    }

    /// HMAC-SHA256 over application number ‖ NUL ‖ code: the financial check's memo code.
    pub fn bank_code_mac(&self, number: &str, code: &str) -> [u8; 32] {
        mac(
            &self.bank_code,
            &[number.as_bytes(), b"\0", code.as_bytes()],
        )
    }

    /// HMAC-SHA256 over an application number: the check code in the printed documents' QR
    /// code, so the verification page cannot be walked through by guessing numbers.
    pub fn document_mac(&self, number: &str) -> [u8; 32] {
        mac(&self.document, &[number.as_bytes()])
    }

    /// HMAC-SHA256 over a payment notice's signed message: how the local sandbox cashier signs
    /// the notices it delivers and how the notify route checks them.
    pub fn sandbox_payment_mac(&self, message: &[u8]) -> [u8; 32] {
        mac(&self.sandbox_payment, &[message])
    }

    /// Encrypts with a fresh random nonce; returns nonce ‖ ciphertext (with its 16-byte tag).
    /// `context` is bound to the result (AES-GCM associated data): a blob copied to another
    /// row or user does not open there.
    pub fn seal(&self, context: &str, plaintext: &[u8]) -> Vec<u8> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let ciphertext = self
            .pii
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: context.as_bytes(),
                },
            )
            // Only fails for inputs over 64 GiB.
            .expect("AES-GCM encryption");
        let mut sealed = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        sealed
    }

    pub fn open(&self, context: &str, sealed: &[u8]) -> Result<Vec<u8>, OpenError> {
        if sealed.len() < NONCE_LEN {
            return Err(OpenError);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        self.pii
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| OpenError)
    }
}

fn mac(key: &[u8; 32], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn same(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// `SECRET_KEY` when set, else the file named by `SECRET_KEY_FILE`; otherwise (the sandbox:
/// a production start refuses this) the key in `<DATA_DIR>/secret.key`, generated on first
/// start (32 random bytes, hex, file mode 0600).
pub fn load_or_create_secret(config: &Config) -> anyhow::Result<SecretKey> {
    if let Some(key) = &config.secret_key {
        return Ok(key.clone());
    }
    if let Some(path) = &config.secret_key_file {
        return read_secret_file(path);
    }
    let path = config.generated_secret_file();
    if !path.exists() {
        create_secret_file(&path)?;
        tracing::warn!(
            path = %path.display(),
            "SECRET_KEY is not set: generated a new secret; every server instance must use the same one"
        );
    }
    read_secret_file(&path)
}

fn read_secret_file(path: &Path) -> anyhow::Result<SecretKey> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)?.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(path = %path.display(), "secret key file is readable by other users; chmod 600 it");
        }
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    text.parse::<SecretKey>()
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// Writes a new random secret next to `path`, then links it into place, so two processes
/// starting together on an empty folder end up with one secret, never a half-written file.
fn create_secret_file(path: &Path) -> anyhow::Result<()> {
    use rand::RngCore;

    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let temp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let result = (|| -> anyhow::Result<()> {
        let mut file = options
            .open(&temp)
            .with_context(|| format!("cannot create {}", temp.display()))?;
        writeln!(file, "{}", hex::encode(secret))?;
        file.sync_all()?;
        match std::fs::hard_link(&temp, path) {
            Ok(()) => Ok(()),
            // Another process won the race: use its secret.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            Err(e) => Err(e).with_context(|| format!("cannot create {}", path.display())),
        }
    })();
    let _ = std::fs::remove_file(&temp);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys_from(byte: u8) -> Keys {
        Keys::derive(&SecretKey::from_bytes(vec![byte; 32]).unwrap())
    }

    #[test]
    fn sealed_data_opens_only_with_its_key_and_context() {
        let keys = keys_from(1);
        let sealed = keys.seal("draft:1:soetp", b"110101199003070000");
        assert_eq!(
            keys.open("draft:1:soetp", &sealed).unwrap(),
            b"110101199003070000"
        );
        assert!(keys.open("draft:2:soetp", &sealed).is_err());
        assert!(keys_from(2).open("draft:1:soetp", &sealed).is_err());
        let mut damaged = sealed.clone();
        *damaged.last_mut().unwrap() ^= 1;
        assert!(keys.open("draft:1:soetp", &damaged).is_err());
        assert!(keys.open("draft:1:soetp", &sealed[..5]).is_err());
    }

    #[test]
    fn each_write_gets_a_new_nonce() {
        let keys = keys_from(1);
        assert_ne!(keys.seal("c", b"same"), keys.seal("c", b"same"));
    }

    #[test]
    fn captcha_answers_compare_without_case() {
        let keys = keys_from(1);
        assert!(same(
            &keys.captcha_mac("id", "AbC4e"),
            &keys.captcha_mac("id", " abc4E ")
        ));
        assert!(!same(
            &keys.captcha_mac("id", "abc4e"),
            &keys.captcha_mac("id2", "abc4e")
        ));
    }

    #[test]
    fn secret_key_accepts_hex_and_base64_of_at_least_32_bytes() {
        let hex_key: SecretKey = "00".repeat(32).parse().unwrap();
        assert_eq!(hex_key.as_bytes(), &[0u8; 32]);
        let b64: SecretKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
            .parse()
            .unwrap();
        assert_eq!(b64.as_bytes()[31], 31);
        assert!("00".repeat(31).parse::<SecretKey>().is_err());
        assert!("not a key!".parse::<SecretKey>().is_err());
        assert_eq!(format!("{hex_key:?}"), "SecretKey(<redacted>)");
    }
}
