package org.parley.server.calls;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;

/**
 * Issues and verifies call tokens: the WebSocket side issues one to an authenticated device for
 * a call, and the relay admits a media endpoint only with a valid one. A token is a MAC
 * (HMAC-SHA256 under a server secret) over the call id, participant id and expiry, so the relay
 * checks it without any store:
 *
 * <pre>
 *  0  version         1 byte  (1)
 *  1  call id        16 bytes
 * 17  participant id  4 bytes (unsigned)
 * 21  expires at      8 bytes (seconds since the epoch)
 * 29  MAC            32 bytes HMAC-SHA256(secret, "parley call token" || bytes 0..28)
 * </pre>
 *
 * A token may be presented again until it expires (a client re-joins after a network change or
 * moves between UDP and the WebSocket); each use replaces that participant's endpoint. Thread-safe.
 */
public final class CallTokens {
    public static final int TOKEN_BYTES = 61;
    private static final int SIGNED_BYTES = 29;
    private static final int VERSION = 1;
    private static final byte[] MAC_LABEL = "parley call token".getBytes(StandardCharsets.US_ASCII);
    private static final String ALGORITHM = "HmacSHA256";

    private final SecretKeySpec key;
    private final Clock clock;
    private final Duration lifetime;
    private final ThreadLocal<Mac> macs;

    /**
     * @param secret   at least 32 random bytes, the same on every server node
     * @param lifetime how long an issued token admits its holder
     */
    public CallTokens(byte[] secret, Clock clock, Duration lifetime) {
        if (secret.length < 32) {
            throw new IllegalArgumentException("the call token secret needs at least 32 bytes, got " + secret.length);
        }
        if (lifetime.isNegative() || lifetime.isZero()) {
            throw new IllegalArgumentException("token lifetime must be positive, was " + lifetime);
        }
        this.key = new SecretKeySpec(secret.clone(), ALGORITHM);
        this.clock = clock;
        this.lifetime = lifetime;
        this.macs = ThreadLocal.withInitial(this::newMac);
    }

    /** Tokens under a fresh random secret, valid for {@code lifetime}: for a single-node server. */
    public static CallTokens withRandomSecret(SecureRandom random, Clock clock, Duration lifetime) {
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        return new CallTokens(secret, clock, lifetime);
    }

    private Mac newMac() {
        return hmacSha256(key);
    }

    /** A JDK HMAC-SHA256 under {@code key}; shared with {@link ParticipantIds}. */
    static Mac hmacSha256(SecretKeySpec key) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no usable " + ALGORITHM, e);
        }
    }

    /** A token admitting {@code participantId} to {@code callId} for this instance's lifetime. */
    public byte[] issue(CallId callId, long participantId) {
        CallGrant grant = new CallGrant(callId, participantId, clock.instant().plus(lifetime));
        ByteBuffer token = ByteBuffer.allocate(TOKEN_BYTES);
        token.put((byte) VERSION).putLong(callId.high()).putLong(callId.low()).putInt((int) participantId)
                .putLong(grant.expiresAt().getEpochSecond());
        token.put(mac(token.array()));
        return token.array();
    }

    /** How long {@code grant} still admits its holder by this instance's clock (zero once expired). */
    public Duration remaining(CallGrant grant) {
        Duration left = Duration.between(clock.instant(), grant.expiresAt());
        return left.isNegative() ? Duration.ZERO : left;
    }

    /** When an issued, well-formed token stops admitting its holder (read, not verified). */
    public static Instant expiresAt(byte[] token) {
        if (token.length != TOKEN_BYTES) {
            throw new IllegalArgumentException("call token of " + token.length + " bytes; expected " + TOKEN_BYTES);
        }
        return Instant.ofEpochSecond(ByteBuffer.wrap(token, SIGNED_BYTES - Long.BYTES, Long.BYTES).getLong());
    }

    /** Checks a token's form, MAC and expiry, in that order, and returns what it grants. */
    public CallGrant verify(byte[] token) throws InvalidCallTokenException {
        if (token.length != TOKEN_BYTES) {
            throw new InvalidCallTokenException(InvalidCallTokenException.Reason.MALFORMED,
                    "call token of " + token.length + " bytes; expected " + TOKEN_BYTES);
        }
        if (token[0] != VERSION) {
            throw new InvalidCallTokenException(InvalidCallTokenException.Reason.MALFORMED,
                    "call token version " + (token[0] & 0xff) + " at byte 0; expected " + VERSION);
        }
        byte[] expected = mac(token);
        if (!MessageDigest.isEqual(expected, Arrays.copyOfRange(token, SIGNED_BYTES, TOKEN_BYTES))) {
            throw new InvalidCallTokenException(InvalidCallTokenException.Reason.BAD_MAC,
                    "call token MAC does not verify: not issued by this server, or altered");
        }
        ByteBuffer in = ByteBuffer.wrap(token, 1, SIGNED_BYTES - 1);
        CallId callId = new CallId(in.getLong(), in.getLong());
        long participantId = in.getInt() & 0xffffffffL;
        Instant expiresAt = Instant.ofEpochSecond(in.getLong());
        if (!clock.instant().isBefore(expiresAt)) {
            throw new InvalidCallTokenException(InvalidCallTokenException.Reason.EXPIRED,
                    "call token expired at " + expiresAt + "; ask the server for a new one");
        }
        return new CallGrant(callId, participantId, expiresAt);
    }

    private byte[] mac(byte[] token) {
        Mac mac = macs.get();
        mac.update(MAC_LABEL);
        mac.update(token, 0, SIGNED_BYTES);
        return mac.doFinal();
    }

    @Override
    public String toString() {
        return "CallTokens[lifetime=" + lifetime + ", secret=<hidden>]";
    }
}
