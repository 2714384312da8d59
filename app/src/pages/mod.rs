//! One module per route.

pub mod apply;
pub mod certificate_action;
pub mod certificates;
pub mod change;
pub mod consent;
pub mod dev_outbox;
pub mod guide;
pub mod home;
pub mod identity;
pub mod login;
pub mod lookup;
pub mod materials;
pub mod orders;
pub mod pay;
/// 撤回同意 / 注销账号, a section of 个人中心 (and of the consent page after a withdrawal).
pub mod privacy;
pub mod renewal;
pub mod replacement;
pub mod submitted;
pub mod verify;
