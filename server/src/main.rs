use std::net::SocketAddr;

use clap::Parser;
use leptos::config::get_configuration;
use server::config::{Cli, Command};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .init();

    let Cli { config, command } = Cli::parse();
    if let Some(Command::Reviewer { action }) = command {
        return server::console::cli::run(&config, action).await;
    }
    let refusals = server::production::refusals(&config);
    if !refusals.is_empty() {
        eprintln!("The server will not start with these settings:");
        for refusal in &refusals {
            eprintln!("  - {refusal}");
        }
        eprintln!("See \"Going to production\" in the README.");
        std::process::exit(2);
    }
    if config.is_sandbox() {
        tracing::warn!(
            "SANDBOX=on: stand-in providers; /dev/outbox shows login codes and the sandbox cashier marks orders paid"
        );
    }
    let mut leptos_options = get_configuration(None)?.leptos_options;
    if let Some(addr) = config.bind_addr {
        leptos_options.site_addr = addr;
    }
    let addr = leptos_options.site_addr;
    let server = server::build(&config, leptos_options).await?;

    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!("listening on http://{addr}");
    // Connection info gives server functions the client address (for the SMS rate limits).
    axum::serve(
        listener,
        server
            .router
            .into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    server.maintenance.abort();
    server.pool.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM, so in-flight requests finish and the database closes cleanly.
async fn shutdown_signal() {
    let ctrl_c = async {
        tokio::signal::ctrl_c().await.ok();
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
