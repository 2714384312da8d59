//! Orders driven to 制证中 through the real order service: submitted, paid by transfer,
//! approved, then production started (which issues the certificates).

use app::domain::order::{Event, PaymentMethod, Status};
use app::services::login::UserId;
use app::services::orders::{Change, Who};

use super::applicant;
use super::browser::{Browser, signed_up};
use super::rig::reviewer;

/// Applies `event` to order `number` as `who`; the new status.
pub async fn step(server: &server::Server, number: &str, event: Event, who: Who) -> Status {
    let mut change = Change::new(event, who);
    if event == Event::VoucherUploaded {
        change.payment_method = Some(PaymentMethod::BankTransfer);
    }
    server.state.orders.apply(number, change).await.unwrap()
}

/// Order `number` of the signed-up `mobile`, paid by transfer and approved: ready to produce.
pub async fn accept(server: &server::Server, mobile: &str, number: &str) {
    let user: UserId = applicant::user(server, mobile).await;
    step(server, number, Event::ReadyToPay, Who::Applicant(user)).await;
    step(server, number, Event::VoucherUploaded, Who::Applicant(user)).await;
    // Approving an order paid by transfer accepts it at once.
    for event in [Event::TransferConfirmed, Event::Approve] {
        step(server, number, event, reviewer()).await;
    }
}

/// Submitted with two holders, paid by transfer and approved: ready to produce.
pub async fn accepted<'a>(server: &'a server::Server, mobile: &str) -> (Browser<'a>, String) {
    let browser = signed_up(server, mobile).await;
    let number = applicant::submit(server, mobile, &["王喆", "李娜"]).await;
    accept(server, mobile, &number).await;
    (browser, number)
}

/// Starts production of the accepted order `number`, which issues its certificates.
pub async fn issue(server: &server::Server, number: &str) {
    let to = step(server, number, Event::StartProduction, reviewer()).await;
    assert_eq!(to, Status::InProduction);
}
