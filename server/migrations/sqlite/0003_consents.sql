-- Which agreement version (SHA-256 of the text file) each applicant accepted, when, and from
-- which address. Rows are only ever added: accepting a new version keeps the old record.
CREATE TABLE consents (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    document    TEXT NOT NULL,
    version     TEXT NOT NULL CHECK (length(version) = 64),
    accepted_at TEXT NOT NULL,
    ip          TEXT NOT NULL
) STRICT;

CREATE INDEX consents_user ON consents (user_id, accepted_at);
