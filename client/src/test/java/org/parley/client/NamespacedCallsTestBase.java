package org.parley.client;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;
import org.parley.client.calls.Call;
import org.parley.client.calls.CallMedia;
import org.parley.client.calls.CallStats;
import org.parley.client.calls.Calls;
import org.parley.client.conversations.Conversations;
import org.parley.client.net.ServerAddress;
import org.parley.client.testnet.ImpairedUdpPath;
import org.parley.client.testnet.NamespacedServer;
import org.parley.client.testnet.NetworkNamespace;
import org.parley.client.testnet.TcpForwarder;
import org.parley.client.testnet.TestCertificate;
import org.parley.media.audio.CrossCorrelation;
import org.parley.media.audio.OpusFormat;
import org.parley.server.ServerConfig;

import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.client.testkit.Eventually.eventually;

/**
 * Calls between two users with the server in a JVM of its own inside a network namespace the
 * test makes, joined to the test's namespace by a veth pair, with TLS on its veth address; the
 * clients, in this JVM, reach it across the veth. A test may drop UDP to the relay with nftables
 * rules inside that namespace, or put the caller behind a seeded impairment path of its own.
 *
 * <p>Needs root and nftables; skipped with the reason otherwise (a failure in CI, which sets
 * {@code PARLEY_REQUIRE_NETNS=1}). Each test prints what it measured.
 */
abstract class NamespacedCallsTestBase extends LiveServerTestBase {
    protected static final Duration WAIT = Duration.ofSeconds(30);
    protected static final int FRAME_SAMPLES = OpusFormat.FRAME_SAMPLES;
    protected static final int FRAME_MILLIS = OpusFormat.FRAME_MILLIS;
    /** Codec look-ahead and frame boundaries: the recording trails the original by a few ms at most. */
    protected static final int MAX_LAG_SAMPLES = OpusFormat.SAMPLE_RATE / 20;

    @TempDir
    static Path shared;
    protected static NetworkNamespace network;
    private static AutoCloseable trust;
    private static TestCertificate certificate;

    /** Why the tests cannot run here, or null. */
    private static String unavailable;

    @BeforeAll
    static void makeNetwork() throws Exception {
        try {
            network = NetworkNamespace.create();
        } catch (TestAbortedException e) {
            // Skipped per test below, so that each shows the reason (an aborted @BeforeAll shows none).
            unavailable = e.getMessage();
            System.err.println("[restricted network] skipped: " + unavailable);
            return;
        }
        certificate = TestCertificate.create(shared.resolve("tls"), List.of(network.namespaceAddress(), network.hostAddress()));
        trust = certificate.trustedByThisJvm();
    }

    @AfterAll
    static void removeNetwork() throws Exception {
        if (trust != null) {
            trust.close();
            trust = null;
        }
        if (network != null) {
            network.close();
            network = null;
        }
    }

    @BeforeEach
    void requireNetwork() {
        Assumptions.assumeTrue(unavailable == null, unavailable);
    }

    @AfterEach
    void allowUdpAgain() {
        if (network != null) {
            network.allowUdp();
        }
    }

    protected NamespacedServer startServer(int tcpPort, int mediaPort) throws Exception {
        return startServer(tcpPort, mediaPort, ServerConfig.Calls.DEFAULT_TOKEN_LIFETIME);
    }

    protected NamespacedServer startServer(int tcpPort, int mediaPort, Duration tokenLifetime) throws Exception {
        NamespacedServer server = NamespacedServer.start(network, temp.resolve("server"), certificate, tcpPort, mediaPort, tokenLifetime);
        open.add(server); // closed after the clients
        return server;
    }

    protected record Ringing(Call caller, Call callee) {
    }

    /** A call whose caller reaches the server through {@code udp} (and a plain TCP forwarder), the callee directly. */
    protected record ImpairedCall(Ringing call, ImpairedUdpPath udp) {
    }

    /**
     * Starts a server and rings a call whose caller's UDP goes through an impairment path of
     * {@code seed}. The path stands on this side of the veth, on the same port numbers as the
     * server: the caller reaches the server through it (its WebSocket through a plain TCP
     * forwarder, its UDP through the impairment), the callee directly.
     */
    protected ImpairedCall ringBehindImpairedPath(long seed) throws Exception {
        return ringBehindImpairedPath(seed, ServerConfig.Calls.DEFAULT_TOKEN_LIFETIME);
    }

