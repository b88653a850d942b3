package org.parley.server.mailbox;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.parley.server.accounts.AccountId;
import org.parley.server.accounts.DeviceId;
import org.parley.server.storage.Database;
import org.parley.server.storage.Database.Prepared;
import org.parley.server.storage.Dialect;
import org.parley.server.storage.StoreRejectedException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.parley.server.storage.Sql.byteString;

/**
 * {@link MailboxStore} on SQLite or PostgreSQL, built for the send hot path: a batch of plain sends
 * costs a fixed handful of round trips whatever its size — one query per {@value #CHUNK} recipients to
 * read (and on PostgreSQL lock) their quota rows, which also hold each mailbox's next sequence
 * number, one batched insert and one batched quota update — and one commit. A delivery's {@link Precondition} (a
 * commit's epoch change) adds its own statements, run in the same transaction.
 *
 * <p>Quota rows are locked in device-id order, so concurrent batches on PostgreSQL cannot
 * deadlock over them; each row's counters change by deltas, so acknowledgements and expiry running at the
 * same time stay exact. Rows a precondition locks (a group's) are taken afterwards in batch order: in
 * the rare case that two nodes' batches lock two groups in opposite orders, PostgreSQL aborts one and
 * {@link Database#write} runs it again.
 *
 * <p>Sequence numbers are never given twice in a mailbox, even to copies shown before a commit
 * that never happened (see {@link #write(List, List, Consumer)}): after a failed write numbering
 * goes on above every number this process assigned, and after a restart {@link #RESTART_GAP} above
 * the highest committed one. Deleting acknowledged mail commits without an fsync of its own.
 *
 * <p>What a row keeps is the recipient, the copy's sequence number in that recipient's mailbox,
 * the payload (sealed to the recipient before it gets here) and the arrival hour, for expiry: no
 * sender and no order across mailboxes, so a copy of the database does not show who wrote to whom
 * or which copies were stored together.
 */
public final class JdbcMailboxStore implements MailboxStore {
    private static final Logger log = LoggerFactory.getLogger(JdbcMailboxStore.class);
    /** Parameters per IN (...) list: well under SQLite's and PostgreSQL's limits. */
    static final int CHUNK = 500;
    /** Stored times are whole hours. */
    static final long HOUR_MS = 3_600_000L;
    /** Index of the next sequence number in a mailbox's {count, bytes, next seq}. */
    private static final int NEXT_SEQ = 2;

    /**
     * More copies than one batch ever stores for one device (the server's batches hold a few
     * thousand): after a restart, numbering resumes this far above the highest committed number.
     */
    static final long RESTART_GAP = 1L << 32;

    private final Database database;
    private final Clock clock;
    private final MailboxLimits limits;
    /**
     * The least sequence number the next copy of any mailbox gets. Copies handed to
     * {@link #write(List, List, Consumer)}'s {@code early} before their commit may be lost with it,
     * and their numbers must not be given again: above everything this process or one before it
     * may have handed out. Only ever grows.
     */
    private volatile long seqFloor;
    /** The highest sequence number this process assigned, committed or not. */
    private final AtomicLong highestAssigned = new AtomicLong();
    /** Whether {@code early} runs before the commit: on SQLite (one node, one attempt per write) until a write fails. */
    private volatile boolean earlyBeforeCommit;
    /**
     * Completes once the last write whose copies {@code early} showed before their commit has
     * committed or failed. {@link #pending} waits for it: a device that connects after a copy was
     * announced (so its connection missed the announcement) and reads its mailbox before the commit
     * would otherwise find nothing, and nothing would tell that connection about the copy later.
     */
    private volatile CompletableFuture<Void> shownUncommitted = CompletableFuture.completedFuture(null);

    public JdbcMailboxStore(Database database, Clock clock, MailboxLimits limits) {
        this.database = database;
        this.clock = clock;
        this.limits = limits;
        this.earlyBeforeCommit = database.dialect() == Dialect.SQLITE;
        this.seqFloor = database.read(JdbcMailboxStore::floorAfterRestart);
    }

