-- Every order is of one business: the new application, or one done to issued certificates.
-- A business order is made from certificates, not from a draft, so `draft_id` may now be
-- empty; SQLite cannot drop NOT NULL in place, so the table is rebuilt with its rows and ids,
-- foreign keys checked at COMMIT.
PRAGMA defer_foreign_keys = ON;

CREATE TABLE applications_copy AS SELECT * FROM applications;
DROP TABLE applications;
CREATE TABLE applications (
    id              INTEGER PRIMARY KEY,
    -- SQ + China date + daily sequence, e.g. SQ202503010001.
    number          TEXT NOT NULL UNIQUE,
    user_id         INTEGER NOT NULL REFERENCES users (id),
    project_id      TEXT NOT NULL,
    -- One application per draft: a second submit of the same draft hits this constraint.
    -- Empty for a business order (a renewal, …).
    draft_id        INTEGER UNIQUE REFERENCES drafts (id),
    status          TEXT NOT NULL,
    data            BLOB NOT NULL,
    -- The fee breakdown as quoted (no personal data), and its total in fen.
    quote           TEXT NOT NULL,
    total_fen       INTEGER NOT NULL CHECK (total_fen >= 0),
    -- The catalog file version (SHA-256) the quote was computed from.
    catalog_version TEXT NOT NULL REFERENCES catalog_snapshots (content_hash),
    submitted_at    INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    payment_method  TEXT CHECK (payment_method IN ('wechat', 'alipay', 'bank_transfer')),
    courier         TEXT,
    tracking_no     TEXT,
    shipped_at      INTEGER,
    business        TEXT NOT NULL DEFAULT 'new'
        CHECK (business IN ('new', 'renewal', 'change', 'unlock', 'replacement', 'cancellation'))
) STRICT;
INSERT INTO applications (id, number, user_id, project_id, draft_id, status, data, quote,
                          total_fen, catalog_version, submitted_at, updated_at, payment_method,
                          courier, tracking_no, shipped_at)
SELECT id, number, user_id, project_id, draft_id, status, data, quote, total_fen,
       catalog_version, submitted_at, updated_at, payment_method, courier, tracking_no,
       shipped_at
FROM applications_copy;
DROP TABLE applications_copy;
CREATE INDEX applications_user ON applications (user_id, submitted_at);
CREATE INDEX applications_status ON applications (status, submitted_at);

-- The certificates a business order is about, with the years bought for a renewal.
CREATE TABLE order_certificates (
    application_id INTEGER NOT NULL REFERENCES applications (id),
    certificate_id INTEGER NOT NULL REFERENCES certificates (id),
    years          INTEGER NOT NULL DEFAULT 0 CHECK (years >= 0),
    PRIMARY KEY (application_id, certificate_id)
);

-- One open business per certificate: taken when the order is made, given back when it ends,
-- so two renewals of one certificate can never both be paid.
CREATE TABLE certificate_holds (
    certificate_id INTEGER PRIMARY KEY REFERENCES certificates (id),
    application_id INTEGER NOT NULL REFERENCES applications (id)
);
