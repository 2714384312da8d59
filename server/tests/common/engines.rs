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

/// Where a server under test keeps its data on `engine`.
pub fn database_url(engine: Engine, data_dir: &Path) -> String {
    match engine {
        Engine::Sqlite => format!("sqlite://{}", data_dir.join("portal.db").display()),
        Engine::Postgres => fresh_postgres_database(),
    }
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

/// Creates a database with a unique name on the test cluster and returns its URL.
fn fresh_postgres_database() -> String {
    let admin = std::env::var("TEST_POSTGRES_URL")
        .expect("TEST_POSTGRES_URL names the test cluster (scripts/postgres.sh start)");
    let name = format!("t{}_{:08x}", std::process::id(), rand::random::<u32>());
    // Called from sync set-up code inside a test's runtime: a thread of its own may block.
    let create = {
        let (admin, name) = (admin.clone(), name.clone());
        std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(async {
                    let mut conn = sqlx::PgConnection::connect(&admin).await?;
                    sqlx::query(&format!("CREATE DATABASE {name}"))
                        .execute(&mut conn)
                        .await?;
                    conn.close().await
                })
        })
    };
    create
        .join()
        .unwrap()
        .expect("the test cluster creates a database");
    let (base, _) = admin.rsplit_once('/').expect("a URL with a database name");
    format!("{base}/{name}")
}
