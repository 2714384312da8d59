//! The web server: configuration, database, catalog, the services behind the app's traits,
//! sessions, and the axum router around the Leptos app.
// Leptos views are deeply nested types; the default limit is too low for a full page.
#![recursion_limit = "256"]

pub mod applications;
pub mod bank_check;
pub mod catalog;
pub mod clock;
pub mod config;
pub mod consents;
pub mod console;
pub mod content;
pub mod crypto;
pub mod db;
pub mod deadline;
pub mod documents;
pub mod handoff;
mod handover;
mod health;
pub mod heavy;
pub mod html;
pub mod login;
pub mod materials;
pub mod orders;
mod owner_scope;
pub mod payment;
mod security;
pub mod sessions;
pub mod sms;

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use app::services::handoff::IdentityVerifier;
use app::state::AppState;
use app::{App, shell};
use axum::{Router, routing::get};
use leptos::prelude::*;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use sqlx::SqlitePool;
use tower_http::{compression::CompressionLayer, trace::TraceLayer};
use tower_sessions::ExpiredDeletion;
use tower_sessions_sqlx_store::SqliteStore;

use crate::applications::SqlApplicationStore;
use crate::bank_check::{BankChecks, LocalBank, SqlBankChecks};
use crate::clock::{Clock, SystemClock};
use crate::config::{BankProviderKind, CaptchaMode, Config, IdentityProviderKind};
use crate::consents::SqlConsentStore;
use crate::crypto::Keys;
use crate::documents::Documents;
use crate::handoff::local_verifier::LocalVerifier;
use crate::handoff::store::{HandoffSettings, SqlHandoffService};
use crate::login::{LoginSettings, SqlLoginService};
use crate::materials::storage::ObjectStorage;
use crate::materials::store::SqlMaterialStore;
use crate::orders::SqlOrderService;
use crate::payment::store::SqlPaymentService;
pub use crate::sessions::{
    CONSOLE_SESSION_COOKIE, EMBED_SESSION_COOKIE, SESSION_COOKIE, session_layer,
};
use crate::sms::SmsProvider;

/// How often expired sessions, captchas and codes are deleted.
const MAINTENANCE_PERIOD: Duration = Duration::from_secs(60);

/// Everything a running server holds.
pub struct Server {
    pub router: Router,
    pub pool: SqlitePool,
    /// What the server functions reach through context.
    pub state: AppState,
    /// The handoff service itself, for its purge (and tests).
    pub handoff: Arc<SqlHandoffService>,
    /// The payment service and provider, for the notify and cashier routes (and tests).
    pub payments: payment::Payments,
    /// Reviewer accounts of the review console (`/console`).
    pub reviewers: Arc<console::accounts::ReviewerStore>,
    /// The periodic clean-up; abort it before closing the pool.
    pub maintenance: tokio::task::JoinHandle<()>,
}

/// Prepares the data folder, opens and migrates the database, loads the catalog and the
/// agreements, and wires the services.
pub async fn build(config: &Config, leptos_options: LeptosOptions) -> anyhow::Result<Server> {
    build_with_clock(config, leptos_options, Arc::new(SystemClock)).await
}

