package org.parley.mls.testkit.fuzz;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Mutates an input at three levels: bytes (flips, interesting values, insertions, deletions),
 * lengths (rewriting a variable-length integer, RFC 9420 Section 2.1.2, to other values and
 * other encodings) and structure (a length-prefixed vector emptied, duplicated, replaced by one
 * from another input with its prefix fixed up, truncation, chunk duplication, splicing of two
 * inputs). Deterministic for a given {@link Random}.
 */
public final class Mutator {
    private static final int[] INTERESTING_BYTES = {0x00, 0x01, 0x02, 0x3f, 0x40, 0x7f, 0x80, 0xbf, 0xc0, 0xfe, 0xff};
    private static final long[] INTERESTING_LENGTHS = {0, 1, 2, 31, 32, 33, 63, 64, 65, 255, 256, 16383, 16384,
            65535, 65536, 1 << 20, (1 << 30) - 1};
    private static final int MAX_LENGTH = 1 << 20;

    private final Random random;

    public Mutator(Random random) {
        this.random = random;
    }

    /** One to four stacked mutations of {@code input}; {@code donors} supply spliced material. */
    public byte[] mutate(byte[] input, List<byte[]> donors) {
        byte[] out = input;
        int rounds = 1 + random.nextInt(4);
        for (int i = 0; i < rounds; i++) {
            out = mutateOnce(out, donors.get(random.nextInt(donors.size())));
        }
        return out.length > MAX_LENGTH ? Arrays.copyOf(out, MAX_LENGTH) : out;
    }

    private byte[] mutateOnce(byte[] in, byte[] donor) {
        if (in.length == 0) {
            return donor.length == 0 ? new byte[] {(byte) random.nextInt(256)} : chunk(donor);
        }
        return switch (random.nextInt(12)) {
            case 0 -> flipBit(in);
            case 1 -> setInterestingByte(in);
            case 2 -> setRandomBytes(in);
            case 3 -> insertRandom(in);
            case 4 -> deleteRange(in);
            case 5 -> Arrays.copyOf(in, random.nextInt(in.length));
            case 6 -> duplicateRange(in);
            case 7 -> splice(in, donor);
            case 8 -> rewriteVarint(in);
            default -> mutateVector(in, donor);
        };
    }

    private byte[] flipBit(byte[] in) {
        byte[] out = in.clone();
        out[random.nextInt(out.length)] ^= (byte) (1 << random.nextInt(8));
        return out;
    }

    private byte[] setInterestingByte(byte[] in) {
        byte[] out = in.clone();
        out[random.nextInt(out.length)] = (byte) INTERESTING_BYTES[random.nextInt(INTERESTING_BYTES.length)];
        return out;
    }

    private byte[] setRandomBytes(byte[] in) {
        byte[] out = in.clone();
        int at = random.nextInt(out.length);
        int n = Math.min(out.length - at, 1 + random.nextInt(8));
        for (int i = 0; i < n; i++) {
            out[at + i] = (byte) random.nextInt(256);
        }
        return out;
    }

    private byte[] insertRandom(byte[] in) {
        byte[] extra = new byte[1 + random.nextInt(16)];
        random.nextBytes(extra);
        return replace(in, random.nextInt(in.length + 1), 0, extra);
    }

    private byte[] deleteRange(byte[] in) {
        int at = random.nextInt(in.length);
        return replace(in, at, 1 + random.nextInt(Math.min(64, in.length - at)), new byte[0]);
    }

    private byte[] duplicateRange(byte[] in) {
        int at = random.nextInt(in.length);
        int n = 1 + random.nextInt(Math.min(256, in.length - at));
        return replace(in, at, 0, Arrays.copyOfRange(in, at, at + n));
    }

