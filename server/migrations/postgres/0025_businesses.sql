-- Every order is of one business (SQLite 0025_businesses.sql); a business order is made from
-- certificates, not from a draft.
ALTER TABLE applications ALTER COLUMN draft_id DROP NOT NULL;
ALTER TABLE applications ADD COLUMN business TEXT NOT NULL DEFAULT 'new'
    CHECK (business IN ('new', 'renewal', 'change', 'unlock', 'replacement', 'cancellation'));

CREATE TABLE order_certificates (
    application_id BIGINT NOT NULL REFERENCES applications (id),
    certificate_id BIGINT NOT NULL REFERENCES certificates (id),
    years          INTEGER NOT NULL DEFAULT 0 CHECK (years >= 0),
    PRIMARY KEY (application_id, certificate_id)
);

CREATE TABLE certificate_holds (
    certificate_id BIGINT PRIMARY KEY REFERENCES certificates (id),
    application_id BIGINT NOT NULL REFERENCES applications (id)
);
