package org.parley.server;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.protocol.v1.ApproveLink;
import org.parley.protocol.v1.Authenticated;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.ErrorCode;
import org.parley.protocol.v1.RemoveDevice;
import org.parley.protocol.v1.RequestLink;
import org.parley.protocol.v1.ServerFrame;
import org.parley.server.accounts.DeviceId;
import org.parley.server.bus.MailArrived;
import org.parley.server.bus.MailListener;
import org.parley.server.bus.MessageBus;
import org.parley.server.bus.NatsMessageBus;
import org.parley.server.testing.Backend;
import org.parley.server.testing.ForwardingBus;
import org.parley.server.testing.NatsCluster;
import org.parley.server.testing.StoreHarness;
import org.parley.server.testing.TestClient;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two server nodes over one PostgreSQL schema and a cluster of three routed {@code nats-server}
 * processes, each node with its own NATS connection ({@link NatsMessageBus}): mail sent on one node
 * to a device connected to the other is pushed at once; the nodes carry on when the NATS server they
 * use stops, and when the whole bus is gone they say so on /readyz, refuse new sends with a
 * retryable error and recover by themselves once it is back. Skipped without PostgreSQL
 * ({@code PARLEY_TEST_POSTGRES}) or {@code nats-server}.
 */
class SeveralNodesTest extends ServerTestBase {
    /** Far below any poll a client could do, far above a loaded machine's NATS round trip. */
    private static final Duration AT_ONCE = Duration.ofSeconds(3);
    private static final Duration RECOVERY = Duration.ofSeconds(60);

    private NatsCluster nats;
    /** Node B's bus, whose notifications from other nodes a test may hold back. */
    private HeldNotifications busOfB;
    private final List<ParleyServer> nodes = new ArrayList<>();
    private final List<ServerStores> stores = new ArrayList<>();
    private final List<TestClient> nodeClients = new ArrayList<>();

    @BeforeEach
    void startNodes() throws Exception {
        harness = StoreHarness.open(Backend.POSTGRESQL, tempDir); // skips without PostgreSQL
        nats = NatsCluster.start(tempDir);
        for (String name : List.of("node-a", "node-b")) {
            ServerStores store = harness.openAnother();
            stores.add(store);
            MessageBus bus = NatsMessageBus.connect(NatsMessageBus.parseUrls(nats.urls()), name);
            if (name.equals("node-b")) {
                busOfB = new HeldNotifications(bus);
                bus = busOfB;
            }
            nodes.add(ParleyServer.start(testConfig(), store, bus));
        }
    }

    @AfterEach
    void stopNodes() {
        nodeClients.forEach(TestClient::close);
        nodes.forEach(ParleyServer::close);
        stores.forEach(ServerStores::close);
        if (nats != null) {
            nats.close();
        }
    }

    @Test
    void mailSentOnOneNodeIsPushedAtOnceByTheNodeHoldingTheRecipient() throws Exception {
        TestClient alice = registeredOn(0, "alice");
        TestClient bob = registeredOn(1, "bob");

        for (int i = 0; i < 5; i++) {
            long start = System.nanoTime();
            assertThat(alice.request(send(new byte[] {(byte) i}, recipient(bob))).hasSendAccepted()).isTrue();
            ServerFrame pushed = bob.awaitFrame(ServerFrame::hasDeliver, AT_ONCE);
            System.out.printf("several nodes: node A to node B push %d after %.1f ms%n", i,
                    (System.nanoTime() - start) / 1e6);
            assertThat(pushed.getDeliver().getPayload().byteAt(0)).isEqualTo((byte) i);
        }
        assertThat(bob.request(send(new byte[] {42}, recipient(alice))).hasSendAccepted()).isTrue();
        assertThat(alice.awaitFrame(ServerFrame::hasDeliver, AT_ONCE).getDeliver().getPayload().byteAt(0))
                .as("and back from B to A").isEqualTo((byte) 42);
        assertThat(bob.pollFrame(ServerFrame::hasDeliver, Duration.ofMillis(500))).as("each copy pushed once").isNull();
    }

