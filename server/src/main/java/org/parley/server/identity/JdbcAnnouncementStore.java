package org.parley.server.identity;

import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.parley.server.storage.Database;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

import static org.parley.server.storage.Sql.update;

/**
 * The announcement of alternate addresses that every node of a PostgreSQL deployment shows (schema
 * in {@code migrations/postgresql/V9.sql}). Were each node to sign its own at its start, a client
 * that met a node started later and then one started earlier would see an older announcement after
 * a newer one and take it for a replay by a hostile server. So a node starting with the list that
 * is stored shows the stored announcement; one starting with another list signs a newer one and
 * stores it, and the other nodes adopt it ({@link #refresh}): the node started last decides.
 */
public final class JdbcAnnouncementStore {
    private final Database database;

    public JdbcAnnouncementStore(Database database) {
        this.database = database;
    }

    /** This node's identity at a start at {@code nowMillis} with {@code alternates} (see the class comment). */
    public ServerIdentity start(Ed25519PrivateKeyParameters key, List<String> alternates, long nowMillis) {
        ServerIdentity own = ServerIdentity.sign(key, alternates, nowMillis);
        return database.write(connection -> {
            update(connection, "INSERT INTO server_announcement (id, announcement, signature, issued_at_ms) VALUES (1, ?, ?, ?)"
                    + " ON CONFLICT (id) DO NOTHING", own.announcement(), own.announcementSignature(), own.issuedAtMillis());
            Stored stored = stored(connection, " FOR UPDATE").orElseThrow();
            ServerIdentity shown = own.showing(stored.announcement(), stored.signature());
            if (shown.alternates().equals(alternates)) {
                return shown;
            }
            // Issued after the stored one even when this machine's clock is behind the node that stored it.
            ServerIdentity newer = ServerIdentity.sign(key, alternates, Math.max(nowMillis, shown.issuedAtMillis() + 1));
            update(connection, "UPDATE server_announcement SET announcement = ?, signature = ?, issued_at_ms = ? WHERE id = 1",
                    newer.announcement(), newer.announcementSignature(), newer.issuedAtMillis());
            return newer;
        });
    }

    /**
     * Shows the stored announcement from now on if another node stored a newer one since.
     *
     * @return whether it did
     */
    public boolean refresh(ServerIdentity identity) {
        return database.read(connection -> stored(connection, ""))
                .map(stored -> identity.adoptIfNewer(stored.announcement(), stored.signature())).orElse(false);
    }

    private static Optional<Stored> stored(Connection connection, String lock) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT announcement, signature FROM server_announcement WHERE id = 1" + lock);
             ResultSet row = select.executeQuery()) {
            return row.next() ? Optional.of(new Stored(row.getBytes(1), row.getBytes(2))) : Optional.empty();
        }
    }

    private record Stored(byte[] announcement, byte[] signature) {
    }
}
