//! Small helpers over the server-rendered page: find, show, hide, say, wait.

use js_sys::Promise;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Document, Element, EventTarget, HtmlElement, Window};

pub fn window() -> Window {
    web_sys::window().expect("a browser window")
}

pub fn document() -> Document {
    window().document().expect("a document")
}

pub fn by_id<T: JsCast>(id: &str) -> Option<T> {
    document().get_element_by_id(id)?.dyn_into().ok()
}

pub fn set_hidden(id: &str, hidden: bool) {
    if let Some(element) = by_id::<HtmlElement>(id) {
        element.set_hidden(hidden);
    }
}

pub fn set_text(id: &str, text: &str) {
    if let Some(element) = by_id::<Element>(id) {
        element.set_text_content(Some(text));
    }
}

/// The status line under the camera: progress in the normal style, problems in the error one.
pub fn status(text: &str, problem: bool) {
    if let Some(element) = by_id::<Element>("phone-status") {
        element.set_text_content(Some(text));
        let class = if problem {
            "phone-status phone-status--error"
        } else {
            "phone-status"
        };
        element.set_class_name(class);
    }
}

/// Guidance paragraphs in the help box (camera refused, in-app browser, ...).
pub fn help(paragraphs: &[String]) {
    let Some(element) = by_id::<HtmlElement>("phone-help") else {
        return;
    };
    element.set_inner_html("");
    for text in paragraphs {
        if let Ok(p) = document().create_element("p") {
            p.set_text_content(Some(text));
            let _ = element.append_child(&p);
        }
    }
    element.set_hidden(paragraphs.is_empty());
}

pub fn reload() {
    let _ = window().location().reload();
}

/// Calls `handler` on every `event` at `target`, for the life of the page.
pub fn on(target: &EventTarget, event: &str, handler: impl FnMut(web_sys::Event) + 'static) {
    let closure = Closure::<dyn FnMut(web_sys::Event)>::new(handler);
    let _ = target.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
    closure.forget();
}

/// Whether `event` happened at `target` within `ms` milliseconds (the event resolves the race
/// with the event object, the timeout with `undefined`).
pub async fn next_event(target: &EventTarget, event: &str, ms: i32) -> bool {
    let happened = Promise::new(&mut |resolve, _| {
        let options = web_sys::AddEventListenerOptions::new();
        options.set_once(true);
        let _ = target.add_event_listener_with_callback_and_add_event_listener_options(
            event, &resolve, &options,
        );
    });
    let race = Promise::race(&js_sys::Array::of2(&happened, &timeout(ms)));
    JsFuture::from(race).await.is_ok_and(|v| v.is_truthy())
}

/// Resolves (to `undefined`) after `ms` milliseconds.
fn timeout(ms: i32) -> Promise {
    Promise::new(&mut |resolve, _| {
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    })
}

pub async fn sleep(ms: i32) {
    let _ = JsFuture::from(timeout(ms)).await;
}

/// The browser's user-agent string, for in-app browser and platform hints.
pub fn user_agent() -> String {
    window().navigator().user_agent().unwrap_or_default()
}
