//! Follows the phone from the desktop: the handoff's server-sent events through gloo-net's
//! `EventSource`, and polling of the status route where events cannot get through (no
//! `EventSource`, or a proxy that ends the stream for good). The browser reconnects a dropped
//! stream by itself and the server sends the current state first, so nothing goes stale.

use std::time::Duration;

use futures_util::StreamExt;
use futures_util::future::{AbortHandle, abortable};
use gloo_net::eventsource::futures::EventSource;
use wasm_bindgen::JsValue;

use crate::services::handoff::HandoffStatus;

/// How often the fallback asks.
const POLL: Duration = Duration::from_secs(3);

/// Calls `update` with every new status of application `base` (its `…/handoff` path) until
/// the check is done or the returned handle is aborted (on leaving the page).
pub fn follow(base: String, update: impl Fn(HandoffStatus) + 'static) -> AbortHandle {
    let (task, handle) = abortable(async move {
        if events(&base, &update).await {
            return;
        }
        poll(&base, &update).await;
    });
    leptos::task::spawn_local(async move {
        let _ = task.await;
    });
    handle
}

/// Whether the check finished while following the stream; `false` when the stream cannot be
/// used and polling must take over.
async fn events(base: &str, update: &impl Fn(HandoffStatus)) -> bool {
    let supported = web_sys::window().is_some_and(|w| {
        js_sys::Reflect::has(&w, &JsValue::from_str("EventSource")).unwrap_or(false)
    });
    if !supported {
        return false;
    }
    let Ok(mut source) = EventSource::new(&format!("{base}/events")) else {
        return false;
    };
    let Ok(mut progress) = source.subscribe("progress") else {
        return false;
    };
    while let Some(Ok((_, message))) = progress.next().await {
        let Some(status) = message
            .data()
            .as_string()
            .and_then(|data| serde_json::from_str::<HandoffStatus>(&data).ok())
        else {
            continue;
        };
        let done = status.done;
        update(status);
        if done {
            source.close();
            return true;
        }
    }
    false
}

async fn poll(base: &str, update: &impl Fn(HandoffStatus)) {
    loop {
        let answer = gloo_net::http::Request::get(&format!("{base}/status"))
            .header("Accept", "application/json")
            .send()
            .await;
        if let Ok(response) = answer
            && response.ok()
            && let Ok(status) = response.json::<HandoffStatus>().await
        {
            let done = status.done;
            update(status);
            if done {
                return;
            }
        }
        sleep(POLL).await;
    }
}

async fn sleep(duration: Duration) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                &resolve,
                duration.as_millis() as i32,
            );
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
