-- The order behind each application: its status (app::domain::order::Status codes), how it
-- was paid, its shipment, and every change with who, when and why.

UPDATE applications SET status = 'awaiting_materials' WHERE status = '待上传资料';

ALTER TABLE applications ADD COLUMN payment_method TEXT
    CHECK (payment_method IN ('wechat', 'alipay', 'bank_transfer'));
ALTER TABLE applications ADD COLUMN courier TEXT;
ALTER TABLE applications ADD COLUMN tracking_no TEXT;
ALTER TABLE applications ADD COLUMN shipped_at TEXT;

CREATE INDEX applications_status ON applications (status, submitted_at);

-- The timeline and audit trail of an order. No personal data: notes are reasons, courier
-- names and tracking numbers.
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
    at             TEXT NOT NULL
) STRICT;

CREATE INDEX order_events_application ON order_events (application_id, id);

-- The items a rejection flagged, each with its reason; `fixed_at` once the applicant changed it.
CREATE TABLE rejection_flags (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    event_id       INTEGER NOT NULL REFERENCES order_events (id),
    item           TEXT NOT NULL,
    label          TEXT NOT NULL,
    reason         TEXT NOT NULL,
    fixed_at       TEXT,
    -- For a corrected form section: the labels of the fields that changed (没有个人信息).
    changes        TEXT,
    UNIQUE (event_id, item)
) STRICT;

CREATE INDEX rejection_flags_application ON rejection_flags (application_id, event_id);
