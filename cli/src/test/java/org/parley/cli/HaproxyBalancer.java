package org.parley.cli;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Debian's HAProxy as a process of the test, in front of several `parley server` nodes on loopback,
 * running the README's haproxy.cfg (the block between the {@code haproxy-config} markers) with only
 * its listen address and the nodes' addresses and admin ports changed. The binary is
 * {@code /usr/sbin/haproxy}; without it the test is skipped with a visible reason, unless
 * {@code PARLEY_REQUIRE_HAPROXY} is set, which makes its absence a failure (CI sets it).
 */
final class HaproxyBalancer implements AutoCloseable {
    static final String REQUIRE_VARIABLE = "PARLEY_REQUIRE_HAPROXY";
    private static final Path BINARY = Path.of("/usr/sbin/haproxy");
    /** What the README's config names for the three nodes: each one's public address and admin port. */
    private static final List<String> README_SERVERS = List.of(
            "server chat1 10.0.0.5:443 check port 9090",
            "server chat2 10.0.0.6:443 check port 9090",
            "server chat3 10.0.0.7:443 check port 9090");

    /** A node as HAProxy reaches it: its public (WebSocket) port and its admin port, which serves /readyz. */
    record Node(int port, int adminPort) {
    }

    private final Process process;
    private final int port;
    private final Path log;

    private HaproxyBalancer(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** The haproxy binary, or a skip (a failure with {@value #REQUIRE_VARIABLE}) when it is not installed. */
    static Path binaryOrSkip() {
        if (!Files.isExecutable(BINARY)) {
            String why = "no haproxy at " + BINARY + " (Debian package haproxy)";
            if (System.getenv(REQUIRE_VARIABLE) != null) {
                throw new AssertionError(why + ", and " + REQUIRE_VARIABLE + " is set");
            }
            Assumptions.abort("HAProxy test skipped: " + why);
        }
        return BINARY;
    }

    /**
     * The README's config with the test's loopback addresses for what a real deployment names
     * differently; each README value must be there, so that the test fails rather than silently
     * running another config.
     */
    static String testConfig(String readmeConfig, int port, List<Node> nodes) {
        if (nodes.size() != README_SERVERS.size()) {
            throw new IllegalArgumentException("the README's config has " + README_SERVERS.size() + " nodes, not " + nodes.size());
        }
        Map<String, String> replacements = new LinkedHashMap<>();
        replacements.put("bind :443", "bind 127.0.0.1:" + port);
        for (int i = 0; i < nodes.size(); i++) {
            replacements.put(README_SERVERS.get(i), "server chat" + (i + 1) + " 127.0.0.1:" + nodes.get(i).port()
                    + " check port " + nodes.get(i).adminPort());
        }
        String config = readmeConfig;
        for (String kept : List.of("mode tcp", "http-check send meth GET uri /readyz", "http-check expect status 200", "send-proxy-v2")) {
            requireInReadme(config, kept);
        }
        for (var replacement : replacements.entrySet()) {
            requireInReadme(config, replacement.getKey());
            config = config.replace(replacement.getKey(), replacement.getValue());
        }
        return config;
    }

    private static void requireInReadme(String config, String text) {
        if (!config.contains(text)) {
            throw new AssertionError("the README's haproxy.cfg no longer has '" + text + "': update HaproxyBalancer with it");
        }
    }

    /** Starts HAProxy in the foreground with the README's config for {@code nodes}; its log goes to haproxy.log in {@code directory}. */
    static HaproxyBalancer start(Path binary, Path directory, List<Node> nodes) throws Exception {
        int port = LoopbackListener.freePort();
        Path config = Files.writeString(directory.resolve("haproxy.cfg"),
                testConfig(ReadmeBlock.read("haproxy-config", "haproxy"), port, nodes));
        Path log = directory.resolve("haproxy.log");
        // -db: stay in the foreground, as under systemd, so that the test owns the process.
        Process process = new ProcessBuilder(binary.toString(), "-db", "-f", config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        HaproxyBalancer balancer = new HaproxyBalancer(process, port, log);
        try {
            LoopbackListener.await("haproxy", process, port, balancer::log);
        } catch (Exception | AssertionError e) {
            balancer.close();
            throw e;
        }
        return balancer;
    }

    /** The one address every client is given. */
    int port() {
        return port;
    }

    /** What HAProxy logged: connections, and each node it took out of rotation or back. */
    String log() throws IOException {
        return Files.readString(log);
    }



    @Override
    public void close() throws InterruptedException {
        process.destroy(); // SIGTERM: HAProxy's hard stop
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