    /** Head of {@code in}, then a chunk of the donor, then possibly the rest of {@code in}. */
    private byte[] splice(byte[] in, byte[] donor) {
        if (donor.length == 0) {
            return in;
        }
        int at = random.nextInt(in.length + 1);
        int removed = random.nextBoolean() ? in.length - at : random.nextInt(in.length - at + 1);
        return replace(in, at, removed, chunk(donor));
    }

    private byte[] chunk(byte[] donor) {
        int from = random.nextInt(donor.length);
        int n = 1 + random.nextInt(Math.min(512, donor.length - from));
        return Arrays.copyOfRange(donor, from, from + n);
    }

    /** Replaces whatever varint starts at a random position with another length, in any encoding size. */
    private byte[] rewriteVarint(byte[] in) {
        int at = random.nextInt(in.length);
        int oldSize = Math.min(varintSize(in[at]), in.length - at);
        long value = random.nextInt(4) == 0 ? random.nextInt(1 << 14) : INTERESTING_LENGTHS[random.nextInt(INTERESTING_LENGTHS.length)];
        return replace(in, at, oldSize, encodeVarint(value, random.nextInt(5) == 0));
    }

    /**
     * Finds a plausible vector (a varint whose length fits in the rest of the input) from a random
     * position on, and changes its length or its body.
     */
    private byte[] mutateVector(byte[] in, byte[] donor) {
        int start = random.nextInt(in.length);
        for (int k = 0; k < in.length; k++) {
            int at = (start + k) % in.length;
            int size = varintSize(in[at]);
            if (size > 4 || at + size > in.length) {
                continue;
            }
            long length = readVarint(in, at, size);
            int body = at + size;
            if (length < 0 || length > in.length - body || (length == 0 && random.nextBoolean())) {
                continue;
            }
            byte[] content = Arrays.copyOfRange(in, body, body + (int) length);
            byte[] replacement = switch (random.nextInt(6)) {
                case 0 -> new byte[0];
                case 1 -> concat(content, content);
                case 2 -> donor.length == 0 ? content : chunk(donor);
                case 3 -> Arrays.copyOf(content, content.length == 0 ? 0 : random.nextInt(content.length));
                case 4 -> concat(content, chunk(content.length == 0 ? new byte[] {0} : content));
                default -> null;
            };
            if (replacement == null) {
                // Only the length changes: off by a little, or far past the input.
                long changed = random.nextBoolean() ? length + random.nextInt(5) - 2 : INTERESTING_LENGTHS[random.nextInt(INTERESTING_LENGTHS.length)];
                return replace(in, at, size, encodeVarint(Math.max(0, changed), false));
            }
            return replace(in, at, size + (int) length, concat(encodeVarint(replacement.length, false), replacement));
        }
        return flipBit(in);
    }

    private static int varintSize(byte first) {
        int prefix = (first & 0xff) >>> 6;
        return prefix == 3 ? 8 : 1 << prefix;
    }

    private static long readVarint(byte[] in, int at, int size) {
        long v = in[at] & 0x3f;
        for (int i = 1; i < size; i++) {
            v = (v << 8) | (in[at + i] & 0xff);
        }
        return v;
    }

    /** The varint encoding of {@code value} (capped at 2^30-1), minimal or, if asked, one size too large. */
    static byte[] encodeVarint(long value, boolean overlong) {
        long v = Math.min(value, (1L << 30) - 1);
        int size = v < 64 ? 1 : v < 16384 ? 2 : 4;
        if (overlong && size < 4) {
            size *= 2;
        }
        byte[] out = new byte[size];
        for (int i = size - 1; i >= 0; i--) {
            out[i] = (byte) v;
            v >>>= 8;
        }
        out[0] |= (byte) ((Integer.numberOfTrailingZeros(size)) << 6);
        return out;
    }

    private static byte[] replace(byte[] in, int at, int removed, byte[] inserted) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length - removed + inserted.length);
        out.write(in, 0, at);
        out.write(inserted, 0, inserted.length);
        out.write(in, at + removed, in.length - at - removed);
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
