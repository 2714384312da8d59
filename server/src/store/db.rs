//! The database handle: SQLite (the default, one file in the data folder) or PostgreSQL (for
//! more than one machine), chosen by the URL's scheme.
//!
//! Repositories run one SQL text on either engine through sqlx's `Any` driver. The text keeps
//! to what both accept: `$1` placeholders, `ON CONFLICT`, `RETURNING`, integer timestamps
//! ([`super::time`]). The one thing that differs at run time, how a writing transaction
//! begins, is here; the schemas differ only in column types, in `migrations/{sqlite,postgres}`.

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::{Any, AnyPool, Executor, Transaction};

use super::StoreError;

/// How long a write waits for another before giving up (SQLite) and how many times a
/// serializable transaction is tried (PostgreSQL).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
const WRITE_ATTEMPTS: u32 = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// The engine's own pool, for what needs the concrete driver: the migrations and the login
/// session store.
#[derive(Clone, Debug)]
pub enum Native {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

#[derive(Clone, Debug)]
pub struct Db {
    any: AnyPool,
    native: Native,
}

impl Db {
    /// Opens the database named by `url` (`sqlite://…` creates the file if missing;
    /// `postgres://…` needs an existing database) and brings its schema up to date.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let native = match engine_of(url)? {
            Engine::Sqlite => {
                let options = SqliteConnectOptions::from_str(url)?
                    .create_if_missing(true)
                    // WAL lets readers go on while one request writes.
                    .journal_mode(SqliteJournalMode::Wal)
                    .foreign_keys(true)
                    // Deleted and overwritten personal data is zeroed in the file, not merely
                    // unlinked.
                    .pragma("secure_delete", "on")
                    .busy_timeout(BUSY_TIMEOUT);
                let pool = SqlitePoolOptions::new().connect_with(options).await?;
                sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
                Native::Sqlite(pool)
            }
            Engine::Postgres => {
                let options = PgConnectOptions::from_str(url)?;
                let pool = PgPoolOptions::new().connect_with(options).await?;
                sqlx::migrate!("./migrations/postgres").run(&pool).await?;
                Native::Postgres(pool)
            }
        };
        let sqlite = matches!(native, Native::Sqlite(_));
        let any = AnyPoolOptions::new()
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if sqlite {
                        // The `Any` driver opens SQLite with its defaults; match the options above.
                        conn.execute(
                            "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; \
                             PRAGMA secure_delete = ON;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(AnyConnectOptions::from_str(url)?)
            .await?;
        Ok(Self { any, native })
    }

    pub fn engine(&self) -> Engine {
        match self.native {
            Native::Sqlite(_) => Engine::Sqlite,
            Native::Postgres(_) => Engine::Postgres,
        }
    }

    pub fn native(&self) -> &Native {
        &self.native
    }

    /// The pool that repositories run their SQL on (and tests, to set up rows that no
    /// repository writes by itself). Services never see it.
    pub fn pool(&self) -> &AnyPool {
        &self.any
    }

    /// Begins a writing transaction.
    ///
    /// On SQLite it takes the write lock at its start (`BEGIN IMMEDIATE`), so what it reads
    /// cannot change before it writes. On PostgreSQL it is `SERIALIZABLE`, which promises the
    /// same outcome and instead aborts one of two transactions that overlap: run it inside
    /// [`Db::retry`].
    pub async fn begin_write(&self) -> Result<Transaction<'static, Any>, StoreError> {
        let begin = match self.engine() {
            Engine::Sqlite => "BEGIN IMMEDIATE",
            Engine::Postgres => "BEGIN ISOLATION LEVEL SERIALIZABLE",
        };
        Ok(self.any.begin_with(begin).await?)
    }

    /// Runs `transaction` (which begins with [`Db::begin_write`] and commits) again, a few
    /// times, while the database answers busy, so it must do nothing outside the database.
    /// PostgreSQL aborts one of two serializable transactions that overlap; SQLite's writers
    /// mostly wait for each other (the busy timeout), but under a burst of writers in WAL mode
    /// it can answer busy at once (measured: 1 in 2,000 submits at 16 in flight, release build).
    pub async fn retry<T, F: Future<Output = Result<T, StoreError>>>(
        &self,
        transaction: impl Fn() -> F,
    ) -> Result<T, StoreError> {
        let mut attempt = 1;
        loop {
            match transaction().await {
                Err(StoreError::Busy) if attempt < WRITE_ATTEMPTS => {
                    // Transactions that collided and retry at once would collide again: wait
                    // a random time under a ceiling that doubles (10 ms, 20 ms, … 320 ms).
                    let ceiling = 10u64 << (attempt - 1).min(5);
                    let wait = 1 + rand::random::<u64>() % ceiling;
                    tokio::time::sleep(Duration::from_millis(wait)).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// Whether the database answers (the health check).
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query_scalar::<_, i64>("SELECT CAST(1 AS BIGINT)")
            .fetch_one(&self.any)
            .await?;
        Ok(())
    }

    /// Closes every connection, waiting for those in use.
    pub async fn close(&self) {
        self.any.close().await;
        match &self.native {
            Native::Sqlite(pool) => pool.close().await,
            Native::Postgres(pool) => pool.close().await,
        }
    }
}

fn engine_of(url: &str) -> anyhow::Result<Engine> {
    match url.split_once(':').map(|(scheme, _)| scheme) {
        Some("sqlite") => Ok(Engine::Sqlite),
        Some("postgres" | "postgresql") => Ok(Engine::Postgres),
        _ => anyhow::bail!("DATABASE_URL must start with sqlite:// or postgres://"),
    }
}
