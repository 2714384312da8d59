//! The axum side: routes, extractors and pages for each area, and the layers every request
//! passes (connection limits, deadlines, client addresses, security headers, sessions). The
//! handlers are thin: they read the request, call a service and write the answer.

pub mod answer;
pub mod applicant;
pub mod client_addr;
pub mod console;
pub mod deadline;
pub mod documents;
pub(crate) mod handover;
pub(crate) mod health;
pub mod html;
pub(crate) mod materials;
pub(crate) mod owner_scope;
pub mod payment;
pub(crate) mod phone;
pub(crate) mod security;
pub mod serve;
pub mod sessions;
pub mod streams;
pub(crate) mod unlock;
