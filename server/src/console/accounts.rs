//! The reviewer accounts under the names the console's pages use; their rules are
//! [`crate::service::reviewers`], their storage [`crate::store::reviewers`].

pub use crate::service::reviewers::{
    AccountError, LOCK_MINUTES, MAX_FAILED_LOGINS, MIN_PASSWORD_CHARS, Reviewer,
    Reviewers as ReviewerStore, Role, SignIn,
};
