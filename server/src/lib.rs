//! The web server: configuration, database, catalog, the services behind the app's traits,
//! sessions, and the axum router around the Leptos app.
// Leptos views are deeply nested types; the default limit is too low for a full page.
#![recursion_limit = "256"]

pub mod catalog;
pub mod clock;
pub mod config;
pub mod content;
pub mod crypto;
pub mod handoff;
pub mod heavy;
pub mod http;
pub mod materials;
pub mod mobiles;
pub mod production;
pub mod service;
pub mod store;
pub mod vendor;

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use app::services::handoff::IdentityVerifier;
use app::state::AppState;
use app::{App, shell};
use axum::{Router, routing::get};
use leptos::prelude::*;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use tower_http::{compression::CompressionLayer, trace::TraceLayer};
use tower_sessions::ExpiredDeletion;

use crate::clock::{Clock, SystemClock};
use crate::config::{BankProviderKind, CaptchaMode, Config, IdentityProviderKind, IssuerKind};
use crate::crypto::Keys;
use crate::http::documents::Documents;
pub use crate::http::sessions::{
    CONSOLE_SESSION_COOKIE, EMBED_SESSION_COOKIE, SESSION_COOKIE, session_layer,
};
use crate::http::{
    client_addr, console, deadline, handover, health, owner_scope, payment, security, sessions,
    streams,
};
use crate::service::applications::Applications;
use crate::service::bank_check::{BankChecks, Transfers};
use crate::service::certificate_actions::CertificateActions;
use crate::service::certificates::Certificates;
use crate::service::consents::Consents;
use crate::service::handoff::{HandoffSettings, Handoffs};
use crate::service::login::{LoginSettings, Logins};
use crate::service::orders::{Issuing, Orders};
use crate::service::payment::OnlinePayments;
use crate::service::reminders::Reminders;
use crate::service::renewals::Renewals;
use crate::service::retention::Retention;
use crate::vendor::bank::LocalBank;
use crate::vendor::identity::LocalVerifier;
use crate::vendor::issuer::LocalIssuer;
use crate::vendor::sms::SmsProvider;
use crate::vendor::storage::{ObjectStorage, Storage};
use app::services::certificates::CertificateIssuer;

/// How often expired sessions, captchas and codes are deleted, and payment trades left
/// without a notice are asked about.
const MAINTENANCE_PERIOD: Duration = Duration::from_secs(60);
/// Stored objects no row names are looked for every this many maintenance periods (and at
/// start): it lists every stored object.
const ORPHAN_SWEEP_PERIODS: u32 = 60;

/// Everything a running server holds.
pub struct Server {
    pub router: Router,
    /// The database, on either engine.
    pub db: store::Db,
    /// What the server functions reach through context.
    pub state: AppState,
    /// The handoff service itself, for its purge (and tests).
    pub handoff: Arc<Handoffs>,
    /// The payment service and provider, for the notify and cashier routes (and tests).
    pub payments: payment::Payments,
    /// Reviewer accounts of the review console (`/console`).
    pub reviewers: Arc<service::reviewers::Reviewers>,
    /// Removes stored objects no row names (run by the periodic clean-up; and tests).
    pub orphans: Arc<service::orphans::Orphans>,
    /// The retention jobs the maintenance task runs (and tests, with the clock moved).
    pub retention: Arc<Retention>,
    /// The expiry reminders the maintenance task sends (and tests, with the clock moved).
    pub reminders: Arc<Reminders>,
    /// 注销 and 解锁: the driver's unlock route, and the maintenance task's retries.
    pub certificate_actions: Arc<CertificateActions>,
    /// The keys derived from the server secret (tests find stored mobile numbers with them).
    pub keys: Arc<Keys>,
    /// The periodic clean-up; abort it before closing the database.
    pub maintenance: tokio::task::JoinHandle<()>,
    /// Cancelled when the server is to stop: [`http::serve::serve`] stops accepting and drains, and
    /// open event streams end.
    pub shutdown: tokio_util::sync::CancellationToken,
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
    let db = store::Db::connect(&config.database_url()).await?;
    let loaded = catalog::load_dir(&config.catalog_dir)?;
    catalog::record_snapshots(&db, &loaded, clock.now()).await?;
    tracing::info!(projects = loaded.len(), "catalog loaded");
    let ids: Vec<&str> = loaded.iter().map(|l| l.project.id.as_str()).collect();
    let agreements = content::load_agreements(&config.content_dir, &ids)?;
    let keys = Arc::new(Keys::derive(&crypto::load_or_create_secret(config)?));
    mobiles::seal_legacy(&db, &keys).await?;

