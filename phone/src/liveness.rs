//! 活体检测: the server's prompts shown one at a time over the front camera while frames are
//! taken — one looking straight ahead, then two during each movement. Where the browser has
//! no camera API (some in-app browsers), a selfie video recorded with the system camera
//! stands in, and the frames are taken from it here.

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::{Blob, HtmlElement, HtmlInputElement, HtmlVideoElement, Url};

use crate::api::LivenessChallenge;
use crate::camera::{Camera, CameraError, Facing};
use crate::frame::{self, Crop, Source};
use crate::{api, dom};

/// Face frames: small and quick to send; the provider needs no more.
const FRAME_WIDTH: f64 = 480.0;
const FRAME_QUALITY: f64 = 0.8;
/// Time to settle in front of the camera before the first frame.
const SETTLE_MS: i32 = 1200;
/// Within one prompt: the first frame as the movement starts, the second at its height.
const PROMPT_FIRST_MS: i32 = 700;
const PROMPT_SECOND_MS: i32 = 700;

struct Step {
    token: String,
    busy: Cell<bool>,
}

pub fn start(token: String) {
    let step = Rc::new(Step {
        token,
        busy: Cell::new(false),
    });
    dom::set_hidden("phone-start-liveness", false);
    if let Some(button) = dom::by_id::<HtmlElement>("phone-start-liveness") {
        let step = step.clone();
        dom::on(&button, "click", move |_| {
            let step = step.clone();
            wasm_bindgen_futures::spawn_local(async move { run(&step).await });
        });
    }
}

async fn run(step: &Step) {
    if step.busy.replace(true) {
        return;
    }
    dom::help(&[]);
    dom::status("正在打开前置摄像头…", false);
    let Some(video) = dom::by_id::<HtmlVideoElement>("phone-video") else {
        return;
    };
    match Camera::open(video, Facing::User).await {
        Ok(camera) => {
            dom::set_hidden("phone-start-liveness", true);
            dom::set_hidden("phone-camera", false);
            let outcome = with_camera(step, &camera).await;
            camera.stop();
            finish(outcome);
        }
        Err(error) => {
            dom::status("无法打开前置摄像头。", true);
            dom::help(&error.guidance());
            if matches!(
                error,
                CameraError::Unsupported | CameraError::Insecure | CameraError::Other
            ) {
                offer_video(step).await;
            }
        }
    }
    step.busy.set(false);
}

async fn with_camera(step: &Step, camera: &Camera) -> Result<(), api::Refused> {
    dom::status("", false);
    let challenge = api::start_liveness(&step.token).await?;
    let budget = usize::from(challenge.max_frames);
    let mut frames = Vec::with_capacity(budget);
    dom::set_text("phone-prompt", "请正对屏幕，保持不动");
    dom::sleep(SETTLE_MS).await;
    frames.extend(grab(&camera.video).await);
    for prompt in &challenge.prompts {
        dom::set_text("phone-prompt", &format!("请{}", prompt.text));
        dom::sleep(PROMPT_FIRST_MS).await;
        frames.extend(grab(&camera.video).await);
        dom::sleep(PROMPT_SECOND_MS).await;
        if frames.len() < budget {
            frames.extend(grab(&camera.video).await);
        }
    }
    dom::set_text("phone-prompt", "正在检测…");
    dom::status("正在检测，请稍候…", false);
    send(step, &challenge, &frames).await
}

async fn grab(video: &HtmlVideoElement) -> Option<Blob> {
    let source = Source::Video(video);
    let (width, height) = source.size();
    let whole = Crop {
        x: 0.0,
        y: 0.0,
        width,
        height,
    };
    let canvas = frame::draw(&source, whole, FRAME_WIDTH)?;
    frame::jpeg(&canvas, FRAME_QUALITY).await
}

async fn send(
    step: &Step,
    challenge: &LivenessChallenge,
    frames: &[Blob],
) -> Result<(), api::Refused> {
    if frames.len() < usize::from(challenge.min_frames) {
        return Err(api::Refused {
            status: 0,
            code: "frames".into(),
            message: "没有拍到足够的画面，请重试。".into(),
        });
    }
    api::liveness(&step.token, &challenge.challenge, frames)
        .await
        .map(|_| ())
}

/// Any answer from the provider, pass or fail, is shown by the reloaded page (the attempts
/// left, or the end of the session); only a call that did not get through stays here.
fn finish(outcome: Result<(), api::Refused>) {
    match outcome {
        Ok(()) => {
            dom::status("检测完成，正在更新…", false);
            dom::reload();
        }
        Err(refused) if refused.page_knows_better() => dom::reload(),
        Err(refused) => {
            dom::set_hidden("phone-camera", true);
            dom::set_hidden("phone-start-liveness", false);
            let again = if refused.code == "challenge_stale" {
                "检测超时，请点“开始检测”重新开始。".to_owned()
            } else {
                refused.message
            };
            dom::status(&again, true);
        }
    }
}

/// The recorded-video way: the prompts are listed first, then the video is cut into frames.
async fn offer_video(step: &Step) {
    let challenge = match api::start_liveness(&step.token).await {
        Ok(challenge) => Rc::new(challenge),
        Err(refused) => return finish(Err(refused)),
    };
    if let Some(list) = dom::by_id::<HtmlElement>("phone-video-steps") {
        list.set_inner_html("");
        let mut lines = vec!["正对镜头约 1 秒".to_owned()];
        lines.extend(
            challenge
                .prompts
                .iter()
                .map(|p| format!("{}，约 1 秒", p.text)),
        );
        for line in lines {
            if let Ok(li) = dom::document().create_element("li") {
                li.set_text_content(Some(&line));
                let _ = list.append_child(&li);
            }
        }
    }
    dom::set_hidden("phone-start-liveness", true);
    dom::set_hidden("phone-video-fallback", false);
    let Some(input) = dom::by_id::<HtmlInputElement>("phone-video-file") else {
        return;
    };
    let token = step.token.clone();
    let field = input.clone();
    dom::on(&input, "change", move |_| {
        let Some(file) = field.files().and_then(|f| f.get(0)) else {
            return;
        };
        let challenge = challenge.clone();
        let token = token.clone();
        wasm_bindgen_futures::spawn_local(async move {
            dom::status("正在处理视频…", false);
            let frames = video_frames(&file, usize::from(challenge.max_frames)).await;
            let step = Step {
                token,
                busy: Cell::new(true),
            };
            finish(send(&step, &challenge, &frames).await);
        });
    });
}

/// `count` frames spread evenly over a recorded video.
async fn video_frames(file: &Blob, count: usize) -> Vec<Blob> {
    let mut frames = Vec::new();
    let Some(video) = dom::document()
        .create_element("video")
        .ok()
        .and_then(|v| v.dyn_into::<HtmlVideoElement>().ok())
    else {
        return frames;
    };
    let Ok(url) = Url::create_object_url_with_blob(file) else {
        return frames;
    };
    video.set_muted(true);
    let _ = video.set_attribute("playsinline", "");
    video.set_preload("auto");
    video.set_src(&url);
    if dom::next_event(&video, "loadeddata", 10_000).await {
        let duration = video.duration();
        let duration = if duration.is_finite() && duration > 0.0 {
            duration
        } else {
            5.0
        };
        for i in 0..count {
            video.set_current_time(duration * (i as f64 + 0.5) / count as f64);
            if !dom::next_event(&video, "seeked", 5_000).await {
                break;
            }
            frames.extend(grab(&video).await);
        }
    }
    let _ = Url::revoke_object_url(&url);
    frames
}
