-- Codes about one certificate: the code texted to confirm a cancellation or an unlock, and the
-- unlock code the CA's driver redeems. `action_key` is a keyed hash of what the code is for
-- and the certificate's id; `code_hash` an HMAC of the code. Rows count towards the limits
-- (per certificate and purpose, per client address) and are deleted two days after sending.
CREATE TABLE certificate_codes (
    id         INTEGER PRIMARY KEY,
    action_key BLOB NOT NULL CHECK (length(action_key) = 32),
    code_hash  BLOB NOT NULL,
    ip_key     TEXT NOT NULL,
    sent_at    INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    used_at    INTEGER
) STRICT;

CREATE INDEX certificate_codes_action ON certificate_codes (action_key, sent_at);
CREATE INDEX certificate_codes_ip ON certificate_codes (ip_key, sent_at);

-- The applicant's reason for a certificate's cancellation (a `Reason` code).
ALTER TABLE order_certificates ADD COLUMN reason TEXT;
