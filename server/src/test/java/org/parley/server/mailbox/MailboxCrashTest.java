package org.parley.server.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.parley.server.ServerStores;
import org.parley.server.accounts.Registration;
import org.parley.server.testing.Backend;
import org.parley.server.testing.StoreContract;

/**
 * Kills (SIGKILL) a process in the middle of enqueueing, while it shows copies before their commit:
 * everything it reported stored is there, and no id it showed is given to another copy.
 */
@Tag("crash")
class MailboxCrashTest extends StoreContract {

    /** The ids of the whole lines "WHAT ID" that {@link EnqueueUntilKilled} printed (a kill may cut the last one). */
    private static List<Long> ids(Path output, String what) throws IOException {
        String text = Files.readString(output, StandardCharsets.UTF_8);
        return text.substring(0, text.lastIndexOf('\n') + 1).lines().filter(line -> line.startsWith(what + " "))
                .map(line -> Long.parseLong(line.substring(what.length() + 1))).toList();
    }

    private static int printed(Path output, String what) throws IOException {
        return ids(output, what).size();
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void acknowledgedMailSurvivesKillMinusNine(Backend backend) throws Exception {
        ServerStores store = open(backend);
        Registration bob = register(store, "bob");
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String url = harness.config().url().dialect() == org.parley.server.storage.Dialect.SQLITE
                ? "sqlite:" + harness.config().url().sqliteFile()
                : harness.config().url().jdbcUrl();
        // Output to a file, not a pipe: what the child wrote before it died stays readable.
        Path output = tempDir.resolve("child.out");
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), EnqueueUntilKilled.class.getName(),
                url, tempDir.toString(), bob.device().hex())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .redirectOutput(output.toFile())
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (printed(output, "stored") < 300 && child.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        // SIGKILL on Linux: no shutdown hook, no clean close, likely mid-transaction, with the
        // batch after the last one reported already shown.
        child.destroyForcibly();
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        List<Long> reported = ids(output, "stored");
        List<Long> shown = ids(output, "shown");
        assertThat(reported).hasSizeGreaterThanOrEqualTo(300);

        ServerStores restarted = harness.restart();
        List<Long> pending = restarted.mailbox().pending(bob.device(), 0, 1_000_000).stream().map(Envelope::id).toList();
        assertThat(pending).containsAll(reported);
        MailboxUsage usage = restarted.mailbox().usage(bob.device());
        assertThat(usage.messages()).isEqualTo(pending.size());
        assertThat(usage.bytes()).isEqualTo(256L * pending.size());

        // Copies shown before their commit (pushed ahead of the fsync) that the kill lost: their ids
        // must never name another copy, or the recipient would drop that one as a copy it has.
        List<Long> lost = shown.stream().filter(id -> !pending.contains(id)).toList();
        List<Long> after = restarted.mailbox().enqueue(new Delivery(List.of(
                new NewEnvelope(bob.device(), ByteString.copyFrom(new byte[256]))))).stream().map(Envelope::id).toList();
        System.out.printf("mailbox crash test (%s): %d shown early, %d acknowledged, %d shown and lost, next id %d%n",
                backend, shown.size(), reported.size(), lost.size(), after.get(0));
        assertThat(shown).as("every acknowledged copy was shown first").containsAll(reported);
        assertThat(after.get(0)).isGreaterThan(Collections.max(shown));
    }
}
