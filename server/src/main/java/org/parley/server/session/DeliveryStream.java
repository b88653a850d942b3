package org.parley.server.session;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import org.parley.protocol.v1.Deliver;
import org.parley.protocol.v1.MailboxDrained;
import org.parley.protocol.v1.ServerFrame;
import org.parley.server.accounts.DeviceId;
import org.parley.server.bus.MailArrived;
import org.parley.server.bus.MailListener;
import org.parley.server.bus.MessageBus;
import org.parley.server.mailbox.Envelope;
import org.parley.server.mailbox.MailboxStore;
import org.parley.server.metrics.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Pushes one signed-in device's mail in mailbox order: first everything stored (in pages), then
 * live arrivals from the bus. The mailbox is the source of truth and pushes are an optimisation:
 * whenever a live message cannot be pushed in order (a drain is running, or the client is not
 * reading and the outbound buffer is full), it is left in the mailbox and a later drain picks it
 * up. All state is confined to the connection's event loop; store reads run on the pool.
 *
 * <p>Live arrivals may come before their commit ({@link MailArrived#stored()}): one that cannot be
 * pushed now is left to a drain that starts once it is committed, since a drain reads only committed
 * mail. Arrivals queue here and are pushed by one event-loop task, so a burst for this device goes out
 * as several Deliver frames and one flush. Mail stored by another node comes as a bare "mail waiting"
 * from the bus, and is read from the mailbox like a missed copy.
 */
public final class DeliveryStream {
    private static final Logger log = LoggerFactory.getLogger(DeliveryStream.class);
    static final int PAGE = 256;

    private final Channel channel;
    private final EventLoop loop;
    private final DeviceId device;
    private final MessageBus bus;
    private final MailboxStore mailbox;
    private final Executor storePool;
    private final Metrics metrics;

    private long lastPushed; // sequence numbers are positive; pending(device, 0, n) starts at the oldest
    private boolean draining;
    private boolean missed;
    private boolean drainedOnce;
    private boolean closed;
    private MessageBus.Subscription subscription;
    /**
     * Arrivals from the mailbox writer's thread, taken on the event loop. A linked queue holds almost
     * nothing while empty, as it is on an idle connection; Netty's array queue kept a 4 KiB chunk each.
     */
    private final Queue<MailArrived> arrivals = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean takeScheduled = new AtomicBoolean();
    /** The commit of the last batch with a copy left to a drain, until that drain is started. */
    private CompletionStage<Void> awaitedCommit;

    public DeliveryStream(Channel channel, DeviceId device, MessageBus bus, MailboxStore mailbox,
                          Executor storePool, Metrics metrics) {
        this.channel = channel;
        this.loop = channel.eventLoop();
        this.device = device;
        this.bus = bus;
        this.mailbox = mailbox;
        this.storePool = storePool;
        this.metrics = metrics;
    }

    /** Subscribes to live mail and drains the mailbox; call once, after the sign-in answer is queued. */
    public void start() {
        loop.execute(() -> {
            if (closed) {
                return;
            }
            // Subscribe before the first read so nothing stored in between is missed.
            subscription = bus.subscribe(device, new MailListener() {
                @Override
                public void arrived(MailArrived mail) {
                    DeliveryStream.this.arrived(mail);
                }

                @Override
                public void mailWaiting() {
                    loop.execute(DeliveryStream.this::readWaitingMail);
                }

                @Override
                public void deviceRemoved() {
                    SessionRegistry.closeAsRemoved(channel);
                }
            });
            drain();
        });
    }

    void onWritable() {
        if (!closed && !draining && missed && channel.isWritable()) {
            drain();
        }
    }

    void close() {
        loop.execute(() -> {
            closed = true;
            if (subscription != null) {
                subscription.close();
            }
        });
    }

    /** On the writer's thread: one event-loop task takes every arrival queued until it runs. */
    private void arrived(MailArrived mail) {
        arrivals.add(mail);
        if (takeScheduled.compareAndSet(false, true)) {
            loop.execute(this::takeArrivals);
        }
    }

    private void takeArrivals() {
        takeScheduled.set(false);
        boolean pushed = false;
        MailArrived mail;
        while ((mail = arrivals.poll()) != null) {
            pushed |= live(mail);
        }
        if (pushed) {
            channel.flush();
        }
    }

    /**
     * Pushes (without a flush) and says so, or leaves the copy to a drain. Only the copy numbered
     * right after the last one pushed goes at once: with several nodes, a copy that another node
     * committed before this one (a lower number) may not have been read here yet, and since a drain
     * reads above the last number pushed, pushing this one first would hide that one until the device
     * signs in again. A gap (that, or numbers skipped after a failed write) costs one drain.
     */
    private boolean live(MailArrived mail) {
        if (closed || mail.envelope().id() <= lastPushed) {
            return false;
        }
        if (draining || !channel.isWritable() || mail.envelope().id() != lastPushed + 1) {
            if (mail.stored() != awaitedCommit) { // copies of one batch share their commit: one wait each
                awaitedCommit = mail.stored();
                awaitedCommit.thenRun(() -> loop.execute(this::missedOneStored));
            }
            return false;
        }
        push(mail.envelope());
        return true;
    }

    /** Mail committed by another node (or possibly missed while the bus was away): a drain finds it. */
    private void readWaitingMail() {
        if (closed) {
            return;
        }
        missed = true;
        if (!draining && channel.isWritable()) {
            drain();
        }
    }

    /** Copies that were not pushed are committed now: a drain finds them. */
    private void missedOneStored() {
        awaitedCommit = null; // a copy missed from now on is waited for again
        readWaitingMail();
    }

    private void drain() {
        draining = true;
        missed = false;
        long after = lastPushed;
        storePool.execute(() -> {
            try {
                List<Envelope> page = mailbox.pending(device, after, PAGE);
                loop.execute(() -> pushPage(page));
            } catch (Exception e) {
                log.warn("reading a mailbox failed, closing the connection", e);
                channel.close();
            }
        });
    }

    private void pushPage(List<Envelope> page) {
        if (closed) {
            return;
        }
        for (Envelope mail : page) {
            if (mail.id() > lastPushed) {
                push(mail);
            }
        }
        if (page.size() == PAGE || missed) {
            if (channel.isWritable()) {
                channel.flush();
                drain();
                return;
            }
            missed = true; // resumed by onWritable
        } else if (!drainedOnce) {
            drainedOnce = true;
            channel.write(ServerFrame.newBuilder().setMailboxDrained(MailboxDrained.getDefaultInstance()).build());
        }
        draining = false;
        channel.flush();
    }

    private void push(Envelope mail) {
        lastPushed = mail.id();
        Deliver.Builder deliver = Deliver.newBuilder().setEnvelopeId(mail.id())
                .setPayload(mail.payload())
                .setReceivedAt(mail.arrivalHour().toEpochMilli());
        channel.write(ServerFrame.newBuilder().setDeliver(deliver).build());
        metrics.delivered();
    }
}
