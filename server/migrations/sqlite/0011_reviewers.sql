-- The review console (/console): reviewer accounts, made with `server reviewer add`, and the
-- console's own audit trail (sign-ins, revealed personal data, opened files). Order changes
-- are in order_events already.

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
    created_at      TEXT NOT NULL,
    last_login_at   TEXT
) STRICT;

-- Who looked at what. `detail` names a field or a slot, never its content.
CREATE TABLE reviewer_audit (
    id             INTEGER PRIMARY KEY,
    reviewer_id    INTEGER NOT NULL REFERENCES reviewers (id),
    application_id INTEGER REFERENCES applications (id),
    action         TEXT NOT NULL,
    detail         TEXT,
    at             TEXT NOT NULL
) STRICT;

CREATE INDEX reviewer_audit_application ON reviewer_audit (application_id, id);
CREATE INDEX reviewer_audit_reviewer ON reviewer_audit (reviewer_id, id);
