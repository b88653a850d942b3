package org.parley.media.jitter;

/**
 * Counters of one {@link JitterBuffer}.
 *
 * @param received        frames accepted into the buffer
 * @param played          frames handed out for decoding
 * @param concealed       sequence numbers handed out as {@link Playout.Lost}
 * @param lost            sequence numbers that never arrived at all: concealed ones, and ones
 *                        passed over when the stream jumped further ahead than the buffer holds
 * @param late            frames that arrived after their sequence number was played or concealed
 * @param duplicates      copies of frames already buffered or played
 * @param overflow        frames dropped because the buffer was full or the stream jumped ahead
 * @param targetDelayMillis the current adaptive playout delay above the fastest transit
 * @param meanDelayMillis mean one-way delay of frames that carried a timestamp, or NaN
 * @param p99DelayMillis  99th percentile of that delay (1 ms resolution), or -1
 */
public record JitterStats(long received, long played, long concealed, long lost, long late, long duplicates,
                          long overflow, int targetDelayMillis, double meanDelayMillis, long p99DelayMillis) {
}
