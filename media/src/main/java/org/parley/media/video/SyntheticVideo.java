package org.parley.media.video;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A stand-in for a camera and video encoder, since Parley has neither: frames shaped like a
 * compressed video stream (a large key frame every {@code keyInterval} frames, small delta frames
 * of varying size in between, high-entropy bytes as an encoder emits), each carrying its own
 * sequence number and a SHA-256 digest, so that a receiver can prove it got exactly what was sent.
 *
 * <pre>
 *  0  magic "PVF1"    4 bytes
 *  4  sequence        8 bytes (0, 1, 2… as generated)
 * 12  key frame       1 byte  (1 or 0)
 * 13  body length     4 bytes
 * 17  body            pseudo-random bytes
 *  .  SHA-256         32 bytes over everything before it
 * </pre>
 *
 * Not thread-safe: one instance per sending stream.
 */
public final class SyntheticVideo implements VideoSource {
    /** What {@link #check} found in a received frame. */
    public record Checked(long sequence, boolean keyFrame, int bytes) {
    }

    private static final byte[] MAGIC = {'P', 'V', 'F', '1'};
    private static final int HEADER_BYTES = 17;
    private static final int DIGEST_BYTES = 32;
    /** Key frames of 12..40 kB: far above one packet, as a real encoder's I-frames are. */
    static final int KEY_MIN_BYTES = 12_000;
    static final int KEY_MAX_BYTES = 40_000;
    /** Delta frames of 300..4000 bytes: some fit a packet, some need a few. */
    static final int DELTA_MIN_BYTES = 300;
    static final int DELTA_MAX_BYTES = 4_000;

    private final SplittableRandom random;
    private final int keyInterval;
    private long next;

    /**
     * @param seed        makes the sizes and bytes reproducible
     * @param keyInterval a key frame every this many frames (the first frame is always one)
     */
    public SyntheticVideo(long seed, int keyInterval) {
        if (keyInterval < 1) {
            throw new IllegalArgumentException("the key frame interval must be at least 1 frame, was " + keyInterval);
        }
        this.random = new SplittableRandom(seed);
        this.keyInterval = keyInterval;
    }

    /** A key frame every two seconds at {@code fps}, as video calls commonly do. */
    public static SyntheticVideo forFrameRate(long seed, int fps) {
        return new SyntheticVideo(seed, Math.max(1, 2 * fps));
    }

    @Override
    public VideoFrame next() {
        long sequence = next++;
        boolean key = sequence % keyInterval == 0;
        int bodyBytes = key ? random.nextInt(KEY_MIN_BYTES, KEY_MAX_BYTES + 1) : random.nextInt(DELTA_MIN_BYTES, DELTA_MAX_BYTES + 1);
        byte[] body = new byte[bodyBytes];
        random.nextBytes(body);
        ByteBuffer out = ByteBuffer.allocate(HEADER_BYTES + bodyBytes + DIGEST_BYTES);
        out.put(MAGIC).putLong(sequence).put((byte) (key ? 1 : 0)).putInt(bodyBytes).put(body);
        out.put(sha256(out.array(), out.position()));
        return new VideoFrame(key, out.array());
    }

    /**
     * Checks a received frame: its form, length and digest. Throws with the reason when the frame
     * is not one this class generated, or was altered, truncated or put together wrongly.
     */
    public static Checked check(byte[] data) {
        if (data.length < HEADER_BYTES + DIGEST_BYTES || !Arrays.equals(data, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new IllegalArgumentException("not a synthetic video frame (" + data.length + " bytes)");
        }
        ByteBuffer in = ByteBuffer.wrap(data);
        in.position(MAGIC.length);
        long sequence = in.getLong();
        byte key = in.get();
        int bodyBytes = in.getInt();
        if (key > 1 || bodyBytes < 0 || bodyBytes != data.length - HEADER_BYTES - DIGEST_BYTES) {
            throw new IllegalArgumentException("synthetic video frame " + sequence + " has a damaged header");
        }
        byte[] expected = sha256(data, data.length - DIGEST_BYTES);
        if (!MessageDigest.isEqual(expected, Arrays.copyOfRange(data, data.length - DIGEST_BYTES, data.length))) {
            throw new IllegalArgumentException("synthetic video frame " + sequence + " does not match its digest");
        }
        return new Checked(sequence, key == 1, data.length);
    }

    private static byte[] sha256(byte[] data, int length) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(data, 0, length);
            return digest.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }
}
