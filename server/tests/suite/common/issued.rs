//! Issued certificates to take to a business, and what the business pages answer.

use app::domain::certificate::Certificate;
use app::services::login::UserId;
use serde::de::DeserializeOwned;

use super::applicant::{self, OWNER};
use super::browser::{Browser, server_fn};
use super::production;
use super::rig::Rig;

/// The owner's certificates of an order with two holders, issued; the owner signed in. The
/// server's maintenance loop is stopped so it races nothing the test does itself.
pub async fn certificates(rig: &Rig) -> (Browser<'_>, UserId, Vec<Certificate>) {
    rig.server.maintenance.abort();
    let (browser, number) = production::accepted(&rig.server, OWNER).await;
    production::issue(&rig.server, &number).await;
    let user = applicant::user(&rig.server, OWNER).await;
    (browser, user, mine(rig, user).await)
}

/// Every certificate of `user`, as the personal centre lists them.
pub async fn mine(rig: &Rig, user: UserId) -> Vec<Certificate> {
    rig.server
        .state
        .certificates
        .mine(user)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.certificate)
        .collect()
}

/// The certificate of holder `name` among `mine`.
pub fn held_by(mine: &[Certificate], name: &str) -> Certificate {
    mine.iter()
        .find(|c| c.holder.as_deref() == Some(name))
        .unwrap()
        .clone()
}

/// The application number in a page's address.
pub fn number_in(location: &str) -> String {
    location
        .split('/')
        .find(|part| part.starts_with("SQ"))
        .unwrap()
        .to_owned()
}

/// How many orders of `business` there are.
pub async fn orders_of(rig: &Rig, business: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM applications WHERE business = $1")
        .bind(business)
        .fetch_one(rig.server.db.pool())
        .await
        .unwrap()
}

/// What the page's server function at `path` answers for certificate `id` of soetp.
pub async fn page_data<T: DeserializeOwned>(browser: &Browser<'_>, path: &str, id: i64) -> T {
    let reply = browser
        .send(server_fn(path, &format!("project=soetp&id={id}")))
        .await;
    serde_json::from_str(&reply.body).unwrap_or_else(|_| panic!("{}", reply.body))
}

/// The text of document `slug` of order `number` as the server renders it, whitespace removed
/// (poppler's pdftotext, which `scripts/setup.sh --test` installs).
pub async fn document_text(browser: &Browser<'_>, number: &str, slug: &str) -> String {
    let uri = format!("/p/soetp/applications/{number}/documents/{slug}.pdf");
    let reply = browser
        .send(
            axum::http::Request::get(uri)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, axum::http::StatusCode::OK, "{}", reply.body);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("document.pdf");
    std::fs::write(&path, &reply.bytes).unwrap();
    let output = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    String::from_utf8_lossy(&output.stdout)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}
