-- The scans uploaded for a submitted application: at most one file per slot (a slot is a
-- material, or a material and a holder: 'business_license', 'applicant_id_copy-0').
-- The file lives in storage under `object` (SHA-256 of its content, hex), encrypted;
-- one object may back several rows, and goes when the last row naming it does.
CREATE TABLE materials (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    slot           TEXT NOT NULL,
    object         TEXT NOT NULL CHECK (length(object) = 64),
    -- By content, never by name or the browser's word.
    kind           TEXT NOT NULL CHECK (kind IN ('jpeg', 'png', 'pdf')),
    size           INTEGER NOT NULL CHECK (size > 0),
    -- The name the file was uploaded under, cleaned; it may name a person, so it is
    -- AES-256-GCM encrypted like the other personal data (nonce || ciphertext).
    file_name      BLOB NOT NULL,
    width          INTEGER,
    height         INTEGER,
    pages          INTEGER,
    uploaded_at    TEXT NOT NULL,
    UNIQUE (application_id, slot)
) STRICT;

CREATE INDEX materials_object ON materials (object);
