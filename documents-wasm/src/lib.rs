//! The browser's document renderer: one export, [`render_pdf`]. The page fetches the
//! application data and a font subset made for it, and gets the PDF bytes back without
//! a round trip to the server's renderer.

use documents::{DocumentData, DocumentKind};
use wasm_bindgen::prelude::*;

/// `kind` is a document slug (`authorization-letter`, `application-form`, `seal-sheet`),
/// `data_json` a serialized `DocumentData`, `font` a TrueType subset holding
/// `documents::characters` of that document. Errors carry a message for the console.
#[wasm_bindgen]
pub fn render_pdf(kind: &str, data_json: &str, font: &[u8]) -> Result<Vec<u8>, JsError> {
    let kind: DocumentKind = kind.parse()?;
    let data: DocumentData = serde_json::from_str(data_json)?;
    Ok(documents::render(kind, &data, font)?)
}
