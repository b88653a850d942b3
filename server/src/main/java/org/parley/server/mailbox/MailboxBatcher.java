package org.parley.server.mailbox;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Group commit for the mailbox hot path: callers on many connections submit single sends and
 * acknowledgements; one writer thread takes everything queued meanwhile (up to a batch size) and
 * stores it with one {@link MailboxStore#enqueue(List)} and one
 * {@link MailboxStore#acknowledge(List)} transaction, then completes each caller's future. Under
 * load a commit (and its fsync) is shared by many sends; when idle a send is committed at once.
 *
 * <p>A future completes only after the commit, so a caller that acknowledges a send to its
 * client when the future completes never acknowledges what is not on disk. A database failure
 * completes every future of that batch exceptionally with the
 * {@link org.parley.server.storage.StoreException}.
 */
public final class MailboxBatcher implements AutoCloseable {
    private sealed interface Request {
    }

    private record Send(Delivery delivery, CompletableFuture<DeliveryOutcome> result) implements Request {
    }

    private record Ack(Acknowledgement acknowledgement, CompletableFuture<Void> result) implements Request {
    }

    /** Tells the writer to finish what is queued and stop. */
    private record Stop() implements Request {
    }

    private final MailboxStore store;
    private final int maxBatch;
    private final BlockingQueue<Request> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private volatile boolean closed;

    /** @param maxBatch most requests in one commit (a few thousand suits 256-byte messages) */
    public MailboxBatcher(MailboxStore store, int maxBatch) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("the batch size must be positive, got " + maxBatch);
        }
        this.store = store;
        this.maxBatch = maxBatch;
        this.writer = new Thread(this::run, "parley-mailbox-writer");
        writer.setDaemon(true);
        writer.start();
    }

    /** Queues a send; the future gives its outcome once committed. */
    public CompletableFuture<DeliveryOutcome> enqueue(Delivery delivery) {
        CompletableFuture<DeliveryOutcome> result = new CompletableFuture<>();
        submit(new Send(delivery, result));
        return result;
    }

    /** Queues an acknowledgement; the future completes once the deletion is committed. */
    public CompletableFuture<Void> acknowledge(Acknowledgement acknowledgement) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        submit(new Ack(acknowledgement, result));
        return result;
    }

    private void submit(Request request) {
        if (closed) {
            throw new IllegalStateException("the mailbox batcher is closed");
        }
        queue.add(request);
    }

    private void run() {
        List<Request> batch = new ArrayList<>();
        while (true) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            queue.drainTo(batch, maxBatch - 1);
            boolean stop = batch.removeIf(request -> request instanceof Stop);
            commit(batch);
            batch.clear();
            if (stop && queue.isEmpty()) {
                return;
            }
        }
    }

    private void commit(List<Request> batch) {
        List<Send> sends = new ArrayList<>();
        List<Ack> acks = new ArrayList<>();
        for (Request request : batch) {
            if (request instanceof Send send) {
                sends.add(send);
            } else if (request instanceof Ack ack) {
                acks.add(ack);
            }
        }
        if (!sends.isEmpty()) {
            try {
                List<DeliveryOutcome> outcomes = store.enqueue(sends.stream().map(Send::delivery).toList());
                for (int i = 0; i < sends.size(); i++) {
                    sends.get(i).result().complete(outcomes.get(i));
                }
            } catch (RuntimeException e) {
                sends.forEach(send -> send.result().completeExceptionally(e));
            }
        }
        if (!acks.isEmpty()) {
            try {
                store.acknowledge(acks.stream().map(Ack::acknowledgement).toList());
                acks.forEach(ack -> ack.result().complete(null));
            } catch (RuntimeException e) {
                acks.forEach(ack -> ack.result().completeExceptionally(e));
            }
        }
    }

    /** Stops accepting requests, commits everything already queued, and waits for the writer. */
    @Override
    public void close() {
        closed = true;
        queue.add(new Stop());
        try {
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // A request that raced with close() arrived after the writer stopped: refuse it.
        List<Request> late = new ArrayList<>();
        queue.drainTo(late);
        IllegalStateException refused = new IllegalStateException("the mailbox batcher was closed before this request was stored");
        for (Request request : late) {
            if (request instanceof Send send) {
                send.result().completeExceptionally(refused);
            } else if (request instanceof Ack ack) {
                ack.result().completeExceptionally(refused);
            }
        }
    }
}
