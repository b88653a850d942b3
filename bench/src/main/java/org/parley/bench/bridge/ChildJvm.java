package org.parley.bench.bridge;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code parley} command (server or bridge) in its own JVM on this JVM's class path, so the
 * benchmark reads its memory from {@code /proc} and {@code jcmd} alone. Its output is drained on a
 * thread so that it never blocks on a full pipe.
 */
final class ChildJvm implements AutoCloseable {
    private final Process process;
    private final int port;

    private ChildJvm(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /**
     * Starts {@code org.parley.cli.Main ARGS} with {@code jvmOptions} and waits for the line that
     * {@code ready} matches; its first group is the port the command listens on.
     */
    static ChildJvm start(List<String> jvmOptions, List<String> args, Pattern ready, Path errors) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "org.parley.cli.Main"));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(errors.toFile());
        builder.environment().putIfAbsent("MALLOC_ARENA_MAX", "2"); // as the parley launcher runs it
        Process process = builder.start();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    Matcher match = ready.matcher(line);
                    if (match.find()) {
                        port.complete(Integer.parseInt(match.group(1)));
                    }
                }
            } catch (IOException ended) {
                // the process ended
            }
            port.completeExceptionally(new IOException(args.get(0) + " exited before it was ready; see " + errors));
        }, "bench-child-output");
        reader.setDaemon(true);
        reader.start();
        try {
            return new ChildJvm(process, port.get(90, TimeUnit.SECONDS));
        } catch (TimeoutException | RuntimeException e) {
            process.destroyForcibly();
            throw new IOException(args.get(0) + " did not start within 90 s; see " + errors, e);
        }
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
