//! Camera preflight and the live stream: checked on a tap (browsers only ask for permission
//! from a user gesture), with guidance specific to why it failed and to the browser.

use js_sys::{Object, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    DomException, HtmlVideoElement, MediaStream, MediaStreamConstraints, MediaStreamTrack,
};

use crate::dom;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Facing {
    /// The rear camera, for the card.
    Environment,
    /// The front camera, for the face.
    User,
}

/// Why the live camera cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CameraError {
    /// Not https (the camera API exists only in secure contexts).
    Insecure,
    /// The browser has no camera API (old WebView, some in-app browsers).
    Unsupported,
    /// The user or a setting refused.
    Denied,
    /// No camera of that kind.
    NotFound,
    /// Another app holds the camera.
    Busy,
    Other,
}

/// The platform, for where a setting lives.
struct Platform {
    ios: bool,
    /// WeChat, QQ, Alipay, DingTalk, Weibo: in-app browsers whose camera support varies.
    in_app: Option<&'static str>,
}

fn platform() -> Platform {
    let ua = dom::user_agent();
    let in_app = [
        ("MicroMessenger", "微信"),
        ("QQ/", "QQ"),
        ("AlipayClient", "支付宝"),
        ("DingTalk", "钉钉"),
        ("Weibo", "微博"),
    ]
    .into_iter()
    .find(|(mark, _)| ua.contains(mark))
    .map(|(_, name)| name);
    Platform {
        ios: ua.contains("iPhone") || ua.contains("iPad") || ua.contains("iPod"),
        in_app,
    }
}

impl CameraError {
    /// What to tell the user, most useful first. The photo can always be taken with the
    /// system camera through the file field, so every case ends there.
    pub fn guidance(self) -> Vec<String> {
        let platform = platform();
        let mut lines = Vec::new();
        match self {
            CameraError::Insecure => {
                lines.push("当前页面不是通过 HTTPS 安全连接打开的，浏览器不允许使用摄像头。".into())
            }
            CameraError::Unsupported => {
                lines.push("这个浏览器不支持在网页中直接使用摄像头。".into())
            }
            CameraError::Denied => {
                lines.push("摄像头权限被拒绝了。".into());
                if let Some(app) = platform.in_app {
                    if platform.ios {
                        lines.push(format!(
                            "请打开 iPhone 的“设置” → 找到“{app}” → 打开“相机”，然后回到这里刷新页面。"
                        ));
                    } else {
                        lines.push(format!(
                            "请在手机“设置” → “应用管理” → “{app}” → “权限”中允许使用相机，然后回到这里刷新页面。"
                        ));
                    }
                } else if platform.ios {
                    lines.push(
                        "请打开 iPhone 的“设置” → “Safari 浏览器” → “相机”，选择“询问”或“允许”，然后刷新本页；也可以点地址栏左侧的“大小”图标 → “网站设置” → “相机” → “允许”。"
                            .into(),
                    );
                } else {
                    lines.push(
                        "请点浏览器地址栏左侧的锁形图标 → “权限”或“网站设置” → 允许“相机”，然后刷新本页。"
                            .into(),
                    );
                }
            }
            CameraError::NotFound => lines.push("没有找到可用的摄像头。".into()),
            CameraError::Busy => lines.push(
                "摄像头正被其他应用占用。请关闭正在使用相机的应用（视频通话、扫码等）后重试。"
                    .into(),
            ),
            CameraError::Other => lines.push("摄像头没有打开。".into()),
        }
        if let Some(app) = platform.in_app
            && matches!(self, CameraError::Unsupported | CameraError::Other)
        {
            lines.push(format!(
                "在{app}中可以点右上角“···”，选择“在浏览器中打开”，在手机浏览器中继续。"
            ));
        }
        lines
    }
}

/// An open camera shown in `video`. Stop it before leaving the page.
pub struct Camera {
    stream: MediaStream,
    pub video: HtmlVideoElement,
}

impl Camera {
    pub async fn open(video: HtmlVideoElement, facing: Facing) -> Result<Camera, CameraError> {
        let window = dom::window();
        if !window.is_secure_context() {
            return Err(CameraError::Insecure);
        }
        let navigator = window.navigator();
        let devices =
            Reflect::get(&navigator, &"mediaDevices".into()).unwrap_or(JsValue::UNDEFINED);
        if devices.is_undefined()
            || Reflect::get(&devices, &"getUserMedia".into())
                .map(|f| !f.is_function())
                .unwrap_or(true)
        {
            return Err(CameraError::Unsupported);
        }
        let devices: web_sys::MediaDevices = devices.unchecked_into();
        let constraints = MediaStreamConstraints::new();
        constraints.set_audio(&JsValue::FALSE);
        constraints.set_video(&video_constraints(facing));
        let promise = devices
            .get_user_media_with_constraints(&constraints)
            .map_err(|_| CameraError::Unsupported)?;
        let stream: MediaStream = JsFuture::from(promise)
            .await
            .map_err(classify)?
            .unchecked_into();
        video.set_src_object(Some(&stream));
        // iOS plays inline only with these set before play().
        video.set_muted(true);
        let _ = video.set_attribute("playsinline", "");
        if let Ok(playing) = video.play() {
            let _ = JsFuture::from(playing).await;
        }
        // Wait until frames have a size: the first frames of some cameras are 0×0.
        for _ in 0..50 {
            if video.video_width() > 0 {
                break;
            }
            dom::sleep(100).await;
        }
        Ok(Camera { stream, video })
    }

    pub fn stop(&self) {
        for track in self.stream.get_tracks().iter() {
            if let Ok(track) = track.dyn_into::<MediaStreamTrack>() {
                track.stop();
            }
        }
        self.video.set_src_object(None);
    }
}

fn video_constraints(facing: Facing) -> JsValue {
    let ideal = |value: JsValue| {
        let object = Object::new();
        let _ = Reflect::set(&object, &"ideal".into(), &value);
        object
    };
    let video = Object::new();
    let mode = match facing {
        Facing::Environment => "environment",
        Facing::User => "user",
    };
    let _ = Reflect::set(&video, &"facingMode".into(), &ideal(mode.into()));
    // Enough to read a card's small print; faces need less.
    let (width, height) = match facing {
        Facing::Environment => (1920, 1080),
        Facing::User => (640, 480),
    };
    let _ = Reflect::set(&video, &"width".into(), &ideal(width.into()));
    let _ = Reflect::set(&video, &"height".into(), &ideal(height.into()));
    video.into()
}

fn classify(error: JsValue) -> CameraError {
    let name = error
        .dyn_ref::<DomException>()
        .map(|e| e.name())
        .unwrap_or_default();
    match name.as_str() {
        "NotAllowedError" | "SecurityError" | "PermissionDeniedError" => CameraError::Denied,
        "NotFoundError" | "OverconstrainedError" | "DevicesNotFoundError" => CameraError::NotFound,
        "NotReadableError" | "TrackStartError" | "AbortError" => CameraError::Busy,
        _ => CameraError::Other,
    }
}
