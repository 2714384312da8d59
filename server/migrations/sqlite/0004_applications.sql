-- Drafts saved as the applicant types, and submitted applications.
-- `data` columns hold personal data (ID numbers, bank accounts): AES-256-GCM, nonce || ciphertext.

CREATE TABLE drafts (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    project_id   TEXT NOT NULL,
    data         BLOB NOT NULL,
    step         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    saved_at     TEXT NOT NULL,
    -- The application number once submitted; the draft is then read-only history.
    submitted_as TEXT UNIQUE REFERENCES applications (number)
) STRICT;

-- At most one open draft per applicant and project.
CREATE UNIQUE INDEX drafts_one_open ON drafts (user_id, project_id) WHERE submitted_as IS NULL;
CREATE INDEX drafts_user_project ON drafts (user_id, project_id, id);

CREATE TABLE applications (
    id              INTEGER PRIMARY KEY,
    -- SQ + China date + daily sequence, e.g. SQ202503010001.
    number          TEXT NOT NULL UNIQUE,
    user_id         INTEGER NOT NULL REFERENCES users (id),
    project_id      TEXT NOT NULL,
    -- One application per draft: a second submit of the same draft hits this constraint.
    draft_id        INTEGER NOT NULL UNIQUE REFERENCES drafts (id),
    status          TEXT NOT NULL,
    data            BLOB NOT NULL,
    -- The fee breakdown as quoted (no personal data), and its total in fen.
    quote           TEXT NOT NULL,
    total_fen       INTEGER NOT NULL CHECK (total_fen >= 0),
    -- The catalog file version (SHA-256) the quote was computed from.
    catalog_version TEXT NOT NULL REFERENCES catalog_snapshots (content_hash),
    submitted_at    TEXT NOT NULL,
    updated_at      TEXT NOT NULL
) STRICT;

CREATE INDEX applications_user ON applications (user_id, submitted_at);

-- The last sequence number handed out per China calendar day (YYYYMMDD).
CREATE TABLE application_numbers (
    day  TEXT PRIMARY KEY NOT NULL,
    last INTEGER NOT NULL
) STRICT;
