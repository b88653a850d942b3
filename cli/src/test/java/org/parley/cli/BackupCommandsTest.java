package org.parley.cli;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.Deliver;
import org.parley.protocol.v1.RecipientAccount;
import org.parley.protocol.v1.Send;
import org.parley.protocol.v1.ServerFrame;
import org.parley.server.testing.Backend;
import org.parley.server.testing.StoreHarness;
import org.parley.server.testing.TestClient;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.cli.MainTest.parley;

/**
 * {@code parley admin backup} of a running {@code parley server} while a client keeps sending, then
 * {@code parley admin restore} into a new folder and a server started on it: every message
 * acknowledged before the backup began is delivered. And the refusals an operator meets.
 */
class BackupCommandsTest {
    private static final int ACKNOWLEDGED_BEFORE = 300;

    @TempDir
    Path tempDir;
    private ServersAndClients running;

    @BeforeEach
    void prepare() {
        running = new ServersAndClients(tempDir);
    }

    @AfterEach
    void cleanUp() {
        running.close();
    }

    @Test
    void aBackupTakenWhileClientsSendRestoresEveryAcknowledgedMessage() throws Exception {
        Path data = tempDir.resolve("server-data");
        ServerProcess server = start(data);
        TestClient alice = connect(server.port);
        assertThat(alice.register("alice", null, null).hasAuthenticated()).isTrue();
        TestClient bob = connect(server.port);
        assertThat(bob.register("bob", null, null).hasAuthenticated()).isTrue();
        bob.close();

        SecureRandom random = new SecureRandom();
        Set<String> acknowledged = new HashSet<>();
        for (int i = 0; i < ACKNOWLEDGED_BEFORE; i++) {
            alice.send(sendTo(bob, randomId(random)).setRequestId(1_000_000 + i).build());
        }
        while (acknowledged.size() < ACKNOWLEDGED_BEFORE) {
            ServerFrame answer = alice.awaitFrame(f -> f.hasSendAccepted() || f.hasError());
            assertThat(answer.hasError()).as("%s", answer).isFalse();
            acknowledged.add(HexFormat.of().formatHex(answer.getSendAccepted().getMessageId().toByteArray()));
        }
        // Through the whole backup, alice sends one message after another, each once the last is acknowledged.
        AtomicBoolean backingUp = new AtomicBoolean(true);
        Set<String> sentDuring = java.util.concurrent.ConcurrentHashMap.newKeySet();
        AtomicInteger acknowledgedDuring = new AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<Throwable> senderFailure = new java.util.concurrent.atomic.AtomicReference<>();
        Thread sender = new Thread(() -> {
            try {
                // At most 9,000: the recipient's mailbox holds 10,000.
                for (int i = 0; backingUp.get() && i < 9_000; i++) {
                    byte[] id = randomId(random);
                    sentDuring.add(HexFormat.of().formatHex(id));
                    if (alice.request(sendTo(bob, id)).hasSendAccepted()) {
                        acknowledgedDuring.incrementAndGet();
                    }
                }
            } catch (Exception | AssertionError e) {
                senderFailure.set(e);
            }
        });
        sender.start();
        Path passphrase = Files.writeString(tempDir.resolve("passphrase"), "a long backup passphrase\n");
        Path backup = tempDir.resolve("parley.backup");
        MainTest.Result made;
        try {
            made = parley("admin", "backup", backup.toString(), "--data", data.toString(), "--passphrase-file", passphrase.toString());
        } finally {
            backingUp.set(false);
            sender.join();
        }
        assertThat(made.code()).as(made.err()).isZero();
        assertThat(made.out()).contains("Backed up the database, the server key and 0 attachments to " + backup);
        assertThat(senderFailure.get()).isNull();
        assertThat(acknowledgedDuring.get()).as("the server went on acknowledging while the backup ran").isPositive();
        server.close();
        assertThat(server.process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

        Path restored = tempDir.resolve("restored");
        MainTest.Result restore = parley("admin", "restore", backup.toString(), "--data", restored.toString(),
                "--passphrase-file", passphrase.toString());
        assertThat(restore.code()).as(restore.err()).isZero();
        assertThat(restore.out()).contains("Restored the database, the server key and 0 attachments into " + restored);
        assertThat(Files.readAllBytes(restored.resolve("server-key"))).isEqualTo(Files.readAllBytes(data.resolve("server-key")));

        ServerProcess again = start(restored);
        TestClient bobAgain = connect(again.port);
        assertThat(bobAgain.authenticateAs(bob).hasAuthenticated()).isTrue();
        Set<String> delivered = new HashSet<>();
        for (Deliver copy : bobAgain.drainMailbox()) {
            delivered.add(HexFormat.of().formatHex(copy.getPayload().substring(0, 16).toByteArray()));
        }
        System.out.printf("backup under load: %d acknowledged before, %d acknowledged during, %d delivered from the restored folder%n",
                acknowledged.size(), acknowledgedDuring.get(), delivered.size());
        assertThat(delivered).containsAll(acknowledged);
        Set<String> sent = new HashSet<>(acknowledged);
        sent.addAll(sentDuring);
        assertThat(sent).as("nothing that was never sent").containsAll(delivered);
    }

    @Test
    void aWrongPassphraseOrANonEmptyFolderIsOneLineAndWritesNothing() throws Exception {
        Path data = tempDir.resolve("server-data");
        ServerProcess server = start(data);
        server.close();
        Path passphrase = Files.writeString(tempDir.resolve("passphrase"), "right\n");
        Path backup = tempDir.resolve("b");
        assertThat(parley("admin", "backup", backup.toString(), "--data", data.toString(), "--passphrase-file", passphrase.toString()).code())
                .isZero();

        Path wrong = Files.writeString(tempDir.resolve("wrong"), "wrong\n");
        Path target = tempDir.resolve("restored");
        MainTest.Result refused = parley("admin", "restore", backup.toString(), "--data", target.toString(), "--passphrase-file", wrong.toString());
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.err()).isEqualTo("parley: wrong passphrase for this backup (or its header is damaged)" + System.lineSeparator());
        assertThat(target).doesNotExist();

        byte[] bytes = Files.readAllBytes(backup);
        bytes[bytes.length / 2] ^= 0x40;
        Path damaged = Files.write(tempDir.resolve("damaged"), bytes);
        MainTest.Result damagedResult = parley("admin", "restore", damaged.toString(), "--data", target.toString(),
                "--passphrase-file", passphrase.toString());
        assertThat(damagedResult.code()).isEqualTo(1);
        assertThat(damagedResult.err()).startsWith("parley: the backup file is damaged or truncated").hasLineCount(1);
        assertThat(target).doesNotExist();

        MainTest.Result occupied = parley("admin", "restore", backup.toString(), "--data", data.toString(), "--passphrase-file", passphrase.toString());
        assertThat(occupied.code()).isEqualTo(1);
        assertThat(occupied.err()).contains("is not an empty folder").hasLineCount(1);

        MainTest.Result again = parley("admin", "backup", backup.toString(), "--data", data.toString(), "--passphrase-file", passphrase.toString());
        assertThat(again.err()).contains("exists already").hasLineCount(1);
        MainTest.Result noPassphrase = parley("admin", "backup", tempDir.resolve("c").toString(), "--data", data.toString());
        assertThat(noPassphrase.code()).isEqualTo(1);
        assertThat(noPassphrase.err()).contains("--passphrase-file");
    }

