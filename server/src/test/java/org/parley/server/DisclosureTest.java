package org.parley.server;

import com.google.protobuf.ByteString;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.parley.protocol.v1.Ack;
import org.parley.protocol.v1.ApproveLink;
import org.parley.protocol.v1.ClaimKeyPackages;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.RequestAttachmentUpload;
import org.parley.protocol.v1.RequestLink;
import org.parley.protocol.v1.ServerFrame;
import org.parley.protocol.v1.SubmitCommit;
import org.parley.protocol.v1.UploadKeyPackages;
import org.parley.server.accounts.AccountRecord;
import org.parley.server.accounts.DeviceRecord;
import org.parley.server.accounts.Username;
import org.parley.server.admin.Disclosure;
import org.parley.server.testing.Backend;
import org.parley.server.testing.DatabaseDump;
import org.parley.server.testing.EpochKey;
import org.parley.server.testing.TestClient;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code parley admin disclose} against a full dump of the database after a busy scenario: every
 * row that names the account or one of its devices, in any column, is in the disclosure with every
 * column, and the disclosure holds no payload, no other account and no group.
 */
class DisclosureTest extends ServerTestBase {
    private static final List<String> PEOPLE = List.of("alice", "bob", "carol", "dave");

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void aDisclosureHoldsEveryRowAboutTheAccountAndNothingElse(Backend backend) throws Exception {
        start(backend);
        TestClient alice = registered("alice");
        TestClient bob = registered("bob");
        TestClient carol = registered("carol");
        TestClient dave = registered("dave");
        TestClient laptop = linked(alice);
        byte[] routingId = randomBytes(32);

        // Key packages: uploaded by bob and alice's laptop, claimed by alice and by carol.
        assertThat(bob.request(ClientFrame.newBuilder().setUploadKeyPackages(UploadKeyPackages.newBuilder()
                .addKeyPackages(ByteString.copyFrom(randomBytes(200))).addKeyPackages(ByteString.copyFrom(randomBytes(200)))
                .addKeyPackages(ByteString.copyFrom(randomBytes(200))).setLastResort(ByteString.copyFrom(randomBytes(200))))).hasOk())
                .isTrue();
        assertThat(laptop.request(ClientFrame.newBuilder().setUploadKeyPackages(UploadKeyPackages.newBuilder()
                .addKeyPackages(ByteString.copyFrom(randomBytes(200))))).hasOk()).isTrue();
        assertThat(alice.request(ClientFrame.newBuilder().setClaimKeyPackages(ClaimKeyPackages.newBuilder().setUsername("bob")))
                .hasClaimedKeyPackages()).isTrue();
        assertThat(carol.request(ClientFrame.newBuilder().setClaimKeyPackages(ClaimKeyPackages.newBuilder().setUsername("bob")))
                .hasClaimedKeyPackages()).isTrue();

        // A group of alice, bob and carol: a commit, then group and 1:1 messages; carol is away.
        carol.close();
        EpochKey epoch1 = EpochKey.random();
        ClientFrame.Builder commit = ClientFrame.newBuilder().setSubmitCommit(SubmitCommit.newBuilder()
                .setRoutingId(ByteString.copyFrom(routingId)).setEpoch(0).setNextEpochKey(epoch1.publicKey())
                .setSend(send(text("commit adding bob and carol"), recipient(bob), recipient(carol), recipient(laptop)).getSend()));
        assertThat(alice.request(commit).getCommitResult().getAccepted()).isTrue();
        for (int i = 0; i < 3; i++) {
            assertThat(alice.request(send(text("group message " + i), recipient(bob), recipient(carol), recipient(laptop)))
                    .hasSendAccepted()).isTrue();
        }
        assertThat(bob.request(send(text("just to alice"), recipient(alice, laptop))).hasSendAccepted()).isTrue();
        assertThat(dave.request(send(text("dave to carol"), recipient(carol))).hasSendAccepted()).isTrue();
        // Bob fetches and acknowledges his; alice's phone only fetches.
        List<Long> bobs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            bobs.add(bob.awaitFrame(ServerFrame::hasDeliver).getDeliver().getEnvelopeId());
        }
        assertThat(bob.request(ClientFrame.newBuilder().setAck(Ack.newBuilder().addAllEnvelopeIds(bobs))).hasOk()).isTrue();
        assertThat(alice.awaitFrame(ServerFrame::hasDeliver).getDeliver().getPayload().toStringUtf8()).isEqualTo("just to alice");