    /**
     * Bob's node hears of alice's message (stored first, on node A) only after carol's, stored later
     * on bob's own node, arrived there: bob still gets both, in the order they were stored, rather
     * than alice's being hidden behind the higher number of carol's until he signs in again.
     */
    @Test
    void mailAnotherNodeStoredFirstIsPushedWhenItsNoticeComesAfterALaterCopyFromThisNode() throws Exception {
        TestClient alice = registeredOn(0, "alice");
        TestClient carol = registeredOn(1, "carol");
        TestClient bob = registeredOn(1, "bob");
        busOfB.hold();
        assertThat(alice.request(send(new byte[] {1}, recipient(bob))).hasSendAccepted()).isTrue();
        assertThat(carol.request(send(new byte[] {2}, recipient(bob))).hasSendAccepted()).isTrue();
        busOfB.release();

        List<Byte> received = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            received.add(bob.awaitFrame(ServerFrame::hasDeliver, AT_ONCE).getDeliver().getPayload().byteAt(0));
        }
        assertThat(received).containsExactly((byte) 1, (byte) 2);
    }

    @Test
    void mailForADeviceThatMovedNodesIsDrainedWhereItSignsInAgain() throws Exception {
        TestClient alice = registeredOn(0, "alice");
        TestClient bob = registeredOn(1, "bob");
        bob.close(); // bob's node loses him; his mail keeps coming while he is away
        for (int i = 0; i < 3; i++) {
            assertThat(alice.request(send(new byte[] {(byte) i}, recipient(bob))).hasSendAccepted()).isTrue();
        }
        TestClient bobOnA = connectTo(0);
        assertThat(bobOnA.authenticateAs(bob).hasAuthenticated()).isTrue();
        assertThat(bobOnA.drainMailbox()).extracting(deliver -> deliver.getPayload().byteAt(0))
                .containsExactly((byte) 0, (byte) 1, (byte) 2);
    }

    @Test
    void aDeviceRemovedOnOneNodeLosesItsConnectionOnAnother() throws Exception {
        TestClient phone = registeredOn(0, "alice");
        TestClient laptop = connectTo(1);
        String code = laptop.request(ClientFrame.newBuilder().setRequestLink(RequestLink.newBuilder()
                .setIdentityKey(ByteString.copyFrom(laptop.identityKey())).setSignature(ByteString.copyFrom(laptop.signChallenge()))
                .setProvisioningKey(ByteString.copyFrom(randomBytes(32))).setMailboxKey(ByteString.copyFrom(laptop.mailboxKey()))))
                .getLinkRequested().getCode();
        assertThat(phone.request(ClientFrame.newBuilder().setApproveLink(ApproveLink.newBuilder().setCode(code)
                .setProvisioning(ByteString.copyFrom(randomBytes(100))))).hasLinkApproved()).isTrue();
        Authenticated linked = laptop.awaitFrame(ServerFrame::hasAuthenticated, RECOVERY).getAuthenticated();
        laptop.accountId = linked.getAccountId().toByteArray();
        laptop.deviceId = linked.getDeviceId().toByteArray();
        // Mail from node A reaching the laptop on node B shows that B's subscription for it is live.
        assertThat(phone.request(send(new byte[] {7}, recipient(laptop))).hasSendAccepted()).isTrue();
        assertThat(laptop.awaitFrame(ServerFrame::hasDeliver, RECOVERY).getDeliver().getPayload().byteAt(0)).isEqualTo((byte) 7);

        long start = System.nanoTime();
        assertThat(phone.request(ClientFrame.newBuilder().setRemoveDevice(RemoveDevice.newBuilder()
                .setDeviceId(linked.getDeviceId()))).hasOk()).isTrue();
        assertThat(laptop.awaitClosed()).as("the removed device's connection on the other node is closed as removed").isEqualTo(1008);
        System.out.printf("several nodes: device removed on node A, its connection on node B closed after %.1f ms%n",
                (System.nanoTime() - start) / 1e6);
        assertThat(connectTo(1).authenticateAs(laptop).getError().getCode()).as("and it cannot sign in there again")
                .isEqualTo(ErrorCode.BAD_SIGNATURE);
        assertThat(phone.isOpen()).as("the remaining device stays connected").isTrue();
    }

    @Test
    void theNatsServerANodeUsesStopsAndComesBackAndTrafficCarriesOn() throws Exception {
        TestClient alice = registeredOn(0, "alice");
        TestClient bob = registeredOn(1, "bob");
        Set<Integer> received = new LinkedHashSet<>();
        int sent = 0;
        sent = sendAndReceive(alice, bob, sent, 20, received);

        List<Integer> before = nats.connectionsPerServer();
        int used = before.indexOf(before.stream().max(Integer::compare).orElseThrow());
        nats.stopServer(used); // at least one node loses its NATS server and moves to another
        sent = sendAndReceive(alice, bob, sent, 40, received);
        nats.startServer(used);
        nats.awaitRoutes();
        sent = sendAndReceive(alice, bob, sent, 20, received);

        assertThat(received).as("every message reached bob on the other node, once, without his reconnecting").hasSize(sent);
    }

    @Test
    void aNodeWithoutItsBusIsNotReadyRefusesSendsToBeRetriedAndRecoversByItself() throws Exception {
        TestClient alice = registeredOn(0, "alice");
        TestClient bob = registeredOn(1, "bob");
        assertThat(readyz(0).body()).isEqualTo("ready\ndatabase: ok\nbus: NATS, connected\n");

        nats.stopAll();
        HttpResponse<String> notReady = awaitReadyz(0, 503);
        assertThat(notReady.body()).isEqualTo("not ready: the message bus (NATS) is unreachable\ndatabase: ok\nbus: NATS, reconnecting\n");
        assertThat(get(0, "/healthz").body()).as("liveness is unchanged").isEqualTo("ok\n");
        ServerFrame refused = alice.request(send(new byte[] {1}, recipient(bob)));
        assertThat(refused.hasError()).as("%s", refused).isTrue();
        assertThat(refused.getError().getCode()).isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(refused.getError().getMessage()).contains("the message bus (NATS) is unreachable").contains("retry");
        assertThat(refused.getError().getRetryAfterMs()).isPositive();

        for (int i = 0; i < 3; i++) {
            nats.startServer(i);
        }
        nats.awaitRoutes();
        assertThat(awaitReadyz(0, 200).body()).startsWith("ready\n");
        awaitReadyz(1, 200);
        Set<Integer> received = new LinkedHashSet<>();
        assertThat(sendAndReceive(alice, bob, 0, 5, received)).isEqualTo(5);
        assertThat(received).as("pushed across nodes again, the refused send never stored").containsExactly(0, 1, 2, 3, 4);
    }

    /**
     * Sends {@code count} numbered messages from {@code from} (retrying one refused as RATE_LIMITED after
     * its hint, as clients do), each awaited at {@code to}; returns the next number.
     */
    private int sendAndReceive(TestClient from, TestClient to, int first, int count, Set<Integer> received) throws Exception {
        for (int n = first; n < first + count; n++) {
            byte[] payload = HexFormat.of().parseHex(String.format("%08x", n));
            long deadline = System.nanoTime() + RECOVERY.toNanos();
            ServerFrame answer;
            while ((answer = from.request(send(payload, recipient(to)))).hasError()) {
                assertThat(answer.getError().getCode()).as("%s", answer).isEqualTo(ErrorCode.RATE_LIMITED);
                assertThat(System.nanoTime()).as("the node took sends again").isLessThan(deadline);
                Thread.sleep(answer.getError().getRetryAfterMs());
            }
            // Pushed, or (for one sent while the recipient's node was moving to another NATS server) read
            // from the mailbox when that node's bus connection came back.
            ServerFrame delivered = to.awaitFrame(ServerFrame::hasDeliver, RECOVERY);
            received.add(Integer.parseInt(HexFormat.of().formatHex(delivered.getDeliver().getPayload().substring(0, 4).toByteArray()), 16));
        }
        return first + count;
    }

    private TestClient registeredOn(int node, String username) throws Exception {
        TestClient client = connectTo(node);
        assertThat(client.register(username, randomBytes(32), null).hasAuthenticated()).isTrue();
        client.awaitFrame(ServerFrame::hasMailboxDrained);
        return client;
    }

    private TestClient connectTo(int node) throws Exception {
        TestClient client = TestClient.connect(nodes.get(node).address().getPort());
        nodeClients.add(client);
        return client;
    }

    private HttpResponse<String> awaitReadyz(int node, int status) throws Exception {
        long deadline = System.nanoTime() + RECOVERY.toNanos();
        HttpResponse<String> answer = readyz(node);
        while (answer.statusCode() != status) {
            assertThat(System.nanoTime()).as("/readyz of node %d answered %s", node, answer.body()).isLessThan(deadline);
            TimeUnit.MILLISECONDS.sleep(100);
            answer = readyz(node);
        }
        return answer;
    }

    private HttpResponse<String> readyz(int node) throws Exception {
        return get(node, "/readyz");
    }

    private HttpResponse<String> get(int node, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + nodes.get(node).address().getPort() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /**
     * A node's NATS bus whose notifications of mail stored by other nodes can be held back and then
     * let through, as a slow path between the nodes would deliver them late; copies from the node's
     * own writer pass at once.
     */
    private static final class HeldNotifications extends ForwardingBus {
        private final List<MailListener> held = new ArrayList<>();
        private boolean holding;

        HeldNotifications(MessageBus bus) {
            super(bus);
        }

        synchronized void hold() {
            holding = true;
        }

        void release() {
            List<MailListener> waiting;
            synchronized (this) {
                holding = false;
                waiting = new ArrayList<>(held);
                held.clear();
            }
            waiting.forEach(MailListener::mailWaiting);
        }

        private void mailWaiting(MailListener listener) {
            synchronized (this) {
                if (holding) {
                    held.add(listener);
                    return;
                }
            }
            listener.mailWaiting();
        }

        @Override
        public Subscription subscribe(DeviceId device, MailListener listener) {
            return bus.subscribe(device, new MailListener() {
                @Override
                public void arrived(MailArrived mail) {
                    listener.arrived(mail);
                }

                @Override
                public void mailWaiting() {
                    HeldNotifications.this.mailWaiting(listener);
                }

                @Override
                public void deviceRemoved() {
                    listener.deviceRemoved();
                }
            });
        }
    }
}
