-- 在新窗口中继续: one-time tickets that carry an embedded flow's login to a top-level window
-- (the embed's session cookie is partitioned under the portal, so the window cannot see it).
-- Stored only as SHA-256 of the ticket's 16 random bytes; used once, within two minutes.
CREATE TABLE session_handovers (
    token_hash BLOB PRIMARY KEY NOT NULL CHECK (length(token_hash) = 32),
    user_id    INTEGER NOT NULL REFERENCES users (id),
    -- Where the window opens: a path on this site (`/p/…`), never another host.
    path       TEXT NOT NULL CHECK (substr(path, 1, 3) = '/p/'),
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
) STRICT;
