-- One timestamp representation in every table (server/src/store/time.rs): whole milliseconds
-- since the Unix epoch in an INTEGER. The TEXT stamps were always written as
-- `YYYY-MM-DDTHH:MM:SS.mmmZ`, so seconds and milliseconds convert exactly.
DROP INDEX consents_user;

ALTER TABLE consents ADD COLUMN accepted_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE consents ADD COLUMN withdrawn_ms INTEGER;
UPDATE consents SET
    accepted_ms = CAST(strftime('%s', accepted_at) AS INTEGER) * 1000
                  + CAST(substr(accepted_at, 21, 3) AS INTEGER),
    withdrawn_ms = CAST(strftime('%s', withdrawn_at) AS INTEGER) * 1000
                  + CAST(substr(withdrawn_at, 21, 3) AS INTEGER);
ALTER TABLE consents DROP COLUMN accepted_at;
ALTER TABLE consents DROP COLUMN withdrawn_at;
ALTER TABLE consents RENAME COLUMN accepted_ms TO accepted_at;
ALTER TABLE consents RENAME COLUMN withdrawn_ms TO withdrawn_at;

CREATE INDEX consents_user ON consents (user_id, accepted_at);
