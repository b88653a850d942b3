package org.parley.client;

import org.parley.mls.codec.Bytes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link ParleyClient}'s background thread: it sends again what a limit or a lost connection held
 * back, tops the send tokens up at a random moment, and removes this account's unlinked devices from
 * the conversations when a send's answer names them.
 */
final class ClientBackground implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClientBackground.class);
    private static final Duration TICK = Duration.ofMillis(250);
    /** A top-up of send tokens waits a random time in this range, so that it follows no send closely. */
    private static final Duration TOP_UP_MIN_DELAY = Duration.ofSeconds(10);
    private static final Duration TOP_UP_MAX_DELAY = Duration.ofMinutes(2);

    private final ParleyClient client;
    private final SecureRandom random;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "parley-outgoing");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicBoolean flushNow = new AtomicBoolean(true);
    private final AtomicBoolean topUpPlanned = new AtomicBoolean();
    private final AtomicBoolean ownDevicesSyncPlanned = new AtomicBoolean();
    private volatile boolean closing;

    ClientBackground(ParleyClient client, SecureRandom random) {
        this.client = client;
        this.random = random;
    }

    /** Starts the periodic work; call once the client is fully built. */
    void start() {
        thread.scheduleWithFixedDelay(this::tick, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The session came back: what waits is sent at the next tick. */
    void reconnected() {
        flushNow.set(true);
    }

    /** Flushes the outgoing queue when a send is due or the session came back; plans a token top-up when few are left. */
    private void tick() {
        if (closing) {
            return;
        }
        client.saveAddressesIfChanged();
        try {
            // While disconnected a flush would only wait for the connection, holding the lock: the reconnect asks for one.
            if (flushNow.getAndSet(false) || client.outgoingDue() && client.session().connected()) {
                int sent = client.flushOutgoing();
                if (sent > 0) {
                    log.info("sent {} message(s) that a limit or a lost connection had held back", sent);
                }
            }
        } catch (RuntimeException e) {
            log.info("queued messages wait: {}", e.getMessage());
        }
        if (client.sendTokens().low() && topUpPlanned.compareAndSet(false, true)) {
            long delay = TOP_UP_MIN_DELAY.toMillis()
                    + (long) (random.nextDouble() * (TOP_UP_MAX_DELAY.toMillis() - TOP_UP_MIN_DELAY.toMillis()));
            thread.schedule(() -> {
                try {
                    client.topUpSendTokens();
                } catch (RuntimeException e) {
                    log.info("no send tokens now: {}", e.getMessage());
                } finally {
                    topUpPlanned.set(false);
                }
            }, delay, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * A send or commit named devices of this account that the server no longer has: another device
     * (or the web app) unlinked them, and they may still be in some conversations, able to read
     * what is said there. They are removed now, on this thread (the caller may be the inbox, which a
     * commit waits for), by the same rules as at the start of a command: only what the server's
     * device list no longer holds. Hints that come while a sync is planned or running add nothing.
     */
    void ownDevicesGone(List<Bytes> devices) {
        if (closing || !ownDevicesSyncPlanned.compareAndSet(false, true)) {
            return;
        }
        log.info("the server no longer has {} device(s) of this account that are in a conversation; removing them", devices.size());
        try {
            thread.execute(() -> {
                try {
                    client.syncOwnDevices();
                } catch (RuntimeException e) {
                    log.warn("an unlinked device could not be removed from every conversation yet: {}", e.getMessage());
                } finally {
                    ownDevicesSyncPlanned.set(false);
                }
            });
        } catch (RejectedExecutionException closed) {
            ownDevicesSyncPlanned.set(false);
        }
    }

    /** Stops; a flush under way finishes first, with the profile still open (the caller closes it after this). */
    @Override
    public void close() {
        closing = true;
        thread.shutdownNow();
        try {
            thread.awaitTermination(ParleyClient.DEFAULT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