    /** As {@link #ringBehindImpairedPath(long)}, with call tokens that last {@code tokenLifetime}. */
    protected ImpairedCall ringBehindImpairedPath(long seed, Duration tokenLifetime) throws Exception {
        ServerSocket tcpFront = new ServerSocket();
        tcpFront.bind(new InetSocketAddress(network.hostAddress(), 0));
        DatagramSocket udpFront = new DatagramSocket(new InetSocketAddress(network.hostAddress(), 0));
        NamespacedServer server;
        try {
            server = startServer(tcpFront.getLocalPort(), udpFront.getLocalPort(), tokenLifetime);
        } catch (Exception | Error e) {
            tcpFront.close();
            udpFront.close();
            throw e;
        }
        String serverHost = server.address().host();
        TcpForwarder tcp = TcpForwarder.start(tcpFront, new InetSocketAddress(serverHost, server.address().port()));
        open.add(0, tcp);
        ImpairedUdpPath udp = ImpairedUdpPath.start(udpFront, new InetSocketAddress(serverHost, server.mediaPort()), seed);
        open.add(0, udp);
        ServerAddress throughPath = new ServerAddress(network.hostAddress().getHostAddress(), tcpFront.getLocalPort(), true);
        return new ImpairedCall(ringAndAccept(throughPath, server.address()), udp);
    }

    /** alice (at {@code aliceAt}) rings bob (at {@code bobAt}) in their direct conversation, and bob accepts. */
    protected Ringing ringAndAccept(ServerAddress aliceAt, ServerAddress bobAt) throws InterruptedException {
        ParleyClient alice = signedIn("alice", aliceAt);
        ParleyClient bob = signedIn("bob", bobAt);
        Calls aliceCalls = new Calls(alice);
        Calls bobCalls = new Calls(bob);
        open.add(0, aliceCalls);
        open.add(0, bobCalls);
        Conversations.Summary direct = alice.conversations().direct("bob");
        eventually("bob holds alice's message request",
                () -> bob.conversations().requests().stream().anyMatch(r -> r.inviter().equals("alice")));
        bob.conversations().accept("alice");
        Call outgoing = aliceCalls.ring(direct.groupId().toByteArray(), "bob");
        open.add(0, outgoing);
        Call incoming = bobCalls.awaitRing(WAIT);
        open.add(0, incoming);
        incoming.accept();
        assertThat(outgoing.awaitAccepted(WAIT)).isTrue();
        return new Ringing(outgoing, incoming);
    }

    /** Milliseconds from {@code start} until each of {@code media} goes over {@code transport} ("udp" or "tcp"). */
    protected static long[] awaitTransport(String transport, long start, CallMedia... media) throws InterruptedException {
        long[] after = new long[media.length];
        Arrays.fill(after, -1);
        while (Arrays.stream(after).anyMatch(t -> t < 0)) {
            for (int i = 0; i < media.length; i++) {
                if (after[i] < 0 && media[i].currentTransport().equals(transport)) {
                    after[i] = millisSince(start);
                }
            }
            assertThat(System.nanoTime() - start).as("media went over %s", transport).isLessThan(WAIT.toNanos());
            Thread.sleep(5);
        }
        return after;
    }

    /** Waits until both sent all their audio and what the other sent was played out. */
    protected static void awaitPlayedOut(CallMedia alice, CallMedia bob) throws InterruptedException {
        eventually("both sent everything", () -> !alice.sending() && !bob.sending());
        awaitPlayoutSettled(alice, bob);
    }

    /**
     * Waits until the playout of every one of {@code media} stopped moving for a second: what
     * arrives after that (at most 100 ms of delay plus the jitter buffer's half second) is gone.
     */
    private static void awaitPlayoutSettled(CallMedia... media) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        long[] before = playouts(media);
        while (true) {
            Thread.sleep(1_000);
            long[] now = playouts(media);
            if (Arrays.equals(before, now)) {
                return;
            }
            assertThat(System.nanoTime()).as("the playout settled").isLessThan(deadline);
            before = now;
        }
    }

    private static long[] playouts(CallMedia... media) {
        return Arrays.stream(media).mapToLong(m -> {
            CallStats stats = m.stats();
            return stats.framesReceived() + stats.framesConcealed();
        }).toArray();
    }

    /**
     * Correlation of what was said from frame {@code from} on with what was heard there; the
     * recording keeps the timeline (a lost frame is concealed in its place), give or take the
     * first frame, so it is searched two frames either side.
     */
    protected static double correlationFrom(int from, short[] said, short[] heard) {
        short[] reference = Arrays.copyOfRange(said, from * FRAME_SAMPLES, said.length);
        int start = Math.max(0, (from - 2) * FRAME_SAMPLES);
        short[] recorded = Arrays.copyOfRange(heard, start, Math.min(heard.length, said.length + 2 * FRAME_SAMPLES));
        return CrossCorrelation.align(reference, recorded, from * FRAME_SAMPLES - start + 2 * FRAME_SAMPLES + MAX_LAG_SAMPLES)
                .correlation();
    }

    protected static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    protected static void report(String format, Object... args) {
        System.out.println("[restricted network] " + String.format(Locale.ROOT, format, args));
    }
}
