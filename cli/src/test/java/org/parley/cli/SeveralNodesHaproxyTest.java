package org.parley.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.parley.client.ParleyClient;
import org.parley.client.conversations.Conversations;
import org.parley.client.local.v1.StoredMessage;
import org.parley.client.net.ConnectionException;
import org.parley.client.net.ServerAddress;
import org.parley.client.testkit.TempProfiles;
import org.parley.server.testing.Backend;
import org.parley.server.testing.NatsCluster;
import org.parley.server.testing.StoreHarness;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.client.testkit.Eventually.eventually;

/**
 * Issue 17's several-nodes test, as an operator runs Parley: three `parley server` processes over
 * one PostgreSQL schema and a three-server routed NATS cluster, behind Debian's HAProxy running the
 * README's haproxy.cfg (TCP, PROXY protocol, health check on each node's /readyz on its admin port).
 * Thirty SDK users, all given HAProxy's one address and so spread over the nodes, talk in 1:1 and
 * group conversations and send a file; two `parley` users, registered there too, call each other
 * from two different nodes ({@link CallAcrossTheBalancer}). The third node is killed with `kill -9`
 * in the middle of sending and of the call: its users are signed in on a surviving node within
 * 10 s, and the call goes on, its audio crossing between the other two. Then, under load, one
 * NATS server is stopped and restarted and the nodes' PostgreSQL sessions are terminated: sends are
 * refused only with a retryable error (the SDK queues and retries them), and the nodes recover by
 * themselves.
 * Throughout, every acknowledged message reaches each other member's view exactly once (by message
 * id). Skipped without PostgreSQL, nats-server or haproxy (failing instead under CI's PARLEY_REQUIRE_*).
 */
@Tag("crash")
class SeveralNodesHaproxyTest {
    private static final int NODES = 3;
    private static final int USERS = 30;
    private static final int GROUPS = 5;
    private static final int SENDER_THREADS = 6;
    private static final int ROUNDS_AROUND_THE_KILL = 5;
    private static final Duration SIGNED_IN_ELSEWHERE_WITHIN = Duration.ofSeconds(10);
    private static final Duration RECOVERY = Duration.ofSeconds(60);
    private static final Duration BETWEEN_SENDS_UNDER_LOAD = Duration.ofMillis(50);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path temp;
    @RegisterExtension
    final StartedServers started = new StartedServers();
    private StoreHarness harness;
    private NatsCluster nats;
    private HaproxyBalancer balancer;
    private TempProfiles profiles;
    private CallAcrossTheBalancer call;
    private ExecutorService senders;

    /** The nodes' admin ports (for /readyz and /metrics), by node. */
    private final int[] adminPorts = new int[NODES];
    /** What names the nodes' sessions in pg_stat_activity: unique to this run, as other tests share the database. */
    private final String applicationName = "parley-haproxy-test-" + randomHex(6);
    private final List<User> users = new ArrayList<>();
    /** Every message a send returned for (sent, or queued in the profile to be sent): by id, who must see it. */
    private final Map<String, Sent> acknowledged = new ConcurrentHashMap<>();
    /** Sends that failed without an answer (the node died under them): each may arrive, at most once. */
    private final Queue<Sent> unanswered = new ConcurrentLinkedQueue<>();
    /** Sends that failed other than by losing the connection: none may, the faults must only hold sends back. */
    private final Queue<String> failures = new ConcurrentLinkedQueue<>();

    /** A test user: its client, the ids of the messages its view showed (in order, repeats kept), and its two conversations. */
    private static final class User {
        final String name;
        final ParleyClient client;
        final ShownMessages seen;
        /** By {@code direct}: the conversation's group id and the other members, known once the user accepted. */
        final Map<Boolean, byte[]> conversations = new ConcurrentHashMap<>();
        final Map<Boolean, List<String>> others = new ConcurrentHashMap<>();

        User(String name, ParleyClient client) {
            this.name = name;
            this.client = client;
            this.seen = new ShownMessages(client);
        }

        /** Reads the 1:1 and the group this user is in, once it is in both. */
        boolean knowsItsConversations() {
            List<Conversations.Summary> list = client.conversations().list();
            if (list.size() != 2) {
                return false;
            }
            for (Conversations.Summary summary : list) {
                conversations.put(summary.direct(), summary.groupId().toByteArray());
                others.put(summary.direct(), summary.members().stream().filter(member -> !member.equals(name)).toList());
            }
            return true;
        }
    }

