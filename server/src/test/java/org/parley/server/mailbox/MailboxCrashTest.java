package org.parley.server.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.parley.server.ServerStores;
import org.parley.server.accounts.Registration;
import org.parley.server.testing.Backend;
import org.parley.server.testing.StoreContract;

/** Kills (SIGKILL) a process in the middle of enqueueing: everything it reported stored is there. */
class MailboxCrashTest extends StoreContract {

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void acknowledgedMailSurvivesKillMinusNine(Backend backend) throws Exception {
        ServerStores store = open(backend);
        Registration bob = register(store, "bob");
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String url = harness.config().url().dialect() == org.parley.server.storage.Dialect.SQLITE
                ? "sqlite:" + harness.config().url().sqliteFile()
                : harness.config().url().jdbcUrl();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), EnqueueUntilKilled.class.getName(),
                url, tempDir.toString(), bob.device().hex())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        List<Long> reported = new ArrayList<>();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while (reported.size() < 300 && (line = lines.readLine()) != null) {
                reported.add(Long.parseLong(line.substring("stored ".length())));
            }
            // SIGKILL on Linux: no shutdown hook, no clean close, likely mid-transaction. Java
            // closes the pipe too, so exactly the ids read so far count as acknowledged.
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(reported).hasSizeGreaterThanOrEqualTo(300);

        ServerStores restarted = harness.restart();
        List<Long> pending = restarted.mailbox().pending(bob.device(), 0, 1_000_000).stream().map(Envelope::id).toList();
        assertThat(pending).containsAll(reported);
        MailboxUsage usage = restarted.mailbox().usage(bob.device());
        assertThat(usage.messages()).isEqualTo(pending.size());
        assertThat(usage.bytes()).isEqualTo(256L * pending.size());
    }
}
