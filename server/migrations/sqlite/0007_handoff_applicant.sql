-- A natural-person certificate's applicant does the phone handoff themself: `person` may now
-- be 'applicant' beside 'agent' (app::domain::handoff::Role).
-- SQLite cannot change a CHECK constraint, so the table is rebuilt with its rows. The links,
-- steps and files keep pointing at the same ids: foreign keys are checked at COMMIT, when
-- every row is back.
PRAGMA defer_foreign_keys = ON;

CREATE TABLE handoffs_copy AS SELECT * FROM handoffs;
DROP TABLE handoffs;

CREATE TABLE handoffs (
    id               INTEGER PRIMARY KEY,
    application_id   INTEGER NOT NULL REFERENCES applications (id),
    -- Who must do it: the organisation's agent (经办人), or the applicant (申请人) of a
    -- natural-person certificate.
    person           TEXT NOT NULL CHECK (person IN ('agent', 'applicant')),
    -- The person's name, ID number and mobile as the form had them when the link was made:
    -- AES-256-GCM JSON (nonce || ciphertext), bound to the row id.
    subject          BLOB NOT NULL,
    -- app::domain::handoff::HandoffState, column by column.
    stage            TEXT NOT NULL CHECK (stage IN ('pending', 'opened', 'id_front_done',
                         'id_back_done', 'liveness_passed', 'face_matched', 'completed',
                         'expired', 'failed')),
    failure          TEXT CHECK ((stage = 'failed') = (failure IS NOT NULL)),
    front_uploads    INTEGER NOT NULL DEFAULT 0 CHECK (front_uploads BETWEEN 0 AND 4),
    back_uploads     INTEGER NOT NULL DEFAULT 0 CHECK (back_uploads BETWEEN 0 AND 4),
    failed_attempts  INTEGER NOT NULL DEFAULT 0 CHECK (failed_attempts BETWEEN 0 AND 3),
    front_for_review INTEGER NOT NULL DEFAULT 0 CHECK (front_for_review IN (0, 1)),
    back_for_review  INTEGER NOT NULL DEFAULT 0 CHECK (back_for_review IN (0, 1)),
    -- Grows with every change; writers compare it (optimistic locking), and the desktop's
    -- event stream sends a snapshot whenever it moves.
    version          INTEGER NOT NULL DEFAULT 1,
    -- Six digits typed at /m instead of scanning; only while the session waits for a claim.
    short_code       TEXT CHECK (short_code IS NULL OR length(short_code) = 6),
    -- SHA-256 of the device cookie of the device that claimed it.
    device_hash      BLOB CHECK (device_hash IS NULL OR length(device_hash) = 32),
    -- The liveness prompts handed out and not yet answered: JSON {id, prompts, expires_at}.
    challenge        TEXT,
    -- Readings, mismatches and provider notes: AES-256-GCM JSON, bound to the row id.
    result           BLOB,
    created_at       INTEGER NOT NULL,
    -- Unclaimed after this, the link is expired.
    claim_deadline   INTEGER NOT NULL,
    claimed_at       INTEGER,
    -- Claimed but not finished by this, the session is expired.
    session_deadline INTEGER,
    ended_at         INTEGER,
    -- Photos and frames deleted (IDENTITY_RETENTION_DAYS after the end); the result stays.
    purged_at        INTEGER,
    updated_at       TEXT NOT NULL
) STRICT;

INSERT INTO handoffs (id, application_id, person, subject, stage, failure, front_uploads,
                      back_uploads, failed_attempts, front_for_review, back_for_review,
                      version, short_code, device_hash, challenge, result, created_at,
                      claim_deadline, claimed_at, session_deadline, ended_at, purged_at,
                      updated_at)
SELECT id, application_id, person, subject, stage, failure, front_uploads, back_uploads,
       failed_attempts, front_for_review, back_for_review, version, short_code, device_hash,
       challenge, result, created_at, claim_deadline, claimed_at, session_deadline, ended_at,
       purged_at, updated_at
FROM handoffs_copy;

DROP TABLE handoffs_copy;

CREATE INDEX handoffs_application ON handoffs (application_id, id);
CREATE UNIQUE INDEX handoffs_short_code ON handoffs (short_code) WHERE short_code IS NOT NULL;
CREATE INDEX handoffs_running ON handoffs (claim_deadline) WHERE ended_at IS NULL;
CREATE INDEX handoffs_unpurged ON handoffs (ended_at) WHERE purged_at IS NULL;
