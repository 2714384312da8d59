-- The rest of the tables move to the one timestamp representation (server/src/store/time.rs):
-- whole seconds since the Unix epoch in an INTEGER, as the expiry and rate-limit columns
-- already were. The TEXT stamps were always `YYYY-MM-DDTHH:MM:SS.mmmZ`, which strftime('%s')
-- reads exactly (the milliseconds are dropped). SQLite cannot change a column's type in
-- place, so each table is rebuilt with its rows, ids and indexes; foreign keys are checked at
-- COMMIT, when every row is back.
PRAGMA defer_foreign_keys = ON;

-- catalog_snapshots: first_loaded_at
CREATE TABLE catalog_snapshots_copy AS SELECT * FROM catalog_snapshots;
DROP TABLE catalog_snapshots;
CREATE TABLE catalog_snapshots (
    content_hash TEXT PRIMARY KEY NOT NULL,
    project_id   TEXT NOT NULL,
    content      TEXT NOT NULL,
    first_loaded_at INTEGER NOT NULL
);
INSERT INTO catalog_snapshots (content_hash, project_id, content, first_loaded_at)
SELECT content_hash, project_id, content, CAST(strftime('%s', first_loaded_at) AS INTEGER)
FROM catalog_snapshots_copy;
DROP TABLE catalog_snapshots_copy;
CREATE INDEX catalog_snapshots_project ON catalog_snapshots (project_id, first_loaded_at);

-- sms_outbox: sent_at
CREATE TABLE sms_outbox_copy AS SELECT * FROM sms_outbox;
DROP TABLE sms_outbox;
CREATE TABLE sms_outbox (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('login_code', 'notice')),
    text       TEXT NOT NULL,
    sent_at    INTEGER NOT NULL
, mobile_index BLOB CHECK (length(mobile_index) = 32), mobile_sealed BLOB, legacy_mobile TEXT) STRICT;
INSERT INTO sms_outbox (id, kind, text, sent_at, mobile_index, mobile_sealed, legacy_mobile)
SELECT id, kind, text, CAST(strftime('%s', sent_at) AS INTEGER), mobile_index, mobile_sealed, legacy_mobile
FROM sms_outbox_copy;
DROP TABLE sms_outbox_copy;
CREATE INDEX sms_outbox_sent ON sms_outbox (sent_at);

-- users: created_at, last_login_at, closed_at
CREATE TABLE users_copy AS SELECT * FROM users;
DROP TABLE users;
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    mobile_index  BLOB UNIQUE CHECK (length(mobile_index) = 32),
    mobile_sealed BLOB,
    legacy_mobile TEXT,
    created_at    INTEGER NOT NULL,
    last_login_at INTEGER NOT NULL,
    last_login_ip TEXT NOT NULL,
    -- A closed account kept for its applications (server::privacy) has no number at all.
    closed_at     INTEGER,
    CHECK (CASE WHEN closed_at IS NOT NULL
                THEN mobile_index IS NULL AND mobile_sealed IS NULL AND legacy_mobile IS NULL
                ELSE (legacy_mobile IS NULL) = (mobile_index IS NOT NULL AND mobile_sealed IS NOT NULL)
           END)
) STRICT;
INSERT INTO users (id, mobile_index, mobile_sealed, legacy_mobile, created_at, last_login_at, last_login_ip, closed_at)
SELECT id, mobile_index, mobile_sealed, legacy_mobile, CAST(strftime('%s', created_at) AS INTEGER), CAST(strftime('%s', last_login_at) AS INTEGER), last_login_ip, CAST(strftime('%s', closed_at) AS INTEGER)
FROM users_copy;
DROP TABLE users_copy;

