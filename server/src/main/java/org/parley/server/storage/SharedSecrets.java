package org.parley.server.storage;

import java.sql.PreparedStatement;
import java.sql.ResultSet;

import static org.parley.server.storage.Sql.update;

/**
 * Named random secrets in PostgreSQL (table {@code shared_secrets}) that every node of a
 * deployment must hold alike, such as the call-token secret: whichever node needs one first makes
 * it, and all others read that one.
 */
public final class SharedSecrets {
    private final Database database;

    public SharedSecrets(Database database) {
        this.database = database;
    }

    /** The stored secret {@code name}, or a fresh one of {@code length} random bytes stored first. */
    public byte[] loadOrCreate(String name, int length) {
        byte[] candidate = Secrets.random(length);
        return database.write(connection -> {
            update(connection, "INSERT INTO shared_secrets (name, secret) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", name, candidate);
            try (PreparedStatement select = connection.prepareStatement("SELECT secret FROM shared_secrets WHERE name = ?")) {
                select.setString(1, name);
                try (ResultSet row = select.executeQuery()) {
                    row.next();
                    return row.getBytes(1);
                }
            }
        });
    }
}
