//! What the store's answers about a texted code mean to the person typing it: the limits that
//! kept a code from going out, and the verdict on one typed.

use app::services::codes::CodeError;

use crate::store::logins::Reserved;
use crate::store::lookup::Checked;

/// The stored code's row, or why no code goes out (a wait of at least a second, at most
/// `resend_after`).
pub fn reserved(reserved: Reserved, resend_after: i64) -> Result<i64, CodeError> {
    match reserved {
        Reserved::Code(row) => Ok(row),
        Reserved::ResendIn(wait) => Err(CodeError::ResendTooSoon {
            secs: wait.clamp(1, resend_after) as u32,
        }),
        Reserved::DailyLimit => Err(CodeError::DailyLimit),
        Reserved::IpLimit => Err(CodeError::IpLimit),
    }
}

/// `Ok` when the typed code was right; the try that used up the last attempt says so.
pub fn verdict(checked: Checked, max_attempts: i64) -> Result<(), CodeError> {
    match checked {
        Checked::Right => Ok(()),
        Checked::NoCode => Err(CodeError::NoCode),
        Checked::Expired => Err(CodeError::Expired),
        Checked::Locked => Err(CodeError::Locked),
        Checked::Wrong { attempts } if attempts >= max_attempts => Err(CodeError::Locked),
        Checked::Wrong { attempts } => Err(CodeError::Wrong {
            attempts_left: (max_attempts - attempts) as u32,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_wrong_try_locks_and_waits_are_at_least_a_second() {
        assert_eq!(
            verdict(Checked::Wrong { attempts: 4 }, 5),
            Err(CodeError::Wrong { attempts_left: 1 })
        );
        assert_eq!(
            verdict(Checked::Wrong { attempts: 5 }, 5),
            Err(CodeError::Locked)
        );
        assert_eq!(verdict(Checked::Right, 5), Ok(()));
        assert_eq!(
            reserved(Reserved::ResendIn(0), 60),
            Err(CodeError::ResendTooSoon { secs: 1 })
        );
        assert_eq!(reserved(Reserved::Code(7), 60), Ok(7));
    }
}
