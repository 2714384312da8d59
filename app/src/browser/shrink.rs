//! Makes a phone photo of a document small enough to upload: drawn onto a canvas at most
//! [`MAX_SIDE`] pixels across and saved as JPEG, lowering the quality until it fits.

use js_sys::Promise;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, CanvasRenderingContext2d, HtmlCanvasElement, HtmlImageElement, Url};

use crate::domain::materials::MAX_UPLOAD_BYTES;

/// Enough for an A4 page to stay legible at about 280 dpi.
const MAX_SIDE: f64 = 3200.0;
/// Tried in turn until the JPEG fits.
const QUALITIES: [f64; 4] = [0.85, 0.75, 0.62, 0.5];

/// A JPEG of `file` under the upload limit, or `None` when the browser cannot decode it (not
/// an image it knows) or even the lowest quality is too large.
pub async fn shrink(file: &Blob) -> Option<Blob> {
    let url = Url::create_object_url_with_blob(file).ok()?;
    let image = decode(&url).await;
    let _ = Url::revoke_object_url(&url);
    let image = image?;

    let (width, height) = (
        f64::from(image.natural_width()),
        f64::from(image.natural_height()),
    );
    if width == 0.0 || height == 0.0 {
        return None;
    }
    let scale = (MAX_SIDE / width.max(height)).min(1.0);
    let canvas: HtmlCanvasElement = web_sys::window()?
        .document()?
        .create_element("canvas")
        .ok()?
        .dyn_into()
        .ok()?;
    canvas.set_width((width * scale).round() as u32);
    canvas.set_height((height * scale).round() as u32);
    let context: CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    // A transparent PNG must not turn black in the JPEG.
    context.set_fill_style_str("#fff");
    context.fill_rect(
        0.0,
        0.0,
        f64::from(canvas.width()),
        f64::from(canvas.height()),
    );
    context
        .draw_image_with_html_image_element_and_dw_and_dh(
            &image,
            0.0,
            0.0,
            f64::from(canvas.width()),
            f64::from(canvas.height()),
        )
        .ok()?;
    for quality in QUALITIES {
        let blob = to_jpeg(&canvas, quality).await?;
        if blob.size() as usize <= MAX_UPLOAD_BYTES {
            return Some(blob);
        }
    }
    None
}

async fn decode(url: &str) -> Option<HtmlImageElement> {
    let image = HtmlImageElement::new().ok()?;
    image.set_src(url);
    JsFuture::from(image.decode()).await.ok()?;
    Some(image)
}

async fn to_jpeg(canvas: &HtmlCanvasElement, quality: f64) -> Option<Blob> {
    let mut settle = None;
    let done = Promise::new(&mut |resolve, _| settle = Some(resolve));
    let resolve = settle?;
    let callback = Closure::once(move |blob: JsValue| {
        let _ = resolve.call1(&JsValue::NULL, &blob);
    });
    canvas
        .to_blob_with_type_and_encoder_options(
            callback.as_ref().unchecked_ref(),
            "image/jpeg",
            &JsValue::from_f64(quality),
        )
        .ok()?;
    let blob = JsFuture::from(done).await.ok()?;
    drop(callback);
    blob.dyn_into().ok()
}
