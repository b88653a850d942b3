package org.parley.media.jitter;

/** What a {@link JitterBuffer} hands the decoder for one sequence number. */
public sealed interface Playout {
    long sequence();

    /** The frame arrived in time: decode it. */
    record Frame(long sequence, byte[] payload) implements Playout {
    }

    /** The frame did not arrive in time: the decoder conceals it (PLC or FEC). */
    record Lost(long sequence) implements Playout {
    }
}
