/**
 * The node's counters and gauges, rendered in the Prometheus text format for {@code GET /metrics}.
 * Counts only: no label names an account, a device or an address. Other packages report into it;
 * it depends on none of them (the call relay reports through {@link org.parley.server.metrics.RelayFigures}).
 */
package org.parley.server.metrics;
