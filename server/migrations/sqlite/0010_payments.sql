-- Online payments (WeChat Pay / Alipay, or the local sandbox cashier): one row per trade the
-- provider was asked to open. An application may have several (a QR code re-issued after it
-- expired, a switch between WeChat and Alipay); at most one is ever `paid` for the order, but a
-- late notice for a closed trade is still recorded as `paid` because the money did arrive.
CREATE TABLE payments (
    id             INTEGER PRIMARY KEY,
    out_trade_no   TEXT NOT NULL UNIQUE,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    provider       TEXT NOT NULL,
    method         TEXT NOT NULL CHECK (method IN ('wechat', 'alipay')),
    -- Always the server's quote at the moment the trade was opened.
    amount_fen     INTEGER NOT NULL CHECK (amount_fen > 0),
    state          TEXT NOT NULL CHECK (state IN ('created', 'paid', 'closed')),
    code_url       TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    -- The provider's own number, once paid.
    transaction_id TEXT UNIQUE,
    created_at     TEXT NOT NULL,
    paid_at        TEXT,
    closed_at      TEXT
) STRICT;

CREATE INDEX payments_application ON payments (application_id, state);