    /** A message and the users who must see it. */
    private record Sent(String sender, List<String> recipients) {
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (senders != null) {
            senders.shutdownNow();
        }
        if (profiles != null) {
            profiles.close();
        }
        if (balancer != null) {
            balancer.close();
        }
        if (nats != null) {
            nats.close();
        }
        if (harness != null) {
            harness.close();
        }
    }

    @Test
    void thirtyUsersBehindHaproxyLoseNothingWhenANodeIsKilledOrTheEnginesFail() throws Exception {
        Path haproxy = HaproxyBalancer.binaryOrSkip();
        harness = StoreHarness.open(Backend.POSTGRESQL, temp); // creates the schema, or skips
        nats = NatsCluster.start(temp);
        List<ServerProcess> nodes = startNodes();
        List<HaproxyBalancer.Node> behind = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            behind.add(new HaproxyBalancer.Node(nodes.get(i).port, adminPorts[i]));
        }
        balancer = HaproxyBalancer.start(haproxy, Files.createDirectories(temp.resolve("haproxy")), behind);
        senders = Executors.newFixedThreadPool(SENDER_THREADS);

        usersTalkAcrossTheNodes();
        int killed = aNodeIsKilledInTheMiddleOfSendingAndOfACall(nodes);
        List<Integer> survivors = new ArrayList<>(List.of(0, 1, 2));
        survivors.remove(Integer.valueOf(killed));
        theEnginesFailUnderLoadAndTheNodesRecover(nodes, survivors);

