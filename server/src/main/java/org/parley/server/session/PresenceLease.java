package org.parley.server.session;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A node's presence as a lease, for a node of several ({@code --bus}): its devices' presence is its
 * NATS interest in their subjects, and a node that has been cut off from its bus or its database for
 * longer than {@link #LEASE} lets its devices go ({@link SessionRegistry#letGo()}), so that they
 * reconnect to a node that can tell them of their mail, and drain their mailboxes there; until the
 * bus and the database are back it closes every new connection too. A node that died needs none of
 * this: NATS drops its interest with its connection.
 *
 * <p>{@link #check()} runs every {@link #CHECK_INTERVAL} on a thread of its own with the readiness
 * check (never behind a maintenance job waiting on the database), whoever probes {@code /readyz};
 * what "cut off" means is the readiness check's (the bus as of now, the database as of its last
 * check, which gives up after {@link org.parley.server.http.Readiness#DATABASE_TIMEOUT}).
 */
public final class PresenceLease {
    private static final Logger log = LoggerFactory.getLogger(PresenceLease.class);
    /**
     * Long enough to ride out what a node recovers from by itself, without moving anyone: its NATS
     * server restarting or the node moving to another server of the cluster (a few seconds), a
     * database failover or terminated sessions (the database is checked every 5 s, so one failed
     * check counts for 5 s). Short enough that a device goes without its mail for seconds, not
     * until the bus comes back; and well past the 2 s a load balancer probing {@code /readyz} takes
     * to send reconnecting devices elsewhere.
     */
    public static final Duration LEASE = Duration.ofSeconds(15);
    public static final Duration CHECK_INTERVAL = Duration.ofSeconds(1);

    private final Supplier<Optional<String>> cutOff;
    private final SessionRegistry sessions;
    private final LongSupplier nanoTime;
    /** Since when (nanoTime) the node has been cut off without a break; meaningless while {@link #connected}. */
    private long cutOffSince;
    private boolean connected = true;
    private boolean lapsed;

    /**
     * @param cutOff   why the node cannot serve its devices now, or empty while it can
     * @param sessions the node's connections, closed when the lease lapses
     * @param nanoTime the clock, {@link System#nanoTime()} but in tests
     */
    public PresenceLease(Supplier<Optional<String>> cutOff, SessionRegistry sessions, LongSupplier nanoTime) {
        this.cutOff = cutOff;
        this.sessions = sessions;
        this.nanoTime = nanoTime;
    }

    /** Renews the lease while the node has its bus and database; lets the devices go once it has been without for {@link #LEASE}. */
    public synchronized void check() {
        Optional<String> reason = cutOff.get();
        long now = nanoTime.getAsLong();
        if (reason.isEmpty()) {
            connected = true;
            if (lapsed) {
                lapsed = false;
                sessions.keep();
                log.info("presence lease: the message bus and the database are back; taking devices again");
            }
            return;
        }
        if (connected) {
            connected = false;
            cutOffSince = now;
        }
        if (!lapsed && now - cutOffSince >= LEASE.toNanos()) {
            lapsed = true;
            int connections = sessions.letGo();
            log.warn("presence lease lapsed: {} for {} s; closed {} connections so that they reconnect to another node,"
                    + " and closing new ones until the bus and the database are back", reason.get(),
                    TimeUnit.NANOSECONDS.toSeconds(now - cutOffSince), connections);
        }
    }
}
