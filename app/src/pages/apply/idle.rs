//! Warns before the login session ends from inactivity, and says so plainly once it has.
//!
//! The server restarts its idle timer with every request this page makes (autosave,
//! 继续办理), so the page measures the wall-clock time since its last server contact. It
//! reads the clock on each check instead of counting checks, because browsers slow timers
//! down in background tabs: a counter would fall behind and warn after the login had ended.

use leptos::prelude::*;

use crate::api::apply::{KeepAlive, SaveDraft};

/// Seconds between checks; also the precision of the warning.
#[cfg(feature = "hydrate")]
const TICK_SECS: u64 = 15;
/// How long before the end the warning appears.
const WARN_SECS: u32 = 120;

#[component]
pub fn IdleWarning(
    project: String,
    idle_minutes: u32,
    autosave: ServerAction<SaveDraft>,
) -> impl IntoView {
    let keep_alive = ServerAction::<KeepAlive>::new();
    // Seconds since the server last heard from this page.
    let idle = RwSignal::new(0u32);
    // Set once the page checks the clock; until then (before hydration) nothing can warn.
    let armed = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    {
        let last_contact = StoredValue::new(js_sys::Date::now());
        Effect::new(move |_| {
            autosave.version().track();
            keep_alive.version().track();
            last_contact.set_value(js_sys::Date::now());
            idle.set(0);
        });
        Effect::new(move |_| {
            let check = move || {
                let elapsed_ms = js_sys::Date::now() - last_contact.get_value();
                idle.set((elapsed_ms / 1000.0).max(0.0) as u32);
            };
            if let Ok(handle) =
                set_interval_with_handle(check, std::time::Duration::from_secs(TICK_SECS))
            {
                on_cleanup(move || handle.clear());
                armed.set(true);
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = autosave;
    let limit = idle_minutes * 60;
    let login = format!("{}/login", crate::paths::use_mount().project(&project));
    view! {
        <div class="app-idle-watch" data-armed=move || armed.get().then_some("true")>
        {move || {
            let secs = idle.get();
            if secs >= limit {
                Some(view! {
                    <div class="app-idle" role="alert">
                        <p>"由于长时间未操作，登录已失效。已填写的内容都已保存。"</p>
                        <a class="app-button" href=login.clone()>"重新登录后继续"</a>
                    </div>
                }.into_any())
            } else if secs + WARN_SECS >= limit {
                let project = project.clone();
                Some(view! {
                    <div class="app-idle" role="alertdialog" aria-labelledby="idle-title" aria-describedby="idle-text">
                        <h2 class="app-heading-m" id="idle-title">"即将退出登录"</h2>
                        <p id="idle-text">"您已较长时间未操作，为保护您的信息，登录将在约2分钟后失效。已填写的内容都已保存。"</p>
                        <button type="button" class="app-button"
                            on:click=move |_| { keep_alive.dispatch(KeepAlive { project: project.clone() }); }>
                            "继续办理"
                        </button>
                    </div>
                }.into_any())
            } else {
                None
            }
        }}
        </div>
    }
}
