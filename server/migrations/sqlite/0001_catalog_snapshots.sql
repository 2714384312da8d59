-- Every catalog file version the server has loaded, keyed by content hash, so an application
-- can point at the exact prices and texts it was quoted under even after the operator edits
-- the catalog.
CREATE TABLE catalog_snapshots (
    content_hash TEXT PRIMARY KEY NOT NULL,
    project_id   TEXT NOT NULL,
    content      TEXT NOT NULL,
    first_loaded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE INDEX catalog_snapshots_project ON catalog_snapshots (project_id, first_loaded_at);
