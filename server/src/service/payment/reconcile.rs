//! Trades whose notice never came: asked about at the provider and settled from its answer.
//!
//! A provider gives up on a notice after a while, and a notice can fail on our side; either
//! way the payer has paid and the order still waits. The periodic maintenance runs
//! [`OnlinePayments::reconcile`], which queries each trade still open here: a paid one is
//! recorded exactly as its notice would have been (trade and order in one transaction), one
//! the provider closed is closed here, and an unpaid one past its expiry is closed at the
//! provider and here, so it can no longer be paid.

use app::services::StoreError;
use app::services::payment::{PaymentError, TradeState};

use super::{NotifyRefusal, OnlinePayments};
use crate::store::time::{from_db, to_db};

/// A trade is asked about once it has been open this long: a notice normally arrives within
/// seconds of paying, and a code just shown has rarely been paid yet.
const QUERY_AFTER_SECS: i64 = 60;
/// At most this many trades are asked about per run, oldest first, so a run stays short.
const BATCH: i64 = 50;

/// What one run of the sweep did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Reconciled {
    /// Trades found paid at the provider and recorded now.
    pub paid: usize,
    /// Trades closed: expired unpaid, or closed at the provider.
    pub closed: usize,
}

/// Where one trade stood once asked about.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Settled {
    /// Paid at the provider; recorded here now (or already).
    Paid,
    /// Closed here and at the provider.
    Closed,
    /// Still open and payable.
    Open,
}

impl OnlinePayments {
    /// Asks the provider about the trades open here for a while; see the module documentation.
    pub async fn reconcile(&self) -> Result<Reconciled, StoreError> {
        let now = self.clock.now();
        let asked_before = to_db(now - time::Duration::seconds(QUERY_AFTER_SECS));
        let trades = self
            .repo
            .due_for_reconcile(self.gateway().provider(), asked_before, BATCH)
            .await?;
        let mut done = Reconciled::default();
        for (out_trade_no, expires_at) in trades {
            let expired = from_db(expires_at) <= now;
            match self.settle(&out_trade_no, expired).await {
                Ok(Settled::Paid) => done.paid += 1,
                Ok(Settled::Closed) => done.closed += 1,
                Ok(Settled::Open) => {}
                Err(error) => {
                    tracing::warn!(%error, out_trade_no, "reconciling a payment trade failed");
                }
            }
        }
        if done != Reconciled::default() {
            tracing::info!(
                paid = done.paid,
                closed = done.closed,
                "payment trades reconciled"
            );
        }
        Ok(done)
    }

    /// Asks the provider about one trade and acts on the answer; an unpaid trade is closed
    /// when `close_unpaid`.
    pub(super) async fn settle(
        &self,
        out_trade_no: &str,
        close_unpaid: bool,
    ) -> Result<Settled, PaymentError> {
        match self.gateway().query(out_trade_no).await? {
            TradeState::Paid(notice) => {
                self.record_paid(&notice)
                    .await
                    .map_err(|refusal| match refusal {
                        NotifyRefusal::Store(error) => PaymentError::Store(error),
                        NotifyRefusal::Gateway(error) => PaymentError::Gateway(error),
                        other => StoreError::Backend(other.to_string()).into(),
                    })?;
                tracing::warn!(
                    out_trade_no,
                    "payment found by query: its notice never came"
                );
                Ok(Settled::Paid)
            }
            TradeState::Closed => {
                self.mark_closed(out_trade_no).await?;
                Ok(Settled::Closed)
            }
            TradeState::NotPaid if close_unpaid => self.close(out_trade_no).await,
            TradeState::NotPaid => Ok(Settled::Open),
        }
    }

    /// Closes a trade at the provider, then here. A provider that refuses (the trade was
    /// paid meanwhile) is asked where the trade stands, and a payment it reports is recorded.
    pub(super) async fn close(&self, out_trade_no: &str) -> Result<Settled, PaymentError> {
        if let Err(error) = self.gateway().close(out_trade_no).await {
            tracing::warn!(%error, out_trade_no, "the provider did not close a trade");
            return match Box::pin(self.settle(out_trade_no, false)).await? {
                Settled::Open => Err(error.into()),
                settled => Ok(settled),
            };
        }
        self.mark_closed(out_trade_no).await?;
        Ok(Settled::Closed)
    }

    async fn mark_closed(&self, out_trade_no: &str) -> Result<(), StoreError> {
        self.repo
            .close_trade(out_trade_no, to_db(self.clock.now()))
            .await?;
        Ok(())
    }
}