-- reviewers: created_at, last_login_at
CREATE TABLE reviewers_copy AS SELECT * FROM reviewers;
DROP TABLE reviewers;
CREATE TABLE reviewers (
    id              INTEGER PRIMARY KEY,
    -- What the reviewer types to sign in: lower-case ASCII letters, digits, '.', '_', '-'.
    login           TEXT NOT NULL UNIQUE,
    -- Shown on the timeline (审核员 张审核) and in the console.
    name            TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('reviewer', 'admin')),
    -- PHC string: $argon2id$v=19$m=…,t=…,p=…$salt$hash.
    password_hash   TEXT NOT NULL,
    disabled        INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    -- Wrong passwords since the last success or lockout; at 5 the account locks for a while.
    failed_logins   INTEGER NOT NULL DEFAULT 0,
    -- Unix seconds; no sign-in before this.
    locked_until    INTEGER,
    created_at      INTEGER NOT NULL,
    last_login_at   INTEGER
) STRICT;
INSERT INTO reviewers (id, login, name, role, password_hash, disabled, failed_logins, locked_until, created_at, last_login_at)
SELECT id, login, name, role, password_hash, disabled, failed_logins, locked_until, CAST(strftime('%s', created_at) AS INTEGER), CAST(strftime('%s', last_login_at) AS INTEGER)
FROM reviewers_copy;
DROP TABLE reviewers_copy;

-- privacy_requests: requested_at, completed_at
CREATE TABLE privacy_requests_copy AS SELECT * FROM privacy_requests;
DROP TABLE privacy_requests;
CREATE TABLE privacy_requests (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER REFERENCES users (id),
    kind         TEXT NOT NULL CHECK (kind IN ('withdraw_consent', 'close_account')),
    requested_at INTEGER NOT NULL,
    completed_at INTEGER,
    reviewer_id  INTEGER REFERENCES reviewers (id),
    -- What completing did, in counts and application numbers: no personal data.
    outcome      TEXT,
    CHECK ((completed_at IS NULL) = (reviewer_id IS NULL))
) STRICT;
INSERT INTO privacy_requests (id, user_id, kind, requested_at, completed_at, reviewer_id, outcome)
SELECT id, user_id, kind, CAST(strftime('%s', requested_at) AS INTEGER), CAST(strftime('%s', completed_at) AS INTEGER), reviewer_id, outcome
FROM privacy_requests_copy;
DROP TABLE privacy_requests_copy;
CREATE UNIQUE INDEX privacy_requests_open ON privacy_requests (user_id, kind)
    WHERE completed_at IS NULL;
CREATE INDEX privacy_requests_pending ON privacy_requests (completed_at, requested_at);

-- drafts: created_at, saved_at
CREATE TABLE drafts_copy AS SELECT * FROM drafts;
DROP TABLE drafts;
CREATE TABLE drafts (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    project_id   TEXT NOT NULL,
    data         BLOB NOT NULL,
    step         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    saved_at     INTEGER NOT NULL,
    -- The application number once submitted; the draft is then read-only history.
    submitted_as TEXT UNIQUE REFERENCES applications (number)
) STRICT;
INSERT INTO drafts (id, user_id, project_id, data, step, created_at, saved_at, submitted_as)
SELECT id, user_id, project_id, data, step, CAST(strftime('%s', created_at) AS INTEGER), CAST(strftime('%s', saved_at) AS INTEGER), submitted_as
FROM drafts_copy;
DROP TABLE drafts_copy;
CREATE UNIQUE INDEX drafts_one_open ON drafts (user_id, project_id) WHERE submitted_as IS NULL;
CREATE INDEX drafts_user_project ON drafts (user_id, project_id, id);
CREATE INDEX drafts_open_saved ON drafts (saved_at) WHERE submitted_as IS NULL;

-- applications: submitted_at, updated_at, shipped_at
CREATE TABLE applications_copy AS SELECT * FROM applications;
DROP TABLE applications;
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
    submitted_at    INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
, payment_method TEXT
    CHECK (payment_method IN ('wechat', 'alipay', 'bank_transfer')), courier TEXT, tracking_no TEXT, shipped_at INTEGER) STRICT;
INSERT INTO applications (id, number, user_id, project_id, draft_id, status, data, quote, total_fen, catalog_version, submitted_at, updated_at, payment_method, courier, tracking_no, shipped_at)
SELECT id, number, user_id, project_id, draft_id, status, data, quote, total_fen, catalog_version, CAST(strftime('%s', submitted_at) AS INTEGER), CAST(strftime('%s', updated_at) AS INTEGER), payment_method, courier, tracking_no, CAST(strftime('%s', shipped_at) AS INTEGER)
FROM applications_copy;
DROP TABLE applications_copy;
CREATE INDEX applications_user ON applications (user_id, submitted_at);
CREATE INDEX applications_status ON applications (status, submitted_at);