        everyAcknowledgedMessageIsSeenOnceByEachRecipient();
    }

    // ------------------------------------------------------------------ the phases

    /** Registration, 15 1:1 conversations and 5 groups of 6, a message in each from every member, and a file in a group. */
    private void usersTalkAcrossTheNodes() throws Exception {
        long started = System.nanoTime();
        profiles = new TempProfiles(temp.resolve("users"));
        ServerAddress address = new ServerAddress("127.0.0.1", balancer.port(), false);
        for (int i = 0; i < USERS; i++) {
            String name = String.format("user%02d", i);
            users.add(new User(name, profiles.signedIn(name, address, 2))); // claimed by its 1:1 and its group
        }
        assertThat(connectionsPerNode()).as("HAProxy spread the users' connections over every node").allMatch(count -> count > 0);

        // user i talks 1:1 with user i + 15; group g is users g, g + 5, ..., g + 25, started by user g.
        for (int i = 0; i < USERS / 2; i++) {
            users.get(i).client.conversations().direct(users.get(i + USERS / 2).name);
        }
        for (int g = 0; g < GROUPS; g++) {
            List<String> others = new ArrayList<>();
            for (int member = g + GROUPS; member < USERS; member += GROUPS) {
                others.add(users.get(member).name);
            }
            users.get(g).client.conversations().createGroup("group-" + g, others);
        }
        for (int i = 0; i < USERS; i++) {
            Conversations conversations = users.get(i).client.conversations();
            int requests = (i >= USERS / 2 ? 1 : 0) + (i >= GROUPS ? 1 : 0);
            eventually(users.get(i).name + " holds its " + requests + " message requests", () -> conversations.requests().size() == requests);
            // Accepting an inviter accepts every request of theirs: take the list again after each.
            while (!conversations.requests().isEmpty()) {
                Conversations.Request request = conversations.requests().get(0);
                conversations.accept(request.direct() ? request.inviter() : request.conversation());
            }
        }
        for (User user : users) {
            eventually(user.name + " is in its 1:1 and its group", user::knowsItsConversations);
        }
        // Sends into accepted conversations are sealed, each paid with a send token: fetched now, together.
        List<Future<?>> wallets = new ArrayList<>();
        for (User user : users) {
            wallets.add(senders.submit(user.client::topUpSendTokens));
        }
        for (Future<?> wallet : wallets) {
            wallet.get(RECOVERY.toSeconds(), TimeUnit.SECONDS);
        }
        System.out.printf("several nodes behind HAProxy: %d users registered, in their conversations and holding send tokens after %d s%n",
                USERS, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));

        sendRound(0);
        Path file = temp.resolve("minutes.bin");
        byte[] content = new byte[300 * 1024];
        RANDOM.nextBytes(content);
        Files.write(file, content);
        User sender = users.get(0);
        StoredMessage attachment = sender.client.conversations().sendFile(sender.conversations.get(false), file);
        acknowledged.put(ShownMessages.id(attachment), new Sent(sender.name, sender.others.get(false)));
        awaitEveryAcknowledgedMessageSeen();
        for (String recipient : sender.others.get(false)) {
            User user = user(recipient);
            StoredMessage received = user.client.conversations().history(user.conversations.get(false), 100).stream()
                    .filter(m -> ShownMessages.id(m).equals(ShownMessages.id(attachment))).findFirst().orElseThrow();
            assertThat(Files.readAllBytes(Path.of(received.getAttachmentPath())))
                    .as("the file %s downloaded, uploaded through another connection", recipient).isEqualTo(content);
        }
        System.out.printf("several nodes behind HAProxy: %d users on %s connections per node, %d messages and a file delivered%n",
                USERS, connectionsPerNode(), acknowledged.size() - 1);
    }

    /**
     * Carol and dave call from two nodes; meanwhile rounds of sends from every user, and the third
     * node is killed with `kill -9` halfway through the call. The call goes on.
     */
    private int aNodeIsKilledInTheMiddleOfSendingAndOfACall(List<ServerProcess> nodes) throws Exception {
        call = CallAcrossTheBalancer.register(profiles, temp.resolve("call"), "http://127.0.0.1:" + balancer.port(), this::metricPerNode);
        int victim = call.start();
        List<Long> connections = connectionsPerNode();
        Map<String, Long> signedInAgainAt = new ConcurrentHashMap<>();
        for (User user : users) {
            user.client.session().addReconnectListener(() -> signedInAgainAt.putIfAbsent(user.name, System.nanoTime()));
        }
        ExecutorService rounds = Executors.newSingleThreadExecutor();
        Future<?> sending = rounds.submit(() -> {
            for (int round = 1; round <= ROUNDS_AROUND_THE_KILL; round++) {
                sendRound(round);
            }
            return null;
        });
        rounds.shutdown();
        call.awaitHalfway();
        int acknowledgedBefore = acknowledged.size();
        long killedAt = System.nanoTime();
        nodes.get(victim).process.destroyForcibly(); // SIGKILL: no goodbye to anyone
        assertThat(nodes.get(victim).process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        sending.get(RECOVERY.toSeconds(), TimeUnit.SECONDS);
        awaitEveryAcknowledgedMessageSeen();

        List<Long> moved = signedInAgainAt.values().stream().map(at -> TimeUnit.NANOSECONDS.toMillis(at - killedAt)).sorted().toList();
        System.out.printf("several nodes behind HAProxy: kill -9 of node %d (%d of %s connections) after %d acknowledged sends;"
                        + " %d users signed in on another node after %s ms (max %d ms); %d sends lost their answer, %d messages in all%n",
                victim, connections.get(victim), connections, acknowledgedBefore, moved.size(), moved,
                moved.isEmpty() ? 0 : moved.get(moved.size() - 1), unanswered.size(), acknowledged.size());
        assertThat(moved).as("the dead node's users came back").isNotEmpty();
        assertThat(moved.get(moved.size() - 1)).as("every user of the dead node signed in on another within 10 s")
                .isLessThan(SIGNED_IN_ELSEWHERE_WITHIN.toMillis());
        assertThat(failures).as("sends failed other than by losing their node; the nodes logged:%n%s", nodeErrors(nodes)).isEmpty();
        call.wentOnAfterTheDeathOf(victim);
        return victim;
    }

    /**
     * While every user sends, one NATS server (the one most nodes use) is stopped and started again,
     * then every PostgreSQL session of the nodes is terminated; the nodes must answer /readyz with
     * 200 again and take sends, without a restart.
     */
    private void theEnginesFailUnderLoadAndTheNodesRecover(List<ServerProcess> nodes, List<Integer> survivors) throws Exception {
        AtomicBoolean loading = new AtomicBoolean(true);
        List<Future<?>> load = new ArrayList<>();
        for (int thread = 0; thread < SENDER_THREADS; thread++) {
            List<User> mine = users.subList(thread * USERS / SENDER_THREADS, (thread + 1) * USERS / SENDER_THREADS);
            load.add(senders.submit(() -> {
                for (int n = 0; loading.get(); n++) {
                    for (User user : mine) {
                        send(user, n % 2 == 0, "under load " + n);
                        Thread.sleep(BETWEEN_SENDS_UNDER_LOAD.toMillis());
                    }
                }
                return null;
            }));
        }
        int before = acknowledged.size();
        Thread.sleep(1_000);

        List<Integer> natsConnections = nats.connectionsPerServer();
        int stopped = natsConnections.indexOf(natsConnections.stream().max(Integer::compare).orElseThrow());
        nats.stopServer(stopped);
        Thread.sleep(2_000);
        nats.startServer(stopped);
        nats.awaitRoutes();
        awaitReady(survivors);
        int afterNats = acknowledged.size();

        int terminated = terminateNodeSessions();
        assertThat(terminated).as("the nodes' PostgreSQL sessions were found by application_name").isPositive();
        awaitReady(survivors);
        int queuedAfterFaults = users.stream().mapToInt(user -> user.client.outgoingCount()).sum();
        int recovered = acknowledged.size();
        eventually("sends are acknowledged again after the faults", () -> acknowledged.size() > recovered + USERS);
        loading.set(false);
        for (Future<?> sending : load) {
            sending.get(RECOVERY.toSeconds(), TimeUnit.SECONDS);
        }
        long deadline = System.nanoTime() + RECOVERY.toNanos();
        for (User user : users) {
            while (user.client.outgoingCount() > 0) {
                assertThat(System.nanoTime()).as("%s's held-back sends went out", user.name).isLessThan(deadline);
                user.client.flushOutgoing();
                Thread.sleep(200);
            }
        }
        awaitEveryAcknowledgedMessageSeen();
        System.out.printf("several nodes behind HAProxy: under load, NATS server %d of %s stopped and restarted (%d sends meanwhile),"
                        + " %d PostgreSQL sessions terminated; %d sends held back for a retry right after, %d sent in all under load%n",
                stopped, natsConnections, afterNats - before, terminated, queuedAfterFaults, acknowledged.size() - before);
        assertThat(failures).as("sends refused for good, not held back to be retried; the nodes logged:%n%s", nodeErrors(nodes))
                .isEmpty();
    }

    /**
     * Each user's view holds every message once; besides the acknowledged ones sent to it, at most
     * as many others as there were sends to it that lost their answer (their ids never came back).
     */
    private void everyAcknowledgedMessageIsSeenOnceByEachRecipient() {
        int unansweredSeen = 0;
        for (User user : users) {
            Map<String, Long> counts = user.seen.counts();
            assertThat(counts).as("%s saw each message once", user.name).allSatisfy((id, count) -> assertThat(count).isOne());
            List<String> notAcknowledged = counts.keySet().stream().filter(id -> !acknowledged.containsKey(id)).toList();
            long mayArrive = unanswered.stream().filter(sent -> sent.recipients().contains(user.name)).count();
            assertThat((long) notAcknowledged.size()).as("%s saw only messages sent to it", user.name).isLessThanOrEqualTo(mayArrive);
            assertThat(acknowledged.entrySet().stream().filter(sent -> sent.getValue().recipients().contains(user.name)
                    && !counts.containsKey(sent.getKey())).toList()).as("acknowledged messages %s never saw", user.name).isEmpty();
            unansweredSeen += notAcknowledged.size();
        }
        System.out.printf("several nodes behind HAProxy: %d acknowledged messages each seen once by every recipient;"
                + " %d copies of the %d sends that lost their answer arrived anyway%n", acknowledged.size(), unansweredSeen, unanswered.size());
    }

    // ------------------------------------------------------------------ sending and checking

    /** Every user sends one text into its 1:1 and one into its group, spread over the sender threads. */
    private void sendRound(int round) throws Exception {
        List<Future<?>> sends = new ArrayList<>();
        for (int thread = 0; thread < SENDER_THREADS; thread++) {
            List<User> mine = users.subList(thread * USERS / SENDER_THREADS, (thread + 1) * USERS / SENDER_THREADS);
            sends.add(senders.submit(() -> {
                for (User user : mine) {
                    send(user, true, "round " + round);
                    send(user, false, "round " + round);
                }
                return null;
            }));
        }
        for (Future<?> send : sends) {
            send.get(RECOVERY.toSeconds(), TimeUnit.SECONDS);
        }
    }

    /**
     * One text from {@code user}: acknowledged when the SDK returns (the server took it, or a limit
     * held it back and the profile keeps it to send again); unanswered when the connection was lost
     * under it; any other failure is recorded for the test to fail on.
     */
    private void send(User user, boolean direct, String text) {
        Sent sent = new Sent(user.name, user.others.get(direct));
        try {
            acknowledged.put(ShownMessages.id(user.client.conversations().sendText(user.conversations.get(direct), text)), sent);
        } catch (ConnectionException lost) {
            // Perhaps stored before its node died, its answer lost with it: the SDK gives no id for it.
            unanswered.add(sent);
        } catch (RuntimeException e) {
            failures.add(user.name + ": " + e);
        }
    }

    private void awaitEveryAcknowledgedMessageSeen() throws InterruptedException {
        long deadline = System.nanoTime() + RECOVERY.toNanos();
        while (true) {
            List<String> missing = new ArrayList<>();
            for (Map.Entry<String, Sent> message : acknowledged.entrySet()) {
                for (String recipient : message.getValue().recipients()) {
                    if (!user(recipient).seen.contains(message.getKey())) {
                        missing.add(recipient + " lacks " + message.getKey() + " from " + message.getValue().sender());
                    }
                }
            }
            if (missing.isEmpty()) {
                return;
            }
            assertThat(System.nanoTime()).as("every acknowledged message delivered; %d missing, e.g. %s", missing.size(),
                    missing.subList(0, Math.min(5, missing.size()))).isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    private User user(String name) {
        return users.stream().filter(u -> u.name.equals(name)).findFirst().orElseThrow();
    }

    private static String randomHex(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        return HexFormat.of().formatHex(random);
    }

    // ------------------------------------------------------------------ the nodes and the engines

    private List<ServerProcess> startNodes() throws Exception {
        int[] ports = freePorts(NODES);
        System.arraycopy(ports, 0, adminPorts, 0, NODES);
        int[] mediaPorts = ServerNodeProcesses.freeUdpPorts(NODES);
        String db = harness.config().url().jdbcUrl();
        List<ServerProcess> nodes = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            nodes.add(started.start(temp.resolve("node-" + i), db + "&ApplicationName=" + applicationName + "-" + i,
                    "--bus", nats.urls(), "--node-id", "node-" + i, "--proxy-protocol", "--admin-listen", "127.0.0.1:" + adminPorts[i],
                    // HAProxy carries TCP only: the call tokens send UDP to the node itself.
                    "--media-address", "127.0.0.1", "--media-port", String.valueOf(mediaPorts[i]),
                    // Thirty registrations from one network (loopback, as HAProxy's PROXY header tells) in a minute.
                    "--registration-limit", "1000"));
        }
        return nodes;
    }

    /** The nodes' logged errors and warnings, for a failure's message. */
    private static String nodeErrors(List<ServerProcess> nodes) throws Exception {
        StringBuilder errors = new StringBuilder();
        for (ServerProcess node : nodes) {
            node.log().lines().filter(line -> line.contains(" ERROR ") || line.contains(" WARN ") || line.startsWith("\t"))
                    .limit(40).forEach(line -> errors.append(line).append('\n'));
        }
        return errors.toString();
    }

    /** The open WebSocket connections of each node that is up (0 for a dead one). */
    private List<Long> connectionsPerNode() throws Exception {
        return metricPerNode("parley_connections");
    }

    /** The unlabelled counter or gauge {@code name} of each node that is up, from its /metrics (0 for a dead one). */
    private List<Long> metricPerNode(String name) throws Exception {
        List<Long> values = new ArrayList<>();
        for (int adminPort : adminPorts) {
            try {
                values.add(admin(adminPort, "/metrics").body().lines().filter(line -> line.startsWith(name + " ")).findFirst()
                        .map(line -> Long.parseLong(line.substring(name.length() + 1))).orElse(0L));
            } catch (java.io.IOException dead) {
                values.add(0L);
            }
        }
        return values;
    }

    private void awaitReady(Collection<Integer> nodes) throws Exception {
        for (int node : nodes) {
            long deadline = System.nanoTime() + RECOVERY.toNanos();
            HttpResponse<String> answer;
            while ((answer = admin(adminPorts[node], "/readyz")).statusCode() != 200) {
                assertThat(System.nanoTime()).as("node %d is ready again by itself: %s", node, answer.body()).isLessThan(deadline);
                Thread.sleep(100);
            }
        }
    }

    private static HttpResponse<String> admin(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** pg_terminate_backend on every session of this test's nodes, found by their application_name; how many. */
    private int terminateNodeSessions() throws Exception {
        String admin = System.getenv(StoreHarness.POSTGRES_VARIABLE);
        try (Connection connection = DriverManager.getConnection(admin); Statement statement = connection.createStatement();
             ResultSet terminated = statement.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE '"
                     + applicationName + "-%' AND pg_terminate_backend(pid)")) {
            terminated.next();
            return terminated.getInt(1);
        }
    }

    private static int[] freePorts(int count) throws Exception {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                sockets.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
            }
            return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
    }
}
