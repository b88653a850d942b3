package org.parley.server.mailbox;

import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;

import org.parley.server.accounts.AccountId;
import org.parley.server.accounts.DeviceId;
import org.parley.server.storage.StoreRejectedException;

/**
 * Per-device mailboxes: at-least-once, ordered by arrival, deleted on acknowledgement, expired
 * after the retention period (ARCHITECTURE.md, "Mailboxes"). A copy is kept as its recipient, its
 * sequence number in that recipient's mailbox, its payload and its arrival hour: no sender, no
 * server-wide order, no time finer than the hour.
 *
 * <p>Durability: when {@link #enqueue(List)} returns, what it reports as stored is committed to
 * disk (SQLite synchronous=FULL in WAL mode; PostgreSQL synchronous commit), so a crash right
 * after the acknowledgement loses nothing. The method takes many deliveries at once so the
 * server can group-commit all sends that arrived meanwhile in one transaction and one fsync.
 *
 * <p>Quota: a delivery that would take any recipient over {@link MailboxLimits} is rejected as a
 * whole with {@link MailboxFullException} naming the device; mail is never dropped silently.
 * Database failures throw {@link org.parley.server.storage.StoreException} and store nothing.
 */
public interface MailboxStore {

    /** Largest stored copy: the largest payload a client may send (256 KiB) sealed to its recipient. */
    int MAX_PAYLOAD_BYTES = org.parley.protocol.Limits.MAX_PAYLOAD_BYTES + org.parley.protocol.MailboxSeal.OVERHEAD;

    /**
     * Stores a batch of deliveries in one transaction. Each delivery is all-or-nothing: it is
     * either {@link DeliveryOutcome.Stored} with its assigned per-device sequence numbers, or {@link DeliveryOutcome.Rejected}
     * (a full mailbox, a refused {@link Precondition}) without affecting the others. A recipient
     * device that does not exist is skipped and named in the outcome, never a reason to refuse.
     * Deliveries are considered in list order, so an earlier one can fill a mailbox that a later
     * one then finds full, or move a group to the epoch a later one then finds stale. Each mailbox's sequence
     * numbers grow in list order.
     *
     * @return one outcome per delivery, in the same order
     */
    List<DeliveryOutcome> enqueue(List<Delivery> deliveries);

    /**
     * Stores one delivery on its own.
     *
     * @return the stored envelopes
     * @throws StoreRejectedException if it was rejected (nothing stored)
     */
    default List<Envelope> enqueue(Delivery delivery) {
        DeliveryOutcome outcome = enqueue(List.of(delivery)).get(0);
        if (outcome instanceof DeliveryOutcome.Rejected rejected) {
            throw rejected.reason();
        }
        return ((DeliveryOutcome.Stored) outcome).envelopes();
    }

    /**
     * Pending envelopes of a device with a sequence number greater than {@code afterId}, in arrival
     * (sequence) order, at most {@code limit}. Pass 0 to start from the oldest. Fetching does not delete.
     * Copies that {@link #write(List, List, Consumer)} handed to {@code early} before this call are
     * included once committed: the read waits for that commit (or its failure) rather than miss them.
     */
    List<Envelope> pending(DeviceId device, long afterId, int limit);

    /**
     * Deletes acknowledged envelopes of {@code device}: sequence numbers count within its own
     * mailbox, so one device cannot delete another's. One transaction.
     *
     * @return how many were deleted (already deleted or foreign ids are not counted)
     */
    default int acknowledge(DeviceId device, Collection<Long> envelopeIds) {
        return acknowledge(List.of(new Acknowledgement(device, envelopeIds)));
    }

    /**
     * Deletes the acknowledged envelopes of many devices in one transaction (one commit), so the
     * server can group-commit acknowledgements as it does sends. Same rules as
     * {@link #acknowledge(DeviceId, Collection)} for each device.
     *
     * @return how many were deleted in total
     */
    int acknowledge(List<Acknowledgement> acknowledgements);

    /**
     * Stores deliveries and deletes acknowledged envelopes in one transaction, so a group commit
     * costs one fsync however its writes are mixed. Same rules as {@link #enqueue(List)} and
     * {@link #acknowledge(List)}; deletions apply after the stores. A batch of acknowledgements
     * alone is committed without an fsync of its own: a crash may undo it, which only delivers
     * the mail again (clients deduplicate), and the next durable commit makes it durable too.
     */
    default BatchOutcome write(List<Delivery> deliveries, List<Acknowledgement> acknowledgements) {
        return write(deliveries, acknowledgements, outcomes -> { });
    }

    /**
     * Like {@link #write(List, List)}, and hands the deliveries' outcomes to {@code early} as soon
     * as they are decided, possibly before they are durable, so that connected recipients can get
     * their copies while the disk catches up. The promise that makes this safe: the envelope ids
     * {@code early} sees are never given to another copy in the same mailbox, even when the write
     * then fails or the process dies before the commit (a client that saw an id keeps trusting it
     * names one message). A store that cannot promise that calls {@code early} after the commit, and
     * so does every store for a batch with a {@link Precondition} that may not be shown before its
     * commit (a group's epoch change: members must never apply a commit the server could lose).
     * {@code early} runs at most once, before this returns, and must not throw; when this throws,
     * nothing of the batch was stored.
     */
    BatchOutcome write(List<Delivery> deliveries, List<Acknowledgement> acknowledgements,
                       Consumer<List<DeliveryOutcome>> early);

    /** What {@link #write(List, List)} did: one outcome per delivery, in order, and how many envelopes it deleted. */
    record BatchOutcome(List<DeliveryOutcome> deliveries, int deleted) {
        public BatchOutcome {
            deliveries = List.copyOf(deliveries);
        }
    }

    /**
     * Deletes mail whose arrival hour ended longer ago than the retention period (mail is kept at
     * least that long, and less than an hour longer). @return how many
     */
    int deleteExpired();

    /** Messages and bytes waiting for one device. */
    MailboxUsage usage(DeviceId device);

    /** Messages and bytes waiting for all devices of an account. */
    MailboxUsage usage(AccountId account);
}
