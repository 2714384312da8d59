-- 证书查询 / 订单查询: the SMS codes of the public lookup. `query_key` is a keyed hash of the
-- folded certificate serial or application number; `code_hash` an HMAC of the code. Neither
-- the query, the code nor the mobile number it went to is kept. Rows count towards the limits
-- (per query and per client address) and are deleted two days after sending.
CREATE TABLE lookup_codes (
    id         INTEGER PRIMARY KEY,
    query_key  BLOB NOT NULL CHECK (length(query_key) = 32),
    code_hash  BLOB NOT NULL,
    ip_key     TEXT NOT NULL,
    sent_at    INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    used_at    INTEGER
) STRICT;

CREATE INDEX lookup_codes_query ON lookup_codes (query_key, sent_at);
CREATE INDEX lookup_codes_ip ON lookup_codes (ip_key, sent_at);
