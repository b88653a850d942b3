package org.parley.client.tokens;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.client.LiveServerTestBase;
import org.parley.client.ParleyClient;
import org.parley.client.store.ProfileStore;
import org.parley.client.testkit.AdjustableClock;
import org.parley.client.testkit.HostileServer;
import org.parley.client.testkit.LiveServer;
import org.parley.client.testkit.RelayTokenIssuer;
import org.parley.client.testkit.TempProfiles;
import org.parley.protocol.tokens.BlindRsa;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.ErrorCode;
import org.parley.protocol.v1.SendToken;
import org.parley.protocol.v1.SendTokens;
import org.parley.protocol.v1.ServerFrame;
import org.parley.protocol.v1.TokenKey;

import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The wallet against an operator who issues tokens itself through the relay: honest, then marking
 * one account's tokens with a key of its own, or cheating in the answer.
 */
class TokenWalletTest extends LiveServerTestBase {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final AdjustableClock clock = new AdjustableClock();
    private HostileServer relay;
    private RelayTokenIssuer issuer;
    private final List<ClientFrame> anonymousFrames = new CopyOnWriteArrayList<>();

    @Override
    protected java.time.Clock clock() {
        return clock;
    }

    @BeforeEach
    void start() throws Exception {
        server = new LiveServer(temp.resolve("server"));
        relay = new HostileServer(server.address());
        open.add(relay);
        relay.onClientFrame((link, frame) -> {
            if (link.deviceId() == null && !frame.hasRegister()) {
                anonymousFrames.add(frame);
            }
            return false;
        });
        issuer = new RelayTokenIssuer(relay, clock);
    }

    private static SendToken take(ParleyClient client) {
        synchronized (client.conversations()) {
            return client.sendTokens().take();
        }
    }

    private static boolean verifies(SendToken token, KeyPair key) {
        return BlindRsa.verify((RSAPublicKey) key.getPublic(), token.getMessage().toByteArray(), token.getSignature().toByteArray());
    }

    @Test
    void fetchesABatchOnTheSignedInConnectionChecksTheKeyAnonymouslyAndSpendsEachTokenOnce() throws Exception {
        ParleyClient alice = signedIn("alice", relay.address());
        SendToken first = take(alice);
        SendToken second = take(alice);

        assertThat(verifies(first, issuer.signing())).isTrue();
        assertThat(verifies(second, issuer.signing())).isTrue();
        assertThat(first.getMessage()).isNotEqualTo(second.getMessage());
        assertThat(first.getDay()).isEqualTo(issuer.today());
        assertThat(alice.sendTokens().count()).isEqualTo(TokenWallet.BATCH - 2);
        // Tokens are asked for on the signed-in connection; the key is checked on the anonymous one.
        assertThat(issuer.seen).contains(new RelayTokenIssuer.Seen(ClientFrame.BodyCase.REQUEST_SEND_TOKENS, true),
                new RelayTokenIssuer.Seen(ClientFrame.BodyCase.GET_TOKEN_KEYS, false));
        assertThat(issuer.seen).doesNotContain(new RelayTokenIssuer.Seen(ClientFrame.BodyCase.REQUEST_SEND_TOKENS, false));
        assertThat(anonymousFrames).noneMatch(f -> f.hasAuthenticate() || f.hasRequestSendTokens());
        // A confirmed key is not asked about again.
        long checks = issuer.seen.stream().filter(s -> !s.signedIn()).count();
        take(alice);
        assertThat(issuer.seen.stream().filter(s -> !s.signedIn()).count()).isEqualTo(checks);
    }

    @Test
    void unspentTokensStayInTheProfileAcrossRestarts() throws Exception {
        TempProfiles own = new TempProfiles(temp.resolve("own"), clock);
        open.add(own);
        ParleyClient alice = own.signedIn("alice", relay.address(), 1);
        SendToken spent = take(alice);
        ProfileStore store = alice.store();
        alice.close();

        ParleyClient again = own.connect(store, temp.resolve("files"));
        assertThat(again.sendTokens().count()).isEqualTo(TokenWallet.BATCH - 1);
        long requests = issuer.seen.stream().filter(s -> s.body() == ClientFrame.BodyCase.REQUEST_SEND_TOKENS).count();
        SendToken next = take(again);
        assertThat(next.getMessage()).isNotEqualTo(spent.getMessage());
        assertThat(issuer.seen.stream().filter(s -> s.body() == ClientFrame.BodyCase.REQUEST_SEND_TOKENS).count())
                .as("no fetch while tokens are left").isEqualTo(requests);
    }

    @Test
    void aKeyShownOnlyToTheSignedInConnectionMarksTokensAndIsDiscarded() throws Exception {
        KeyPair honest = BlindRsa.generateKeyPair(RANDOM);
        issuer.showAnonymously(day -> List.of(RelayTokenIssuer.key(day, honest)));
        ParleyClient alice = signedIn("alice", relay.address());

        assertThatThrownBy(() -> take(alice)).isInstanceOf(NoTokenException.class);
        assertThat(alice.sendTokens().count()).as("the marked tokens are gone").isZero();
    }

    @Test
    void twoKeysForOneDayOnTheAnonymousConnectionAreRefused() throws Exception {
        KeyPair other = BlindRsa.generateKeyPair(RANDOM);
        issuer.showAnonymously(day -> List.of(RelayTokenIssuer.key(day, issuer.signing()), RelayTokenIssuer.key(day, other)));
        ParleyClient alice = signedIn("alice", relay.address());

        assertThatThrownBy(() -> take(alice)).isInstanceOf(NoTokenException.class);
        assertThat(alice.sendTokens().count()).isZero();
    }

