package org.parley.server.delivery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;

import org.parley.protocol.MailboxSeal;
import org.parley.server.accounts.AccountStore;
import org.parley.server.accounts.DeviceId;
import org.parley.server.mailbox.Delivery;
import org.parley.server.mailbox.NewEnvelope;

/**
 * Seals every copy of a send to its recipient device's mailbox key (HPKE, RFC 9180, through
 * {@link MailboxSeal}) before it is stored, so that the database holds nothing the server can read
 * back, and the copies of one group message share no bytes: a dump does not show who received the
 * same message. Runs on the request thread that queues the send, never on the one mailbox writer
 * thread that every send waits for, and may read the store on a cache miss, so never on an event loop.
 *
 * <p>A device's copies within {@link #WINDOW_LIFE} share one HPKE context ({@link MailboxSeal.Window}):
 * setting one up is two X25519 operations, which were most of the server's CPU per message when
 * every copy had its own. The context lives in memory only and is forgotten once its window is
 * over, at the latest {@link #WINDOW_LIFE} plus one sweep later, so a later look at the server's
 * memory opens no copy stored before.
 *
 * <p>A device without a mailbox key (registered before the server asked for one, and not signed in
 * with one since) gets the payload as sent: it could not open a sealed copy. A recipient the server
 * does not know gets an empty placeholder, which the store skips and reports as unknown.
 */
public final class MailboxSealer {
    /** How long one device's copies share a sealing context. */
    static final Duration WINDOW_LIFE = Duration.ofSeconds(10);
    /** Copies per window at most: a busy device's contexts change before their time is up. */
    static final int COPIES_PER_WINDOW = 1_000;
    /** Devices with an open window at most (a few hundred bytes each); the oldest window goes first. */
    static final int WINDOWS = 20_000;

    private final AccountStore accounts;
    private final long windowLifeNanos;
    private final LongSupplier nanoTime;
    /** In the order the windows were opened, so the expired ones are always first. */
    private final LinkedHashMap<DeviceId, OpenWindow> windows = new LinkedHashMap<>();

    private record OpenWindow(MailboxSeal.Window window, long openedAtNanos) {
    }

    public MailboxSealer(AccountStore accounts) {
        this(accounts, WINDOW_LIFE, System::nanoTime);
    }

    MailboxSealer(AccountStore accounts, Duration windowLife, LongSupplier nanoTime) {
        this.accounts = accounts;
        this.windowLifeNanos = windowLife.toNanos();
        this.nanoTime = nanoTime;
    }

    /** The delivery with each copy sealed to its recipient; the precondition is kept as it is. */
    public Delivery seal(Delivery delivery) {
        Set<DeviceId> recipients = new LinkedHashSet<>();
        delivery.envelopes().forEach(envelope -> recipients.add(envelope.recipient()));
        Map<DeviceId, byte[]> keys = accounts.mailboxKeys(recipients);
        List<NewEnvelope> sealed = new ArrayList<>(delivery.envelopes().size());
        for (NewEnvelope envelope : delivery.envelopes()) {
            sealed.add(new NewEnvelope(envelope.recipient(), copyFor(keys, envelope)));
        }
        return new Delivery(sealed, delivery.precondition());
    }

    /** Forgets every window whose time is up, with its context; called by the server every few seconds. */
    public void forgetExpiredWindows() {
        synchronized (windows) {
            forgetExpired(nanoTime.getAsLong());
        }
    }

    /** Windows held now (for tests). */
    int openWindows() {
        synchronized (windows) {
            return windows.size();
        }
    }

    private ByteString copyFor(Map<DeviceId, byte[]> keys, NewEnvelope envelope) {
        if (!keys.containsKey(envelope.recipient())) {
            return ByteString.EMPTY;
        }
        byte[] key = keys.get(envelope.recipient());
        if (key == null) {
            return envelope.payload();
        }
        byte[] payload = envelope.payload().toByteArray();
        while (true) {
            MailboxSeal.Window window = windowFor(envelope.recipient(), key);
            synchronized (window) {
                if (!window.isFull()) {
                    return UnsafeByteOperations.unsafeWrap(window.seal(payload));
                }
            }
        }
    }

    /** The device's open window, or a new one; the new one is set up outside the lock (two X25519 operations). */
    private MailboxSeal.Window windowFor(DeviceId device, byte[] key) {
        synchronized (windows) {
            forgetExpired(nanoTime.getAsLong());
            OpenWindow open = windows.get(device);
            if (open != null && open.window().isFor(key) && !open.window().isFull()) {
                return open.window();
            }
        }
        MailboxSeal.Window fresh = new MailboxSeal.Window(key, COPIES_PER_WINDOW);
        synchronized (windows) {
            windows.remove(device); // re-inserted last: the map stays in opening order
            windows.put(device, new OpenWindow(fresh, nanoTime.getAsLong()));
            if (windows.size() > WINDOWS) {
                Iterator<OpenWindow> oldest = windows.values().iterator();
                oldest.next();
                oldest.remove();
            }
        }
        return fresh;
    }

    private void forgetExpired(long now) {
        Iterator<OpenWindow> oldestFirst = windows.values().iterator();
        while (oldestFirst.hasNext() && now - oldestFirst.next().openedAtNanos() >= windowLifeNanos) {
            oldestFirst.remove();
        }
    }
}
