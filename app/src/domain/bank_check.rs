//! 金融认证 (the financial check): after approval of an order paid online, the CA sends
//! 0.01 yuan to the applicant's basic account with a six-digit code in the transfer's memo; the
//! applicant gets the code from their finance staff and enters it. Entering it proves the
//! applicant controls the account named in the application.
//!
//! ```
//! use app::domain::bank_check::{validate_code, CodeError};
//!
//! assert_eq!(validate_code(" 12３ 456 ").unwrap(), "123456");
//! assert_eq!(validate_code("12345"), Err(CodeError::Length));
//! assert_eq!(validate_code("12345a"), Err(CodeError::NotDigits));
//! ```

use super::normalize::compact;

/// Digits in the memo's code.
pub const CODE_LEN: usize = 6;
/// Wrong entries before the code stops working and a new transfer is needed.
pub const MAX_ATTEMPTS: u8 = 5;
/// Hours a code stays valid after the transfer.
pub const VALID_HOURS: i64 = 72;
/// The amount sent, in fen.
pub const AMOUNT_FEN: i64 = 1;
/// New transfers (account corrections included) per order.
pub const MAX_TRANSFERS: u8 = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("请输入验证码")]
    Empty,
    #[error("验证码应为 6 位数字")]
    Length,
    #[error("验证码只能是数字")]
    NotDigits,
}

/// The code as typed (full-width digits, spaces, dashes folded) to its six ASCII digits.
pub fn validate_code(input: &str) -> Result<String, CodeError> {
    let code = compact(input);
    if code.is_empty() {
        return Err(CodeError::Empty);
    }
    if !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CodeError::NotDigits);
    }
    if code.len() != CODE_LEN {
        return Err(CodeError::Length);
    }
    Ok(code)
}

/// The memo of the transfer: the code and what it is for, short enough for a bank memo field
/// (many banks keep 30–40 characters).
pub fn memo(code: &str, number: &str) -> String {
    format!("数字证书金融认证码{code} 申请{number}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_as_people_type_them() {
        assert_eq!(validate_code("012345").unwrap(), "012345");
        assert_eq!(validate_code("０１２３４５").unwrap(), "012345");
        assert_eq!(validate_code("012-345").unwrap(), "012345");
        assert_eq!(validate_code(""), Err(CodeError::Empty));
        assert_eq!(validate_code("   "), Err(CodeError::Empty));
        assert_eq!(validate_code("0123456"), Err(CodeError::Length));
        assert_eq!(validate_code("01234o"), Err(CodeError::NotDigits));
    }

    #[test]
    fn the_memo_fits_a_bank_memo_field() {
        let memo = memo("012345", "SQ202612060001");
        assert!(memo.contains("012345") && memo.contains("SQ202612060001"));
        assert!(memo.chars().count() <= 40);
    }
}
