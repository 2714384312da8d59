//! 手机端身份认证 (the phone handoff): a QR code or text message on the desktop opens a light
//! page on the phone, which photographs the ID card and runs an active liveness check while
//! the desktop follows live.
//!
//! [`token`] makes and checks the link tokens, device secrets and short codes; [`photo`]
//! checks images by content; `vendor::identity` is the default [`IdentityVerifier`]; the
//! routes (`http::phone`) are the HTTP API both pages use. The sessions' rules are
//! in `service::handoff`, their rows in `store::handoff`.
//!
//! [`IdentityVerifier`]: app::services::handoff::IdentityVerifier

pub mod photo;
pub mod token;