    /**
     * The process before this one may have shown copies of its last batch whose commit it never
     * made: they were numbered from their mailbox's committed next_seq on, and at most
     * {@link #RESTART_GAP} of them per mailbox. No mailbox yet: nothing was shown.
     */
    private static long floorAfterRestart(Connection connection) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT MAX(next_seq) FROM mailbox_usage");
             ResultSet row = select.executeQuery()) {
            long highest = row.next() ? row.getLong(1) : 0;
            return highest == 0 ? 0 : highest + RESTART_GAP;
        }
    }

    @Override
    public List<DeliveryOutcome> enqueue(List<Delivery> deliveries) {
        if (deliveries.isEmpty()) {
            return List.of();
        }
        return database.write(connection -> enqueue(connection, deliveries));
    }

    @Override
    public BatchOutcome write(List<Delivery> deliveries, List<Acknowledgement> acknowledgements,
                              Consumer<List<DeliveryOutcome>> early) {
        boolean acknowledges = acknowledgements.stream().anyMatch(ack -> !ack.envelopeIds().isEmpty());
        if (deliveries.isEmpty()) {
            return new BatchOutcome(List.of(), acknowledges ? database.writeWithoutSync(connection -> acknowledge(connection, acknowledgements)) : 0);
        }
        // A batch that moves a group to its next epoch is shown once committed, all of it: its other
        // copies have higher ids in their mailboxes, and a connection skips ids below one it pushed.
        boolean beforeCommit = earlyBeforeCommit && deliveries.stream()
                .allMatch(delivery -> delivery.precondition() == null || delivery.precondition().mayBeShownBeforeCommit());
        BatchOutcome outcome;
        CompletableFuture<Void> settled = new CompletableFuture<>();
        try {
            outcome = database.write(connection -> {
                List<DeliveryOutcome> stored = enqueue(connection, deliveries);
                int deleted = acknowledges ? acknowledge(connection, acknowledgements) : 0;
                if (beforeCommit) {
                    shownUncommitted = settled; // before anyone can hear of these copies
                    early.accept(stored);
                }
                return new BatchOutcome(stored, deleted);
            });
        } catch (RuntimeException | Error e) {
            if (beforeCommit) {
                fenceShownNumbers();
            }
            throw e;
        } finally {
            settled.complete(null);
        }
        if (!beforeCommit) {
            early.accept(outcome.deliveries());
        }
        return outcome;
    }

    /**
     * A write whose copies may have been shown failed: no later copy may take their numbers, and
     * from now on copies are shown only once committed. Showing them early again would let failures
     * in a row raise the numbers beyond what a restart's {@link #floorAfterRestart} covers.
     */
    private void fenceShownNumbers() {
        earlyBeforeCommit = false;
        seqFloor = Math.max(seqFloor, highestAssigned.get() + 1);
        log.warn("a mailbox write failed: connected devices now get new mail only after it is on disk, until the server restarts");
    }

    private List<DeliveryOutcome> enqueue(Connection connection, List<Delivery> deliveries) throws SQLException {
        long arrivalHour = Math.floorDiv(clock.millis(), HOUR_MS);
        Instant arrival = Instant.ofEpochMilli(arrivalHour * HOUR_MS);
        Map<DeviceId, long[]> usage = lockUsage(connection, recipientsInLockOrder(deliveries));
        Map<DeviceId, long[]> added = new HashMap<>();
        StoreRejectedException[] rejections = new StoreRejectedException[deliveries.size()];
        for (int i = 0; i < deliveries.size(); i++) {
            rejections[i] = admit(connection, deliveries.get(i), usage, added);
        }
        List<DeliveryOutcome> outcomes = new ArrayList<>(deliveries.size());
        try (Prepared prepared = database.prepare(connection,
                "INSERT INTO envelopes (recipient_device, seq, payload, arrival_hour) VALUES (?, ?, ?, ?)")) {
            PreparedStatement insert = prepared.statement();
            int next = 0;
            for (int i = 0; i < deliveries.size(); i++) {
                if (rejections[i] != null) {
                    outcomes.add(new DeliveryOutcome.Rejected(rejections[i]));
                    continue;
                }
                List<Envelope> stored = new ArrayList<>();
                Set<DeviceId> unknown = new LinkedHashSet<>();
                for (NewEnvelope envelope : deliveries.get(i).envelopes()) {
                    long[] mailbox = usage.get(envelope.recipient());
                    if (mailbox == null) {
                        unknown.add(envelope.recipient());
                        continue;
                    }
                    long seq = mailbox[NEXT_SEQ]++;
                    highestAssigned.accumulateAndGet(seq, Math::max);
                    insert.setBytes(1, envelope.recipient().bytes());
                    insert.setLong(2, seq);
                    insert.setBytes(3, envelope.payload().toByteArray());
                    insert.setLong(4, arrivalHour);
                    insert.addBatch();
                    next++;
                    stored.add(new Envelope(seq, envelope.recipient(), envelope.payload(), arrival));
                    added.get(envelope.recipient())[NEXT_SEQ] = mailbox[NEXT_SEQ];
                }
                outcomes.add(new DeliveryOutcome.Stored(stored, List.copyOf(unknown)));
            }
            if (next > 0) {
                insert.executeBatch();
            }
        }
        recordAdded(connection, added);
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

    /** Current {count, bytes, next seq} per existing recipient; a device without a row does not exist. */
    private Map<DeviceId, long[]> lockUsage(Connection connection, List<DeviceId> devices) throws SQLException {
        Map<DeviceId, long[]> usage = new HashMap<>();
        for (int from = 0; from < devices.size(); from += CHUNK) {
            List<DeviceId> chunk = devices.subList(from, Math.min(devices.size(), from + CHUNK));
            String sql = "SELECT device_id, pending_count, pending_bytes, next_seq FROM mailbox_usage WHERE device_id IN ("
                    + placeholders(chunk.size()) + ") ORDER BY device_id" + database.dialect().forUpdate();
            try (Prepared prepared = database.prepare(connection, sql)) {
                PreparedStatement select = prepared.statement();
                for (int i = 0; i < chunk.size(); i++) {
                    select.setBytes(i + 1, chunk.get(i).bytes());
                }
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        usage.put(DeviceId.of(rows.getBytes(1)), new long[] {rows.getLong(2), rows.getLong(3),
                                Math.max(rows.getLong(4), seqFloor)});
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
            long[] sum = added.computeIfAbsent(entry.getKey(), device -> new long[3]);
            for (int k = 0; k < 2; k++) {
                current[k] += entry.getValue()[k];
                sum[k] += entry.getValue()[k];
            }
        }
        return null;
    }

    /** Adds each stored-to device's {count, bytes} to its quota row and sets its next sequence number, in one batch. */
    private void recordAdded(Connection connection, Map<DeviceId, long[]> added) throws SQLException {
        if (added.isEmpty()) {
            return;
        }
        try (Prepared prepared = database.prepare(connection, "UPDATE mailbox_usage SET pending_count = pending_count + ?, "
                + "pending_bytes = pending_bytes + ?, next_seq = ? WHERE device_id = ?")) {
            PreparedStatement update = prepared.statement();
            for (Map.Entry<DeviceId, long[]> entry : added.entrySet()) {
                update.setLong(1, entry.getValue()[0]);
                update.setLong(2, entry.getValue()[1]);
                update.setLong(3, entry.getValue()[NEXT_SEQ]);
                update.setBytes(4, entry.getKey().bytes());
                update.addBatch();
            }
            update.executeBatch();
        }
    }

    /** Takes each device's {count, bytes} off its quota row, in one batch. */
    private void subtractUsage(Connection connection, Map<DeviceId, long[]> deltas) throws SQLException {
        if (deltas.isEmpty()) {
            return;
        }
        try (Prepared prepared = database.prepare(connection,
                "UPDATE mailbox_usage SET pending_count = pending_count + ?, pending_bytes = pending_bytes + ? WHERE device_id = ?")) {
            PreparedStatement update = prepared.statement();
            for (Map.Entry<DeviceId, long[]> entry : deltas.entrySet()) {
                update.setLong(1, -entry.getValue()[0]);
                update.setLong(2, -entry.getValue()[1]);
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
        shownUncommitted.join(); // what was shown before this read is read too (never waits on PostgreSQL)
        return database.read(connection -> {
            List<Envelope> envelopes = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement("SELECT seq, payload, arrival_hour FROM envelopes "
                    + "WHERE recipient_device = ? AND seq > ? ORDER BY seq LIMIT ?")) {
                select.setBytes(1, device.bytes());
                select.setLong(2, afterId);
                select.setInt(3, limit);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        envelopes.add(new Envelope(rows.getLong(1), device, byteString(rows, 2),
                                Instant.ofEpochMilli(rows.getLong(3) * HOUR_MS)));
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
        return database.writeWithoutSync(connection -> acknowledge(connection, acknowledgements));
    }

    private int acknowledge(Connection connection, List<Acknowledgement> acknowledgements) throws SQLException {
        Map<DeviceId, long[]> removed = new HashMap<>();
        int deleted = 0;
        // One shared statement deletes copy by copy: every copy in process (SQLite, where the writer
        // keeps it prepared), else those of acknowledgements that name one copy, as the Parley client
        // sends them (one per processed copy), while longer lists take one statement each.
        Prepared deleteOne = null;
        try {
            for (Acknowledgement ack : acknowledgements) {
                List<Long> ids = List.copyOf(new LinkedHashSet<>(ack.envelopeIds()));
                if (ids.size() == 1 || (!ids.isEmpty() && database.dialect().inProcess())) {
                    if (deleteOne == null) {
                        deleteOne = database.prepare(connection, "DELETE FROM envelopes WHERE recipient_device = ? AND seq = ? "
                                + "RETURNING length(payload)");
                    }
                    for (long id : ids) {
                        deleteOne.statement().setBytes(1, ack.device().bytes());
                        deleteOne.statement().setLong(2, id);
                        deleted += countDeleted(deleteOne.statement(), ack.device(), removed);
                    }
                    continue;
                }
                for (int from = 0; from < ids.size(); from += CHUNK) {
                    List<Long> chunk = ids.subList(from, Math.min(ids.size(), from + CHUNK));
                    try (Prepared prepared = database.prepare(connection, "DELETE FROM envelopes WHERE recipient_device = ? "
                            + "AND seq IN (" + placeholders(chunk.size()) + ") RETURNING length(payload)")) {
                        PreparedStatement delete = prepared.statement();
                        delete.setBytes(1, ack.device().bytes());
                        for (int i = 0; i < chunk.size(); i++) {
                            delete.setLong(i + 2, chunk.get(i));
                        }
                        deleted += countDeleted(delete, ack.device(), removed);
                    }
                }
            }
        } finally {
            if (deleteOne != null) {
                deleteOne.close();
            }
        }
        subtractUsage(connection, removed);
        return deleted;
    }

    /**
     * Runs a delete of {@code device}'s copies and counts the rows it returns. RETURNING lists exactly
     * the rows this transaction deleted, so an id that a concurrent acknowledgement deleted first is
     * not taken off the quota twice.
     */
    private static int countDeleted(PreparedStatement delete, DeviceId device, Map<DeviceId, long[]> removed) throws SQLException {
        int deleted = 0;
        try (ResultSet rows = delete.executeQuery()) {
            while (rows.next()) {
                count(removed, device, rows.getLong(1));
                deleted++;
            }
        }
        return deleted;
    }

    private static void count(Map<DeviceId, long[]> totals, DeviceId device, long bytes) {
        long[] total = totals.computeIfAbsent(device, d -> new long[2]);
        total[0]++;
        total[1] += bytes;
    }

    @Override
    public int deleteExpired() {
        // Mail that arrived in hour h is older than the retention period once hour h has ended that long ago.
        long cutoffHour = Math.floorDiv(clock.millis() - limits.retention().toMillis(), HOUR_MS);
        int total = 0;
        while (true) {
            // Bounded transactions: expiry never holds the writer long enough to stall sends.
            int deleted = database.write(connection -> {
                Map<DeviceId, long[]> removed = new HashMap<>();
                int count = 0;
                try (PreparedStatement delete = connection.prepareStatement("DELETE FROM envelopes WHERE (recipient_device, seq) IN "
                        + "(SELECT recipient_device, seq FROM envelopes WHERE arrival_hour < ? LIMIT " + CHUNK + ") "
                        + "RETURNING recipient_device, length(payload)")) {
                    delete.setLong(1, cutoffHour);
                    try (ResultSet rows = delete.executeQuery()) {
                        while (rows.next()) {
                            count(removed, DeviceId.of(rows.getBytes(1)), rows.getLong(2));
                            count++;
                        }
                    }
                }
                subtractUsage(connection, removed);
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
