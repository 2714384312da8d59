-- What the applicant asked of their personal data in 个人中心: to withdraw their consent
-- (撤回同意) or to close their account (注销账号). A reviewer completes each in the console.
-- Rows stay as the record that the request was made and answered; once an account is gone its
-- requests keep no link to it (`user_id` NULL).
CREATE TABLE privacy_requests (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER REFERENCES users (id),
    kind         TEXT NOT NULL CHECK (kind IN ('withdraw_consent', 'close_account')),
    requested_at TEXT NOT NULL,
    completed_at TEXT,
    reviewer_id  INTEGER REFERENCES reviewers (id),
    -- What completing did, in counts and application numbers: no personal data.
    outcome      TEXT,
    CHECK ((completed_at IS NULL) = (reviewer_id IS NULL))
) STRICT;

-- At most one open request of each kind per applicant.
CREATE UNIQUE INDEX privacy_requests_open ON privacy_requests (user_id, kind)
    WHERE completed_at IS NULL;
CREATE INDEX privacy_requests_pending ON privacy_requests (completed_at, requested_at);

-- A withdrawn acceptance stays as history but no longer counts: the consent page asks again.
ALTER TABLE consents ADD COLUMN withdrawn_at TEXT;

-- Retention jobs look for drafts and messages by age, and cancelled applications by status.
CREATE INDEX drafts_open_saved ON drafts (saved_at) WHERE submitted_as IS NULL;
CREATE INDEX sms_outbox_sent ON sms_outbox (sent_at);

-- A closed account that still owns kept applications: its number is replaced (see
-- server::privacy), and this says when.
ALTER TABLE users ADD COLUMN closed_at TEXT;