-- materials: uploaded_at
CREATE TABLE materials_copy AS SELECT * FROM materials;
DROP TABLE materials;
CREATE TABLE materials (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    slot           TEXT NOT NULL,
    object         TEXT NOT NULL CHECK (length(object) = 64),
    -- By content, never by name or the browser's word.
    kind           TEXT NOT NULL CHECK (kind IN ('jpeg', 'png', 'pdf')),
    size           INTEGER NOT NULL CHECK (size > 0),
    -- The name the file was uploaded under, cleaned; it may name a person, so it is
    -- AES-256-GCM encrypted like the other personal data (nonce || ciphertext).
    file_name      BLOB NOT NULL,
    width          INTEGER,
    height         INTEGER,
    pages          INTEGER,
    uploaded_at    INTEGER NOT NULL,
    UNIQUE (application_id, slot)
) STRICT;
INSERT INTO materials (id, application_id, slot, object, kind, size, file_name, width, height, pages, uploaded_at)
SELECT id, application_id, slot, object, kind, size, file_name, width, height, pages, CAST(strftime('%s', uploaded_at) AS INTEGER)
FROM materials_copy;
DROP TABLE materials_copy;
CREATE INDEX materials_object ON materials (object);

-- handoffs: updated_at
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
    updated_at       INTEGER NOT NULL
) STRICT;
INSERT INTO handoffs (id, application_id, person, subject, stage, failure, front_uploads, back_uploads, failed_attempts, front_for_review, back_for_review, version, short_code, device_hash, challenge, result, created_at, claim_deadline, claimed_at, session_deadline, ended_at, purged_at, updated_at)
SELECT id, application_id, person, subject, stage, failure, front_uploads, back_uploads, failed_attempts, front_for_review, back_for_review, version, short_code, device_hash, challenge, result, created_at, claim_deadline, claimed_at, session_deadline, ended_at, purged_at, CAST(strftime('%s', updated_at) AS INTEGER)
FROM handoffs_copy;
DROP TABLE handoffs_copy;
CREATE INDEX handoffs_application ON handoffs (application_id, id);
CREATE UNIQUE INDEX handoffs_short_code ON handoffs (short_code) WHERE short_code IS NOT NULL;
CREATE INDEX handoffs_running ON handoffs (claim_deadline) WHERE ended_at IS NULL;
CREATE INDEX handoffs_unpurged ON handoffs (ended_at) WHERE purged_at IS NULL;

-- handoff_steps: at
CREATE TABLE handoff_steps_copy AS SELECT * FROM handoff_steps;
DROP TABLE handoff_steps;
CREATE TABLE handoff_steps (
    id         INTEGER PRIMARY KEY,
    handoff_id INTEGER NOT NULL REFERENCES handoffs (id),
    kind       TEXT NOT NULL,
    detail     TEXT,
    at         INTEGER NOT NULL
) STRICT;
INSERT INTO handoff_steps (id, handoff_id, kind, detail, at)
SELECT id, handoff_id, kind, detail, CAST(strftime('%s', at) AS INTEGER)
FROM handoff_steps_copy;
DROP TABLE handoff_steps_copy;
CREATE INDEX handoff_steps_handoff ON handoff_steps (handoff_id, id);

-- handoff_files: stored_at
CREATE TABLE handoff_files_copy AS SELECT * FROM handoff_files;
DROP TABLE handoff_files;
CREATE TABLE handoff_files (
    handoff_id INTEGER NOT NULL REFERENCES handoffs (id),
    kind       TEXT NOT NULL CHECK (kind IN ('id_front', 'id_back', 'frame')),
    seq        INTEGER NOT NULL CHECK (seq >= 0),
    object     TEXT NOT NULL UNIQUE CHECK (length(object) = 64),
    size       INTEGER NOT NULL CHECK (size > 0),
    width      INTEGER NOT NULL,
    height     INTEGER NOT NULL,
    stored_at  INTEGER NOT NULL,
    PRIMARY KEY (handoff_id, kind, seq)
) STRICT;
INSERT INTO handoff_files (handoff_id, kind, seq, object, size, width, height, stored_at)
SELECT handoff_id, kind, seq, object, size, width, height, CAST(strftime('%s', stored_at) AS INTEGER)
FROM handoff_files_copy;
DROP TABLE handoff_files_copy;

