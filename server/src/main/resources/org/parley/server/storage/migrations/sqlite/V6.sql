-- Version 6: sealed sending in fact. Sealed sends are paid for with anonymous send tokens
-- (RFC 9474 blind signatures under one RSA key per UTC day): the server keeps its day keys, how
-- many tokens each account was issued today (never which), and a hash of each spent token so that
-- it is accepted once. Nothing here links a token to an account. Accounts gain their delivery
-- policy (parley.proto SetDeliveryPolicy).
CREATE TABLE send_token_keys (
    day          INTEGER PRIMARY KEY,      -- UTC day (days since 1970-01-01) whose tokens the key signs
    public_key   BLOB NOT NULL,            -- RSA, X.509 SubjectPublicKeyInfo
    private_key  BLOB NOT NULL             -- RSA, PKCS #8: the server's own signing secret
);

CREATE TABLE spent_send_tokens (
    token_hash   BLOB PRIMARY KEY,         -- SHA-256 of the token's day and message
    day          INTEGER NOT NULL          -- the token's day: rows go with their day's key
);
CREATE INDEX spent_send_tokens_by_day ON spent_send_tokens (day);

CREATE TABLE send_token_quota (
    account_id   BLOB PRIMARY KEY REFERENCES accounts (account_id) ON DELETE CASCADE,
    day          INTEGER NOT NULL,         -- the UTC day `issued` counts for
    issued       INTEGER NOT NULL          -- tokens signed for the account that day
);

ALTER TABLE accounts ADD COLUMN sealed_only INTEGER NOT NULL DEFAULT 0;  -- 1: unsealed sends to it are refused
