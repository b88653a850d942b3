package org.parley.server.identity;

import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.parley.server.storage.Database;

import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;

import static org.parley.server.storage.Sql.update;

/**
 * The server key in PostgreSQL (schema in {@code migrations/postgresql/V7.sql}), where a deployment
 * keeps its other secrets (the send-token keys): every node of a deployment shares the one key,
 * whichever node made it first. A SQLite server keeps it in its data folder instead ({@link ServerKey}).
 */
public final class JdbcServerKeyStore {
    private final Database database;

    public JdbcServerKeyStore(Database database) {
        this.database = database;
    }

    /** The stored key, or {@code candidate} stored first unless another node stored one at the same time. */
    public Ed25519PrivateKeyParameters loadOrCreate(SecureRandom random) {
        byte[] candidate = new Ed25519PrivateKeyParameters(random).getEncoded();
        byte[] stored = database.write(connection -> {
            update(connection, "INSERT INTO server_key (id, private_key) VALUES (1, ?) ON CONFLICT (id) DO NOTHING", candidate);
            try (PreparedStatement select = connection.prepareStatement("SELECT private_key FROM server_key WHERE id = 1");
                 ResultSet row = select.executeQuery()) {
                row.next();
                return row.getBytes(1);
            }
        });
        if (stored.length != Ed25519PrivateKeyParameters.KEY_SIZE) {
            throw new IllegalStateException("the server key in the database is damaged (" + stored.length
                    + " bytes); restore it from a backup: clients refuse a server whose key changed");
        }
        return new Ed25519PrivateKeyParameters(stored, 0);
    }
}