    let sms = SmsProvider::from_config(
        config.sms_provider,
        Arc::new(db.clone()),
        keys.clone(),
        clock.clone(),
    );
    let login = Arc::new(Logins::new(
        Arc::new(db.clone()),
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
    let storage: Arc<dyn Storage> = Arc::new(ObjectStorage::local(&config.uploads_dir())?);
    let identity_storage: Arc<dyn Storage> =
        Arc::new(ObjectStorage::local(&config.identity_dir())?);
    let documents = Arc::new(Documents::load(
        &config.document_font,
        &config.public_url,
        keys.clone(),
    )?);
    let applications = Arc::new(Applications::new(
        Arc::new(db.clone()),
        keys.clone(),
        clock.clone(),
    ));
    let sandbox = config.is_sandbox();
    let verifier: Arc<dyn IdentityVerifier> = match config.identity_provider {
        IdentityProviderKind::Local if sandbox => Arc::new(LocalVerifier::sandbox()),
        IdentityProviderKind::Local => Arc::new(LocalVerifier::default()),
    };
    let handoff = Arc::new(Handoffs::new(
        Arc::new(db.clone()),
        applications.clone(),
        verifier,
        sms.sender.clone(),
        identity_storage.clone(),
        keys.clone(),
        clock.clone(),
        HandoffSettings {
            public_url: config.public_url.clone(),
            retention_days: config.identity_retention_days,
        },
    ));
    let catalog = Arc::new(catalog::into_catalog(loaded));
    let local_bank = Arc::new(LocalBank::new(Arc::new(db.clone()), clock.clone()));
    let bank_checks = Arc::new(Transfers::new(
        Arc::new(db.clone()),
        applications.clone(),
        match config.bank_provider {
            BankProviderKind::Local => local_bank.clone(),
        },
        keys.clone(),
        clock.clone(),
    ));
    let issuer: Arc<dyn CertificateIssuer> = match config.issuer {
        IssuerKind::Local => Arc::new(LocalIssuer),
    };
    let certificates = Arc::new(Certificates::new(
        Arc::new(db.clone()),
        applications.clone(),
        issuer.clone(),
        catalog.clone(),
        clock.clone(),
    ));
    let from_certificate = Arc::new(service::from_certificate::FromCertificate::new(
        service::from_certificate::Stores {
            orders: Arc::new(db.clone()),
            certificates: Arc::new(db.clone()),
            applications: applications.clone(),
        },
        certificates.clone(),
        catalog.clone(),
        keys.clone(),
        clock.clone(),
    ));
    let renewals = Arc::new(Renewals::new(
        Arc::new(db.clone()),
        certificates.clone(),
        from_certificate.clone(),
        issuer.clone(),
        catalog.clone(),
        keys.clone(),
        clock.clone(),
    ));
    let reminders = Arc::new(Reminders::new(
        Arc::new(db.clone()),
        applications.clone(),
        sms.sender.clone(),
        catalog.clone(),
        clock.clone(),
        config.public_url.clone(),
    ));
    let lookup = Arc::new(service::lookup::Lookup::new(
        Arc::new(db.clone()),
        applications.clone(),
        certificates.clone(),
        login.clone(),
        keys.clone(),
        sms.sender.clone(),
        catalog.clone(),
        clock.clone(),
        config.sms_ip_hourly_limit,
    ));
    let certificate_actions = Arc::new(CertificateActions::new(
        Arc::new(db.clone()),
        certificates.clone(),
        applications.clone(),
        issuer.clone(),
        sms.sender.clone(),
        catalog.clone(),
        keys.clone(),
        clock.clone(),
        config.sms_ip_hourly_limit,
    ));
    let orders = Arc::new(Orders::new(
        Arc::new(db.clone()),
        applications.clone(),
        catalog.clone(),
        sms.sender.clone(),
        bank_checks.clone(),
        Issuing {
            certificates: certificates.clone(),
            renewals: renewals.clone(),
        },
        clock.clone(),
    ));
    let sandbox_trades: Arc<dyn store::sandbox::SandboxRepo> = Arc::new(db.clone());
    let provider = payment::PaymentProvider::from_config(
        config,
        sandbox_trades.clone(),
        keys.clone(),
        clock.clone(),
    );
    let payment_service = Arc::new(OnlinePayments::new(
        Arc::new(db.clone()),
        applications.clone(),
        orders.clone(),
        catalog.clone(),
        provider.gateway,
        clock.clone(),
    ));
    let materials = Arc::new(service::materials::Materials::new(
        Arc::new(db.clone()),
        Arc::new(db.clone()),
        storage.clone(),
        keys.clone(),
        clock.clone(),
    ));
    let orphans = Arc::new(service::orphans::Orphans::new(
        Arc::new(db.clone()),
        storage,
        identity_storage,
        clock.clone(),
    ));
    let reviewers = Arc::new(service::reviewers::Reviewers::new(
        Arc::new(db.clone()),
        clock.clone(),
    ));
    let privacy = Arc::new(service::privacy::Privacy::new(
        Arc::new(db.clone()),
        service::erase::Files::of(config, Arc::new(db.clone()))?,
        clock.clone(),
    ));
    let console = console::ConsoleState {
        reviewers: reviewers.clone(),
        applications: applications.clone(),
        materials: materials.clone(),
        handoff: handoff.clone(),
        orders: orders.clone(),
        certificates: certificates.clone(),
        catalog: catalog.clone(),
        privacy: privacy.clone(),
        clock: clock.clone(),
    };
    let state = AppState {
        catalog,
        agreements: Arc::new(agreements),
        login: login.clone(),
        sms: sms.sender,
        // The outbox and the statement show codes and memos to anyone: sandbox only.
        outbox: sms.outbox.filter(|_| sandbox),
        consents: Arc::new(Consents::new(Arc::new(db.clone()), clock.clone())),
        privacy,
        applications,
        materials,
        payments: payment_service.clone(),
        documents: documents.clone(),
        handoff: handoff.clone(),
        orders: orders.clone(),
        certificates: certificates.clone(),
        renewals,
        replacements: Arc::new(service::replacements::Replacements::new(
            from_certificate.clone(),
        )),
        changes: Arc::new(service::changes::Changes::new(from_certificate)),
        certificate_actions: certificate_actions.clone(),
        lookup,
        bank_checks: Arc::new(BankChecks {
            checks: bank_checks,
            orders: orders.clone(),
        }),
        statements: match config.bank_provider {
            BankProviderKind::Local if sandbox => Some(local_bank),
            BankProviderKind::Local => None,
        },
        session_idle_minutes: config.session_idle_minutes,
        sandbox,
    };

    let session_store = sessions::SessionStore::new(&db)?;
    let retention = Arc::new(Retention::of(
        config,
        Arc::new(db.clone()),
        service::erase::Files::of(config, Arc::new(db.clone()))?,
        clock.clone(),
    ));
    let maintenance = tokio::spawn(maintain(Jobs {
        sessions: session_store.clone(),
        login,
        handoff: handoff.clone(),
        payments: payment_service.clone(),
        orphans: orphans.clone(),
        retention: retention.clone(),
        orders: orders.clone(),
        reminders: reminders.clone(),
        certificate_actions: certificate_actions.clone(),
    }));
    let sessions = session_layer(config, session_store, clock.clone());
    let cookies = http::phone::CookiePolicy {
        secure: config.is_https(),
    };
    let payments = payment::Payments {
        service: payment_service,
        // Without the sandbox no cashier is mounted, so nobody can mark an order paid.
        sandbox: provider.sandbox.filter(|_| sandbox),
        state: state.clone(),
        trades: sandbox_trades,
        clock,
    };

    let shutdown = tokio_util::sync::CancellationToken::new();
    let router = router(
        leptos_options,
        state.clone(),
        documents,
        db.clone(),
        cookies,
        payments.clone(),
        streams::ProgressStreams::new(shutdown.clone()),
    )
    .merge(console::router(console))
    .layer(sessions);
    let limits = deadline::Deadlines {
        upload: Duration::from_secs(config.upload_timeout_secs),
        ..deadline::Deadlines::with_page(Duration::from_secs(config.page_timeout_secs))
    };

    let router = client_addr::resolve(router, config.trusted_proxies.clone());

    Ok(Server {
        router: owner_scope::scoped(
            security::with_transport_headers(deadline::bound(router, limits), config.is_https()),
            sandbox,
        ),
        db,
        state,
        handoff,
        payments,
        reviewers,
        orphans,
        retention,
        reminders,
        certificate_actions,
        keys,
        maintenance,
        shutdown,
    })
}

/// What the maintenance task runs.
struct Jobs {
    sessions: sessions::SessionStore,
    login: Arc<Logins>,
    handoff: Arc<Handoffs>,
    payments: Arc<OnlinePayments>,
    orphans: Arc<service::orphans::Orphans>,
    retention: Arc<Retention>,
    orders: Arc<Orders>,
    reminders: Arc<Reminders>,
    certificate_actions: Arc<CertificateActions>,
}

/// Deletes what has expired, every [`MAINTENANCE_PERIOD`]; any instance may do it. Also
/// completes renewals paid while the issuing system was away. This
/// includes the handoff's ID photos and liveness frames, `IDENTITY_RETENTION_DAYS` after their
/// session ended, and the retention jobs (see `retention`). Also settles payments whose notice
/// never came, sends the certificates' expiry reminders (see `reminders`), and now and then
/// removes stored objects no row names.
async fn maintain(jobs: Jobs) {
    let Jobs {
        sessions,
        login,
        handoff,
        payments,
        orphans,
        retention,
        orders,
        reminders,
        certificate_actions,
    } = jobs;
    let mut ticks = tokio::time::interval(MAINTENANCE_PERIOD);
    for tick in (0..ORPHAN_SWEEP_PERIODS).cycle() {
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
        if let Err(error) = payments.reconcile().await {
            tracing::warn!(%error, "reconciling payment trades failed");
        }
        if tick == 0
            && let Err(error) = orphans.sweep().await
        {
            tracing::warn!(%error, "removing unnamed stored objects failed");
        }
        if let Err(error) = retention.run().await {
            tracing::warn!(%error, "deleting personal data past its retention period failed");
        }
        orders.finish_unfinished_renewals().await;
        certificate_actions.finish_pending().await;
        if let Err(error) = reminders.run().await {
            tracing::warn!(%error, "sending expiry reminders failed");
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
    db: store::Db,
    cookies: http::phone::CookiePolicy,
    payments: payment::Payments,
    streams: streams::ProgressStreams,
) -> Router {
    let routes = ROUTES.clone();
    let materials = http::materials::router(state.clone());
    let handoff = http::phone::router(state.clone(), cookies, streams);
    let documents = http::documents::router(state.clone(), documents);
    let handover = handover::router(state.clone());
    let unlock = http::unlock::router(state.clone());
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
        .route("/healthz", get(health::healthz).with_state(db))
        .merge(materials)
        .merge(handoff)
        .merge(handover)
        .merge(unlock)
        .merge(documents)
        .merge(payment::router(payments));
    security::with_security_headers(app)
        .layer(compression())
        .layer(TraceLayer::new_for_http())
}
