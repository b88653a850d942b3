package org.parley.media.sframe;

/**
 * The SFrame header (RFC 9605 Section 4.3): a config byte {@code X|K|Y|C} followed by the KID and
 * CTR, each either inline (values 0-7) or as a minimal big-endian integer of 1-8 bytes.
 *
 * <p>KID and CTR are unsigned 64-bit values held in a {@code long}.
 *
 * @param kid     key id
 * @param ctr     counter
 * @param length  number of bytes the header occupies when encoded
 */
public record SFrameHeader(long kid, long ctr, int length) {

    public static SFrameHeader of(long kid, long ctr) {
        return new SFrameHeader(kid, ctr, 1 + extraBytes(kid) + extraBytes(ctr));
    }

    /** Bytes a value needs after the config byte: 0 when it fits the 3-bit inline field. */
    private static int extraBytes(long value) {
        if (Long.compareUnsigned(value, 8) < 0) {
            return 0;
        }
        return (64 - Long.numberOfLeadingZeros(value) + 7) / 8;
    }

    public byte[] encode() {
        byte[] out = new byte[length];
        encodeInto(out, 0);
        return out;
    }

    /** Writes the header at {@code offset} and returns the offset after it. */
    public int encodeInto(byte[] out, int offset) {
        int kidLen = extraBytes(kid);
        int ctrLen = extraBytes(ctr);
        int config = kidLen == 0 ? (int) kid << 4 : 0x80 | (kidLen - 1) << 4;
        config |= ctrLen == 0 ? (int) ctr : 0x08 | (ctrLen - 1);
        out[offset] = (byte) config;
        int pos = writeBigEndian(out, offset + 1, kid, kidLen);
        return writeBigEndian(out, pos, ctr, ctrLen);
    }

    private static int writeBigEndian(byte[] out, int pos, long value, int len) {
        for (int i = len - 1; i >= 0; i--) {
            out[pos++] = (byte) (value >>> (8 * i));
        }
        return pos;
    }

    /** Parses the header at the start of {@code frame}; the rest of the frame is not examined. */
    public static SFrameHeader decode(byte[] frame, int offset, int limit) throws SFrameException {
        if (limit - offset < 1) {
            throw new SFrameException("SFrame ciphertext is empty: no header");
        }
        int config = frame[offset] & 0xff;
        int pos = offset + 1;
        long kid = config >>> 4 & 0x07;
        if ((config & 0x80) != 0) {
            int kidLen = (int) kid + 1;
            kid = readBigEndian(frame, pos, limit, kidLen, "KID");
            pos += kidLen;
        }
        long ctr = config & 0x07;
        if ((config & 0x08) != 0) {
            int ctrLen = (int) ctr + 1;
            ctr = readBigEndian(frame, pos, limit, ctrLen, "CTR");
            pos += ctrLen;
        }
        return new SFrameHeader(kid, ctr, pos - offset);
    }

    private static long readBigEndian(byte[] frame, int pos, int limit, int len, String field) throws SFrameException {
        if (limit - pos < len) {
            throw new SFrameException("SFrame header truncated: " + field + " needs " + len + " bytes, "
                    + Math.max(0, limit - pos) + " present");
        }
        long value = 0;
        for (int i = 0; i < len; i++) {
            value = value << 8 | (frame[pos + i] & 0xff);
        }
        return value;
    }
}
