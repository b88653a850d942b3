package org.parley.server;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.parley.protocol.v1.ApproveLink;
import org.parley.protocol.v1.CallToken;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.ErrorCode;
import org.parley.protocol.v1.InspectLink;
import org.parley.protocol.v1.JoinCallOverWebSocket;
import org.parley.protocol.v1.RequestAttachmentUpload;
import org.parley.protocol.v1.RequestCallToken;
import org.parley.protocol.v1.RequestLink;
import org.parley.protocol.v1.ServerFrame;
import org.parley.server.accounts.AccountId;
import org.parley.server.testing.Backend;
import org.parley.server.testing.DatabaseDump;
import org.parley.server.testing.TestClient;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two server nodes in one JVM over one PostgreSQL schema, as several machines behind a load
 * balancer run: whatever one node hands out (an upload ticket, a link code, a call token, an
 * attachment) works on the other, and limits count both nodes' requests together. Skipped
 * (visibly) without {@code PARLEY_TEST_POSTGRES}.
 */
class SharedStateTest extends ServerTestBase {
    private static final ByteString PROVISIONING = ByteString.copyFrom(randomBytes(300));
    private ParleyServer nodeB;
    private ServerStores storeB;
    private final List<TestClient> clientsOfB = new ArrayList<>();
    private final List<Socket> sockets = new ArrayList<>();

    /** Node A is {@link #server}; node B shares its database and configuration. */
    private void startTwoNodes(UnaryOperator<ServerConfig> config, UnaryOperator<StoreConfig> store) throws Exception {
        start(Backend.POSTGRESQL, config, store);
        storeB = harness.openAnother();
        nodeB = ParleyServer.start(config.apply(testConfig()), storeB);
    }

    private void startTwoNodes() throws Exception {
        startTwoNodes(UnaryOperator.identity(), UnaryOperator.identity());
    }

    private TestClient connectToB() throws Exception {
        TestClient client = TestClient.connect(nodeB.address().getPort());
        clientsOfB.add(client);
        return client;
    }

    @AfterEach
    void stopNodeB() throws IOException {
        for (Socket socket : sockets) {
            socket.close();
        }
        clientsOfB.forEach(TestClient::close);
        if (nodeB != null) {
            nodeB.close();
        }
        if (storeB != null) {
            storeB.close();
        }
    }

    @Test
    void anAttachmentUploadedWithATicketFromAIsStoredThroughBAndDownloadedFromA() throws Exception {
        startTwoNodes();
        TestClient alice = registered("alice");
        String ticket = ticket(alice);
        // Several stored chunks, the last one partial.
        byte[] blob = randomBytes(2 * org.parley.server.attachments.PostgresAttachmentStore.CHUNK_BYTES + 12_345);
        HttpResponse<String> stored = upload(nodeB, ticket, blob);
        assertThat(stored.statusCode()).as(stored.body()).isEqualTo(201);
        String id = stored.body().strip();

        HttpResponse<byte[]> fetched = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(baseUrl() + "/v1/attachments/" + id)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(fetched.statusCode()).isEqualTo(200);
        assertThat(fetched.body()).isEqualTo(blob);
        assertThat(upload(server, ticket, randomBytes(10)).statusCode()).as("a ticket is used once, on any node").isEqualTo(401);
        assertThat(upload(nodeB, "not-a-ticket", randomBytes(10)).statusCode()).isEqualTo(401);
        assertThat(upload(nodeB, "00".repeat(16), randomBytes(10)).statusCode()).isEqualTo(401);
        // No node's disk holds it.
        assertThat(Files.exists(harness.config().attachmentDirectory())).isFalse();

        // Expiry deletes the row and the chunks alike.
        assertThat(upload(server, ticket(alice), randomBytes(1)).statusCode()).isEqualTo(201);
        harness.clock.advance(Duration.ofDays(harness.config().retentionDays() + 1));
        assertThat(harness.store().attachments().deleteExpired(harness.config().retentionDays())).isEqualTo(2);
        assertThat(rows("attachment_chunks")).isEmpty();
    }

