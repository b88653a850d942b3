-- Parley server schema, version 1 (PostgreSQL). Keep in step with ../sqlite/V1.sql, which
-- explains the columns. Tables are created in the connection's current schema.

CREATE TABLE accounts (
    account_id          BYTEA PRIMARY KEY,
    username            TEXT NOT NULL UNIQUE,
    created_day         INTEGER NOT NULL,
    last_connection_day INTEGER NOT NULL,
    access_key_hash     BYTEA
);

CREATE TABLE devices (
    device_id     BYTEA PRIMARY KEY,
    account_id    BYTEA NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    identity_key  BYTEA NOT NULL,
    created_day   INTEGER NOT NULL,
    last_seen_day INTEGER NOT NULL,
    seq           BIGSERIAL NOT NULL
);
CREATE INDEX devices_by_account ON devices (account_id, seq);

CREATE TABLE link_tokens (
    token_hash BYTEA PRIMARY KEY,
    account_id BYTEA NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    expires_ms BIGINT NOT NULL
);

CREATE TABLE invite_codes (
    code_hash BYTEA PRIMARY KEY
);

CREATE TABLE key_packages (
    id          BIGSERIAL PRIMARY KEY,
    device_id   BYTEA NOT NULL REFERENCES devices (device_id) ON DELETE CASCADE,
    key_package BYTEA NOT NULL
);
CREATE INDEX key_packages_by_device ON key_packages (device_id, id);

CREATE TABLE last_resort_key_packages (
    device_id   BYTEA PRIMARY KEY REFERENCES devices (device_id) ON DELETE CASCADE,
    key_package BYTEA NOT NULL
);

CREATE SEQUENCE envelope_ids;

CREATE TABLE envelopes (
    id               BIGINT PRIMARY KEY,
    recipient_device BYTEA NOT NULL REFERENCES devices (device_id) ON DELETE CASCADE,
    sender_device    BYTEA,
    payload          BYTEA NOT NULL,
    arrival_ms       BIGINT NOT NULL
);
CREATE INDEX envelopes_by_recipient ON envelopes (recipient_device, id);
CREATE INDEX envelopes_by_arrival ON envelopes (arrival_ms);

CREATE TABLE mailbox_usage (
    device_id     BYTEA PRIMARY KEY REFERENCES devices (device_id) ON DELETE CASCADE,
    pending_count BIGINT NOT NULL,
    pending_bytes BIGINT NOT NULL
);

CREATE TABLE mls_groups (
    group_id  BYTEA PRIMARY KEY,
    epoch     BIGINT NOT NULL,
    commit_id BYTEA
);

CREATE TABLE attachments (
    attachment_id BYTEA PRIMARY KEY,
    size_bytes    BIGINT NOT NULL,
    created_day   INTEGER NOT NULL
);
CREATE INDEX attachments_by_day ON attachments (created_day);
