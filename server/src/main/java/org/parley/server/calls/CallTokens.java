package org.parley.server.calls;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The call secrets of a server: issues and verifies call tokens, derives each token's JOIN key
 * and each device's participant id. The WebSocket side issues a token to a signed-in device for
 * a call, and the relay admits a media endpoint only with a valid one. A token is sealed with
 * AES-256-GCM under a key derived from the server secret, so the relay checks it without any store
 * and an observer of a UDP JOIN learns nothing from it: not the call, not the participant, and two
 * tokens of one call do not look alike.
 *
 * <pre>
 *  0  version      1 byte   (2)
 *  1  nonce       12 bytes  random per token (the GCM IV)
 * 13  sealed      28 bytes  AES-256-GCM of: call id (16) | participant id (4, unsigned) | expires at (8, s since the epoch)
 * 41  tag         16 bytes  GCM tag; the additional data is "parley call token" || version
 * </pre>
 *
 * <p>Each token has a JOIN key, HMAC-SHA256(join secret, "parley-v1-join-key" || token), that the
 * server hands only to the device it issued the token to (over its signed-in TLS connection) and
 * recomputes from the token when a JOIN arrives, so nothing per token is stored. The participant id
 * is HMAC-SHA256(participant secret, "parley participant id" || call id || device id), first 32
 * bits: chosen by the server, so no client can name another's slot, stable for a device within a
 * call, and unlinkable across calls. The three secrets are derived from the one server secret
 * (HMAC-SHA256 under it of a label each).
 *
 * <p>A token may be presented again until it expires (a client re-joins after a network change or
 * moves between UDP and the WebSocket), each UDP JOIN with a fresh nonce and time. Thread-safe.
 */
