//! 人像面 / 国徽面: the live camera with the card guide, or the system camera through the file
//! field; each photo is checked here, then sent, and the page reloads to show what the server
//! made of it (next side, or which field disagrees with the form).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use web_sys::{Blob, HtmlElement, HtmlImageElement, HtmlInputElement, HtmlVideoElement};

use crate::camera::{Camera, Facing};
use crate::frame::{self, Crop, Source};
use crate::quality::{self, Problem};
use crate::{api, dom};

/// The upload is a JPEG of the card at most this wide: its print stays legible and it stays
/// far below the 2 MB limit.
const UPLOAD_WIDTH: f64 = 1600.0;
const UPLOAD_QUALITY: f64 = 0.9;

struct Step {
    token: String,
    side: String,
    /// Photos refused here so far; after `max_retakes` the next one is sent regardless.
    refused: Cell<u8>,
    max_retakes: u8,
    camera: RefCell<Option<Camera>>,
    busy: Cell<bool>,
}

pub fn start(token: String, screen: &HtmlElement) {
    let side = screen.dataset().get("side").unwrap_or_default();
    let max_retakes = screen
        .dataset()
        .get("maxRetakes")
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let step = Rc::new(Step {
        token,
        side,
        refused: Cell::new(0),
        max_retakes,
        camera: RefCell::new(None),
        busy: Cell::new(false),
    });

    // With the script running, a chosen file is checked and sent at once.
    dom::set_hidden("phone-file-submit", true);
    dom::set_hidden("phone-open-camera", false);

    if let Some(button) = dom::by_id::<HtmlElement>("phone-open-camera") {
        let step = step.clone();
        dom::on(&button, "click", move |_| {
            let step = step.clone();
            wasm_bindgen_futures::spawn_local(async move { open_camera(&step).await });
        });
    }
    if let Some(button) = dom::by_id::<HtmlElement>("phone-shoot") {
        let step = step.clone();
        dom::on(&button, "click", move |_| {
            let step = step.clone();
            wasm_bindgen_futures::spawn_local(async move { shoot(&step).await });
        });
    }
    if let Some(input) = dom::by_id::<HtmlInputElement>("phone-file") {
        let step = step.clone();
        let field = input.clone();
        dom::on(&input, "change", move |_| {
            let Some(file) = field.files().and_then(|files| files.get(0)) else {
                return;
            };
            field.set_value("");
            let step = step.clone();
            wasm_bindgen_futures::spawn_local(async move { from_file(&step, file.into()).await });
        });
    }
}

async fn open_camera(step: &Step) {
    let Some(video) = dom::by_id::<HtmlVideoElement>("phone-video") else {
        return;
    };
    dom::status("正在打开摄像头…", false);
    dom::help(&[]);
    match Camera::open(video, Facing::Environment).await {
        Ok(camera) => {
            *step.camera.borrow_mut() = Some(camera);
            dom::set_hidden("phone-camera", false);
            dom::set_hidden("phone-open-camera", true);
            dom::set_hidden("phone-preview", true);
            dom::status("", false);
        }
        Err(error) => {
            dom::status("无法打开摄像头，可以改用下方的“用手机相机拍照”。", true);
            dom::help(&error.guidance());
        }
    }
}

async fn shoot(step: &Step) {
    if step.busy.replace(true) {
        return;
    }
    let picture = {
        let camera = step.camera.borrow();
        camera.as_ref().and_then(|camera| {
            let source = Source::Video(&camera.video);
            let (width, height) = source.size();
            let (guide, crop) = frame::guide_crop(width, height);
            let problems = problems(&source, crop, Some(guide));
            let canvas = frame::draw(&source, crop, UPLOAD_WIDTH)?;
            Some((canvas, problems))
        })
    };
    match picture {
        Some((canvas, problems)) => {
            if let Some(blob) = frame::jpeg(&canvas, UPLOAD_QUALITY).await {
                judge_and_send(step, blob, problems).await;
            }
        }
        None => dom::status("没有拍到画面，请稍候再拍。", true),
    }
    step.busy.set(false);
}

async fn from_file(step: &Step, file: Blob) {
    if step.busy.replace(true) {
        return;
    }
    dom::status("正在检查照片…", false);
    match frame::decode(&file).await {
        Some(image) => {
            let (canvas, problems) = whole_image(&image);
            match canvas {
                Some(canvas) => match frame::jpeg(&canvas, UPLOAD_QUALITY).await {
                    Some(blob) => judge_and_send(step, blob, problems).await,
                    None => dom::status("照片无法处理，请重新拍摄。", true),
                },
                None => dom::status("照片无法处理，请重新拍摄。", true),
            }
        }
        None => dom::status(
            "无法打开这张照片。请选择 JPG 或 PNG 格式的照片，或直接用相机拍摄。",
            true,
        ),
    }
    step.busy.set(false);
}

fn whole_image(image: &HtmlImageElement) -> (Option<web_sys::HtmlCanvasElement>, Vec<Problem>) {
    let source = Source::Image(image);
    let (width, height) = source.size();
    let crop = Crop {
        x: 0.0,
        y: 0.0,
        width,
        height,
    };
    let problems = problems(&source, crop, None);
    (frame::draw(&source, crop, UPLOAD_WIDTH), problems)
}

fn problems(source: &Source, crop: Crop, guide: Option<Crop>) -> Vec<Problem> {
    match frame::analysis(source, crop, guide) {
        Some((gray, rect)) => quality::check(&gray, rect),
        // Could not read pixels back (very old WebView): let the server judge.
        None => Vec::new(),
    }
}

/// Refuses a weak photo with its reasons, until the retakes are used up; then sends.
async fn judge_and_send(step: &Step, blob: Blob, problems: Vec<Problem>) {
    show_preview(&blob);
    if !problems.is_empty() && step.refused.get() < step.max_retakes {
        step.refused.set(step.refused.get() + 1);
        let left = step.max_retakes - step.refused.get();
        let reasons: Vec<&str> = problems.iter().map(|p| p.message()).collect();
        let tail = if left == 0 {
            "再拍一次后将直接上传，由审核人员人工核对。".to_owned()
        } else {
            format!("请重拍（还可重拍 {left} 次）。")
        };
        dom::status(&format!("{}{tail}", reasons.join("")), true);
        return;
    }
    dom::status("正在上传并识别，请稍候…", false);
    match api::id_photo(&step.token, &step.side, &blob).await {
        Ok(result) if result.accepted => {
            dom::status("已识别，正在进入下一步…", false);
            leave(step);
        }
        // A disagreement with the form: the page lists it, with the retakes left.
        Ok(_) => leave(step),
        Err(refused) if refused.page_knows_better() => leave(step),
        Err(refused) => dom::status(&refused.message, true),
    }
}

fn show_preview(blob: &Blob) {
    if let (Some(img), Some(url)) = (
        dom::by_id::<HtmlImageElement>("phone-preview-img"),
        frame::preview_url(blob),
    ) {
        let old = img.src();
        img.set_src(&url);
        if old.starts_with("blob:") {
            let _ = web_sys::Url::revoke_object_url(&old);
        }
        dom::set_hidden("phone-preview", false);
    }
}

fn leave(step: &Step) {
    if let Some(camera) = step.camera.borrow().as_ref() {
        camera.stop();
    }
    dom::reload();
}
