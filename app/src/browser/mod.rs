//! Browser-only helpers behind the materials page: uploads with progress, shrinking photos
//! before upload, and the PDF generator loaded on demand. Only the lazily loaded page calls
//! them, so they ship in its wasm chunk.

pub mod pdf;
pub mod shrink;
pub mod upload;

use wasm_bindgen::JsValue;

/// A JavaScript error's message, for the log; applicants see a message of ours.
fn describe(error: &JsValue) -> String {
    js_sys::Error::from(error.clone())
        .message()
        .as_string()
        .unwrap_or_else(|| format!("{error:?}"))
}
