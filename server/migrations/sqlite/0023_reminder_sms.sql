-- Expiry reminders are an SMS kind of their own. SQLite cannot change a CHECK in place: the
-- outbox is copied into a table with the wider one.
CREATE TABLE sms_outbox_new (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('login_code', 'notice', 'reminder')),
    text          TEXT NOT NULL,
    sent_at       INTEGER NOT NULL,
    mobile_index  BLOB CHECK (length(mobile_index) = 32),
    mobile_sealed BLOB,
    legacy_mobile TEXT
) STRICT;
INSERT INTO sms_outbox_new (id, kind, text, sent_at, mobile_index, mobile_sealed, legacy_mobile)
SELECT id, kind, text, sent_at, mobile_index, mobile_sealed, legacy_mobile FROM sms_outbox;
DROP TABLE sms_outbox;
ALTER TABLE sms_outbox_new RENAME TO sms_outbox;
CREATE INDEX sms_outbox_sent ON sms_outbox (sent_at);
