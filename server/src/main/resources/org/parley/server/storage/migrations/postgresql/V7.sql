-- Version 7: the server's Ed25519 key, which clients pin (org.parley.server.identity). One row,
-- shared by every node. A SQLite server keeps its key in its data folder instead (see ../sqlite/V7.sql).
CREATE TABLE server_key (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    private_key  BYTEA NOT NULL
);
