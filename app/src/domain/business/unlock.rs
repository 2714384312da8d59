//! 解锁: the holder forgot the U-key's PIN or locked it with wrong tries. Free: the agent (or
//! natural person) confirms with a code texted to the registered mobile, and an unlock code goes
//! by SMS to the same mobile. The CA's driver (证书助手) asks for it with the certificate's
//! serial and resets the PIN; the code is kept only as a keyed hash, expires, and works once.

use crate::domain::order::{Actor, Event, Status, TransitionError, may};

/// How long an unlock code works.
pub const CODE_TTL_SECS: i64 = 30 * 60;
/// Wrong tries after which an unlock code is dead.
pub const MAX_ATTEMPTS: i64 = 5;
/// Characters of an unlock code: digits and capitals without the look-alikes (0/O, 1/I/L),
/// since the holder types it from a text into the driver.
pub const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// 12 characters of 31: about 59 bits, far beyond what 5 tries can guess.
pub const CODE_LEN: usize = 12;

/// The steps of an unlock order: opened once the confirmation code is right, done when the
/// unlock code has gone out.
pub fn transition(from: Status, event: Event, actor: Actor) -> Result<Status, TransitionError> {
    let to = match (from, event) {
        (Status::InProduction, Event::Complete) => Status::Completed,
        _ => return Err(TransitionError::NotNow { from, event }),
    };
    if !may(actor, event) {
        return Err(TransitionError::NotAllowed { actor, event });
    }
    Ok(to)
}

/// An unlock code as typed: spaces and dashes dropped, lower case raised, look-alikes mapped
/// (O→0 is not in the alphabet, so O and 0 both fail alike). `None` unless it has the
/// code's length and alphabet.
pub fn normalise(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == CODE_LEN && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

/// The code in groups of four, as texted and shown.
pub fn grouped(code: &str) -> String {
    code.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_code_is_read_however_it_was_spaced_or_cased() {
        assert_eq!(
            normalise(" abcd-2345 wxyz ").as_deref(),
            Some("ABCD2345WXYZ")
        );
        assert_eq!(grouped("ABCD2345WXYZ"), "ABCD-2345-WXYZ");
        assert_eq!(normalise("ABCD2345WXY"), None, "too short");
        assert_eq!(normalise("ABCD2345WXY0"), None, "0 is not in the alphabet");
        assert_eq!(normalise("ABCD2345WXYI"), None, "nor is I");
    }

    #[test]
    fn only_the_system_completes() {
        assert_eq!(
            transition(Status::InProduction, Event::Complete, Actor::System),
            Ok(Status::Completed)
        );
        assert!(transition(Status::AwaitingPayment, Event::Complete, Actor::System).is_err());
        assert!(transition(Status::InProduction, Event::Complete, Actor::Reviewer).is_err());
    }
}
