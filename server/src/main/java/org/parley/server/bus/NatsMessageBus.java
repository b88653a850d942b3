package org.parley.server.bus;

import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Dispatcher;
import io.nats.client.ErrorListener;
import io.nats.client.impl.Headers;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import org.parley.server.accounts.DeviceId;
import org.parley.server.calls.Relay;
import org.parley.server.calls.RelayPeers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The bus between nodes that share one PostgreSQL database, over NATS core publish/subscribe
 * ({@code --bus nats://...}). Each node subscribes to the subject of every device connected to it,
 * {@code parley.mail.<device id in hex>}, and a node that commits mail for a device publishes an
 * empty message there: the subject names only the recipient device, which the server knows anyway,
 * and the mail itself stays in the database, which the receiving node reads (its connection drains
 * the mailbox). Connections on the publishing node get the copy in-process, before its commit, as
 * with {@link InProcessBus}; the NATS connection is opened with no-echo, so a node never hears its
 * own notifications.
 *
 * <p>NATS core delivers at most once. A notification lost while a node's NATS connection is down or
 * moving to another server of the cluster is made good when the connection is back: every
 * connection on the node then reads its mailbox. A device's first subscription on a node is followed
 * by a round trip to the NATS server and then by a mailbox read too, so mail committed while the
 * server had not yet taken the subscription is not left waiting for the next drain.
 *
 * <p>The same connection carries call media between the nodes' relays ({@link NatsRelayPeers}).
 */
public final class NatsMessageBus implements MessageBus {
    private static final Logger log = LoggerFactory.getLogger(NatsMessageBus.class);
    static final String SUBJECT_PREFIX = "parley.mail.";
    private static final byte[] EMPTY = new byte[0];
    /** On a device's subject, a message with this header says the device was removed (an empty one: mail waiting). */
    private static final String EVENT_HEADER = "Parley-Event";
    private static final String DEVICE_REMOVED = "device-removed";
    private static final int MAX_URLS = 16;
    private static final Duration FLUSH_TIMEOUT = Duration.ofSeconds(5);
    /**
     * When devices read their mailbox again after their subscriptions were confirmed. Our NATS server
     * has them at once, but the other servers of the cluster learn of them over their routes a moment
     * later; a notification published there meanwhile is dropped, for a copy that may have been
     * committed after the first read. Milliseconds on a quiet cluster; more on a loaded machine.
     */
    private static final List<Duration> READ_AGAIN_AFTER = List.of(Duration.ofSeconds(1), Duration.ofSeconds(5));

    private final InProcessBus local = new InProcessBus();
    private final ScheduledExecutorService resync;
    /** Devices subscribed since the last round trip to the NATS server, read once it confirms them. */
    private final Set<DeviceId> awaitingConfirmation = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean disconnected = new AtomicBoolean();
    private final Connection connection;
    private final Dispatcher dispatcher;
    /** Null until the node's relay asks for its peers. */
    private volatile NatsRelayPeers relayPeers;

    private NatsMessageBus(List<String> urls, String nodeId) throws IOException, InterruptedException {
        this.resync = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "parley-bus-resync");
            thread.setDaemon(true);
            return thread;
        });
        Options options = Options.builder()
                .servers(urls.toArray(String[]::new))
                .connectionName("parley " + nodeId)
                .noEcho()
                .maxReconnects(-1) // forever: the node is not ready meanwhile and comes back by itself
                .reconnectWait(Duration.ofSeconds(1))
                .connectionTimeout(Duration.ofSeconds(5))
                .pingInterval(Duration.ofSeconds(5)) // a NATS server gone silent is noticed within about 15 s
                .maxPingsOut(2)
                .connectionListener(this::connectionEvent)
                .errorListener(new LoggingErrorListener())
                .build();
        this.connection = Nats.connect(options);
        this.dispatcher = connection.createDispatcher(this::notified);
    }

    /**
     * Connects to the first NATS server of {@code urls} that answers (the others are used when it is
     * lost).
     *
     * @param urls   {@code nats://HOST:PORT} or {@code tls://HOST:PORT}, as {@link #parseUrls} gives them
     * @param nodeId this node's name, shown as the connection name in the NATS server's monitoring
     * @throws IllegalStateException naming the URLs (without credentials) when none answers
     */
    public static NatsMessageBus connect(List<String> urls, String nodeId) {
        try {
            NatsMessageBus bus = new NatsMessageBus(urls, nodeId);
            log.info("message bus: NATS at {} as node {}", withoutCredentials(bus.connection.getConnectedUrl()), nodeId);
            return bus;
        } catch (IOException e) {
            // jnats's message lists the URLs as given, credentials and all, so it is cleaned, and not chained.
            throw new IllegalStateException("cannot reach the message bus at " + String.join(",", urls.stream()
                    .map(NatsMessageBus::withoutCredentials).toList()) + ": " + withoutCredentials(String.valueOf(e.getMessage())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting to the message bus", e);
        }
    }

    /**
     * The NATS URLs of {@code --bus}: comma-separated {@code nats://HOST:PORT} or {@code tls://HOST:PORT}
     * (credentials may go in the user part).
     *
     * @throws IllegalArgumentException naming the first wrong entry (without its credentials)
     */
    public static List<String> parseUrls(String commaSeparated) {
        List<String> urls = new ArrayList<>();
        for (String part : commaSeparated.split(",", -1)) {
            String url = part.strip();
            if (url.isEmpty()) {
                throw new IllegalArgumentException("--bus takes nats://HOST:PORT[,nats://HOST:PORT...], got an empty entry in '"
                        + withoutCredentials(commaSeparated) + "'");
            }
            URI uri;
            try {
                uri = new URI(url);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("--bus: '" + withoutCredentials(url) + "' is not a URL: " + e.getReason());
            }
            if (!"nats".equals(uri.getScheme()) && !"tls".equals(uri.getScheme())) {
                throw new IllegalArgumentException("--bus: '" + withoutCredentials(url)
                        + "' is not a NATS URL; give nats://HOST:PORT (or tls://HOST:PORT for NATS over TLS)");
            }
            if (uri.getHost() == null || uri.getPort() < 1 || (uri.getPath() != null && !uri.getPath().isEmpty())) {
                throw new IllegalArgumentException("--bus: '" + withoutCredentials(url) + "' needs a host and a port and nothing"
                        + " after them, as in nats://127.0.0.1:4222");
            }
            urls.add(url);
        }
        if (urls.size() > MAX_URLS) {
            throw new IllegalArgumentException("--bus takes at most " + MAX_URLS + " NATS URLs (the client learns the rest of"
                    + " the cluster from them), got " + urls.size());
        }
        return List.copyOf(urls);
    }

    /** A URL with any user name, password or token cut out, for messages and logs. */
    static String withoutCredentials(String url) {
        return url == null ? "none" : url.replaceAll("//[^/@,]*@", "//");
    }

    static String subject(DeviceId device) {
        return SUBJECT_PREFIX + HexFormat.of().formatHex(device.bytes());
    }

    @Override
    public void publish(MailArrived mail) {
        local.publish(mail);
        String subject = subject(mail.envelope().recipient());
        // Another node reads the mailbox when told: only once the copy is committed is it there to read.
        mail.stored().thenRun(() -> {
            try {
                connection.publish(subject, EMPTY);
            } catch (RuntimeException e) {
                // Disconnected longer than the client's buffer covers: the recipient's node reads its
                // mailboxes when its own connection is back, or the device drains at its next sign-in.
                log.debug("a mail notification was not published", e);
            }
        });
    }

    @Override
    public void deviceRemoved(DeviceId device) {
        try {
            connection.publish(subject(device), new Headers().put(EVENT_HEADER, DEVICE_REMOVED), EMPTY);
        } catch (RuntimeException e) {
            // The bus is down: a connection of the device on another node stays open until it drops,
            // and it cannot sign in again anywhere (the device row is gone).
            log.warn("message bus: could not tell the other nodes that a device was removed");
        }
    }

    @Override
    public Subscription subscribe(DeviceId device, MailListener listener) {
        local.subscribe(device, listener, first -> {
            try {
                dispatcher.subscribe(subject(first));
            } catch (IllegalStateException e) {
                log.warn("message bus: cannot subscribe (the connection is closed); this device gets mail at its next sign-in");
                return;
            }
            awaitingConfirmation.add(first);
            resync.execute(this::confirmSubscriptions);
        });
        return () -> local.unsubscribe(device, listener, last -> dispatcher.unsubscribe(subject(last)));
    }

    /** Once the NATS server has taken the new subscriptions, their devices read what was committed before. */
    private void confirmSubscriptions() {
        if (awaitingConfirmation.isEmpty()) {
            return; // an earlier run confirmed these too
        }
        List<DeviceId> devices = new ArrayList<>(awaitingConfirmation);
        if (roundTrip()) {
            devices.forEach(awaitingConfirmation::remove);
            devices.forEach(local::mailWaiting);
            readAgainLater(() -> devices.forEach(local::mailWaiting));
        }
    }

    /**
     * After a reconnection: once the NATS server has taken the subscriptions again, every connection
     * here reads its mailbox, since notifications published while this node was away are gone.
     */
    private void resubscribed() {
        if (roundTrip()) {
            awaitingConfirmation.clear();
            local.mailWaitingForAll();
            readAgainLater(local::mailWaitingForAll);
        }
    }

    /** Runs {@code read} again at each of {@link #READ_AGAIN_AFTER}, for what the cluster's routes dropped meanwhile. */
    private void readAgainLater(Runnable read) {
        for (Duration delay : READ_AGAIN_AFTER) {
            resync.schedule(read, delay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** A PING answered by the server, which has then handled every subscription sent before; false if it is unreachable. */
    private boolean roundTrip() {
        try {
            connection.flush(FLUSH_TIMEOUT);
            return true;
        } catch (TimeoutException | IllegalStateException e) {
            return false; // disconnected: everything is read again when the connection is back
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void notified(Message message) {
        String subject = message.getSubject();
        if (!subject.startsWith(SUBJECT_PREFIX)) {
            return;
        }
        try {
            DeviceId device = DeviceId.of(HexFormat.of().parseHex(subject, SUBJECT_PREFIX.length(), subject.length()));
            if (message.hasHeaders() && DEVICE_REMOVED.equals(message.getHeaders().getFirst(EVENT_HEADER))) {
                local.removedElsewhere(device);
            } else {
                local.mailWaiting(device);
            }
        } catch (IllegalArgumentException e) {
            log.debug("ignored a notification on an unexpected subject");
        }
    }

    private void connectionEvent(Connection conn, ConnectionListener.Events event) {
        switch (event) {
            case DISCONNECTED -> {
                // Not while the first connection is made (connect() reports that), and once per outage: jnats
                // reports each failed attempt again.
                if (connection != null && disconnected.compareAndSet(false, true)) {
                    log.warn("message bus: lost the NATS server; reconnecting, and refusing new sends until then");
                }
            }
            case RECONNECTED -> {
                disconnected.set(false);
                log.info("message bus: reconnected to NATS at {}", withoutCredentials(conn.getConnectedUrl()));
                resync.execute(this::resubscribed); // jnats has sent the subscriptions again by now
            }
            default -> log.debug("message bus: {}", event);
        }
    }

    @Override
    public RelayPeers relayPeers(Relay relay) {
        if (relayPeers != null) {
            throw new IllegalStateException("the bus already serves a relay; a node has one");
        }
        relayPeers = new NatsRelayPeers(connection, relay);
        return relayPeers;
    }

    @Override
    public Optional<String> unavailable() {
        return connection.getStatus() == Connection.Status.CONNECTED ? Optional.empty()
                : Optional.of("the message bus (NATS) is unreachable");
    }

    @Override
    public boolean linksNodes() {
        return true;
    }

    @Override
    public String describe() {
        return "NATS, " + (connection.getStatus() == Connection.Status.CONNECTED ? "connected" : "reconnecting");
    }

    @Override
    public void close() {
        NatsRelayPeers peers = relayPeers;
        if (peers != null) {
            peers.close();
        }
        resync.shutdownNow();
        try {
            connection.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        local.close();
        try {
            resync.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** jnats reports protocol errors here; they go to the log, without the server's address. */
    private static final class LoggingErrorListener implements ErrorListener {
        @Override
        public void errorOccurred(Connection conn, String error) {
            log.warn("message bus: the NATS server reported: {}", error);
        }

        @Override
        public void exceptionOccurred(Connection conn, Exception exception) {
            log.debug("message bus: {}", exception.toString());
        }
    }
}