-- order_events: at
CREATE TABLE order_events_copy AS SELECT * FROM order_events;
DROP TABLE order_events;
CREATE TABLE order_events (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    event          TEXT NOT NULL,
    from_status    TEXT NOT NULL,
    to_status      TEXT NOT NULL,
    actor          TEXT NOT NULL CHECK (actor IN ('applicant', 'reviewer', 'system')),
    -- users.id for the applicant, reviewers.id for a reviewer, NULL for the system.
    actor_id       INTEGER,
    actor_name     TEXT,
    note           TEXT,
    at             INTEGER NOT NULL
) STRICT;
INSERT INTO order_events (id, application_id, event, from_status, to_status, actor, actor_id, actor_name, note, at)
SELECT id, application_id, event, from_status, to_status, actor, actor_id, actor_name, note, CAST(strftime('%s', at) AS INTEGER)
FROM order_events_copy;
DROP TABLE order_events_copy;
CREATE INDEX order_events_application ON order_events (application_id, id);

-- rejection_flags: fixed_at
CREATE TABLE rejection_flags_copy AS SELECT * FROM rejection_flags;
DROP TABLE rejection_flags;
CREATE TABLE rejection_flags (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    event_id       INTEGER NOT NULL REFERENCES order_events (id),
    item           TEXT NOT NULL,
    label          TEXT NOT NULL,
    reason         TEXT NOT NULL,
    fixed_at       INTEGER,
    -- For a corrected form section: the labels of the fields that changed (没有个人信息).
    changes        TEXT,
    UNIQUE (event_id, item)
) STRICT;
INSERT INTO rejection_flags (id, application_id, event_id, item, label, reason, fixed_at, changes)
SELECT id, application_id, event_id, item, label, reason, CAST(strftime('%s', fixed_at) AS INTEGER), changes
FROM rejection_flags_copy;
DROP TABLE rejection_flags_copy;
CREATE INDEX rejection_flags_application ON rejection_flags (application_id, event_id);

-- payments: expires_at, created_at, paid_at, closed_at
CREATE TABLE payments_copy AS SELECT * FROM payments;
DROP TABLE payments;
CREATE TABLE payments (
    id             INTEGER PRIMARY KEY,
    out_trade_no   TEXT NOT NULL UNIQUE,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    provider       TEXT NOT NULL,
    method         TEXT NOT NULL CHECK (method IN ('wechat', 'alipay')),
    -- Always the server's quote at the moment the trade was opened.
    amount_fen     INTEGER NOT NULL CHECK (amount_fen > 0),
    state          TEXT NOT NULL CHECK (state IN ('created', 'paid', 'closed')),
    code_url       TEXT NOT NULL,
    expires_at     INTEGER NOT NULL,
    -- The provider's own number, once paid.
    transaction_id TEXT UNIQUE,
    created_at     INTEGER NOT NULL,
    paid_at        INTEGER,
    closed_at      INTEGER
) STRICT;
INSERT INTO payments (id, out_trade_no, application_id, provider, method, amount_fen, state, code_url, expires_at, transaction_id, created_at, paid_at, closed_at)
SELECT id, out_trade_no, application_id, provider, method, amount_fen, state, code_url, CAST(strftime('%s', expires_at) AS INTEGER), transaction_id, CAST(strftime('%s', created_at) AS INTEGER), CAST(strftime('%s', paid_at) AS INTEGER), CAST(strftime('%s', closed_at) AS INTEGER)
FROM payments_copy;
DROP TABLE payments_copy;
CREATE INDEX payments_application ON payments (application_id, state);
CREATE UNIQUE INDEX payments_one_open ON payments (application_id) WHERE state = 'created';

