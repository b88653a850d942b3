package org.parley.server.mailbox;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import com.google.protobuf.ByteString;

import org.parley.server.accounts.AccountId;
import org.parley.server.accounts.DeviceId;
import org.parley.server.storage.Database;
import org.parley.server.storage.Dialect;
import org.parley.server.storage.StoreRejectedException;

import static org.parley.server.storage.Sql.byteString;

/**
 * {@link MailboxStore} on SQLite or PostgreSQL, built for the send hot path: a batch of plain sends
 * costs a fixed handful of round trips whatever its size — one query per {@value #CHUNK} recipients to
 * read (and on PostgreSQL lock) their quota rows, one statement to allocate ids, one batched
 * insert and one batched quota update — and one commit. A delivery's {@link Precondition} (a
 * commit's epoch change) adds its own statements, run in the same transaction.
 *
 * <p>Quota rows are locked in device-id order, so concurrent batches on PostgreSQL cannot
 * deadlock over them; each row's counters change by deltas, so acknowledgements and expiry running at the
 * same time stay exact. Rows a precondition locks (a group's) are taken afterwards in batch order: in
 * the rare case that two nodes' batches lock two groups in opposite orders, PostgreSQL aborts one and
 * {@link Database#write} runs it again.
 *
 * <p>Expiry relies on ids following arrival (one writer on SQLite; one sequence on PostgreSQL,
 * where concurrent transactions may swap neighbours by milliseconds): it examines the oldest
 * ids only, so the hot path carries no index on arrival time.
 */
public final class JdbcMailboxStore implements MailboxStore {
    /** Parameters per IN (...) list: well under SQLite's and PostgreSQL's limits. */
    static final int CHUNK = 500;

    private final Database database;
    private final Clock clock;
    private final MailboxLimits limits;

    public JdbcMailboxStore(Database database, Clock clock, MailboxLimits limits) {
        this.database = database;
        this.clock = clock;
        this.limits = limits;
    }

    @Override
    public List<DeliveryOutcome> enqueue(List<Delivery> deliveries) {
        if (deliveries.isEmpty()) {
            return List.of();
        }
        return database.write(connection -> enqueue(connection, deliveries));
    }

    @Override
    public BatchOutcome write(List<Delivery> deliveries, List<Acknowledgement> acknowledgements) {
        boolean acknowledges = acknowledgements.stream().anyMatch(ack -> !ack.envelopeIds().isEmpty());
        if (deliveries.isEmpty() && !acknowledges) {
            return new BatchOutcome(List.of(), 0);
        }
        return database.write(connection -> new BatchOutcome(
                deliveries.isEmpty() ? List.of() : enqueue(connection, deliveries),
                acknowledges ? acknowledge(connection, acknowledgements) : 0));
    }

