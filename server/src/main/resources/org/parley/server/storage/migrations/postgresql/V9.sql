-- Version 9: the signed announcement of the server's alternate addresses (org.parley.server.identity.JdbcAnnouncementStore).
-- One row, shared by every node, so that all nodes show clients the same announcement: a client
-- that met a newer one on one node and then an older one on another would take it for a replay.
-- The node started last with a different --alternate list writes a newer one; the others adopt it.
CREATE TABLE server_announcement (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    announcement  BYTEA NOT NULL,
    signature     BYTEA NOT NULL,
    issued_at_ms  BIGINT NOT NULL
);
