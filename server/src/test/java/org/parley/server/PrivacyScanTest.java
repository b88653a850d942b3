package org.parley.server;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.parley.protocol.CommitAuthority;
import org.parley.protocol.MailboxSeal;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.RecipientAccount;
import org.parley.protocol.v1.Send;
import org.parley.protocol.v1.RequestAttachmentUpload;
import org.parley.protocol.v1.SubmitCommit;
import org.parley.protocol.v1.UploadKeyPackages;
import org.parley.server.testing.Backend;
import org.parley.server.testing.DatabaseDump;
import org.parley.server.testing.EpochKey;
import org.parley.server.testing.TestClient;
import org.slf4j.LoggerFactory;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A scripted conversation through the real server (register, link-free chat, a group commit,
 * a sealed send, key packages, an attachment), then a scan of everything the server wrote: the
 * SQLite file, its WAL, the attachment folder and the log. No plaintext, no SQLite page holding
 * both a username and the group id, no IP address.
 */
class PrivacyScanTest extends ServerTestBase {
    private static final Pattern IPV4 = Pattern.compile("(?<![0-9.])\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}(?![0-9.])");
    private static final String PLAINTEXT = "meet me at the old mill at noon";
    private static final int SQLITE_PAGE = 4096;

    @Test
    void aConversationLeavesNoPlaintextNoLinkAndNoAddress() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);
        try {
            start(Backend.SQLITE);
            byte[] accessKey = randomBytes(32);
            TestClient alice = registered("alice_canary");
            TestClient bob = registered("bob_canary", accessKey);
            byte[] key = randomBytes(16);
            group = randomBytes(16);

            assertThat(bob.request(ClientFrame.newBuilder().setUploadKeyPackages(UploadKeyPackages.newBuilder()
                    .addKeyPackages(ByteString.copyFrom(randomBytes(300))))).hasOk()).isTrue();
            ClientFrame.Builder commit = ClientFrame.newBuilder().setSubmitCommit(SubmitCommit.newBuilder()
                    .setRoutingId(ByteString.copyFrom(group)).setEpoch(0).setNextEpochKey(EpochKey.random().publicKey())
                    .setSend(send(encrypt(key, PLAINTEXT + " (commit)"), recipient(bob)).getSend()));
            assertThat(alice.request(commit).getCommitResult().getAccepted()).isTrue();
            bob.close(); // the rest waits in Bob's mailbox, on disk
            for (int i = 0; i < 20; i++) {
                assertThat(alice.request(send(encrypt(key, PLAINTEXT + " #" + i), recipient(bob))).hasSendAccepted()).isTrue();
            }
            ClientFrame.Builder sealedSend = sealed(send(encrypt(key, PLAINTEXT + " (sealed)"),
                    recipient(bob).setAccessKey(ByteString.copyFrom(accessKey))), sendToken(alice));
            assertThat(anonymous().request(sealedSend).hasSendAccepted()).isTrue();
            String ticket = alice.request(ClientFrame.newBuilder().setRequestAttachmentUpload(RequestAttachmentUpload.getDefaultInstance()))
                    .getAttachmentTicket().getTicket();
            HttpResponse<String> upload = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(baseUrl() + "/v1/attachments"))
                    .header("Authorization", "Ticket " + ticket)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(encrypt(key, PLAINTEXT + " (photo)"))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(upload.statusCode()).isEqualTo(201);
        } finally {
            root.detachAppender(logs);
        }
        server.close();
        server = null;
        harness.restart(); // closing the last connection checkpoints the WAL into the database file

        List<Path> files;
        try (Stream<Path> walk = Files.walk(tempDir)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        assertThat(files).anyMatch(f -> f.getFileName().toString().equals("parley.db"));
        for (Path file : files) {
            byte[] bytes = Files.readAllBytes(file);
            String text = new String(bytes, StandardCharsets.ISO_8859_1);
            assertThat(text).as("plaintext in %s", file).doesNotContain("old mill");
            assertThat(IPV4.matcher(text).find()).as("an IPv4 address in %s", file).isFalse();
        }
        Path database = files.stream().filter(f -> f.getFileName().toString().equals("parley.db")).findFirst().orElseThrow();
        byte[] databaseBytes = Files.readAllBytes(database);
        assertThat(new String(databaseBytes, StandardCharsets.ISO_8859_1)).as("the scan looks at the right file")
                .contains(new String(group, StandardCharsets.ISO_8859_1)).contains("alice_canary");
        assertNoPageHoldsBoth(databaseBytes, "alice_canary", "bob_canary");

        List<String> messages = new ArrayList<>();
        logs.list.forEach(event -> {
            messages.add(event.getFormattedMessage());
            if (event.getThrowableProxy() != null) {
                messages.add(ThrowableProxyUtil.asString(event.getThrowableProxy()));
            }
        });
        assertThat(messages).filteredOn(m -> !m.startsWith("listening on "))
                .noneMatch(m -> IPV4.matcher(m).find()).noneMatch(m -> m.contains("old mill"));
    }

    /**
     * A group of six through the real server: two commits, then group and 1:1 messages whose
     * payloads carry the MLS group id in clear (as MLS framing does), stored for five offline
     * recipients. The database, the logs and the metrics then hold no sender, no two copies with 16
     * bytes in common (so no dump shows who got the same message), no MLS group id, no time finer
     * than the hour in the mailbox, and no IP address.
     */
    @ParameterizedTest
    @MethodSource(BACKENDS)
    void aGroupLeavesNoSenderNoSharedCopyNoGroupIdNoFineTimeAndNoAddress(Backend backend) throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);
        byte[] mlsGroupId = randomBytes(32);
        byte[] routingId = CommitAuthority.routingId(mlsGroupId);
        List<TestClient> members = new ArrayList<>();
        TestClient alice;
        String metrics;
        try {
            start(backend);
            alice = registered("alice");
            for (int i = 0; i < 5; i++) {
                members.add(registered("member" + i));
            }
            RecipientAccount.Builder[] everyone = members.stream().map(ServerTestBase::recipient).toArray(RecipientAccount.Builder[]::new);
            members.forEach(TestClient::close); // all copies stay in the mailboxes
            EpochKey epoch1 = EpochKey.random();
            EpochKey epoch2 = EpochKey.random();
            Send first = send(framed(mlsGroupId, "commit 0"), everyone).getSend();
            assertThat(alice.request(ClientFrame.newBuilder().setSubmitCommit(SubmitCommit.newBuilder()
                    .setRoutingId(ByteString.copyFrom(routingId)).setEpoch(0).setNextEpochKey(epoch1.publicKey()).setSend(first)))
                    .getCommitResult().getAccepted()).isTrue();
            Send second = send(framed(mlsGroupId, "commit 1"), everyone).getSend();
            byte[] signed = EpochKey.signedContent(routingId, 1, second.getPayload().toByteArray(), new byte[0], epoch2);
            assertThat(alice.request(ClientFrame.newBuilder().setSubmitCommit(SubmitCommit.newBuilder()
                    .setRoutingId(ByteString.copyFrom(routingId)).setEpoch(1).setNextEpochKey(epoch2.publicKey()).setSend(second)
                    .setSignature(epoch1.sign(signed)))).getCommitResult().getAccepted()).isTrue();
            for (int i = 0; i < 4; i++) {
                assertThat(alice.request(send(framed(mlsGroupId, "group message " + i), everyone)).hasSendAccepted()).isTrue();
            }
            assertThat(alice.request(send(framed(mlsGroupId, "just to member0"), everyone[0])).hasSendAccepted()).isTrue();
            metrics = server.metrics().render();
        } finally {
            root.detachAppender(logs);
        }

        List<DatabaseDump.Row> dump = DatabaseDump.of(harness.config().url());
        List<DatabaseDump.Row> envelopes = dump.stream().filter(row -> row.table().equals("envelopes")).toList();
        assertThat(envelopes).as("2 commits and 4 group messages to 5, and one 1:1").hasSize(6 * 5 + 1);
        assertThat(envelopes.get(0).columns().keySet()).as("a copy keeps no sender and no finer time")
                .containsExactlyInAnyOrder("recipient_device", "seq", "payload", "arrival_hour");
        long hour = harness.clock.millis() / 3_600_000;
        for (DatabaseDump.Row row : envelopes) {
            assertThat(((Number) row.columns().get("arrival_hour")).longValue()).isEqualTo(hour);
        }
        // No sender: alice's ids are in her own rows only, never in a row about mail or groups.
        List<byte[]> aliceIds = List.of(alice.accountId, alice.deviceId);
        assertThat(dump).filteredOn(row -> row.columns().values().stream()
                        .anyMatch(value -> aliceIds.stream().anyMatch(id -> DatabaseDump.holds(value, id))))
                .extracting(DatabaseDump.Row::table).containsOnly("accounts", "devices", "mailbox_usage");
        // No two copies for different devices share 16 bytes, though 31 copies were made of 7 payloads. Copies for one
        // device (in its rows already) share the encapsulated key of their sealing window (MailboxSeal.Window), nothing else.
        List<byte[]> payloads = envelopes.stream().map(row -> (byte[]) row.columns().get("payload")).toList();
        List<ByteString> devices = envelopes.stream().map(row -> ByteString.copyFrom((byte[]) row.columns().get("recipient_device"))).toList();
        for (int a = 0; a < payloads.size(); a++) {
            for (int b = a + 1; b < payloads.size(); b++) {
                int from = devices.get(a).equals(devices.get(b)) ? MailboxSeal.KEY_BYTES : 0;
                assertThat(sharedRun(Arrays.copyOfRange(payloads.get(a), from, payloads.get(a).length),
                        Arrays.copyOfRange(payloads.get(b), from, payloads.get(b).length), 16)).as("copies %d and %d share 16 bytes", a, b).isFalse();
            }
        }
        for (DatabaseDump.Row row : dump) {
            for (Object value : row.columns().values()) {
                assertThat(DatabaseDump.holds(value, mlsGroupId)).as("the MLS group id in %s", row.table()).isFalse();
                assertThat(DatabaseDump.holds(value, "group message".getBytes(StandardCharsets.UTF_8))).isFalse();
                assertThat(value instanceof String text && IPV4.matcher(text).find()).as("an address in %s", row.table()).isFalse();
                assertThat(DatabaseDump.holds(value, new byte[] {127, 0, 0, 1})).as("an address in %s", row.table()).isFalse();
            }
        }
        assertThat(dump).as("the group is kept by its routing id").anyMatch(row -> row.table().equals("routing_groups")
                && DatabaseDump.holds(row.columns().get("routing_id"), routingId));
        assertThat(IPV4.matcher(metrics).find()).as("an address in /metrics").isFalse();
        assertThat(metrics).doesNotContain(HexFormat.of().formatHex(alice.deviceId)).doesNotContain(HexFormat.of().formatHex(routingId));
        List<String> messages = new ArrayList<>();
        logs.list.forEach(event -> messages.add(event.getFormattedMessage()));
        assertThat(messages).filteredOn(m -> !m.startsWith("listening on "))
                .noneMatch(m -> IPV4.matcher(m).find()).noneMatch(m -> m.contains(HexFormat.of().formatHex(routingId)));
    }

    /** A payload as MLS frames one: the group id in clear, then ciphertext. */
    private static byte[] framed(byte[] mlsGroupId, String text) {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[mlsGroupId.length + body.length];
        System.arraycopy(mlsGroupId, 0, out, 0, mlsGroupId.length);
        System.arraycopy(body, 0, out, mlsGroupId.length, body.length);
        return out;
    }

    /** SQLite keeps rows of different tables on different pages: a page with a username and a group id would link them. */
    private void assertNoPageHoldsBoth(byte[] database, String... usernames) {
        for (int page = 0; page * SQLITE_PAGE < database.length; page++) {
            String content = new String(database, page * SQLITE_PAGE, Math.min(SQLITE_PAGE, database.length - page * SQLITE_PAGE),
                    StandardCharsets.ISO_8859_1);
            boolean hasUsername = false;
            for (String username : usernames) {
                hasUsername |= content.contains(username);
            }
            boolean hasGroup = content.contains(new String(group, StandardCharsets.ISO_8859_1));
            assertThat(hasUsername && hasGroup).as("page %d links a username to the group id", page).isFalse();
        }
    }

    private byte[] group;

    /** Whether {@code a} and {@code b} have a run of {@code length} equal bytes in common. */
    static boolean sharedRun(byte[] a, byte[] b, int length) {
        java.util.Set<ByteString> runs = new java.util.HashSet<>();
        for (int i = 0; i + length <= a.length; i++) {
            runs.add(ByteString.copyFrom(a, i, length));
        }
        for (int i = 0; i + length <= b.length; i++) {
            if (runs.contains(ByteString.copyFrom(b, i, length))) {
                return true;
            }
        }
        return false;
    }

    private byte[] encrypt(byte[] key, String plaintext) throws Exception {
        byte[] nonce = randomBytes(12);
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
        byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
        byte[] out = new byte[nonce.length + sealed.length];
        System.arraycopy(nonce, 0, out, 0, nonce.length);
        System.arraycopy(sealed, 0, out, nonce.length, sealed.length);
        return out;
    }
}
