//! 注销 and 解锁 through the server functions a page posts: a reason and a texted code, nothing
//! written until both are right; the certificate revoked and the applicant told, or an unlock
//! code texted that the CA's driver redeems once; another applicant's certificate is not found;
//! a CA system that is away leaves the cancellation waiting for the maintenance loop.

use std::sync::Arc;

use crate::common;

use app::api::certificate_actions::{
    ActionOutcome, ActionPageData, CertificateAction, LoadActionPage,
};
use app::domain::business::Business;
use app::domain::catalog::ProductKind;
use app::domain::certificate::{CertState, CertStatus, Validity};
use app::domain::order::{Event, Status};
use app::services::certificate_actions::{
    ActionError, CertificateActionService, FIELD_CODE, FIELD_REASON,
};
use app::services::certificates::{
    CertificateIssuer, IssueError, IssueRequest, IssuedCertificate, RenewRequest, RevokeRequest,
};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::applicant::{self, OWNER};
use common::browser::{Browser, Reply, server_fn, signed_up};
use common::production;
use common::rig::{Rig, start};
use leptos::server_fn::ServerFn;
use server::service::certificate_actions::CertificateActions;

const OTHER: &str = "13900001111";

/// The owner's issued organisation certificate: its id and serial.
async fn issued(rig: &Rig) -> (Browser<'_>, i64, String) {
    // The tests finish what waits themselves, without the server's loop racing them.
    rig.server.maintenance.abort();
    let (browser, number) = production::accepted(&rig.server, OWNER).await;
    production::issue(&rig.server, &number).await;
    let user = applicant::user(&rig.server, OWNER).await;
    let mine = rig.server.state.certificates.mine(user).await.unwrap();
    let org = mine
        .iter()
        .find(|m| m.certificate.kind == ProductKind::Org)
        .unwrap();
    (browser, org.certificate.id, org.certificate.serial.clone())
}

async fn post(browser: &Browser<'_>, id: i64, action: &str, form: &str) -> ActionOutcome {
    let reply = browser
        .send(server_fn(
            CertificateAction::PATH,
            &format!("project=soetp&id={id}&action={action}&{form}"),
        ))
        .await;
    serde_json::from_str(&reply.body).unwrap_or_else(|_| panic!("{}", reply.body))
}

async fn page(browser: &Browser<'_>, id: i64, action: &str) -> Reply {
    browser
        .send(server_fn(
            LoadActionPage::PATH,
            &format!("project=soetp&id={id}&action={action}"),
        ))
        .await
}

/// The error at `field`, if any.
fn error_at(outcome: &ActionOutcome, field: &str) -> Option<String> {
    outcome
        .notice
        .as_ref()
        .filter(|n| n.is_error && n.field.as_deref() == Some(field))
        .map(|n| n.text.clone())
}

/// The newest text of `kind` and what follows `marker` in it, up to `len` characters.
async fn texted(rig: &Rig, kind: &str, marker: &str, len: usize) -> (String, String) {
    let text: String =
        sqlx::query_scalar("SELECT text FROM sms_outbox WHERE kind = $1 ORDER BY id DESC LIMIT 1")
            .bind(kind)
            .fetch_one(rig.server.db.pool())
            .await
            .unwrap();
    let start = text.find(marker).unwrap_or_else(|| panic!("{text}")) + marker.len();
    let value = text[start..].chars().take(len).collect();
    (text, value)
}

async fn orders_of(rig: &Rig, business: Business) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM applications WHERE business = $1")
        .bind(business.code())
        .fetch_one(rig.server.db.pool())
        .await
        .unwrap()
}

async fn status_of(rig: &Rig, id: i64) -> CertStatus {
    let code: String = sqlx::query_scalar("SELECT status FROM certificates WHERE id = $1")
        .bind(id)
        .fetch_one(rig.server.db.pool())
        .await
        .unwrap();
    CertStatus::parse(&code).unwrap()
}

