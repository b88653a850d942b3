package org.parley.server;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.parley.protocol.tokens.BlindRsa;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.CommitResult;
import org.parley.protocol.v1.ErrorCode;
import org.parley.protocol.v1.GetTokenKeys;
import org.parley.protocol.v1.RequestSendTokens;
import org.parley.protocol.v1.Send;
import org.parley.protocol.v1.SendToken;
import org.parley.protocol.v1.ServerFrame;
import org.parley.protocol.v1.SetDeliveryPolicy;
import org.parley.protocol.v1.SubmitCommit;
import org.parley.protocol.v1.TokenKey;
import org.parley.server.accounts.DeviceId;
import org.parley.server.groups.RoutingId;
import org.parley.server.testing.Backend;
import org.parley.server.testing.EpochKey;
import org.parley.server.testing.TestClient;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sealed sending in fact, through the real server (parley.proto header and send-token section):
 * sealed sends and commits only on a connection that never signs in, each paid for with one
 * anonymous send token that is spent exactly once, tokens issued per account and day, and unsealed
 * sends only where the recipient allows them and only as fast as its inbound limit. Each promise is
 * tested by the attack that would break it.
 */
class SealedSendingTest extends ServerTestBase {
    private static final Duration QUIET = Duration.ofMillis(300);

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static ClientFrame.Builder sealedTo(TestClient to, byte[] accessKey, String text, SendToken token) {
        return sealed(send(text(text), recipient(to).setAccessKey(ByteString.copyFrom(accessKey))), token);
    }

    private long storedFor(TestClient device) {
        return harness.store().mailbox().usage(DeviceId.of(device.deviceId)).messages();
    }

    private static ServerFrame setSealedOnly(TestClient client, boolean sealedOnly) throws Exception {
        return client.request(ClientFrame.newBuilder().setSetDeliveryPolicy(SetDeliveryPolicy.newBuilder().setSealedOnly(sealedOnly)));
    }

    private static List<TokenKey> tokenKeys(TestClient client) throws Exception {
        return client.request(ClientFrame.newBuilder().setGetTokenKeys(GetTokenKeys.getDefaultInstance())).getTokenKeys().getKeysList();
    }

    private long today() {
        return org.parley.server.storage.UtcDays.today(harness.clock);
    }

    private static ServerFrame requestBlinded(TestClient client, byte[]... blinded) throws Exception {
        RequestSendTokens.Builder request = RequestSendTokens.newBuilder();
        for (byte[] message : blinded) {
            request.addBlindedMessages(ByteString.copyFrom(message));
        }
        return client.request(ClientFrame.newBuilder().setRequestSendTokens(request));
    }

