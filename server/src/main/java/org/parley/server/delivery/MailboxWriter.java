package org.parley.server.delivery;

import org.parley.server.bus.MailArrived;
import org.parley.server.bus.MessageBus;
import org.parley.server.mailbox.Acknowledgement;
import org.parley.server.mailbox.Delivery;
import org.parley.server.mailbox.DeliveryOutcome;
import org.parley.server.mailbox.Envelope;
import org.parley.server.mailbox.MailboxStore;
import org.parley.server.metrics.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Group commit for every mailbox write. One writer thread takes the sends and acknowledgements
 * that are waiting, keeps collecting until {@code maxWait} after the previous batch began or until
 * {@code maxItems} envelopes or envelope ids are pending, and writes all sends and acknowledgements with one
 * {@link MailboxStore#write(List, List)}: one transaction and one fsync for many messages, which
 * is what makes durable throughput high. Only after the store returns is each requester answered,
 * so an acknowledged send is on disk. A commit is a send whose delivery carries the group's epoch
 * change as its {@link org.parley.server.mailbox.Precondition}: decided and written inside the same
 * transaction, and when refused, refused alone, without failing the rest of the batch. Each copy of a
 * send is sealed to its recipient by the {@link MailboxSealer} in {@link #submit}, on the requester's
 * thread, so the writer thread only stores.
 *
 * <p>Connected recipients do not wait for the fsync: each stored copy is announced on the bus as soon
 * as the store has decided it, before its commit where the store allows
 * ({@link MailboxStore#write(List, List, Consumer)}), with a signal that says when it is committed.
 * The sender's answer still waits for the commit. A copy lost with a commit that never happened was
 * never acknowledged to its sender, who sends it again; the recipient drops the second copy by the
 * message id inside it, and no envelope id it saw is ever reused for another copy.
 */
public final class MailboxWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MailboxWriter.class);

    /** A mailbox write waiting for the next batch. Callbacks run on the writer thread. */
    public sealed interface Pending permits Send, Ack {
        int size();
    }

    /** A send; {@code done} gets its outcome, or null if the store failed. */
    public record Send(Delivery delivery, Consumer<DeliveryOutcome> done) implements Pending {
        @Override
        public int size() {
            return delivery.envelopes().size();
        }
    }

    /** An acknowledgement; {@code done} gets true once the envelopes are deleted, false if the store failed. */
    public record Ack(Acknowledgement acknowledgement, Consumer<Boolean> done) implements Pending {
        @Override
        public int size() {
            return acknowledgement.envelopeIds().size();
        }
    }

    private final MailboxStore mailbox;
    private final MailboxSealer sealer;
    private final MessageBus bus;
    private final Metrics metrics;
    private final long maxWaitNanos;
    private final int maxItems;
    private final BlockingQueue<Pending> queue;
    private final Thread writer;
    private volatile boolean closing;

    public MailboxWriter(MailboxStore mailbox, MailboxSealer sealer, MessageBus bus, Metrics metrics, long maxWaitMicros,
                         int maxItems, int queueCapacity) {
        this.mailbox = mailbox;
        this.sealer = sealer;
        this.bus = bus;
        this.metrics = metrics;
        this.maxWaitNanos = TimeUnit.MICROSECONDS.toNanos(maxWaitMicros);
        this.maxItems = maxItems;
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.writer = new Thread(this::run, "parley-mailbox-writer");
        writer.start();
    }

    /**
     * Seals a send's copies to their recipients (which may read the store: call it off the event
     * loop) and queues the write; false when the queue is full (the server is overloaded) or closing,
     * in which case its callback is never called.
     */
    public boolean submit(Pending pending) {
        if (closing || queue.remainingCapacity() == 0) {
            return false; // refused before the cost of sealing
        }
        Pending sealed = pending instanceof Send send ? new Send(sealer.seal(send.delivery()), send.done()) : pending;
        return queue.offer(sealed);
    }

    private void run() {
        List<Pending> batch = new ArrayList<>();
        long lastBatchStarted = System.nanoTime() - maxWaitNanos;
        while (!(closing && queue.isEmpty())) {
            try {
                Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                collect(batch, first.size(), lastBatchStarted + maxWaitNanos);
                lastBatchStarted = System.nanoTime();
                write(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                batch.clear();
            }
        }
    }

    /**
     * Adds what is queued to the batch, and what arrives before {@code deadline}: batches begin at most
     * once per {@code maxWait}, so a write that comes after a quiet spell starts at once, while a
     * steady stream still shares each commit among many.
     */
    private void collect(List<Pending> batch, int items, long deadline) throws InterruptedException {
        while (items < maxItems) {
            Pending next = queue.poll();
            if (next == null) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || (next = queue.poll(left, TimeUnit.NANOSECONDS)) == null) {
                    return;
                }
            }
            batch.add(next);
            items += next.size();
        }
    }

    private void write(List<Pending> batch) {
        List<Send> sends = new ArrayList<>(batch.size());
        List<Ack> acks = new ArrayList<>();
        for (Pending pending : batch) {
            if (pending instanceof Send send) {
                sends.add(send);
            } else {
                acks.add((Ack) pending);
            }
        }
        List<Delivery> deliveries = new ArrayList<>(sends.size());
        sends.forEach(send -> deliveries.add(send.delivery()));
        List<Acknowledgement> acknowledgements = new ArrayList<>(acks.size());
        acks.forEach(ack -> acknowledgements.add(ack.acknowledgement()));
        MailboxStore.BatchOutcome outcome;
        CompletableFuture<Void> committed = new CompletableFuture<>();
        try {
            outcome = mailbox.write(deliveries, acknowledgements, decided -> announce(decided, committed));
            committed.complete(null);
            metrics.batchWritten();
        } catch (RuntimeException e) {
            committed.completeExceptionally(e);
            log.error("storing a batch of {} sends and {} acknowledgements failed", sends.size(), acks.size(), e);
            outcome = null;
        }
        for (int i = 0; i < sends.size(); i++) {
            answer(sends.get(i).done(), outcome == null ? null : outcome.deliveries().get(i));
        }
        for (Ack ack : acks) {
            answer(ack.done(), outcome != null);
        }
    }

    /** Tells the recipients' connections about every stored copy; {@code committed} says when they are on disk. */
    private void announce(List<DeliveryOutcome> decided, CompletableFuture<Void> committed) {
        try {
            for (DeliveryOutcome outcome : decided) {
                if (outcome instanceof DeliveryOutcome.Stored stored) {
                    for (Envelope envelope : stored.envelopes()) {
                        bus.publish(new MailArrived(envelope, committed));
                    }
                }
            }
        } catch (RuntimeException e) {
            log.warn("announcing stored mail failed; recipients get it at their next drain", e);
        }
    }

    private static <T> void answer(Consumer<T> done, T result) {
        try {
            done.accept(result);
        } catch (RuntimeException e) {
            log.warn("answering a mailbox write failed", e);
        }
    }

    /** Stops taking writes, stores those already queued, and waits for the writer to finish. */
    @Override
    public void close() {
        closing = true;
        try {
            writer.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
