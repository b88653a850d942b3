package org.parley.bench.load.parley;

import com.google.protobuf.ByteString;
import org.parley.protocol.tokens.BlindRsa;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.GetTokenKeys;
import org.parley.protocol.v1.RequestSendTokens;
import org.parley.protocol.v1.SendToken;
import org.parley.protocol.v1.SendTokens;
import org.parley.protocol.v1.ServerFrame;
import org.parley.protocol.v1.TokenKey;
import org.parley.protocol.v1.TokenKeys;

import java.security.SecureRandom;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * One account's anonymous send tokens (RFC 9474 blind signatures, see parley.proto
 * RequestSendTokens). Filling asks the anonymous connection which keys it accepts
 * ({@code GetTokenKeys}), blinds random 32-byte messages under the newest one (section 4.2),
 * has the signed-in connection sign them ({@code RequestSendTokens}), checks that the server
 * signed with that very key (a key made for one account would mark its tokens) and finalizes
 * (section 4.4, which verifies each signature). Each token is spent once by {@link #take()}.
 */
public final class SendTokenWallet {

    /** Most blinded messages one {@code RequestSendTokens} may carry. */
    public static final int MAX_PER_REQUEST = 100;

    /** Something that sends a request on the account's signed-in connection and awaits its answer. */
    @FunctionalInterface
    public interface SignedInRequests {
        CompletableFuture<ServerFrame> request(ClientFrame.Builder frame);
    }

    private final Queue<SendToken> tokens = new ConcurrentLinkedQueue<>();
    private final SecureRandom random;

    public SendTokenWallet(SecureRandom random) {
        this.random = random;
    }

    /** The next unspent token, or null when there is none. */
    public SendToken take() {
        return tokens.poll();
    }

    public int size() {
        return tokens.size();
    }

    /**
     * Gets up to {@code count} more tokens; completes with the number added (fewer when the
     * account's daily allowance ran out on the way), or exceptionally with a
     * {@link ServerRefusal} (for example {@code RATE_LIMITED} past the daily quota: the tokens of
     * the batches before it are kept) or an {@link IllegalStateException} when the server signed
     * with a key the anonymous connection was not shown.
     */
    public CompletableFuture<Integer> fill(SignedInRequests signedIn, ParleyConnection anonymous, int count) {
        return anonymous.request(ClientFrame.newBuilder().setGetTokenKeys(GetTokenKeys.getDefaultInstance()))
                .thenCompose(answer -> {
                    if (answer.hasError()) {
                        throw new CompletionException(new ServerRefusal("GetTokenKeys", answer.getError()));
                    }
                    TokenKey newest = newest(answer.getTokenKeys());
                    return batches(signedIn, newest, BlindRsa.publicKey(newest.getPublicKey().toByteArray()), count, 0);
                });
    }

    private static TokenKey newest(TokenKeys keys) {
        return keys.getKeysList().stream().max(Comparator.comparingLong(TokenKey::getDay))
                .orElseThrow(() -> new CompletionException(new IllegalStateException("the server accepts no token key")));
    }

    private CompletableFuture<Integer> batches(SignedInRequests signedIn, TokenKey key, RSAPublicKey publicKey, int left, int added) {
        if (left <= 0) {
            return CompletableFuture.completedFuture(added);
        }
        int n = Math.min(left, MAX_PER_REQUEST);
        List<byte[]> messages = new ArrayList<>(n);
        List<BlindRsa.Blinded> blinded = new ArrayList<>(n);
        RequestSendTokens.Builder request = RequestSendTokens.newBuilder();
        for (int i = 0; i < n; i++) {
            byte[] message = new byte[32];
            random.nextBytes(message);
            BlindRsa.Blinded b = BlindRsa.blind(publicKey, message, random);
            messages.add(message);
            blinded.add(b);
            request.addBlindedMessages(ByteString.copyFrom(b.blindedMessage()));
        }
        return signedIn.request(ClientFrame.newBuilder().setRequestSendTokens(request)).thenCompose(answer -> {
            if (answer.hasError()) {
                throw new CompletionException(new ServerRefusal("RequestSendTokens", answer.getError()));
            }
            SendTokens issued = answer.getSendTokens();
            if (issued.getKey().getDay() != key.getDay() || !issued.getKey().getPublicKey().equals(key.getPublicKey())) {
                throw new CompletionException(new IllegalStateException(
                        "the server signed tokens with a key the anonymous connection was not shown"));
            }
            // The server signs the first ones, as many as the account's daily allowance has left.
            int signed = issued.getBlindSignaturesCount();
            if (signed < 1 || signed > n) {
                throw new CompletionException(new IllegalStateException("asked for " + n + " tokens, got " + signed + " signatures"));
            }
            for (int i = 0; i < signed; i++) {
                byte[] signature = BlindRsa.finalize(publicKey, messages.get(i),
                        issued.getBlindSignatures(i).toByteArray(), blinded.get(i));
                tokens.add(SendToken.newBuilder().setDay(key.getDay()).setMessage(ByteString.copyFrom(messages.get(i)))
                        .setSignature(ByteString.copyFrom(signature)).build());
            }
            if (signed < n || issued.getLeftToday() == 0) {
                return CompletableFuture.completedFuture(added + signed); // the allowance is spent until tomorrow
            }
            return batches(signedIn, key, publicKey, left - n, added + n);
        });
    }
}
