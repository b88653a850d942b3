package org.parley.client.testnet;

import org.parley.client.net.ServerAddress;
import org.parley.server.ServerConfig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Parley server in its own JVM inside a {@link NetworkNamespace}, listening with TLS on the
 * namespace's address ({@link NamespacedServerMain}); its log goes to {@code server.log} in its
 * data folder and is quoted when it fails to start.
 */
public final class NamespacedServer implements AutoCloseable {
    private static final long START_SECONDS = 90;
    private final Process process;
    private final ServerAddress address;
    private final int mediaPort;

    private NamespacedServer(Process process, ServerAddress address, int mediaPort) {
        this.process = process;
        this.address = address;
        this.mediaPort = mediaPort;
    }

    /**
     * Starts the server on {@code tcpPort} and its relay on UDP {@code mediaPort} (0: free ones)
     * and waits until it listens.
     */
    public static NamespacedServer start(NetworkNamespace ns, Path dataDirectory, TestCertificate certificate, int tcpPort,
                                         int mediaPort) throws IOException, InterruptedException {
        return start(ns, dataDirectory, certificate, tcpPort, mediaPort, ServerConfig.Calls.DEFAULT_TOKEN_LIFETIME);
    }

    /** As {@link #start(NetworkNamespace, Path, TestCertificate, int, int)}, with call tokens that last {@code tokenLifetime}. */
    public static NamespacedServer start(NetworkNamespace ns, Path dataDirectory, TestCertificate certificate, int tcpPort,
                                         int mediaPort, Duration tokenLifetime) throws IOException, InterruptedException {
        Files.createDirectories(dataDirectory);
        Path ready = dataDirectory.resolve("ready");
        Path log = dataDirectory.resolve("server.log");
        String host = ns.namespaceAddress().getHostAddress();
        List<String> java = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // Small and quick to start: it serves two clients, on a machine the test already loads.
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), NamespacedServerMain.class.getName(),
                dataDirectory.toString(), host, Integer.toString(tcpPort), Integer.toString(mediaPort),
                certificate.certificatePem().toString(), certificate.privateKeyPem().toString(), ready.toString(),
                Long.toString(tokenLifetime.toSeconds())));
        Process process = new ProcessBuilder(ns.command(java)).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
        while (!Files.exists(ready)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IllegalStateException("the server in network namespace " + ns.name() + " did not start within "
                        + START_SECONDS + " s; its log:\n" + tail(log));
            }
            Thread.sleep(50);
        }
        String[] ports = Files.readString(ready, StandardCharsets.UTF_8).strip().split(" ");
        return new NamespacedServer(process, new ServerAddress(host, Integer.parseInt(ports[0]), true), Integer.parseInt(ports[1]));
    }

    private static String tail(Path log) throws IOException {
        if (!Files.exists(log)) {
            return "(none)";
        }
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    /** Where clients reach it: the namespace's address, TLS. */
    public ServerAddress address() {
        return address;
    }

    /** The relay's UDP port. */
    public int mediaPort() {
        return mediaPort;
    }

    @Override
    public void close() throws InterruptedException {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // Already gone.
        }
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }
}
