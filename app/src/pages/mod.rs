//! One module per route.

pub mod guide;
pub mod home;
pub mod not_found;
