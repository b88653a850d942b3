package org.parley.server.calls;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

/**
 * Derives a device's participant id in a call: the first 32 bits of HMAC-SHA256 under a
 * per-process secret over the call id and the device id. The server, not the client, picks it,
 * so that no client can name another participant's id and take over its place in the relay; it is
 * stable for a device within a call (a re-issued token keeps its slot) and reveals nothing about
 * the device to the other participants. Nothing of it is stored. Thread-safe.
 */
public final class ParticipantIds {
    private static final byte[] LABEL = "parley participant id".getBytes(StandardCharsets.US_ASCII);

    private final ThreadLocal<Mac> macs;

    public ParticipantIds(SecureRandom random) {
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        SecretKeySpec key = new SecretKeySpec(secret, "HmacSHA256");
        this.macs = ThreadLocal.withInitial(() -> CallTokens.hmacSha256(key));
    }

    /** The unsigned 32-bit participant id of {@code device} (its opaque id bytes) in {@code callId}. */
    public long of(CallId callId, byte[] device) {
        Mac mac = macs.get();
        mac.update(LABEL);
        mac.update(callId.toBytes());
        mac.update(device);
        return ByteBuffer.wrap(mac.doFinal()).getInt() & 0xffffffffL;
    }

    @Override
    public String toString() {
        return "ParticipantIds[secret=<hidden>]";
    }
}
