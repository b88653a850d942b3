-- Parley server schema, version 1 (SQLite). Keep in step with ../postgresql/V1.sql.
-- What is here is what an operator could be compelled to hand over (ARCHITECTURE.md, threat
-- model): no IP addresses, no member or contact lists, no plaintext; ids are random; days
-- (INTEGER, days since 1970-01-01 UTC) where a time is not needed; secrets only as SHA-256.

CREATE TABLE accounts (
    account_id          BLOB PRIMARY KEY,
    username            TEXT NOT NULL UNIQUE,          -- already case-folded
    created_day         INTEGER NOT NULL,
    last_connection_day INTEGER NOT NULL,
    access_key_hash     BLOB                           -- sealed-sender access key, hashed
);

CREATE TABLE devices (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,   -- creation order within the server
    device_id     BLOB NOT NULL UNIQUE,
    account_id    BLOB NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    identity_key  BLOB NOT NULL,                       -- Ed25519 public key
    created_day   INTEGER NOT NULL,
    last_seen_day INTEGER NOT NULL
);
CREATE INDEX devices_by_account ON devices (account_id, seq);

CREATE TABLE link_tokens (
    token_hash BLOB PRIMARY KEY,
    account_id BLOB NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    expires_ms INTEGER NOT NULL                        -- a used token is deleted
);

CREATE TABLE invite_codes (
    code_hash BLOB PRIMARY KEY                         -- a used code is deleted
);

CREATE TABLE key_packages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id   BLOB NOT NULL REFERENCES devices (device_id) ON DELETE CASCADE,
    key_package BLOB NOT NULL
);
CREATE INDEX key_packages_by_device ON key_packages (device_id, id);

CREATE TABLE last_resort_key_packages (
    device_id   BLOB PRIMARY KEY REFERENCES devices (device_id) ON DELETE CASCADE,
    key_package BLOB NOT NULL
);

-- Envelope ids are allocated from this counter in the enqueue transaction, so they are never
-- reused even after the newest envelopes were deleted.
CREATE TABLE envelope_ids (
    next_id INTEGER NOT NULL
);
INSERT INTO envelope_ids (next_id) VALUES (1);

CREATE TABLE envelopes (
    id               INTEGER PRIMARY KEY,
    recipient_device BLOB NOT NULL REFERENCES devices (device_id) ON DELETE CASCADE,
    sender_device    BLOB,                             -- NULL for sealed sender
    payload          BLOB NOT NULL,
    arrival_ms       INTEGER NOT NULL
);
CREATE INDEX envelopes_by_recipient ON envelopes (recipient_device, id);
CREATE INDEX envelopes_by_arrival ON envelopes (arrival_ms);

-- One row per device, created with the device: the quota check reads and locks it instead of
-- counting envelopes.
CREATE TABLE mailbox_usage (
    device_id     BLOB PRIMARY KEY REFERENCES devices (device_id) ON DELETE CASCADE,
    pending_count INTEGER NOT NULL,
    pending_bytes INTEGER NOT NULL
);

CREATE TABLE mls_groups (
    group_id  BLOB PRIMARY KEY,
    epoch     INTEGER NOT NULL,
    commit_id BLOB                                     -- commit that led to epoch; NULL at creation
);

CREATE TABLE attachments (
    attachment_id BLOB PRIMARY KEY,
    size_bytes    INTEGER NOT NULL,
    created_day   INTEGER NOT NULL
);
CREATE INDEX attachments_by_day ON attachments (created_day);
