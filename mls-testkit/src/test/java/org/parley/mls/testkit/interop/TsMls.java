package org.parley.mls.testkit.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/**
 * The ts-mls harness ({@code interop/ts-mls/harness.mjs}) as a child process speaking
 * line-delimited JSON. Without {@code node} on the PATH the calling test is skipped with the
 * reason, except under {@code PARLEY_REQUIRE_VECTORS=1} (CI), where it fails. Installs the
 * harness's pinned dependencies with {@code npm ci} when {@code node_modules} is absent.
 */
public final class TsMls implements AutoCloseable {
    /** The harness folder, relative to a module directory (where Maven runs tests). */
    public static final Path HARNESS = Path.of(System.getProperty("parley.tsmls", "../interop/ts-mls"));

    private final ObjectMapper json = new ObjectMapper();
    private final Process process;
    private final BufferedWriter in;
    private final BufferedReader out;

    private TsMls(Process process) {
        this.process = process;
        this.in = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Starts the harness, or skips (fails in CI) the test when Node.js is not installed. */
    public static TsMls start() {
        Path node = onPath("node");
        if (node == null) {
            String reason = "node is not on the PATH; the ts-mls interop tests are skipped";
            if ("1".equals(System.getenv("PARLEY_REQUIRE_VECTORS"))) {
                Assertions.fail("node is not on the PATH; the ts-mls interop tests cannot run (PARLEY_REQUIRE_VECTORS=1)");
            }
            Assumptions.abort(reason);
        }
        try {
            if (!Files.isDirectory(HARNESS.resolve("node_modules"))) {
                Path npm = onPath("npm");
                Assertions.assertNotNull(npm, "npm is not on the PATH; it is needed once to install " + HARNESS);
                Process install = new ProcessBuilder(npm.toString(), "ci", "--no-audit", "--no-fund")
                        .directory(HARNESS.toFile()).inheritIO().start();
                Assertions.assertEquals(0, install.waitFor(), "npm ci in " + HARNESS + " failed");
            }
            Path log = Files.createDirectories(Path.of("target")).resolve("ts-mls-harness.log");
            Process process = new ProcessBuilder(node.toString(), "harness.mjs").directory(HARNESS.toFile())
                    .redirectError(log.toFile()).start();
            return new TsMls(process);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static Path onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir).resolve(program);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /** Sends one command ({@code key, value} pairs; byte[] values go as hex) and returns its response. */
    public JsonNode call(String command, Object... keyValues) {
        ObjectNode request = json.createObjectNode().put("cmd", command);
        for (int i = 0; i < keyValues.length; i += 2) {
            request.set((String) keyValues[i], json.valueToTree(keyValues[i + 1] instanceof byte[] b
                    ? HexFormat.of().formatHex(b) : keyValues[i + 1]));
        }
        try {
            in.write(json.writeValueAsString(request));
            in.newLine();
            in.flush();
            String line = out.readLine();
            if (line == null) {
                throw new AssertionError("ts-mls harness exited during " + command + " (see target/ts-mls-harness.log)");
            }
            JsonNode response = json.readTree(line);
            if (!response.path("ok").asBoolean()) {
                throw new AssertionError("ts-mls " + command + " failed: " + response.path("error").asText());
            }
            return response;
        } catch (IOException e) {
            throw new UncheckedIOException("talking to the ts-mls harness (its errors are in target/ts-mls-harness.log)", e);
        }
    }

    public static byte[] hex(JsonNode response, String field) {
        return HexFormat.of().parseHex(response.path(field).asText());
    }

    @Override
    public void close() {
        try {
            in.close();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
