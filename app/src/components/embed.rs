//! The embedded flow's side of the portal page around it (`/embed/<project>/…` in an iframe).
//!
//! Messages to the portal (`window.parent.postMessage`), each an object with a `type`:
//!
//! * `cert-portal:ready` `{project, step, path}` once the page runs, and again on request;
//! * `cert-portal:height` `{height}` (CSS pixels) whenever the content's height changes, so the
//!   portal can size the iframe and no inner scrollbar appears;
//! * `cert-portal:step` `{step, path}` on every page of the flow: `guide`, `login`, `consent`,
//!   `choose`, `details`, `review`, `submitted`, `materials`, `identity`;
//! * `cert-portal:submitted` `{number}` when the application has been submitted.
//!
//! They go only to the project's listed portal origins (the catalog's `embed.origins`), never
//! to `*`: to the parent's origin when the browser tells it and it is listed, otherwise to
//! each listed origin, which the browser delivers only to a matching parent. From the portal,
//! `cert-portal:hello` asks for `ready`, `step` and `height` again; messages from any other
//! origin or window are ignored.
//!
//! Below the flow, 在新窗口中继续 opens the same step in a top-level window, signed in by a
//! one-time ticket; it is offered prominently when the browser refuses to keep cookies here.

use leptos::prelude::*;

#[cfg(feature = "hydrate")]
use crate::paths::embedded_project;
use crate::paths::{Mount, use_mount};

/// The flow's step for an embed path, and the application number on the submitted page.
pub fn step_of(path: &str) -> (String, Option<String>) {
    let rest = path
        .strip_prefix("/embed/")
        .and_then(|r| r.split_once('/').map(|(_, r)| r))
        .unwrap_or("");
    let parts: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    match parts.as_slice() {
        [] => ("guide".into(), None),
        ["apply", step] => ((*step).into(), None),
        ["submitted", number] => ("submitted".into(), Some((*number).into())),
        ["applications", _, page] => ((*page).into(), None),
        [page, ..] => ((*page).into(), None),
    }
}

#[component]
pub fn EmbedBridge() -> impl IntoView {
    (use_mount() == Mount::Embed).then(|| {
        let path = leptos_router::hooks::use_location().pathname;
        let blocked = RwSignal::new(false);
        #[cfg(feature = "hydrate")]
        bridge::start(
            embedded_project(&path.get_untracked()).unwrap_or_default().to_owned(),
            path,
            blocked,
        );
        let site = move || crate::api::embed::site_path(&path.get()).unwrap_or_else(|| "/".into());
        view! {
            <div class="app-width app-embed-bar">
                {move || blocked.get().then(|| view! {
                    <div class="app-notice app-notice--error" role="alert">
                        <p>"您的浏览器不允许在嵌入的页面中保存登录状态，在这里无法登录和保存申请。请在新窗口中继续办理。"</p>
                    </div>
                })}
                <a class="app-embed-bar__link" href=site target="_blank" rel="noopener"
                    on:click=move |ev| {
                        ev.prevent_default();
                        #[cfg(feature = "hydrate")]
                        bridge::continue_in_window(path.get_untracked());
                    }>
                    "在新窗口中继续"
                </a>
            </div>
        }
    })
}

#[cfg(feature = "hydrate")]
mod bridge {
    use std::cell::RefCell;
    use std::rc::Rc;

    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::*;
    use web_sys::{HtmlDocument, MessageEvent, ResizeObserver};

    use super::step_of;
    use crate::api::embed::{embed_origins, start_handover};

    /// The window that 在新窗口中继续 opens and then posts the ticket into.
    const WINDOW_NAME: &str = "cert-portal-continue";

    struct Bridge {
        project: String,
        /// Where messages may go: the parent's origin, or every listed one.
        targets: Vec<String>,
        listed: Vec<String>,
        height: i32,
    }

    impl Bridge {
        fn post(&self, message: serde_json::Value) {
            let Some(parent) = web_sys::window().and_then(|w| w.parent().ok().flatten()) else {
                return;
            };
            let Ok(data) = js_sys::JSON::parse(&message.to_string()) else {
                return;
            };
            for origin in &self.targets {
                let _ = parent.post_message(&data, origin);
            }
        }

        fn announce(&mut self, path: &str) {
            let (step, number) = step_of(path);
            self.post(serde_json::json!({
                "type": "cert-portal:step", "step": step, "path": path,
            }));
            if let Some(number) = number {
                self.post(serde_json::json!({ "type": "cert-portal:submitted", "number": number }));
            }
        }

        fn resize(&mut self) {
            // The body's, not the root's: the root is never shorter than the frame, so a
            // frame once tall would never shrink back.
            let height = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.body())
                .map_or(0, |b| b.scroll_height());
            if height != self.height {
                self.height = height;
                self.post(serde_json::json!({ "type": "cert-portal:height", "height": height }));
            }
        }

