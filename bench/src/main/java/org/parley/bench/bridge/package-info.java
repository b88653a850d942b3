/**
 * {@code parley bench bridge}: what a bridge ({@code parley proxy}) adds between clients and a
 * server: message throughput and latency, call-frame latency on the WebSocket media path, and the
 * bridge's memory per relayed connection, each measured directly and through the bridge.
 */
package org.parley.bench.bridge;
