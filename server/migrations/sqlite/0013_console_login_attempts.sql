-- reviewers.failed_logins (0011) now counts sign-ins begun since the last success or the end of
-- the last lock, taken before the password is checked: at 5 no further attempt is checked, the
-- first wrong one of them sets locked_until, and the count stays at 5 until the lock runs out.

-- Console sign-ins per client address (an IPv6 /64 counts as one), across all accounts: a row
-- is written before the password is checked and removed when it was right, so what stays is
-- the address's wrong (or refused) attempts. Ten within 15 minutes and the address waits.
CREATE TABLE console_login_attempts (
    id     INTEGER PRIMARY KEY,
    ip_key TEXT NOT NULL,
    -- Unix seconds.
    at     INTEGER NOT NULL
) STRICT;

CREATE INDEX console_login_attempts_ip ON console_login_attempts (ip_key, at);
CREATE INDEX console_login_attempts_at ON console_login_attempts (at);