    private List<DeliveryOutcome> enqueue(Connection connection, List<Delivery> deliveries) throws SQLException {
        Instant arrival = Instant.ofEpochMilli(clock.millis());
        Map<DeviceId, long[]> usage = lockUsage(connection, recipientsInLockOrder(deliveries));
        Map<DeviceId, long[]> added = new HashMap<>();
        StoreRejectedException[] rejections = new StoreRejectedException[deliveries.size()];
        int envelopeCount = 0;
        for (int i = 0; i < deliveries.size(); i++) {
            Delivery delivery = deliveries.get(i);
            rejections[i] = admit(connection, delivery, usage, added);
            if (rejections[i] == null) {
                envelopeCount += (int) delivery.envelopes().stream().filter(envelope -> usage.containsKey(envelope.recipient())).count();
            }
        }
        long[] ids = allocateIds(connection, envelopeCount);
        List<DeliveryOutcome> outcomes = new ArrayList<>(deliveries.size());
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO envelopes (id, recipient_device, sender_device, payload, arrival_ms) VALUES (?, ?, ?, ?, ?)")) {
            int next = 0;
            for (int i = 0; i < deliveries.size(); i++) {
                if (rejections[i] != null) {
                    outcomes.add(new DeliveryOutcome.Rejected(rejections[i]));
                    continue;
                }
                List<Envelope> stored = new ArrayList<>();
                Set<DeviceId> unknown = new LinkedHashSet<>();
                // JDBC takes a byte[]: the envelopes of one send share their payload, so it is
                // converted once per send, not once per recipient.
                ByteString payload = null;
                byte[] payloadArray = null;
                for (NewEnvelope envelope : deliveries.get(i).envelopes()) {
                    if (!usage.containsKey(envelope.recipient())) {
                        unknown.add(envelope.recipient());
                        continue;
                    }
                    if (envelope.payload() != payload) {
                        payload = envelope.payload();
                        payloadArray = payload.toByteArray();
                    }
                    long id = ids[next++];
                    insert.setLong(1, id);
                    insert.setBytes(2, envelope.recipient().bytes());
                    insert.setBytes(3, envelope.sender() == null ? null : envelope.sender().bytes());
                    insert.setBytes(4, payloadArray);
                    insert.setLong(5, arrival.toEpochMilli());
                    insert.addBatch();
                    stored.add(new Envelope(id, envelope.recipient(), envelope.sender(), envelope.payload(), arrival));
                }
                outcomes.add(new DeliveryOutcome.Stored(stored, List.copyOf(unknown)));
            }
            if (next > 0) {
                insert.executeBatch();
            }
        }
        addUsage(connection, added, 1);
        return outcomes;
    }

    /** Distinct recipients sorted by unsigned bytes, the order PostgreSQL sorts bytea in. */
    private static List<DeviceId> recipientsInLockOrder(List<Delivery> deliveries) {
        TreeMap<byte[], DeviceId> sorted = new TreeMap<>(Arrays::compareUnsigned);
        for (Delivery delivery : deliveries) {
            for (NewEnvelope envelope : delivery.envelopes()) {
                sorted.putIfAbsent(envelope.recipient().bytes(), envelope.recipient());
            }
        }
        return new ArrayList<>(sorted.values());
    }

    /** Current {count, bytes} per existing recipient; a device without a row does not exist. */
    private Map<DeviceId, long[]> lockUsage(Connection connection, List<DeviceId> devices) throws SQLException {
        Map<DeviceId, long[]> usage = new HashMap<>();
        for (int from = 0; from < devices.size(); from += CHUNK) {
            List<DeviceId> chunk = devices.subList(from, Math.min(devices.size(), from + CHUNK));
            String sql = "SELECT device_id, pending_count, pending_bytes FROM mailbox_usage WHERE device_id IN ("
                    + placeholders(chunk.size()) + ") ORDER BY device_id" + database.dialect().forUpdate();
            try (PreparedStatement select = connection.prepareStatement(sql)) {
                for (int i = 0; i < chunk.size(); i++) {
                    select.setBytes(i + 1, chunk.get(i).bytes());
                }
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        usage.put(DeviceId.of(rows.getBytes(1)), new long[] {rows.getLong(2), rows.getLong(3)});
                    }
                }
            }
        }
        return usage;
    }

    /**
     * Decides one delivery as the batch stands after the deliveries admitted before it: its
     * precondition must hold and it must fit the quota of every existing recipient (devices without
     * a quota row do not exist and are skipped); then the precondition is written and the delivery
     * counted in {@code usage} and {@code added}.
     *
     * @return null if admitted, else why not (nothing of the delivery written)
     */
    private StoreRejectedException admit(Connection connection, Delivery delivery, Map<DeviceId, long[]> usage,
                                         Map<DeviceId, long[]> added) throws SQLException {
        Precondition precondition = delivery.precondition();
        StoreRejectedException refused = precondition == null ? null : precondition.check(connection);
        if (refused != null) {
            return refused;
        }
        Map<DeviceId, long[]> delta = new LinkedHashMap<>();
        for (NewEnvelope envelope : delivery.envelopes()) {
            if (usage.containsKey(envelope.recipient())) {
                count(delta, envelope.recipient(), envelope.payload().size());
            }
        }
        for (Map.Entry<DeviceId, long[]> entry : delta.entrySet()) {
            long[] current = usage.get(entry.getKey());
            if (current[0] + entry.getValue()[0] > limits.maxMessages() || current[1] + entry.getValue()[1] > limits.maxBytes()) {
                return new MailboxFullException(entry.getKey(), new MailboxUsage(current[0], current[1]), limits);
            }
        }
        refused = precondition == null ? null : precondition.apply(connection);
        if (refused != null) {
            return refused;
        }
        for (Map.Entry<DeviceId, long[]> entry : delta.entrySet()) {
            long[] current = usage.get(entry.getKey());
            long[] sum = added.computeIfAbsent(entry.getKey(), device -> new long[2]);
            for (int k = 0; k < 2; k++) {
                current[k] += entry.getValue()[k];
                sum[k] += entry.getValue()[k];
            }
        }
        return null;
    }

    /**
     * Takes {@code count} fresh envelope ids, increasing. SQLite advances a counter row (the
     * writer is alone); PostgreSQL draws from a sequence, which concurrent nodes share.
     */
    private long[] allocateIds(Connection connection, int count) throws SQLException {
        long[] ids = new long[count];
        if (count == 0) {
            return ids;
        }
        if (database.dialect() == Dialect.SQLITE) {
            long first;
            try (Statement statement = connection.createStatement();
                 ResultSet row = statement.executeQuery("SELECT next_id FROM envelope_ids")) {
                row.next();
                first = row.getLong(1);
            }
            try (PreparedStatement advance = connection.prepareStatement("UPDATE envelope_ids SET next_id = ?")) {
                advance.setLong(1, first + count);
                advance.executeUpdate();
            }
            for (int i = 0; i < count; i++) {
                ids[i] = first + i;
            }
            return ids;
        }
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT nextval('envelope_ids') FROM generate_series(1, ?)")) {
            select.setInt(1, count);
            try (ResultSet rows = select.executeQuery()) {
                for (int i = 0; i < count && rows.next(); i++) {
                    ids[i] = rows.getLong(1);
                }
            }
        }
        Arrays.sort(ids);
        return ids;
    }

    /** Adds {@code sign} times each device's {count, bytes} to its quota row, in one batch. */
    private static void addUsage(Connection connection, Map<DeviceId, long[]> deltas, int sign) throws SQLException {
        if (deltas.isEmpty()) {
            return;
        }
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE mailbox_usage SET pending_count = pending_count + ?, pending_bytes = pending_bytes + ? WHERE device_id = ?")) {
            for (Map.Entry<DeviceId, long[]> entry : deltas.entrySet()) {
                update.setLong(1, sign * entry.getValue()[0]);
                update.setLong(2, sign * entry.getValue()[1]);
                update.setBytes(3, entry.getKey().bytes());
                update.addBatch();
            }
            update.executeBatch();
        }
    }

    @Override
    public List<Envelope> pending(DeviceId device, long afterId, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("the fetch limit must be positive, got " + limit);
        }
        return database.read(connection -> {
            List<Envelope> envelopes = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement("SELECT id, sender_device, payload, arrival_ms FROM envelopes "
                    + "WHERE recipient_device = ? AND id > ? ORDER BY id LIMIT ?")) {
                select.setBytes(1, device.bytes());
                select.setLong(2, afterId);
                select.setInt(3, limit);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        byte[] sender = rows.getBytes(2);
                        envelopes.add(new Envelope(rows.getLong(1), device, sender == null ? null : DeviceId.of(sender),
                                byteString(rows, 3), Instant.ofEpochMilli(rows.getLong(4))));
                    }
                }
            }
            return envelopes;
        });
    }

    @Override
    public int acknowledge(List<Acknowledgement> acknowledgements) {
        if (acknowledgements.stream().allMatch(ack -> ack.envelopeIds().isEmpty())) {
            return 0;
        }
        return database.write(connection -> acknowledge(connection, acknowledgements));
    }

    private static int acknowledge(Connection connection, List<Acknowledgement> acknowledgements) throws SQLException {
        Map<DeviceId, long[]> removed = new HashMap<>();
        int deleted = 0;
        for (Acknowledgement ack : acknowledgements) {
            List<Long> ids = List.copyOf(new LinkedHashSet<>(ack.envelopeIds()));
            for (int from = 0; from < ids.size(); from += CHUNK) {
                List<Long> chunk = ids.subList(from, Math.min(ids.size(), from + CHUNK));
                // RETURNING lists exactly the rows this transaction deleted, so an id that a
                // concurrent acknowledgement deleted first is not taken off the quota twice.
                try (PreparedStatement delete = connection.prepareStatement("DELETE FROM envelopes WHERE recipient_device = ? "
                        + "AND id IN (" + placeholders(chunk.size()) + ") RETURNING length(payload)")) {
                    delete.setBytes(1, ack.device().bytes());
                    for (int i = 0; i < chunk.size(); i++) {
                        delete.setLong(i + 2, chunk.get(i));
                    }
                    try (ResultSet rows = delete.executeQuery()) {
                        while (rows.next()) {
                            count(removed, ack.device(), rows.getLong(1));
                            deleted++;
                        }
                    }
                }
            }
        }
        addUsage(connection, removed, -1);
        return deleted;
    }

    private static void count(Map<DeviceId, long[]> totals, DeviceId device, long bytes) {
        long[] total = totals.computeIfAbsent(device, d -> new long[2]);
        total[0]++;
        total[1] += bytes;
    }

    @Override
    public int deleteExpired() {
        long cutoff = clock.millis() - limits.retention().toMillis();
        int total = 0;
        while (true) {
            // Bounded transactions: expiry never holds the writer long enough to stall sends.
            int deleted = database.write(connection -> {
                Map<DeviceId, long[]> removed = new HashMap<>();
                int count = 0;
                // Ids follow arrival, so the oldest mail has the lowest ids: look only at those,
                // through the primary key, instead of indexing arrival times on the hot path.
                try (PreparedStatement delete = connection.prepareStatement("DELETE FROM envelopes WHERE id IN (SELECT id FROM "
                        + "(SELECT id, arrival_ms FROM envelopes ORDER BY id LIMIT " + CHUNK + ") oldest WHERE arrival_ms < ?) "
                        + "RETURNING recipient_device, length(payload)")) {
                    delete.setLong(1, cutoff);
                    try (ResultSet rows = delete.executeQuery()) {
                        while (rows.next()) {
                            count(removed, DeviceId.of(rows.getBytes(1)), rows.getLong(2));
                            count++;
                        }
                    }
                }
                addUsage(connection, removed, -1);
                return count;
            });
            total += deleted;
            if (deleted == 0) {
                return total;
            }
        }
    }

    @Override
    public MailboxUsage usage(DeviceId device) {
        return database.read(connection -> usage(connection,
                "SELECT pending_count, pending_bytes FROM mailbox_usage WHERE device_id = ?", device.bytes()));
    }

    @Override
    public MailboxUsage usage(AccountId account) {
        return database.read(connection -> usage(connection, "SELECT SUM(u.pending_count), SUM(u.pending_bytes) FROM mailbox_usage u "
                + "JOIN devices d ON d.device_id = u.device_id WHERE d.account_id = ?", account.bytes()));
    }

    private static MailboxUsage usage(Connection connection, String sql, byte[] id) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(sql)) {
            select.setBytes(1, id);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? new MailboxUsage(row.getLong(1), row.getLong(2)) : MailboxUsage.EMPTY;
            }
        }
    }

    private static String placeholders(int count) {
        return String.join(", ", java.util.Collections.nCopies(count, "?"));
    }
}