/// [`build`] with a given clock, so tests can move time.
pub async fn build_with_clock(
    config: &Config,
    leptos_options: LeptosOptions,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<Server> {
    std::fs::create_dir_all(config.uploads_dir())?;
    std::fs::create_dir_all(config.identity_dir())?;
    let pool = db::connect(&config.database_url()).await?;
    let loaded = catalog::load_dir(&config.catalog_dir)?;
    catalog::record_snapshots(&pool, &loaded).await?;
    tracing::info!(projects = loaded.len(), "catalog loaded");
    let ids: Vec<&str> = loaded.iter().map(|l| l.project.id.as_str()).collect();
    let agreements = content::load_agreements(&config.content_dir, &ids)?;
    let keys = Arc::new(Keys::derive(&crypto::load_or_create_secret(config)?));

    let sms = SmsProvider::from_config(config.sms_provider, pool.clone(), clock.clone());
    let login = Arc::new(SqlLoginService::new(
        pool.clone(),
        keys.clone(),
        sms.sender.clone(),
        clock.clone(),
        LoginSettings {
            captcha: config.captcha == CaptchaMode::On,
            ip_hourly_limit: config.sms_ip_hourly_limit,
        },
    ));
    if config.captcha == CaptchaMode::Off {
        tracing::warn!("CAPTCHA=off: login asks for no image captcha (for automated tests only)");
    }
    let storage = Arc::new(ObjectStorage::local(&config.uploads_dir())?);
    let documents = Arc::new(Documents::load(
        &config.document_font,
        &config.public_url,
        keys.clone(),
    )?);
    let applications = Arc::new(SqlApplicationStore::new(
        pool.clone(),
        keys.clone(),
        clock.clone(),
    ));
    let verifier: Arc<dyn IdentityVerifier> = match config.identity_provider {
        IdentityProviderKind::Local => Arc::new(LocalVerifier),
    };
    let handoff = Arc::new(SqlHandoffService::new(
        pool.clone(),
        applications.clone(),
        verifier,
        sms.sender.clone(),
        Arc::new(ObjectStorage::local(&config.identity_dir())?),
        keys.clone(),
        clock.clone(),
        HandoffSettings {
            public_url: config.public_url.clone(),
            retention_days: config.identity_retention_days,
        },
    ));
    let catalog = Arc::new(catalog::into_catalog(loaded));
    let local_bank = Arc::new(LocalBank::new(pool.clone(), clock.clone()));
    let bank_checks = Arc::new(SqlBankChecks::new(
        pool.clone(),
        applications.clone(),
        match config.bank_provider {
            BankProviderKind::Local => local_bank.clone(),
        },
        keys.clone(),
        clock.clone(),
    ));
    let orders: Arc<SqlOrderService> = Arc::new(SqlOrderService::new(
        pool.clone(),
        applications.clone(),
        catalog.clone(),
        sms.sender.clone(),
        bank_checks.clone(),
        clock.clone(),
    ));
    let provider =
        payment::PaymentProvider::from_config(config, pool.clone(), keys.clone(), clock.clone());
    let payment_service = Arc::new(SqlPaymentService::new(
        pool.clone(),
        applications.clone(),
        orders.clone(),
        catalog.clone(),
        provider.gateway,
        clock.clone(),
    ));
    let materials = Arc::new(SqlMaterialStore::new(
        pool.clone(),
        storage,
        keys,
        clock.clone(),
    ));
    let reviewers = Arc::new(console::accounts::ReviewerStore::new(
        pool.clone(),
        clock.clone(),
    ));
    let console = console::ConsoleState {
        reviewers: reviewers.clone(),
        pool: pool.clone(),
        applications: applications.clone(),
        materials: materials.clone(),
        handoff: handoff.clone(),
        orders: orders.clone(),
        catalog: catalog.clone(),
        clock: clock.clone(),
    };
    let state = AppState {
        catalog,
        agreements: Arc::new(agreements),
        login: login.clone(),
        sms: sms.sender,
        outbox: sms.outbox,
        consents: Arc::new(SqlConsentStore::new(pool.clone(), clock.clone())),
        applications,
        materials,
        payments: payment_service.clone(),
        documents: documents.clone(),
        handoff: handoff.clone(),
        orders: orders.clone(),
        bank_checks: Arc::new(BankChecks {
            checks: bank_checks,
            orders,
        }),
        statements: match config.bank_provider {
            BankProviderKind::Local => Some(local_bank),
        },
        session_idle_minutes: config.session_idle_minutes,
    };

    let session_store = SqliteStore::new(pool.clone());
    session_store.migrate().await?;
    let maintenance = tokio::spawn(maintain(session_store.clone(), login, handoff.clone()));
    let sessions = session_layer(config, session_store);
    let cookies = handoff::CookiePolicy {
        secure: config.is_https(),
    };
    let payments = payment::Payments {
        service: payment_service,
        sandbox: provider.sandbox,
        state: state.clone(),
        pool: pool.clone(),
        clock,
    };

    let router = router(
        leptos_options,
        state.clone(),
        documents,
        pool.clone(),
        cookies,
        payments.clone(),
    )
    .merge(console::router(console))
    .layer(sessions);
    let limits = deadline::Deadlines::with_page(Duration::from_secs(config.page_timeout_secs));

    Ok(Server {
        router: owner_scope::scoped(deadline::bound(router, limits)),
        pool,
        state,
        handoff,
        payments,
        reviewers,
        maintenance,
    })
}

/// Deletes what has expired, every [`MAINTENANCE_PERIOD`]; any instance may do it. This
/// includes the handoff's ID photos and liveness frames, `IDENTITY_RETENTION_DAYS` after their
/// session ended.
async fn maintain(
    sessions: SqliteStore,
    login: Arc<SqlLoginService>,
    handoff: Arc<SqlHandoffService>,
) {
    let mut ticks = tokio::time::interval(MAINTENANCE_PERIOD);
    loop {
        ticks.tick().await;
        if let Err(error) = sessions.delete_expired().await {
            tracing::warn!(%error, "deleting expired sessions failed");
        }
        if let Err(error) = login.purge_expired().await {
            tracing::warn!(%error, "deleting expired login codes failed");
        }
        if let Err(error) = handoff.purge().await {
            tracing::warn!(%error, "expiring handoffs or deleting identity photos failed");
        }
    }
}

/// Responses compressed on the fly at a level that keeps up. tower-http's default is each
/// codec's own, which for brotli is quality 11: 6 s of a runtime thread for the 2 MB main wasm
/// (measured with `brotli -q 11`), so a few page loads at once stalled every other request on
/// a 2-core machine. Quality 7 takes 0.1 s for 567 KB, against 496 KB at 11.
pub fn compression() -> CompressionLayer {
    CompressionLayer::new().quality(tower_http::CompressionLevel::Precise(7))
}

/// The app's routes, listed once per process. Listing renders the whole app under a
/// process-wide flag that leaves any `Resource` first polled meanwhile, on any thread, pending
/// forever (leptos issue 4773): a page rendered while a second server was being built in the
/// same process (tests build many) never finished. Once listed, no later build renders again.
static ROUTES: LazyLock<Vec<AxumRouteListing>> = LazyLock::new(|| generate_route_list(App));

pub fn router(
    leptos_options: LeptosOptions,
    state: AppState,
    documents: Arc<Documents>,
    pool: SqlitePool,
    cookies: handoff::CookiePolicy,
    payments: payment::Payments,
) -> Router {
    let routes = ROUTES.clone();
    let materials = materials::router(state.clone());
    let handoff = handoff::router(state.clone(), cookies);
    let documents = documents::router(state.clone(), documents);
    let handover = handover::router(state.clone());
    let context = move || provide_context(state.clone());
    let app = Router::new()
        .leptos_routes_with_context(&leptos_options, routes, context.clone(), {
            let options = leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context(
            context, shell,
        ))
        .with_state(leptos_options)
        .route("/healthz", get(health::healthz).with_state(pool))
        .merge(materials)
        .merge(handoff)
        .merge(handover)
        .merge(documents)
        .merge(payment::router(payments));
    security::with_security_headers(app)
        .layer(compression())
        .layer(TraceLayer::new_for_http())
}
