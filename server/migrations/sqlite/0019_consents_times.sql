-- One timestamp representation in every table (server/src/store/time.rs): whole seconds since
-- the Unix epoch in an INTEGER. The TEXT stamps were always written as
-- `YYYY-MM-DDTHH:MM:SS.mmmZ`, which strftime('%s') reads exactly (dropping the milliseconds).
DROP INDEX consents_user;

ALTER TABLE consents ADD COLUMN accepted_s INTEGER NOT NULL DEFAULT 0;
ALTER TABLE consents ADD COLUMN withdrawn_s INTEGER;
UPDATE consents SET accepted_s = CAST(strftime('%s', accepted_at) AS INTEGER),
                    withdrawn_s = CAST(strftime('%s', withdrawn_at) AS INTEGER);
ALTER TABLE consents DROP COLUMN accepted_at;
ALTER TABLE consents DROP COLUMN withdrawn_at;
ALTER TABLE consents RENAME COLUMN accepted_s TO accepted_at;
ALTER TABLE consents RENAME COLUMN withdrawn_s TO withdrawn_at;

CREATE INDEX consents_user ON consents (user_id, accepted_at);
