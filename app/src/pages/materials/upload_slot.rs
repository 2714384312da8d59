//! One upload slot: what to upload, the file already there (thumbnail, replace, delete), and
//! the upload form. Without JavaScript the form posts the file and the page comes back with
//! the outcome; once hydrated, choosing a file uploads it at once with a progress bar, and
//! photos over the limit are shrunk in the browser first.

use leptos::prelude::*;

use crate::domain::materials::{ACCEPTED_TYPES, Slot};
use crate::services::materials::UploadedMaterial;

#[derive(Clone, Debug, PartialEq)]
// Only the browser moves past `Idle`.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum Activity {
    Idle,
    Shrinking,
    /// Percent sent.
    Uploading(u32),
    Deleting,
}

#[component]
pub fn SlotCard(
    base: String,
    spec: Slot,
    file: RwSignal<Option<UploadedMaterial>>,
    /// The file may be replaced but not deleted (the transfer voucher).
    #[prop(optional)]
    keep: bool,
    /// Whether the file may still change (see `MaterialsPage::editable`).
    editable: bool,
    /// Why review sent it back, when it did.
    flag: Option<String>,
) -> impl IntoView {
    let slot = spec;
    let upload_url = format!("{base}/{}", slot.id);
    let delete_url = format!("{upload_url}/delete");
    let file_url = format!("{upload_url}/file");
    let input_id = format!("file-{}", slot.id);
    let hint_id = format!("{input_id}-hint");
    let error_id = format!("{input_id}-error");
    let activity = RwSignal::new(Activity::Idle);
    let error = RwSignal::new(None::<String>);
    let hydrated = crate::components::form::use_hydrated();
    let input_ref = NodeRef::<leptos::html::Input>::new();

    #[cfg(feature = "hydrate")]
    let start_upload = {
        let upload_url = upload_url.clone();
        move || {
            let Some(input) = input_ref.get_untracked() else {
                return;
            };
            let Some(chosen) = input.files().and_then(|files| files.get(0)) else {
                return;
            };
            // Cleared so choosing the same file again after an error uploads it again.
            input.set_value("");
            let url = upload_url.clone();
            leptos::task::spawn_local(async move {
                send(url, chosen, activity, error, file).await;
            });
        }
    };
    #[cfg(not(feature = "hydrate"))]
    let start_upload = || {};
    let start_upload = StoredValue::new(start_upload);

    #[cfg(feature = "hydrate")]
    let on_delete = {
        // Stored, so the handler is `Copy` like the server build's.
        let delete_url = StoredValue::new(delete_url.clone());
        move |event: leptos::ev::SubmitEvent| {
            event.prevent_default();
            let url = delete_url.get_value();
            activity.set(Activity::Deleting);
            leptos::task::spawn_local(async move {
                let outcome = gloo_net::http::Request::post(&url)
                    .header("Accept", "application/json")
                    .send()
                    .await;
                activity.set(Activity::Idle);
                match outcome {
                    Ok(response) if response.ok() => {
                        error.set(None);
                        file.set(None);
                    }
                    _ => error.set(Some("删除没有成功，请稍后重试".to_owned())),
                }
            });
        }
    };
    #[cfg(not(feature = "hydrate"))]
    let on_delete = |_: leptos::ev::SubmitEvent| {};

    let name = slot.name.clone();
    let described_by = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || {
            if error.with(Option::is_some) {
                format!("{hint_id} {error_id}")
            } else {
                hint_id.clone()
            }
        }
    };
    view! {
        <div class="app-slot" id=format!("slot-{}", slot.id)
            class:app-slot--done=move || file.with(Option::is_some)
            class:app-slot--error=move || error.with(Option::is_some)>
            <h3 class="app-heading-s app-slot__title">
                {slot.name.clone()}
                <span class="app-tag">{move || if file.with(Option::is_some) { "已上传" } else { "待上传" }}</span>
            </h3>
            <p class="app-hint" id=hint_id>{slot.description.clone()}</p>
            {slot.document.map(|kind| view! {
                <p class="app-slot__document">
                    "先在第一步打印 "
                    <a href=format!("#document-{}", kind.slug())>{format!("《{}》", kind.title())}</a>
                    "，签字盖章后扫描上传。"
                </p>
            })}
            {slot.template.clone().map(|href| view! {
                <p><a href=href target="_blank" rel="noopener">"下载空白模板"</a></p>
            })}
            {move || file.get().map(|f| view! { <Preview file=f file_url=file_url.clone() name=name.clone() /> })}
            {move || error.get().map(|message| view! {
                <p class="app-error-message" id=error_id.clone() role="alert">
                    <span class="app-visually-hidden">"错误："</span>{message}
                </p>
            })}
            {move || match activity.get() {
                Activity::Idle => ().into_any(),
                Activity::Shrinking => view! { <p class="app-slot__activity">"照片较大，正在压缩…"</p> }.into_any(),
                Activity::Uploading(percent) => view! {
                    <p class="app-slot__activity">
                        <label>
                            {format!("正在上传 {percent}%")}
                            <progress class="app-progress" max="100" value=percent.to_string()></progress>
                        </label>
                    </p>
                }.into_any(),
                Activity::Deleting => view! { <p class="app-slot__activity">"正在删除…"</p> }.into_any(),
            }}
            {flag.map(|reason| view! {
                <p class="app-error-message app-slot__flag">"审核意见：" {reason} "，请重新上传"</p>
            })}
            <div class="app-slot__actions" hidden=!editable>
                <form method="post" action=upload_url enctype="multipart/form-data" class="app-slot__upload"
                    on:submit=move |event| {
                        event.prevent_default();
                        start_upload.with_value(|start| start());
                    }>
                    <label class="app-label" for=input_id.clone()>
                        {move || if file.with(Option::is_some) { "更换文件" } else { "选择文件" }}
                    </label>
                    <input class="app-file-input" type="file" name="file" id=input_id
                        accept=format!(".jpg,.jpeg,.png,.pdf,{}", ACCEPTED_TYPES.join(","))
                        aria-describedby=described_by
                        aria-invalid=move || error.with(Option::is_some).then_some("true")
                        node_ref=input_ref
                        on:change=move |_| start_upload.with_value(|start| start()) />
                    // Without JavaScript the file goes up with this button.
                    <button type="submit" class="app-button app-button--secondary" hidden=move || hydrated.get()>"上传"</button>
                </form>
                {move || (!keep && file.with(Option::is_some)).then(|| view! {
                    <form method="post" action=delete_url.clone() class="app-slot__delete" on:submit=on_delete>
                        <button type="submit" class="app-button app-button--warning">"删除"</button>
                    </form>
                })}
            </div>
        </div>
    }
}

