-- Issued certificates, one row per certificate of an order, and the expiry reminders sent for
-- them. Names and mobiles stay in the encrypted application the certificate came from.
CREATE TABLE certificates (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    -- Which of the application's certificates, in the order of its selection.
    position       INTEGER NOT NULL CHECK (position >= 0),
    user_id        INTEGER NOT NULL REFERENCES users (id),
    project_id     TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('org', 'org_personal', 'natural_person')),
    serial         TEXT NOT NULL UNIQUE,
    medium         TEXT NOT NULL,
    -- China's calendar days as Unix seconds of their midnight (+08:00); `valid_to` is the last
    -- valid day.
    valid_from     INTEGER NOT NULL,
    valid_to       INTEGER NOT NULL CHECK (valid_to >= valid_from),
    status         TEXT NOT NULL CHECK (status IN ('valid', 'suspended', 'cancelled', 'revoked')),
    issued_at      INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    UNIQUE (application_id, position)
);
CREATE INDEX certificates_user ON certificates (user_id, project_id);
CREATE INDEX certificates_expiry ON certificates (status, valid_to);

CREATE TABLE certificate_reminders (
    certificate_id INTEGER NOT NULL REFERENCES certificates (id),
    -- The reminder for this many days before expiry; each is sent once.
    days           INTEGER NOT NULL,
    sent_at        INTEGER NOT NULL,
    PRIMARY KEY (certificate_id, days)
);
