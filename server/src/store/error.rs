//! One error for every repository, so the mapping from `sqlx::Error` is written once.

use sqlx::error::ErrorKind;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique key or primary key already holds that value.
    #[error("a row with that key already exists")]
    Duplicate,
    /// Another writer held the data too long (SQLite's busy timeout ran out) or PostgreSQL gave
    /// up a serializable transaction even after the retries. The caller may answer "try again".
    #[error("the database is busy")]
    Busy,
    /// A row the data promised is missing, or holds a value the code cannot read.
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Other(sqlx::Error),
}

/// SQLite's primary result codes for a busy or locked database (extended codes keep them in
/// their low byte).
const SQLITE_BUSY: i32 = 5;
const SQLITE_LOCKED: i32 = 6;
/// PostgreSQL's SQLSTATEs that mean "run the transaction again".
const PG_SERIALIZATION_FAILURE: &str = "40001";
const PG_DEADLOCK: &str = "40P01";

impl StoreError {
    /// Whether running the same transaction again may succeed.
    pub(crate) fn is_retryable(error: &sqlx::Error) -> bool {
        let sqlx::Error::Database(db) = error else {
            return false;
        };
        matches!(
            db.code().as_deref(),
            Some(PG_SERIALIZATION_FAILURE | PG_DEADLOCK)
        )
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::Database(db) if db.kind() == ErrorKind::UniqueViolation => Self::Duplicate,
            sqlx::Error::Database(db) => {
                let code = db.code();
                let sqlite_busy = code
                    .as_deref()
                    .and_then(|c| c.parse::<i32>().ok())
                    .is_some_and(|c| matches!(c & 0xff, SQLITE_BUSY | SQLITE_LOCKED));
                if sqlite_busy || Self::is_retryable(&error) {
                    Self::Busy
                } else {
                    Self::Other(error)
                }
            }
            sqlx::Error::PoolTimedOut => Self::Busy,
            sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => {
                Self::Corrupt(error.to_string())
            }
            _ => Self::Other(error),
        }
    }
}
