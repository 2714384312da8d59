-- At most one open trade per application, so only one QR code can be paid at a time even when
-- two requests for one arrive together. Open duplicates left by earlier versions are closed,
-- the newest kept; a late notice for a closed trade is still recorded.
UPDATE payments SET state = 'closed', closed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE state = 'created'
  AND id NOT IN (SELECT MAX(id) FROM payments WHERE state = 'created' GROUP BY application_id);

CREATE UNIQUE INDEX payments_one_open ON payments (application_id) WHERE state = 'created';

-- The local sandbox provider's own records, kept apart from `payments` as a real provider's
-- are: its cashier pays here, and its answer to a query comes from here, so a payment whose
-- notice was lost is found by asking, as with WeChat Pay or Alipay. Unused by other providers.
CREATE TABLE sandbox_trades (
    out_trade_no   TEXT PRIMARY KEY NOT NULL,
    amount_fen     INTEGER NOT NULL CHECK (amount_fen > 0),
    state          TEXT NOT NULL CHECK (state IN ('open', 'paid', 'closed')),
    expires_at     TEXT NOT NULL,
    transaction_id TEXT UNIQUE,
    paid_at        TEXT,
    CHECK ((state = 'paid') = (transaction_id IS NOT NULL AND paid_at IS NOT NULL))
) STRICT;

-- The local trades opened before this ledger existed, as the sandbox knew them then.
INSERT INTO sandbox_trades (out_trade_no, amount_fen, state, expires_at, transaction_id, paid_at)
SELECT out_trade_no, amount_fen,
       CASE state WHEN 'created' THEN 'open' ELSE state END,
       expires_at, transaction_id, paid_at
FROM payments WHERE provider = 'local';
