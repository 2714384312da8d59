//! Each request runs under a Leptos owner of its own.
//!
//! Rendering a page, Leptos makes the page's new root owner the thread's current owner and
//! leaves it there (`Owner::new_root` sets it, and nothing puts the previous one back). Code
//! that later calls `Owner::new()` on that thread, outside any owner of its own, becomes a
//! child of whichever page rendered there last: leptos_axum's static-file handler does, then
//! copies the `ResponseOptions` it finds onto the file's response and so takes them from the
//! page; its server-function handler does too, tying the call's lifetime to that page. A file
//! served while a page was still rendering carried off the page's Content-Security-Policy and
//! its redirect's `Location`. Here every request's future is polled with a fresh root as the
//! current owner, and the thread's previous owner is put back after each poll.

use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use leptos::prelude::{Owner, provide_context};
use leptos::reactive::computed::ScopedFuture;

pub fn scoped(router: Router, sandbox: bool) -> Router {
    router.layer(middleware::from_fn(move |request, next| {
        run_scoped(request, next, sandbox)
    }))
}

async fn run_scoped(request: Request, next: Next, sandbox: bool) -> Response {
    let root = Owner::new_root(None);
    // `new_root` has made it this thread's owner for good; the future below sets it only
    // while it is polled.
    let future = root.with(|| {
        if sandbox {
            provide_context(crate::http::html::Sandbox);
        }
        ScopedFuture::new(next.run(request))
    });
    root.unset();
    future.await
}