        fn ready(&mut self, path: &str) {
            let (step, _) = step_of(path);
            self.post(serde_json::json!({
                "type": "cert-portal:ready", "project": self.project, "step": step, "path": path,
            }));
        }
    }

    /// The parent's origin as the browser reports it, where it does.
    fn parent_origin() -> Option<String> {
        let window = web_sys::window()?;
        // `location.ancestorOrigins`: Chromium and Safari; Firefox has only the referrer.
        let ancestors = js_sys::Reflect::get(&window.location(), &"ancestorOrigins".into())
            .ok()
            .filter(|a| !a.is_undefined())
            .map(|a| a.unchecked_into::<web_sys::DomStringList>());
        if let Some(first) = ancestors.and_then(|a| a.item(0)) {
            return Some(first);
        }
        let referrer = window.document()?.referrer();
        let url = web_sys::Url::new(&referrer).ok()?;
        Some(url.origin())
    }

    /// Whether this frame may keep cookies: set a partitioned test cookie and read it back.
    fn cookies_blocked() -> bool {
        let Some(document) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.dyn_into::<HtmlDocument>().ok())
        else {
            return false;
        };
        let _ = document.set_cookie("cp_probe=1; Path=/; SameSite=None; Secure; Partitioned");
        let kept = document.cookie().is_ok_and(|c| c.contains("cp_probe=1"));
        let _ =
            document.set_cookie("cp_probe=; Path=/; SameSite=None; Secure; Partitioned; Max-Age=0");
        !kept
    }

    pub fn start(project: String, path: Memo<String>, blocked: RwSignal<bool>) {
        Effect::new(move |_| blocked.set(cookies_blocked()));
        let shared: Rc<RefCell<Option<Bridge>>> = Rc::new(RefCell::new(None));
        let state = shared.clone();
        leptos::task::spawn_local(async move {
            let listed = embed_origins(project.clone()).await.unwrap_or_default();
            let targets = match parent_origin() {
                Some(origin) if listed.contains(&origin) => vec![origin],
                _ => listed.clone(),
            };
            let mut bridge = Bridge {
                project,
                targets,
                listed,
                height: 0,
            };
            let here = path.get_untracked();
            bridge.ready(&here);
            bridge.announce(&here);
            bridge.resize();
            *state.borrow_mut() = Some(bridge);
            listen(state.clone(), path);
        });
        let on_path = shared;
        Effect::new(move |previous: Option<String>| {
            let now = path.get();
            if previous.is_some_and(|p| p != now)
                && let Some(bridge) = on_path.borrow_mut().as_mut()
            {
                bridge.announce(&now);
            }
            now
        });
    }

    /// Height changes and the portal's `hello`, for the life of the page.
    fn listen(state: Rc<RefCell<Option<Bridge>>>, path: Memo<String>) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let on_resize = {
            let state = state.clone();
            Closure::<dyn FnMut()>::new(move || {
                if let Some(bridge) = state.borrow_mut().as_mut() {
                    bridge.resize();
                }
            })
        };
        if let (Ok(observer), Some(root)) = (
            ResizeObserver::new(on_resize.as_ref().unchecked_ref()),
            window.document().and_then(|d| d.body()),
        ) {
            observer.observe(&root);
        }
        on_resize.forget();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let mut guard = state.borrow_mut();
            let Some(bridge) = guard.as_mut() else {
                return;
            };
            let from_parent = web_sys::window()
                .and_then(|w| w.parent().ok().flatten())
                .zip(event.source())
                .is_some_and(|(parent, source)| JsValue::from(parent) == JsValue::from(source));
            if !from_parent || !bridge.listed.contains(&event.origin()) {
                return;
            }
            let asked = js_sys::Reflect::get(&event.data(), &"type".into())
                .ok()
                .and_then(|t| t.as_string());
            if asked.as_deref() == Some("cert-portal:hello") {
                let here = path.get_untracked();
                bridge.ready(&here);
                bridge.announce(&here);
                bridge.height = 0;
                bridge.resize();
            }
        });
        let _ =
            window.add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
        on_message.forget();
    }

    /// Opens the window at once (a popup must open within the click), then posts the ticket
    /// into it; without a login here the window just opens the step.
    pub fn continue_in_window(path: String) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let Some(site_path) = crate::api::embed::site_path(&path) else {
            return;
        };
        let Ok(Some(_)) = window.open_with_url_and_target("about:blank", WINDOW_NAME) else {
            return;
        };
        leptos::task::spawn_local(async move {
            let ticket = start_handover(path)
                .await
                .ok()
                .flatten()
                .unwrap_or_default();
            let _ = post_ticket(&ticket, &site_path);
        });
    }

    fn post_ticket(ticket: &str, site_path: &str) -> Option<()> {
        let document = web_sys::window()?.document()?;
        let form: web_sys::HtmlFormElement =
            document.create_element("form").ok()?.dyn_into().ok()?;
        form.set_method("post");
        form.set_action("/continue");
        form.set_target(WINDOW_NAME);
        for (name, value) in [("ticket", ticket), ("path", site_path)] {
            let input: web_sys::HtmlInputElement =
                document.create_element("input").ok()?.dyn_into().ok()?;
            input.set_type("hidden");
            input.set_name(name);
            input.set_value(value);
            form.append_child(&input).ok()?;
        }
        document.body()?.append_child(&form).ok()?;
        form.submit().ok()?;
        form.remove();
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::step_of;

    #[test]
    fn steps_are_named_from_the_path() {
        assert_eq!(step_of("/embed/soetp"), ("guide".into(), None));
        assert_eq!(step_of("/embed/soetp/login"), ("login".into(), None));
        assert_eq!(
            step_of("/embed/soetp/apply/details"),
            ("details".into(), None)
        );
        assert_eq!(
            step_of("/embed/soetp/submitted/SQ202611210001"),
            ("submitted".into(), Some("SQ202611210001".into()))
        );
        assert_eq!(
            step_of("/embed/soetp/applications/SQ1/identity"),
            ("identity".into(), None)
        );
    }
}
