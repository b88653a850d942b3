package org.parley.protocol;

import java.util.Arrays;

/**
 * Pads payloads to a size bucket so that sizes on the wire and at rest tell little about content.
 * Buckets are Padmé's (Nikitin et al., "Reducing Metadata Leakage from Encrypted Files and
 * Communication with PURBs", PETS 2019, section 4): a length L is rounded up so that only its
 * top floor(log2(floor(log2 L))) + 1 bits may be non-zero, at most about 12% overhead, with
 * O(log log L) distinct sizes per power of two. Content is framed as ISO/IEC 7816-4 does: content
 * || 0x80 || 0x00 ... up to the bucket, never shorter than {@link #MIN_PADDED_BYTES}.
 */
public final class Padding {
    /** Every padded payload is at least this long: short texts, receipts and reactions look alike. */
    public static final int MIN_PADDED_BYTES = 256;

    private Padding() {
    }

    /** Padmé's bucket for a length: the smallest allowed length not below {@code length}. */
    public static long padme(long length) {
        if (length < 2) {
            return length;
        }
        int e = 63 - Long.numberOfLeadingZeros(length);           // floor(log2 L)
        int s = 32 - Integer.numberOfLeadingZeros(e);             // floor(log2 E) + 1
        int lastBits = e - s;
        long mask = (1L << lastBits) - 1;
        return (length + mask) & ~mask;
    }

    /** The padded length of {@code contentLength} bytes of content (the 0x80 marker included). */
    public static int paddedLength(int contentLength) {
        long padded = Math.max(MIN_PADDED_BYTES, padme(contentLength + 1L));
        if (padded > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("content of " + contentLength + " bytes is too long to pad");
        }
        return (int) padded;
    }

    /** content || 0x80 || zeros, to {@link #paddedLength}. */
    public static byte[] pad(byte[] content) {
        byte[] padded = Arrays.copyOf(content, paddedLength(content.length));
        padded[content.length] = (byte) 0x80;
        return padded;
    }

    /**
     * The content of a padded payload.
     *
     * @throws IllegalArgumentException when the bytes do not end in 0x80 followed by zeros, or
     *     their length is not a bucket (so a sender that skipped padding is noticed)
     */
    public static byte[] unpad(byte[] padded) {
        int end = padded.length - 1;
        while (end >= 0 && padded[end] == 0) {
            end--;
        }
        if (end < 0 || padded[end] != (byte) 0x80) {
            throw new IllegalArgumentException("not a padded payload: no 0x80 marker after the content");
        }
        if (paddedLength(end) != padded.length) {
            throw new IllegalArgumentException("a padded payload of " + padded.length + " bytes is not the bucket for "
                    + end + " bytes of content");
        }
        return Arrays.copyOf(padded, end);
    }
}
