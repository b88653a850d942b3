package org.parley.client.testkit;

import com.google.protobuf.ByteString;
import org.parley.protocol.tokens.BlindRsa;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.Error;
import org.parley.protocol.v1.ErrorCode;
import org.parley.protocol.v1.SendTokens;
import org.parley.protocol.v1.ServerFrame;
import org.parley.protocol.v1.TokenKey;
import org.parley.protocol.v1.TokenKeys;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.interfaces.RSAPrivateCrtKey;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * The operator issuing send tokens itself, through the {@link HostileServer} relay: it answers
 * GetTokenKeys and RequestSendTokens (RFC 9474 BlindSign) without asking the real server, with
 * keys a test chooses per connection (a key shown only to one account's signed-in connection is
 * how an operator would mark that account's tokens), or cheats as a test tells it to.
 */
public final class RelayTokenIssuer {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Clock clock;
    private volatile KeyPair signing;
    /** The keys the signed-in connections are shown and sign under; by default the signing key. */
    private volatile Function<Long, List<TokenKey>> signedInKeys;
    /** The keys anonymous connections are shown; by default the same as signed-in ones. */
    private volatile Function<Long, List<TokenKey>> anonymousKeys;
    /** Replaces the honest answer to RequestSendTokens when set. */
    private volatile Function<ClientFrame, ServerFrame> tokenAnswer;
    /** Every frame the issuer answered, with whether it came on a signed-in connection. */
    public final List<Seen> seen = new CopyOnWriteArrayList<>();

    public record Seen(ClientFrame.BodyCase body, boolean signedIn) {
    }

    public RelayTokenIssuer(HostileServer relay, Clock clock) {
        this.clock = clock;
        this.signing = BlindRsa.generateKeyPair(RANDOM);
        this.signedInKeys = day -> List.of(key(day, signing));
        this.anonymousKeys = day -> signedInKeys.apply(day);
        relay.onClientFrame((link, frame) -> {
            boolean signedIn = link.deviceId() != null;
            if (frame.hasGetTokenKeys()) {
                seen.add(new Seen(frame.getBodyCase(), signedIn));
                List<TokenKey> keys = (signedIn ? signedInKeys : anonymousKeys).apply(today());
                link.toClient(ServerFrame.newBuilder().setRequestId(frame.getRequestId())
                        .setTokenKeys(TokenKeys.newBuilder().addAllKeys(keys)).build());
                return true;
            }
            if (frame.hasRequestSendTokens()) {
                seen.add(new Seen(frame.getBodyCase(), signedIn));
                Function<ClientFrame, ServerFrame> cheat = tokenAnswer;
                link.toClient(cheat != null ? cheat.apply(frame) : honestTokens(frame));
                return true;
            }
            return false;
        });
    }

    /** UTC days since the epoch by the issuer's clock. */
    public long today() {
        return Math.floorDiv(clock.millis(), Duration.ofDays(1).toMillis());
    }

    /** A fresh signing key from now on, shown to everyone. */
    public void rotate() {
        this.signing = BlindRsa.generateKeyPair(RANDOM);
    }

    public KeyPair signing() {
        return signing;
    }

    public static TokenKey key(long day, KeyPair pair) {
        return TokenKey.newBuilder().setDay(day).setPublicKey(ByteString.copyFrom(pair.getPublic().getEncoded())).build();
    }

    /** Shows anonymous connections these keys instead of the signed-in ones. */
    public void showAnonymously(Function<Long, List<TokenKey>> keys) {
        this.anonymousKeys = keys;
    }

    /** Answers RequestSendTokens with {@code answer} instead of honest tokens; null is honest again. */
    public void answerTokenRequests(Function<ClientFrame, ServerFrame> answer) {
        this.tokenAnswer = answer;
    }

    /** RFC 9474 section 4.3 BlindSign of every blinded message under today's key, as an honest server answers. */
    public ServerFrame honestTokens(ClientFrame request) {
        KeyPair pair = signing;
        return tokens(request, pair, key(today(), pair));
    }

    /** Signs under {@code pair} and says it signed under {@code claimed}. */
    public ServerFrame tokens(ClientFrame request, KeyPair pair, TokenKey claimed) {
        SendTokens.Builder tokens = SendTokens.newBuilder().setKey(claimed).setLeftToday(100);
        RSAPrivateCrtKey key = (RSAPrivateCrtKey) pair.getPrivate();
        int length = (key.getModulus().bitLength() + 7) / 8;
        for (ByteString blinded : request.getRequestSendTokens().getBlindedMessagesList()) {
            // Blinded under another key, a message may exceed this modulus: reduce it, as a cheating signer may.
            BigInteger m = new BigInteger(1, blinded.toByteArray()).mod(key.getModulus());
            byte[] reduced = m.toByteArray();
            byte[] padded = new byte[length];
            int from = Math.max(0, reduced.length - length);
            System.arraycopy(reduced, from, padded, length - (reduced.length - from), reduced.length - from);
            tokens.addBlindSignatures(ByteString.copyFrom(BlindRsa.blindSign(key, padded)));
        }
        return ServerFrame.newBuilder().setRequestId(request.getRequestId()).setSendTokens(tokens).build();
    }

    /** The Error frame a limit answers with. */
    public static ServerFrame error(ClientFrame request, ErrorCode code, Duration retryAfter) {
        return ServerFrame.newBuilder().setRequestId(request.getRequestId()).setError(Error.newBuilder().setCode(code)
                .setMessage("refused by the test").setRetryAfterMs(retryAfter.toMillis())).build();
    }
}
