package org.parley.server;

import com.google.protobuf.ByteString;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.parley.protocol.MailboxSeal;
import org.parley.protocol.v1.ApproveLink;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.Deliver;
import org.parley.protocol.v1.ErrorCode;
import org.parley.protocol.v1.Register;
import org.parley.protocol.v1.RequestLink;
import org.parley.protocol.v1.ServerFrame;
import org.parley.server.accounts.Username;
import org.parley.server.storage.Database;
import org.parley.server.testing.Backend;
import org.parley.server.testing.TestClient;

import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every device names a mailbox key, and every copy the server stores for it is sealed to that key
 * (org.parley.protocol.MailboxSeal). {@link TestClient} opens each Deliver with its device's key, so a
 * copy that was not sealed to the device shows up as {@link TestClient#NOT_SEALED_TO_THIS_DEVICE}.
 */
class MailboxKeysTest extends ServerTestBase {

    private static ClientFrame.Builder register(TestClient client, String username, ByteString mailboxKey) {
        return ClientFrame.newBuilder().setRegister(Register.newBuilder().setUsername(username)
                .setIdentityKey(ByteString.copyFrom(client.identityKey())).setSignature(ByteString.copyFrom(client.signChallenge()))
                .setMailboxKey(mailboxKey));
    }

    private static ClientFrame.Builder requestLink(TestClient client, ByteString mailboxKey) {
        return ClientFrame.newBuilder().setRequestLink(RequestLink.newBuilder()
                .setIdentityKey(ByteString.copyFrom(client.identityKey())).setSignature(ByteString.copyFrom(client.signChallenge()))
                .setProvisioningKey(ByteString.copyFrom(randomBytes(32))).setMailboxKey(mailboxKey));
    }

    private static List<ByteString> badKeys() {
        return List.of(ByteString.EMPTY, ByteString.copyFrom(randomBytes(31)), ByteString.copyFrom(randomBytes(33)),
                ByteString.copyFrom(new byte[32]), ByteString.copyFrom(randomBytes(4096)));
    }

    private static String text(Deliver deliver) {
        return deliver.getPayload().toStringUtf8();
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void aDeviceWithoutAValidMailboxKeyIsNotRegisteredNorLinked(Backend backend) throws Exception {
        start(backend);
        TestClient phone = registered("bob");
        for (ByteString bad : badKeys()) {
            TestClient newcomer = connect();
            ServerFrame refused = newcomer.request(register(newcomer, "carol", bad));
            assertThat(refused.getError().getCode()).as("%d bytes", bad.size()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
            assertThat(refused.getError().getMessage()).contains("mailbox_key");
            ServerFrame notLinked = newcomer.request(requestLink(newcomer, bad));
            assertThat(notLinked.getError().getCode()).as("%d bytes", bad.size()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        }
        assertThat(harness.store().accounts().findByUsername(Username.parse("carol"))).as("nothing was created").isEmpty();
        assertThat(harness.store().accounts().devices(harness.store().accounts().findByUsername(Username.parse("bob"))
                .orElseThrow().id())).hasSize(1);
        // A refused Authenticate key leaves the device's key as it was.
        TestClient again = connect();
        for (ByteString bad : badKeys().subList(1, badKeys().size())) {
            ServerFrame refused = again.request(authenticate(again, phone, bad));
            assertThat(refused.getError().getCode()).as("%d bytes", bad.size()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        }
        assertThat(harness.store().accounts().device(org.parley.server.accounts.DeviceId.of(phone.deviceId)).orElseThrow().mailboxKey())
                .isEqualTo(ByteString.copyFrom(phone.mailboxKey()));
    }

    private static ClientFrame.Builder authenticate(TestClient connection, TestClient device, ByteString mailboxKey) {
        return ClientFrame.newBuilder().setAuthenticate(org.parley.protocol.v1.Authenticate.newBuilder()
                .setAccountId(ByteString.copyFrom(device.accountId)).setDeviceId(ByteString.copyFrom(device.deviceId))
                .setSignature(ByteString.copyFrom(new byte[64])).setMailboxKey(mailboxKey));
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void eachDeviceGetsCopiesSealedToItsOwnKeyAndNoCopyIsStoredInClear(Backend backend) throws Exception {
        start(backend);
        TestClient alice = registered("alice");
        TestClient phone = registered("bob");
        TestClient laptop = connect();
        String code = laptop.request(requestLink(laptop, ByteString.copyFrom(laptop.mailboxKey()))).getLinkRequested().getCode();
        assertThat(phone.request(ClientFrame.newBuilder().setApproveLink(ApproveLink.newBuilder().setCode(code))).hasLinkApproved()).isTrue();
        ServerFrame linked = laptop.awaitFrame(ServerFrame::hasAuthenticated);
        laptop.accountId = linked.getAuthenticated().getAccountId().toByteArray();
        laptop.deviceId = linked.getAuthenticated().getDeviceId().toByteArray();
        laptop.awaitFrame(ServerFrame::hasMailboxDrained);

        phone.stopReading(); // the phone's copy stays in its mailbox, to be looked at
        assertThat(alice.request(send("to both devices".getBytes(StandardCharsets.UTF_8), recipient(phone, laptop)))
                .hasSendAccepted()).isTrue();
        assertThat(text(laptop.awaitFrame(ServerFrame::hasDeliver).getDeliver())).isEqualTo("to both devices");

        List<byte[]> stored = storedPayloads();
        assertThat(stored).hasSize(2);
        byte[] plain = "to both devices".getBytes(StandardCharsets.UTF_8);
        for (byte[] copy : stored) {
            assertThat(copy).hasSize(plain.length + MailboxSeal.OVERHEAD);
            assertThat(new String(copy, StandardCharsets.ISO_8859_1)).doesNotContain("both devices");
        }
        assertThat(PrivacyScanTest.sharedRun(stored.get(0), stored.get(1), 16)).as("the two copies share no 16 bytes").isFalse();
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void signingInWithANewMailboxKeySealsLaterMailToIt(Backend backend) throws Exception {
        start(backend);
        TestClient alice = registered("alice");
        TestClient bob = registered("bob");
        assertThat(alice.request(send("before".getBytes(StandardCharsets.UTF_8), recipient(bob))).hasSendAccepted()).isTrue();
        assertThat(text(bob.awaitFrame(ServerFrame::hasDeliver).getDeliver())).isEqualTo("before");
        bob.close(); // without acknowledging: the copy stays in the mailbox

        TestClient bobAgain = connect();
        byte[][] newKeys = MailboxSeal.generateKeyPair();
        assertThat(bobAgain.authenticateAs(bob, newKeys).hasAuthenticated()).isTrue();
        assertThat(alice.request(send("after".getBytes(StandardCharsets.UTF_8), recipient(bob))).hasSendAccepted()).isTrue();
        // A stored copy is never re-sealed: the device keeps its old key until it has fetched what waits.
        assertThat(text(bobAgain.awaitFrame(ServerFrame::hasDeliver).getDeliver())).startsWith(TestClient.NOT_SEALED_TO_THIS_DEVICE);
        assertThat(text(bobAgain.awaitFrame(ServerFrame::hasDeliver).getDeliver())).isEqualTo("after");
    }

    /** Every payload in the envelopes table. */
    private List<byte[]> storedPayloads() {
        try (Database database = Database.connect(harness.config().url())) {
            return database.read(connection -> {
                List<byte[]> payloads = new ArrayList<>();
                try (PreparedStatement select = connection.prepareStatement("SELECT payload FROM envelopes");
                     ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        payloads.add(rows.getBytes(1));
                    }
                }
                return payloads;
            });
        }
    }
}
