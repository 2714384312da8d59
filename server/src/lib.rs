//! The web server: configuration, database, catalog and the axum router around the Leptos app.
// Leptos views are deeply nested types; the default limit is too low for a full page.
#![recursion_limit = "256"]

pub mod catalog;
pub mod config;
pub mod db;
mod health;
mod security;

use std::sync::Arc;

use app::state::AppState;
use app::{App, shell};
use axum::{Router, routing::get};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use sqlx::SqlitePool;
use tower_http::{compression::CompressionLayer, trace::TraceLayer};

use crate::config::Config;

/// Everything a running server holds.
pub struct Server {
    pub router: Router,
    pub pool: SqlitePool,
}

/// Prepares the data folder, opens and migrates the database, loads the catalog.
pub async fn build(config: &Config, leptos_options: LeptosOptions) -> anyhow::Result<Server> {
    std::fs::create_dir_all(config.uploads_dir())?;
    let pool = db::connect(&config.database_url()).await?;
    let loaded = catalog::load_dir(&config.catalog_dir)?;
    catalog::record_snapshots(&pool, &loaded).await?;
    tracing::info!(projects = loaded.len(), "catalog loaded");
    let state = AppState {
        catalog: Arc::new(catalog::into_catalog(loaded)),
    };
    Ok(Server {
        router: router(leptos_options, state, pool.clone()),
        pool,
    })
}

pub fn router(leptos_options: LeptosOptions, state: AppState, pool: SqlitePool) -> Router {
    let routes = generate_route_list(App);
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
        .route("/healthz", get(health::healthz).with_state(pool));
    security::with_security_headers(app)
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
}