        String ticket = alice.request(ClientFrame.newBuilder().setRequestAttachmentUpload(RequestAttachmentUpload.getDefaultInstance()))
                .getAttachmentTicket().getTicket();
        HttpResponse<String> upload = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(baseUrl() + "/v1/attachments"))
                .header("Authorization", "Ticket " + ticket).POST(HttpRequest.BodyPublishers.ofByteArray(randomBytes(500))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(upload.statusCode()).isEqualTo(201);

        List<DatabaseDump.Row> dump = DatabaseDump.of(harness.config().url());
        assertThat(dump).as("the scenario left mail waiting").anyMatch(row -> row.table().equals("envelopes"));
        List<byte[]> payloads = dump.stream().filter(row -> row.table().equals("envelopes"))
                .map(row -> (byte[]) row.columns().get("payload")).toList();

        for (String person : PEOPLE) {
            Disclosure disclosure = harness.store().admin().disclose(Username.parse(person)).orElseThrow();
            List<byte[]> ids = idsOf(person);
            List<DatabaseDump.Row> about = dump.stream().filter(row -> row.columns().values().stream()
                    .anyMatch(value -> ids.stream().anyMatch(id -> DatabaseDump.holds(value, id)))).toList();
            assertThat(about).as("rows about %s", person).isNotEmpty();
            for (DatabaseDump.Row row : about) {
                assertThat(disclosed(disclosure, row)).as("%s's disclosure holds %s row %s", person, row.table(), row.columns()).isTrue();
            }
            int disclosedRows = disclosure.tables().stream().mapToInt(table -> table.rows().size()).sum();
            assertThat(disclosedRows).as("%s's disclosure holds only rows about %s", person, person).isEqualTo(about.size());

            String text = disclosure.text();
            String hex = text.toLowerCase();
            for (byte[] payload : payloads) {
                for (int i = 0; i + 16 <= payload.length; i += 8) {
                    assertThat(hex).as("a payload in %s's disclosure", person)
                            .doesNotContain(HexFormat.of().formatHex(payload, i, i + 16));
                }
            }
            assertThat(hex).as("the group in %s's disclosure", person).doesNotContain(HexFormat.of().formatHex(routingId));
            assertThat(text).doesNotContain("group message").doesNotContain("just to alice");
            for (String other : PEOPLE) {
                if (!other.equals(person)) {
                    for (byte[] id : idsOf(other)) {
                        assertThat(hex).as("%s's id in %s's disclosure", other, person).doesNotContain(HexFormat.of().formatHex(id));
                    }
                }
            }
        }
        Disclosure ofAlice = harness.store().admin().disclose(Username.parse("ALICE")).orElseThrow();
        assertThat(ofAlice.tables()).extracting(Disclosure.Table::name)
                .contains("accounts", "devices", "envelopes", "key_packages", "mailbox_usage");
        assertThat(ofAlice.text()).contains("access_key_hash = set (a hash of a secret; not shown)").contains("bytes, not shown");
        assertThat(harness.store().admin().disclose(Username.parse("nobody"))).isEmpty();
    }

    /** Whether the disclosure lists this dumped row, every column rendered as a disclosure renders it. */
    private static boolean disclosed(Disclosure disclosure, DatabaseDump.Row row) {
        List<String> rendered = new ArrayList<>();
        for (Map.Entry<String, Object> column : row.columns().entrySet()) {
            rendered.add(Disclosure.render(column.getKey(), column.getValue()));
        }
        return disclosure.tables().stream().anyMatch(table -> table.name().equals(row.table())
                && table.columns().equals(new ArrayList<>(row.columns().keySet())) && table.rows().contains(rendered));
    }

    /** The account id and device ids of a person, from the store. */
    private List<byte[]> idsOf(String person) {
        AccountRecord account = harness.store().accounts().findByUsername(Username.parse(person)).orElseThrow();
        List<byte[]> ids = new ArrayList<>();
        ids.add(account.id().bytes());
        for (DeviceRecord device : harness.store().accounts().devices(account.id())) {
            ids.add(device.id().bytes());
        }
        return ids;
    }

    private TestClient linked(TestClient approver) throws Exception {
        TestClient device = connect();
        String code = device.request(ClientFrame.newBuilder().setRequestLink(RequestLink.newBuilder()
                .setIdentityKey(ByteString.copyFrom(device.identityKey())).setSignature(ByteString.copyFrom(device.signChallenge()))
                .setProvisioningKey(ByteString.copyFrom(randomBytes(32))).setMailboxKey(ByteString.copyFrom(device.mailboxKey()))))
                .getLinkRequested().getCode();
        assertThat(approver.request(ClientFrame.newBuilder().setApproveLink(ApproveLink.newBuilder().setCode(code))).hasLinkApproved()).isTrue();
        ServerFrame pushed = device.awaitFrame(ServerFrame::hasAuthenticated);
        device.accountId = pushed.getAuthenticated().getAccountId().toByteArray();
        device.deviceId = pushed.getAuthenticated().getDeviceId().toByteArray();
        device.awaitFrame(ServerFrame::hasMailboxDrained);
        return device;
    }

    private static byte[] text(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
