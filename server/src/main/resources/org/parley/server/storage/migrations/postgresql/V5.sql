-- Version 5 (PostgreSQL; keep in step with ../sqlite/V5.sql): store less.
--   * devices lose their server-wide creation order (seq) and gain mailbox_key, the device's X25519
--     public key (32 bytes) to which every stored copy is sealed (org.parley.protocol.MailboxSeal).
--     NULL only for a device registered before this version that has not signed in with a key since.
--   * envelopes lose the sender and the server-wide id: a copy is (recipient_device, seq), seq counting
--     per device (next_seq in mailbox_usage); the only time kept is the arrival hour.
--   * groups are kept under the routing id their members derive (never the MLS group id), with the
--     day of their last commit, so that unused groups can be deleted.

DROP INDEX devices_by_account;
ALTER TABLE devices DROP COLUMN seq;
ALTER TABLE devices ADD COLUMN mailbox_key BYTEA;
CREATE INDEX devices_by_account ON devices (account_id, created_day);

-- Pending mail is kept, numbered per device in its old order.
CREATE TABLE envelopes_v5 (
    recipient_device BYTEA NOT NULL REFERENCES devices (device_id) ON DELETE CASCADE,
    seq              BIGINT NOT NULL,
    payload          BYTEA NOT NULL,
    arrival_hour     BIGINT NOT NULL,                  -- hours since 1970-01-01 UTC, rounded down
    PRIMARY KEY (recipient_device, seq)
);
INSERT INTO envelopes_v5 (recipient_device, seq, payload, arrival_hour)
    SELECT recipient_device, ROW_NUMBER() OVER (PARTITION BY recipient_device ORDER BY id), payload, arrival_ms / 3600000
    FROM envelopes;
DROP TABLE envelopes;
DROP SEQUENCE envelope_ids;
ALTER TABLE envelopes_v5 RENAME TO envelopes;
ALTER TABLE envelopes RENAME CONSTRAINT envelopes_v5_pkey TO envelopes_pkey;
ALTER TABLE envelopes RENAME CONSTRAINT envelopes_v5_recipient_device_fkey TO envelopes_recipient_device_fkey;
-- Expiry finds old mail by hour.
CREATE INDEX envelopes_by_arrival ON envelopes (arrival_hour);

ALTER TABLE mailbox_usage ADD COLUMN next_seq BIGINT NOT NULL DEFAULT 1;
UPDATE mailbox_usage SET next_seq = 1 + (SELECT COUNT(*) FROM envelopes e WHERE e.recipient_device = mailbox_usage.device_id);
ALTER TABLE mailbox_usage ALTER COLUMN next_seq DROP DEFAULT;

CREATE TABLE routing_groups (
    routing_id    BYTEA PRIMARY KEY,                   -- CommitAuthority.routingId, never the MLS group id
    epoch         BIGINT NOT NULL,
    commit_id     BYTEA,                               -- commit that led to epoch
    commit_key    BYTEA NOT NULL,                      -- Ed25519 public commit key of epoch
    last_used_day INTEGER NOT NULL                     -- day of the last accepted commit
);
CREATE INDEX routing_groups_by_day ON routing_groups (last_used_day);
-- Groups were recorded under the MLS group id, which the server must not keep: their members start
-- again under the routing id with their next commit (an unknown group accepts a commit at any epoch).
DROP TABLE mls_groups;
