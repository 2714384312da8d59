//! One module per route.

pub mod apply;
pub mod consent;
pub mod dev_outbox;
pub mod guide;
pub mod home;
pub mod identity;
pub mod login;
pub mod materials;
pub mod not_found;
pub mod orders;
pub mod pay;
pub mod submitted;
pub mod verify;
