//! Starting a server never freezes a page another thread is rendering.
//!
//! Leptos renders the whole app once to list its routes, and while it does, a process-wide
//! flag (`leptos_server`'s `IS_SUPPRESSING_RESOURCE_LOAD`) turns every `Resource` whose future
//! is first polled anywhere in the process into one that never resolves (leptos issue 4773).
//! Tests run in parallel threads of one process and each builds a server, so one test's start
//! could leave another's page open forever. Here servers start again and again on some
//! threads while others render every page in a loop; every render must finish.

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, header};
use server::config::{CaptchaMode, Config};

/// Threads that start servers, and how many each starts.
const STARTERS: usize = 2;
const STARTS_EACH: usize = 10;
/// Concurrent render loops.
const RENDERERS: usize = 6;
/// A render that takes longer than this is counted as frozen (they take milliseconds).
const RENDER_LIMIT: Duration = Duration::from_secs(10);
/// The test's own bound, far above its usual few seconds.
const TEST_LIMIT: Duration = Duration::from_secs(120);

#[test]
fn servers_starting_while_pages_render_never_freeze_a_page() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(RENDERERS)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (server, pages) = runtime.block_on(async {
        let (server, clock) = common::start_with(Config {
            captcha: CaptchaMode::Off,
            ..common::config(dir.path())
        })
        .await;
        let pages = common::pages::Site::prepare(&server, &clock).await.pages();
        (server, pages)
    });
    let pages = Arc::new(pages);
    let router = server.router.clone();

    // Starters: each a thread with a runtime of its own, as a test thread has.
    let starting = Arc::new(AtomicBool::new(true));
    let starters: Vec<_> = (0..STARTERS)
        .map(|_| {
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                for _ in 0..STARTS_EACH {
                    let dir = tempfile::tempdir().unwrap();
                    runtime.block_on(async {
                        let server = common::start(dir.path()).await;
                        server.maintenance.abort();
                        server.db.close().await;
                    });
                }
            })
        })
        .collect();

    let rendered = Arc::new(AtomicUsize::new(0));
    let frozen = runtime.block_on(async {
        let deadline = Instant::now() + TEST_LIMIT;
        let loops: Vec<_> = (0..RENDERERS)
            .map(|offset| {
                let (router, pages) = (router.clone(), pages.clone());
                let (starting, rendered) = (starting.clone(), rendered.clone());
                tokio::spawn(async move {
                    // Whole passes over every page, from its own offset, until the starters
                    // are done: at least one pass each.
                    loop {
                        let last = !starting.load(Ordering::Relaxed);
                        for i in 0..pages.len() {
                            let (path, cookie) =
                                &pages[(offset * pages.len() / RENDERERS + i) % pages.len()];
                            let mut request = Request::get(path.as_str());
                            if let Some(cookie) = cookie {
                                request = request.header(header::COOKIE, cookie.as_str());
                            }
                            let request = request.body(Body::empty()).unwrap();
                            let render = common::send(&router, request);
                            if tokio::time::timeout(RENDER_LIMIT, render).await.is_err() {
                                return Some(path.clone());
                            }
                            rendered.fetch_add(1, Ordering::Relaxed);
                        }
                        if last || Instant::now() > deadline {
                            return None;
                        }
                    }
                })
            })
            .collect();
        for starter in starters {
            tokio::task::spawn_blocking(move || starter.join().unwrap())
                .await
                .unwrap();
        }
        starting.store(false, Ordering::Relaxed);
        let mut frozen = Vec::new();
        for task in loops {
            frozen.extend(task.await.unwrap());
        }
        frozen
    });
    let rendered = rendered.load(Ordering::Relaxed);
    println!(
        "{} servers started, {rendered} pages rendered beside them, {} frozen",
        STARTERS * STARTS_EACH,
        frozen.len()
    );
    assert!(frozen.is_empty(), "renders that never finished: {frozen:?}");
    assert!(
        rendered >= RENDERERS * pages.len(),
        "only {rendered} renders: each loop renders every page at least once"
    );
}
