package org.parley.client.net;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.ServerFrame;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A signed-in device's lasting link to its server: it connects, answers the challenge with
 * {@link Authenticate}, and when the connection drops reconnects, signing in again each time. It
 * dials the profile's endpoints ({@link AddressBook}) in order, starting from the one that signed in
 * last; a failure moves on to the next at once, and only after a whole round failed does it wait,
 * with exponential backoff and full jitter (so that many clients of a restarted server do not come
 * back at the same instant). Requests made while disconnected wait for the next connection, up to the
 * request timeout. Pushes of every connection go to one consumer, in order.
 *
 * <p>Without credentials ({@link #openAnonymous}) the same lasting link never signs in: that is the
 * anonymous connection's transport ({@link AnonymousConnection}).
 */
public final class Session implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Session.class);

    /** How a device proves who it is on a fresh connection. */
    public interface Credentials {
        byte[] accountId();

        byte[] deviceId();

        byte[] signChallenge(byte[] challenge);
    }

    private final AddressBook addresses;
    /** The endpoint that signed in last (where the next round starts), or null before any did. */
    private volatile Endpoint lastWorked;
    private final Credentials credentials;
    private final Duration timeout;
    private final Consumer<ServerFrame> pushes;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Dialer dialer;
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "parley-reconnect");
        thread.setDaemon(true);
        return thread;
    });
    private final Object lock = new Object();
    private CompletableFuture<Connection> current = new CompletableFuture<>();
    private final List<Runnable> reconnectListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<Connection>> connectionListeners = new CopyOnWriteArrayList<>();
    private volatile Connection lastConnection;
    private final CompletableFuture<ServerException> refused = new CompletableFuture<>();
    private int failures;
    private volatile boolean closing;

    private Session(AddressBook addresses, Route route, Credentials credentials, Duration timeout, Consumer<ServerFrame> pushes) {
        this.addresses = addresses;
        this.lastWorked = addresses.lastWorking().orElse(null);
        this.dialer = new Dialer(route, group, timeout);
        this.credentials = credentials;
        this.timeout = timeout;
        this.pushes = pushes;
    }

    /** As {@link #open(AddressBook, Route, Credentials, Duration, Consumer)} with one endpoint and nothing pinned. */
    public static Session open(Endpoint endpoint, Route route, Credentials credentials, Duration timeout,
                               Consumer<ServerFrame> pushes) {
        return open(AddressBook.of(endpoint), route, credentials, timeout, pushes);
    }

    /**
     * Connects along {@code route} and signs in, trying each endpoint once and failing when none
     * works (a wrong URL should be reported, not retried forever); later drops are retried in the
     * background.
     */
    public static Session open(AddressBook addresses, Route route, Credentials credentials, Duration timeout,
                               Consumer<ServerFrame> pushes) {
        Session session = new Session(addresses, route, credentials, timeout, pushes);
        try {
            Connection first = session.connectToAny();
            synchronized (session.lock) {
                session.current.complete(first);
            }
            return session;
        } catch (RuntimeException e) {
            session.close();
            throw e;
        }
    }

    /**
     * Connects once without signing in, failing at once when that attempt fails; later drops are
     * retried in the background like a signed-in session's.
     */
    static Session openAnonymous(AddressBook addresses, Route route, Duration timeout, Consumer<ServerFrame> pushes) {
        return open(addresses, route, null, timeout, pushes);
    }

    /**
     * One round over the endpoints, from the one that signed in last: the first that signs in is
     * remembered and returned. A server that refuses this device ends the round (another address
     * of the same server would refuse it too); otherwise the round's most telling failure is thrown.
     */
    private Connection connectToAny() {
        List<Endpoint> round = new ArrayList<>(addresses.endpoints());
        int start = round.indexOf(lastWorked);
        Collections.rotate(round, start < 0 ? 0 : -start);
        ConnectionException failure = null;
        for (Endpoint endpoint : round) {
            if (closing) {
                break;
            }
            try {
                Connection connection = connectAndSignIn(endpoint);
                lastWorked = endpoint;
                addresses.worked(endpoint);
                return connection;
            } catch (ConnectionException e) {
                log.info("cannot use {}: {}", endpoint, e.getMessage());
                if (failure == null || !(failure instanceof ServerKeyChangedException)) {
                    failure = e;
                }
            }
        }
        throw failure != null ? failure : new ConnectionException("the session is closed");
    }

    private Connection connectAndSignIn(Endpoint endpoint) {
        Connection connection = Connection.open(endpoint, dialer, pushes, this::connectionLost);
        try {
            addresses.checkServer(connection.challengeMessage());
        } catch (RuntimeException e) {
            connection.close();
            throw e;
        }
        if (credentials != null) {
            SignIn.authenticate(connection, credentials, timeout, endpoint);
        }
        synchronized (lock) {
            failures = 0;
        }
        signedIn(connection);
        return connection;
    }

    private void signedIn(Connection connection) {
        lastConnection = connection;
        for (Consumer<Connection> listener : connectionListeners) {
            try {
                listener.accept(connection);
            } catch (RuntimeException e) {
                log.warn("a connection listener failed: {}", e.getMessage());
            }
        }
    }

    private void connectionLost() {
        synchronized (lock) {
            // Refused: the connection that carried the refusal closes too, and another try would be refused again.
            if (closing || refused.isDone()) {
                return;
            }
            if (current.isDone()) {
                current = new CompletableFuture<>();
            }
        }
        scheduleReconnect();
    }

    private void scheduleReconnect() {
        long delay;
        synchronized (lock) {
            delay = Backoff.delayMillis(failures++, ThreadLocalRandom.current().nextDouble());
        }
        log.info("connection to {} lost; reconnecting in {} ms", lastWorked, delay);
        retries.schedule(this::reconnect, delay, TimeUnit.MILLISECONDS);
    }

    private void reconnect() {
        if (closing) {
            return;
        }
        try {
            Connection connection = connectToAny();
            synchronized (lock) {
                if (closing) {
                    connection.close();
                    return;
                }
                current.complete(connection);
            }
            log.info("reconnected to {}", lastWorked);
            for (Runnable listener : reconnectListeners) {
                try {
                    listener.run();
                } catch (RuntimeException e) {
                    log.warn("a reconnect listener failed: {}", e.getMessage());
                }
            }
        } catch (ServerException e) {
            // The server refused this device (removed, or bad signature): retrying cannot help.
            log.warn("the server refused to sign this device in again: {}", e.getMessage());
            synchronized (lock) {
                refused.complete(e);
                current.completeExceptionally(e);
            }
        } catch (ServerKeyChangedException e) {
            log.warn("{}", e.getMessage());
            scheduleReconnect();
        } catch (RuntimeException e) {
            scheduleReconnect();
        }
    }

    /** Sends a request on the current connection (waiting for one if needed) and returns its answer. */
    public ServerFrame call(ClientFrame.Builder frame) {
        return call(frame, frames -> true).get(0);
    }

    /**
     * Sends a request whose answer may span several frames.
     *
     * @throws ServerException     when the server answers with an Error
     * @throws ConnectionException when no connection or no answer comes within the timeout
     */
    public List<ServerFrame> call(ClientFrame.Builder frame, Predicate<List<ServerFrame>> done) {
        List<ServerFrame> answers = exchange(frame, done);
        ServerFrame last = answers.get(answers.size() - 1);
        if (last.hasError()) {
            throw ServerException.of(last.getError());
        }
        return answers;
    }

    /**
     * Like {@link #call(ClientFrame.Builder, Predicate)} but returns an Error frame instead of
     * throwing it, for answers whose earlier frames matter even when a later one is an error (an
     * accepted commit whose fan-out then failed).
     */
    public List<ServerFrame> exchange(ClientFrame.Builder frame, Predicate<List<ServerFrame>> done) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            Connection connection = connection().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            while (!connection.isOpen()) {
                // Closed but not yet replaced (the close notification runs asynchronously): wait for the next one.
                forget(connection);
                connection = connection().get(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())),
                        TimeUnit.MILLISECONDS);
            }
            long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            return connection.request(frame, done).get(left, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectionException("interrupted while waiting for the server");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new ConnectionException("the request failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new ConnectionException("the server at " + address() + " did not answer within " + timeout.toSeconds() + " s");
        }
    }

    /**
     * Sends a frame that expects no answer on the current connection; returns false, sending
     * nothing, while disconnected (for media, which is concealed rather than delayed).
     */
    public boolean post(ClientFrame.Builder frame) {
        if (!connected()) {
            return false;
        }
        connection().join().post(frame);
        return true;
    }

    /** Whether a signed-in connection is open now (a request made now would not wait for one). */
    public boolean connected() {
        CompletableFuture<Connection> now = connection();
        return now.isDone() && !now.isCompletedExceptionally() && now.join().isOpen();
    }

    private void forget(Connection dead) {
        synchronized (lock) {
            if (current.isDone() && !current.isCompletedExceptionally() && current.join() == dead) {
                current = new CompletableFuture<>();
            }
        }
    }

    private CompletableFuture<Connection> connection() {
        synchronized (lock) {
            return current;
        }
    }

    /** Closes the current connection as a network failure would; the session reconnects. For tests of recovery. */
    public void dropConnection() {
        CompletableFuture<Connection> now = connection();
        if (now.isDone() && !now.isCompletedExceptionally()) {
            now.join().close();
        }
    }

    /**
     * Runs {@code listener} on the reconnecting thread each time the session signed in again after
     * its connection dropped: what the server held for the old connection (a call joined over
     * the WebSocket) is gone and must be set up again. It should return quickly.
     */
    public void addReconnectListener(Runnable listener) {
        reconnectListeners.add(listener);
    }

    /**
     * Runs {@code listener} with every connection this session opens and signs in on, the first
     * included (it runs at once with the current one when there is one), on the connecting thread,
     * before requests use it: what a server says in its Challenge is read here. It should return
     * quickly and must not make requests.
     */
    public void addConnectionListener(Consumer<Connection> listener) {
        connectionListeners.add(listener);
        Connection now = lastConnection;
        if (now != null) {
            listener.accept(now);
        }
    }

    /**
     * Completes when the server refused to sign this device in again after a drop (it no longer
     * has the device: another device of the account unlinked it, and the server closed its
     * connection). The session stops trying; every request fails from then on.
     */
    public CompletableFuture<ServerException> refused() {
        return refused.copy();
    }

    public void removeReconnectListener(Runnable listener) {
        reconnectListeners.remove(listener);
    }

    /** The server this session is signed in to (or last was): where its attachments are too. */
    public ServerAddress address() {
        Endpoint now = lastWorked;
        return now != null ? now.server() : addresses.endpoints().get(0).server();
    }

    /** The server, and the bridge to it if there is one, that this session connects to (or last did). */
    public Endpoint endpoint() {
        Endpoint now = lastWorked;
        return now != null ? now : addresses.endpoints().get(0);
    }

    public Route route() {
        return dialer.route();
    }

    /** Whether call media may try UDP: not through a proxy or a bridge, which carry TCP only. */
    public boolean carriesUdp() {
        return dialer.route().carriesUdp() && endpoint().carriesUdp();
    }

    /**
     * Opens another channel to the server the way this session's connections go (for attachment
     * transfers); {@code application} adds the caller's handlers.
     */
    public Dialer.Dial dial(Consumer<io.netty.channel.ChannelPipeline> application) {
        return dialer.dial(endpoint(), application);
    }

    @Override
    public void close() {
        closing = true;
        retries.shutdownNow();
        CompletableFuture<Connection> now = connection();
        if (now.isDone() && !now.isCompletedExceptionally()) {
            now.join().close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
