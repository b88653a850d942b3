-- Version 8: what several nodes over one database must share, which a single node keeps in memory
-- (the stores named below). Every row expires: the hourly job and the
-- minute sweep delete what is past its time. A SQLite server keeps all of it in memory (../sqlite/V8.sql).

-- The call-token secret (org.parley.server.calls.CallTokens): a token issued on one node is
-- accepted by the relay of every other.
CREATE TABLE shared_secrets (
    name    TEXT PRIMARY KEY,
    secret  BYTEA NOT NULL
);

-- Secrets of the keyed hashes under which rate-limit keys are stored (org.parley.server.ratelimit.KeyHasher):
-- one per period, deleted once the period after it ends, so an old row no longer ties to any key.
CREATE TABLE limit_secrets (
    period_seconds  INTEGER NOT NULL,
    period_start    BIGINT NOT NULL,
    secret          BYTEA NOT NULL,
    PRIMARY KEY (period_seconds, period_start)
);

-- Token buckets (org.parley.server.ratelimit.SharedRateLimiter), keyed by that hash, deleted once full again.
CREATE TABLE rate_buckets (
    limiter     TEXT NOT NULL,
    key_hash    BYTEA NOT NULL,
    tokens      DOUBLE PRECISION NOT NULL,
    updated_ms  BIGINT NOT NULL,
    full_at_ms  BIGINT NOT NULL,
    PRIMARY KEY (limiter, key_hash)
);
CREATE INDEX rate_buckets_full_at ON rate_buckets (full_at_ms);

-- Amounts per key and UTC day (org.parley.server.ratelimit.SharedDailyQuota), deleted when the day is over.
CREATE TABLE daily_usage (
    quota     TEXT NOT NULL,
    key_hash  BYTEA NOT NULL,
    day       BIGINT NOT NULL,
    used      BIGINT NOT NULL,
    PRIMARY KEY (quota, key_hash, day)
);

-- Open attachment upload tickets (org.parley.server.http.JdbcUploadTickets): the SHA-256 of the
-- ticket, the account that holds the slot until its upload ends, deleted then or when it expires.
CREATE TABLE upload_tickets (
    ticket_hash  BYTEA PRIMARY KEY,
    account_id   BYTEA NOT NULL,
    free_at_ms   BIGINT NOT NULL,
    redeemed     BOOLEAN NOT NULL
);
CREATE INDEX upload_tickets_account ON upload_tickets (account_id);

-- New devices waiting for their link code to be approved (org.parley.server.requests.JdbcPendingLinks),
-- keyed by the SHA-256 of the code. The node the device waits on polls for the approval, which
-- another node may write (the new device's id and the approver's provisioning message, sealed
-- to the new device); the row goes when the device got it, or when it expires.
CREATE TABLE pending_links (
    code_digest       BYTEA PRIMARY KEY,
    node              BYTEA NOT NULL,
    identity_key      BYTEA NOT NULL,
    provisioning_key  BYTEA NOT NULL,
    mailbox_key       BYTEA NOT NULL,
    expires_ms        BIGINT NOT NULL,
    approved_account  BYTEA,
    approved_device   BYTEA,
    username          TEXT,
    provisioning      BYTEA
);
CREATE INDEX pending_links_node ON pending_links (node);

-- Attachment ciphertext (org.parley.server.attachments.PostgresAttachmentStore), in chunks, so
-- that no node's disk holds an attachment and none holds a whole one in memory. Chunks without
-- an attachments row are an unfinished upload, deleted once a day old.
CREATE TABLE attachment_chunks (
    attachment_id  BYTEA NOT NULL,
    seq            INTEGER NOT NULL,
    data           BYTEA NOT NULL,
    created_day    BIGINT NOT NULL,
    PRIMARY KEY (attachment_id, seq)
);
CREATE INDEX attachment_chunks_day ON attachment_chunks (created_day);
