//! No page hangs under load: every server-rendered page, as a visitor and as a signed-in
//! applicant sees it, requested over real loopback HTTP, 50 at a time; each answer must be
//! complete, body and all, within [`ANSWER_LIMIT`]. `HAMMER_REQUESTS` sets how many (400 in the
//! suite; `scripts/bench.sh` sends 2,000 to a release build), and each page must carry its own
//! security policy (the one naming its scripts' nonce). Prints count, p50, p99, the
//! slowest, errors and answers that never completed.

use crate::common;

use std::time::{Duration, Instant};

use axum::http::{Request, header};
use bytes::Bytes;
use futures_util::StreamExt;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use server::config::{CaptchaMode, Config};
use server::http::serve::Limits;

const CONCURRENCY: usize = 50;
/// Above the server's own page limit (10 s), so a page it gives up on shows as an error (503),
/// and one it never answers shows as incomplete.
const ANSWER_LIMIT: Duration = Duration::from_secs(20);

enum Outcome {
    Done { status: u16, took: Duration },
    Failed(String),
    Incomplete,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_server_rendered_page_hangs_under_load() {
    let total: usize = std::env::var("HAMMER_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400);
    let dir = tempfile::tempdir().unwrap();
    let (server, clock) = common::start_with(Config {
        captcha: CaptchaMode::Off,
        ..common::config(dir.path())
    })
    .await;
    let targets = common::pages::Site::prepare(&server, &clock).await.pages();

    // Served as in production: its connection limits and timers under load too.
    let serving = common::net::serve(&server, Limits::with_max_connections(1024)).await;
    let addr = serving.addr;

    let client = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(CONCURRENCY)
        .build_http::<Empty<Bytes>>();
    let started = Instant::now();
    let outcomes: Vec<Outcome> = futures_util::stream::iter(0..total)
        .map(|i| {
            let (path, cookie) = &targets[i % targets.len()];
            let mut request =
                Request::get(format!("http://{addr}{path}")).header(header::ACCEPT, "text/html");
            if let Some(cookie) = cookie {
                request = request.header(header::COOKIE, cookie.as_str());
            }
            let request = request.body(Empty::new()).unwrap();
            let client = client.clone();
            async move {
                let begun = Instant::now();
                let answer = async {
                    let response = client.request(request).await?;
                    let status = response.status().as_u16();
                    let policy = response
                        .headers()
                        .get(header::CONTENT_SECURITY_POLICY)
                        .map(|v| v.to_str().unwrap_or_default().to_owned());
                    let body = response.into_body().collect().await?.to_bytes();
                    // A page's scripts carry the nonce its own policy names; a page that
                    // lost its headers would fall back to the strict non-HTML policy.
                    let body = String::from_utf8_lossy(&body);
                    if let Some(nonce) = body
                        .split("nonce=\"")
                        .nth(1)
                        .and_then(|r| r.split('"').next())
                        && !policy.is_some_and(|p| p.contains(&format!("'nonce-{nonce}'")))
                    {
                        return Err("not served with its own policy".into());
                    }
                    Ok::<_, Box<dyn std::error::Error + Send + Sync>>(status)
                };
                match tokio::time::timeout(ANSWER_LIMIT, answer).await {
                    Ok(Ok(status)) => Outcome::Done {
                        status,
                        took: begun.elapsed(),
                    },
                    Ok(Err(error)) => Outcome::Failed(format!("{path}: {error}")),
                    Err(_) => Outcome::Incomplete,
                }
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let elapsed = started.elapsed();
    serving.stop_within(Duration::from_secs(15)).await;

    let mut times: Vec<Duration> = Vec::new();
    let (mut errors, mut incomplete) = (Vec::new(), 0);
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for outcome in outcomes {
        match outcome {
            Outcome::Done { status, took } => {
                times.push(took);
                *statuses.entry(status).or_default() += 1;
                if status >= 500 {
                    errors.push(format!("status {status}"));
                }
            }
            Outcome::Failed(error) => errors.push(error),
            Outcome::Incomplete => incomplete += 1,
        }
    }
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!(
        "hammer: {total} requests over {} pages, {CONCURRENCY} at a time, in {:.1} s \
         ({:.0}/s): p50 {} ms, p99 {} ms, slowest {} ms; errors {}, incomplete {incomplete}",
        targets.len(),
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64(),
        at(0.5).as_millis(),
        at(0.99).as_millis(),
        times.last().unwrap().as_millis(),
        errors.len(),
    );
    println!("hammer: statuses {statuses:?}");
    assert_eq!(incomplete, 0, "answers that never completed");
    // Each page is requested by whoever it is meant for: a redirect would mean a lost session.
    assert!(
        statuses.keys().all(|s| [200, 404].contains(s)),
        "every page renders for its user: {statuses:?}"
    );
    assert!(errors.is_empty(), "errors: {errors:?}");
}
