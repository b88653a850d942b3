package org.parley.server.calls;

import java.time.Duration;

/**
 * The relay's bounds, which keep a hostile or broken client from taking more than its share.
 *
 * @param maxDatagramBytes         largest datagram accepted (a 1200-byte media packet plus the type byte fits)
 * @param maxCalls                 calls open at once
 * @param maxParticipantsPerCall   participants in one call
 * @param participantPacketsPerSecond sustained packets one participant may send
 * @param participantBurst         packets one participant may send at once
 * @param sourcePacketsPerSecond   packets per second from one IP address that is not (yet) a participant:
 *                                 joins, junk, unknown senders; also the budget of each address a participant
 *                                 left for its WebSocket (its PINGs, and the JOIN that brings it back)
 * @param sourceBurst              burst of those
 * @param maxTrackedSources        IP addresses tracked for that limit; beyond it unknown sources are dropped
 * @param idleTimeout              a participant that sends nothing for this long is removed
 * @param maxJoinNonces            nonces of accepted UDP JOINs remembered against replay (kept 60 to 120 s);
 *                                 when full, JOINs are refused until the older half expires
 */
public record RelayLimits(int maxDatagramBytes, int maxCalls, int maxParticipantsPerCall,
                          double participantPacketsPerSecond, double participantBurst,
                          double sourcePacketsPerSecond, double sourceBurst, int maxTrackedSources,
                          Duration idleTimeout, int maxJoinNonces) {

    public RelayLimits {
        if (maxDatagramBytes < RelayDatagram.JOIN_BYTES || maxDatagramBytes > 65_507 || maxCalls < 1
                || maxParticipantsPerCall < 2 || participantPacketsPerSecond <= 0 || participantBurst < 1
                || sourcePacketsPerSecond <= 0 || sourceBurst < 1 || maxTrackedSources < 1
                || idleTimeout.isNegative() || idleTimeout.isZero() || maxJoinNonces < 1) {
            throw new IllegalArgumentException("invalid relay limits: " + fieldsText(maxDatagramBytes, maxCalls,
                    maxParticipantsPerCall, participantPacketsPerSecond, participantBurst));
        }
    }

    private static String fieldsText(int maxDatagramBytes, int maxCalls, int perCall, double rate, double burst) {
        return "datagram " + maxDatagramBytes + " B, calls " + maxCalls + ", per call " + perCall + ", rate " + rate
                + "/s, burst " + burst;
    }

    /**
     * Defaults for a small server: 1400-byte datagrams, 10 000 calls of up to 32, 400 packets/s
     * per participant (audio is 50, a 1.5 Mbit/s video about 160) with bursts of 200 (a key frame),
     * 50 packets/s from an unknown address, and 262 144 JOIN nonces (at most about 21 MB, 80 bytes
     * a nonce as measured on a 64-bit JVM). A participant's JOINs: a few at the start and at each
     * token refresh, and two a second while it is on the WebSocket and probes UDP, kept 60 to 120 s:
     * the cap holds one to two thousand participants on the WebSocket at once.
     */
    public static RelayLimits defaults() {
        return new RelayLimits(1400, 10_000, 32, 400, 200, 50, 50, 65_536, Duration.ofSeconds(30), 262_144);
    }
}
