//! What can go wrong with a code the hall texts, whatever it is for (a lookup, a cancellation,
//! an unlock): `Display` is the message shown at the code field.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum CodeError {
    #[error("验证码已发送，请{secs}秒后再重新获取")]
    ResendTooSoon { secs: u32 },
    #[error("今日获取验证码次数已达上限，请明天再试")]
    DailyLimit,
    #[error("当前网络获取验证码过于频繁，请稍后再试")]
    IpLimit,
    #[error("请输入6位数字短信验证码")]
    Malformed,
    #[error("请先获取短信验证码")]
    NoCode,
    #[error("短信验证码不正确，还可以再试{attempts_left}次")]
    Wrong { attempts_left: u32 },
    #[error("短信验证码已失效（已使用或已过期），请重新获取")]
    Expired,
    #[error("短信验证码输入错误次数过多，请重新获取")]
    Locked,
    #[error("短信发送失败，请稍后重试")]
    SmsFailed,
}

/// A typed code with the digits it must have: six, spaces and full-width digits allowed.
pub fn six_digits(typed: &str) -> Result<String, CodeError> {
    let code = crate::domain::normalize::compact(typed);
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(code)
    } else {
        Err(CodeError::Malformed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_digits_as_typed() {
        assert_eq!(six_digits(" 123 456 ").as_deref(), Ok("123456"));
        assert_eq!(six_digits("１２３４５６").as_deref(), Ok("123456"));
        assert_eq!(six_digits("12345"), Err(CodeError::Malformed));
        assert_eq!(six_digits("12345a"), Err(CodeError::Malformed));
    }
}
