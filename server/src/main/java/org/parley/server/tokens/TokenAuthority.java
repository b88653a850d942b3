package org.parley.server.tokens;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.parley.protocol.tokens.BlindRsa;
import org.parley.server.accounts.AccountId;
import org.parley.server.mailbox.Precondition;
import org.parley.server.storage.UtcDays;

/**
 * Anonymous send tokens (parley.proto RequestSendTokens; RFC 9474 RSABSSA-SHA384-PSS-Deterministic).
 * Each UTC day has one RSA-2048 key pair, made on the day's first use by whichever node needs it
 * first and kept in the database, so every node and a restart use the same one; a token of day D is
 * accepted on D and D + 1, and older keys and spent tokens are deleted. An account is issued at most
 * {@code perDay} tokens a day, counted without recording which. A token is spent in the
 * transaction that stores its send ({@link #spend}).
 */
public final class TokenAuthority {
    /** parley.proto SendToken.message: 32 random bytes chosen by the client. */
    public static final int MESSAGE_BYTES = 32;
    /** parley.proto RequestSendTokens: 1 to 100 blinded messages per request. */
    public static final int MAX_PER_REQUEST = 100;
    private static final byte[] HASH_LABEL = "parley-v1-spent-send-token".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final JdbcTokenStore store;
    private final Clock clock;
    private final SecureRandom random;
    private final int perDay;
    /** The keys of the accepted days, as read from or stored in the database. */
    private final Map<Long, DayKey> keys = new ConcurrentHashMap<>();

    public TokenAuthority(JdbcTokenStore store, Clock clock, SecureRandom random, int perDay) {
        if (perDay < 1) {
            throw new IllegalArgumentException("the daily send-token allowance must be at least 1, was " + perDay);
        }
        this.store = store;
        this.clock = clock;
        this.random = random;
        this.perDay = perDay;
    }

    /** The signed tokens of one request, and how many the account may still be issued today. */
    public record Issued(DayKey key, List<byte[]> blindSignatures, int leftToday) {
    }

    /** Modulus length in bytes of every day key, so the length of a blinded message. */
    public static int blindedMessageBytes() {
        return (BlindRsa.MODULUS_BITS + 7) / 8;
    }

    /**
     * Signs the blinded messages with today's key (RFC 9474 section 4.3 BlindSign), as many as the
     * account's allowance has left, in request order. Every message is checked before anything is counted.
     *
     * @throws IllegalArgumentException when a blinded message is not the modulus length or not below the modulus
     * @throws TokenQuotaException when the account has no token left today
     */
    public Issued issue(AccountId account, List<byte[]> blindedMessages) {
        if (blindedMessages.isEmpty() || blindedMessages.size() > MAX_PER_REQUEST) {
            throw new IllegalArgumentException("a request asks for 1 to " + MAX_PER_REQUEST + " tokens, got " + blindedMessages.size());
        }
        long today = UtcDays.today(clock);
        DayKey key = keyOf(today);
        for (byte[] blinded : blindedMessages) {
            checkBlinded(key.publicKey(), blinded);
        }
        JdbcTokenStore.Reservation reserved = store.reserve(account, today, blindedMessages.size(), perDay);
        int granted = reserved.granted();
        if (granted == 0) {
            throw new TokenQuotaException(perDay, untilTomorrow());
        }
        List<byte[]> signatures = new ArrayList<>(granted);
        for (byte[] blinded : blindedMessages.subList(0, granted)) {
            signatures.add(BlindRsa.blindSign(key.privateKey(), blinded));
        }
        return new Issued(key, signatures, (int) Math.max(0, perDay - reserved.issuedToday()));
    }

    private static void checkBlinded(RSAPublicKey key, byte[] blinded) {
        if (blinded.length != blindedMessageBytes()) {
            throw new IllegalArgumentException("a blinded message is " + blindedMessageBytes() + " bytes, got " + blinded.length);
        }
        if (new java.math.BigInteger(1, blinded).compareTo(key.getModulus()) >= 0) {
            throw new IllegalArgumentException("a blinded message must be below the key's modulus");
        }
    }

    /** The keys whose tokens are accepted now: today's (made if needed) and yesterday's, if there was one. */
    public List<DayKey> acceptedKeys() {
        long today = UtcDays.today(clock);
        List<DayKey> accepted = new ArrayList<>(2);
        accepted.add(keyOf(today));
        storedKey(today - 1).ifPresent(accepted::add);
        return accepted;
    }

    /**
     * Checks a token: its day is today or yesterday, its message is {@value #MESSAGE_BYTES} bytes and
     * its signature is an RSASSA-PSS signature of the message under that day's key. Whether it was
     * spent is decided when its send is stored.
     *
     * @throws InvalidSendTokenException when it is not a valid token now
     */
    public VerifiedToken verify(long day, byte[] message, byte[] signature) {
        long today = UtcDays.today(clock);
        if (day != today && day != today - 1) {
            throw new InvalidSendTokenException("this send token is of another day: tokens are accepted on their day and the next");
        }
        if (message.length != MESSAGE_BYTES) {
            throw new InvalidSendTokenException("a send token's message is " + MESSAGE_BYTES + " bytes, got " + message.length);
        }
        DayKey key = storedKey(day).orElseThrow(() -> new InvalidSendTokenException("no send token was issued for that day"));
        if (!BlindRsa.verify(key.publicKey(), message, signature)) {
            throw new InvalidSendTokenException("the send token's signature is not valid");
        }
        return new VerifiedToken(day, hash(day, message));
    }

    /** The write that spends {@code token}, with {@code alongWith} (may be null), in the send's transaction. */
    public Precondition spend(VerifiedToken token, Precondition alongWith) {
        return store.spend(token, alongWith);
    }

    /** Deletes keys and spent tokens older than yesterday, and past days' issuance counts. @return rows deleted */
    public int deleteOld() {
        long today = UtcDays.today(clock);
        keys.keySet().removeIf(day -> day < today - 1);
        return store.deleteOld(today - 1, today);
    }

    /** The key of {@code day}: the stored one, or a new one stored unless another node stored one first. */
    private DayKey keyOf(long day) {
        Optional<DayKey> stored = storedKey(day);
        if (stored.isPresent()) {
            return stored.get();
        }
        synchronized (this) {
            stored = storedKey(day);
            if (stored.isPresent()) {
                return stored.get();
            }
            KeyPair pair = BlindRsa.generateKeyPair(random);
            DayKey kept = store.keepFirst(new DayKey(day, (RSAPublicKey) pair.getPublic(), (RSAPrivateCrtKey) pair.getPrivate(),
                    pair.getPublic().getEncoded()));
            keys.put(day, kept);
            deleteOld();
            return kept;
        }
    }

    private Optional<DayKey> storedKey(long day) {
        DayKey cached = keys.get(day);
        if (cached != null) {
            return Optional.of(cached);
        }
        Optional<DayKey> stored = store.key(day);
        stored.ifPresent(key -> keys.put(day, key));
        return stored;
    }

    private Duration untilTomorrow() {
        Instant now = clock.instant();
        Instant midnight = LocalDate.ofInstant(now, ZoneOffset.UTC).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        return Duration.between(now, midnight);
    }

    private static byte[] hash(long day, byte[] message) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            sha256.update(HASH_LABEL);
            sha256.update(java.nio.ByteBuffer.allocate(Long.BYTES).putLong(day).array());
            sha256.update(message);
            return sha256.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
