-- 金融认证: each 0.01-yuan transfer sent to an applicant's account, the code in its memo stored
-- only as a keyed hash, and the attempts against it. The newest row of an application is
-- the one that counts.
CREATE TABLE bank_checks (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    code_mac       BLOB NOT NULL CHECK (length(code_mac) = 32),
    account_name   TEXT NOT NULL,
    opening_bank   TEXT NOT NULL,
    account_masked TEXT NOT NULL,
    reference      TEXT NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    sent_at        TEXT NOT NULL,
    -- Unix seconds.
    expires_at     INTEGER NOT NULL,
    passed_at      TEXT
) STRICT;

CREATE INDEX bank_checks_application ON bank_checks (application_id, id);

-- The local bank provider's simulated statement (shown at /dev/outbox): what the applicant's
-- finance staff would see on the account.
CREATE TABLE bank_statements (
    id             INTEGER PRIMARY KEY,
    account_name   TEXT NOT NULL,
    opening_bank   TEXT NOT NULL,
    account_masked TEXT NOT NULL,
    amount_fen     INTEGER NOT NULL,
    memo           TEXT NOT NULL,
    at             TEXT NOT NULL
) STRICT;