#[component]
fn Preview(file: UploadedMaterial, file_url: String, name: String) -> impl IntoView {
    // The upload time busts the browser cache after a replace.
    let src = format!("{file_url}?v={}", file.uploaded_at);
    let size = if file.size >= 1024 * 1024 {
        format!("{:.1} MB", file.size as f64 / 1024.0 / 1024.0)
    } else {
        format!("{} KB", file.size.div_ceil(1024))
    };
    let details = match (file.pages, file.width, file.height) {
        (Some(pages), _, _) => format!("PDF，{pages} 页，{size}"),
        (_, Some(w), Some(h)) => format!("{} 图片，{w}×{h}，{size}", file.kind.to_uppercase()),
        _ => size,
    };
    let thumbnail = (file.kind != "pdf").then(|| {
        view! { <img class="app-slot__thumb" src=src.clone() alt=format!("{name}的预览") loading="lazy" /> }
    });
    view! {
        <div class="app-slot__file">
            {thumbnail}
            <p class="app-slot__file-text">
                <a href=src target="_blank" rel="noopener">{file.file_name.clone()}</a>
                <br />
                <span class="app-hint">{details}</span>
            </p>
        </div>
    }
}

/// Shrinks (if needed) and uploads one chosen file, reporting at the slot.
#[cfg(feature = "hydrate")]
async fn send(
    url: String,
    chosen: web_sys::File,
    activity: RwSignal<Activity>,
    error: RwSignal<Option<String>>,
    file: RwSignal<Option<UploadedMaterial>>,
) {
    use crate::browser::{shrink::shrink, upload::upload};
    use crate::domain::materials::{MAX_UPLOAD_BYTES, UploadRejection};

    error.set(None);
    let name = chosen.name();
    let mut blob: web_sys::Blob = chosen.clone().into();
    let mut name_to_send = name.clone();
    if chosen.size() as usize > MAX_UPLOAD_BYTES {
        if !chosen.type_().starts_with("image/") {
            error.set(Some(UploadRejection::TooLarge.message()));
            return;
        }
        activity.set(Activity::Shrinking);
        match shrink(&chosen).await {
            Some(smaller) => {
                blob = smaller;
                // The content is JPEG now, whatever it was.
                let stem = name
                    .rsplit_once('.')
                    .map_or(name.as_str(), |(stem, _)| stem);
                name_to_send = format!("{stem}.jpg");
            }
            None => {
                activity.set(Activity::Idle);
                error.set(Some(UploadRejection::TooLarge.message()));
                return;
            }
        }
    }
    activity.set(Activity::Uploading(0));
    let outcome = upload(&url, &blob, &name_to_send, move |fraction| {
        activity.set(Activity::Uploading((fraction * 100.0).round() as u32));
    })
    .await;
    activity.set(Activity::Idle);
    match outcome {
        Ok(stored) => file.set(Some(stored)),
        Err(message) => error.set(Some(message)),
    }
}
