-- Applicant accounts and the login machinery: image captchas, SMS codes, the local SMS outbox.
-- Times that rate limits and expiry compute with are Unix seconds (INTEGER); times shown to
-- people are UTC text as written by the server ('2025-03-01T08:15:30.123Z').

-- One account per mobile number, created on the first successful login.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    mobile        TEXT NOT NULL UNIQUE CHECK (length(mobile) = 11),
    created_at    TEXT NOT NULL,
    last_login_at TEXT NOT NULL,
    last_login_ip TEXT NOT NULL
) STRICT;

-- Image captchas waiting for their answer. Only an HMAC of the answer is kept; a row is deleted
-- when it is checked (right or wrong), so each captcha is tried once.
CREATE TABLE captchas (
    id          TEXT PRIMARY KEY NOT NULL,
    answer_hash BLOB NOT NULL,
    expires_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX captchas_expiry ON captchas (expires_at);

-- Every SMS login code sent. `code_hash` is HMAC-SHA256(key, mobile || code); the code itself is
-- never stored. `ip_key` is the client's IPv4 address or IPv6 /64, for the per-IP cap.
CREATE TABLE sms_codes (
    id         INTEGER PRIMARY KEY,
    mobile     TEXT NOT NULL,
    code_hash  BLOB NOT NULL,
    ip_key     TEXT NOT NULL,
    sent_at    INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    used_at    INTEGER
) STRICT;

-- Latest code per number, resend interval and the daily count per number.
CREATE INDEX sms_codes_mobile ON sms_codes (mobile, sent_at);
-- The hourly count per client address.
CREATE INDEX sms_codes_ip ON sms_codes (ip_key, sent_at);

-- Messages kept by the local SMS provider instead of being sent (shown at /dev/outbox).
CREATE TABLE sms_outbox (
    id         INTEGER PRIMARY KEY,
    to_mobile  TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('login_code', 'notice')),
    text       TEXT NOT NULL,
    sent_at    TEXT NOT NULL
) STRICT;
