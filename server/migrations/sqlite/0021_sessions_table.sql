-- The login sessions' table, as tower-sessions' SQLite store reads and writes it, made here
-- with the rest of the schema (the store used to create it at start-up), so repositories that
-- end sessions can rely on it. Existing installations already have it.
CREATE TABLE IF NOT EXISTS tower_sessions (
    id          TEXT PRIMARY KEY NOT NULL,
    data        BLOB NOT NULL,
    expiry_date INTEGER NOT NULL
);
