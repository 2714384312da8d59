//! 上传资料: the scans an applicant uploads after submitting, one per slot of
//! [`app::domain::materials::upload_slots`].
//!
//! [`inspect`] decides what a file is by its content (with [`layout`], [`pdf_prescan`] and
//! [`pdf_pages`] for its structure), `crate::service::materials` keeps it encrypted in
//! `crate::vendor::storage` with a row per slot, and `routes` serves the upload, removal and preview URLs.

pub mod inspect;
pub(crate) mod layout;
mod pdf_pages;
mod pdf_prescan;
mod pdf_streams;
mod pdf_tokens;
mod pdf_xref;
