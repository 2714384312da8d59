//! The database pool and its embedded migrations.

use std::str::FromStr;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

/// Opens (creating if needed) the database and brings its schema up to date.
pub async fn connect(url: &str) -> anyhow::Result<SqlitePool> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        // WAL lets readers go on while one request writes.
        .journal_mode(SqliteJournalMode::Wal)
        .foreign_keys(true)
        // Deleted and overwritten personal data is zeroed in the file, not merely unlinked.
        .pragma("secure_delete", "on")
        .busy_timeout(std::time::Duration::from_secs(5));
    let pool = SqlitePoolOptions::new().connect_with(options).await?;
    sqlx::migrate!().run(&pool).await?;
    Ok(pool)
}
