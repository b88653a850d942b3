package org.parley.bench.load;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * What a load message carries so that its receiver can measure latency: the run it belongs to
 * (messages from an earlier run still queued on the server are told apart), the rate step, and
 * its intended send time on the generator's {@link System#nanoTime()} clock (the generator both
 * sends and receives, so one clock serves). Padded to the requested size: binary for Parley's
 * opaque payloads, ASCII for an XMPP {@code <body>}.
 */
public record Payload(long runId, int step, long intendedNanos) {

    /** Smallest payload size that holds the header in both encodings. */
    public static final int MIN_SIZE = 48;

    private static final int MAGIC = 0x504c4231; // "PLB1"
    private static final int BINARY_HEADER = 4 + 8 + 4 + 8;
    private static final int TEXT_HEADER = 16 + 1 + 8 + 1 + 16 + 1;

    /** The binary form, {@code size} bytes. */
    public byte[] toBytes(int size) {
        checkSize(size);
        ByteBuffer buffer = ByteBuffer.allocate(size);
        buffer.putInt(MAGIC).putLong(runId).putInt(step).putLong(intendedNanos);
        return buffer.array();
    }

    /** Reads the binary form; the rest of the bytes is padding. */
    public static Payload fromBytes(ByteBuffer bytes) throws MalformedPayloadException {
        if (bytes.remaining() < BINARY_HEADER) {
            throw new MalformedPayloadException("load payload has " + bytes.remaining()
                    + " bytes, fewer than its " + BINARY_HEADER + "-byte header");
        }
        int magic = bytes.getInt(bytes.position());
        if (magic != MAGIC) {
            throw new MalformedPayloadException("load payload starts with 0x" + Integer.toHexString(magic)
                    + ", not the load generator's marker");
        }
        int at = bytes.position() + 4;
        return new Payload(bytes.getLong(at), bytes.getInt(at + 8), bytes.getLong(at + 12));
    }

    /** The text form, {@code size} ASCII characters: {@code RUNID:STEP:INTENDED:xxx…} in hex. */
    public String toText(int size) {
        checkSize(size);
        char[] padding = new char[size - TEXT_HEADER];
        Arrays.fill(padding, 'x');
        return String.format("%016x:%08x:%016x:", runId, step, intendedNanos) + new String(padding);
    }

    /** Reads the text form. */
    public static Payload fromText(CharSequence text) throws MalformedPayloadException {
        if (text.length() < TEXT_HEADER || text.charAt(16) != ':' || text.charAt(25) != ':' || text.charAt(42) != ':') {
            throw new MalformedPayloadException("load message body does not start with RUNID:STEP:TIME: ("
                    + abbreviate(text) + ")");
        }
        try {
            return new Payload(Long.parseUnsignedLong(text, 0, 16, 16),
                    Integer.parseUnsignedInt(text, 17, 25, 16),
                    Long.parseUnsignedLong(text, 26, 42, 16));
        } catch (NumberFormatException e) {
            throw new MalformedPayloadException("load message body has a non-hex header field (" + abbreviate(text) + ")");
        }
    }

    private static void checkSize(int size) {
        if (size < MIN_SIZE) {
            throw new IllegalArgumentException("payload size " + size + " is below the minimum of " + MIN_SIZE + " bytes");
        }
    }

    private static String abbreviate(CharSequence text) {
        String s = text.toString();
        return s.length() <= 48 ? s : s.substring(0, 48) + "…";
    }

    /** Bytes received that are not a load message of this generator's format. */
    public static final class MalformedPayloadException extends Exception {
        public MalformedPayloadException(String message) {
            super(message);
        }
    }
}
