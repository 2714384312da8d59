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
