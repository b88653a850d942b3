package org.parley.server.calls;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The relay's counters, for /metrics. Every dropped datagram is counted under the reason it
 * was dropped. Counters only; the relay records nothing about who called whom.
 */
public final class RelayStats {
    final LongAdder datagramsReceived = new LongAdder();
    final LongAdder bytesReceived = new LongAdder();
    final LongAdder framesForwarded = new LongAdder();
    final LongAdder bytesForwarded = new LongAdder();
    final LongAdder joins = new LongAdder();
    final LongAdder leaves = new LongAdder();
    final LongAdder idleRemoved = new LongAdder();
    final LongAdder expiredRemoved = new LongAdder();
    final LongAdder tokenMalformed = new LongAdder();
    final LongAdder tokenBadMac = new LongAdder();
    final LongAdder tokenExpired = new LongAdder();
    final LongAdder tokenOtherDevice = new LongAdder();
    final LongAdder joinWrongRelay = new LongAdder();
    final LongAdder joinStale = new LongAdder();
    final LongAdder joinBadMac = new LongAdder();
    final LongAdder joinReplayed = new LongAdder();
    final LongAdder joinNoncesFull = new LongAdder();
    final LongAdder callFull = new LongAdder();
    final LongAdder junk = new LongAdder();
    final LongAdder oversized = new LongAdder();
    final LongAdder unknownSource = new LongAdder();
    final LongAdder participantRateLimited = new LongAdder();
    final LongAdder sourceRateLimited = new LongAdder();
    final LongAdder sourceTableFull = new LongAdder();
    final LongAdder pongs = new LongAdder();
    final LongAdder framesFromPeers = new LongAdder();
    final LongAdder peerNoSuchCall = new LongAdder();
    final LongAdder peerJunk = new LongAdder();

    /** Counts a received datagram; false, and counted as oversized, if it is longer than {@code max}. */
    boolean receivedWithin(int length, int max) {
        datagramsReceived.increment();
        bytesReceived.add(length);
        if (length > max) {
            oversized.increment();
            return false;
        }
        return true;
    }

    void tokenRejected(InvalidCallTokenException.Reason reason) {
        switch (reason) {
            case MALFORMED -> tokenMalformed.increment();
            case BAD_MAC -> tokenBadMac.increment();
            case EXPIRED -> tokenExpired.increment();
            case OTHER_DEVICE -> tokenOtherDevice.increment();
        }
    }

    /** Counter name (Prometheus style) to value, in a stable order. */
    public Map<String, Long> snapshot() {
        Map<String, Long> out = new LinkedHashMap<>();
        out.put("relay_datagrams_received_total", datagramsReceived.sum());
        out.put("relay_bytes_received_total", bytesReceived.sum());
        out.put("relay_frames_forwarded_total", framesForwarded.sum());
        out.put("relay_bytes_forwarded_total", bytesForwarded.sum());
        out.put("relay_joins_total", joins.sum());
        out.put("relay_leaves_total", leaves.sum());
        out.put("relay_idle_removed_total", idleRemoved.sum());
        out.put("relay_expired_removed_total", expiredRemoved.sum());
        out.put("relay_pongs_total", pongs.sum());
        out.put("relay_frames_from_other_nodes_total", framesFromPeers.sum());
        out.put("relay_dropped_token_malformed_total", tokenMalformed.sum());
        out.put("relay_dropped_token_bad_mac_total", tokenBadMac.sum());
        out.put("relay_dropped_token_expired_total", tokenExpired.sum());
        out.put("relay_dropped_token_other_device_total", tokenOtherDevice.sum());
        out.put("relay_dropped_join_wrong_relay_total", joinWrongRelay.sum());
        out.put("relay_dropped_join_stale_total", joinStale.sum());
        out.put("relay_dropped_join_bad_mac_total", joinBadMac.sum());
        out.put("relay_dropped_join_replayed_total", joinReplayed.sum());
        out.put("relay_dropped_join_nonces_full_total", joinNoncesFull.sum());
        out.put("relay_dropped_call_full_total", callFull.sum());
        out.put("relay_dropped_junk_total", junk.sum());
        out.put("relay_dropped_oversized_total", oversized.sum());
        out.put("relay_dropped_unknown_source_total", unknownSource.sum());
        out.put("relay_dropped_participant_rate_limited_total", participantRateLimited.sum());
        out.put("relay_dropped_source_rate_limited_total", sourceRateLimited.sum());
        out.put("relay_dropped_source_table_full_total", sourceTableFull.sum());
        out.put("relay_dropped_other_node_no_such_call_total", peerNoSuchCall.sum());
        out.put("relay_dropped_other_node_junk_total", peerJunk.sum());
        return out;
    }

    public long framesForwarded() {
        return framesForwarded.sum();
    }

    public long datagramsReceived() {
        return datagramsReceived.sum();
    }

    /** Media datagrams other nodes' relays sent this one that it delivered to a participant here. */
    public long framesFromOtherNodes() {
        return framesFromPeers.sum();
    }

    /** Datagrams from other nodes' relays dropped: for a call with no participant here, or not media. */
    public long droppedFromOtherNodes() {
        return peerNoSuchCall.sum() + peerJunk.sum();
    }

    public long joins() {
        return joins.sum();
    }

    @Override
    public String toString() {
        return "RelayStats" + snapshot();
    }
}
