//! Renders a document to PDF in the browser: the generator is its own wasm module
//! (`documents-wasm`, built by `scripts/build-documents.sh`), fetched the first time and
//! reused; the font is a per-document subset from the server.

use js_sys::{Array, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, Url};

use crate::api::documents::load_document_source;

/// Where `scripts/build-documents.sh` puts the generator's JavaScript glue (outside `pkg/`,
/// which cargo-leptos empties on every build).
const MODULE_URL: &str = "/print/documents.js";

#[wasm_bindgen(module = "/src/js/documents.js")]
extern "C" {
    #[wasm_bindgen(js_name = loadDocuments)]
    fn load_documents(url: &str) -> Promise;
    #[wasm_bindgen(js_name = renderPdf)]
    fn render_pdf(url: &str, kind: &str, data_json: &str, font: &Uint8Array) -> Promise;
}

/// What the page shows while a document is being prepared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Loading,
    Rendering,
}

/// A ready PDF: an object URL to open or save, and the name to save it under.
#[derive(Clone, Debug, PartialEq)]
pub struct Rendered {
    pub url: String,
    pub file_name: String,
    pub size: f64,
}

const FAILED: &str = "生成 PDF 没有成功，请检查网络后重试；也可以点击“在服务器生成”。";

/// Renders document `kind` of application `number`; `phase` follows the steps.
pub async fn render(
    project: String,
    number: String,
    kind: String,
    phase: impl Fn(Phase),
) -> Result<Rendered, String> {
    phase(Phase::Loading);
    // The module, the data and the font load side by side.
    let module = load_documents(MODULE_URL);
    let source = load_document_source(project, number, kind.clone())
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "找不到这份申请，请刷新页面".to_owned())?;
    let font = gloo_net::http::Request::get(&source.font_path)
        .send()
        .await
        .map_err(|_| FAILED.to_owned())?;
    if !font.ok() {
        return Err(FAILED.to_owned());
    }
    let font = font.binary().await.map_err(|_| FAILED.to_owned())?;
    JsFuture::from(module).await.map_err(|e| {
        leptos::logging::warn!("loading the PDF generator failed: {}", super::describe(&e));
        FAILED.to_owned()
    })?;

    phase(Phase::Rendering);
    let font = Uint8Array::from(font.as_slice());
    let bytes = JsFuture::from(render_pdf(MODULE_URL, &kind, &source.data_json, &font))
        .await
        .map_err(|e| {
            leptos::logging::warn!("rendering {kind} failed: {}", super::describe(&e));
            FAILED.to_owned()
        })?;
    let bytes = Uint8Array::new(&bytes);
    let options = BlobPropertyBag::new();
    options.set_type("application/pdf");
    let blob = Blob::new_with_u8_array_sequence_and_options(&Array::of1(&bytes), &options)
        .map_err(|_| FAILED.to_owned())?;
    let url = Url::create_object_url_with_blob(&blob).map_err(|_| FAILED.to_owned())?;
    Ok(Rendered {
        url,
        file_name: source.file_name,
        size: blob.size(),
    })
}