#[tokio::test]
async fn a_cancellation_needs_a_reason_and_the_texted_code_then_revokes_and_tells_the_applicant() {
    let rig = start().await;
    let (browser, id, serial) = issued(&rig).await;
    let page: ActionPageData =
        serde_json::from_str(&page(&browser, id, "cancel").await.body).unwrap();
    assert_eq!(page.page.refusal, None);
    assert!(page.page.mobile_masked.contains("****"));

    // No reason: said at the reasons; no code yet: said at the code. Nothing written.
    let outcome = post(&browser, id, "cancel", "intent=confirm&code=123456").await;
    assert_eq!(
        error_at(&outcome, FIELD_REASON).as_deref(),
        Some("请选择注销原因")
    );
    let outcome = post(
        &browser,
        id,
        "cancel",
        "intent=confirm&reason=no_longer_needed&code=123456",
    )
    .await;
    assert_eq!(
        error_at(&outcome, FIELD_CODE).as_deref(),
        Some("请先获取短信验证码")
    );
    let outcome = post(
        &browser,
        id,
        "cancel",
        "intent=confirm&reason=no_longer_needed&code=12a",
    )
    .await;
    assert!(error_at(&outcome, FIELD_CODE).unwrap().contains("6位数字"));

    let sent = post(
        &browser,
        id,
        "cancel",
        "intent=send&reason=no_longer_needed",
    )
    .await;
    assert!(sent.sent_to.is_some(), "{sent:?}");
    assert_eq!(
        sent.reason, "no_longer_needed",
        "the reason survives the code button"
    );
    let (text, code) = texted(&rig, "login_code", "验证码是", 6).await;
    assert!(
        text.contains(&serial[16..]) && text.contains("注销"),
        "{text}"
    );

    let wrong = if code == "000000" { "000001" } else { "000000" };
    let outcome = post(
        &browser,
        id,
        "cancel",
        &format!("intent=confirm&reason=no_longer_needed&code={wrong}"),
    )
    .await;
    assert!(
        error_at(&outcome, FIELD_CODE)
            .unwrap()
            .contains("还可以再试4次")
    );
    assert_eq!(orders_of(&rig, Business::Cancellation).await, 0);
    assert_eq!(status_of(&rig, id).await, CertStatus::Valid);

    let outcome = post(
        &browser,
        id,
        "cancel",
        &format!("intent=confirm&reason=no_longer_needed&code={code}"),
    )
    .await;
    let done = outcome.done.expect("cancelled");
    assert!(!done.pending);
    assert_eq!(status_of(&rig, id).await, CertStatus::Cancelled);
    let view = rig
        .server
        .state
        .orders
        .view(None, &done.number)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.status, Status::Completed);
    let last = view.timeline.last().unwrap();
    assert_eq!(last.event, Event::Complete);
    assert!(
        last.note.as_deref().unwrap().contains("不再参与投标"),
        "{last:?}"
    );
    let (notice, _) = texted(&rig, "notice", "", 0).await;
    assert!(
        notice.contains(&done.number) && notice.contains("已注销"),
        "{notice}"
    );

    // Withdrawn: no business is open any more, and the same code does nothing.
    let user = applicant::user(&rig.server, OWNER).await;
    let mine = rig.server.state.certificates.mine(user).await.unwrap();
    let cert = mine.iter().find(|m| m.certificate.id == id).unwrap();
    assert_eq!(cert.state, CertState::Withdrawn(CertStatus::Cancelled));
    assert!(cert.offers.iter().all(|o| !o.is_open()));
    let again = post(
        &browser,
        id,
        "cancel",
        &format!("intent=confirm&reason=no_longer_needed&code={code}"),
    )
    .await;
    assert!(again.done.is_none() && again.notice.unwrap().text.contains("已注销"));
    assert_eq!(orders_of(&rig, Business::Cancellation).await, 1);
}

