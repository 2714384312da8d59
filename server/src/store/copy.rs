//! Moving an installation from SQLite to PostgreSQL (`server copy-to`): every table's rows, in
//! an order that satisfies the foreign keys, in one transaction on the target, then the id
//! sequences moved past the copied ids. Both schemas are the same after their last migration,
//! so columns map one to one; each value is read by its SQLite column type.

use sqlx::{AnyConnection, Row};

use super::{Db, Engine};

/// Every table, parents before children (the drafts ↔ applications circle is deferred on
/// PostgreSQL). A test checks that no table of the schema is missing.
pub const TABLES: &[&str] = &[
    "catalog_snapshots",
    "users",
    "captchas",
    "sms_codes",
    "sms_outbox",
    "consents",
    "session_handovers",
    "reviewers",
    "console_login_attempts",
    "privacy_requests",
    "drafts",
    "applications",
    "application_numbers",
    "materials",
    "handoffs",
    "handoff_tokens",
    "handoff_steps",
    "handoff_files",
    "handoff_code_failures",
    "order_events",
    "rejection_flags",
    "payments",
    "sandbox_trades",
    "reviewer_audit",
    "bank_checks",
    "bank_statements",
    "certificates",
    "certificate_reminders",
    "order_certificates",
    "certificate_holds",
    "lookup_codes",
    "certificate_codes",
];

/// Copies `source` (SQLite) into `target` (PostgreSQL, migrated here, and empty); returns the
/// rows copied per table.
pub async fn copy(source: &str, target: &str) -> anyhow::Result<Vec<(&'static str, u64)>> {
    let from = Db::connect(source).await?;
    let to = Db::connect(target).await?;
    anyhow::ensure!(
        from.engine() == Engine::Sqlite && to.engine() == Engine::Postgres,
        "copy-to copies a SQLite database into a PostgreSQL one"
    );
    let mut tx = to.pool().begin().await?;
    for table in TABLES {
        let existing: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&mut *tx)
            .await?;
        anyhow::ensure!(existing == 0, "the target's {table} is not empty");
    }
    sqlx::query("SET CONSTRAINTS ALL DEFERRED")
        .execute(&mut *tx)
        .await?;
    let mut copied = Vec::with_capacity(TABLES.len());
    for &table in TABLES {
        copied.push((table, copy_table(&from, &mut tx, table).await?));
    }
    // Tables keyed by an identity column get its sequence moved past the copied ids.
    let keyed: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.columns
         WHERE table_schema = current_schema() AND column_name = 'id' AND is_identity = 'YES'",
    )
    .fetch_all(&mut *tx)
    .await?;
    for table in keyed {
        sqlx::query(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) FROM {table}
             HAVING COUNT(*) > 0"
        ))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    from.close().await;
    to.close().await;
    Ok(copied)
}

async fn copy_table(from: &Db, to: &mut AnyConnection, table: &str) -> anyhow::Result<u64> {
    let columns: Vec<(String, String)> = sqlx::query_as(&format!(
        "SELECT name, type FROM pragma_table_info('{table}')"
    ))
    .fetch_all(from.pool())
    .await?;
    let names: Vec<&str> = columns.iter().map(|(name, _)| name.as_str()).collect();
    let placeholders: Vec<String> = (1..=names.len()).map(|i| format!("${i}")).collect();
    let insert = format!(
        "INSERT INTO {table} ({}) VALUES ({})",
        names.join(", "),
        placeholders.join(", ")
    );
    let rows = sqlx::query(&format!("SELECT {} FROM {table}", names.join(", ")))
        .fetch_all(from.pool())
        .await?;
    for row in &rows {
        let mut query = sqlx::query(&insert);
        for (i, (name, kind)) in columns.iter().enumerate() {
            query = match kind.to_ascii_uppercase().as_str() {
                "INTEGER" => query.bind(row.try_get::<Option<i64>, _>(i)?),
                "BLOB" => query.bind(row.try_get::<Option<Vec<u8>>, _>(i)?),
                "TEXT" => query.bind(row.try_get::<Option<String>, _>(i)?),
                other => anyhow::bail!("{table}.{name}: no copy for column type {other}"),
            };
        }
        query.execute(&mut *to).await?;
    }
    Ok(rows.len() as u64)
}
