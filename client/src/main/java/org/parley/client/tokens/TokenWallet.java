package org.parley.client.tokens;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import org.parley.client.local.v1.WalletKey;
import org.parley.client.local.v1.WalletToken;
import org.parley.client.net.AnonymousConnection;
import org.parley.client.net.ServerException;
import org.parley.client.net.Session;
import org.parley.client.store.ProfileException;
import org.parley.client.store.ProfileStore;
import org.parley.protocol.tokens.BlindRsa;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.ErrorCode;
import org.parley.protocol.v1.GetTokenKeys;
import org.parley.protocol.v1.RequestSendTokens;
import org.parley.protocol.v1.SendToken;
import org.parley.protocol.v1.SendTokens;
import org.parley.protocol.v1.TokenKey;
import org.parley.protocol.v1.TokenKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * This device's anonymous send tokens (parley.proto, "anonymous send tokens"; RFC 9474
 * RSABSSA-SHA384-PSS-Deterministic). Tokens are asked for on the signed-in session in batches of
 * {@link #BATCH}, ahead of need, and kept in the profile, so that fetching and spending are apart
 * in time; each is spent once, on the anonymous connection. Tokens of a day older than yesterday
 * are dropped (the server accepts a token of day D on D and D + 1 only).
 *
 * <p>A key could be made for one account alone, which would mark its tokens. So before a key's
 * tokens are spent, the anonymous connection is asked for the keys it is shown (GetTokenKeys); a
 * key not shown there, or a day with more than one key, is a loud warning and the key's tokens are
 * discarded unspent.
 *
 * <p>Not thread-safe: used under the conversations' lock, like the profile store.
 */
public final class TokenWallet {
    private static final Logger log = LoggerFactory.getLogger(TokenWallet.class);
    static final String STORE_NAME = "send-tokens";
    /** Tokens asked for at once. */
    public static final int BATCH = 50;
    /** Fewer left than this and the wallet wants a top-up. */
    public static final int LOW = 10;
    static final int MESSAGE_BYTES = 32;
    /** When the server gives no hint, how long before a refused or failed token request is worth trying again. */
    static final Duration DEFAULT_RETRY = Duration.ofMinutes(1);

    private final ProfileStore store;
    private final Session session;
    private final AnonymousConnection anonymous;
    private final SecureRandom random;
    private final Clock clock;
    private volatile int count;

    public TokenWallet(ProfileStore store, Session session, AnonymousConnection anonymous, SecureRandom random, Clock clock) {
        this.store = store;
        this.session = session;
        this.anonymous = anonymous;
        this.random = random;
        this.clock = clock;
        this.count = count(load());
    }

    /** Unspent tokens held (those of expired days included until the next use drops them). */
    public int count() {
        return count;
    }

    /** Whether fewer than {@link #LOW} tokens are left; readable without the lock. */
    public boolean low() {
        return count < LOW;
    }

    /**
     * Takes one token to spend now: the oldest day's first. An empty wallet is filled at once.
     *
     * @throws NoTokenException when none can be had (the server refused or cheated)
     */
    public SendToken take() {
        for (boolean fetched = false; ; ) {
            List<WalletKey.Builder> keys = usable();
            WalletKey.Builder key = keys.stream().filter(k -> k.getTokensCount() > 0)
                    .min(Comparator.comparingLong(WalletKey.Builder::getDay)).orElse(null);
            if (key == null) {
                if (fetched) {
                    throw new NoTokenException("the server issued no usable send token", DEFAULT_RETRY, null);
                }
                fetch(BATCH);
                fetched = true;
                continue;
            }
            if (!key.getConfirmed() && !confirmAnonymously(key)) {
                log.warn("!!! The server issued send tokens under a key that the anonymous connection is not shown:"
                        + " tokens of such a key would tell the server which account spends them. They were discarded."
                        + " Sealed sends wait until the server behaves. !!!");
                key.clearTokens();
                save(keys);
                continue;
            }
            WalletToken token = key.getTokens(0);
            key.removeTokens(0);
            save(keys);
            return SendToken.newBuilder().setDay(key.getDay()).setMessage(token.getMessage())
                    .setSignature(token.getSignature()).build();
        }
    }

    /**
     * Fetches a batch when fewer than {@link #LOW} are left; a refusal is logged, not thrown.
     *
     * @return how many tokens were added
     */
    public int topUp() {
        if (!low()) {
            return 0;
        }
        try {
            return fetch(BATCH);
        } catch (NoTokenException e) {
            log.info("no send tokens now: {}", e.getMessage());
            return 0;
        }
    }

    /** RFC 9474 sections 4.2 to 4.4: blind fresh messages under today's key, have them signed, finalize. */
    private int fetch(int wanted) {
        try {
            TokenKeys shown = session.call(ClientFrame.newBuilder().setGetTokenKeys(GetTokenKeys.getDefaultInstance())).getTokenKeys();
            TokenKey today = shown.getKeysList().stream().max(Comparator.comparingLong(TokenKey::getDay))
                    .orElseThrow(() -> new NoTokenException("the server shows no token key", DEFAULT_RETRY, null));
            RSAPublicKey publicKey = BlindRsa.publicKey(today.getPublicKey().toByteArray());
            List<byte[]> messages = new ArrayList<>();
            List<BlindRsa.Blinded> blinded = new ArrayList<>();
            RequestSendTokens.Builder request = RequestSendTokens.newBuilder();
            for (int i = 0; i < wanted; i++) {
                byte[] message = new byte[MESSAGE_BYTES];
                random.nextBytes(message);
                BlindRsa.Blinded one = BlindRsa.blind(publicKey, message, random);
                messages.add(message);
                blinded.add(one);
                request.addBlindedMessages(ByteString.copyFrom(one.blindedMessage()));
            }
            SendTokens answer = session.call(ClientFrame.newBuilder().setRequestSendTokens(request)).getSendTokens();
            if (!answer.getKey().equals(today) || answer.getBlindSignaturesCount() > wanted) {
                throw new NoTokenException("the server signed under another key than it showed", DEFAULT_RETRY, null);
            }
            List<WalletToken> tokens = new ArrayList<>();
            for (int i = 0; i < answer.getBlindSignaturesCount(); i++) {
                byte[] signature = BlindRsa.finalize(publicKey, messages.get(i), answer.getBlindSignatures(i).toByteArray(), blinded.get(i));
                tokens.add(WalletToken.newBuilder().setMessage(ByteString.copyFrom(messages.get(i)))
                        .setSignature(ByteString.copyFrom(signature)).build());
            }
            List<WalletKey.Builder> keys = usable();
            WalletKey.Builder into = keys.stream().filter(k -> k.getDay() == today.getDay() && k.getPublicKey().equals(today.getPublicKey()))
                    .findFirst().orElse(null);
            if (into == null) {
                into = WalletKey.newBuilder().setDay(today.getDay()).setPublicKey(today.getPublicKey());
                keys.add(into);
            }
            into.addAllTokens(tokens);
            save(keys);
            log.debug("fetched {} send tokens", tokens.size());
            return tokens.size();
        } catch (ServerException e) {
            Duration wait = e.code() == ErrorCode.RATE_LIMITED && !e.retryAfter().isZero() ? e.retryAfter() : DEFAULT_RETRY;
            throw new NoTokenException("the server gives no send tokens now (" + e.getMessage() + ")", wait, e);
        } catch (IllegalArgumentException e) {
            // A key that does not parse, or a blind signature that does not finalize: the server cheated.
            throw new NoTokenException("the server's send tokens do not verify: " + e.getMessage(), DEFAULT_RETRY, e);
        }
    }

    /**
     * Whether the anonymous connection is shown this very key for its day, and only one key for
     * that day; remembered for the key once true.
     */
    private boolean confirmAnonymously(WalletKey.Builder key) {
        TokenKeys shown;
        try {
            shown = anonymous.call(ClientFrame.newBuilder().setGetTokenKeys(GetTokenKeys.getDefaultInstance())).getTokenKeys();
        } catch (ServerException e) {
            throw new NoTokenException("the server does not show its token keys (" + e.getMessage() + ")", DEFAULT_RETRY, e);
        }
        List<TokenKey> sameDay = shown.getKeysList().stream().filter(k -> k.getDay() == key.getDay()).toList();
        boolean confirmed = sameDay.size() == 1 && sameDay.get(0).getPublicKey().equals(key.getPublicKey());
        key.setConfirmed(confirmed);
        return confirmed;
    }

    /** The stored keys, those of days before yesterday dropped. */
    private List<WalletKey.Builder> usable() {
        long today = Math.floorDiv(clock.millis(), Duration.ofDays(1).toMillis());
        List<WalletKey.Builder> keys = new ArrayList<>();
        for (WalletKey key : load().getKeysList()) {
            if (key.getDay() >= today - 1) {
                keys.add(key.toBuilder());
            }
        }
        return keys;
    }

    private org.parley.client.local.v1.TokenWallet load() {
        byte[] stored = store.get(STORE_NAME);
        if (stored == null) {
            return org.parley.client.local.v1.TokenWallet.getDefaultInstance();
        }
        try {
            return org.parley.client.local.v1.TokenWallet.parseFrom(stored);
        } catch (InvalidProtocolBufferException e) {
            throw new ProfileException("the send tokens in the profile are damaged", e);
        }
    }

    private void save(List<WalletKey.Builder> keys) {
        org.parley.client.local.v1.TokenWallet.Builder wallet = org.parley.client.local.v1.TokenWallet.newBuilder();
        keys.stream().filter(k -> k.getTokensCount() > 0 || k.getConfirmed()).forEach(wallet::addKeys);
        org.parley.client.local.v1.TokenWallet built = wallet.build();
        store.put(STORE_NAME, built.toByteArray());
        count = count(built);
    }

    private static int count(org.parley.client.local.v1.TokenWallet wallet) {
        return wallet.getKeysList().stream().mapToInt(WalletKey::getTokensCount).sum();
    }
}
