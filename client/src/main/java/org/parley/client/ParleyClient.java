package org.parley.client;

import org.parley.client.account.Accounts;
import org.parley.client.account.DeviceIdentity;
import org.parley.client.account.ServerAddresses;
import org.parley.client.attachments.Attachments;
import org.parley.client.conversations.Carrier;
import org.parley.client.conversations.ConversationEvent;
import org.parley.client.conversations.Conversations;
import org.parley.client.conversations.OutgoingQueue;
import org.parley.client.keys.KeyPackages;
import org.parley.client.local.v1.ContactRecord;
import org.parley.client.net.AnonymousConnection;
import org.parley.client.net.Route;
import org.parley.client.net.ServerException;
import org.parley.client.net.Session;
import org.parley.client.safety.Contacts;
import org.parley.client.safety.SafetyNumber;
import org.parley.client.store.ProfileStore;
import org.parley.client.tokens.TokenWallet;
import org.parley.mls.codec.Bytes;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.MediaFrame;
import org.parley.protocol.v1.ServerFrame;
import org.parley.protocol.v1.SetDeliveryPolicy;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The SDK's entry point for a registered device: its profile, its signed-in {@link Session}, its
 * {@link AnonymousConnection} for sealed sends (opened on the first), its send tokens, the queue of
 * sends a limit or a lost connection held back (retried in the background), and the services built on them. One instance per profile. Server pushes are queued by the connection
 * and processed in arrival order by one inbox thread through {@link Conversations#handlePush}; the
 * profile store is used only under the conversations' lock (or before the inbox starts).
 */
public final class ParleyClient implements AutoCloseable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ParleyClient.class);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);

    private final ProfileStore store;
    private final DeviceIdentity identity;
    private final ServerAddresses addresses;
    private final Session session;
    private final AnonymousConnection anonymous;
    private final TokenWallet wallet;
    private final OutgoingQueue outgoing;
    private final SecureRandom random;
    private final Clock clock;
    private final KeyPackages keyPackages;
    private final Contacts contacts;
    private final Attachments attachments;
    private final Conversations conversations;
    private final Thread inbox;
    private final AtomicReference<Consumer<MediaFrame>> media;
    private final ClientBackground background;
    private volatile boolean closing;

    private ParleyClient(ProfileStore store, DeviceIdentity identity, ServerAddresses addresses, Session session, SecureRandom random, Clock clock,
                         Duration timeout, Path downloads, BlockingQueue<ServerFrame> pushes,
                         AtomicReference<Consumer<MediaFrame>> media, Consumer<ConversationEvent> listener) {
        this.media = media;
        this.store = store;
        this.identity = identity;
        this.addresses = addresses;
        this.session = session;
        this.random = random;
        this.clock = clock;
        this.keyPackages = new KeyPackages(store, identity, random, clock);
        this.contacts = new Contacts(store);
        this.attachments = new Attachments(session, random, timeout);
        this.anonymous = new AnonymousConnection(addresses, session.route(), timeout);
        this.wallet = new TokenWallet(store, session, anonymous, random, clock);
        this.background = new ClientBackground(this, random);
        this.outgoing = new OutgoingQueue(store, new Carrier(session, anonymous, wallet, Bytes.copyOf(identity.accountId()),
                background::ownDevicesGone), clock);
        this.conversations = new Conversations(store, identity, session, outgoing, keyPackages, contacts, attachments, downloads,
                random, clock, timeout);
        conversations.addListener(listener);
        this.inbox = new Thread(() -> {
            try {
                while (!closing) {
                    ServerFrame push = pushes.poll(100, TimeUnit.MILLISECONDS);
                    if (push == null) {
                        continue;
                    }
                    try {
                        conversations.handlePush(push);
                    } catch (RuntimeException e) {
                        // Typically the Ack could not be sent because the connection dropped: the
                        // server redelivers, and the message-id check keeps it from showing twice.
                        log.warn("handling a push failed: {}", e.getMessage());
                    }
                }
            } catch (InterruptedException e) {
                // Closing.
            }
        }, "parley-inbox");
        inbox.setDaemon(true);
        inbox.start();
        session.addReconnectListener(background::reconnected);
        background.start();
    }

    /**
     * Signs the profile's device in and starts processing its mail. Received files are saved in
     * {@code downloads}.
     */
    public static ParleyClient open(ProfileStore store, Path downloads, SecureRandom random, Duration timeout) {
        return open(store, downloads, random, timeout, event -> { });
    }

    /** As {@link #open(ProfileStore, Path, SecureRandom, Duration)}, with a listener that sees even the first mail processed. */
    public static ParleyClient open(ProfileStore store, Path downloads, SecureRandom random, Duration timeout,
                                    Consumer<ConversationEvent> listener) {
        return open(store, downloads, random, Clock.systemUTC(), timeout, listener);
    }

    /** As {@link #open(ProfileStore, Path, SecureRandom, Duration, Consumer)}, with the time of day (messages, expiry, key packages, media) from {@code clock}. */
    public static ParleyClient open(ProfileStore store, Path downloads, SecureRandom random, Clock clock, Duration timeout,
                                    Consumer<ConversationEvent> listener) {
        return open(store, downloads, random, clock, timeout, Route.DIRECT, listener);
    }

    /** As {@link #open(ProfileStore, Path, SecureRandom, Clock, Duration, Consumer)}, every connection going along {@code route}. */
    public static ParleyClient open(ProfileStore store, Path downloads, SecureRandom random, Clock clock, Duration timeout,
                                    Route route, Consumer<ConversationEvent> listener) {
        DeviceIdentity identity = DeviceIdentity.load(store);
        BlockingQueue<ServerFrame> pushes = new LinkedBlockingQueue<>();
        // Call media bypasses the inbox: it must not wait behind mail, and is dropped when no call listens.
        AtomicReference<Consumer<MediaFrame>> media = new AtomicReference<>();
        ServerAddresses addresses = new ServerAddresses(identity);
        Session session = Session.open(addresses, route, identity, timeout, push -> {
            if (push.hasMediaFrame()) {
                Consumer<MediaFrame> callMedia = media.get();
                if (callMedia != null) {
                    callMedia.accept(push.getMediaFrame());
                }
            } else {
                pushes.add(push);
            }
        });
        return new ParleyClient(store, identity, addresses, session, random, clock, timeout, downloads, pushes, media, listener);
    }

    /** Publishes {@code count} key packages (and a last-resort one if asked), under the state lock. */
    public void publishKeyPackages(int count, boolean withLastResort) {
        synchronized (conversations) {
            keyPackages.upload(session, count, withLastResort);
        }
    }

    /** Tops the server's stock of this device's key packages up when it runs low; returns how many were added. */
    public int topUpKeyPackages() {
        synchronized (conversations) {
            return keyPackages.topUp(session);
        }
    }

    /**
     * Sends the messages that a limit held back and are due now, each conversation's in order.
     *
     * @return how many were sent
     */
    public int flushOutgoing() {
        synchronized (conversations) {
            return outgoing.flush();
        }
    }

    /** How long until the first held-back message of this conversation is tried again; empty when none waits. */
    public Optional<Duration> outgoingWaiting(byte[] groupId) {
        synchronized (conversations) {
            return outgoing.waiting(groupId);
        }
    }

    /** Messages held back by a limit, in all conversations. */
    public int outgoingCount() {
        synchronized (conversations) {
            return outgoing.size();
        }
    }

    /** Fetches a batch of anonymous send tokens when few are left; returns how many were added. */
    public int topUpSendTokens() {
        synchronized (conversations) {
            return wallet.topUp();
        }
    }

    /**
     * Sets who may send to this account: with {@code sealedOnly} only holders of its access key
     * (its contacts) on the anonymous connection, so strangers cannot start conversations.
     */
    public void setSealedOnly(boolean sealedOnly) {
        session.call(ClientFrame.newBuilder().setSetDeliveryPolicy(SetDeliveryPolicy.newBuilder().setSealedOnly(sealedOnly)));
    }

    /** Marks a contact verified, under the state lock. */
    public void markVerified(String username) {
        synchronized (conversations) {
            contacts.markVerified(username);
        }
    }

    /**
     * Adds this account's newly linked devices to every conversation and removes unlinked ones.
     *
     * @return false when a linked device has no key package on the server yet, so some conversation still lacks it
     */
    public boolean syncOwnDevices() {
        return conversations.syncOwnDevices(Accounts.devices(session, identity).stream().map(Accounts.DeviceInfo::deviceId).toList());
    }

    /**
     * Completes when the server no longer signs this device in: another device of the account
     * unlinked it while it ran. Nothing reaches or leaves this device from then on; a front end
     * says so and stops.
     */
    public CompletableFuture<ServerException> unlinked() {
        return session.refused();
    }

    /** Where call media relayed over the WebSocket goes (on the connection's thread); null drops it. */
    public void onMediaFrames(Consumer<MediaFrame> listener) {
        media.set(listener);
    }

    public Conversations conversations() {
        return conversations;
    }

    /** Waits until the mail that was waiting at sign-in is processed; false if it took longer than {@code wait}. */
    public boolean awaitBacklog(Duration wait) {
        try {
            return conversations.awaitDrained(1, wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public DeviceIdentity identity() {
        return identity;
    }

    /** The profile's server addresses, the last that worked, and the server's pinned key. */
    public ServerAddresses serverAddresses() {
        return addresses;
    }

    public Session session() {
        return session;
    }

    /** The connection that never signs in, for sealed sends and commits (opened on first use). */
    public AnonymousConnection anonymousConnection() {
        return anonymous;
    }

    /** This device's anonymous send tokens. */
    public TokenWallet sendTokens() {
        return wallet;
    }

    public ProfileStore store() {
        return store;
    }

    public SecureRandom random() {
        return random;
    }

    /** Where this client reads the time of day; timeouts use the monotonic clock instead. */
    public Clock clock() {
        return clock;
    }

    public KeyPackages keyPackages() {
        return keyPackages;
    }

    public Contacts contacts() {
        return contacts;
    }

    public Attachments attachments() {
        return attachments;
    }

    /** A safety number together with what this device knows about the contact's account key. */
    public record SafetyReport(String number, Contacts.Observation observation, ContactRecord contact) {
    }

    /**
     * Checks {@code username}'s current devices (claiming one key package per device and keeping
     * those its account key certifies), pins or compares that account key, and computes the safety
     * number from the two account keys this device holds: its own and the one pinned for {@code username}.
     *
     * @throws IllegalStateException when no account key of {@code username} is known or can be checked
     */
    public SafetyReport safetyNumber(String username) {
        synchronized (conversations) {
            KeyPackages.Claim claim = KeyPackages.claim(session, username, contacts);
            Bytes theirs = contacts.pinnedKey(username);
            if (theirs == null) {
                throw new IllegalStateException(username + " has no device whose account key could be checked yet;"
                        + " ask them to run any parley command once, then try again");
            }
            String number = SafetyNumber.compute(new SafetyNumber.Side(identity.username(), Bytes.copyOf(identity.accountKey())),
                    new SafetyNumber.Side(username, theirs));
            Contacts.Observation observation = claim.observation() == null ? Contacts.Observation.UNCHANGED : claim.observation();
            return new SafetyReport(number, observation, contacts.get(username));
        }
    }

    /** Accepts {@code username}'s changed account key without verifying it, so sending to them works again. */
    public void trust(String username) {
        synchronized (conversations) {
            contacts.trust(username);
        }
    }

    @Override
    public void close() {
        // The inbox first: a message being processed finishes, Ack included, while the connection is still up.
        closing = true;
        try {
            inbox.join(timeoutMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        background.close();
        anonymous.close();
        session.close();
        saveAddressesIfChanged();
    }

    /** Keeps the address list in the profile when it changed (a server announced new ones, or another worked). */
    void saveAddressesIfChanged() {
        synchronized (conversations) {
            addresses.saveIfChanged(store);
        }
    }

    /** Whether the first held-back message is due to be tried again. */
    boolean outgoingDue() {
        return outgoing.nextAttempt() <= clock.millis();
    }

    private static long timeoutMillis() {
        return DEFAULT_TIMEOUT.toMillis();
    }
}
