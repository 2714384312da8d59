//! The reviewer accounts as the console names them; their rules are
//! [`crate::service::reviewers`], their storage [`crate::store::reviewers`].

pub use crate::service::reviewers::{
    AccountError, LOCK_MINUTES, MAX_FAILED_LOGINS, MIN_PASSWORD_CHARS, Reviewer,
    Reviewers as ReviewerStore, Role, SignIn,
};