#[tokio::test]
async fn another_applicants_certificate_is_not_found_and_nothing_is_texted() {
    let rig = start().await;
    let (_, id, _) = issued(&rig).await;
    let other = signed_up(&rig.server, OTHER).await;
    let texts = rig.count("SELECT COUNT(*) FROM sms_outbox").await;
    let reply = page(&other, id, "cancel").await;
    assert_ne!(reply.status, StatusCode::OK, "{}", reply.body);
    for action in ["cancel", "unlock"] {
        let outcome = post(&other, id, action, "intent=send&reason=no_longer_needed").await;
        assert_eq!(
            outcome.notice.unwrap().text,
            ActionError::NotFound.to_string()
        );
    }
    assert_eq!(rig.count("SELECT COUNT(*) FROM sms_outbox").await, texts);
    assert_eq!(rig.count("SELECT COUNT(*) FROM certificate_codes").await, 0);
    // An unknown business is no page at all.
    let reply = page(&other, id, "renew").await;
    assert_ne!(reply.status, StatusCode::OK);
}

async fn redeem(rig: &Rig, serial: &str, code: &str) -> (StatusCode, serde_json::Value) {
    let request = Request::post("/api/unlock")
        .header(header::HOST, "portal.test")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json")
        .body(Body::from(
            serde_json::json!({ "serial": serial, "code": code }).to_string(),
        ))
        .unwrap();
    let reply = Browser::new(&rig.server).send(request).await;
    (
        reply.status,
        serde_json::from_str(&reply.body).unwrap_or_default(),
    )
}

/// Confirms an unlock of certificate `id`; the unlock code texted.
async fn unlock(rig: &Rig, browser: &Browser<'_>, id: i64) -> String {
    rig.clock.advance(time::Duration::minutes(2));
    let sent = post(browser, id, "unlock", "intent=send").await;
    assert!(sent.sent_to.is_some(), "{sent:?}");
    let (_, code) = texted(rig, "login_code", "验证码是", 6).await;
    let outcome = post(
        browser,
        id,
        "unlock",
        &format!("intent=confirm&code={code}"),
    )
    .await;
    let done = outcome.done.expect("unlocked");
    assert!(!done.pending && done.to_masked.contains("****"));
    let (text, grouped) = texted(rig, "notice", "解锁码是", 14).await;
    assert!(text.contains(&done.number), "{text}");
    grouped
}

#[tokio::test]
async fn an_unlock_code_is_texted_and_the_driver_redeems_it_once_within_its_time() {
    let rig = start().await;
    let (browser, id, serial) = issued(&rig).await;
    let code = unlock(&rig, &browser, id).await;
    assert_eq!(code.len(), 14, "three groups of four: {code}");
    // Typed in lower case, as a holder might: still the code. Then it is used up.
    let (status, body) = redeem(&rig, &serial, &code.to_lowercase()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["unlocked"], true);
    let (status, body) = redeem(&rig, &serial, &code).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["code"], "refused");
    assert_eq!(orders_of(&rig, Business::Unlock).await, 1);
    assert_eq!(
        status_of(&rig, id).await,
        CertStatus::Valid,
        "unlocking changes nothing else"
    );

    // A second unlock's code expires after 30 minutes.
    let code = unlock(&rig, &browser, id).await;
    rig.clock.advance(time::Duration::minutes(31));
    assert_eq!(redeem(&rig, &serial, &code).await.0, StatusCode::FORBIDDEN);

    // And a third dies after five wrong tries, the right one included after them (signed in
    // again: half an hour idle ended the session).
    let browser = signed_up(&rig.server, OWNER).await;
    let code = unlock(&rig, &browser, id).await;
    for _ in 0..5 {
        redeem(&rig, &serial, "ABCD-EFGH-JKMN").await;
    }
    let (status, body) = redeem(&rig, &serial, &code).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(
        redeem(&rig, &serial, "not a code").await.0,
        StatusCode::BAD_REQUEST
    );
}

/// An issuing system that revokes nothing (it is away); the rest is the local one's.
struct Away;

#[async_trait::async_trait]
impl CertificateIssuer for Away {
    fn provider(&self) -> &'static str {
        "away"
    }

    async fn issue(&self, _: &IssueRequest) -> Result<IssuedCertificate, IssueError> {
        Err(IssueError::Unavailable("away".into()))
    }

    async fn renew(&self, _: &RenewRequest) -> Result<Validity, IssueError> {
        Err(IssueError::Unavailable("away".into()))
    }

    async fn revoke(&self, _: &RevokeRequest) -> Result<(), IssueError> {
        Err(IssueError::Unavailable("away".into()))
    }
}

