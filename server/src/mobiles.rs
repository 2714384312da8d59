//! Mobile numbers at rest: never in clear. A row keeps the number's keyed hash
//! (`mobile_index`), which look-ups and limits compare, and, where the number is used again,
//! the number itself sealed with AES-256-GCM (`mobile_sealed`), bound to its table and index:
//! a sealed number copied to another table or row does not open there.
//!
//! Migration 0018 moved the numbers of older rows to `legacy_mobile`, because SQL has no key;
//! [`seal_legacy`] seals them at start-up and clears that column.

use app::domain::mobile::Mobile;

use crate::crypto::{Keys, OpenError};
use crate::store::logins::LoginRepo;

/// The tables that name a mobile number, and whether each keeps a sealed copy.
pub const USERS: Table = Table {
    name: "users",
    sealed: true,
};
pub const SMS_CODES: Table = Table {
    name: "sms_codes",
    sealed: false,
};
pub const SMS_OUTBOX: Table = Table {
    name: "sms_outbox",
    sealed: true,
};

#[derive(Debug, Clone, Copy)]
pub struct Table {
    name: &'static str,
    sealed: bool,
}

/// The keyed hash a number is stored and found by.
pub fn index(keys: &Keys, mobile: &Mobile) -> [u8; 32] {
    keys.mobile_index(mobile.as_str())
}

/// The number sealed for `table`, bound to its index there.
pub fn seal(keys: &Keys, table: Table, mobile: &Mobile) -> Vec<u8> {
    seal_digits(keys, table, &index(keys, mobile), mobile.as_str())
}

/// The number a row of `table` keeps, from its index and sealed copy.
pub fn open(keys: &Keys, table: Table, index: &[u8], sealed: &[u8]) -> Result<Mobile, OpenError> {
    let digits = keys.open(&context(table, index), sealed)?;
    let digits = String::from_utf8(digits).map_err(|_| OpenError)?;
    Mobile::try_from(digits).map_err(|_| OpenError)
}

fn seal_digits(keys: &Keys, table: Table, index: &[u8], digits: &str) -> Vec<u8> {
    keys.seal(&context(table, index), digits.as_bytes())
}

fn context(table: Table, index: &[u8]) -> String {
    format!("mobile:{}:{}", table.name, hex::encode(index))
}

/// Seals every number still in `legacy_mobile` and clears it, all at once, so a second process
/// starting at the same time finds nothing left to do; on SQLite the write-ahead log, which held
/// the numbers too, is emptied afterwards. Returns how many rows were sealed.
pub async fn seal_legacy(repo: &dyn LoginRepo, keys: &Keys) -> anyhow::Result<u64> {
    let seal = |table: &str, digits: &str| {
        let table = [USERS, SMS_CODES, SMS_OUTBOX]
            .into_iter()
            .find(|t| t.name == table)
            .unwrap_or(SMS_CODES);
        // Each was written from a validated number; the digits are hashed as they are, so a
        // number an older check accepted is still found.
        let index = keys.mobile_index(digits);
        let sealed = if table.sealed {
            seal_digits(keys, table, &index, digits)
        } else {
            Vec::new()
        };
        (index.to_vec(), sealed)
    };
    let sealed = repo.seal_legacy(&seal).await?;
    if sealed > 0 {
        tracing::info!(
            rows = sealed,
            "mobile numbers stored in clear are now encrypted"
        );
    }
    Ok(sealed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SecretKey;

    fn keys() -> Keys {
        Keys::derive(&SecretKey::from_bytes(vec![7; 32]).unwrap())
    }

    #[test]
    fn a_sealed_number_opens_only_in_its_table_and_row() {
        let keys = keys();
        let me = app::domain::mobile::validate("13812345678").unwrap();
        let other = app::domain::mobile::validate("13912345678").unwrap();
        let sealed = seal(&keys, USERS, &me);
        assert!(!sealed.windows(11).any(|w| w == b"13812345678"));
        assert_eq!(open(&keys, USERS, &index(&keys, &me), &sealed).unwrap(), me);
        assert!(open(&keys, SMS_OUTBOX, &index(&keys, &me), &sealed).is_err());
        assert!(open(&keys, USERS, &index(&keys, &other), &sealed).is_err());
    }

    #[test]
    fn the_index_is_keyed() {
        let me = app::domain::mobile::validate("13812345678").unwrap();
        let other_keys = Keys::derive(&SecretKey::from_bytes(vec![8; 32]).unwrap());
        assert_eq!(index(&keys(), &me), index(&keys(), &me));
        assert_ne!(index(&keys(), &me), index(&other_keys, &me));
    }
}
