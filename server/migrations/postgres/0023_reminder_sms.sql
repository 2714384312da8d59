-- Expiry reminders are an SMS kind of their own (SQLite: 0023_reminder_sms.sql). A file of its
-- own rather than an edit of 0001, so databases already migrated take it too.
ALTER TABLE sms_outbox DROP CONSTRAINT sms_outbox_kind_check;
ALTER TABLE sms_outbox ADD CONSTRAINT sms_outbox_kind_check
    CHECK (kind IN ('login_code', 'notice', 'reminder'));
