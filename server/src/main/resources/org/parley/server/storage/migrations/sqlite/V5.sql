-- Version 5 (SQLite; keep in step with ../postgresql/V5.sql): store less.
--   * devices lose their server-wide creation order (seq) and gain mailbox_key, the device's X25519
--     public key (32 bytes) to which every stored copy is sealed (org.parley.protocol.MailboxSeal).
--     NULL only for a device registered before this version that has not signed in with a key since.
--   * envelopes lose the sender and the server-wide id: a copy is (recipient_device, seq), seq counting
--     per device (next_seq in mailbox_usage); the only time kept is the arrival hour.
--   * groups are kept under the routing id their members derive (never the MLS group id), with the
--     day of their last commit, so that unused groups can be deleted.
-- SQLite cannot drop a primary-key column, and with foreign keys enforced, dropping a parent table
-- would cascade into its children; so devices and every table that references it are rebuilt, the
-- children first pointing at the new table, which then takes the old name (SQLite >= 3.26 renames
-- the references with it).

CREATE TABLE devices_v5 (
    device_id     BLOB PRIMARY KEY,
    account_id    BLOB NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    identity_key  BLOB NOT NULL,
    mailbox_key   BLOB,
    created_day   INTEGER NOT NULL,
    last_seen_day INTEGER NOT NULL
);
INSERT INTO devices_v5 (device_id, account_id, identity_key, mailbox_key, created_day, last_seen_day)
    SELECT device_id, account_id, identity_key, NULL, created_day, last_seen_day FROM devices;

CREATE TABLE key_packages_v5 (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id   BLOB NOT NULL REFERENCES devices_v5 (device_id) ON DELETE CASCADE,
    key_package BLOB NOT NULL
);
INSERT INTO key_packages_v5 (id, device_id, key_package) SELECT id, device_id, key_package FROM key_packages;

CREATE TABLE last_resort_key_packages_v5 (
    device_id   BLOB PRIMARY KEY REFERENCES devices_v5 (device_id) ON DELETE CASCADE,
    key_package BLOB NOT NULL
);
INSERT INTO last_resort_key_packages_v5 (device_id, key_package) SELECT device_id, key_package FROM last_resort_key_packages;

-- Pending mail is kept, numbered per device in its old order.
CREATE TABLE envelopes_v5 (
    recipient_device BLOB NOT NULL REFERENCES devices_v5 (device_id) ON DELETE CASCADE,
    seq              INTEGER NOT NULL,
    payload          BLOB NOT NULL,
    arrival_hour     INTEGER NOT NULL,                 -- hours since 1970-01-01 UTC, rounded down
    PRIMARY KEY (recipient_device, seq)
) WITHOUT ROWID;
INSERT INTO envelopes_v5 (recipient_device, seq, payload, arrival_hour)
    SELECT recipient_device, ROW_NUMBER() OVER (PARTITION BY recipient_device ORDER BY id), payload, arrival_ms / 3600000
    FROM envelopes;

CREATE TABLE mailbox_usage_v5 (
    device_id     BLOB PRIMARY KEY REFERENCES devices_v5 (device_id) ON DELETE CASCADE,
    pending_count INTEGER NOT NULL,
    pending_bytes INTEGER NOT NULL,
    next_seq      INTEGER NOT NULL                     -- the seq of the device's next envelope
);
INSERT INTO mailbox_usage_v5 (device_id, pending_count, pending_bytes, next_seq)
    SELECT device_id, pending_count, pending_bytes,
           1 + (SELECT COUNT(*) FROM envelopes_v5 e WHERE e.recipient_device = mailbox_usage.device_id)
    FROM mailbox_usage;

DROP TABLE envelopes;
DROP TABLE envelope_ids;
DROP TABLE mailbox_usage;
DROP TABLE key_packages;
DROP TABLE last_resort_key_packages;
DROP TABLE devices;
ALTER TABLE devices_v5 RENAME TO devices;
ALTER TABLE key_packages_v5 RENAME TO key_packages;
ALTER TABLE last_resort_key_packages_v5 RENAME TO last_resort_key_packages;
ALTER TABLE envelopes_v5 RENAME TO envelopes;
ALTER TABLE mailbox_usage_v5 RENAME TO mailbox_usage;
CREATE INDEX devices_by_account ON devices (account_id, created_day);
CREATE INDEX key_packages_by_device ON key_packages (device_id, id);
-- Expiry finds old mail by hour.
CREATE INDEX envelopes_by_arrival ON envelopes (arrival_hour);

CREATE TABLE routing_groups (
    routing_id    BLOB PRIMARY KEY,                    -- CommitAuthority.routingId, never the MLS group id
    epoch         INTEGER NOT NULL,
    commit_id     BLOB,                                -- commit that led to epoch
    commit_key    BLOB NOT NULL,                       -- Ed25519 public commit key of epoch
    last_used_day INTEGER NOT NULL                     -- day of the last accepted commit
);
CREATE INDEX routing_groups_by_day ON routing_groups (last_used_day);
-- Groups were recorded under the MLS group id, which the server must not keep: their members start
-- again under the routing id with their next commit (an unknown group accepts a commit at any epoch).
DROP TABLE mls_groups;
