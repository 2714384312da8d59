//! Sends one file to a materials slot with `XMLHttpRequest`, whose upload events give a real
//! progress bar (`fetch` has none for request bodies in most browsers).

use js_sys::Promise;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, FormData, ProgressEvent, XmlHttpRequest};

use crate::services::materials::UploadedMaterial;

/// What the upload route answers when it refuses a file.
#[derive(serde::Deserialize)]
struct Refusal {
    error: String,
}

#[derive(serde::Deserialize)]
struct Stored {
    material: UploadedMaterial,
}

const NETWORK_FAILED: &str = "网络中断，文件没有上传成功，请检查网络后重新选择文件";

/// Posts `file` as the form field `file` to `url`; `progress` gets the fraction sent (0–1).
/// The error is the message to show at the slot.
pub async fn upload(
    url: &str,
    file: &Blob,
    file_name: &str,
    progress: impl Fn(f64) + 'static,
) -> Result<UploadedMaterial, String> {
    let request = XmlHttpRequest::new().map_err(|e| super::describe(&e))?;
    let form = FormData::new().map_err(|e| super::describe(&e))?;
    form.append_with_blob_and_filename("file", file, file_name)
        .map_err(|e| super::describe(&e))?;
    request.open("POST", url).map_err(|e| super::describe(&e))?;
    request
        .set_request_header("Accept", "application/json")
        .map_err(|e| super::describe(&e))?;

    let on_progress = Closure::<dyn Fn(ProgressEvent)>::new(move |event: ProgressEvent| {
        if event.length_computable() && event.total() > 0.0 {
            progress(event.loaded() / event.total());
        }
    });
    if let Ok(target) = request.upload() {
        target.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    }
    // Settles when the request ends either way; the closures live until then.
    let mut settle: Option<(js_sys::Function, js_sys::Function)> = None;
    let done = Promise::new(&mut |resolve, reject| settle = Some((resolve, reject)));
    let (resolve, reject) = settle.expect("the Promise executor runs at once");
    request.set_onload(Some(&resolve));
    request.set_onerror(Some(&reject));
    request.set_onabort(Some(&reject));
    request
        .send_with_opt_form_data(Some(&form))
        .map_err(|e| super::describe(&e))?;
    let outcome = JsFuture::from(done).await;
    drop(on_progress);
    if outcome.is_err() {
        return Err(NETWORK_FAILED.to_owned());
    }

    let status = request.status().unwrap_or(0);
    let body = request.response_text().ok().flatten().unwrap_or_default();
    if status == 200 {
        serde_json::from_str::<Stored>(&body)
            .map(|s| s.material)
            .map_err(|_| NETWORK_FAILED.to_owned())
    } else {
        Err(serde_json::from_str::<Refusal>(&body)
            .map(|r| r.error)
            .unwrap_or_else(|_| match status {
                401 => "登录已失效，请刷新页面重新登录后再上传".to_owned(),
                _ => "上传没有成功，请稍后重新选择文件".to_owned(),
            }))
    }
}