    @Test
    void blindSignaturesByAnotherKeyThanTheOneShownAreRefused() throws Exception {
        KeyPair other = BlindRsa.generateKeyPair(RANDOM);
        issuer.answerTokenRequests(request -> issuer.tokens(request, other, RelayTokenIssuer.key(issuer.today(), issuer.signing())));
        ParleyClient alice = signedIn("alice", relay.address());

        assertThatThrownBy(() -> take(alice)).isInstanceOf(NoTokenException.class).hasMessageContaining("do not verify");
        assertThat(alice.sendTokens().count()).isZero();
    }

    @Test
    void anAnswerNamingAnotherKeyThanTheOneShownIsRefused() throws Exception {
        KeyPair other = BlindRsa.generateKeyPair(RANDOM);
        issuer.answerTokenRequests(request -> issuer.tokens(request, other, RelayTokenIssuer.key(issuer.today(), other)));
        ParleyClient alice = signedIn("alice", relay.address());

        assertThatThrownBy(() -> take(alice)).isInstanceOf(NoTokenException.class).hasMessageContaining("another key");
        assertThat(alice.sendTokens().count()).isZero();
    }

    @Test
    void malformedTruncatedAndOversizedAnswersAreRefused() throws Exception {
        ParleyClient alice = signedIn("alice", relay.address());
        List<java.util.function.Function<ClientFrame, ServerFrame>> hostile = List.of(
                // Truncated blind signatures.
                request -> withSignatures(request, sig -> sig.substring(0, 100)),
                // Oversized ones.
                request -> withSignatures(request, sig -> sig.concat(ByteString.copyFrom(new byte[8]))),
                // More signatures than messages.
                request -> {
                    SendTokens tokens = issuer.honestTokens(request).getSendTokens();
                    return frame(request, tokens.toBuilder().addBlindSignatures(tokens.getBlindSignatures(0)).build());
                },
                // A key that is no RSA key.
                request -> frame(request, issuer.honestTokens(request).getSendTokens().toBuilder()
                        .setKey(TokenKey.newBuilder().setDay(issuer.today()).setPublicKey(ByteString.copyFromUtf8("not a key"))).build()),
                // An answer of another kind.
                request -> ServerFrame.newBuilder().setRequestId(request.getRequestId())
                        .setPong(org.parley.protocol.v1.Pong.getDefaultInstance()).build());
        for (var answer : hostile) {
            issuer.answerTokenRequests(answer);
            assertThatThrownBy(() -> take(alice)).isInstanceOf(NoTokenException.class);
            assertThat(alice.sendTokens().count()).isZero();
        }
        issuer.answerTokenRequests(null);
        assertThat(verifies(take(alice), issuer.signing())).as("an honest answer works again").isTrue();
    }

    @Test
    void aLimitOnTokensSaysWhenToTryAgain() throws Exception {
        issuer.answerTokenRequests(request -> RelayTokenIssuer.error(request, ErrorCode.RATE_LIMITED, Duration.ofSeconds(42)));
        ParleyClient alice = signedIn("alice", relay.address());

        assertThatThrownBy(() -> take(alice)).isInstanceOfSatisfying(NoTokenException.class,
                e -> assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(42)));
    }

    @Test
    void tokensOfADayBeforeYesterdayAreDropped() throws Exception {
        ParleyClient alice = signedIn("alice", relay.address());
        SendToken old = take(alice);
        clock.advance(Duration.ofDays(1));
        assertThat(take(alice).getDay()).as("yesterday's tokens are still spent").isEqualTo(old.getDay());

        clock.advance(Duration.ofDays(1));
        issuer.rotate();
        SendToken fresh = take(alice);
        assertThat(fresh.getDay()).isEqualTo(old.getDay() + 2);
        assertThat(verifies(fresh, issuer.signing())).isTrue();
        assertThat(alice.sendTokens().count()).as("the old batch is gone, a new one fetched").isEqualTo(TokenWallet.BATCH - 1);
    }

    @Test
    void aTopUpFetchesOnlyWhenFewAreLeft() throws Exception {
        ParleyClient alice = signedIn("alice", relay.address());
        assertThat(alice.topUpSendTokens()).isEqualTo(TokenWallet.BATCH);
        assertThat(alice.topUpSendTokens()).isZero();
        for (int i = 0; i < TokenWallet.BATCH - TokenWallet.LOW + 1; i++) {
            take(alice);
        }
        assertThat(alice.sendTokens().low()).isTrue();
        assertThat(alice.topUpSendTokens()).isEqualTo(TokenWallet.BATCH);
    }

    private ServerFrame withSignatures(ClientFrame request, java.util.function.UnaryOperator<ByteString> change) {
        SendTokens honest = issuer.honestTokens(request).getSendTokens();
        SendTokens.Builder changed = honest.toBuilder().clearBlindSignatures();
        honest.getBlindSignaturesList().forEach(sig -> changed.addBlindSignatures(change.apply(sig)));
        return frame(request, changed.build());
    }

    private static ServerFrame frame(ClientFrame request, SendTokens tokens) {
        return ServerFrame.newBuilder().setRequestId(request.getRequestId()).setSendTokens(tokens).build();
    }
}
