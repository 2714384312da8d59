-- Mobile numbers are no longer kept in clear. Each table that names one keeps `mobile_index`,
-- HMAC-SHA256 of the 11 digits under a key derived from the server secret (what look-ups
-- compare; it reveals nothing without the key), and, where the number is used again,
-- `mobile_sealed`: AES-256-GCM bound to the table and the index (server/src/mobiles.rs).
-- SQL has no key, so rows written before this migration keep their number in
-- `legacy_mobile` until the server, at its next start, seals it and clears the column in one
-- transaction. After that start `legacy_mobile` is always NULL. The database connections run
-- with `secure_delete`, so the cleared and dropped values are overwritten, not just unlinked.

-- users.mobile is UNIQUE, which SQLite cannot drop in place: the table is rebuilt with its
-- rows and ids. Consents, drafts, applications and handovers keep pointing at the same ids:
-- foreign keys are checked at COMMIT, when every row is back.
PRAGMA defer_foreign_keys = ON;

CREATE TABLE users_copy AS SELECT * FROM users;
DROP TABLE users;

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    mobile_index  BLOB UNIQUE CHECK (length(mobile_index) = 32),
    mobile_sealed BLOB,
    legacy_mobile TEXT,
    created_at    TEXT NOT NULL,
    last_login_at TEXT NOT NULL,
    last_login_ip TEXT NOT NULL,
    -- A closed account kept for its applications (server::privacy) has no number at all.
    closed_at     TEXT,
    CHECK (CASE WHEN closed_at IS NOT NULL
                THEN mobile_index IS NULL AND mobile_sealed IS NULL AND legacy_mobile IS NULL
                ELSE (legacy_mobile IS NULL) = (mobile_index IS NOT NULL AND mobile_sealed IS NOT NULL)
           END)
) STRICT;

INSERT INTO users (id, legacy_mobile, created_at, last_login_at, last_login_ip, closed_at)
SELECT id, CASE WHEN closed_at IS NULL THEN mobile END, created_at, last_login_at,
       last_login_ip, closed_at
FROM users_copy;

DROP TABLE users_copy;

-- Login codes: the limits count by number, so the index replaces the number in their index.
DROP INDEX sms_codes_mobile;
ALTER TABLE sms_codes ADD COLUMN mobile_index BLOB CHECK (length(mobile_index) = 32);
ALTER TABLE sms_codes ADD COLUMN legacy_mobile TEXT;
UPDATE sms_codes SET legacy_mobile = mobile;
ALTER TABLE sms_codes DROP COLUMN mobile;
CREATE INDEX sms_codes_mobile ON sms_codes (mobile_index, sent_at);

-- The local provider's outbox keeps its texts (it exists only in the sandbox), but not the
-- number in clear: the outbox page opens the sealed copy.
ALTER TABLE sms_outbox ADD COLUMN mobile_index BLOB CHECK (length(mobile_index) = 32);
ALTER TABLE sms_outbox ADD COLUMN mobile_sealed BLOB;
ALTER TABLE sms_outbox ADD COLUMN legacy_mobile TEXT;
UPDATE sms_outbox SET legacy_mobile = to_mobile;
ALTER TABLE sms_outbox DROP COLUMN to_mobile;
