package org.parley.server.requests;

import com.google.protobuf.ByteString;
import org.parley.protocol.DeviceLinkCode;
import org.parley.server.accounts.AccountId;
import org.parley.server.accounts.DeviceId;
import org.parley.server.storage.Database;
import org.parley.server.storage.Secrets;
import org.parley.server.storage.Sql;

import java.nio.ByteBuffer;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

import static org.parley.server.storage.Sql.update;

/**
 * {@link PendingLinkStore} in PostgreSQL (table {@code pending_links}) for nodes that share the
 * database. The request is a row under the SHA-256 of the code (never the code) naming the node
 * the new device waits on, by a random id of this process; the connection itself stays in this
 * node's memory. Any node may inspect and take the request. A node that approves a device waiting
 * elsewhere writes the approval back into the row, and the waiting node, which polls for
 * approvals while it has devices waiting ({@link #deliverApprovals()}), deletes the row and signs
 * its device in. Rows of devices that went away are deleted by their node, expired rows (also
 * those of a node that died) by any node.
 */
final class JdbcPendingLinks implements PendingLinkStore {
    private final Database database;
    private final Duration validity;
    private final int maxPending;
    private final Clock clock;
    private final BiConsumer<LinkWaiter, Approval> onApproved;
    private final byte[] node = Secrets.random(16);
    private final Map<ByteBuffer, Local> waiting = new ConcurrentHashMap<>();

    private record Local(LinkWaiter waiter, Instant expires) {
    }

    JdbcPendingLinks(Database database, Duration validity, int maxPending, Clock clock, BiConsumer<LinkWaiter, Approval> onApproved) {
        this.database = database;
        this.validity = validity;
        this.maxPending = maxPending;
        this.clock = clock;
        this.onApproved = onApproved;
    }

    @Override
    public Instant add(String code, LinkWaiter waiter, ByteString identityKey, ByteString provisioningKey) {
        evictStale();
        byte[] digest = digest(code);
        Instant now = clock.instant();
        Instant expires = now.plus(validity);
        boolean added = database.write(connection -> {
            if (Sql.queryLong(connection, "SELECT COUNT(*) FROM pending_links WHERE expires_ms > ?", now.toEpochMilli()) >= maxPending) {
                return false;
            }
            update(connection, "INSERT INTO pending_links (code_digest, node, identity_key, provisioning_key, mailbox_key, expires_ms) "
                    + "VALUES (?, ?, ?, ?, ?, ?)", digest, node, identityKey.toByteArray(), provisioningKey.toByteArray(),
                    waiter.mailboxKey(), expires.toEpochMilli());
            return true;
        });
        if (!added) {
            return null;
        }
        waiting.put(ByteBuffer.wrap(digest), new Local(waiter, expires));
        return expires;
    }

    @Override
    public Optional<Keys> peek(String canonicalCode) {
        byte[] digest = digest(canonicalCode);
        return database.read(connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT node, identity_key, provisioning_key FROM pending_links "
                    + "WHERE code_digest = ? AND expires_ms > ? AND approved_device IS NULL")) {
                select.setBytes(1, digest);
                select.setLong(2, clock.millis());
                try (ResultSet row = select.executeQuery()) {
                    if (!row.next() || !stillWaitsIfHere(row.getBytes(1), digest)) {
                        return Optional.<Keys>empty();
                    }
                    return Optional.of(new Keys(Sql.byteString(row, 2), Sql.byteString(row, 3)));
                }
            }
        });
    }

    /** A device waiting on this node is checked; one on another node is that node's to evict. */
    private boolean stillWaitsIfHere(byte[] waitingNode, byte[] digest) {
        if (!Arrays.equals(waitingNode, node)) {
            return true;
        }
        Local local = waiting.get(ByteBuffer.wrap(digest));
        return local != null && local.waiter().waiting();
    }

    @Override
    public Optional<Taken> take(String canonicalCode) {
        byte[] digest = digest(canonicalCode);
        record Row(byte[] node, byte[] identityKey, byte[] provisioningKey, byte[] mailboxKey, long expires) {
        }
        Optional<Row> taken = database.write(connection -> {
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM pending_links WHERE code_digest = ? AND expires_ms > ? "
                    + "AND approved_device IS NULL RETURNING node, identity_key, provisioning_key, mailbox_key, expires_ms")) {
                delete.setBytes(1, digest);
                delete.setLong(2, clock.millis());
                try (ResultSet row = delete.executeQuery()) {
                    return row.next() ? Optional.of(new Row(row.getBytes(1), row.getBytes(2), row.getBytes(3), row.getBytes(4), row.getLong(5)))
                            : Optional.<Row>empty();
                }
            }
        });
        if (taken.isEmpty()) {
            return Optional.empty();
        }
        Row row = taken.get();
        ByteString identityKey = ByteString.copyFrom(row.identityKey());
        if (Arrays.equals(row.node(), node)) {
            Local local = waiting.remove(ByteBuffer.wrap(digest));
            if (local == null || !local.waiter().waiting()) {
                return Optional.empty();
            }
            return Optional.of(new Taken(identityKey, row.mailboxKey(), approval -> onApproved.accept(local.waiter(), approval)));
        }
        return Optional.of(new Taken(identityKey, row.mailboxKey(), approval -> database.write(connection -> update(connection,
                "INSERT INTO pending_links (code_digest, node, identity_key, provisioning_key, mailbox_key, expires_ms, approved_account, "
                        + "approved_device, username, provisioning) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", digest, row.node(),
                row.identityKey(), row.provisioningKey(), row.mailboxKey(), row.expires(), approval.account().bytes(),
                approval.device().bytes(), approval.username(), approval.provisioning().toByteArray()))));
    }

    @Override
    public void deliverApprovals() {
        if (waiting.isEmpty()) {
            return;
        }
        record Approved(ByteBuffer digest, Approval approval) {
        }
        List<Approved> approved = database.write(connection -> {
            List<Approved> rows = new ArrayList<>();
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM pending_links WHERE node = ? AND approved_device IS NOT NULL "
                    + "RETURNING code_digest, approved_account, approved_device, username, provisioning")) {
                delete.setBytes(1, node);
                try (ResultSet row = delete.executeQuery()) {
                    while (row.next()) {
                        rows.add(new Approved(ByteBuffer.wrap(row.getBytes(1)), new Approval(AccountId.of(row.getBytes(2)),
                                DeviceId.of(row.getBytes(3)), row.getString(4), Sql.byteString(row, 5))));
                    }
                }
            }
            return rows;
        });
        for (Approved one : approved) {
            Local local = waiting.remove(one.digest());
            if (local != null && local.waiter().waiting()) {
                onApproved.accept(local.waiter(), one.approval());
            }
        }
    }

    @Override
    public void evictStale() {
        Instant now = clock.instant();
        List<byte[]> gone = new ArrayList<>();
        waiting.entrySet().removeIf(entry -> {
            boolean stale = !now.isBefore(entry.getValue().expires()) || !entry.getValue().waiter().waiting();
            if (stale) {
                gone.add(entry.getKey().array());
            }
            return stale;
        });
        database.writeWithoutSync(connection -> {
            for (byte[] digest : gone) {
                update(connection, "DELETE FROM pending_links WHERE code_digest = ? AND node = ?", digest, node);
            }
            return update(connection, "DELETE FROM pending_links WHERE expires_ms <= ?", now.toEpochMilli());
        });
    }

    private static byte[] digest(String code) {
        return DeviceLinkCode.digest(DeviceLinkCode.canonical(code));
    }
}
