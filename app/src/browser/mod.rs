//! Browser-only helpers behind the materials and identity pages: uploads with progress,
//! shrinking photos before upload, the PDF generator loaded on demand, and following the
//! phone's progress. Only the lazily loaded pages call them, so they ship in their chunks.

pub mod camera;
pub mod pdf;
pub mod progress;
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