#[tokio::test]
async fn a_cancellation_waits_while_the_ca_system_is_away_and_the_maintenance_loop_finishes_it() {
    let rig = start().await;
    let (browser, id, _) = issued(&rig).await;
    let state = &rig.server.state;
    let away = CertificateActions::new(
        Arc::new(rig.server.db.clone()),
        state.certificates.clone(),
        state.applications.clone(),
        Arc::new(Away),
        state.sms.clone(),
        state.catalog.clone(),
        rig.server.keys.clone(),
        rig.clock.clone(),
        100,
    );
    let user = applicant::user(&rig.server, OWNER).await;
    post(&browser, id, "cancel", "intent=send").await;
    let (_, code) = texted(&rig, "login_code", "验证码是", 6).await;
    let reason = Some(app::domain::business::cancellation::Reason::HolderLeft);
    let done = away
        .confirm(user, "soetp", id, Business::Cancellation, &code, reason)
        .await
        .unwrap();
    assert!(done.pending);
    assert_eq!(status_of(&rig, id).await, CertStatus::Valid);
    // Held meanwhile: a second business on it is refused.
    rig.clock.advance(time::Duration::minutes(2));
    post(&browser, id, "unlock", "intent=send").await;
    let (_, code) = texted(&rig, "login_code", "验证码是", 6).await;
    let held = post(
        &browser,
        id,
        "unlock",
        &format!("intent=confirm&code={code}"),
    )
    .await;
    assert!(held.notice.unwrap().text.contains(&done.number));

    rig.server.certificate_actions.finish_pending().await;
    assert_eq!(status_of(&rig, id).await, CertStatus::Cancelled);
    let view = state
        .orders
        .view(None, &done.number)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.status, Status::Completed);
    // Finishing again does nothing more.
    let texts = rig
        .count("SELECT COUNT(*) FROM sms_outbox WHERE kind = 'notice'")
        .await;
    rig.server.certificate_actions.finish_pending().await;
    assert_eq!(
        rig.count("SELECT COUNT(*) FROM sms_outbox WHERE kind = 'notice'")
            .await,
        texts
    );
}

#[tokio::test]
async fn an_org_personal_certificate_is_unlocked_through_its_holders_own_mobile() {
    let rig = start().await;
    let (browser, _, _) = issued(&rig).await;
    let user = applicant::user(&rig.server, OWNER).await;
    let mine = rig.server.state.certificates.mine(user).await.unwrap();
    let held = mine
        .iter()
        .find(|m| m.certificate.holder.as_deref() == Some("王喆"))
        .unwrap();
    let (id, serial) = (held.certificate.id, held.certificate.serial.clone());
    // common::applicant gives the first holder 13812345670.
    let holder_mobile = "13812345670";
    let unlocking: ActionPageData =
        serde_json::from_str(&page(&browser, id, "unlock").await.body).unwrap();
    assert_eq!(unlocking.page.confirmer_role, "证书持有人");
    assert_eq!(unlocking.page.confirmer, "王*");
    assert_eq!(unlocking.page.mobile_masked, "138****5670");

    post(&browser, id, "unlock", "intent=send").await;
    let text = applicant::last_sms(&rig.server, holder_mobile)
        .await
        .unwrap();
    let code = &text[text.find("验证码是").unwrap() + "验证码是".len()..][..6];
    let done = post(
        &browser,
        id,
        "unlock",
        &format!("intent=confirm&code={code}"),
    )
    .await
    .done
    .unwrap();
    assert_eq!(done.to_masked, "138****5670");
    let text = applicant::last_sms(&rig.server, holder_mobile)
        .await
        .unwrap();
    let unlock = &text[text.find("解锁码是").unwrap() + "解锁码是".len()..][..14];
    assert_eq!(redeem(&rig, &serial, unlock).await.0, StatusCode::OK);
    // A cancellation stays with the agent, whose organisation owns the certificate.
    let cancelling: ActionPageData =
        serde_json::from_str(&page(&browser, id, "cancel").await.body).unwrap();
    assert_eq!(cancelling.page.confirmer_role, "经办人");
}
