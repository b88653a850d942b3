package org.parley.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * `parley server` in its own JVM (the test's class path), on an ephemeral loopback port, with the
 * UDP call relay off (`--media-port 0`, unless the test gives a port) so that no test holds the
 * fixed default UDP port.
 */
final class ServerProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+) \\(WebSocket ws://127\\.0\\.0\\.1:\\1/v1/ws\\)");

    final Process process;
    final int port;
    private final Path errors;

    private ServerProcess(Process process, int port, Path errors) {
        this.process = process;
        this.port = port;
        this.errors = errors;
    }

    /** {@code parley server} on a free loopback port without UDP, with {@code options} after the test's own. */
    static ServerProcess start(Path data, String db, Path errors, String... options) throws Exception {
        return startOn(0, data, db, errors, options);
    }

    /** As {@link #start}, on loopback port {@code port} (0: a free one), as a restarted server comes back where it was. */
    static ServerProcess startOn(int port, Path data, String db, Path errors, String... options) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "server", "--listen", "127.0.0.1:" + port, "--data", data.toString(), "--db", db,
                // The burst is 10,000 unsealed sends into one account: more than first contacts are allowed.
                "--unsealed-inbound-per-minute", "100000"));
        if (!List.of(options).contains("--media-port")) {
            command.addAll(List.of("--media-port", "0"));
        }
        command.addAll(List.of(options));
        Process process = new ProcessBuilder(command).redirectError(errors.toFile()).start();
        try {
            return new ServerProcess(process, awaitPort(process), errors);
        } catch (Exception | AssertionError e) {
            process.destroyForcibly();
            throw e;
        }
    }

    /** What the server logged on standard error. */
    String log() throws Exception {
        return Files.readString(errors);
    }

    private static int awaitPort(Process process) throws Exception {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                }
            } catch (java.io.IOException ended) {
                // the process ended
            }
        });
        reader.setDaemon(true);
        reader.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String line = lines.poll(1, TimeUnit.SECONDS);
            if (line != null) {
                Matcher match = LISTENING.matcher(line);
                if (match.find()) {
                    return Integer.parseInt(match.group(1));
                }
            }
            if (!process.isAlive()) {
                throw new AssertionError("parley server exited with " + process.exitValue());
            }
        }
        throw new AssertionError("parley server did not report its address within 60 s");
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