public final class CallTokens {
    public static final int TOKEN_BYTES = 57;
    public static final int JOIN_KEY_BYTES = 32;
    private static final int VERSION = 2;
    private static final int NONCE_BYTES = 12;
    private static final int PLAIN_BYTES = CallId.BYTES + Integer.BYTES + Long.BYTES;
    private static final int TAG_BITS = 128;
    private static final byte[] TOKEN_LABEL = "parley call token".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] JOIN_KEY_LABEL = "parley-v1-join-key".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PARTICIPANT_LABEL = "parley participant id".getBytes(StandardCharsets.US_ASCII);
    private static final String HMAC = "HmacSHA256";

    /** What {@link #issueFor} hands the device: the token, its JOIN key (secret) and when it expires. */
    public record Issued(byte[] token, byte[] joinKey, Instant expiresAt) {
        @Override
        public String toString() {
            return "Issued[expiresAt=" + expiresAt + ", token and join key hidden]";
        }
    }

    private final SecretKeySpec tokenKey;
    private final Clock clock;
    private final Duration lifetime;
    private final SecureRandom random;
    private final ThreadLocal<Cipher> ciphers;
    private final ThreadLocal<Mac> joinMacs;
    private final ThreadLocal<Mac> participantMacs;

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
        SecretKeySpec master = new SecretKeySpec(secret.clone(), HMAC);
        this.tokenKey = new SecretKeySpec(derive(master, "parley call token key"), "AES");
        SecretKeySpec joinSecret = new SecretKeySpec(derive(master, "parley join key"), HMAC);
        SecretKeySpec participantSecret = new SecretKeySpec(derive(master, "parley participant id"), HMAC);
        this.clock = clock;
        this.lifetime = lifetime;
        this.random = new SecureRandom();
        this.ciphers = ThreadLocal.withInitial(CallTokens::newCipher);
        this.joinMacs = ThreadLocal.withInitial(() -> hmacSha256(joinSecret));
        this.participantMacs = ThreadLocal.withInitial(() -> hmacSha256(participantSecret));
    }

    /** Tokens under a fresh random secret, valid for {@code lifetime}: for a single-node server. */
    public static CallTokens withRandomSecret(SecureRandom random, Clock clock, Duration lifetime) {
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        return new CallTokens(secret, clock, lifetime);
    }

    private static byte[] derive(SecretKeySpec master, String label) {
        return hmacSha256(master).doFinal(label.getBytes(StandardCharsets.US_ASCII));
    }

    /** A JDK HMAC-SHA256 under {@code key}. */
    static Mac hmacSha256(SecretKeySpec key) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no usable " + HMAC, e);
        }
    }

    private static Cipher newCipher() {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no AES-GCM", e);
        }
    }

    /** The tokens' clock, which also judges the time of a JOIN. */
    Clock clock() {
        return clock;
    }

    /** A token admitting {@code participantId} to {@code callId} for this instance's lifetime. */
    public byte[] issue(CallId callId, long participantId) {
        return issueFor(callId, participantId).token();
    }

    /** A token as {@link #issue}, with its JOIN key and expiry, as a device is given it. */
    public Issued issueFor(CallId callId, long participantId) {
        CallGrant grant = new CallGrant(callId, participantId, clock.instant().plus(lifetime));
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        byte[] plain = ByteBuffer.allocate(PLAIN_BYTES).putLong(callId.high()).putLong(callId.low())
                .putInt((int) participantId).putLong(grant.expiresAt().getEpochSecond()).array();
        ByteBuffer token = ByteBuffer.allocate(TOKEN_BYTES).put((byte) VERSION).put(nonce);
        try {
            Cipher cipher = ciphers.get();
            cipher.init(Cipher.ENCRYPT_MODE, tokenKey, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(TOKEN_LABEL);
            cipher.updateAAD(new byte[] {VERSION});
            token.put(cipher.doFinal(plain));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("sealing a call token failed", e);
        }
        byte[] bytes = token.array();
        return new Issued(bytes, joinKey(bytes), grant.expiresAt());
    }

    /**
     * The secret JOIN key of {@code token}: given to the device with the token, and recomputed by
     * the relay to check a JOIN's MAC. Call it only for a token that verified.
     */
    public byte[] joinKey(byte[] token) {
        Mac mac = joinMacs.get();
        mac.update(JOIN_KEY_LABEL);
        return mac.doFinal(token);
    }

    /** The unsigned 32-bit participant id of {@code device} (its opaque id bytes) in {@code callId}. */
    public long participantId(CallId callId, byte[] device) {
        Mac mac = participantMacs.get();
        mac.update(PARTICIPANT_LABEL);
        mac.update(callId.toBytes());
        mac.update(device);
        return ByteBuffer.wrap(mac.doFinal()).getInt() & 0xffffffffL;
    }

    /** How long {@code grant} still admits its holder by this instance's clock (zero once expired). */
    public Duration remaining(CallGrant grant) {
        Duration left = Duration.between(clock.instant(), grant.expiresAt());
        return left.isNegative() ? Duration.ZERO : left;
    }

    /** Checks a token's form, seal and expiry, in that order, and returns what it grants. */
    public CallGrant verify(byte[] token) throws InvalidCallTokenException {
        if (token.length != TOKEN_BYTES) {
            throw new InvalidCallTokenException(InvalidCallTokenException.Reason.MALFORMED,
                    "call token of " + token.length + " bytes; expected " + TOKEN_BYTES);
        }
        if (token[0] != VERSION) {
            throw new InvalidCallTokenException(InvalidCallTokenException.Reason.MALFORMED,
                    "call token version " + (token[0] & 0xff) + " at byte 0; expected " + VERSION);
        }
        byte[] plain;
        try {
            Cipher cipher = ciphers.get();
            cipher.init(Cipher.DECRYPT_MODE, tokenKey, new GCMParameterSpec(TAG_BITS, token, 1, NONCE_BYTES));
            cipher.updateAAD(TOKEN_LABEL);
            cipher.updateAAD(token, 0, 1);
            plain = cipher.doFinal(token, 1 + NONCE_BYTES, TOKEN_BYTES - 1 - NONCE_BYTES);
        } catch (AEADBadTagException e) {
            throw new InvalidCallTokenException(InvalidCallTokenException.Reason.BAD_MAC,
                    "call token does not verify: not issued by this server, or altered");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("opening a call token failed", e);
        }
        ByteBuffer in = ByteBuffer.wrap(plain);
        CallId callId = new CallId(in.getLong(), in.getLong());
        long participantId = in.getInt() & 0xffffffffL;
        Instant expiresAt = Instant.ofEpochSecond(in.getLong());
        if (!clock.instant().isBefore(expiresAt)) {
            throw new InvalidCallTokenException(InvalidCallTokenException.Reason.EXPIRED,
                    "call token expired at " + expiresAt + "; ask the server for a new one");
        }
        return new CallGrant(callId, participantId, expiresAt);
    }

    @Override
    public String toString() {
        return "CallTokens[lifetime=" + lifetime + ", secret=<hidden>]";
    }
}
