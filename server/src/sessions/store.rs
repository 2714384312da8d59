//! Where sessions are kept: tower-sessions' SQLite store, except that saving a session only
//! updates one that still exists.
//!
//! The stock store saves with an upsert. A request that read the session before its owner
//! logged out (an upload still sending its file, a page rendering in another tab) saved it
//! again when it finished, after the logout had deleted it, and the old cookie worked again.
//! Here a save never brings a session back; new sessions go through `create`.

use async_trait::async_trait;
use sqlx::SqlitePool;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion};
use tower_sessions_sqlx_store::SqliteStore;

/// The table tower-sessions' store creates and reads.
const TABLE: &str = "tower_sessions";

#[derive(Clone, Debug)]
pub struct SessionStore {
    sqlite: SqliteStore,
    pool: SqlitePool,
}

impl SessionStore {
    pub fn new(pool: SqlitePool) -> Self {
        Self {
            sqlite: SqliteStore::new(pool.clone()),
            pool,
        }
    }

    /// Creates the table if needed.
    pub async fn migrate(&self) -> sqlx::Result<()> {
        self.sqlite.migrate().await
    }
}

fn backend(error: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(error.to_string())
}

#[async_trait]
impl session_store::SessionStore for SessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        self.sqlite.create(record).await
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        // The same encoding as the stock store, which loads what is written here.
        let data =
            rmp_serde::to_vec(record).map_err(|e| session_store::Error::Encode(e.to_string()))?;
        let updated = sqlx::query(&format!(
            "UPDATE {TABLE} SET data = ?, expiry_date = ? WHERE id = ?"
        ))
        .bind(data)
        .bind(record.expiry_date)
        .bind(record.id.to_string())
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        if updated.rows_affected() == 0 {
            tracing::info!("a session ended while a request was using it; not saved");
        }
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        self.sqlite.load(id).await
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.sqlite.delete(id).await
    }
}

#[async_trait]
impl ExpiredDeletion for SessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        self.sqlite.delete_expired().await
    }
}
