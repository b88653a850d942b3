package org.parley.bench.spam;

import org.parley.protocol.Padding;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * What the spam wave's messages carry, padded (Padmé): whether an honest user or a bot sent it,
 * the run it belongs to, a sequence number (honest messages are told apart by it, so a copy
 * delivered twice counts once) and the send time on {@link System#nanoTime()} (the generator both
 * sends and receives, so one clock serves).
 */
record SpamPayload(Kind kind, long runId, long seq, long sentNanos) {

    enum Kind { HONEST, BOT }

    private static final int MAGIC = 0x50535031; // "PSP1"
    private static final int LENGTH = 4 + 1 + 8 + 8 + 8;

    byte[] toPaddedBytes() {
        return Padding.pad(ByteBuffer.allocate(LENGTH).putInt(MAGIC).put((byte) kind.ordinal())
                .putLong(runId).putLong(seq).putLong(sentNanos).array());
    }

    /**
     * Reads an opened, padded payload.
     *
     * @throws IllegalArgumentException when it is not padded to a bucket, or not a spam-wave payload
     */
    static SpamPayload fromPaddedBytes(byte[] padded) {
        byte[] content = Padding.unpad(padded);
        if (content.length != LENGTH) {
            throw new IllegalArgumentException("a spam-wave payload is " + LENGTH + " bytes, got " + content.length);
        }
        ByteBuffer in = ByteBuffer.wrap(content);
        if (in.getInt() != MAGIC) {
            throw new IllegalArgumentException("not a spam-wave payload: " + Arrays.toString(Arrays.copyOf(content, 4)));
        }
        int kind = in.get();
        if (kind < 0 || kind >= Kind.values().length) {
            throw new IllegalArgumentException("unknown sender kind " + kind);
        }
        return new SpamPayload(Kind.values()[kind], in.getLong(), in.getLong(), in.getLong());
    }
}
