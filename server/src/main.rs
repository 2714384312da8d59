use std::time::Duration;

use clap::Parser;
use leptos::config::get_configuration;
use server::config::{Cli, Command};
use server::http::serve::{Limits, serve};
use tracing_subscriber::EnvFilter;

/// What the runtime waits, once serving has stopped, for blocking work still running (a PDF
/// being parsed, a password hashed) before the process exits regardless.
const BLOCKING_GRACE: Duration = Duration::from_secs(1);

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    let result = runtime.block_on(run());
    runtime.shutdown_timeout(BLOCKING_GRACE);
    result
}

async fn run() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .init();

    let Cli { config, command } = Cli::parse();
    match command {
        Some(Command::Reviewer { action }) => {
            return server::http::console::cli::run(&config, action).await;
        }
        Some(Command::CopyTo { target }) => {
            let copied = server::store::copy::copy(&config.database_url(), &target).await?;
            for (table, rows) in copied {
                println!("{table}: {rows}");
            }
            return Ok(());
        }
        None => {}
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
    let shutdown = server.shutdown.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        shutdown.cancel();
    });
    let limits = Limits::with_max_connections(config.max_connections as usize);
    serve(listener, server.router, limits, server.shutdown).await?;
    server.maintenance.abort();
    // Every connection is closed by now; a database still busy is not waited on for long.
    if tokio::time::timeout(BLOCKING_GRACE, server.db.close())
        .await
        .is_err()
    {
        tracing::warn!("the database did not close in time");
    }
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM: connections drain (at most [`Limits::drain`]), event streams
/// end, and the database closes cleanly.
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
