package org.parley.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.parley.client.testkit.TempProfiles;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two nodes behind one TCP load balancer URL (HAProxy in TCP mode on 127.0.0.2, the nodes on
 * 127.0.0.1): the clients know only the balancer's address, which carries no UDP. With each node's
 * {@code --media-address} its call tokens send UDP to the node itself, and a call goes over UDP;
 * the balancer's host has no relay. Skipped without HAProxy ({@code /usr/sbin/haproxy}, Debian's
 * package), PostgreSQL or nats-server.
 */
@Tag("realtime")
class SeveralNodesBehindOneAddressCallTest {
    private static final Path HAPROXY = Path.of("/usr/sbin/haproxy");
    private static final String BALANCER_HOST = "127.0.0.2";

    @TempDir
    Path temp;
    @RegisterExtension
    final StartedServers started = new StartedServers();
    private ServerNodeProcesses nodes;
    private Process balancer;

    @AfterEach
    void stop() throws Exception {
        if (balancer != null) {
            balancer.destroy();
            balancer.waitFor(10, TimeUnit.SECONDS);
        }
        if (nodes != null) {
            nodes.close();
        }
    }

    @Test
    void withTheirMediaAddressesACallThroughTheBalancerGoesOverUdpToTheNodes() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(HAPROXY), "no HAProxy at " + HAPROXY + " (Debian package haproxy)");
        int[] mediaPorts = ServerNodeProcesses.freeUdpPorts(2);
        nodes = ServerNodeProcesses.start(temp, started, 2, false,
                node -> List.of("--media-port", String.valueOf(mediaPorts[node]), "--media-address", "127.0.0.1"));
        String url = startBalancer();
        UserCommands users = new UserCommands(new TempProfiles(temp));
        users.ok("alice", "register", "alice", "--server", url);
        users.ok("bob", "register", "bob", "--server", url);
        users.ok("alice", "send", "bob", "hi");
        users.ok("bob", "accept", "alice");

        double correlation = WavCall.callAndCompare(users, temp, "alice", "bob", "udp", 3);
        System.out.printf("several nodes behind one address: a call over udp, correlation %.3f%n", correlation);
    }

    /** HAProxy in TCP mode, round robin over the nodes, as an operator runs it in front of them; returns its URL. */
    private String startBalancer() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName(BALANCER_HOST))) {
            port = probe.getLocalPort();
        }
        Path config = temp.resolve("haproxy.cfg");
        Files.writeString(config, String.join("\n",
                "defaults",
                "  mode tcp",
                "  timeout connect 5s",
                "  timeout client 1h",
                "  timeout server 1h",
                "frontend parley",
                "  bind " + BALANCER_HOST + ":" + port,
                "  default_backend nodes",
                "backend nodes",
                "  balance roundrobin",
                "  server node0 127.0.0.1:" + nodes.node(0).port,
                "  server node1 127.0.0.1:" + nodes.node(1).port,
                ""));
        balancer = new ProcessBuilder(HAPROXY.toString(), "-db", "-f", config.toString())
                .redirectErrorStream(true).redirectOutput(temp.resolve("haproxy.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress(BALANCER_HOST, port), 500);
                return "http://" + BALANCER_HOST + ":" + port;
            } catch (java.io.IOException notYet) {
                assertThat(balancer.isAlive()).as(Files.readString(temp.resolve("haproxy.log"))).isTrue();
                assertThat(System.nanoTime()).as("HAProxy listens").isLessThan(deadline);
                Thread.sleep(100);
            }
        }
    }
}