    @Test
    void anUploadOverTheSizeLimitOrTooSlowIsCutOffOnTheOtherNodeAndLeavesNothing() throws Exception {
        startTwoNodes(config -> config.withQuotas(new ServerConfig.Quotas(1000, 1000, 1024, 10, Duration.ofSeconds(2))),
                store -> store.withAttachmentMaxBytes(300_000));
        TestClient alice = registered("alice");
        HttpResponse<String> declared = upload(nodeB, ticket(alice), randomBytes(300_001));
        assertThat(declared.statusCode()).isEqualTo(413);
        HttpResponse<String> streamed = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url(nodeB) + "/v1/attachments"))
                .header("Authorization", "Ticket " + ticket(alice))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(randomBytes(700_000)))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(streamed.statusCode()).as("cut where the limit ends, after a chunk was stored").isEqualTo(413);

        Socket slow = new Socket(InetAddress.getLoopbackAddress(), nodeB.address().getPort());
        sockets.add(slow);
        slow.setSoTimeout(20_000);
        OutputStream out = slow.getOutputStream();
        out.write(("POST /v1/attachments HTTP/1.1\r\nHost: x\r\nAuthorization: Ticket " + ticket(alice)
                + "\r\nContent-Length: 290000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(randomBytes(280_000)); // more than a chunk, then silence
        out.flush();
        String answer = new String(slow.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertThat(answer).startsWith("HTTP/1.1 408");

        awaitNoChunks();
        assertThat(harness.store().admin().stats().attachments()).isZero();
        assertThat(ticket(alice)).as("every refusal gave its slot back").isNotEmpty();
    }

    @Test
    void openTicketsAndTheDailyQuotaCountBothNodes() throws Exception {
        startTwoNodes(config -> config.withQuotas(new ServerConfig.Quotas(1000, 1000, 1, 2, Duration.ofMinutes(1))),
                UnaryOperator.identity());
        TestClient aliceOnA = registered("alice");
        TestClient aliceOnB = connectToB();
        assertThat(aliceOnB.authenticateAs(aliceOnA).hasAuthenticated()).isTrue();
        String first = ticket(aliceOnA);
        ticket(aliceOnB);
        ServerFrame third = aliceOnA.request(requestUpload());
        assertThat(third.getError().getCode()).isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(third.getError().getMessage()).contains("too many unfinished attachment uploads");

        assertThat(upload(nodeB, first, randomBytes(700_000)).statusCode()).isEqualTo(201);
        ServerFrame rest = aliceOnB.request(requestUpload());
        assertThat(rest.getAttachmentTicket().getMaxBytes()).as("the quota A's upload used, counted on B").isEqualTo(1024 * 1024 - 700_000);
        assertThat(upload(server, rest.getAttachmentTicket().getTicket(), randomBytes(400_000)).statusCode()).isEqualTo(429);
    }

    @Test
    void registrationsFromOneNetworkAreLimitedAcrossNodesAndNoAddressIsStored() throws Exception {
        startTwoNodes(config -> config.withLimits(config.limits().withRegistrationsPerHour(3)), UnaryOperator.identity());
        assertThat(connect().register("user1", randomBytes(32), null).hasAuthenticated()).isTrue();
        assertThat(connectToB().register("user2", randomBytes(32), null).hasAuthenticated()).isTrue();
        assertThat(connect().register("user3", randomBytes(32), null).hasAuthenticated()).isTrue();
        ServerFrame refused = connectToB().register("user4", randomBytes(32), null);
        assertThat(refused.getError().getCode()).isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(Duration.ofMillis(refused.getError().getRetryAfterMs())).isBetween(Duration.ofMinutes(1), Duration.ofMinutes(21));
        assertThat(connect().register("user5", randomBytes(32), null).getError().getCode()).isEqualTo(ErrorCode.RATE_LIMITED);

        // The buckets hold keyed hashes: neither the address (127.0.0.1) nor its network key is in the database.
        List<DatabaseDump.Row> buckets = rows("rate_buckets");
        assertThat(buckets).isNotEmpty();
        byte[] address = InetAddress.getLoopbackAddress().getAddress();
        byte[] networkKey = org.parley.server.ratelimit.Network.of(InetAddress.getLoopbackAddress()).bytes();
        for (DatabaseDump.Row row : DatabaseDump.of(harness.config().url())) {
            for (Object value : row.columns().values()) {
                assertThat(DatabaseDump.holds(value, address) || DatabaseDump.holds(value, networkKey)).as("%s", row.table()).isFalse();
            }
        }
    }

    @Test
    void aDeviceWaitingOnAIsApprovedOnBAndSignedInOnA() throws Exception {
        startTwoNodes();
        TestClient phone = registered("bob");
        TestClient phoneOnB = connectToB();
        assertThat(phoneOnB.authenticateAs(phone).hasAuthenticated()).isTrue();
        TestClient laptop = connect();
        String code = laptop.request(requestLink(laptop)).getLinkRequested().getCode();

        ServerFrame inspected = phoneOnB.request(ClientFrame.newBuilder().setInspectLink(InspectLink.newBuilder().setCode(code)));
        assertThat(inspected.getLinkPending().getIdentityKey().toByteArray()).isEqualTo(laptop.identityKey());
        ServerFrame approved = phoneOnB.request(approve(code));
        assertThat(approved.hasLinkApproved()).as("%s", approved).isTrue();
        ServerFrame signedIn = laptop.awaitFrame(ServerFrame::hasAuthenticated);
        assertThat(signedIn.getAuthenticated().getAccountId().toByteArray()).isEqualTo(phone.accountId);
        assertThat(signedIn.getAuthenticated().getDeviceId()).isEqualTo(approved.getLinkApproved().getDeviceId());
        assertThat(signedIn.getAuthenticated().getUsername()).isEqualTo("bob");
        assertThat(signedIn.getAuthenticated().getProvisioning()).isEqualTo(PROVISIONING);
        assertThat(harness.store().accounts().devices(AccountId.of(phone.accountId))).hasSize(2);

        assertThat(phone.request(approve(code)).getError().getCode()).as("a code works once, on any node").isEqualTo(ErrorCode.ACCESS_DENIED);
        awaitNoRows("pending_links");

        // A device that went away before its approval is not approved on the other node.
        TestClient leaving = connect();
        String gone = leaving.request(requestLink(leaving)).getLinkRequested().getCode();
        leaving.close();
        long deadline = System.nanoTime() + TestClient.WAIT.toNanos();
        while (!rows("pending_links").isEmpty()) {
            server.forgetIdleLimitsNow(); // the sweep in which a node withdraws the requests of its devices that left
            assertThat(System.nanoTime()).as("the left device's request is withdrawn").isLessThan(deadline);
            Thread.sleep(50);
        }
        assertThat(phoneOnB.request(approve(gone)).getError().getCode()).isEqualTo(ErrorCode.ACCESS_DENIED);
        assertThat(harness.store().accounts().devices(AccountId.of(phone.accountId))).hasSize(2);
    }

    @Test
    void aCallTokenIssuedByAIsAcceptedByTheRelayOfB() throws Exception {
        startTwoNodes();
        TestClient alice = registered("alice");
        ByteString callId = ByteString.copyFrom(randomBytes(16));
        CallToken token = alice.request(ClientFrame.newBuilder().setRequestCallToken(RequestCallToken.newBuilder().setCallId(callId)))
                .getCallToken();
        TestClient aliceOnB = connectToB();
        assertThat(aliceOnB.authenticateAs(alice).hasAuthenticated()).isTrue();
        ServerFrame joined = aliceOnB.request(ClientFrame.newBuilder().setJoinCallOverWebSocket(
                JoinCallOverWebSocket.newBuilder().setToken(token.getToken())));
        assertThat(joined.hasCallJoined()).as("%s", joined).isTrue();

    }

    private void awaitNoChunks() throws Exception {
        awaitNoRows("attachment_chunks");
    }

    private void awaitNoRows(String table) throws Exception {
        long deadline = System.nanoTime() + TestClient.WAIT.toNanos();
        while (!rows(table).isEmpty()) {
            assertThat(System.nanoTime()).as("rows left in %s", table).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private List<DatabaseDump.Row> rows(String table) {
        return DatabaseDump.of(harness.config().url()).stream().filter(row -> row.table().equals(table)).toList();
    }

    private static ClientFrame.Builder requestUpload() {
        return ClientFrame.newBuilder().setRequestAttachmentUpload(RequestAttachmentUpload.getDefaultInstance());
    }

    private static String ticket(TestClient client) throws Exception {
        ServerFrame answer = client.request(requestUpload());
        assertThat(answer.hasAttachmentTicket()).as("%s", answer).isTrue();
        return answer.getAttachmentTicket().getTicket();
    }

    private static String url(ParleyServer node) {
        return "http://127.0.0.1:" + node.address().getPort();
    }

    private static HttpResponse<String> upload(ParleyServer node, String ticket, byte[] blob) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url(node) + "/v1/attachments"))
                .header("Authorization", "Ticket " + ticket).POST(HttpRequest.BodyPublishers.ofByteArray(blob)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static ClientFrame.Builder requestLink(TestClient device) {
        return ClientFrame.newBuilder().setRequestLink(RequestLink.newBuilder()
                .setIdentityKey(ByteString.copyFrom(device.identityKey())).setSignature(ByteString.copyFrom(device.signChallenge()))
                .setProvisioningKey(ByteString.copyFrom(randomBytes(32))).setMailboxKey(ByteString.copyFrom(device.mailboxKey())));
    }

    private static ClientFrame.Builder approve(String code) {
        return ClientFrame.newBuilder().setApproveLink(ApproveLink.newBuilder().setCode(code).setProvisioning(PROVISIONING));
    }
}