    @Test
    void aPostgresqlServerGetsItsPgDumpCommandAndAnAttachmentsBackup() throws Exception {
        try (StoreHarness harness = StoreHarness.open(Backend.POSTGRESQL, tempDir)) {
            Path passphrase = Files.writeString(tempDir.resolve("passphrase"), "right\n");
            Path backup = tempDir.resolve("b");
            MainTest.Result made = parley("admin", "backup", backup.toString(), "--data", tempDir.toString(),
                    "--db", harness.config().url().jdbcUrl(), "--passphrase-file", passphrase.toString());
            assertThat(made.code()).as(made.err()).isZero();
            assertThat(made.out()).contains("save it with", "pg_dump --format=custom --host=127.0.0.1", "--file=" + backup + ".pgdump")
                    .contains("attachments included", "Backed up 0 attachments");
            MainTest.Result restored = parley("admin", "restore", backup.toString(), "--data", tempDir.resolve("r").toString(),
                    "--passphrase-file", passphrase.toString());
            assertThat(restored.out()).contains("pg_restore");
        }
    }

    private static byte[] randomId(SecureRandom random) {
        byte[] id = new byte[16];
        random.nextBytes(id);
        return id;
    }

    /** A send whose deduplication id also opens its (here unencrypted) payload. */
    private static ClientFrame.Builder sendTo(TestClient recipient, byte[] messageId) {
        byte[] payload = new byte[64];
        System.arraycopy(messageId, 0, payload, 0, 16);
        return ClientFrame.newBuilder().setSend(Send.newBuilder()
                .setMessageId(ByteString.copyFrom(messageId)).setPayload(ByteString.copyFrom(payload))
                .addRecipients(RecipientAccount.newBuilder().setAccountId(ByteString.copyFrom(recipient.accountId))
                        .addDeviceIds(ByteString.copyFrom(recipient.deviceId))));
    }

    private ServerProcess start(Path data) throws Exception {
        return running.start(data, "sqlite:" + data.resolve("parley.db"));
    }

    private TestClient connect(int port) throws Exception {
        return running.connect(port);
    }
}