    private static void assertDenied(ServerFrame answer, String message) {
        assertThat(answer.hasError()).as("answer %s", answer).isTrue();
        assertThat(answer.getError().getCode()).isEqualTo(ErrorCode.ACCESS_DENIED);
        assertThat(answer.getError().getMessage()).contains(message);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void aSealedSendGoesOnTheAnonymousConnectionWithAToken(Backend backend) throws Exception {
        start(backend);
        byte[] bobsKey = randomBytes(32);
        TestClient alice = registered("alice");
        TestClient bob = registered("bob", bobsKey);
        TestClient anonymous = anonymous();

        assertThat(anonymous.request(sealedTo(bob, bobsKey, "hello", sendToken(alice))).hasSendAccepted()).isTrue();
        assertThat(new String(bob.awaitFrame(ServerFrame::hasDeliver).getDeliver().getPayload().toByteArray(), StandardCharsets.UTF_8))
                .isEqualTo("hello");
        // The anonymous connection is no device: nothing is ever pushed to it.
        assertThat(alice.request(send(text("to bob"), recipient(bob))).hasSendAccepted()).isTrue();
        assertThat(anonymous.pollFrame(ServerFrame::hasDeliver, QUIET)).isNull();

        ClientFrame.Builder withoutToken = send(text("free ride?"), recipient(bob).setAccessKey(ByteString.copyFrom(bobsKey)));
        withoutToken.getSendBuilder().setSealed(true);
        ServerFrame refused = anonymous.request(withoutToken);
        assertThat(refused.getError().getCode()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(refused.getError().getMessage()).contains("send token");
        assertThat(storedFor(bob)).isEqualTo(2);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void aTokenPaysForOneSendOnly(Backend backend) throws Exception {
        start(backend);
        byte[] bobsKey = randomBytes(32);
        TestClient alice = registered("alice");
        TestClient bob = registered("bob", bobsKey);
        SendToken token = sendToken(alice);

        assertThat(anonymous().request(sealedTo(bob, bobsKey, "once", token)).hasSendAccepted()).isTrue();
        assertDenied(anonymous().request(sealedTo(bob, bobsKey, "twice", token)), "this send token was already used");
        // The same token with another message id, payload or recipient is the same token.
        TestClient carol = registered("carol", bobsKey);
        assertDenied(anonymous().request(sealedTo(carol, bobsKey, "elsewhere", token)), "already used");
        assertThat(storedFor(bob)).isEqualTo(1);
        assertThat(storedFor(carol)).isZero();
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void oneTokenSentOnTwoConnectionsAtOnceIsStoredOnce(Backend backend) throws Exception {
        start(backend);
        byte[] bobsKey = randomBytes(32);
        TestClient alice = registered("alice");
        TestClient bob = registered("bob", bobsKey);
        TestClient first = anonymous();
        TestClient second = anonymous();
        int rounds = 10;
        List<SendToken> tokens = sendTokens(alice, rounds);
        int accepted = 0;
        for (int round = 0; round < rounds; round++) {
            ClientFrame one = sealedTo(bob, bobsKey, "race " + round, tokens.get(round)).setRequestId(1000 + round).build();
            ClientFrame other = sealedTo(bob, bobsKey, "race " + round, tokens.get(round)).setRequestId(1000 + round).build();
            first.send(one);
            second.send(other);
            long id = 1000 + round;
            ServerFrame a = first.awaitFrame(f -> f.getRequestId() == id);
            ServerFrame b = second.awaitFrame(f -> f.getRequestId() == id);
            assertThat(a.hasSendAccepted() ^ b.hasSendAccepted()).as("exactly one of %s and %s", a, b).isTrue();
            assertDenied(a.hasSendAccepted() ? b : a, "already used");
            accepted++;
        }
        assertThat(storedFor(bob)).isEqualTo(accepted);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void forgedTokensAndTokensOfAnotherKeyAreRefused(Backend backend) throws Exception {
        start(backend);
        byte[] bobsKey = randomBytes(32);
        TestClient alice = registered("alice");
        TestClient bob = registered("bob", bobsKey);
        List<SendToken> real = sendTokens(alice, 2);
        TestClient anonymous = anonymous();

        SendToken randomSignature = real.get(0).toBuilder().setSignature(ByteString.copyFrom(randomBytes(256))).build();
        assertDenied(anonymous.request(sealedTo(bob, bobsKey, "forged", randomSignature)), "not valid");
        SendToken swapped = real.get(0).toBuilder().setSignature(real.get(1).getSignature()).build();
        assertDenied(anonymous.request(sealedTo(bob, bobsKey, "swapped", swapped)), "not valid");

        // A token that verifies perfectly, under a key the server never had.
        KeyPair mine = BlindRsa.generateKeyPair(RANDOM);
        byte[] message = randomBytes(32);
        BlindRsa.Blinded blinded = BlindRsa.blind((RSAPublicKey) mine.getPublic(), message, RANDOM);
        byte[] signature = BlindRsa.finalize((RSAPublicKey) mine.getPublic(), message,
                BlindRsa.blindSign((RSAPrivateCrtKey) mine.getPrivate(), blinded.blindedMessage()), blinded);
        SendToken selfMade = SendToken.newBuilder().setDay(today()).setMessage(ByteString.copyFrom(message))
                .setSignature(ByteString.copyFrom(signature)).build();
        assertDenied(anonymous.request(sealedTo(bob, bobsKey, "self-made", selfMade)), "not valid");

        // A real token claimed for another day: no key of yesterday, and tomorrow's is not accepted.
        assertDenied(anonymous.request(sealedTo(bob, bobsKey, "yesterday", real.get(0).toBuilder().setDay(today() - 1).build())),
                "no send token was issued for that day");
        assertDenied(anonymous.request(sealedTo(bob, bobsKey, "tomorrow", real.get(0).toBuilder().setDay(today() + 1).build())),
                "another day");
        assertThat(storedFor(bob)).isZero();
        // None of that spent the real tokens.
        assertThat(anonymous.request(sealedTo(bob, bobsKey, "real", real.get(0))).hasSendAccepted()).isTrue();
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void tokensAreIssuedPerAccountAndDayAndAcceptedOnTheirDayAndTheNext(Backend backend) throws Exception {
        start(backend, config -> config.withSealedSending(config.sealed().withSendTokensPerDay(5)), store -> store);
        byte[] bobsKey = randomBytes(32);
        TestClient alice = registered("alice");
        TestClient bob = registered("bob", bobsKey);
        long day = today();

        List<SendToken> first = sendTokens(alice, 3);
        assertThat(first).hasSize(3);
        ServerFrame one = requestBlinded(alice, new byte[256]);
        assertThat(one.getSendTokens().getBlindSignaturesCount()).isEqualTo(1);
        assertThat(one.getSendTokens().getLeftToday()).isEqualTo(1);
        // Asking for more than is left gets what is left, in request order.
        assertThat(sendTokens(alice, 3)).hasSize(1);
        ServerFrame used = requestBlinded(alice, new byte[256]);
        assertThat(used.getError().getCode()).isEqualTo(ErrorCode.RATE_LIMITED);
        // The clock stands at 10:15:30 UTC: more tokens at midnight.
        assertThat(used.getError().getRetryAfterMs()).isEqualTo(Duration.ofHours(13).plusMinutes(44).plusSeconds(30).toMillis());
        assertThat(sendTokens(bob, 5)).as("another account's allowance").hasSize(5);
        assertThat(tokenKeys(alice)).extracting(TokenKey::getDay).containsExactly(day);

        harness.clock.advance(Duration.ofDays(1));
        List<TokenKey> keys = tokenKeys(anonymous());
        assertThat(keys).extracting(TokenKey::getDay).containsExactly(day + 1, day);
        assertThat(keys.get(0).getPublicKey()).isNotEqualTo(keys.get(1).getPublicKey());
        List<SendToken> second = sendTokens(alice, 5);
        assertThat(second).hasSize(5).allMatch(token -> token.getDay() == day + 1);
        assertThat(anonymous().request(sealedTo(bob, bobsKey, "yesterday's token", first.get(0))).hasSendAccepted()).isTrue();

        harness.clock.advance(Duration.ofDays(1));
        assertDenied(anonymous().request(sealedTo(bob, bobsKey, "too old", first.get(1))), "another day");
        assertThat(anonymous().request(sealedTo(bob, bobsKey, "still fine", second.get(0))).hasSendAccepted()).isTrue();
        server.expireNow();
        assertThat(harness.store().tokens().key(day)).isEmpty();
        assertThat(harness.store().tokens().key(day + 1)).isPresent();
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void aRestartKeepsTheDayKeyAndTheSpentTokens(Backend backend) throws Exception {
        start(backend);
        byte[] bobsKey = randomBytes(32);
        TestClient alice = registered("alice");
        TestClient bob = registered("bob", bobsKey);
        List<TokenKey> before = tokenKeys(alice);
        List<SendToken> tokens = sendTokens(alice, 2);
        assertThat(anonymous().request(sealedTo(bob, bobsKey, "before", tokens.get(0))).hasSendAccepted()).isTrue();

        server.close();
        harness.restart();
        server = ParleyServer.start(testConfig(), harness.store());

        assertThat(tokenKeys(anonymous())).isEqualTo(before);
        assertDenied(anonymous().request(sealedTo(bob, bobsKey, "replayed", tokens.get(0))), "already used");
        assertThat(anonymous().request(sealedTo(bob, bobsKey, "after", tokens.get(1))).hasSendAccepted()).isTrue();
        assertThat(storedFor(bob)).isEqualTo(2);
    }

    @Test
    void aSignedInConnectionCannotSendSealed() throws Exception {
        start(Backend.SQLITE);
        byte[] bobsKey = randomBytes(32);
        TestClient alice = registered("alice");
        TestClient bob = registered("bob", bobsKey);
        SendToken token = sendToken(alice);

        ServerFrame refused = alice.request(sealedTo(bob, bobsKey, "named", token));
        assertThat(refused.getError().getCode()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(refused.getError().getMessage()).contains("sealed sends go on the anonymous connection");
        ClientFrame.Builder sealedCommit = sealedCommit(randomBytes(16), 0, null, EpochKey.random(), token, null,
                recipient(bob).setAccessKey(ByteString.copyFrom(bobsKey)));
        assertThat(alice.request(sealedCommit).getError().getMessage()).contains("sealed sends go on the anonymous connection");
        ClientFrame.Builder unsealedWithToken = send(text("named, with a token"), recipient(bob));
        unsealedWithToken.getSendBuilder().setToken(token);
        assertThat(alice.request(unsealedWithToken).getError().getCode()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(bob.pollFrame(ServerFrame::hasDeliver, QUIET)).isNull();
        // Refused before anything was spent.
        assertThat(anonymous().request(sealedTo(bob, bobsKey, "anonymous", token)).hasSendAccepted()).isTrue();
        assertThat(alice.isOpen()).isTrue();
    }

    @Test
    void anAnonymousConnectionNeverSignsInAndASigningInOneIsNeverAnonymous() throws Exception {
        start(Backend.SQLITE);
        TestClient alice = registered("alice");
        TestClient anonymous = anonymous();
        assertThat(tokenKeys(anonymous)).hasSize(1);
        ServerFrame register = anonymous.register("mallory", randomBytes(32), null);
        assertThat(register.getError().getCode()).isEqualTo(ErrorCode.ALREADY_AUTHENTICATED);
        assertThat(register.getError().getMessage()).contains("can never sign in");
        assertThat(anonymous.authenticateAs(alice).getError().getCode()).isEqualTo(ErrorCode.ALREADY_AUTHENTICATED);

        // A connection whose sign-in failed is not anonymous either.
        TestClient failedSignIn = connect();
        TestClient impostor = connect();
        impostor.accountId = alice.accountId;
        impostor.deviceId = alice.deviceId;
        assertThat(failedSignIn.authenticateAs(impostor).getError().getCode()).isEqualTo(ErrorCode.BAD_SIGNATURE);
        assertThat(failedSignIn.request(ClientFrame.newBuilder().setGetTokenKeys(GetTokenKeys.getDefaultInstance()))
                .getError().getCode()).isEqualTo(ErrorCode.NOT_AUTHENTICATED);

        // What needs an account is refused on the anonymous connection.
        assertThat(anonymous().request(send(text("unsealed"), recipient(alice))).getError().getCode())
                .isEqualTo(ErrorCode.NOT_AUTHENTICATED);
        assertThat(requestBlinded(anonymous(), new byte[256]).getError().getCode()).isEqualTo(ErrorCode.NOT_AUTHENTICATED);
        assertThat(setSealedOnly(anonymous(), true).getError().getCode()).isEqualTo(ErrorCode.NOT_AUTHENTICATED);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void unsealedSendsToASealedOnlyAccountAreRefused(Backend backend) throws Exception {
        start(backend);
        byte[] bobsKey = randomBytes(32);
        TestClient alice = registered("alice");
        TestClient bob = registered("bob", bobsKey);
        assertThat(setSealedOnly(bob, true).hasOk()).isTrue();

        assertDenied(alice.request(send(text("hi stranger"), recipient(bob))), "sealed sends only");
        // Naming another account (the sender's own) with bob's device does not get around the policy.
        ClientFrame.Builder smuggled = send(text("hi"), recipient(alice).clearDeviceIds().addDeviceIds(ByteString.copyFrom(bob.deviceId)));
        assertDenied(alice.request(smuggled), "sealed sends only");
        ClientFrame.Builder commit = unsealedCommit(randomBytes(16), recipient(bob));
        assertDenied(alice.request(commit), "sealed sends only");
        assertThat(storedFor(bob)).isZero();

        // Sealed sends (of contacts, who hold the access key) and bob's own sends still reach bob.
        assertThat(anonymous().request(sealedTo(bob, bobsKey, "hi friend", sendToken(alice))).hasSendAccepted()).isTrue();
        assertThat(bob.request(send(text("note to self"), recipient(bob))).hasSendAccepted()).isTrue();
        assertThat(setSealedOnly(bob, false).hasOk()).isTrue();
        assertThat(alice.request(send(text("hi again"), recipient(bob))).hasSendAccepted()).isTrue();
        assertThat(storedFor(bob)).isEqualTo(3);
        // The server keeps bob's device's owner in memory for sends; a change of policy takes effect at once all the same.
        assertThat(setSealedOnly(bob, true).hasOk()).isTrue();
        assertDenied(alice.request(send(text("and again"), recipient(bob))), "sealed sends only");
        assertThat(storedFor(bob)).isEqualTo(3);
    }

    @Test
    void unsealedSendsIntoOneAccountAreLimitedWhateverTheSenders() throws Exception {
        start(Backend.SQLITE, config -> config.withSealedSending(config.sealed().withInbound(3, 3)), store -> store);
        byte[] bobsKey = randomBytes(32);
        TestClient bob = registered("bob", bobsKey);
        TestClient carol = registered("carol");
        List<TestClient> bots = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            bots.add(registered("bot" + i));
        }
        for (int i = 0; i < 3; i++) {
            assertThat(bots.get(i).request(send(text("spam " + i), recipient(bob))).hasSendAccepted()).isTrue();
        }
        ServerFrame limited = bots.get(3).request(send(text("spam 3"), recipient(bob)));
        assertThat(limited.getError().getCode()).isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(limited.getError().getRetryAfterMs()).isEqualTo(20_000); // 3 a minute: one every 20 s
        // Naming another account with bob's device counts against bob all the same.
        ClientFrame.Builder smuggled = send(text("spam"), recipient(carol).clearDeviceIds().addDeviceIds(ByteString.copyFrom(bob.deviceId)));
        assertThat(bots.get(3).request(smuggled).getError().getCode()).isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(storedFor(bob)).isEqualTo(3);

        // Other accounts are not affected, and contacts reach bob sealed: their tokens are the limit.
        assertThat(bots.get(3).request(send(text("hello carol"), recipient(carol))).hasSendAccepted()).isTrue();
        assertThat(anonymous().request(sealedTo(bob, bobsKey, "from a friend", sendToken(carol))).hasSendAccepted()).isTrue();
    }

    /** A sealed SubmitCommit: both sends sealed with access keys, the token on send. */
    private static ClientFrame.Builder sealedCommit(byte[] group, long epoch, EpochKey signer, EpochKey next, SendToken token,
                                                    Send welcome, org.parley.protocol.v1.RecipientAccount.Builder... to) {
        Send fanOut = sealed(send(text("commit for " + epoch), to), token).getSend();
        byte[] content = EpochKey.signedContent(group, epoch, fanOut.getPayload().toByteArray(),
                welcome == null ? new byte[0] : welcome.getPayload().toByteArray(), next);
        SubmitCommit.Builder commit = SubmitCommit.newBuilder().setRoutingId(ByteString.copyFrom(group)).setEpoch(epoch)
                .setSend(fanOut).setNextEpochKey(next.publicKey()).setSignature(signer == null ? ByteString.EMPTY : signer.sign(content));
        if (welcome != null) {
            commit.setWelcome(welcome);
        }
        return ClientFrame.newBuilder().setSubmitCommit(commit);
    }

    private static ClientFrame.Builder unsealedCommit(byte[] group, org.parley.protocol.v1.RecipientAccount.Builder... to) {
        return ClientFrame.newBuilder().setSubmitCommit(SubmitCommit.newBuilder().setRoutingId(ByteString.copyFrom(group))
                .setEpoch(0).setNextEpochKey(EpochKey.random().publicKey()).setSend(send(text("commit"), to).getSend()));
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void aSealedCommitIsPaidForByOneTokenSpentOnlyIfTheGroupMoves(Backend backend) throws Exception {
        start(backend);
        byte[] bobsKey = randomBytes(32);
        byte[] carolsKey = randomBytes(32);
        TestClient alice = registered("alice");
        TestClient bob = registered("bob", bobsKey);
        TestClient carol = registered("carol", carolsKey);
        List<SendToken> tokens = sendTokens(alice, 3);
        byte[] group = randomBytes(32);
        EpochKey epoch1 = EpochKey.random();
        TestClient anonymous = anonymous();

        Send welcome = send(text("welcome carol"), recipient(carol).setAccessKey(ByteString.copyFrom(carolsKey))).getSend().toBuilder()
                .setSealed(true).build();
        ServerFrame accepted = anonymous.request(sealedCommit(group, 0, null, epoch1, tokens.get(0), welcome,
                recipient(bob).setAccessKey(ByteString.copyFrom(bobsKey))));
        assertThat(accepted.getCommitResult().getAccepted()).as("answer %s", accepted).isTrue();
        assertThat(bob.awaitFrame(ServerFrame::hasDeliver).getDeliver().getPayload().toStringUtf8()).isEqualTo("commit for 0");
        assertThat(carol.awaitFrame(ServerFrame::hasDeliver).getDeliver().getPayload().toStringUtf8()).isEqualTo("welcome carol");

        // The same token on the next, properly signed commit: refused, and the group stays at epoch 1.
        assertDenied(anonymous.request(sealedCommit(group, 1, epoch1, EpochKey.random(), tokens.get(0), null,
                recipient(bob).setAccessKey(ByteString.copyFrom(bobsKey)))), "already used");
        assertThat(harness.store().groups().state(RoutingId.of(group)).orElseThrow().epoch()).isEqualTo(1);

        // A commit that loses the race keeps its token: it pays for the next send.
        CommitResult stale = anonymous.request(sealedCommit(group, 0, null, EpochKey.random(), tokens.get(1), null,
                recipient(bob).setAccessKey(ByteString.copyFrom(bobsKey)))).getCommitResult();
        assertThat(stale.getAccepted()).isFalse();
        assertThat(stale.getCurrentEpoch()).isEqualTo(1);
        assertThat(anonymous.request(sealedTo(bob, bobsKey, "after the lost race", tokens.get(1))).hasSendAccepted()).isTrue();

        // Each part is sealed, with the recipients' access keys; the token rides on send only.
        Send unsealedWelcome = send(text("welcome"), recipient(carol)).getSend();
        assertThat(anonymous().request(sealedCommit(group, 1, epoch1, EpochKey.random(), tokens.get(2), unsealedWelcome,
                recipient(bob).setAccessKey(ByteString.copyFrom(bobsKey)))).getError().getCode()).isEqualTo(ErrorCode.NOT_AUTHENTICATED);
        Send welcomeWithToken = welcome.toBuilder().setToken(tokens.get(2)).build();
        assertThat(anonymous().request(sealedCommit(group, 1, epoch1, EpochKey.random(), tokens.get(2), welcomeWithToken,
                recipient(bob).setAccessKey(ByteString.copyFrom(bobsKey)))).getError().getCode()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertDenied(anonymous().request(sealedCommit(group, 1, epoch1, EpochKey.random(), tokens.get(2), null,
                recipient(bob).setAccessKey(ByteString.copyFrom(carolsKey)))), "access key");
        assertThat(harness.store().groups().state(RoutingId.of(group)).orElseThrow().epoch()).isEqualTo(1);
    }

    @Test
    void malformedAndOversizedTokenFieldsAreRefusedWithoutCost() throws Exception {
        start(Backend.SQLITE, config -> config.withSealedSending(config.sealed().withSendTokensPerDay(3)), store -> store);
        byte[] bobsKey = randomBytes(32);
        TestClient alice = registered("alice");
        TestClient bob = registered("bob", bobsKey);
        SendToken token = sendToken(alice);

        List<SendToken> malformed = List.of(
                token.toBuilder().setMessage(ByteString.copyFrom(randomBytes(31))).build(),
                token.toBuilder().setMessage(ByteString.copyFrom(randomBytes(33))).build(),
                token.toBuilder().setMessage(ByteString.EMPTY).build(),
                token.toBuilder().setSignature(ByteString.copyFrom(randomBytes(255))).build(),
                token.toBuilder().setSignature(ByteString.copyFrom(randomBytes(257))).build(),
                token.toBuilder().setSignature(ByteString.copyFrom(randomBytes(200_000))).build(),
                token.toBuilder().clearSignature().build());
        for (SendToken bad : malformed) {
            ServerFrame refused = anonymous().request(sealedTo(bob, bobsKey, "bad", bad));
            assertThat(refused.getError().getCode()).as("answer to %s", bad).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        }
        assertThat(anonymous().request(sealedTo(bob, bobsKey, "now valid", token.toBuilder().setDay(-1).build()))
                .getError().getCode()).isEqualTo(ErrorCode.ACCESS_DENIED);

        byte[] aboveModulus = new byte[256];
        java.util.Arrays.fill(aboveModulus, (byte) 0xff);
        byte[][] tooMany = new byte[101][];
        java.util.Arrays.fill(tooMany, new byte[256]);
        List<byte[][]> badRequests = List.of(new byte[0][], tooMany, new byte[][] {new byte[255]}, new byte[][] {new byte[257]},
                new byte[][] {new byte[256], new byte[4096]}, new byte[][] {aboveModulus}, new byte[][] {new byte[256], aboveModulus});
        for (byte[][] request : badRequests) {
            TestClient client = connect();
            client.authenticateAs(alice);
            assertThat(requestBlinded(client, request).getError().getCode()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        }
        // None of those counted: alice gets the two tokens left of her three.
        assertThat(sendTokens(alice, 3)).hasSize(2);
        assertThat(storedFor(bob)).isZero();
    }

    @Test
    void theAnonymousConnectionsKeepServingWhileOneSendsGarbage() throws Exception {
        start(Backend.SQLITE);
        byte[] bobsKey = randomBytes(32);
        TestClient alice = registered("alice");
        TestClient bob = registered("bob", bobsKey);
        List<SendToken> tokens = sendTokens(alice, 2);
        TestClient honest = anonymous();
        TestClient rogue = anonymous();
        assertThat(tokenKeys(rogue)).hasSize(1);
        for (int i = 0; i < 6; i++) {
            byte[] garbage = new byte[1 + i * 100]; // 0xff never starts a valid field
            java.util.Arrays.fill(garbage, (byte) 0xff);
            rogue.sendRaw(garbage);
        }
        assertThat(honest.request(sealedTo(bob, bobsKey, "meanwhile", tokens.get(0))).hasSendAccepted()).isTrue();
        assertThat(rogue.awaitClosed()).isEqualTo(1008);
        assertThat(honest.request(sealedTo(bob, bobsKey, "afterwards", tokens.get(1))).hasSendAccepted()).isTrue();
        assertThat(storedFor(bob)).isEqualTo(2);
    }
}
