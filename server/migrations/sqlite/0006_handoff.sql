-- The phone handoff (手机端身份认证): one row per session, the links that open it, its
-- progress lines, and the photos taken on the phone.
-- Times that expiry and limits compute with are Unix seconds (INTEGER); times shown to people
-- are UTC text as the server writes it ('2025-03-01T08:15:30.123Z').

CREATE TABLE handoffs (
    id               INTEGER PRIMARY KEY,
    application_id   INTEGER NOT NULL REFERENCES applications (id),
    -- Who must do it: the agent (经办人). A natural-person certificate's applicant is the
    -- agent of that application.
    person           TEXT NOT NULL CHECK (person IN ('agent')),
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

CREATE INDEX handoffs_application ON handoffs (application_id, id);
CREATE UNIQUE INDEX handoffs_short_code ON handoffs (short_code) WHERE short_code IS NOT NULL;
-- Sessions still running (for expiry) and ended ones not yet purged (for retention).
CREATE INDEX handoffs_running ON handoffs (claim_deadline) WHERE ended_at IS NULL;
CREATE INDEX handoffs_unpurged ON handoffs (ended_at) WHERE purged_at IS NULL;

-- The links: 128 random bits in the URL, stored only as their SHA-256. A session has one per
-- way it was handed out: the QR code, the text message, a redeemed short code.
CREATE TABLE handoff_tokens (
    token_hash BLOB PRIMARY KEY NOT NULL CHECK (length(token_hash) = 32),
    handoff_id INTEGER NOT NULL REFERENCES handoffs (id),
    channel    TEXT NOT NULL CHECK (channel IN ('qr', 'sms', 'code')),
    created_at INTEGER NOT NULL
) STRICT;

CREATE INDEX handoff_tokens_handoff ON handoff_tokens (handoff_id, channel, created_at);

-- Progress lines (app::domain::handoff::Step): codes only, no personal data.
CREATE TABLE handoff_steps (
    id         INTEGER PRIMARY KEY,
    handoff_id INTEGER NOT NULL REFERENCES handoffs (id),
    kind       TEXT NOT NULL,
    detail     TEXT,
    at         TEXT NOT NULL
) STRICT;

CREATE INDEX handoff_steps_handoff ON handoff_steps (handoff_id, id);

-- ID-card photos and liveness frames, encrypted in storage under `object` (random, hex).
-- One photo per side (a retake replaces it) and the frames of the latest liveness attempt.
CREATE TABLE handoff_files (
    handoff_id INTEGER NOT NULL REFERENCES handoffs (id),
    kind       TEXT NOT NULL CHECK (kind IN ('id_front', 'id_back', 'frame')),
    seq        INTEGER NOT NULL CHECK (seq >= 0),
    object     TEXT NOT NULL UNIQUE CHECK (length(object) = 64),
    size       INTEGER NOT NULL CHECK (size > 0),
    width      INTEGER NOT NULL,
    height     INTEGER NOT NULL,
    stored_at  TEXT NOT NULL,
    PRIMARY KEY (handoff_id, kind, seq)
) STRICT;

-- Wrong short codes per client address (IPv4, or IPv6 /64), for the rate limit at /m/code.
CREATE TABLE handoff_code_failures (
    id     INTEGER PRIMARY KEY,
    ip_key TEXT NOT NULL,
    at     INTEGER NOT NULL
) STRICT;

CREATE INDEX handoff_code_failures_ip ON handoff_code_failures (ip_key, at);
