package org.parley.cli;

import org.parley.server.testing.Backend;
import org.parley.server.testing.NatsCluster;
import org.parley.server.testing.StoreHarness;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Several `parley server --bus` processes of one deployment, as an operator runs them: one
 * PostgreSQL schema ({@link StoreHarness}), a three-server {@link NatsCluster} (or a server for
 * each node), node {@code i} named {@code node-i} with its own data folder and an admin listener
 * ({@link #metric}), every node announcing every node's address ({@code --alternate}, unless told not to), so that a client
 * moves to another node when its own dies. Opening it skips the test without PostgreSQL or
 * nats-server. The processes end with the test's {@link StartedServers}; {@link #close} ends NATS
 * and the database.
 *
 * <p>A call across nodes: register one user with {@code --server} {@link #url}(0) and another
 * with {@link #url}(1) (or both at a load balancer in front of the nodes), start their
 * conversation, and call ({@link WavCall#callAndCompare}); each joins the relay of the node it is
 * connected to, and the relays pass the media on between them.
 */
final class ServerNodeProcesses implements AutoCloseable {
    private final StoreHarness harness;
    private final NatsCluster nats;
    private final List<ServerProcess> nodes = new ArrayList<>();
    private final List<Integer> adminPorts = new ArrayList<>();

    private ServerNodeProcesses(StoreHarness harness, NatsCluster nats) {
        this.harness = harness;
        this.nats = nats;
    }

    /**
     * {@code count} nodes, node {@code i} with {@code extraOptions.apply(i)} after the shared ones
     * (without a {@code --media-port} among them a node's UDP relay is off, see {@link ServerProcess}).
     */
    static ServerNodeProcesses start(Path temp, StartedServers started, int count, IntFunction<List<String>> extraOptions)
            throws Exception {
        return start(temp, started, count, true, extraOptions);
    }

    /**
     * As above; with {@code announceEachOther} false the nodes announce no addresses, as behind a
     * load balancer whose one URL the clients keep.
     */
    static ServerNodeProcesses start(Path temp, StartedServers started, int count, boolean announceEachOther,
                                     IntFunction<List<String>> extraOptions) throws Exception {
        return start(temp, started, count, announceEachOther, false, extraOptions);
    }

    /**
     * As above, but over {@code count} NATS servers that do not tell clients of each other
     * ({@link NatsCluster#startUnadvertised}), node {@code i} given only server {@code i}'s URL: when
     * that server stops, node {@code i} alone is cut off from the bus.
     */
    static ServerNodeProcesses startEachOnItsOwnNatsServer(Path temp, StartedServers started, int count, boolean announceEachOther,
                                                           IntFunction<List<String>> extraOptions) throws Exception {
        return start(temp, started, count, announceEachOther, true, extraOptions);
    }

    private static ServerNodeProcesses start(Path temp, StartedServers started, int count, boolean announceEachOther,
                                             boolean eachOnItsOwnNatsServer, IntFunction<List<String>> extraOptions) throws Exception {
        StoreHarness harness = StoreHarness.open(Backend.POSTGRESQL, temp); // creates the schema, or skips
        ServerNodeProcesses nodes;
        try {
            nodes = new ServerNodeProcesses(harness,
                    eachOnItsOwnNatsServer ? NatsCluster.startUnadvertised(temp, count) : NatsCluster.start(temp));
        } catch (Exception | Error e) {
            harness.close();
            throw e;
        }
        try {
            int[] ports = new int[count];
            List<String> alternates = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                ports[i] = freeTcpPort();
                alternates.addAll(List.of("--alternate", "http://127.0.0.1:" + ports[i]));
            }
            for (int i = 0; i < count; i++) {
                int adminPort = freeTcpPort();
                nodes.adminPorts.add(adminPort);
                String bus = eachOnItsOwnNatsServer ? nodes.nats.url(i) : nodes.nats.urls();
                List<String> options = new ArrayList<>(List.of("--bus", bus, "--node-id", "node-" + i,
                        "--admin-listen", "127.0.0.1:" + adminPort));
                if (announceEachOther) {
                    options.addAll(alternates);
                }
                options.addAll(extraOptions.apply(i));
                nodes.nodes.add(started.startOn(ports[i], temp.resolve("node-" + i), harness.config().url().jdbcUrl(),
                        options.toArray(String[]::new)));
            }
            return nodes;
        } catch (Exception | Error e) {
            nodes.close();
            throw e;
        }
    }

    ServerProcess node(int index) {
        return nodes.get(index);
    }

    /** The address clients give as {@code --server} for node {@code index}. */
    String url(int index) {
        return "http://127.0.0.1:" + nodes.get(index).port;
    }

    /** Node {@code index}'s admin listener's port, which serves /readyz and /metrics. */
    int adminPort(int index) {
        return adminPorts.get(index);
    }

    /** The value of the unlabelled counter or gauge {@code name} in node {@code index}'s /metrics. */
    long metric(int index, String name) throws Exception {
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + adminPorts.get(index) + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        return metrics.lines().filter(line -> line.startsWith(name + " ")).findFirst()
                .map(line -> Long.parseLong(line.substring(name.length() + 1)))
                .orElseThrow(() -> new AssertionError("no metric " + name + " in node " + index + "'s /metrics"));
    }

    NatsCluster nats() {
        return nats;
    }

    private static int freeTcpPort() throws Exception {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    /** {@code count} different UDP ports free on loopback now, for the nodes' {@code --media-port}. */
    static int[] freeUdpPorts(int count) throws Exception {
        List<DatagramSocket> probes = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                probes.add(new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
            }
            return probes.stream().mapToInt(DatagramSocket::getLocalPort).toArray();
        } finally {
            probes.forEach(DatagramSocket::close);
        }
    }

    @Override
    public void close() {
        nats.close();
        harness.close();
    }
}
