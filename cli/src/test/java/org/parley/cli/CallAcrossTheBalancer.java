package org.parley.cli;

import org.parley.client.testkit.TempProfiles;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The call of {@link SeveralNodesHaproxyTest}: two `parley` users, carol and dave, registered
 * through HAProxy's one address; carol calls dave with seconds of speech ({@link WavCall}), each
 * joining over UDP the relay of the node HAProxy gave its connection (the nodes run with their
 * own {@code --media-address} and {@code --media-port}). HAProxy's {@code leastconn} sends the two
 * connections, made when the nodes hold as many as each other, to two different nodes; each node's
 * {@code parley_relay_participants} gauge tells which two, so that the test can kill the third in
 * the middle of the call, and their {@code parley_relay_frames_from_other_nodes_total} counter how
 * many of carol's frames reached dave's relay from hers.
 */
final class CallAcrossTheBalancer {
    /** The call's length: the kill comes halfway through. */
    static final int SECONDS = 8;
    private static final String PARTICIPANTS = "parley_relay_participants";
    private static final String FROM_OTHER_NODES = "parley_relay_frames_from_other_nodes_total";
    private static final Duration JOINED_WITHIN = Duration.ofSeconds(30);

    /** An unlabelled counter or gauge of every node, from its /metrics: 0 for a node that is down. */
    interface NodeMetrics {
        List<Long> perNode(String name) throws Exception;
    }

    private final UserCommands users;
    private final Path temp;
    private final NodeMetrics metrics;
    private final long registering;
    private long setUpMillis;
    private CompletableFuture<Double> heard;
    private List<Long> participants;
    private long crossedHalfway;

    private CallAcrossTheBalancer(UserCommands users, Path temp, NodeMetrics metrics, long registering) {
        this.users = users;
        this.temp = temp;
        this.metrics = metrics;
        this.registering = registering;
    }

    /** Registers carol and dave at {@code url} (their profiles in {@code profiles}) and starts their conversation. */
    static CallAcrossTheBalancer register(TempProfiles profiles, Path temp, String url, NodeMetrics metrics) throws Exception {
        long registering = System.nanoTime();
        UserCommands users = new UserCommands(profiles);
        users.ok("carol", "register", "carol", "--server", url);
        users.ok("dave", "register", "dave", "--server", url);
        users.ok("carol", "send", "dave", "hi");
        users.ok("dave", "accept", "carol");
        return new CallAcrossTheBalancer(users, Files.createDirectories(temp), metrics, registering);
    }

    /**
     * Carol calls dave; returns once both are in a relay, each on its own node, and her audio
     * crosses to his: the node that has neither.
     */
    int start() throws Exception {
        heard = CompletableFuture.supplyAsync(() -> {
            try {
                return WavCall.callAndCompare(users, temp, "carol", "dave", "udp", SECONDS);
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        });
        long deadline = System.nanoTime() + JOINED_WITHIN.toNanos();
        while ((participants = metrics.perNode(PARTICIPANTS)).stream().mapToLong(Long::longValue).sum() < 2) {
            awaitUnderWay(deadline, "carol and dave in the relays; participants per node " + participants);
        }
        assertThat(participants).as("participants in each node's relay: carol and dave on two different nodes"
                        + " (open connections per node: %s)", metrics.perNode("parley_connections"))
                .containsOnly(0L, 1L).containsOnlyOnce(0L);
        while (framesCrossed() == 0) {
            awaitUnderWay(deadline, "carol's audio reaches dave's node");
        }
        setUpMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - registering);
        return participants.indexOf(0L);
    }

    /** Returns once half of carol's audio crossed to dave's node: the time to kill the third. */
    void awaitHalfway() throws Exception {
        long deadline = System.nanoTime() + JOINED_WITHIN.toNanos();
        while ((crossedHalfway = framesCrossed()) < WavCall.framesOf(SECONDS) / 2) {
            awaitUnderWay(deadline, "half of carol's audio reaches dave's node");
        }
    }

    /**
     * Waits for the call's end: dave heard carol (the recording correlates with what she sent),
     * nearly all her frames crossed from her node to his, at least a second's worth after the
     * third node, {@code killed}, died.
     */
    void wentOnAfterTheDeathOf(int killed) throws Exception {
        double correlation = awaitHeard();
        long crossed = framesCrossed();
        int sent = WavCall.framesOf(SECONDS);
        System.out.printf("several nodes behind HAProxy: carol called dave over UDP from two nodes (relay participants per node %s,"
                        + " registered and in the call after %d ms) while node %d died: correlation %.3f, %d of %d frames crossed nodes,"
                        + " %d after the kill%n", participants, setUpMillis, killed, correlation, crossed, sent, crossed - crossedHalfway);
        assertThat(crossed).as("carol's audio reached dave's node from hers").isGreaterThanOrEqualTo(sent * 9L / 10);
        assertThat(crossed - crossedHalfway).as("carol's audio went on crossing after node %d died", killed)
                .isGreaterThanOrEqualTo(WavCall.framesOf(1));
    }

    private void awaitUnderWay(long deadline, String what) throws Exception {
        if (heard.isDone()) {
            awaitHeard(); // a failed call says why
            throw new AssertionError("the call ended before " + what);
        }
        assertThat(System.nanoTime()).as(what).isLessThan(deadline);
        Thread.sleep(50);
    }

    /** Carol's frames that dave's node got from hers, so far. */
    private long framesCrossed() throws Exception {
        return metrics.perNode(FROM_OTHER_NODES).stream().mapToLong(Long::longValue).sum();
    }

    /** Waits for the call's end; what dave recorded, correlated with what carol sent (at least {@link WavCall#MIN_CORRELATION}). */
    private double awaitHeard() throws Exception {
        try {
            return heard.get(60 + SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AssertionError failed) {
                throw failed;
            }
            throw e;
        }
    }
}
