package org.parley.server.testing;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Three (or {@link #startUnadvertised as many as asked}) {@code nats-server} processes on free
 * loopback ports with routes between them, as an operator runs a NATS cluster: started by a test,
 * each may be stopped and started again on its ports. The binary is {@code $PARLEY_NATS_SERVER},
 * else {@code /usr/sbin/nats-server}; without it the test is skipped with a visible reason, unless
 * {@code PARLEY_REQUIRE_NATS} is set, which makes its absence a failure (CI sets it).
 */
public final class NatsCluster implements AutoCloseable {
    public static final String BINARY_VARIABLE = "PARLEY_NATS_SERVER";
    public static final String REQUIRE_VARIABLE = "PARLEY_REQUIRE_NATS";
    private static final Pattern ROUTES = Pattern.compile("\"num_routes\":\\s*(\\d+)");
    private static final Duration STARTUP = Duration.ofSeconds(30);

    private final Path binary;
    private final Path logs;
    private final int[] clientPorts;
    private final int[] clusterPorts;
    private final int[] monitorPorts;
    private final Process[] servers;
    /** Whether each server tells its clients of the others' URLs, as NATS does unless told not to. */
    private final boolean advertise;

    private NatsCluster(Path binary, Path logs, int size, boolean advertise) throws IOException {
        this.binary = binary;
        this.logs = logs;
        this.advertise = advertise;
        this.clientPorts = freePorts(size);
        this.clusterPorts = freePorts(size);
        this.monitorPorts = freePorts(size);
        this.servers = new Process[size];
    }

    /** Three routed servers, each answering clients and with its routes to the other two up. */
    public static NatsCluster start(Path logs) throws Exception {
        return start(logs, 3, true);
    }

    /**
     * {@code size} routed servers that do not tell clients of each other ({@code --no_advertise}): a
     * client given one server's {@link #url} knows no other, and is cut off when that one stops.
     */
    public static NatsCluster startUnadvertised(Path logs, int size) throws Exception {
        return start(logs, size, false);
    }

    private static NatsCluster start(Path logs, int size, boolean advertise) throws Exception {
        String configured = System.getenv(BINARY_VARIABLE);
        Path binary = Path.of(configured == null || configured.isBlank() ? "/usr/sbin/nats-server" : configured);
        if (!Files.isExecutable(binary)) {
            String why = "no nats-server at " + binary + " (Debian package nats-server; or set " + BINARY_VARIABLE + ")";
            if (System.getenv(REQUIRE_VARIABLE) != null) {
                throw new AssertionError(why + ", and " + REQUIRE_VARIABLE + " is set");
            }
            Assumptions.abort("NATS cluster test skipped: " + why);
        }
        NatsCluster cluster = new NatsCluster(binary, logs, size, advertise);
        try {
            for (int i = 0; i < size; i++) {
                cluster.startServer(i);
            }
            cluster.awaitRoutes();
            return cluster;
        } catch (Exception | AssertionError e) {
            cluster.close();
            throw e;
        }
    }

    /** The client URLs, comma-separated, as {@code --bus} takes them. */
    public String urls() {
        List<String> urls = new ArrayList<>();
        for (int port : clientPorts) {
            urls.add("nats://127.0.0.1:" + port);
        }
        return String.join(",", urls);
    }

    /** Server {@code index}'s client URL alone. */
    public String url(int index) {
        return "nats://127.0.0.1:" + clientPorts[index];
    }

    /** Starts server {@code index} (again) on its ports and waits until it takes clients. */
    public void startServer(int index) throws Exception {
        List<String> routes = new ArrayList<>();
        for (int other = 0; other < clusterPorts.length; other++) {
            if (other != index) {
                routes.add("nats://127.0.0.1:" + clusterPorts[other]);
            }
        }
        List<String> command = new ArrayList<>(List.of(binary.toString(), "-a", "127.0.0.1", "-p", String.valueOf(clientPorts[index]),
                "-m", String.valueOf(monitorPorts[index]), "-n", "parley-test-" + index, "--cluster_name", "parley-test",
                "--cluster", "nats://127.0.0.1:" + clusterPorts[index], "--routes", String.join(",", routes)));
        if (!advertise) {
            command.add("--no_advertise");
        }
        servers[index] = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve("nats-" + index + ".log").toFile())).start();
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (!answers(clientPorts[index])) {
            if (!servers[index].isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("nats-server " + index + " did not take clients; its log: "
                        + Files.readString(logs.resolve("nats-" + index + ".log")));
            }
            Thread.sleep(50);
        }
    }

    /** Stops server {@code index} as an operator's restart or a crash would (SIGKILL), and waits until it is gone. */
    public void stopServer(int index) throws InterruptedException {
        servers[index].destroyForcibly();
        servers[index].waitFor(30, TimeUnit.SECONDS);
    }

    /** Stops every server: the bus is gone for every node. */
    public void stopAll() throws InterruptedException {
        for (int i = 0; i < servers.length; i++) {
            stopServer(i);
        }
    }

    /** Waits until every running server has a route to each of the others. */
    public void awaitRoutes() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + STARTUP.toNanos();
        for (int i = 0; i < servers.length; i++) {
            while (true) {
                String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + monitorPorts[i] + "/routez")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                Matcher routes = ROUTES.matcher(body);
                if (routes.find() && Integer.parseInt(routes.group(1)) >= servers.length - 1) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("nats-server " + i + " has not routed to the others: " + body);
                }
                Thread.sleep(100);
            }
        }
    }

    /** How many clients each server holds now, as its monitoring says: which server a node is on. */
    public List<Integer> connectionsPerServer() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        List<Integer> counts = new ArrayList<>();
        Pattern connections = Pattern.compile("\"num_connections\":\\s*(\\d+)");
        for (int port : monitorPorts) {
            try {
                String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/connz")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                Matcher count = connections.matcher(body);
                counts.add(count.find() ? Integer.parseInt(count.group(1)) : 0);
            } catch (IOException stopped) {
                counts.add(0);
            }
        }
        return counts;
    }

    private static boolean answers(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int[] freePorts(int count) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                sockets.add(new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()));
            }
            return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
    }

    @Override
    public void close() {
        for (Process server : servers) {
            if (server != null) {
                server.destroyForcibly();
            }
        }
    }

    @Override
    public String toString() {
        return "NatsCluster[" + java.util.Arrays.stream(clientPorts).mapToObj(String::valueOf).collect(Collectors.joining(",")) + "]";
    }
}
