package org.parley.server.metrics;

import java.util.Map;

/**
 * What the call relay reports on {@code GET /metrics}. Metrics owns this view and the relay
 * implements it, so that the arrow points from {@code calls} to {@code metrics} and never back.
 */
public interface RelayFigures {
    /** Calls with at least one participant (a gauge). */
    int activeCalls();

    /** Participants across all calls, over UDP and WebSockets (a gauge). */
    int activeParticipants();

    /** Cumulative counters by Prometheus name without the {@code parley_} prefix, in a stable order. */
    Map<String, Long> counters();
}
