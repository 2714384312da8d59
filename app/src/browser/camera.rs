//! Whether this computer has a camera, for offering to do the phone step here. Listing
//! devices needs no permission; before one is granted, the labels are empty but the kinds
//! are there.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{MediaDeviceInfo, MediaDeviceKind};

/// `Some(false)` only when the browser lists devices and none is a camera; `None` when it
/// cannot tell (no device API, not a secure context).
pub async fn has_camera() -> Option<bool> {
    let navigator = web_sys::window()?.navigator();
    let devices = js_sys::Reflect::get(&navigator, &JsValue::from_str("mediaDevices")).ok()?;
    if devices.is_undefined() {
        return None;
    }
    let devices: web_sys::MediaDevices = devices.unchecked_into();
    let listed = JsFuture::from(devices.enumerate_devices().ok()?)
        .await
        .ok()?;
    let listed: js_sys::Array = listed.dyn_into().ok()?;
    Some(listed.iter().any(|device| {
        device
            .dyn_into::<MediaDeviceInfo>()
            .is_ok_and(|d| d.kind() == MediaDeviceKind::Videoinput)
    }))
}
