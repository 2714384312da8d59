//! Start-up configuration, read from environment variables (or flags) with local defaults.

use std::{net::SocketAddr, path::PathBuf};

#[derive(Debug, Clone, clap::Parser)]
#[command(name = "server", about = "数字证书网上办理: the web server")]
pub struct Config {
    /// Address to listen on. Defaults to the `site-addr` in Cargo.toml (127.0.0.1:3000).
    #[arg(long, env = "BIND_ADDR")]
    pub bind_addr: Option<SocketAddr>,

    /// Folder for everything the server writes: the SQLite file and uploaded files.
    /// Created on first start.
    #[arg(long, env = "DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// Database URL. Defaults to `sqlite://<DATA_DIR>/portal.db`, created when missing.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,

    /// Folder of project catalog files (`*.toml`, one per trading platform).
    #[arg(long, env = "CATALOG_DIR", default_value = "catalog")]
    pub catalog_dir: PathBuf,
}

impl Config {
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("portal.db").display()))
    }

    pub fn uploads_dir(&self) -> PathBuf {
        self.data_dir.join("uploads")
    }
}
