//! The three documents an applicant prints, signs or stamps and uploads — 授权委托书,
//! 数字证书申请表, 印章采集表 — rendered as PDFs from the application's data.
//!
//! The same code runs on the server and in the browser (wasm). Without features the
//! crate is only the data model and [`characters`], cheap for the app to depend on.
//! `pdf` (default) adds `render`; `subset` adds `subset_font`, which the server uses to
//! send the browser a font with exactly the characters of one document.

mod document;
#[cfg(all(test, feature = "pdf"))]
mod fixtures;
mod model;
mod text;
mod wording;

#[cfg(feature = "pdf")]
mod layout;
#[cfg(feature = "pdf")]
mod qr;
#[cfg(feature = "pdf")]
mod render;
#[cfg(feature = "subset")]
mod subset;
#[cfg(feature = "pdf")]
mod wrap;

pub use model::{
    Agent, ApplicationType, CertificateLine, ChangeLine, DocumentData, DocumentKind, Holder,
    Organisation, Person, Subject, UnknownDocumentKind,
};
#[cfg(feature = "pdf")]
pub use render::{RenderError, render};
#[cfg(feature = "subset")]
pub use subset::{SubsetError, subset_font};
pub use text::characters;
