//! The usual test server: the sandbox on a fresh data folder, no image captcha (tests read
//! codes from the outbox), and the clock the test moves.

use std::sync::Arc;

use server::clock::ManualClock;
use server::config::{CaptchaMode, Config};

pub struct Rig {
    /// The data folder; deleted when the rig is dropped.
    pub dir: tempfile::TempDir,
    pub server: server::Server,
    pub clock: Arc<ManualClock>,
}

pub async fn start() -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        captcha: CaptchaMode::Off,
        ..super::config(dir.path())
    };
    let (server, clock) = super::start_with(config).await;
    Rig { dir, server, clock }
}

/// A reviewer, as the console names the one acting.
pub fn reviewer() -> app::services::orders::Who {
    app::services::orders::Who::Reviewer {
        id: 1,
        name: "张审核".into(),
    }
}

impl Rig {
    /// The one number a query answers (a `COUNT(*)` or the like).
    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(self.server.db.pool())
            .await
            .unwrap()
    }

    /// [`Self::count`] of a query with one blob parameter.
    pub async fn count_of(&self, sql: &str, blob: Vec<u8>) -> i64 {
        sqlx::query_scalar(sql)
            .bind(blob)
            .fetch_one(self.server.db.pool())
            .await
            .unwrap()
    }

    /// The serials of an order's certificates, in the order's order.
    pub async fn serials(&self, number: &str) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT c.serial FROM certificates c JOIN applications a ON a.id = c.application_id
             WHERE a.number = $1 ORDER BY c.position",
        )
        .bind(number)
        .fetch_all(self.server.db.pool())
        .await
        .unwrap()
    }
}
