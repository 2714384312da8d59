//! The phone page's browser module (`/phone/phone.js`), loaded by the server-rendered
//! `/m/{token}` page (`server/src/handoff/page.rs`). It reads which screen the server
//! rendered and adds what a plain form cannot: the live camera with the card guide and the
//! photo checks, and the liveness capture. Kept apart from the desktop application so a phone
//! on a slow connection downloads only this.

mod api;
mod camera;
mod dom;
mod frame;
mod id_card;
mod liveness;
pub mod quality;

use wasm_bindgen::prelude::*;
use web_sys::HtmlElement;

#[wasm_bindgen(start)]
pub fn start() {
    let Some(root) = dom::by_id::<HtmlElement>("phone") else {
        return;
    };
    let token = root.dataset().get("token").unwrap_or_default();
    match root.dataset().get("next").as_deref() {
        Some("id_front" | "id_back") => {
            if let Some(screen) = dom::document()
                .query_selector("[data-side]")
                .ok()
                .flatten()
                .and_then(|e| wasm_bindgen::JsCast::dyn_into::<HtmlElement>(e).ok())
            {
                id_card::start(token, &screen);
            }
        }
        Some("liveness") => liveness::start(token),
        _ => {}
    }
    let _ = root.set_attribute("data-ready", "true");
}
