-- Version 6: sealed sending in fact (see ../sqlite/V6.sql).
CREATE TABLE send_token_keys (
    day          INTEGER PRIMARY KEY,
    public_key   BYTEA NOT NULL,
    private_key  BYTEA NOT NULL
);

CREATE TABLE spent_send_tokens (
    token_hash   BYTEA PRIMARY KEY,
    day          INTEGER NOT NULL
);
CREATE INDEX spent_send_tokens_by_day ON spent_send_tokens (day);

CREATE TABLE send_token_quota (
    account_id   BYTEA PRIMARY KEY REFERENCES accounts (account_id) ON DELETE CASCADE,
    day          INTEGER NOT NULL,
    issued       INTEGER NOT NULL
);

ALTER TABLE accounts ADD COLUMN sealed_only BOOLEAN NOT NULL DEFAULT FALSE;
