package org.parley.server.delivery;

import org.parley.server.mailbox.Delivery;
import org.parley.server.mailbox.DeliveryOutcome;
import org.parley.server.mailbox.MailboxStore;
import org.parley.server.metrics.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Group commit for sends. One writer thread takes the sends that are waiting, keeps collecting
 * for up to {@code maxWait} or until {@code maxEnvelopes} copies are pending, and stores them all
 * with one {@link MailboxStore#enqueue(List)}: one transaction and one fsync for many messages,
 * which is what makes durable throughput high. Only after that call returns is each sender told
 * (stored or refused), so an acknowledged send is on disk.
 */
public final class SendBatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SendBatcher.class);

    /** A send waiting for the next batch, and what to do with its outcome (on the writer thread; null if the store failed). */
    public record Pending(Delivery delivery, Consumer<DeliveryOutcome> done) {
    }

    private final MailboxStore mailbox;
    private final Metrics metrics;
    private final long maxWaitNanos;
    private final int maxEnvelopes;
    private final BlockingQueue<Pending> queue;
    private final Thread writer;
    private volatile boolean closing;

    public SendBatcher(MailboxStore mailbox, Metrics metrics, long maxWaitMicros, int maxEnvelopes, int queueCapacity) {
        this.mailbox = mailbox;
        this.metrics = metrics;
        this.maxWaitNanos = TimeUnit.MICROSECONDS.toNanos(maxWaitMicros);
        this.maxEnvelopes = maxEnvelopes;
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.writer = new Thread(this::run, "parley-send-batcher");
        writer.start();
    }

    /**
     * Queues a send; false when the queue is full (the server is overloaded) or closing, in which
     * case {@code pending.done} is never called.
     */
    public boolean submit(Pending pending) {
        return !closing && queue.offer(pending);
    }

    private void run() {
        List<Pending> batch = new ArrayList<>();
        while (!(closing && queue.isEmpty())) {
            try {
                Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                collect(batch, envelopes(first));
                write(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                batch.clear();
            }
        }
    }

    private void collect(List<Pending> batch, int envelopes) throws InterruptedException {
        long deadline = System.nanoTime() + maxWaitNanos;
        while (envelopes < maxEnvelopes) {
            Pending next = queue.poll();
            if (next == null) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || (next = queue.poll(left, TimeUnit.NANOSECONDS)) == null) {
                    return;
                }
            }
            batch.add(next);
            envelopes += envelopes(next);
        }
    }

    private static int envelopes(Pending pending) {
        return pending.delivery().envelopes().size();
    }

    private void write(List<Pending> batch) {
        List<Delivery> deliveries = new ArrayList<>(batch.size());
        for (Pending pending : batch) {
            deliveries.add(pending.delivery());
        }
        List<DeliveryOutcome> outcomes;
        try {
            outcomes = mailbox.enqueue(deliveries);
        } catch (RuntimeException e) {
            log.error("storing a batch of {} sends failed: {}", batch.size(), e.toString());
            outcomes = null;
        }
        metrics.batchWritten();
        for (int i = 0; i < batch.size(); i++) {
            DeliveryOutcome outcome = outcomes == null ? null : outcomes.get(i);
            try {
                batch.get(i).done().accept(outcome);
            } catch (RuntimeException e) {
                log.warn("answering a send failed: {}", e.toString());
            }
        }
    }

    /** Stops taking sends, stores those already queued, and waits for the writer to finish. */
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