-- sandbox_trades: expires_at, paid_at
CREATE TABLE sandbox_trades_copy AS SELECT * FROM sandbox_trades;
DROP TABLE sandbox_trades;
CREATE TABLE sandbox_trades (
    out_trade_no   TEXT PRIMARY KEY NOT NULL,
    amount_fen     INTEGER NOT NULL CHECK (amount_fen > 0),
    state          TEXT NOT NULL CHECK (state IN ('open', 'paid', 'closed')),
    expires_at     INTEGER NOT NULL,
    transaction_id TEXT UNIQUE,
    paid_at        INTEGER,
    CHECK ((state = 'paid') = (transaction_id IS NOT NULL AND paid_at IS NOT NULL))
) STRICT;
INSERT INTO sandbox_trades (out_trade_no, amount_fen, state, expires_at, transaction_id, paid_at)
SELECT out_trade_no, amount_fen, state, CAST(strftime('%s', expires_at) AS INTEGER), transaction_id, CAST(strftime('%s', paid_at) AS INTEGER)
FROM sandbox_trades_copy;
DROP TABLE sandbox_trades_copy;

-- reviewer_audit: at
CREATE TABLE reviewer_audit_copy AS SELECT * FROM reviewer_audit;
DROP TABLE reviewer_audit;
CREATE TABLE reviewer_audit (
    id             INTEGER PRIMARY KEY,
    reviewer_id    INTEGER NOT NULL REFERENCES reviewers (id),
    application_id INTEGER REFERENCES applications (id),
    action         TEXT NOT NULL,
    detail         TEXT,
    at             INTEGER NOT NULL
) STRICT;
INSERT INTO reviewer_audit (id, reviewer_id, application_id, action, detail, at)
SELECT id, reviewer_id, application_id, action, detail, CAST(strftime('%s', at) AS INTEGER)
FROM reviewer_audit_copy;
DROP TABLE reviewer_audit_copy;
CREATE INDEX reviewer_audit_application ON reviewer_audit (application_id, id);
CREATE INDEX reviewer_audit_reviewer ON reviewer_audit (reviewer_id, id);

-- bank_checks: sent_at, passed_at
CREATE TABLE bank_checks_copy AS SELECT * FROM bank_checks;
DROP TABLE bank_checks;
CREATE TABLE bank_checks (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    code_mac       BLOB NOT NULL CHECK (length(code_mac) = 32),
    account_name   TEXT NOT NULL,
    opening_bank   TEXT NOT NULL,
    account_masked TEXT NOT NULL,
    reference      TEXT NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    sent_at        INTEGER NOT NULL,
    -- Unix seconds.
    expires_at     INTEGER NOT NULL,
    passed_at      INTEGER
) STRICT;
INSERT INTO bank_checks (id, application_id, code_mac, account_name, opening_bank, account_masked, reference, attempts, sent_at, expires_at, passed_at)
SELECT id, application_id, code_mac, account_name, opening_bank, account_masked, reference, attempts, CAST(strftime('%s', sent_at) AS INTEGER), expires_at, CAST(strftime('%s', passed_at) AS INTEGER)
FROM bank_checks_copy;
DROP TABLE bank_checks_copy;
CREATE INDEX bank_checks_application ON bank_checks (application_id, id);

-- bank_statements: at
CREATE TABLE bank_statements_copy AS SELECT * FROM bank_statements;
DROP TABLE bank_statements;
CREATE TABLE bank_statements (
    id             INTEGER PRIMARY KEY,
    account_name   TEXT NOT NULL,
    opening_bank   TEXT NOT NULL,
    account_masked TEXT NOT NULL,
    amount_fen     INTEGER NOT NULL,
    memo           TEXT NOT NULL,
    at             INTEGER NOT NULL
) STRICT;
INSERT INTO bank_statements (id, account_name, opening_bank, account_masked, amount_fen, memo, at)
SELECT id, account_name, opening_bank, account_masked, amount_fen, memo, CAST(strftime('%s', at) AS INTEGER)
FROM bank_statements_copy;
DROP TABLE bank_statements_copy;

