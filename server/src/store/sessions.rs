//! Where sessions are kept: tower-sessions' SQLite or PostgreSQL store, on the engine's own
//! pool ([`Db::native`]), except that saving a session only updates one that still exists.
//!
//! The stock store saves with an upsert. A request that read the session before its owner
//! logged out (an upload still sending its file, a page rendering in another tab) saved it
//! again when it finished, after the logout had deleted it, and the old cookie worked again.
//! Here a save never brings a session back; new sessions go through `create`.

use async_trait::async_trait;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

use crate::store::Db;
use crate::store::db::Native;

/// The table tower-sessions' store creates and reads: on PostgreSQL too, in the default
/// schema, so the same SQL finds it on either engine.
pub(crate) const TABLE: &str = "tower_sessions";

#[derive(Clone, Debug)]
enum Stock {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

#[derive(Clone, Debug)]
pub struct SessionStore {
    stock: Stock,
    native: Native,
}

impl SessionStore {
    pub fn new(db: &Db) -> anyhow::Result<Self> {
        let native = db.native().clone();
        let stock = match &native {
            Native::Sqlite(pool) => Stock::Sqlite(SqliteStore::new(pool.clone())),
            Native::Postgres(pool) => Stock::Postgres(
                PostgresStore::new(pool.clone())
                    .with_schema_name("public")
                    .and_then(|store| store.with_table_name(TABLE))
                    .map_err(anyhow::Error::msg)?,
            ),
        };
        Ok(Self { stock, native })
    }
}

fn backend(error: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(error.to_string())
}

#[async_trait]
impl session_store::SessionStore for SessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match &self.stock {
            Stock::Sqlite(store) => store.create(record).await,
            Stock::Postgres(store) => store.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        // The same encoding as the stock store, which loads what is written here.
        let data =
            rmp_serde::to_vec(record).map_err(|e| session_store::Error::Encode(e.to_string()))?;
        let sql = format!("UPDATE {TABLE} SET data = $1, expiry_date = $2 WHERE id = $3");
        let id = record.id.to_string();
        // Each engine's own driver, which binds the expiry as its store reads it.
        let updated = match &self.native {
            Native::Sqlite(pool) => sqlx::query(&sql)
                .bind(data)
                .bind(record.expiry_date)
                .bind(id)
                .execute(pool)
                .await
                .map(|done| done.rows_affected()),
            Native::Postgres(pool) => sqlx::query(&sql)
                .bind(data)
                .bind(record.expiry_date)
                .bind(id)
                .execute(pool)
                .await
                .map(|done| done.rows_affected()),
        }
        .map_err(backend)?;
        if updated == 0 {
            tracing::info!("a session ended while a request was using it; not saved");
        }
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match &self.stock {
            Stock::Sqlite(store) => store.load(id).await,
            Stock::Postgres(store) => store.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match &self.stock {
            Stock::Sqlite(store) => store.delete(id).await,
            Stock::Postgres(store) => store.delete(id).await,
        }
    }
}

#[async_trait]
impl ExpiredDeletion for SessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        match &self.stock {
            Stock::Sqlite(store) => store.delete_expired().await,
            Stock::Postgres(store) => store.delete_expired().await,
        }
    }
}
