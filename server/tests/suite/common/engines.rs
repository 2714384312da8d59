//! The two database engines the tests run on. SQLite is a file in the test's data folder;
//! PostgreSQL is a fresh database per test on the throwaway cluster that `scripts/test.sh`
//! starts (`scripts/postgres.sh`) and names in `TEST_POSTGRES_URL`.

use std::path::Path;

use server::store::{Db, Engine};
use sqlx::Connection;

/// `TEST_ENGINE=postgres` runs a whole test on PostgreSQL; otherwise SQLite.
pub fn selected() -> Engine {
    match std::env::var("TEST_ENGINE").as_deref() {
        Ok("postgres") => Engine::Postgres,
        Ok("sqlite") | Err(_) => Engine::Sqlite,
        Ok(other) => panic!("TEST_ENGINE={other}: expected sqlite or postgres"),
    }
}

/// Where a server under test keeps its data on `engine`. A PostgreSQL database's URL is also
/// noted in the data folder, so [`stored_bytes`] finds it and a server started again on the
/// same folder finds the same database.
pub fn database_url(engine: Engine, data_dir: &Path) -> String {
    match engine {
        Engine::Sqlite => format!("sqlite://{}", data_dir.join("portal.db").display()),
        Engine::Postgres => {
            if let Ok(url) = std::fs::read_to_string(data_dir.join(POSTGRES_NOTE)) {
                return url;
            }
            let url = fresh_postgres_database();
            std::fs::create_dir_all(data_dir).unwrap();
            std::fs::write(data_dir.join(POSTGRES_NOTE), &url).unwrap();
            url
        }
    }
}

const POSTGRES_NOTE: &str = "test-database-url";

/// Everything the database behind `data_dir` holds, as bytes to search: SQLite's file and
/// write-ahead log, or on PostgreSQL every row of every table as JSON, with each `bytea` value
/// (which JSON shows as `\\x` and hex) also decoded.
pub fn stored_bytes(data_dir: &Path) -> Vec<u8> {
    let Ok(url) = std::fs::read_to_string(data_dir.join(POSTGRES_NOTE)) else {
        let mut bytes = std::fs::read(data_dir.join("portal.db")).unwrap_or_default();
        bytes.extend(std::fs::read(data_dir.join("portal.db-wal")).unwrap_or_default());
        return bytes;
    };
    let text = on_own_runtime(async move {
        let mut conn = sqlx::PgConnection::connect(&url).await?;
        let tables: Vec<(String, String)> = sqlx::query_as(
            "SELECT table_schema::text, table_name::text FROM information_schema.tables
             WHERE table_schema NOT IN ('pg_catalog', 'information_schema')",
        )
        .fetch_all(&mut conn)
        .await?;
        let mut text = String::new();
        for (schema, table) in tables {
            let rows: String = sqlx::query_scalar(&format!(
                "SELECT COALESCE(string_agg(row_to_json(t)::text, E'\\n'), '')
                 FROM \"{schema}\".\"{table}\" t"
            ))
            .fetch_one(&mut conn)
            .await?;
            text.push_str(&rows);
        }
        conn.close().await?;
        Ok::<_, sqlx::Error>(text)
    })
    .expect("the test database can be read");
    let mut bytes = text.clone().into_bytes();
    for hex in text.split("\\\\x").skip(1) {
        let digits: Vec<u8> = hex.bytes().take_while(u8::is_ascii_hexdigit).collect();
        bytes.extend(
            digits
                .chunks_exact(2)
                .filter_map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()),
        );
    }
    bytes
}

/// Runs `work` to completion on a runtime of its own, from sync code inside a test's runtime.
fn on_own_runtime<T: Send + 'static>(
    work: impl std::future::Future<Output = T> + Send + 'static,
) -> T {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(work)
    })
    .join()
    .unwrap()
}

/// Every engine, each with a new empty database: SQLite always, PostgreSQL when the cluster
/// is there. `REQUIRE_POSTGRES=1` (set by `scripts/test.sh`) turns its absence into a failure.
pub async fn every(data_dir: &Path) -> Vec<Db> {
    let mut dbs = Vec::new();
    for url in urls(data_dir) {
        dbs.push(Db::connect(&url).await.expect("database opens"));
    }
    dbs
}

/// The URLs of [`every`]'s databases, for a test that opens one twice (two servers).
pub fn urls(data_dir: &Path) -> Vec<String> {
    let mut engines = vec![Engine::Sqlite];
    if std::env::var_os("TEST_POSTGRES_URL").is_some() {
        engines.push(Engine::Postgres);
    } else if std::env::var_os("REQUIRE_POSTGRES").is_some() {
        panic!("REQUIRE_POSTGRES is set but TEST_POSTGRES_URL is not");
    } else {
        eprintln!("PostgreSQL skipped: TEST_POSTGRES_URL is unset (scripts/test.sh sets it)");
    }
    engines
        .into_iter()
        .map(|engine| database_url(engine, data_dir))
        .collect()
}

/// A new empty PostgreSQL database's URL when the cluster is there (see [`every`]).
pub fn postgres_if_available() -> Option<String> {
    if std::env::var_os("TEST_POSTGRES_URL").is_some() {
        Some(fresh_postgres_database())
    } else if std::env::var_os("REQUIRE_POSTGRES").is_some() {
        panic!("REQUIRE_POSTGRES is set but TEST_POSTGRES_URL is not");
    } else {
        eprintln!("PostgreSQL skipped: TEST_POSTGRES_URL is unset (scripts/test.sh sets it)");
        None
    }
}

/// Creates a database with a unique name on the test cluster and returns its URL.
fn fresh_postgres_database() -> String {
    let admin = std::env::var("TEST_POSTGRES_URL")
        .expect("TEST_POSTGRES_URL names the test cluster (scripts/postgres.sh start)");
    let name = format!("t{}_{:08x}", std::process::id(), rand::random::<u32>());
    let (admin_url, new) = (admin.clone(), name.clone());
    on_own_runtime(async move {
        let mut conn = sqlx::PgConnection::connect(&admin_url).await?;
        sqlx::query(&format!("CREATE DATABASE {new}"))
            .execute(&mut conn)
            .await?;
        conn.close().await
    })
    .expect("the test cluster creates a database");
    let (base, _) = admin.rsplit_once('/').expect("a URL with a database name");
    format!("{base}/{name}")
}
