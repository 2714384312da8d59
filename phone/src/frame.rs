//! Pictures on canvases: a frame from the camera (cropped to the guide), a photo from a file,
//! the JPEG to upload, and the small grayscale copy the quality checks read.

use js_sys::Promise;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, CanvasRenderingContext2d, HtmlCanvasElement, HtmlImageElement, HtmlVideoElement, Url,
};

use crate::dom;
use crate::quality::{Gray, Rect};

/// The ID card's shape (ISO/IEC 7810 ID-1: 85.6 × 54 mm).
pub const CARD_ASPECT: f64 = 85.6 / 54.0;
/// The guide's width as a share of the camera picture; the CSS draws the same box.
pub const GUIDE_WIDTH: f64 = 0.86;
/// Kept around the guide, so a card slightly larger than the box is not cut.
const MARGIN: f64 = 0.08;
/// Width the quality checks look at: enough for print, quick to scan.
const ANALYSIS_WIDTH: u32 = 400;

/// A region of a source picture, in its pixels.
#[derive(Clone, Copy, Debug)]
pub struct Crop {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

/// Something drawable with a size.
pub enum Source<'a> {
    Video(&'a HtmlVideoElement),
    Image(&'a HtmlImageElement),
}

impl Source<'_> {
    pub fn size(&self) -> (f64, f64) {
        match self {
            Source::Video(v) => (f64::from(v.video_width()), f64::from(v.video_height())),
            Source::Image(i) => (f64::from(i.natural_width()), f64::from(i.natural_height())),
        }
    }
}

/// The guide box in a `width`×`height` picture, and the crop around it with the margin.
pub fn guide_crop(width: f64, height: f64) -> (Crop, Crop) {
    let mut guide_w = GUIDE_WIDTH * width;
    let mut guide_h = guide_w / CARD_ASPECT;
    // A landscape picture wider than the card's shape: the box is limited by the height.
    if guide_h > GUIDE_WIDTH * height {
        guide_h = GUIDE_WIDTH * height;
        guide_w = guide_h * CARD_ASPECT;
    }
    let guide = Crop {
        x: (width - guide_w) / 2.0,
        y: (height - guide_h) / 2.0,
        width: guide_w,
        height: guide_h,
    };
    let mx = (guide_w * MARGIN).min(guide.x);
    let my = (guide_h * MARGIN).min(guide.y);
    let crop = Crop {
        x: guide.x - mx,
        y: guide.y - my,
        width: guide_w + 2.0 * mx,
        height: guide_h + 2.0 * my,
    };
    (guide, crop)
}

pub fn canvas() -> Option<HtmlCanvasElement> {
    dom::document()
        .create_element("canvas")
        .ok()?
        .dyn_into()
        .ok()
}

fn context(canvas: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    canvas.get_context("2d").ok()??.dyn_into().ok()
}

/// `crop` of `source` drawn at most `max_width` pixels wide.
pub fn draw(source: &Source, crop: Crop, max_width: f64) -> Option<HtmlCanvasElement> {
    if crop.width < 1.0 || crop.height < 1.0 {
        return None;
    }
    let scale = (max_width / crop.width).min(1.0);
    let canvas = canvas()?;
    canvas.set_width((crop.width * scale).round() as u32);
    canvas.set_height((crop.height * scale).round() as u32);
    let context = context(&canvas)?;
    let (w, h) = (f64::from(canvas.width()), f64::from(canvas.height()));
    let drawn = match source {
        Source::Video(video) => context
            .draw_image_with_html_video_element_and_sw_and_sh_and_dx_and_dy_and_dw_and_dh(
                video,
                crop.x,
                crop.y,
                crop.width,
                crop.height,
                0.0,
                0.0,
                w,
                h,
            ),
        Source::Image(image) => context
            .draw_image_with_html_image_element_and_sw_and_sh_and_dx_and_dy_and_dw_and_dh(
                image,
                crop.x,
                crop.y,
                crop.width,
                crop.height,
                0.0,
                0.0,
                w,
                h,
            ),
    };
    drawn.ok()?;
    Some(canvas)
}

/// The grayscale copy for the quality checks, and where `guide` (in `crop`'s source pixels)
/// falls in it.
pub fn analysis(source: &Source, crop: Crop, guide: Option<Crop>) -> Option<(Gray, Option<Rect>)> {
    let canvas = draw(source, crop, f64::from(ANALYSIS_WIDTH))?;
    let (w, h) = (canvas.width(), canvas.height());
    let data = context(&canvas)?
        .get_image_data(0.0, 0.0, f64::from(w), f64::from(h))
        .ok()?
        .data();
    let gray = Gray::from_rgba(&data, w as usize, h as usize);
    let scale = f64::from(w) / crop.width;
    let rect = guide.map(|g| Rect {
        x: ((g.x - crop.x) * scale).max(0.0) as usize,
        y: ((g.y - crop.y) * scale).max(0.0) as usize,
        width: (g.width * scale) as usize,
        height: (g.height * scale) as usize,
    });
    Some((gray, rect))
}

/// The canvas as a JPEG.
pub async fn jpeg(canvas: &HtmlCanvasElement, quality: f64) -> Option<Blob> {
    let mut resolver = None;
    let promise = Promise::new(&mut |resolve, _| resolver = Some(resolve));
    let resolve = resolver?;
    let callback = Closure::once_into_js(move |blob: JsValue| {
        let _ = resolve.call1(&JsValue::NULL, &blob);
    });
    canvas
        .to_blob_with_type_and_encoder_options(
            callback.unchecked_ref(),
            "image/jpeg",
            &JsValue::from_f64(quality),
        )
        .ok()?;
    JsFuture::from(promise).await.ok()?.dyn_into().ok()
}

/// A photo file decoded by the browser (JPEG, PNG, and HEIC where the browser reads it).
pub async fn decode(file: &Blob) -> Option<HtmlImageElement> {
    let url = Url::create_object_url_with_blob(file).ok()?;
    let image = HtmlImageElement::new().ok()?;
    image.set_src(&url);
    let decoded = JsFuture::from(image.decode()).await;
    let _ = Url::revoke_object_url(&url);
    decoded.ok()?;
    Some(image)
}

/// An object URL for showing `blob` in an `<img>`.
pub fn preview_url(blob: &Blob) -> Option<String> {
    Url::create_object_url_with_blob(blob).ok()
}
