package org.parley.server;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.parley.protocol.tokens.BlindRsa;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.GetTokenKeys;
import org.parley.protocol.v1.RequestSendTokens;
import org.parley.protocol.v1.SendToken;
import org.parley.protocol.v1.TokenKey;
import org.parley.protocol.v1.RecipientAccount;
import org.parley.protocol.v1.Send;
import org.parley.protocol.v1.ServerFrame;
import org.parley.server.bus.MessageBus;
import org.parley.server.testing.Backend;
import org.parley.server.testing.StoreHarness;
import org.parley.server.testing.TestClient;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/** Starts a real server on an ephemeral loopback port over a fresh store, and connects real clients. */
public abstract class ServerTestBase {
    public static final String BACKENDS = "org.parley.server.testing.Backend#all";
    protected static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    protected Path tempDir;
    protected StoreHarness harness;
    protected ParleyServer server;
    private final List<TestClient> clients = new ArrayList<>();

    /** The bearer token that opens /metrics on the public listener in tests ({@link #httpGet} sends it). */
    protected static final String METRICS_TOKEN = "test-metrics-token-0123456789";

    /**
     * Limits generous enough that only the tests about limits meet them; the call relay on an
     * ephemeral UDP port; /metrics open with {@link #METRICS_TOKEN}.
     */
    protected static ServerConfig testConfig() {
        ServerConfig.Limits limits = new ServerConfig.Limits(Duration.ofSeconds(60), Duration.ofSeconds(30),
                Duration.ofSeconds(10), 5, 10_000, 20_000, 10_000, 20_000, 10_000);
        ServerConfig.Quotas quotas = new ServerConfig.Quotas(10_000, 10_000, ServerConfig.Quotas.DEFAULT_ATTACHMENT_MIB_PER_DAY,
                100, ServerConfig.Quotas.DEFAULT_UPLOAD_TIMEOUT);
        return ServerConfig.defaults().withListen("127.0.0.1", 0).withLimits(limits).withQuotas(quotas)
                .withEdge(ServerConfig.Edge.defaults().withMetricsToken(METRICS_TOKEN))
                .withCalls(ServerConfig.Calls.defaults().withMediaPort(OptionalInt.of(0)))
                .withSealedSending(ServerConfig.SealedSending.defaults().withInbound(1_000_000, 1_000_000));
    }

    protected ParleyServer start(Backend backend) throws Exception {
        return start(backend, UnaryOperator.identity(), UnaryOperator.identity());
    }

    protected ParleyServer start(Backend backend, UnaryOperator<ServerConfig> server, UnaryOperator<StoreConfig> store) throws Exception {
        harness = StoreHarness.open(backend, tempDir, store);
        this.server = ParleyServer.start(server.apply(testConfig()), harness.store());
        return this.server;
    }

    /** As {@link #start(Backend)}, telling connections about new mail through {@code bus}. */
    protected ParleyServer start(Backend backend, MessageBus bus) throws Exception {
        harness = StoreHarness.open(backend, tempDir, UnaryOperator.identity());
        this.server = ParleyServer.start(testConfig(), harness.store(), bus);
        return this.server;
    }

    protected TestClient connect() throws Exception {
        TestClient client = TestClient.connect(server.address().getPort());
        clients.add(client);
        return client;
    }

    /** A connected client signed in as the first device of a new account. */
    protected TestClient registered(String username) throws Exception {
        return registered(username, randomBytes(32));
    }

    protected TestClient registered(String username, byte[] accessKey) throws Exception {
        TestClient client = connect();
        ServerFrame answer = client.register(username, accessKey, null);
        assertThat(answer.hasAuthenticated()).as("registration answer %s", answer).isTrue();
        client.awaitFrame(ServerFrame::hasMailboxDrained);
        return client;
    }

    /** A connection that never signs in: the anonymous connection sealed sends go on. */
    protected TestClient anonymous() throws Exception {
        return connect();
    }

    /**
     * {@code count} send tokens issued to {@code signedIn}'s account, as a client gets them: blinded
     * under today's key from GetTokenKeys, signed by the server, finalized (RFC 9474 section 4).
     */
    protected static List<SendToken> sendTokens(TestClient signedIn, int count) throws Exception {
        TokenKey today = signedIn.request(ClientFrame.newBuilder().setGetTokenKeys(GetTokenKeys.getDefaultInstance()))
                .getTokenKeys().getKeysList().stream().max(java.util.Comparator.comparingLong(TokenKey::getDay)).orElseThrow();
        RSAPublicKey key = BlindRsa.publicKey(today.getPublicKey().toByteArray());
        List<byte[]> messages = new ArrayList<>();
        List<BlindRsa.Blinded> blinded = new ArrayList<>();
        RequestSendTokens.Builder request = RequestSendTokens.newBuilder();
        for (int i = 0; i < count; i++) {
            messages.add(randomBytes(32));
            blinded.add(BlindRsa.blind(key, messages.get(i), RANDOM));
            request.addBlindedMessages(ByteString.copyFrom(blinded.get(i).blindedMessage()));
        }
        ServerFrame answer = signedIn.request(ClientFrame.newBuilder().setRequestSendTokens(request));
        assertThat(answer.hasSendTokens()).as("answer %s", answer).isTrue();
        assertThat(answer.getSendTokens().getKey()).isEqualTo(today);
        List<SendToken> tokens = new ArrayList<>();
        for (int i = 0; i < answer.getSendTokens().getBlindSignaturesCount(); i++) {
            byte[] signature = BlindRsa.finalize(key, messages.get(i), answer.getSendTokens().getBlindSignatures(i).toByteArray(), blinded.get(i));
            tokens.add(SendToken.newBuilder().setDay(today.getDay()).setMessage(ByteString.copyFrom(messages.get(i)))
                    .setSignature(ByteString.copyFrom(signature)).build());
        }
        return tokens;
    }

    /** One send token issued to {@code signedIn}'s account. */
    protected static SendToken sendToken(TestClient signedIn) throws Exception {
        return sendTokens(signedIn, 1).get(0);
    }

    /** Makes {@code frame}'s Send sealed and paid for with {@code token}. */
    protected static ClientFrame.Builder sealed(ClientFrame.Builder frame, SendToken token) {
        frame.getSendBuilder().setSealed(true).setToken(token);
        return frame;
    }

    /** Live threads of a server's schedulers, request pool and mailbox writer (ParleyServer names them). */
    protected static long serverThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(name -> name.startsWith("parley-health-") || name.startsWith("parley-readiness-")
                        || name.startsWith("parley-maintenance-") || name.startsWith("parley-request-") || name.equals("parley-mailbox-writer"))
                .count();
    }

    /** Waits (10 s at most) until no more of those threads are alive than {@code before}: what a failed start must leave. */
    protected static void assertServerThreadsBackTo(long before) throws InterruptedException {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
        while (serverThreads() > before && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(serverThreads()).as("the server's own threads still alive after its failed start").isLessThanOrEqualTo(before);
    }

    protected static byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    protected static RecipientAccount.Builder recipient(TestClient... devices) {
        RecipientAccount.Builder recipient = RecipientAccount.newBuilder().setAccountId(ByteString.copyFrom(devices[0].accountId));
        for (TestClient device : devices) {
            recipient.addDeviceIds(ByteString.copyFrom(device.deviceId));
        }
        return recipient;
    }

    protected static ClientFrame.Builder send(byte[] payload, RecipientAccount.Builder... recipients) {
        Send.Builder send = Send.newBuilder().setMessageId(ByteString.copyFrom(randomBytes(16))).setPayload(ByteString.copyFrom(payload));
        for (RecipientAccount.Builder recipient : recipients) {
            send.addRecipients(recipient);
        }
        return ClientFrame.newBuilder().setSend(send);
    }

    protected HttpResponse<String> httpGet(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(baseUrl() + path))
                        .header("Authorization", "Bearer " + METRICS_TOKEN).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    protected String baseUrl() {
        return "http://127.0.0.1:" + server.address().getPort();
    }

    @AfterEach
    void stopServer() {
        clients.forEach(TestClient::close);
        if (server != null) {
            server.close();
        }
        if (harness != null) {
            harness.close();
        }
    }
}
